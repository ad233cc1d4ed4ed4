"""Integrity signals (``integrity.csv``): reported for the instructor, never used to change a score.

1. **Another variant's key** — a *wrong* quantity answer that equals, within the question's own
   tolerance, the expected value of a *different* variant held by another student of the batch
   (the student may have copied a friend's number). Compared in base units:
   ``|answer − expected(other variant)| ≤ max(rel_tol · |expected|, abs_tol)``.
2. **Identical answers across variants** — the same answer vector (text compared after trimming and
   casefolding; unreadable and missing answers do not count; at least two readable answers, at least
   one of them a wrong number) from students whose variants differ.

A variant's expected values are computed once per distinct variant (cached in the question).
"""

from __future__ import annotations

import bisect
import csv
import io

from .lms import csv_cell

__all__ = ["integrity_rows", "integrity_csv", "HEADER"]

HEADER = ["signal", "lab", "student", "question", "answer", "matches", "detail"]
MAX_ROWS = 100_000


def _other_variant_key_rows(lab, results: list) -> list[dict]:
    rows = []
    variants = {}
    for r in results:
        if r.variant_key not in variants:  # the first student of each distinct variant
            variants[r.variant_key] = (r.student, r.variant if r.variant is not None else lab.variant(r.student))
    for q in lab.questions:
        if q.kind != "quantity":
            continue
        table = []
        for key, (student, v) in variants.items():
            try:
                table.append((q.expected_value(v), key, student))
            except Exception:  # noqa: BLE001 - a bank bug is reported as grader_error elsewhere
                continue
        table.sort(key=lambda t: t[0])
        values = [t[0] for t in table]
        for r in results:
            fb = r.feedback.get(q.id)
            if fb is None or fb.correct or fb.value is None:
                continue
            x = fb.value
            # |x − e| ≤ rel·|e| + abs  ⇒  |x − e| ≤ (rel·|x| + abs) / (1 − rel): the search window
            span = (q.rel_tol * abs(x) + q._abs_si) / (1 - q.rel_tol) * (1 + 1e-9)
            lo = bisect.bisect_left(values, x - span)
            hi = bisect.bisect_right(values, x + span)
            for exp, key, student in table[lo:hi]:
                if key == r.variant_key:
                    continue
                if abs(x - exp) <= max(q.rel_tol * abs(exp), q._abs_si) * (1 + 1e-9):
                    rows.append({"signal": "other_variant_key", "lab": lab.id, "student": r.student,
                                 "question": q.id, "answer": r.answers.get(q.id, ""), "matches": student,
                                 "detail": "wrong for this variant, right for the variant of the matched student"})
                    break
    return rows


_NOT_READ = ("missing", "unreadable", "grader_error")


def _identical_vector_rows(lab, results: list) -> list[dict]:
    groups: dict[tuple, list] = {}
    question_ids = lab.question_ids
    for r in results:
        readable = {q for q, f in r.feedback.items() if f.code not in _NOT_READ}
        if not any(not f.correct and f.value is not None for q, f in r.feedback.items() if q in readable):
            continue  # no wrong number among the readable answers
        answers = r.answers
        vec = tuple((q, (answers.get(q) or "").strip().casefold()) for q in question_ids if q in readable)
        if len(vec) < 2:
            continue
        groups.setdefault(vec, []).append(r)
    rows = []
    for vec, rs in groups.items():
        if len({r.variant_key for r in rs}) < 2:
            continue
        names = sorted(r.student for r in rs)
        for r in rs:
            rows.append({"signal": "identical_answers", "lab": lab.id, "student": r.student, "question": "",
                         "answer": "", "matches": "; ".join([n for n in names if n != r.student][:10])
                         + (f"; … {len(names) - 11} more" if len(names) > 11 else ""),
                         "detail": f"same answers to {len(vec)} questions, different variants"})
    return rows


def integrity_rows(kept: list, labs) -> list[dict]:
    by_lab: dict[str, list] = {}
    for r in kept:
        if r.status == "graded" and r.lab in labs:
            by_lab.setdefault(r.lab, []).append(r)
    rows: list[dict] = []
    for lab_id, results in sorted(by_lab.items()):
        lab = labs[lab_id]
        rows += _other_variant_key_rows(lab, results)
        rows += _identical_vector_rows(lab, results)
    return rows[:MAX_ROWS]


def integrity_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for row in rows:
        w.writerow([csv_cell(row[h]) for h in HEADER])
    return buf.getvalue()
