"""Submission files: build (browser/native lab) and validate (autograder).

Format (``SCHEMA = "mlsys-lab-submission/1"``)::

    {"schema": "mlsys-lab-submission/1", "lab": "00_hello_roofline", "lab_version": "1",
     "student": "ada@uni.edu", "variant": {"seed": "…", "params": {…}},
     "answers": {"q_ridge": "295 flop/byte", …}, "created": "2025-01-31T12:00:00Z", "app": "mlsys-labkit/0.1.0"}

:func:`validate_submission` never trusts the file beyond reading data from it: size is checked before
parsing, the text must be UTF-8 JSON without NaN/Infinity, and the variant is recomputed from
(lab, student). Fatal problems raise :class:`SubmissionError` (``code`` + ``message``); tolerable ones
(version mismatch, unknown question ids, extra fields, a claimed variant that differs …) become
``Submission.warnings``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .variants import MAX_STUDENT_LEN, Variant, make_variant

__all__ = ["SCHEMA", "MAX_BYTES", "SubmissionError", "Submission", "build_submission", "validate_submission",
           "dumps_submission", "utc_now_iso", "check_student_id", "decode_json"]

SCHEMA = "mlsys-lab-submission/1"
MAX_BYTES = 256 * 1024
MAX_ANSWER_CHARS = 1000  # longer answers are kept truncated (the parser rejects > 200 anyway)
KNOWN_FIELDS = ("schema", "lab", "lab_version", "student", "variant", "answers", "created", "app")
APP = "mlsys-labkit/0.1.0"


class SubmissionError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"SubmissionError({self.code!r}, {self.message!r})"


@dataclass
class Submission:
    schema: str
    lab: str
    lab_version: str
    student: str
    answers: dict
    created: str | None
    created_at: datetime | None
    variant: Variant
    claimed_variant: Any = None
    warnings: list = field(default_factory=list)
    extra_fields: list = field(default_factory=list)
    unknown_questions: list = field(default_factory=list)


def _short(x: Any, n: int = 40) -> str:
    s = x if isinstance(x, str) else repr(x)
    return repr(s if len(s) <= n else s[:n] + "…")


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_student_id(student: Any) -> str:
    """Return the stripped student id or raise SubmissionError('bad_student')."""
    if not isinstance(student, str):
        raise SubmissionError("bad_student", "'student' must be text (your student id)")
    s = student.strip()
    if not s:
        raise SubmissionError("bad_student", "'student' is empty: type your student id in the lab before downloading")
    if len(s) > MAX_STUDENT_LEN:
        raise SubmissionError("bad_student", f"'student' is longer than {MAX_STUDENT_LEN} characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in s):
        raise SubmissionError("bad_student", "'student' contains control characters")
    return s


def build_submission(lab, variant: Variant, answers: dict, created: str | None = None) -> dict:
    """The JSON-ready submission dict for ``lab`` (a LabSpec) and ``variant``; answers as text."""
    clean = {}
    for q in lab.questions:
        v = answers.get(q.id)
        if v is not None:
            clean[q.id] = str(v)[:MAX_ANSWER_CHARS]
    return {
        "schema": SCHEMA,
        "lab": lab.id,
        "lab_version": lab.version,
        "student": variant.student_id,
        "variant": variant.to_json(),
        "answers": clean,
        "created": created or utc_now_iso(),
        "app": APP,
    }


def dumps_submission(sub: dict) -> str:
    """Serialise for download (UTF-8, no NaN)."""
    return json.dumps(sub, ensure_ascii=False, allow_nan=False, indent=2)


def _reject_constant(name: str):
    raise SubmissionError("nan_in_json", f"the file contains {name}, which is not valid JSON")


def decode_json(data, max_bytes: int = MAX_BYTES):
    """Bytes/str → (decoded JSON, duplicate keys). Size, UTF-8 and NaN checks; raises SubmissionError."""
    if isinstance(data, str):
        if len(data) > max_bytes or len(data.encode("utf-8", "surrogatepass")) > max_bytes:
            raise SubmissionError("too_large", f"the file is larger than {max_bytes // 1024} KiB")
        text = data
    else:
        raw = bytes(data[: max_bytes + 1]) if not isinstance(data, bytes) else data
        if len(raw) > max_bytes:
            raise SubmissionError("too_large", f"the file is larger than {max_bytes // 1024} KiB")
        if not raw.strip():
            raise SubmissionError("empty", "the file is empty")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise SubmissionError("not_utf8", f"the file is not UTF-8 text (bad byte at offset {e.start})") from None
    dupes: list[str] = []

    def pairs(items):
        d = {}
        for k, v in items:
            if k in d and len(dupes) < 10:
                dupes.append(k)
            d[k] = v
        return d

    try:
        obj = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=pairs)
    except SubmissionError:
        raise
    except json.JSONDecodeError as e:
        raise SubmissionError("malformed_json", f"the file is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise SubmissionError("malformed_json", "the JSON is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as e:
        raise SubmissionError("malformed_json", f"the file is not valid JSON ({str(e)[:100]})") from None
    return obj, dupes


def _parse_created(value: Any, warnings: list):
    if value is None:
        warnings.append("no 'created' timestamp: ordered as the oldest submission")
        return None, None
    if not isinstance(value, str) or len(value) > 40:
        warnings.append("'created' is not an ISO 8601 timestamp: ordered as the oldest submission")
        return None, None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        warnings.append(f"'created' {_short(value)} is not an ISO 8601 timestamp: ordered as the oldest submission")
        return value, None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return value, dt.astimezone(timezone.utc)


def _clean_answers(answers: Any, lab, warnings: list):
    if not isinstance(answers, dict):
        raise SubmissionError("bad_answers", "'answers' must be an object mapping question ids to your answers")
    known = set(lab.question_ids)
    out: dict[str, Any] = {}
    unknown: list[str] = []
    for k, v in answers.items():
        if k not in known:
            unknown.append(k)
            continue
        if v is None or isinstance(v, str):
            out[k] = v if v is None else v[:MAX_ANSWER_CHARS]
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            warnings.append(f"answer to {k} is not text; it is ignored")
        elif isinstance(v, float) and not math.isfinite(v):
            warnings.append(f"answer to {k} is not a finite number; it is ignored")
        else:
            out[k] = repr(v) if isinstance(v, float) else (str(v) if abs(v) < 10**40 else "1e999")
    if unknown:
        shown = ", ".join(_short(u, 30) for u in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        warnings.append(f"unknown question ids ignored: {shown}{more}")
    return out, unknown


def _check_claimed_variant(claimed: Any, variant: Variant, warnings: list) -> None:
    if claimed is None:
        return
    if not isinstance(claimed, dict):
        warnings.append("'variant' is not an object; ignored (the variant is recomputed from your student id)")
        return
    same = claimed.get("seed") == variant.seed and claimed.get("params") == variant.params
    if not same:
        warnings.append(
            "the submission claims a different variant than its student id gives; it was graded with the "
            f"variant of student {_short(variant.student_id)} ({json.dumps(variant.params, sort_keys=True)[:200]})"
        )


def validate_submission(data, *, labs=None, max_bytes: int = MAX_BYTES) -> Submission:
    """Parse and check a submission (bytes, str or an already-decoded dict).

    ``labs``: mapping lab id → LabSpec (default: :data:`mlsys_labs.catalog.LABS`).
    """
    warnings: list[str] = []
    if isinstance(data, (bytes, bytearray, memoryview, str)):
        obj, dupes = decode_json(data, max_bytes)
        if dupes:
            warnings.append("duplicate keys in the JSON (last value used): " + ", ".join(_short(d, 30) for d in dupes))
    else:
        obj = data
    if not isinstance(obj, dict):
        raise SubmissionError("not_object", "the file must contain a JSON object (a submission downloaded from a lab)")
    if "schema" not in obj:
        raise SubmissionError("wrong_schema", f"missing 'schema' (expected {SCHEMA!r}): is this a lab submission file?")
    if obj["schema"] != SCHEMA:
        raise SubmissionError("wrong_schema", f"unsupported schema {_short(obj['schema'])}; expected {SCHEMA!r}")

    lab_id = obj.get("lab")
    if not isinstance(lab_id, str) or not lab_id:
        raise SubmissionError("unknown_lab", "missing 'lab' (the lab id)")
    if labs is None:
        from .catalog import LABS as labs
    lab = labs.get(lab_id)
    if lab is None:
        known = ", ".join(sorted(labs))
        raise SubmissionError("unknown_lab", f"unknown lab {_short(lab_id)}; known labs: {known}")

    student = check_student_id(obj.get("student"))
    variant = make_variant(lab, student)

    version = obj.get("lab_version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str):
        warnings.append(f"missing 'lab_version'; graded against version {lab.version}")
        version = ""
    elif version != lab.version:
        warnings.append(f"lab version {_short(version)} differs from the grader's {lab.version!r}; graded anyway")

    answers, unknown = _clean_answers(obj.get("answers"), lab, warnings)
    missing = [q for q in lab.question_ids if answers.get(q) in (None, "")]
    if missing:
        warnings.append(f"no answer for: {', '.join(missing)}")
    created, created_at = _parse_created(obj.get("created"), warnings)
    claimed = obj.get("variant")
    _check_claimed_variant(claimed, variant, warnings)
    extra = [k for k in obj if k not in KNOWN_FIELDS]
    if extra:
        shown = ", ".join(_short(k, 30) for k in extra[:10])
        warnings.append(f"extra fields ignored: {shown}{' …' if len(extra) > 10 else ''}")
    return Submission(schema=SCHEMA, lab=lab.id, lab_version=version, student=student, answers=answers,
                      created=created, created_at=created_at, variant=variant, claimed_variant=claimed,
                      warnings=warnings, extra_fields=extra, unknown_questions=unknown)
