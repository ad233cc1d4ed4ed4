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
        k = i % (n - n // 20)  # the last 5 % resubmit
        lab = LABS[labs[k % len(labs)]]
        student = f"student{k:05d}@uni.edu"
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


_HELPERS: list = []


def _clear_helpers() -> None:
    """Empty the caches of bank helpers memoised with @per_variant (found once via the GC)."""
    if not _HELPERS:
        import gc

        _HELPERS.extend(o for o in gc.get_objects() if callable(o) and hasattr(o, "cache_clear")
                        and str(getattr(o, "__module__", "")).startswith("mlsys_labs"))
    for f in _HELPERS:
        f.cache_clear()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--labs", default=None, help="comma-separated lab ids (default: all)")
    ap.add_argument("--keep", default=None, help="write outputs here instead of a temp dir")
    ap.add_argument("--budget", type=float, default=10.0, help="seconds allowed (exit 1 above)")
    ap.add_argument("--cpu", action="store_true", help="measure process CPU time instead of wall time (busy hosts)")
    ap.add_argument("--per-lab", action="store_true", help="also print the expected-value cost of each lab")
    a = ap.parse_args()
    labs = a.labs.split(",") if a.labs else lab_ids()
    t0 = time.perf_counter()
    items = synth(a.n, labs)
    t_gen = time.perf_counter() - t0
    scratch = ROOT / "bench" / "results"  # gitignored; on the project disk (/tmp may be a slow overlay)
    scratch.mkdir(parents=True, exist_ok=True)
    out = a.keep or tempfile.mkdtemp(prefix="grade_bench_", dir=scratch)
    for lab in LABS.values():  # start cold: generation filled the expected-value caches
        for q in lab.questions:
            q._cache.clear()
    _clear_helpers()
    clock = time.process_time if a.cpu else time.perf_counter
    w0 = time.perf_counter()
    t1 = clock()
    batch = grade_items(items, total=len(items), progress=False)
    t2 = clock()
    write_outputs(batch, out)
    t3 = clock()
    wall = time.perf_counter() - w0
    total = t3 - t1
    tw = clock()
    grade_items(items, total=len(items), progress=False)  # same batch again: expected values cached
    t_warm = clock() - tw
    students = len({(r.lab, r.student.casefold()) for r in batch.entries if r.lab and r.student})
    graded = sum(1 for r in batch.entries if r.status != "rejected")
    unit = "CPU s" if a.cpu else "s"
    print(f"labs: {', '.join(labs)}")
    print(f"submissions: {len(items)} ({graded} graded incl. {len(batch.superseded)} superseded, "
          f"{len(batch.rejected)} rejected; {students} students); generation {t_gen:.2f} s (not timed)")
    print(f"validate+grade: {t2 - t1:.2f} {unit} ({1e6 * (t2 - t1) / len(items):.0f} µs/submission), of which "
          f"computing expected values in mlsysim_core ≈ {max(0.0, t2 - t1 - t_warm):.2f} {unit}")
    print(f"  same batch again, expected values cached: {t_warm:.2f} {unit} ({1e6 * t_warm / len(items):.0f} µs/submission)")
    print(f"write outputs:  {t3 - t2:.2f} {unit} ({len(batch.entries)} results.json + grades.csv + summary.json)")
    print(f"total:          {total:.2f} {unit} on one core, wall {wall:.2f} s (budget {a.budget:g} s) -> "
          f"{'PASS' if total <= a.budget else 'FAIL'}")
    if a.per_lab:
        print("expected-value cost per new variant (ms, cold caches), by lab:")
        _clear_helpers()
        for lid in labs:
            lab = LABS[lid]
            for q in lab.questions:
                q._cache.clear()
            seen = set()
            t0 = time.perf_counter()
            for i in range(40):
                v = make_variant(lab, f"perlab{i}")
                seen.add(v.key())
                for q in lab.questions:
                    q.expected_value(v)
            print(f"  {lid:34s} {(time.perf_counter() - t0) / len(seen) * 1e3:7.2f}")
    if not a.keep:
        import shutil

        shutil.rmtree(out, ignore_errors=True)
    return 0 if total <= a.budget else 1


if __name__ == "__main__":
    sys.exit(main())
