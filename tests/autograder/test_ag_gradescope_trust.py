"""Gradescope mode takes identity and time from Gradescope's submission_metadata.json, not from the file."""

import json
import os

import pytest

from autograder.cli import main
from autograder.gradescope import parse_late_policy

LAB = "00_hello_roofline"


def key_file(tmp_path, capsys, student="ada@uni.edu", name="sub.json"):
    assert main(["key", LAB, "--student", student, "--created", "2026-02-01T00:00:00Z"]) == 0
    d = tmp_path / "submission"
    d.mkdir(exist_ok=True)
    (d / name).write_text(capsys.readouterr().out)
    return d


def metadata(tmp_path, users, created="2026-02-01T10:00:00-05:00", due="2026-02-01T23:59:00-05:00",
             late_due="2026-02-04T23:59:00-05:00"):
    m = {"id": 1, "created_at": created, "users": users,
         "assignment": {"due_date": due, "late_due_date": late_due, "total_points": "4.0"}}
    p = tmp_path / "submission_metadata.json"
    p.write_text(json.dumps(m))
    return str(p)


def gradescope(tmp_path, sub_dir, *extra):
    res = tmp_path / "results.json"
    assert main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(res), "--lab", LAB, *extra]) == 0
    return json.loads(res.read_text(encoding="utf-8"))


def test_own_file_full_marks_and_on_time(tmp_path, capsys):
    d = key_file(tmp_path, capsys)
    meta = metadata(tmp_path, [{"email": "ADA@uni.edu", "id": 7, "name": "Ada"}])
    res = gradescope(tmp_path, d, "--metadata", meta)
    assert res["score"] == res["max_score"] > 0
    assert "matches the Gradescope submitter" in res["output"] and "on time" in res["output"]


def test_friends_file_scores_zero_and_names_both_ids(tmp_path, capsys):
    d = key_file(tmp_path, capsys, student="friend@uni.edu")
    meta = metadata(tmp_path, [{"email": "ada@uni.edu", "id": 7, "name": "Ada"}])
    res = gradescope(tmp_path, d, "--metadata", meta)
    assert res["score"] == 0 and all(t["score"] == 0 for t in res["tests"])
    assert "IDENTITY MISMATCH" in res["output"] and "friend@uni.edu" in res["output"] and "ada@uni.edu" in res["output"]
    flagged = gradescope(tmp_path, d, "--metadata", meta, "--on-id-mismatch", "flag")
    assert flagged["score"] == flagged["max_score"] and "flagged" in flagged["output"]


def test_group_submission_any_member_matches_and_sid_field(tmp_path, capsys):
    d = key_file(tmp_path, capsys, student="s123")
    meta = metadata(tmp_path, [{"email": "a@x.edu", "sid": "s999"}, {"email": "b@x.edu", "sid": "S123"}])
    assert gradescope(tmp_path, d, "--metadata", meta, "--id-field", "sid")["score"] > 0
    assert gradescope(tmp_path, d, "--metadata", meta)["score"] == 0  # email does not match


@pytest.mark.parametrize("policy,created,factor", [
    ("none", "2026-02-02T10:00:00-05:00", 1.0),
    ("zero", "2026-02-02T10:00:00-05:00", 0.0),
    ("percent-per-day=10", "2026-02-02T10:00:00-05:00", 0.9),   # 10 h late: one started day
    ("percent-per-day=10", "2026-02-03T10:00:00-05:00", 0.8),   # 34 h late: two days
    ("percent-per-day=10", "2026-02-05T10:00:00-05:00", 0.0),   # after the late due date
    ("zero", "2026-02-01T23:00:00-05:00", 1.0),                 # on time
])
def test_lateness_from_gradescope_time(tmp_path, capsys, policy, created, factor):
    d = key_file(tmp_path, capsys)  # the file claims created 2026-02-01T00:00Z: ignored for lateness
    meta = metadata(tmp_path, [{"email": "ada@uni.edu"}], created=created)
    res = gradescope(tmp_path, d, "--metadata", meta, "--late-policy", policy)
    assert res["score"] == pytest.approx(res["max_score"] * factor)
    assert ("on time" in res["output"]) == ("23:00" in created)


def test_absent_or_broken_metadata(tmp_path, capsys):
    d = key_file(tmp_path, capsys, student="anyone")
    res = gradescope(tmp_path, d, "--metadata", str(tmp_path / "absent.json"))
    assert res["score"] == res["max_score"] and "IDENTITY" not in res["output"]
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff{")
    res = gradescope(tmp_path, d, "--metadata", str(bad))
    assert "not valid JSON" in res["output"]


def test_non_utf8_uploaded_file_name_still_writes_results(tmp_path, capsys):
    d = key_file(tmp_path, capsys, name="ok.json")
    os.rename(d / "ok.json", os.path.join(os.fsencode(d), b"caf\xe9\x1b[2J.json"))
    res = gradescope(tmp_path, d)
    assert res["score"] == res["max_score"]
    assert "caf\\xe9\\x1b[2J.json" in res["output"] and "\x1b" not in res["output"]
    (tmp_path / "results.json").read_bytes().decode("utf-8")


def test_late_policy_parsing():
    assert parse_late_policy("percent-per-day=12.5") == ("percent-per-day", 12.5)
    for bad in ("percent-per-day=0", "percent-per-day=x", "weekly"):
        with pytest.raises(ValueError):
            parse_late_policy(bad)
