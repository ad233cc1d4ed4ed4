"""Benchmark: grade N synthetic submissions (default 10 000) on one core; target ≤ 10 s in total.

    .venv/bin/python bench/grade_bench.py [--n 10000] [--labs 00_hello_roofline,...] [--keep DIR]

Submissions cycle through every lab of the catalog and a mix of answers (exact key, short display
form, perturbed beyond tolerance, unreadable, missing), plus 2 % malformed files and 5 % resubmissions.
Timed: validation + grading (expected values from mlsysim_core, cached per variant) + writing every
results.json, grades.csv and summary.json. Generating the files is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "labkit")]

from autograder.batch import grade_items, write_outputs  # noqa: E402
from autograder.inputs import InputItem  # noqa: E402
from mlsys_labs.catalog import LABS, lab_ids  # noqa: E402
from mlsys_labs.submission import build_submission  # noqa: E402
from mlsys_labs.variants import make_variant  # noqa: E402


def synth(n: int, labs: list[str]) -> list[InputItem]:
    items = []
    for i in range(n):
        if i % 50 == 49:
            items.append(InputItem(f"bad{i}.json", data=b'{"schema": "mlsys-lab-submission/1", "answers": [' + b"1," * 50))
            continue
        lab = LABS[labs[i % len(labs)]]
        student = f"student{(i % (n - n // 20)):05d}@uni.edu"  # the last 5 % resubmit
        v = make_variant(lab, student)
        answers = {}
        for j, q in enumerate(lab.questions):
            mode = (i + j) % 5
            if mode == 0:
                answers[q.id] = q.expected_text(v, 10)
            elif mode == 1:
                answers[q.id] = q.expected_text(v)
            elif mode == 2 and q.kind == "quantity":
                answers[q.id] = f"{q.expected_value(v) * 1.5 / q._unit.value_si:.5g} {q.unit}"
            elif mode == 3:
                answers[q.id] = "about 3 bananas"
        sub = build_submission(lab, v, answers, created=f"2025-03-{1 + i % 28:02d}T12:00:00Z")
        items.append(InputItem(f"sub{i:05d}.json", data=json.dumps(sub).encode()))
    return items


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--labs", default=None, help="comma-separated lab ids (default: all)")
    ap.add_argument("--keep", default=None, help="write outputs here instead of a temp dir")
    ap.add_argument("--budget", type=float, default=10.0, help="seconds allowed (exit 1 above)")
    a = ap.parse_args()
    labs = a.labs.split(",") if a.labs else lab_ids()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    t0 = time.perf_counter()
    items = synth(a.n, labs)
    t_gen = time.perf_counter() - t0
    out = a.keep or tempfile.mkdtemp(prefix="grade_bench_")
    t1 = time.perf_counter()
    batch = grade_items(items, total=len(items), progress=False)
    t2 = time.perf_counter()
    write_outputs(batch, out)
    t3 = time.perf_counter()
    total = t3 - t1
    graded = sum(1 for r in batch.entries if r.status != "rejected")
    print(f"labs: {', '.join(labs)}")
    print(f"submissions: {len(items)} ({graded} graded incl. {len(batch.superseded)} superseded, "
          f"{len(batch.rejected)} rejected); generation {t_gen:.2f} s (not timed)")
    print(f"validate+grade: {t2 - t1:.2f} s ({1e6 * (t2 - t1) / len(items):.0f} µs/submission)")
    print(f"write outputs:  {t3 - t2:.2f} s ({len(batch.entries)} results.json + grades.csv + summary.json)")
    print(f"total:          {total:.2f} s on one core (budget {a.budget:g} s) -> {'PASS' if total <= a.budget else 'FAIL'}")
    if not a.keep:
        import shutil

        shutil.rmtree(out, ignore_errors=True)
    return 0 if total <= a.budget else 1


if __name__ == "__main__":
    sys.exit(main())
