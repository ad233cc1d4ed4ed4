"""Grade a batch: validate → grade → keep the latest per (student, lab) → write results + grades.csv.

Output layout under ``--out DIR``::

    DIR/grades.csv                                  one row per (student, lab) kept (LMS import)
    DIR/summary.json                                every input: status, score, reason, output path
    DIR/results/<lab>/<student-slug>/results.json   Gradescope format, the kept submission
    DIR/results/<lab>/<student-slug>/superseded-<n>.json   older submissions of the same student
    DIR/rejected/<nnnnn>-<source-slug>/results.json  files that could not be graded (score 0 + reason)

Student ids and file names are never used raw in a path: :func:`slug` keeps ``[A-Za-z0-9._-]`` (≤ 40
characters, no leading dot) and appends 8 hex digits of their SHA-256, and every output path is
checked to resolve inside ``DIR``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mlsys_labs.catalog import LABS
from mlsys_labs.grading import GradeResult, grade_submission, rejected_result
from mlsys_labs.submission import SubmissionError, decode_json, validate_submission
from mlsys_labs.variants import normalize_student

from .inputs import InputItem, collect

__all__ = ["slug", "grade_items", "grade_paths", "write_outputs", "BatchResult", "Progress"]

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LAB_DIR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def slug(text: str, n: int = 40) -> str:
    """Filesystem-safe, collision-resistant name for arbitrary text (student ids, file names)."""
    base = _SAFE.sub("_", text)[:n].lstrip(".-") or "x"
    return f"{base}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


class Progress:
    """Plain-text progress bar on stderr (only for batches ≥ ``threshold`` and when enabled)."""

    def __init__(self, total: int | None, *, enabled: bool = True, threshold: int = 200, stream=None):
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled and (total is None or total >= threshold)
        self.n = 0
        self._last = -1
        self._t0 = time.perf_counter()

    def step(self, k: int = 1) -> None:
        self.n += k
        if not self.enabled:
            return
        if self.total:
            pct = int(100 * self.n / self.total)
            if pct == self._last:
                return
            self._last = pct
            bar = "#" * (pct // 4) + "." * (25 - pct // 4)
            self.stream.write(f"\rgrading [{bar}] {self.n}/{self.total} {pct:3d}%")
        elif self.n % 500 == 0:
            self.stream.write(f"\rgrading … {self.n}")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write(f"\rgraded {self.n} file(s) in {time.perf_counter() - self._t0:.1f} s".ljust(60) + "\n")
            self.stream.flush()


@dataclass
class _Entry:
    index: int
    result: GradeResult
    created_at: datetime | None
    key: tuple | None  # (lab, normalized student) when known


@dataclass
class BatchResult:
    entries: list  # every input, in input order
    kept: list  # GradeResult kept per (student, lab), sorted
    superseded: list
    rejected: list


def _peek_identity(obj, labs) -> tuple[str | None, str | None]:
    """Best-effort (lab, student) of a rejected-but-decodable file, for the grades.csv row."""
    if not isinstance(obj, dict):
        return None, None
    lab, student = obj.get("lab"), obj.get("student")
    lab = lab if isinstance(lab, str) and lab in labs else None
    student = student.strip() if isinstance(student, str) and 0 < len(student.strip()) <= 64 else None
    if student and any(ord(c) < 32 for c in student):
        student = None
    return lab, student


def grade_item(item: InputItem, index: int, *, labs=LABS, expect_lab: str | None = None) -> _Entry:
    if item.error is not None:
        return _Entry(index, rejected_result(*item.error, source=item.source), None, None)
    obj = None
    try:
        obj, dupes = decode_json(item.data)
        sub = validate_submission(obj, labs=labs)
        if dupes:
            sub.warnings.insert(0, "duplicate keys in the JSON (last value used): " + ", ".join(map(repr, dupes)))
        if expect_lab is not None and sub.lab != expect_lab:
            raise SubmissionError("wrong_lab", f"this assignment grades lab {expect_lab!r}, but the file is for lab {sub.lab!r}")
        res = grade_submission(sub, labs[sub.lab], source=item.source)
        return _Entry(index, res, sub.created_at, (sub.lab, normalize_student(sub.student)))
    except SubmissionError as e:
        lab, student = _peek_identity(obj, labs)
        if expect_lab is not None and lab != expect_lab:
            lab = None
        res = rejected_result(e.code, e.message, source=item.source, lab=lab, student=student,
                              max_score=labs[lab].max_score if lab else 0.0)
        return _Entry(index, res, None, (lab, normalize_student(student)) if lab and student else None)
    except Exception as e:  # noqa: BLE001 - the batch must continue whatever happens
        return _Entry(index, rejected_result("grader_error", f"internal grader error ({type(e).__name__}: {e})",
                                             source=item.source), None, None)


def grade_items(items, *, total: int | None = None, labs=LABS, progress: bool = True,
                expect_lab: str | None = None) -> BatchResult:
    bar = Progress(total, enabled=progress)
    entries: list[_Entry] = []
    for i, item in enumerate(items):
        entries.append(grade_item(item, i, labs=labs, expect_lab=expect_lab))
        bar.step()
    bar.done()
    best: dict[tuple, _Entry] = {}
    for e in entries:
        if e.key is None or e.result.status == "rejected":
            continue
        cur = best.get(e.key)
        if cur is None or ((e.created_at or _EPOCH), e.index) >= ((cur.created_at or _EPOCH), cur.index):
            best[e.key] = e
    superseded = []
    for e in entries:
        if e.result.status == "graded" and best.get(e.key) is not e:
            e.result.status = "superseded"
            newer = best[e.key].result
            e.result.warnings.append(f"superseded by {newer.source} (created {newer.created or 'unknown'})")
            superseded.append(e.result)
    # rejected files with a known identity still get a 0 row when the student has nothing gradable
    for e in entries:
        if e.result.status == "rejected" and e.key is not None and e.key not in best:
            best[e.key] = e
    kept = sorted((e.result for e in best.values()), key=lambda r: (r.lab or "", normalize_student(r.student or "")))
    rejected = [e.result for e in entries if e.result.status == "rejected"]
    return BatchResult(entries=[e.result for e in entries], kept=kept, superseded=superseded, rejected=rejected)


def grade_paths(paths, **kw) -> BatchResult:
    items = list(collect(paths))
    return grade_items(items, total=len(items), **kw)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def _csv_cell(v) -> str:
    s = "" if v is None else str(v)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        s = "'" + s  # spreadsheet formula injection
    return s


def grades_csv(kept: list) -> str:
    labs = sorted({r.lab for r in kept if r.lab})
    multi = len(labs) > 1
    qcols: list[tuple[str, str]] = []
    for lab_id in labs:
        seen: dict[str, None] = {}
        for r in kept:
            if r.lab == lab_id:
                seen.update(dict.fromkeys(r.feedback))
        qcols += [(lab_id, q) for q in seen]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "lab", "score", "max_score", "percent", "status", "created", "source"]
               + [f"{lab}:{q}" if multi else q for lab, q in qcols])
    for r in kept:
        pct = f"{100 * r.score / r.max_score:.1f}" if r.max_score else "0.0"
        status = r.status if r.status != "rejected" else f"rejected: {r.error_code}"
        row = [r.student, r.lab, f"{r.score:g}", f"{r.max_score:g}", pct, status, r.created or "", r.source]
        for lab, q in qcols:
            fb = r.feedback.get(q) if r.lab == lab else None
            row.append(f"{fb.score:g}" if fb else ("0" if r.lab == lab else ""))
        w.writerow([_csv_cell(c) for c in row])
    return buf.getvalue()


_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,120}")


_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,120}")


def _safe_part(part: str) -> str:
    """A sanitised path component; anything that could leave the output folder (separators, '.', '..',
    leading dots) is refused — checked lexically on every component we build."""
    if not _PART.fullmatch(part) or part in (".", ".."):
        raise ValueError(f"refusing unsafe output path component {part!r}")
    return part


class _Writer:
    def __init__(self, root: Path):
        self.root = str(root)
        self.dirs: set = set()

    def write_json(self, rel_parts: tuple, obj) -> str:
        rel = "/".join(_safe_part(p) for p in rel_parts)
        path = os.path.join(self.root, *rel_parts)
        d = os.path.dirname(path)
        if d not in self.dirs:
            os.makedirs(d, exist_ok=True)
            self.dirs.add(d)
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(obj, ensure_ascii=False, allow_nan=False))
        return rel


def write_outputs(batch: BatchResult, out: str | Path, *, reveal: bool = False) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    paths: dict[int, str] = {}
    counters: dict[tuple, int] = {}
    for i, r in enumerate(batch.entries):
        if r.status == "rejected":
            parts = ("rejected", f"{i:05d}-{slug(r.source.rsplit('/', 1)[-1])}", "results.json")
        else:
            lab = r.lab if _LAB_DIR.fullmatch(r.lab or "") else slug(r.lab or "unknown")
            who = slug(normalize_student(r.student))
            if r.status == "superseded":
                k = counters.get((lab, who), 0) + 1
                counters[(lab, who)] = k
                parts = ("results", lab, who, f"superseded-{k}.json")
            else:
                parts = ("results", lab, who, "results.json")
        paths[i] = writer.write_json(parts, r.to_gradescope(reveal=reveal))
    (out / "grades.csv").write_text(grades_csv(batch.kept), encoding="utf-8")
    summary = {
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inputs": len(batch.entries), "kept": sum(1 for r in batch.kept if r.status == "graded"),
        "superseded": len(batch.superseded), "rejected": len(batch.rejected),
        "files": [{"source": r.source, "status": r.status, "lab": r.lab, "student": r.student, "score": r.score,
                   "max_score": r.max_score, "error_code": r.error_code, "error": r.error,
                   "warnings": r.warnings, "results": paths[i]} for i, r in enumerate(batch.entries)],
    }
    writer.write_json(("summary.json",), summary)
    return summary


def summary_text(batch: BatchResult, out: str | Path | None = None, *, max_list: int = 20) -> str:
    graded = [r for r in batch.kept if r.status == "graded"]
    lines = [f"{len(batch.entries)} file(s): {len(graded)} graded, {len(batch.superseded)} superseded, "
             f"{len(batch.rejected)} rejected"]
    by_lab: dict[str, list] = {}
    for r in graded:
        by_lab.setdefault(r.lab, []).append(r)
    for lab, rs in sorted(by_lab.items()):
        mx = rs[0].max_score or 1
        mean = sum(r.score for r in rs) / len(rs)
        full = sum(1 for r in rs if r.score >= r.max_score)
        lines.append(f"  {lab}: {len(rs)} student(s), mean {mean:.2f}/{mx:g} ({100 * mean / mx:.0f}%), {full} full marks")
    warned = sum(1 for r in graded if r.warnings)
    if warned:
        lines.append(f"  {warned} graded submission(s) carry notes (see summary.json / results.json)")
    errs = sum(r.grader_errors for r in graded)
    if errs:
        lines.append(f"  WARNING: {errs} answer(s) hit a grader error (a question bank bug) — check the banks")
    if batch.rejected:
        lines.append("rejected:")
        for r in batch.rejected[:max_list]:
            lines.append(f"  {r.source}: [{r.error_code}] {r.error}")
        if len(batch.rejected) > max_list:
            lines.append(f"  … and {len(batch.rejected) - max_list} more (see summary.json)")
    if out is not None:
        lines.append(f"wrote {Path(out) / 'grades.csv'} and per-submission results under {out}")
    return "\n".join(lines)
