"""Roster matching, id collisions, replacements, LMS exports (re-read and matched to the roster) and
integrity signals."""

import csv
import io
import json

import pytest
from ag_fake import make_fake_lab

from autograder.batch import apply_roster, grade_items
from autograder.inputs import InputItem
from autograder.integrity import integrity_rows
from autograder.lms import lms_csv
from autograder.outputs import write_outputs
from autograder.roster import RosterError, identity_key, parse_roster
from mlsys_labs.submission import build_submission
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()
LAB2 = make_fake_lab("98_other")
LABS = {LAB.id: LAB, LAB2.id: LAB2}
ROSTER = "id,email,name,section\nada,Ada.L@uni.edu,Ada Lovelace,S1\nbob,bob@uni.edu,Bob,S2\ncy,cy@uni.edu,Cy,S1\n"


def sub(student, lab=LAB, answers=None, created="2026-01-01T10:00:00Z"):
    v = make_variant(lab, student)
    return build_submission(lab, v, LAB.key_answers(v) if answers is None else answers, created=created)


def item(d, name):
    return InputItem(name, data=json.dumps(d).encode())


def batch(*items, roster=ROSTER, fill=False):
    b = grade_items(list(items), labs=LABS, progress=False)
    if roster is not None:
        apply_roster(b, parse_roster(roster), fill_missing=fill, labs=LABS)
    return b


def test_roster_matches_by_id_or_email_and_lists_missing_and_unknown():
    b = batch(item(sub("ADA"), "a.json"), item(sub("bob@uni.edu"), "b.json"), item(sub("zed"), "z.json"))
    assert {r.identity.get("id") for r in b.kept} == {"ada", "bob", None}
    assert [x["student"] for x in b.not_on_roster] == ["zed"]
    assert [(m["lab"], m["id"]) for m in b.missing] == [(LAB.id, "cy")]


def test_fill_missing_writes_zero_rows(tmp_path):
    b = batch(item(sub("ada"), "a.json"), fill=True)
    summary = write_outputs(b, tmp_path / "out", labs=LABS)
    rows = list(csv.DictReader(open(tmp_path / "out" / "grades.csv", encoding="utf-8")))
    assert {(r["student"], r["score"], r["status"]) for r in rows} == {("ada", "6", "graded"), ("bob", "0", "missing"),
                                                                          ("cy", "0", "missing")}
    assert [m["id"] for m in summary["missing"]] == ["bob", "cy"] and summary["not_on_roster"] == []


@pytest.mark.parametrize("text,needle", [
    ("email,name\na@x,A\n", "no 'id' column"),
    ("id,email\n,a@x\n", "line 2: field 'id' is empty"),
    ("id\nAda\nada\n", "line 3"),
    ("", "empty"),
])
def test_malformed_roster_names_line_and_field(text, needle):
    with pytest.raises(RosterError) as e:
        parse_roster(text, "r.csv")
    assert needle in str(e.value)


def test_look_alike_ids_are_a_collision_not_merged():
    kelvin = "\u212aim"  # KELVIN SIGN + "im": NFKC + casefold gives "kim"
    assert identity_key(kelvin) == identity_key("Kim") == "kim"
    b = batch(item(sub("straße"), "1.json"), item(sub("strasse"), "2.json"), item(sub("Kim"), "3.json"),
              item(sub(kelvin), "4.json"), roster=None)
    assert len(b.kept) == 4 and not b.superseded
    assert sorted(tuple(c["ids"]) for c in b.collisions) == [("Kim", kelvin), ("strasse", "straße")]
    assert all(any("collision" in w for w in r.warnings) for r in b.kept)


def test_every_replacement_is_reported_with_both_scores():
    b = batch(item(sub("ada", answers={"q_bw": "1 TB/s"}, created="2026-01-01T09:00:00Z"), "first.json"),
              item(sub("ada", created="2026-01-02T09:00:00Z"), "later.json"), roster=None)
    (rep,) = b.replacements
    assert (rep["kept"], rep["replaced"], rep["kept_score"]) == ("later.json", "first.json", 6)
    assert rep["replaced_score"] < 6


def _read(text):
    return list(csv.reader(io.StringIO(text)))


def test_canvas_export_round_trip_matches_the_roster():
    b = batch(item(sub("ada"), "a.json"), item(sub("bob", lab=LAB2, answers={}), "b.json"),
              item(sub("bob"), "b1.json"))
    rows = _read(lms_csv("canvas", b.kept))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB2.id, LAB.id]
    roster = {e.id: e for e in parse_roster(ROSTER).entries}
    body = {r[2]: r for r in rows[1:]}
    assert set(body) == {"ada", "bob"}
    for sid, r in body.items():
        e = roster[sid]
        assert (r[0], r[3], r[4]) == (e.name, e.email, e.section)
    assert body["ada"][5:] == ["", "6"] and body["bob"][5:] == ["0", "6"]


def test_moodle_and_blackboard_exports_round_trip():
    b = batch(item(sub("ada"), "a.json"), item(sub("bob"), "b.json"))
    moodle = _read(lms_csv("moodle", b.kept))
    assert moodle[0] == ["email", "idnumber", LAB.id]
    assert {(r[0], r[1], r[2]) for r in moodle[1:]} == {("Ada.L@uni.edu", "ada", "6"), ("bob@uni.edu", "bob", "6")}
    bb_text = lms_csv("blackboard", b.kept)
    assert bb_text.splitlines()[0] == f'"Username","{LAB.id}"'  # every field quoted
    assert {tuple(r) for r in _read(bb_text)[1:]} == {("ada", "6"), ("bob", "6")}


def test_lms_files_are_written_with_the_long_one(tmp_path):
    b = batch(item(sub("ada"), "a.json"))
    write_outputs(b, tmp_path / "o", lms=("canvas", "moodle", "blackboard", "long"), labs=LABS)
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert {"grades.csv", "grades-canvas.csv", "grades-moodle.csv", "grades-blackboard.csv", "integrity.csv"} <= names


def test_formula_injection_in_names_is_neutralised():
    roster = "id,email,name,section\nada,a@x,=HYPERLINK(\"http://x\"),S\n"
    b = batch(item(sub("ada"), "a.json"), roster=roster)
    assert _read(lms_csv("canvas", b.kept))[1][0].startswith("'=")


def _other_variant_pair():
    base = make_variant(LAB, "ada")
    for i in range(200):
        s = f"s{i}"
        if make_variant(LAB, s)["bw"] != base["bw"]:
            return "ada", s
    raise AssertionError("no second variant")


def test_integrity_flags_another_variants_key_and_identical_vectors():
    a, other = _other_variant_pair()
    key_other = LAB.key_answers(make_variant(LAB, other))
    copied = dict(LAB.key_answers(make_variant(LAB, a)), q_bw=key_other["q_bw"])
    b = batch(item(sub(a, answers=copied), "a.json"), item(sub(other), "o.json"), roster=None)
    rows = integrity_rows(b.kept, LABS)
    assert [(r["signal"], r["student"], r["question"], r["matches"]) for r in rows] == [
        ("other_variant_key", a, "q_bw", other)]
    scores = {r.student: r.score for r in b.kept}
    assert scores[a] == 5  # reported, never changes a score by itself
    same = {"q_bw": "1 TB/s", "q_time": "1 ms"}
    b = batch(item(sub(a, answers=same), "a.json"), item(sub(other, answers=same), "o.json"), roster=None)
    sig = {(r["signal"], r["student"]) for r in integrity_rows(b.kept, LABS)}
    assert sig >= {("identical_answers", a), ("identical_answers", other)}
