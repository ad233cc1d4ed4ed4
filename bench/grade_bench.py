"""Benchmark: an instructor's batch through the real command line, on one core.

    .venv/bin/python bench/grade_bench.py [--n 10000] [--hostile 1000] [--labs 00_hello_roofline,...]
                                          [--budget 10] [--mem-budget 300] [--keep DIR] [--scratch DIR]

Writes ``--n`` honest submissions (a course in which every student submits every lab; exact keys, display forms, answers beyond
tolerance, unit slips, unreadable and missing answers; 5 % resubmissions; every file carries Check
attempt records and a prediction) plus ``--hostile`` hostile files (lone surrogates in ``created`` and
``student``, ``created`` out of range, bidi/zero-width ids, megabyte-scale duplicate keys capped at the
256 KiB file limit, malformed and truncated JSON, non-UTF-8 bytes and file names, oversized files, a
zip with unsafe and nested members) into a folder, then times

    python -m autograder grade FOLDER --out OUT --roster ROSTER --lms canvas --report --quiet

in a child process pinned to one CPU core (``taskset``-like affinity), and reads its peak resident
memory (``ru_maxrss`` of the child). Generating the files is not timed. Prints the figures and writes
them to ``bench/results/grade_bench.json``.

Filesystem reference, in the same run: the grader writes one file per submission, and what creating a
file costs depends on the disk more than on the grader (on one ext4 volume it was 0.06 ms in one folder and
0.45 ms in another). So the same folder then times creating the same number of files of the same sizes
with plain ``os.open``/``write``/``close`` and nothing else; both figures are printed side by side.
``--scratch`` (default: the system's temporary folder) says where the batch and its outputs go.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "labkit")]

from mlsys_labs.catalog import LABS, lab_ids  # noqa: E402
from mlsys_labs.submission import build_submission  # noqa: E402
from mlsys_labs.variants import make_variant  # noqa: E402


def honest_submission(i: int, n: int, labs: list[str]) -> tuple[str, dict]:
    """Submission ``i``: a course where every student submits every lab (k // len(labs) is the
    student, k % len(labs) the lab); the last 5 % of the files resubmit earlier ones."""
    k = i % (n - n // 20)
    lab = LABS[labs[k % len(labs)]]
    student = f"student{k // len(labs):05d}@uni.edu"
    v = make_variant(lab, student)
    answers, attempts = {}, []
    for j, q in enumerate(lab.questions):
        mode = (i + j) % 6
        exact = q.expected_text(v, 10)
        if mode == 0:
            answers[q.id] = exact
        elif mode == 1:
            answers[q.id] = q.expected_text(v)
        elif mode == 2 and q.kind == "quantity":
            answers[q.id] = f"{q.expected_value(v) * 1.5 / q._unit.value_si:.5g} {q.unit}"
        elif mode == 3 and q.kind == "quantity":
            answers[q.id] = f"{q.expected_value(v) * 1000 / q._unit.value_si:.6g} {q.unit}"
        elif mode == 4:
            answers[q.id] = "about 3 bananas"
        for t, a in enumerate(("1 banana", answers.get(q.id, exact))):
            attempts.append({"question": q.id, "time": f"2026-03-01T10:{j:02d}:{t:02d}Z", "answer": a,
                             "correct": False})
    sub = build_submission(lab, v, answers, created=f"2026-03-{1 + i % 28:02d}T12:00:00Z", attempts=attempts,
                           prediction={"question": "Which wall binds?", "choice": "memory",
                                       "time": "2026-03-01T09:00:00Z"})
    return student, sub


def hostile_files(m: int, labs: list[str]) -> list[tuple[bytes, bytes]]:
    """(file name bytes, content) for ``m`` hostile files of 10 kinds."""
    lab = LABS[labs[0]]
    v = make_variant(lab, "victim")
    good = json.dumps(build_submission(lab, v, lab.key_answers(v), created="2026-03-01T00:00:00Z"))
    dup_key = "k" * 2000
    dupes = "{" + ",".join([f'"{dup_key}": 1'] * 100) + "," + good[1:]
    kinds = [
        lambda i: good[:-1].encode() + b', "created": "\\ud800"}',
        lambda i: good.replace('"student": "victim"', f'"student": "\\ud800{i}"').encode(),
        lambda i: good.replace("2026-03-01T00:00:00Z", "9999-12-31T23:59:59-23:59").encode(),
        lambda i: good.replace('"student": "victim"', f'"student": "vic\\u202etim{i}"').encode(),
        lambda i: good.replace('"student": "victim"', f'"student": "a\\u200b{i}"').encode(),
        lambda i: dupes.encode()[: 250 * 1024],
        lambda i: good[: len(good) // 3].encode(),
        lambda i: b"\xff\xfe" + good.encode(),
        lambda i: b"{" + b" " * (300 * 1024) + b"}",
        lambda i: good.replace('"answers": {', '"answers": {"q": "\\u001b[2J\\r\\n1 file(s): 1 graded", ', 1).encode(),
    ]
    out = []
    for i in range(m):
        name = f"hostile{i:05d}".encode() + (b"\xff\x1b[2J" if i % 7 == 0 else b"") + b".json"
        out.append((name, kinds[i % len(kinds)](i)))
    return out


def write_batch(folder: Path, n: int, hostile: int, labs: list[str]) -> tuple[Path, int]:
    sub_dir = folder / "submissions"
    sub_dir.mkdir(parents=True)
    students = set()
    for i in range(n):
        student, sub = honest_submission(i, n, labs)
        students.add(student)
        (sub_dir / f"sub{i:05d}.json").write_text(json.dumps(sub), encoding="utf-8")
    for name, data in hostile_files(hostile, labs):
        with open(os.path.join(os.fsencode(sub_dir), name), "wb") as f:
            f.write(data)
    with zipfile.ZipFile(sub_dir / "hostile.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("../escape.json", "{}")
        zf.writestr("inner.zip", b"PK")
        zf.writestr("bomb.json", b"0" * (20 * 1024 * 1024))
    roster = folder / "roster.csv"
    ids = sorted(students) + [f"absent{i}@uni.edu" for i in range(50)]
    roster.write_text("id,email,name,section\n" + "".join(f"{s},{s},Student {s},S{len(s) % 3}\n" for s in ids))
    return roster, len(students)


def filesystem_reference(out: Path, into: Path) -> tuple[int, float, float]:
    """(files, CPU s, wall s) to create every file of ``out`` again under ``into`` (same relative paths and
    sizes) with one ``os.open``/``write``/``close`` each: what the disk charges for the grader's file count."""
    files = [(p.relative_to(out), p.stat().st_size) for p in out.rglob("*") if p.is_file()]
    folders = sorted({rel.parent for rel, _ in files}, key=lambda d: len(d.parts))
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    t0, w0 = os.times(), time.perf_counter()
    for d in folders:
        (into / d).mkdir(parents=True, exist_ok=True)
    for rel, size in files:
        fd = os.open(into / rel, flags, 0o666)
        os.write(fd, b"x" * size)
        os.close(fd)
    t1 = os.times()
    return len(files), (t1.user - t0.user) + (t1.system - t0.system), time.perf_counter() - w0


def _pin_one_core() -> None:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--hostile", type=int, default=1_000)
    ap.add_argument("--labs", default=None, help="comma-separated lab ids (default: all)")
    ap.add_argument("--budget", type=float, default=10.0, help="seconds allowed (exit 1 above)")
    ap.add_argument("--mem-budget", type=float, default=300.0, help="MB of peak memory allowed (exit 1 above)")
    ap.add_argument("--keep", default=None, help="keep the generated batch and outputs in this folder")
    ap.add_argument("--scratch", default=None, help="folder for the batch and outputs (default: the system temp folder)")
    a = ap.parse_args()
    labs = a.labs.split(",") if a.labs else lab_ids()
    results = ROOT / "bench" / "results"  # gitignored
    results.mkdir(parents=True, exist_ok=True)
    scratch = Path(a.scratch or tempfile.gettempdir())
    scratch.mkdir(parents=True, exist_ok=True)
    folder = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="grade_bench_", dir=scratch))
    t0 = time.perf_counter()
    roster, n_students = write_batch(folder, a.n, a.hostile, labs)
    t_gen = time.perf_counter() - t0
    out = folder / "graded"
    cmd = [sys.executable, "-m", "autograder", "grade", str(folder / "submissions"), "--out", str(out),
           "--roster", str(roster), "--lms", "canvas", "--report", "--quiet"]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'labkit'}"}
    w0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, preexec_fn=_pin_one_core)
    wall = time.perf_counter() - w0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
        return 2
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    fs_files, fs_cpu, fs_wall = filesystem_reference(out, folder / "fs_reference")
    figures = {
        "submissions": a.n, "hostile": a.hostile + 3, "students": n_students, "labs": len(labs),
        "inputs": summary["inputs"], "graded": summary["kept"], "superseded": summary["superseded"],
        "rejected": summary["rejected"], "skipped": summary["skipped"],
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_mb": round(peak_mb, 1),
        "budget_s": a.budget, "mem_budget_mb": a.mem_budget, "generation_s": round(t_gen, 2),
        "fs_reference_files": fs_files, "fs_reference_cpu_s": round(fs_cpu, 2),
        "fs_reference_wall_s": round(fs_wall, 2), "scratch": str(scratch),
        "cores": 1, "command": " ".join(["python -m autograder grade", "FOLDER", "--out", "OUT", *cmd[7:]]),
    }
    print(f"labs: {len(labs)}; files: {summary['inputs']} ({a.n} honest incl. 5 % resubmissions, {a.hostile} hostile "
          f"+ a zip with 3 hostile members); generation {t_gen:.1f} s (not timed)")
    print(f"graded {summary['kept']}, superseded {summary['superseded']}, rejected {summary['rejected']}, "
          f"skipped {summary['skipped']}; report.html {(out / 'report.html').stat().st_size // 1024} KiB")
    print(f"python -m autograder grade … --roster --lms canvas --report on one core: wall {wall:.2f} s "
          f"(CPU {cpu:.2f} s; budget {a.budget:g} s), peak memory {peak_mb:.0f} MB (budget {a.mem_budget:g} MB)")
    print(f"filesystem reference, same folder: creating the {fs_files} output files alone takes wall {fs_wall:.2f} s "
          f"(CPU {fs_cpu:.2f} s)")
    ok = wall <= a.budget and peak_mb <= a.mem_budget
    print("PASS" if ok else "FAIL")
    (results / "grade_bench.json").write_text(json.dumps(figures, indent=1))
    if not a.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
