import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from ag_fake import make_fake_lab

from autograder.batch import grade_items, slug
from autograder.outputs import grades_csv, summary_text, write_outputs
from autograder.inputs import InputItem, collect
from mlsys_labs.submission import build_submission
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()
LABS = {LAB.id: LAB}


def sub(student="ada", answers=None, created="2025-01-01T10:00:00Z", **extra):
    v = make_variant(LAB, student)
    d = build_submission(LAB, v, LAB.key_answers(v) if answers is None else answers, created=created)
    d.update(extra)
    return d


def item(obj, name="s.json"):
    data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return InputItem(name, data=data)


def grade(*items):
    return grade_items(list(items), labs=LABS, progress=False)


def test_good_submission_full_marks(tmp_path):
    b = grade(item(sub()))
    (r,) = b.kept
    assert r.status == "graded" and r.score == r.max_score == 6
    write_outputs(b, tmp_path)
    res = json.loads((tmp_path / "results" / LAB.id / f"{slug('ada')}.json").read_text())
    assert res["score"] == 6 and res["max_score"] == 6
    assert {t["name"].split(":")[0] for t in res["tests"]} == set(LAB.question_ids)
    for t in res["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
    assert "output" in res and res["visibility"] == "visible"


BAD_FILES = {
    "malformed": (b"{not json", "malformed_json"),
    "non_utf8": (b'{"a": "\xff\xfe"}', "not_utf8"),
    "nan": (b'{"schema": NaN}', "nan_in_json"),
    "infinity": (b'{"x": -Infinity}', "nan_in_json"),
    "huge": (b" " * (300 * 1024) + b"{}", "too_large"),
    "empty": (b"", "empty"),
    "deep": (b"[" * 200000, "malformed_json"),
    "array": (b"[1, 2]", "not_object"),
    "bigint": (b'{"x": ' + b"9" * 5000 + b"}", "malformed_json"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_get_a_clear_result_and_the_batch_continues(name, tmp_path):
    data, code = BAD_FILES[name]
    b = grade(item(data, "bad.json"), item(sub("bob")))
    assert [r.status for r in b.entries] == ["rejected", "graded"]
    assert b.entries[0].error_code == code and b.entries[0].error
    assert b.entries[1].score == 6
    write_outputs(b, tmp_path)
    rej = list((tmp_path / "rejected").glob("*.json"))
    assert len(rej) == 1
    res = json.loads(rej[0].read_text())
    assert res["score"] == 0 and res["output"].startswith("Submission rejected")


@pytest.mark.parametrize("patch,code", [
    ({"schema": "other/2"}, "wrong_schema"),
    ({"lab": "no_such_lab"}, "unknown_lab"),
    ({"student": ""}, "bad_student"),
    ({"student": "x" * 65}, "bad_student"),
    ({"student": 42}, "bad_student"),
    ({"student": "a\nb"}, "bad_student"),
    ({"answers": ["3 ms"]}, "bad_answers"),
])
def test_schema_problems(patch, code):
    d = sub()
    d.update(patch)
    (r,) = grade(item(d)).entries
    assert r.status == "rejected" and r.error_code == code


def test_missing_schema():
    d = sub()
    del d["schema"]
    assert grade(item(d)).entries[0].error_code == "wrong_schema"


def test_rejected_with_identity_gets_zero_row():
    d = sub("carl")
    d["answers"] = "oops"
    b = grade(item(d))
    rows = list(csv.DictReader(io.StringIO(grades_csv(b.kept))))
    assert rows[0]["student"] == "carl" and rows[0]["score"] == "0" and rows[0]["status"].startswith("rejected")


def test_answer_level_problems_are_graded_zero_with_messages():
    answers = {"q_bw": "10**10**10 m", "q_time": "1e999999 GB", "q_frac": "__import__('os')",
               "q_cost": "x" * 5000, "q_choice": ""}
    d = sub(answers=answers, extra_field=1)
    d["answers"].update(q_unknown="1", q_other="2")
    (r,) = grade(item(d)).kept
    assert r.score == 0
    assert all(f.score == 0 for f in r.feedback.values())
    assert r.feedback["q_bw"].code == "unreadable" and "powers" in r.feedback["q_bw"].message
    assert r.feedback["q_time"].code == "unreadable"
    assert r.feedback["q_choice"].code == "missing"
    text = " ".join(r.warnings)
    assert "unknown question ids" in text and "q_unknown" in text and "extra fields" in text and "no answer" in text


def test_missing_answers_get_zero_with_message():
    d = sub(answers={"q_bw": "1 TB/s"})
    (r,) = grade(item(d)).kept
    assert r.feedback["q_time"].code == "missing" and r.feedback["q_time"].message == "no answer given"


def test_numbers_and_nulls_in_answers():
    v = make_variant(LAB, "ada")
    d = sub()
    d["answers"] = {"q_bw": v["bw"], "q_time": None, "q_frac": [1], "q_cost": True}
    (r,) = grade(item(d)).kept
    assert r.feedback["q_bw"].correct  # a JSON number is read in the question's unit
    assert r.feedback["q_frac"].code == "missing"


def test_lab_version_mismatch_warns_but_grades():
    (r,) = grade(item(sub(lab_version="1"))).kept
    assert r.score == 6 and any("differs" in w for w in r.warnings)


def test_claimed_variant_is_reported_and_ignored():
    d = sub("ada")
    d["variant"] = {"seed": "0" * 16, "params": {"bw": 999, "n": 1, "mode": "mem"}}
    (r,) = grade(item(d)).kept
    assert r.score == 6  # graded with the recomputed variant
    assert any("claims a different variant" in w for w in r.warnings)


def test_another_students_answers_do_not_transfer():
    # answers from bob's key submitted under ada's id: graded against ada's variant
    vb = make_variant(LAB, "bob")
    d = sub("ada", answers=LAB.key_answers(vb))
    (r,) = grade(item(d)).kept
    va = make_variant(LAB, "ada")
    assert r.score == sum(q.points for q in LAB.questions if q.expected_text(va) == q.expected_text(vb)
                          or q.check(va, LAB.key_answers(vb)[q.id]).correct)


def test_latest_per_student_kept_others_superseded(tmp_path):
    old = sub("ada", answers={"q_bw": "0 TB/s"}, created="2025-01-01T09:00:00Z")
    new = sub("Ada", created="2025-01-02T09:00:00+00:00")
    older_no_time = sub("ada")
    del older_no_time["created"]
    b = grade(item(new, "new.json"), item(old, "old.json"), item(older_no_time, "nt.json"), item(sub("bob")))
    assert [r.status for r in b.entries] == ["graded", "superseded", "superseded", "graded"]
    assert len(b.kept) == 2 and {r.source for r in b.kept} == {"new.json", "s.json"}
    assert "superseded by new.json" in b.entries[1].warnings[-1]
    write_outputs(b, tmp_path)
    d, ada = tmp_path / "results" / LAB.id, slug("ada")
    assert sorted(p.name for p in d.iterdir()) == sorted(
        [f"{ada}.json", f"{ada}.superseded-1.json", f"{ada}.superseded-2.json", f"{slug('bob')}.json"])
    assert json.loads((d / f"{ada}.json").read_text())["score"] == 6
    summ = json.loads((tmp_path / "summary.json").read_text())
    assert summ["superseded"] == 2 and summ["kept"] == 2


def test_same_created_later_file_wins():
    a = sub("ada", answers={"q_bw": "0 TB/s"})
    b2 = sub("ada")
    b = grade(item(a, "a.json"), item(b2, "b.json"))
    assert b.kept[0].source == "b.json"


def test_student_ids_with_path_separators_never_reach_paths(tmp_path):
    evil = ["../../etc/passwd", "..", "/abs/path", "a\\b\\..\\c", ".hidden", "con", "x/" * 20]
    b = grade(*[item(sub(s), f"{i}.json") for i, s in enumerate(evil)])
    assert all(r.status == "graded" for r in b.entries)
    write_outputs(b, tmp_path)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    for p in files:
        assert tmp_path.resolve() in p.resolve().parents
        rel = p.relative_to(tmp_path)
        assert all(not part.startswith(".") for part in rel.parts)
    assert len(list((tmp_path / "results" / LAB.id).iterdir())) == len(evil)


def test_grades_csv_columns_and_formula_injection():
    b = grade(item(sub("=HYPERLINK(1)")), item(sub("bob")))
    rows = list(csv.reader(io.StringIO(grades_csv(b.kept))))
    assert rows[0][:6] == ["student", "lab", "score", "max_score", "percent", "status"]
    assert rows[0][8:] == LAB.question_ids
    students = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(1)" in students and "bob" in students
    for r in rows[1:]:
        assert r[2] == "6" and r[3] == "6" and r[8:] == ["1", "1", "1", "1", "2"]


def test_summary_text_mentions_counts():
    b = grade(item(sub()), item(b"{", "broken.json"))
    text = summary_text(b)
    assert "1 graded" in text and "1 rejected" in text and "broken.json" in text


def test_expect_lab():
    b = grade_items([item(sub())], labs=LABS, progress=False, expect_lab="00_other")
    assert b.entries[0].error_code == "wrong_lab"


def test_progress_bar_plain_text():
    err = io.StringIO()
    from autograder.batch import Progress

    p = Progress(300, stream=err)
    for _ in range(300):
        p.step()
    p.done()
    assert "300/300 100%" in err.getvalue() and "graded 300" in err.getvalue()
    quiet = io.StringIO()
    Progress(10, stream=quiet).step()
    assert quiet.getvalue() == ""


# -- inputs ----------------------------------------------------------------------------------
def _zip(path: Path, members: dict):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_collect_files_folders_zips(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.json").write_text("{}")
    (tmp_path / "d" / "sub" / "b.json").write_text("{}")
    (tmp_path / "d" / "notes.txt").write_text("x")
    (tmp_path / "d" / ".hidden.json").write_text("{}")
    _zip(tmp_path / "d" / "batch.zip", {"w1/c.json": "{}", "__MACOSX/._c.json": "x", "readme.md": "x"})
    skipped = []
    items = list(collect([tmp_path / "d"], skipped=skipped))
    names = [i.source.replace(str(tmp_path), "") for i in items]
    assert names == ["/d/a.json", "/d/batch.zip!w1/c.json", "/d/sub/b.json"]
    assert sorted((s.replace(str(tmp_path), ""), why) for s, why in skipped) == [
        ("/d/.hidden.json", "hidden"), ("/d/batch.zip!__MACOSX/._c.json", "hidden"),
        ("/d/batch.zip!readme.md", "not a .json file"), ("/d/notes.txt", "not a .json or .zip file")]
    assert all(i.data == b"{}" for i in items)


def test_zip_guards(tmp_path):
    bomb = b"0" * (50 * 1024 * 1024)  # 50 MiB of zeros compresses to ~50 KiB
    z = _zip(tmp_path / "evil.zip", {"../../escape.json": "{}", "/abs.json": "{}", "bomb.json": bomb,
                                     "inner.zip": b"PK", "ok.json": "{}"})
    items = {i.source.split("!")[1]: i for i in collect([z])}
    assert items["../../escape.json"].error[0] == "unsafe_path"
    assert items["/abs.json"].error[0] == "unsafe_path"
    assert items["bomb.json"].error[0] == "too_large"
    assert items["inner.zip"].error[0] == "nested_zip"
    assert items["ok.json"].data == b"{}"
    assert not (tmp_path.parent / "escape.json").exists()


def test_zip_with_lying_header_is_capped(tmp_path):
    z = _zip(tmp_path / "lie.zip", {"big.json": b"1" * (400 * 1024)})
    raw = bytearray(z.read_bytes())
    # patch the central-directory uncompressed size to 10 bytes
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24: cd + 28] = (10).to_bytes(4, "little")
    z.write_bytes(bytes(raw))
    (it,) = list(collect([z]))
    assert it.error is not None  # either too_large after capped read or a CRC/size error: never a 400 KiB read


def test_corrupt_zip_and_missing_path(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04garbage")
    items = list(collect([tmp_path / "bad.zip", tmp_path / "nope.json"]))
    assert [i.error[0] for i in items] == ["bad_zip", "not_found"]


def test_symlinks_in_folders_are_not_followed(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"secret": 1}')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.json").symlink_to(secret)
    skipped = []
    assert list(collect([tmp_path / "sub"], skipped=skipped)) == []
    assert skipped == [(str(tmp_path / "sub" / "link.json"), "symbolic link (not followed)")]


def test_big_file_rejected_before_reading(tmp_path):
    p = tmp_path / "big.json"
    p.write_bytes(b" " * (257 * 1024))
    (it,) = list(collect([p]))
    assert it.error[0] == "too_large"


def test_results_text_reuses_test_entries_and_matches_a_full_dump():
    from autograder.outputs import _dumps, _results_text

    answers = [None, {"q_bw": "3.35 TB/s", "q_choice": "memory-bound"}, {"q_bw": "1.5 \u202eTB/s", "q_time": "\ud800"},
               {"q_cost": "$9.1M", "q_frac": "0.2", "q_time": "1e999 ms"}, {"q_bw": "\U000e0041 1 TB/s"}]
    items = [item(sub(student=f"s{i}", answers=a)) for i, a in enumerate(answers * 3)]
    items += [item(sub(student="\u202eeve")), item(b"{not json"), item(sub(student="bob", attempts=[
        {"question": "q_bw", "time": "2025-01-01T09:00:00Z", "answer": "\U0001f600"}]))]
    b = grade(*items)
    cache: dict = {}
    for reveal in (False, True, False):
        for r in b.entries:
            assert _results_text(r, reveal, cache) == _dumps(r.to_gradescope(reveal=reveal))
    assert cache
