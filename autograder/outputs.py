"""Write a graded batch to ``--out DIR`` — atomically, and safely for any input.

Layout::

    DIR/grades.csv                                  one row per (student, lab) kept ("long", always)
    DIR/grades-canvas.csv | -moodle.csv | -blackboard.csv   with --lms (autograder.lms)
    DIR/summary.json                                every input: status, score, reason, output path; skipped
                                                    files, replacements, id collisions, roster matching
    DIR/integrity.csv                               integrity signals (autograder.integrity)
    DIR/report.html, DIR/report.md                  with --report (autograder.report)
    DIR/results/<lab>/<student-slug>.json   Gradescope format, the kept submission
    DIR/results/<lab>/<student-slug>.superseded-<n>.json   older submissions of the same student
    DIR/rejected/<nnnnn>-<source-slug>.json  files that could not be graded (score 0 + reason)

One folder per lab, one file per submission (a slug always ends in ``-<8 hex digits>``, so no student's
file name can be another's ``.superseded-<n>`` name); no folder per student, which for a class-sized
batch was most of the writing time (10 000 ``mkdir`` calls).

**Atomic.** Everything is first written to a hidden sibling folder ``.DIR.partial-<pid>``, which then
replaces ``DIR`` by ``rename`` (the previous output is moved aside and deleted only once the new one
is in place): an interrupted or failed run never truncates or mixes with the previous output.
``DIR`` may be new, empty, or a previous output (it carries the marker file ``autograder-output.txt``);
anything else is refused, as is a ``DIR`` that is a file or lies inside (or contains) the inputs.

**Safe.** Every string from a submission or a file name is escaped (:func:`autograder.safetext.shown`)
before it is written; writing one file's results.json cannot fail the batch (a failure is recorded
for that file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

from mlsys_labs.catalog import LABS
from mlsys_labs.grading import GradeResult, gradescope_test

from .batch import BatchResult, slug
from .integrity import integrity_csv, integrity_rows
from .lms import csv_cell, lms_csv
from .roster import spelling_key
from .safetext import json_text, path_shown, shown

__all__ = ["write_outputs", "grades_csv", "summary_text", "check_out_dir", "OutputError", "MARKER"]

MARKER = "autograder-output.txt"
_LAB_DIR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,120}")
MAX_LISTED = 1000
MAX_CACHED_TESTS = 20_000


class OutputError(ValueError):
    """--out cannot be used (a file, inside the inputs, or a folder of other files)."""


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_out_dir(out: str | os.PathLike, inputs=()) -> Path:
    """The resolved output folder, or OutputError naming the problem."""
    out_p = Path(out).expanduser().resolve()
    if out_p.exists() and not out_p.is_dir():
        raise OutputError(f"--out {path_shown(str(out))} is a file, not a folder")
    for raw in inputs:
        try:
            inp = Path(raw).expanduser().resolve()
        except (OSError, ValueError):
            continue
        if inp.is_dir() and _inside(out_p, inp):
            raise OutputError(f"--out {path_shown(str(out))} lies inside the input folder {path_shown(str(raw))}: "
                              "its results would be read as submissions next time; choose a folder outside the inputs")
        if _inside(inp, out_p):
            raise OutputError(f"the input {path_shown(str(raw))} lies inside --out {path_shown(str(out))}, "
                              "which is replaced by this run; move the inputs or choose another --out")
    if out_p.is_dir():
        names = [p.name for p in out_p.iterdir()]
        if names and MARKER not in names and not {"summary.json", "grades.csv"} <= set(names):
            raise OutputError(f"--out {path_shown(str(out))} holds other files (it is replaced by each run); "
                              "choose a new or empty folder")
    return out_p


def _safe_part(part: str) -> str:
    if not _PART.fullmatch(part) or part in (".", ".."):
        raise ValueError(f"refusing unsafe output path component {part!r}")
    return part


def _dumps(obj) -> str:
    return json_text(obj)


_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class _Writer:
    """Writes the files of the staging folder: each file's bytes are built in memory and written with one
    ``open`` / ``write`` / ``close`` (no buffered text layer, no per-file ``stat``); each folder is created
    once (``mkdir``, its parent known to exist). The staging folder is published as a whole by rename."""

    def __init__(self, root: Path):
        self.root = os.fspath(root)
        self.dirs: dict = {(): self.root}  # relative folder parts → absolute path, for folders that exist

    def _dir(self, parts: tuple) -> str:
        d = self.dirs.get(parts)
        if d is None:
            d = os.path.join(self._dir(parts[:-1]), parts[-1])
            try:
                os.mkdir(d)
            except FileExistsError:
                if not os.path.isdir(d):
                    raise
            self.dirs[parts] = d
        return d

    def write_text(self, rel_parts: tuple, text: str) -> str:
        rel = "/".join([_safe_part(p) for p in rel_parts])
        path = os.path.join(self._dir(tuple(rel_parts[:-1])), rel_parts[-1])
        data = text.encode("utf-8", "backslashreplace")
        fd = os.open(path, _OPEN_FLAGS, 0o666)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                if n <= 0:
                    raise OSError(f"short write to {path_shown(rel)}")
                view = view[n:]
        finally:
            os.close(fd)
        return rel


def grades_csv(kept: list) -> str:
    """One row per kept result; a question column per question of each lab (``lab:question`` when the
    batch has several labs), blank in the rows of other labs."""
    labs = sorted({r.lab for r in kept if r.lab})
    multi = len(labs) > 1
    questions: dict[str, dict] = {lab_id: {} for lab_id in labs}  # lab → its question ids, in first-seen order
    for r in kept:
        if r.lab:
            questions[r.lab].update(dict.fromkeys(r.feedback))
    qcols = [(lab_id, q) for lab_id in labs for q in questions[lab_id]]
    before: dict[str, list] = {}  # lab → blank cells of the labs before it, and after it
    after: dict[str, list] = {}
    start = 0
    for lab_id in labs:
        before[lab_id], after[lab_id] = [""] * start, [""] * (len(qcols) - start - len(questions[lab_id]))
        start += len(questions[lab_id])
    all_blank = [""] * len(qcols)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "lab", "score", "max_score", "percent", "status", "created", "source"]
               + [f"{lab}:{q}" if multi else q for lab, q in qcols])
    for r in kept:
        pct = f"{100 * r.score / r.max_score:.1f}" if r.max_score else "0.0"
        status = f"rejected: {r.error_code}" if r.status == "rejected" else r.status
        row = [r.student, r.lab, f"{r.score:g}", f"{r.max_score:g}", pct, status, r.created or "", r.source]
        if r.lab in questions:
            fb = r.feedback
            scores = [f"{fb[q].score:g}" if q in fb else "0" for q in questions[r.lab]]
            w.writerow([csv_cell(c) for c in row] + before[r.lab] + scores + after[r.lab])
        else:
            w.writerow([csv_cell(c) for c in row] + all_blank)
    return buf.getvalue()


def _result_parts(i: int, r, counters: dict) -> tuple:
    if r.status == "rejected":
        return ("rejected", f"{i:05d}-{slug(r.source.rsplit('/', 1)[-1])}.json")
    lab = r.lab if _LAB_DIR.fullmatch(r.lab or "") else slug(r.lab or "unknown")
    who = slug(spelling_key(r.student))
    if r.status == "superseded":
        k = counters.get((lab, who), 0) + 1
        counters[(lab, who)] = k
        return ("results", lab, f"{who}.superseded-{k}.json")
    return ("results", lab, f"{who}.json")


def _results_text(r, reveal: bool, tests_text: dict) -> str:
    """``_dumps(r.to_gradescope(reveal=reveal))``, with the text of each test entry reused from ``tests_text``.

    :meth:`GradeResult.to_gradescope <mlsys_labs.grading.GradeResult.to_gradescope>` is its head followed by
    one :func:`~mlsys_labs.grading.gradescope_test` per question, a function of (question id, rendered prompt,
    Feedback, AttemptStats, reveal) only, and the same question, feedback and checks recur across a class (the
    Feedback and AttemptStats objects are shared between results). So each entry's text is cached by the
    identity of those two objects, which the cache keeps alive (an entry can never be mistaken for another's).
    The entries are the document's last field and :func:`json_text` escapes character by character, so
    joining escaped parts gives the same text as escaping the whole. Any other ``to_gradescope`` (a subclass's,
    or one replaced on the object) is dumped as it is."""
    if getattr(getattr(r, "to_gradescope", None), "__func__", None) is not GradeResult.to_gradescope:
        return _dumps(r.to_gradescope(reveal=reveal))
    parts = []
    attempts, prompts = r.attempts, r.prompts
    for qid, fb in r.feedback.items():
        st = attempts.get(qid)
        prompt = prompts.get(qid, "")
        key = (qid, prompt, id(fb), id(st), reveal)
        hit = tests_text.get(key)  # the entry holds fb and st, so their ids are not reused while it exists
        if hit is None:
            if len(tests_text) >= MAX_CACHED_TESTS:
                tests_text.clear()
            hit = tests_text[key] = (fb, st, _dumps(gradescope_test(qid, fb, st, prompt, reveal=reveal)))
        parts.append(hit[2])
    return f'{_dumps(r.gradescope_head())[:-1]}, "tests": [{", ".join(parts)}]}}'


def _write_results(writer: _Writer, batch: BatchResult, reveal: bool) -> tuple[dict, dict]:
    paths, errors, counters = {}, {}, {}
    tests_text: dict = {}
    for i, r in enumerate(batch.entries):
        try:
            parts = _result_parts(i, r, counters)
        except Exception as e:  # noqa: BLE001
            parts = ("rejected", f"{i:05d}-unnamed-{hashlib.sha256(str(i).encode()).hexdigest()[:8]}.json")
            errors[i] = f"could not name this file's output ({type(e).__name__})"
        try:
            paths[i] = writer.write_text(parts, _results_text(r, reveal, tests_text))
        except Exception as e:  # noqa: BLE001 - this file's failure is this file's result
            errors[i] = f"could not write this file's results ({type(e).__name__}: {shown(e, 200)})"
            try:
                paths[i] = writer.write_text(parts, _dumps({"score": 0.0, "output": errors[i], "tests": []}))
            except Exception:  # noqa: BLE001
                paths[i] = None
    return paths, errors


def _summary(batch: BatchResult, paths: dict, write_errors: dict, integrity: list) -> dict:
    s = {
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inputs": len(batch.entries), "kept": sum(1 for r in batch.kept if r.status == "graded"),
        "superseded": len(batch.superseded), "rejected": len(batch.rejected),
        "skipped": len(batch.skipped),
        "skipped_files": [{"source": src, "reason": why} for src, why in batch.skipped[:MAX_LISTED]],
        "write_errors": len(write_errors),
        "replacements": batch.replacements, "collisions": batch.collisions,
        "integrity_signals": len(integrity),
        "attempt_penalty": batch.options.attempt_penalty, "attempt_floor": batch.options.attempt_floor,
        "files": [{"source": r.source, "status": r.status, "lab": r.lab, "student": r.student, "score": r.score,
                   "max_score": r.max_score, "error_code": r.error_code, "error": r.error,
                   "warnings": r.warnings[:20], "results": paths.get(i), "write_error": write_errors.get(i),
                   "prediction_completed": bool(r.prediction), "variant": r.variant_params,
                   "questions": {q: [fb.score, fb.max_score, r.error_kinds.get(q, fb.code)]
                                 for q, fb in r.feedback.items()},
                   "attempts": {q: {"checks": st.checks, "wrong_before_right": st.wrong_before_right,
                                    "ever_right": st.ever_right} for q, st in r.attempts.items()}}
                  for i, r in enumerate(batch.entries)],
    }
    if batch.roster is not None:
        s["roster"] = len(batch.roster)
        s["not_on_roster"] = batch.not_on_roster
        s["missing"] = batch.missing
    return s


def _publish(staging: Path, out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out, old)
        os.rename(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, out)  # a new folder, or atomically over an empty one


def write_outputs(batch: BatchResult, out: str | Path, *, reveal: bool = False, lms: tuple = (),
                  report: bool = False, labs=LABS, inputs=()) -> dict:
    out_p = check_out_dir(out, inputs)
    out_p.parent.mkdir(parents=True, exist_ok=True)
    staging = out_p.parent / f".{out_p.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        writer = _Writer(staging)
        writer.write_text((MARKER,), "written by python -m autograder; this folder is replaced by each run\n")
        paths, write_errors = _write_results(writer, batch, reveal)
        writer.write_text(("grades.csv",), grades_csv(batch.kept))
        for kind in lms:
            if kind != "long":
                writer.write_text((f"grades-{kind}.csv",), lms_csv(kind, batch.kept))
        integrity = integrity_rows(batch.kept, labs)
        writer.write_text(("integrity.csv",), integrity_csv(integrity))
        summary = _summary(batch, paths, write_errors, integrity)
        writer.write_text(("summary.json",), _dumps(summary))
        if report:
            from .report import write_report

            write_report(staging, summary=summary, integrity=integrity)  # every cell is escaped there
        _publish(staging, out_p)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary


def summary_text(batch: BatchResult, out: str | Path | None = None, *, max_list: int = 20) -> str:
    """The terminal summary; every name and message from the inputs is escaped."""
    graded = [r for r in batch.kept if r.status == "graded"]
    lines = [f"{len(batch.entries)} file(s): {len(graded)} graded, {len(batch.superseded)} superseded, "
             f"{len(batch.rejected)} rejected, {len(batch.skipped)} skipped"]
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
    for rep in batch.replacements[:max_list]:
        lines.append(f"  replaced: {shown(rep['replaced'], 120)} ({rep['replaced_score']:g}) by "
                     f"{shown(rep['kept'], 120)} ({rep['kept_score']:g}) for {shown(rep['student'], 64)}")
    if len(batch.replacements) > max_list:
        lines.append(f"  … and {len(batch.replacements) - max_list} more replacements (see summary.json)")
    for c in batch.collisions[:max_list]:
        lines.append(f"  id collision in {c['lab']}: " + ", ".join(repr(shown(i, 64)) for i in c["ids"]))
    if batch.roster is not None:
        lines.append(f"  roster: {len(batch.not_on_roster)} not on the roster, {len(batch.missing)} missing")
    if batch.rejected:
        lines.append("rejected:")
        for r in batch.rejected[:max_list]:
            lines.append(f"  {shown(r.source, 200)}: [{r.error_code}] {shown(r.error, 300)}")
        if len(batch.rejected) > max_list:
            lines.append(f"  … and {len(batch.rejected) - max_list} more (see summary.json)")
    if batch.skipped:
        lines.append(f"skipped (not graded): {len(batch.skipped)} file(s), listed in summary.json")
    if out is not None:
        lines.append(f"wrote {path_shown(str(Path(out) / 'grades.csv'))} and per-submission results under "
                     f"{path_shown(str(out))}")
    return "\n".join(lines)
