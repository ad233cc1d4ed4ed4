"""A batch graded through the command line gives every file exactly the grade that file gets alone.

The batch shares expected values between files (per-question caches keyed by the variant, the banks'
helpers cached by their plain arguments, the parser memo). The reference here grades each file on its own,
through the question checkers (``validate_submission`` → ``grade_submission``), in a process that has never
graded anything: a fresh interpreter loads the banks and forks one child per file, so no cache of any kind
(``lru_cache``, a module-level dict, a question's cache) carries a value from one file to another. A cache
key that is too coarse (two variants, or two students, sharing a value that differs) or a stale entry shows
up as a different score, code, message or ``results.json`` byte. Nothing expected is written here: the
reference values come from the engine, recomputed.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from autograder.cli import main
from mlsys_labs.catalog import LABS, lab_ids
from mlsys_labs.submission import build_submission
from mlsys_labs.variants import make_variant

EXTRA_STUDENTS = 3


def clear_all_caches() -> None:
    """Empty every cache a grade can come from: the questions' per-variant and per-parameter caches, the
    banks' cached helpers (``lru_cache`` / ``per_variant``), the answer parser's and the checks' memos, the
    shared attempt summaries and the timestamp memo."""
    from mlsys_labs import grading, questions, submission

    for lab in LABS.values():
        for q in lab.questions:
            for name in ("_cache", "_by_reads", "_texts", "_keys", "_prompts", "_prompts_by_values"):
                getattr(q, name, {}).clear()
    for name, mod in list(sys.modules.items()):
        if name.startswith("mlsys_labs.banks.") and mod is not None:
            for obj in list(vars(mod).values()):
                clear = getattr(obj, "cache_clear", None)
                if callable(clear) and getattr(obj, "__module__", None) == name:
                    clear()
    questions._parse_memo.cache_clear()
    getattr(questions, "_FEEDBACK_MEMO", {}).clear()
    getattr(grading, "_STATS", {}).clear()
    getattr(submission, "_UTC_MEMO", {}).clear()


def _answers(lab, v, k: int) -> tuple[dict, list]:
    """Answers in the bench's mix (exact key, display form, 1.5× off, a unit slip, unreadable, missing) and
    two recorded checks per question (a wrong one, then the final answer)."""
    answers, attempts = {}, []
    for j, q in enumerate(lab.questions):
        mode = (k + j) % 6
        if mode == 0:
            answers[q.id] = q.expected_text(v, 10)
        elif mode == 1:
            answers[q.id] = q.expected_text(v)
        elif mode == 2 and q.kind == "quantity":
            answers[q.id] = f"{q.expected_value(v) * 1.5 / q._unit.value_si:.5g} {q.unit}"
        elif mode == 3 and q.kind == "quantity":
            answers[q.id] = f"{q.expected_value(v) * 1000 / q._unit.value_si:.6g} {q.unit}"
        elif mode == 4:
            answers[q.id] = "about 3 bananas"
        for t, a in enumerate(("1 banana", answers.get(q.id, q.expected_text(v, 10)))):
            attempts.append({"question": q.id, "time": f"2026-03-01T10:{j:02d}:{t:02d}Z", "answer": a,
                             "correct": False})
    return answers, attempts


def twin_students(lab) -> list[str]:
    """For every variant parameter with a choice, two students whose variants differ in that parameter only:
    a cache key that leaves one parameter out would hand one of them the other's value."""
    want = [p for p, choices in lab.variant_space.items() if len(choices) > 1]
    seen: dict = {p: {} for p in want}
    out: list[str] = []
    for n in range(50_000):
        if not want:
            break
        sid = f"t{n:05d}@uni.edu"
        params = make_variant(lab, sid).params
        for p in list(want):
            rest = tuple((k, repr(v)) for k, v in sorted(params.items()) if k != p)
            other = seen[p].get(rest)
            if other is not None and other[1] != repr(params[p]):
                out += [x for x in (other[0], sid) if x not in out]
                want.remove(p)
            else:
                seen[p].setdefault(rest, (sid, repr(params[p])))
    assert not want, f"{lab.id}: no pair of students differing only in {want}"
    return out


def write_batch(folder: Path) -> list[tuple[Path, str]]:
    """Per lab: the twin students of every parameter plus a few others, one file each; plus an older
    resubmission and two hostile files."""
    folder.mkdir()
    files = []
    for li, lab_id in enumerate(lab_ids()):
        lab = LABS[lab_id]
        students = twin_students(lab) + [f"s{s:02d}@uni.edu" for s in range(EXTRA_STUDENTS)]
        for s, student in enumerate(students):
            v = make_variant(lab, student)
            answers, attempts = _answers(lab, v, li + s)
            sub = build_submission(lab, v, answers, created=f"2026-03-0{1 + s % 5}T12:00:00Z", attempts=attempts,
                                   prediction={"question": "Which wall binds?", "choice": "memory",
                                               "time": "2026-03-01T09:00:00Z"})
            path = folder / f"{lab_id}-{s:02d}.json"
            path.write_text(json.dumps(sub), encoding="utf-8")
            files.append((path, lab_id))
    lab = LABS[lab_ids()[0]]
    v = make_variant(lab, "s00@uni.edu")
    old = build_submission(lab, v, lab.key_answers(v), created="2020-01-01T00:00:00Z")
    (folder / "zz-old.json").write_text(json.dumps(old), encoding="utf-8")  # superseded by the newer file
    (folder / "zz-dupes.json").write_text('{"lab": 1, "lab": 2}', encoding="utf-8")
    (folder / "zz-bad.json").write_bytes(b"{not json")
    return files


_REFERENCE = r"""
import json, os, sys
from autograder.safetext import json_text
from mlsys_labs.catalog import LABS
from mlsys_labs.grading import grade_submission
from mlsys_labs.submission import validate_submission

jobs = json.loads(sys.stdin.read())
len(LABS)  # the banks are loaded once; nothing is graded in this process
out = {}
for path, lab_id in jobs:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a child per file: every cache as the banks left it at import
        os.close(r)
        with open(path, "rb") as f:
            res = grade_submission(validate_submission(f.read()), LABS[lab_id], source=path)
        doc = {"score": res.score, "error_kinds": res.error_kinds,
               "feedback": {q: [fb.score, fb.max_score, fb.code] for q, fb in res.feedback.items()},
               "attempts": {q: {"checks": st.checks, "wrong_before_right": st.wrong_before_right,
                                "ever_right": st.ever_right} for q, st in res.attempts.items()},
               "results_json": json_text(res.to_gradescope())}
        os.write(w, json.dumps(doc).encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 1 << 16)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    assert status == 0, (path, status)
    out[path] = json.loads(b"".join(chunks))
print(json.dumps(out))
"""


def references(files: list[tuple[Path, str]]) -> dict:
    """Each file graded alone, in a fresh child of a process that never graded anything."""
    import os
    import subprocess

    import autograder
    import mlsys_labs

    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    roots = {str(Path(autograder.__file__).resolve().parents[1]), str(Path(mlsys_labs.__file__).resolve().parents[1])}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sorted(roots))}
    p = subprocess.run([sys.executable, "-c", _REFERENCE], input=json.dumps([[str(f), l] for f, l in files]),
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout)


def mismatches(out: Path, files: list[tuple[Path, str]]) -> list[str]:
    """Every difference between the batch's outputs and the per-file references."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_source = {f["source"]: f for f in summary["files"]}
    with open(out / "grades.csv", encoding="utf-8", newline="") as fh:
        rows = {r["source"]: r for r in csv.DictReader(fh)}
    bad = []
    refs = references(files)
    for path, lab_id in files:
        ref = refs[str(path)]
        f = by_source[str(path)]
        where = f"{path.name}"
        if f["status"] != "graded":
            bad.append(f"{where}: status {f['status']}")
            continue
        if f["score"] != ref["score"]:
            bad.append(f"{where}: score {f['score']} != {ref['score']}")
        want_q = {q: [s, m, ref["error_kinds"].get(q, c)] for q, (s, m, c) in ref["feedback"].items()}
        if f["questions"] != want_q:
            bad.append(f"{where}: questions {f['questions']} != {want_q}")
        if f["attempts"] != ref["attempts"]:
            bad.append(f"{where}: attempts {f['attempts']} != {ref['attempts']}")
        if rows[str(path)]["score"] != f"{ref['score']:g}":
            bad.append(f"{where}: grades.csv score {rows[str(path)]['score']} != {ref['score']:g}")
        # results.json, byte for byte: the reference's Gradescope document through the same serialiser
        # (the batch adds its notes, e.g. "superseded by", to the warnings: none for these files)
        text = (out / f["results"]).read_text(encoding="utf-8")
        if text != ref["results_json"]:
            bad.append(f"{where}: results.json differs from the file graded alone")
    return bad


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("consistency")
    files = write_batch(root / "in")
    clear_all_caches()
    assert main(["grade", str(root / "in"), "--out", str(root / "out"), "--quiet"]) == 0
    return root / "out", files


def test_batch_grades_equal_each_file_graded_alone_with_fresh_caches(graded):
    out, files = graded
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["kept"] == len(files) and summary["superseded"] == 1 and summary["rejected"] == 2
    # the mix really exercises the paths: right, wrong, unit slips, unreadable and missing answers
    codes = {c for f in summary["files"] for (_s, _m, c) in (f.get("questions") or {}).values()}
    assert {"ok", "unreadable", "missing"} <= codes and codes & {"off", "off_2x"} and "unit_slip" in codes
    assert mismatches(out, files) == []


def test_the_comparison_catches_a_stale_cached_value(graded, monkeypatch):
    """The check above can fail: a wrong value cached for one student's variant (what a too-coarse cache key
    would hand to another student) is reported."""
    import autograder.batch as batch_mod

    out, files = graded
    path, lab_id = files[0]
    ref = references([(path, lab_id)])[str(path)]
    q = next(q for q in LABS[lab_id].questions if q.kind == "quantity" and ref["feedback"][q.id][2] == "ok")
    v = make_variant(LABS[lab_id], json.loads(path.read_text(encoding="utf-8"))["student"])
    real_grade = batch_mod.grade_submission

    def with_stale_entry(sub, lab_spec, **kw):
        q._cache[v.key()] = q.expected_value(sub.variant) * 3  # a stale entry for this variant
        q._keys.pop(v.key(), None)
        q._texts.clear()
        return real_grade(sub, lab_spec, **kw)

    monkeypatch.setattr(batch_mod, "grade_submission", with_stale_entry)
    out2 = out.parent / "out-stale"
    try:
        assert main(["grade", str(path), "--out", str(out2), "--quiet"]) == 0
    finally:
        clear_all_caches()
    monkeypatch.undo()
    found = mismatches(out2, [(path, lab_id)])
    assert found and all(path.name in m for m in found)
    assert mismatches(out, [(path, lab_id)]) == []  # the real batch is right for the same file
