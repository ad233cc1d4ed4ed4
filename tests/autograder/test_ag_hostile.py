"""Hostile inputs from issue 9: one bad file never costs another student's grade, and every output is
valid UTF-8 with control/bidi characters shown escaped."""

import csv
import io
import json
import os
import zipfile

import pytest
from ag_fake import make_fake_lab

from autograder.batch import grade_items, grade_paths
from autograder.cli import main
from autograder.inputs import MAX_ARCHIVE_BYTES, InputItem, collect
from autograder.outputs import OutputError, write_outputs
from mlsys_labs.submission import build_submission
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()
LABS = {LAB.id: LAB}


def sub(student="ada", created="2026-01-01T10:00:00Z", **extra):
    v = make_variant(LAB, student)
    d = build_submission(LAB, v, LAB.key_answers(v), created=created)
    d.update(extra)
    return d


def raw_json(obj_text: str) -> bytes:
    return obj_text.encode("utf-8")


def honest(n=3):
    return [InputItem(f"honest{i}.json", data=json.dumps(sub(f"h{i}")).encode()) for i in range(n)]


def all_outputs_utf8(out):
    for p in out.rglob("*"):
        if p.is_file():
            text = p.read_bytes().decode("utf-8")  # raises if not UTF-8
            assert "\x1b" not in text and "\u202e" not in text, p


HOSTILE = {
    "surrogate_created": raw_json(json.dumps(sub("s1"))[:-1] + ', "created": "\\ud800"}'),
    "surrogate_student": raw_json(json.dumps(sub("s2")).replace('"student": "s2"', '"student": "\\ud800x"')),
    "far_future_created": json.dumps(sub("s3", created="9999-12-31T23:59:59-23:59")).encode(),
    "escape_in_student": json.dumps(sub("s4\x1b[2J")).encode(),
    "bidi_in_student": json.dumps(sub("ad\u202ea")).encode(),
    "zero_width_student": json.dumps(sub("a\u200bda")).encode(),
    "forged_summary_in_answer": json.dumps(sub("s5", answers={"q_bw": "1\r\n99 file(s): 99 graded"})).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_one_hostile_file_never_spoils_the_batch(name, tmp_path, capsys):
    items = honest(2) + [InputItem(f"{name}\udcff.json", data=HOSTILE[name])] + honest(3)[2:]
    b = grade_items(items, labs=LABS, progress=False)
    assert len(b.entries) == 4
    assert [r.status for r in b.entries if r.source.startswith("honest")] == ["graded"] * 3
    assert all(r.score == r.max_score for r in b.entries if r.source.startswith("honest"))
    out = tmp_path / "out"
    summary = write_outputs(b, out, labs=LABS)
    assert summary["inputs"] == 4
    all_outputs_utf8(out)
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    assert {"h0", "h1", "h2"} <= {r["student"] for r in rows}


def test_far_future_created_is_graded_with_a_note():
    (r,) = grade_items([InputItem("f.json", data=HOSTILE["far_future_created"])], labs=LABS, progress=False).entries
    assert r.status == "graded" and any("'created'" in w for w in r.warnings)


def test_ids_with_invisible_characters_are_bad_student():
    for name in ("bidi_in_student", "zero_width_student", "surrogate_student"):
        (r,) = grade_items([InputItem("x.json", data=HOSTILE[name])], labs=LABS, progress=False).entries
        assert r.error_code == "bad_student", name


def test_file_names_are_printed_escaped(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    evil = os.path.join(os.fsencode(d), b"\xff\x1b[31mred\r\n1 file(s): 1 graded.json")
    with open(evil, "wb") as f:
        f.write(b"{broken")
    (d / "ok.json").write_text(json.dumps(sub("ok")))
    # the real catalog is used by the CLI, so grade a fake-lab batch via the library and print its summary
    from autograder.outputs import summary_text

    b = grade_paths([d], labs=LABS, progress=False)
    text = summary_text(b)
    assert "\x1b" not in text and "\r" not in text and "\\xff\\x1b[31mred\\x0d\\x0a1 file(s)" in text
    assert [line for line in text.splitlines() if line[:1].isdigit()] == [text.splitlines()[0]]  # no forged line


def test_rerun_never_truncates_the_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "out"
    b = grade_items(honest(3), labs=LABS, progress=False)
    write_outputs(b, out, labs=LABS)
    before = (out / "grades.csv").read_text()
    import autograder.outputs as outputs

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs, "integrity_rows", boom)
    with pytest.raises(RuntimeError):
        write_outputs(grade_items(honest(1), labs=LABS, progress=False), out, labs=LABS)
    assert (out / "grades.csv").read_text() == before  # untouched, and no partial folder left behind
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_out_that_is_a_file_or_inside_the_inputs_is_a_clear_error(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    (tmp_path / "in").mkdir()
    assert main(["grade", str(tmp_path / "in"), "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "in" / "graded")]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_text("x")
    with pytest.raises(OutputError):
        write_outputs(grade_items([], labs=LABS, progress=False), other, labs=LABS)
    assert (other / "cat.jpg").exists()


def test_one_huge_archive_cannot_drain_a_budget_for_later_students(tmp_path):
    big = tmp_path / "a_big.zip"
    member = b" " * (256 * 1024)
    n = MAX_ARCHIVE_BYTES // len(member) + 1
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            zf.writestr(f"m{i}.json", member)
    later = tmp_path / "b_later.json"
    later.write_text(json.dumps(sub("later")))
    items = list(collect([big, later]))
    assert [i.error[0] if i.error else "ok" for i in items] == ["archive_too_large", "ok"]


def test_zip_entry_count_checked_before_the_directory_is_parsed(tmp_path, monkeypatch):
    import autograder.inputs as inputs

    monkeypatch.setattr(inputs, "MAX_ZIP_MEMBERS", 10)
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(11):
            zf.writestr(f"{i}.json", "{}")

    def no_parse(*a, **k):
        raise AssertionError("the central directory must not be parsed")

    monkeypatch.setattr(inputs.zipfile, "ZipFile", no_parse)
    (it,) = list(collect([z]))
    assert it.error[0] == "archive_too_large" and "11 entries" in it.error[1]


def test_duplicate_keys_do_not_blow_up_notes(tmp_path):
    key = "k" * 4000
    text = "{" + ",".join([f'"{key}": 1'] * 40) + "," + json.dumps(sub("dup"))[1:]
    b = grade_items([InputItem("dup.json", data=text.encode())], labs=LABS, progress=False)
    out = tmp_path / "out"
    write_outputs(b, out, labs=LABS)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size < 40_000, size


def test_writing_one_files_results_cannot_fail_the_batch(tmp_path, monkeypatch):
    b = grade_items(honest(3), labs=LABS, progress=False)
    bad = b.entries[1]

    def broken(**k):
        raise TypeError("not serialisable")

    monkeypatch.setattr(bad, "to_gradescope", broken)
    summary = write_outputs(b, tmp_path / "out", labs=LABS)
    assert summary["write_errors"] == 1
    assert summary["files"][1]["write_error"].startswith("could not write")
    assert summary["files"][0]["write_error"] is None


def test_validate_reports_hostile_files_without_a_traceback(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    real = json.loads(_real_key(capsys))
    real["created"] = "9999-12-31T23:59:59-23:59"
    (d / "future.json").write_text(json.dumps(real))
    (d / "surrogate.json").write_bytes(json.dumps(real).replace('"created": "9999-12-31T23:59:59-23:59"',
                                                                '"created": "\\ud800"').encode())
    (d / "bidi.json").write_text(json.dumps({**real, "student": "ad\u202ea"}))
    assert main(["validate", str(d)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "\u202e" not in out.out
    assert "OK       " in out.out and "INVALID" in out.out and "bad_student" in out.out


def _real_key(capsys) -> str:
    assert main(["key", "00_hello_roofline", "--student", "ada"]) == 0
    return capsys.readouterr().out
