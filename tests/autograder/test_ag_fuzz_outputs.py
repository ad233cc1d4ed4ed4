"""Property test (issue 9): random mutations of real submissions of all 15 labs, graded *with the
writers* (results, grades.csv, LMS files, integrity.csv, summary.json, report.md) and through
Gradescope mode: the batch always completes, every honest file is graded, every output is valid
UTF-8, the CLI exits 0, and results.json is always written."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.batch import apply_roster, grade_items
from autograder.cli import main
from autograder.inputs import InputItem
from autograder.outputs import write_outputs
from autograder.report import build_report
from autograder.roster import parse_roster
from mlsys_labs.catalog import LABS, lab_ids
from mlsys_labs.submission import build_submission
from mlsys_labs.variants import make_variant

FEW = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
HOSTILE_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(
    ["\ud800", "a\udcff", "\x1b[2J", "ad\u202ea", "a\u200b", "\r\n1 file(s): 0 graded", "=HYPERLINK(1)", "../..",
     "9999-12-31T23:59:59-23:59", "straße", "\u212aim", "\x00", "x" * 300]))
JSON_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), HOSTILE_TEXT),
                          lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(HOSTILE_TEXT, c, max_size=3)),
                          max_leaves=10)
FIELDS = ["schema", "lab", "lab_version", "student", "variant", "answers", "created", "attempts", "prediction",
          "reflections", "controls", "extra"]


def real_submission(lab_id: str, student: str) -> dict:
    lab = LABS[lab_id]
    v = make_variant(lab, student)
    key = lab.key_answers(v)
    attempts = [{"question": q, "time": "2026-01-01T10:00:00Z", "answer": a, "correct": True} for q, a in key.items()]
    return build_submission(lab, v, key, created="2026-01-02T00:00:00Z", attempts=attempts,
                            prediction={"question": "p", "choice": "c", "time": "2026-01-01T09:00:00Z"})


MUTATION = st.tuples(st.sampled_from(lab_ids()), st.sets(st.sampled_from(FIELDS), max_size=2),
                     st.dictionaries(st.sampled_from(FIELDS), JSON_VALUE, max_size=3), st.integers(0, 3))


def mutate(m) -> bytes:
    lab_id, drops, sets, how = m
    d = {k: v for k, v in real_submission(lab_id, "victim").items() if k not in drops}
    d.update(sets)
    text = json.dumps(d, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes, as in a real file
    if how == 1:
        text = text[: len(text) // 2]
    elif how == 2:
        text = text.replace('"schema"', '"schema": 1, "schema"', 1)  # duplicate key
    return text.encode("utf-8")


@FEW
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_batches_always_complete_with_valid_outputs(tmp_path_factory, mutations):
    out = tmp_path_factory.mktemp("o") / "out"
    honest = [InputItem(f"honest-{lab}.json", data=json.dumps(real_submission(lab, f"h-{lab}")).encode())
              for lab in lab_ids()[:3]]
    items = [InputItem(f"m{i}\udcff.json", data=mutate(m)) for i, m in enumerate(mutations)] + honest
    b = grade_items(items, progress=False)
    apply_roster(b, parse_roster("id,email\nh-00_hello_roofline,h@x\nvictim,v@x\n"), fill_missing=True)
    summary = write_outputs(b, out, lms=("canvas", "moodle", "blackboard"))
    assert summary["inputs"] == len(items)
    for r in b.entries[len(mutations):]:
        assert r.status in ("graded", "superseded") and r.score == r.max_score, (r.source, r.error)
    for p in out.rglob("*"):
        if p.is_file():
            p.read_bytes().decode("utf-8")
    md, page = build_report(summary, [], charts=False)
    md.encode("utf-8")
    page.encode("utf-8")


@FEW
@given(st.lists(MUTATION, min_size=1, max_size=2), HOSTILE_TEXT)
def test_gradescope_mode_always_writes_results(tmp_path_factory, mutations, metadata_email):
    root = tmp_path_factory.mktemp("gs")
    sub_dir = root / "submission"
    sub_dir.mkdir()
    for i, m in enumerate(mutations):
        (sub_dir / f"up{i}.json").write_bytes(mutate(m))
    meta = root / "meta.json"
    meta.write_text(json.dumps({"created_at": "2026-01-03T00:00:00Z", "users": [{"email": metadata_email}],
                                "assignment": {"due_date": "2026-01-02T00:00:00Z"}}))
    res = root / "results.json"
    code = main(["gradescope", "--submission-dir", str(sub_dir), "--results", str(res), "--metadata", str(meta),
                 "--late-policy", "percent-per-day=10"])
    assert code == 0
    obj = json.loads(res.read_bytes().decode("utf-8"))
    assert 0 <= obj["score"] <= max(obj.get("max_score", 0), 0) + 1e-9
