"""The command line on real catalog labs: grade / labs / key / validate / gradescope / package."""

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from mlsys_labs.catalog import lab_ids

ROOT = Path(__file__).resolve().parents[2]
LAB = "00_hello_roofline"


def run(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'labkit'}"}
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def key(student, capsys):
    assert main(["key", LAB, "--student", student, "--created", "2025-02-01T00:00:00Z"]) == 0
    return json.loads(capsys.readouterr().out)


def test_labs_prints_json_list():
    p = run("labs")
    assert p.returncode == 0
    ids = json.loads(p.stdout)
    assert LAB in ids and ids == lab_ids()


def test_labs_details(capsys):
    assert main(["labs", "--details"]) == 0
    details = json.loads(capsys.readouterr().out)
    assert any(d["id"] == LAB and d["walls"] == [1, 2] for d in details)


def test_key_then_grade_scores_100(tmp_path, capsys):
    k = key("ada@uni.edu", capsys)
    assert k["schema"] == "mlsys-lab-submission/1" and k["lab"] == LAB and k["student"] == "ada@uni.edu"
    f = tmp_path / "ada.json"
    f.write_text(json.dumps(k))
    p = run("grade", str(f), "--out", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    assert "1 graded" in p.stdout
    rows = list(csv.DictReader(open(tmp_path / "out" / "grades.csv")))
    assert rows[0]["student"] == "ada@uni.edu" and rows[0]["score"] == rows[0]["max_score"]
    assert rows[0]["percent"] == "100.0"


def test_key_unknown_lab_and_bad_student(capsys):
    assert main(["key", "nope", "--student", "a"]) == 2
    assert "unknown lab" in capsys.readouterr().err
    assert main(["key", LAB, "--student", " "]) == 2


def test_grade_folder_and_zip_with_bad_files(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    for s in ("s1", "s2", "s3"):
        (d / f"{s}.json").write_text(json.dumps(key(s, capsys)))
    (d / "broken.json").write_bytes(b"\xff\xfe")
    with zipfile.ZipFile(tmp_path / "more.zip", "w") as zf:
        zf.writestr("w/s4.json", json.dumps(key("s4", capsys)))
        zf.writestr("../evil.json", "{}")
    out = tmp_path / "out"
    assert main(["grade", str(d), str(tmp_path / "more.zip"), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "6 file(s): 4 graded, 0 superseded, 2 rejected" in text
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert sorted(r["student"] for r in rows) == ["s1", "s2", "s3", "s4"]
    summary = json.loads((out / "summary.json").read_text())
    assert {f["error_code"] for f in summary["files"] if f["status"] == "rejected"} == {"not_utf8", "unsafe_path"}


def test_validate(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(key("v1", capsys)))
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "x"}')
    assert main(["validate", str(good)]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad), "--json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in rep] == [True, False] and rep[1]["code"] == "wrong_schema"
    assert main(["validate", str(tmp_path / "empty_dir_missing")]) == 1


def test_gradescope_mode(tmp_path, capsys):
    sub_dir = tmp_path / "submission"
    sub_dir.mkdir()
    (sub_dir / "my_lab.json").write_text(json.dumps(key("gs1", capsys)))
    results = tmp_path / "results" / "results.json"
    assert main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(results), "--lab", LAB]) == 0
    res = json.loads(results.read_text())
    assert res["score"] == res["max_score"] > 0 and res["tests"] and "execution_time" in res


def test_gradescope_wrong_lab_empty_and_broken(tmp_path, capsys):
    sub_dir = tmp_path / "submission"
    sub_dir.mkdir()
    results = tmp_path / "r.json"
    assert main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(results)]) == 0
    assert "No submission file found" in json.loads(results.read_text())["output"]
    capsys.readouterr()
    (sub_dir / "x.json").write_text(json.dumps(key("gs2", capsys)))
    assert main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(results), "--lab",
                 "01_memory_quantization"]) == 0
    res = json.loads(results.read_text())
    assert res["score"] == 0 and "this assignment grades lab" in res["output"]
    (sub_dir / "x.json").write_text("{{{")
    assert main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(results)]) == 0
    assert json.loads(results.read_text())["score"] == 0


def test_gradescope_keeps_latest_of_several_files(tmp_path, capsys):
    sub_dir = tmp_path / "submission"
    sub_dir.mkdir()
    k_old = key("gs3", capsys)
    k_old["created"] = "2025-01-01T00:00:00Z"
    k_old["answers"] = {}
    k_new = key("gs3", capsys)
    (sub_dir / "a.json").write_text(json.dumps(k_new))
    (sub_dir / "b.json").write_text(json.dumps(k_old))
    results = tmp_path / "r.json"
    main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(results)])
    res = json.loads(results.read_text())
    assert res["score"] == res["max_score"] and "superseded" in res["output"]


def test_run_autograder_script(tmp_path, capsys):
    sub_dir = tmp_path / "submission"
    sub_dir.mkdir()
    (sub_dir / "s.json").write_text(json.dumps(key("rs", capsys)))
    results = tmp_path / "out" / "results.json"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'labkit'}"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    p = subprocess.run([str(ROOT / "autograder" / "run_autograder"), "--submission-dir", str(sub_dir),
                        "--results", str(results)], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    res = json.loads(results.read_text())
    assert res["score"] == res["max_score"]


def test_package(tmp_path, capsys):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "mlsysim_core-0.1.0-py3-none-any.whl").write_bytes(b"fake")
    (wheels / "mlsys_labkit-0.1.0-py3-none-any.whl").write_bytes(b"fake")
    out = tmp_path / "ag.zip"
    assert main(["package", "--wheels", str(wheels), "--out", str(out), "--lab", LAB]) == 0
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "gradescope.json", "autograder/cli.py", "autograder/__main__.py",
                "wheels/mlsysim_core-0.1.0-py3-none-any.whl"} <= names
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        assert json.loads(zf.read("gradescope.json"))["lab"] == LAB
    empty = tmp_path / "none"
    empty.mkdir()
    assert main(["package", "--wheels", str(empty), "--out", str(tmp_path / "x.zip")]) == 2


def test_package_config_is_honoured(tmp_path, capsys):
    cfg = tmp_path / "gradescope.json"
    cfg.write_text(json.dumps({"lab": "01_memory_quantization", "reveal_expected": True}))
    sub_dir = tmp_path / "submission"
    sub_dir.mkdir()
    (sub_dir / "s.json").write_text(json.dumps(key("cfg", capsys)))
    results = tmp_path / "r.json"
    main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(results), "--config", str(cfg)])
    assert "this assignment grades lab" in json.loads(results.read_text())["output"]


@pytest.mark.parametrize("argv", [["grade"], ["nope"], []])
def test_usage_errors(argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2


def test_grade_with_roster_lms_penalty_and_report(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    for s in ("ada", "bob"):
        k = key(s, capsys)
        first = next(iter(k["answers"]))
        k["attempts"] = [{"question": first, "time": "2025-01-31T10:00:00Z", "answer": "1 banana", "correct": False},
                         {"question": first, "time": "2025-01-31T10:01:00Z", "answer": "0 s", "correct": False},
                         {"question": first, "time": "2025-01-31T10:02:00Z", "answer": k["answers"][first],
                          "correct": True}]
        (d / f"{s}.json").write_text(json.dumps(k))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,email,name,section\nada,ada@uni.edu,Ada,A\nbob,bob@uni.edu,Bob,B\ncy,cy@uni.edu,Cy,A\n")
    out = tmp_path / "out"
    assert main(["grade", str(d), "--out", str(out), "--quiet", "--roster", str(roster), "--fill-missing",
                 "--lms", "canvas", "--lms", "moodle", "--lms", "blackboard", "--attempt-penalty", "0.25",
                 "--report"]) == 0
    assert "1 missing" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert {"grades.csv", "grades-canvas.csv", "grades-moodle.csv", "grades-blackboard.csv", "integrity.csv",
            "summary.json", "report.html", "report.md"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert [m["id"] for m in summary["missing"]] == ["cy"] and summary["not_on_roster"] == []
    files = {f["student"]: f for f in summary["files"]}
    assert files["ada"]["score"] == files["ada"]["max_score"] - 0.5  # 2 wrong checks × 0.25 of a 1-point question
    canvas = list(csv.DictReader(open(out / "grades-canvas.csv", encoding="utf-8")))
    assert {(r["SIS User ID"], r["SIS Login ID"], r[LAB]) for r in canvas} == {
        ("ada", "ada@uni.edu", f"{files['ada']['score']:g}"), ("bob", "bob@uni.edu", f"{files['bob']['score']:g}"),
        ("cy", "cy@uni.edu", "0")}


def test_bad_roster_and_penalty_are_clear_errors(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    r = tmp_path / "r.csv"
    r.write_text("email\nx@y\n")
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--roster", str(r)]) == 2
    assert "no 'id' column" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--attempt-penalty", "2"])
    assert not (tmp_path / "o").exists()
