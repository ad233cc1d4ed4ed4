"""Grade a batch: validate → grade → keep the latest per (student, lab) → roster matching.

Every failure that belongs to one file (reading, decoding, parsing, validation, dates, grading) is
that file's result — status ``rejected`` with an error code and a message — and the batch always
finishes. Writing the outputs is :mod:`autograder.outputs`.

Identity: submissions of one lab are grouped by :func:`~autograder.roster.identity_key` (NFKC +
casefold). Within a group the latest ``created`` wins (a tie goes to the file listed last) and every
replacement is recorded (which file replaced which, both scores). Ids that share an identity key but
are spelled differently (``straße`` / ``strasse``) are a *collision*: reported and kept apart.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mlsys_labs.catalog import LABS
from mlsys_labs.grading import GradeResult, grade_submission, rejected_result
from mlsys_labs.submission import SubmissionError, check_student_id, decode_json, validate_submission

from .inputs import InputItem, collect
from .roster import Roster, identity_key, spelling_key
from .safetext import shown

__all__ = ["slug", "grade_item", "grade_items", "grade_paths", "BatchResult", "Progress", "apply_roster",
           "GradeOptions"]

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
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


@dataclass(frozen=True)
class GradeOptions:
    expect_lab: str | None = None
    attempt_penalty: float = 0.0  # fraction of a question's points per wrong attempt before the right one
    attempt_floor: float = 0.0  # a right answer keeps at least this fraction of its points


@dataclass
class _Entry:
    index: int
    result: GradeResult
    created_at: datetime | None
    key: tuple | None  # (lab, identity key, spelling key) when known


@dataclass
class BatchResult:
    entries: list  # every input, in input order
    kept: list  # GradeResult kept per (student, lab), sorted
    superseded: list
    rejected: list
    replacements: list = field(default_factory=list)  # dicts: lab, student, kept/replaced source+score+created
    collisions: list = field(default_factory=list)  # dicts: lab, key, ids
    skipped: list = field(default_factory=list)  # (source, reason)
    roster: Roster | None = None
    not_on_roster: list = field(default_factory=list)  # dicts: lab, student, source
    missing: list = field(default_factory=list)  # dicts: lab, id, email, name, section
    options: GradeOptions = field(default_factory=GradeOptions)


def _peek_identity(obj, labs) -> tuple[str | None, str | None]:
    """Best-effort (lab, student) of a rejected-but-decodable file, for its 0 row (never raises)."""
    if not isinstance(obj, dict):
        return None, None
    lab, student = obj.get("lab"), obj.get("student")
    lab = lab if isinstance(lab, str) and lab in labs else None
    try:
        student = check_student_id(student)
    except SubmissionError:
        student = None
    return lab, student


def _key(lab: str | None, student: str | None) -> tuple | None:
    return (lab, identity_key(student), spelling_key(student)) if lab and student else None


def grade_item(item: InputItem, index: int, *, labs=LABS, expect_lab: str | None = None,
               options: GradeOptions | None = None) -> _Entry:
    """Grade one input. Never raises: every failure becomes this file's ``rejected`` result."""
    opts = options or GradeOptions(expect_lab=expect_lab)
    expect = opts.expect_lab
    if item.error is not None:
        return _Entry(index, rejected_result(*item.error, source=item.source), None, None)
    obj = None
    try:
        obj, dupes = decode_json(item.data)
        sub = validate_submission(obj, labs=labs)
        if dupes:
            sub.warnings.insert(0, "duplicate keys in the JSON (last value used): "
                                + ", ".join(repr(shown(d, 30)) for d in dupes))
        if expect is not None and sub.lab != expect:
            raise SubmissionError("wrong_lab", f"this assignment grades lab {expect!r}, but the file is for lab {sub.lab!r}")
        res = grade_submission(sub, labs[sub.lab], source=item.source, attempt_penalty=opts.attempt_penalty,
                               attempt_floor=opts.attempt_floor)
        return _Entry(index, res, sub.created_at, _key(sub.lab, sub.student))
    except SubmissionError as e:
        try:
            lab, student = _peek_identity(obj, labs)
            if expect is not None and lab != expect:
                lab = None
            res = rejected_result(e.code, e.message, source=item.source, lab=lab, student=student,
                                  max_score=labs[lab].max_score if lab else 0.0)
            return _Entry(index, res, None, _key(lab, student))
        except Exception as inner:  # noqa: BLE001
            return _internal_error(index, item, inner)
    except Exception as e:  # noqa: BLE001 - the batch must continue whatever happens
        return _internal_error(index, item, e)


def _internal_error(index: int, item: InputItem, e: BaseException) -> _Entry:
    msg = f"internal grader error on {item.source} ({type(e).__name__}: {shown(e, 200)}); tell your instructor"
    return _Entry(index, rejected_result("grader_error", msg, source=item.source), None, None)


def _sort_key(e: _Entry) -> tuple:
    return (e.created_at or _EPOCH, e.index)


def grade_items(items, *, total: int | None = None, labs=LABS, progress: bool = True, expect_lab: str | None = None,
                options: GradeOptions | None = None, skipped: list | None = None) -> BatchResult:
    opts = options or GradeOptions(expect_lab=expect_lab)
    bar = Progress(total, enabled=progress)
    entries: list[_Entry] = []
    for i, item in enumerate(items):
        entries.append(grade_item(item, i, labs=labs, options=opts))
        bar.step()
    bar.done()
    best: dict[tuple, _Entry] = {}
    for e in entries:
        if e.key is None or e.result.status == "rejected":
            continue
        cur = best.get(e.key)
        if cur is None or _sort_key(e) >= _sort_key(cur):
            best[e.key] = e
    superseded, replacements = [], []
    for e in entries:
        if e.result.status == "graded" and best.get(e.key) is not e:
            e.result.status = "superseded"
            newer = best[e.key].result
            e.result.warnings.append(f"superseded by {newer.source} (created {shown(newer.created or 'unknown', 40)})")
            superseded.append(e.result)
            replacements.append({"lab": newer.lab, "student": newer.student,
                                 "kept": newer.source, "kept_score": newer.score, "kept_created": newer.created,
                                 "replaced": e.result.source, "replaced_score": e.result.score,
                                 "replaced_created": e.result.created})
    # rejected files with a known identity still get a 0 row when the student has nothing gradable
    for e in entries:
        if e.result.status == "rejected" and e.key is not None and e.key not in best:
            best[e.key] = e
    collisions = _collisions(best)
    kept = sorted((e.result for e in best.values()), key=lambda r: (r.lab or "", identity_key(r.student or ""),
                                                                     r.student or ""))
    rejected = [e.result for e in entries if e.result.status == "rejected"]
    return BatchResult(entries=[e.result for e in entries], kept=kept, superseded=superseded, rejected=rejected,
                       replacements=replacements, collisions=collisions, skipped=list(skipped or []), options=opts)


def _collisions(best: dict) -> list[dict]:
    groups: dict[tuple, list] = {}
    for (lab, ident, _spelling), e in best.items():
        groups.setdefault((lab, ident), []).append(e.result)
    out = []
    for (lab, ident), rs in sorted(groups.items()):
        if len(rs) > 1:
            ids = sorted(r.student for r in rs)
            for r in rs:
                others = ", ".join(repr(shown(i, 64)) for i in ids if i != r.student)
                r.warnings.append(f"student id collision: {others} is a different spelling of the same id "
                                  "(not merged; check which one is right)")
            out.append({"lab": lab, "key": ident, "ids": ids})
    return out


def apply_roster(batch: BatchResult, roster: Roster, *, fill_missing: bool = False, labs=LABS) -> BatchResult:
    """Match kept rows to ``roster``: fill their identity, list ``not_on_roster`` (submitted, unknown)
    and ``missing`` (on the roster, nothing submitted for a lab of the batch); with ``fill_missing``
    add a 0 row (status ``missing``) for each missing student."""
    batch.roster = roster
    lab_ids = sorted({r.lab for r in batch.kept if r.lab} | ({batch.options.expect_lab} if batch.options.expect_lab else set()))
    seen: dict[str, set] = {lab: set() for lab in lab_ids}
    for r in batch.kept:
        entry = roster.find(r.student)
        if entry is None:
            batch.not_on_roster.append({"lab": r.lab, "student": r.student, "source": r.source})
            r.warnings.append("student id not on the course roster")
            continue
        r.identity = {"id": entry.id, "email": entry.email, "name": entry.name, "section": entry.section}
        seen.setdefault(r.lab, set()).add(entry.id)
    for lab in lab_ids:
        for entry in roster.entries:
            if entry.id in seen.get(lab, set()):
                continue
            batch.missing.append({"lab": lab, "id": entry.id, "email": entry.email, "name": entry.name,
                                  "section": entry.section})
            if fill_missing:
                mx = labs[lab].max_score if lab in labs else 0.0
                r = GradeResult(lab=lab, student=entry.id, score=0.0, max_score=mx, status="missing",
                                error_code="missing", error="no submission", identity={
                                    "id": entry.id, "email": entry.email, "name": entry.name,
                                    "section": entry.section})
                batch.kept.append(r)
    batch.kept.sort(key=lambda r: (r.lab or "", identity_key(r.student or ""), r.student or ""))
    return batch


def grade_paths(paths, **kw) -> BatchResult:
    skipped: list = []
    return grade_items(collect(paths, skipped=skipped), skipped=skipped, **kw)
