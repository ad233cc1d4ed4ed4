"""Submission files: build (browser/native lab) and validate (autograder).

Format (``SCHEMA = "mlsys-lab-submission/1"``)::

    {"schema": "mlsys-lab-submission/1", "lab": "00_hello_roofline", "lab_version": "1",
     "student": "ada@uni.edu", "variant": {"seed": "…", "params": {…}},
     "answers": {"q_ridge": "295 flop/byte", …}, "created": "2025-01-31T12:00:00Z", "app": "mlsys-labkit/0.1.0",
     "attempts": [{"question": "q_ridge", "time": "2025-01-31T11:58:02Z", "answer": "29.5 flop/byte",
                   "correct": false}, …],
     "prediction": {"question": "…", "choice": "…", "time": "…"},
     "reflections": {"r1": "text"}, "controls": {"batch": 8}}

``attempts``, ``prediction``, ``reflections`` and ``controls`` are optional (older files grade as
before); they are validated and bounded (:data:`MAX_ATTEMPTS` attempts of ≤ 200 characters …), and
malformed entries are dropped with a warning, never fatal. The ``correct`` flag of an attempt is
the page's claim: the autograder re-checks every attempt itself.

:func:`validate_submission` never trusts the file beyond reading data from it: size is checked before
parsing, the text must be UTF-8 JSON without NaN/Infinity, and the variant is recomputed from
(lab, student). Fatal problems raise :class:`SubmissionError` (``code`` + ``message``); tolerable ones
(version mismatch, unknown question ids, extra fields, a claimed variant that differs …) become
``Submission.warnings``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .variants import MAX_STUDENT_LEN, Variant, make_variant

__all__ = ["SCHEMA", "MAX_BYTES", "SubmissionError", "Submission", "build_submission", "validate_submission",
           "dumps_submission", "utc_now_iso", "check_student_id", "decode_json", "parse_utc", "clean_attempts",
           "clean_prediction", "clean_reflections", "clean_controls", "MAX_ATTEMPTS"]

SCHEMA = "mlsys-lab-submission/1"
MAX_BYTES = 256 * 1024
MAX_ANSWER_CHARS = 1000  # longer answers are kept truncated (the parser rejects > 200 anyway)
KNOWN_FIELDS = ("schema", "lab", "lab_version", "student", "variant", "answers", "created", "app", "attempts",
                "prediction", "reflections", "controls")
MAX_ATTEMPTS = 500
MAX_ATTEMPT_CHARS = 200
MAX_REFLECTIONS = 50
MAX_REFLECTION_CHARS = 5000
MAX_CONTROLS = 100
MAX_DUPLICATE_KEYS = 10
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
    attempts: list = field(default_factory=list)  # [{"question", "time", "answer", "correct"}], time order
    prediction: dict | None = None
    reflections: dict = field(default_factory=dict)
    controls: dict = field(default_factory=dict)


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
    if s.isascii() and s.isprintable():  # printable ASCII has none of the refused categories (only Cc is ASCII)
        return s
    bad = next((c for c in s if unicodedata.category(c) in _BAD_ID_CATEGORIES), None)
    if bad is not None:
        kind = {"Cc": "a control", "Cf": "an invisible formatting (zero-width or bidi)", "Cs": "a lone surrogate",
                "Zl": "a line separator", "Zp": "a paragraph separator", "Co": "a private-use"}[unicodedata.category(bad)]
        raise SubmissionError("bad_student", f"'student' contains {kind} character (U+{ord(bad):04X})")
    return s


#: Unicode categories refused in student ids: controls, format characters (zero-width, bidi
#: overrides, BOM), surrogates, private use, line/paragraph separators.
_BAD_ID_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def build_submission(lab, variant: Variant, answers: dict, created: str | None = None, *, attempts=None,
                     prediction=None, reflections=None, controls=None) -> dict:
    """The JSON-ready submission dict for ``lab`` (a LabSpec) and ``variant``; answers as text.
    The optional parts are cleaned with the same rules the validator applies."""
    clean = {}
    for q in lab.questions:
        v = answers.get(q.id)
        if v is not None:
            clean[q.id] = str(v)[:MAX_ANSWER_CHARS]
    sink: list = []
    extra = {}
    if attempts is not None:
        extra["attempts"] = clean_attempts(attempts, set(lab.question_ids), sink)
    if prediction is not None:
        p = clean_prediction(prediction, sink)
        if p is not None:
            extra["prediction"] = p
    if reflections:
        extra["reflections"] = clean_reflections(reflections, sink)
    if controls:
        extra["controls"] = clean_controls(controls, sink)
    return {**_core_fields(lab, variant, clean, created), **extra}


def _core_fields(lab, variant: Variant, clean: dict, created: str | None) -> dict:
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
        d = dict(items)  # the last value of a repeated key wins, at its first position (as in json.loads)
        if len(d) == len(items) or len(dupes) >= MAX_DUPLICATE_KEYS:
            return d
        seen = set()
        for k, _ in items:  # rare: name the repeated keys in order
            if k in seen and len(dupes) < MAX_DUPLICATE_KEYS:
                dupes.append(k[:40])  # bounded: a key can be megabytes long
            seen.add(k)
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
    dt = parse_utc(value)
    if dt is None:
        warnings.append(f"'created' {_short(value)} is not a valid ISO 8601 timestamp: ordered as the oldest submission")
        return value, None
    return value, dt


def parse_utc(value: Any) -> datetime | None:
    """ISO 8601 text → aware UTC datetime, or None (not text, not ISO, or out of range such as
    ``9999-12-31T23:59:59-23:59``, which overflows when converted to UTC). Naive times are UTC."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc)
    except (ValueError, OverflowError, TypeError):
        return None


_CANONICAL_UTC = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ")


def _utc_text(value: Any) -> str | None:
    """A timestamp as canonical ``YYYY-MM-DDTHH:MM:SSZ`` text (None if it is not a valid ISO 8601 time).
    Text already in that form (what the page writes) is kept as it is; day 31 of a short month
    passes this fast path — the time only orders attempts. A pure function of the text: memoised
    for short text (attempt times repeat across a batch)."""
    if type(value) is str and len(value) <= 40:
        hit = _UTC_MEMO.get(value, _MISSING)
        if hit is _MISSING:
            if len(_UTC_MEMO) >= 4096:
                _UTC_MEMO.clear()
            hit = _UTC_MEMO[value] = _utc_text_uncached(value)
        return hit
    return _utc_text_uncached(value)


_UTC_MEMO: dict = {}
_MISSING = object()


def _utc_text_uncached(value: Any) -> str | None:
    if isinstance(value, str) and _CANONICAL_UTC.fullmatch(value):
        return value
    when = parse_utc(value)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _text(v: Any, n: int) -> str | None:
    return v[:n] if isinstance(v, str) else None


def clean_attempts(raw: Any, known: set, warnings: list) -> list[dict]:
    """Validated attempt records (≤ MAX_ATTEMPTS, time order); malformed ones dropped with a warning."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        warnings.append("'attempts' is not a list; ignored")
        return []
    out, bad = [], 0
    append, utc = out.append, _utc_text
    for a in raw[:MAX_ATTEMPTS]:
        if not isinstance(a, dict):
            bad += 1
            continue
        get = a.get
        qid, answer = get("question"), get("answer")
        if qid not in known or not isinstance(answer, str):
            bad += 1
            continue
        append({"question": qid, "time": utc(get("time")), "answer": answer[:MAX_ATTEMPT_CHARS],
                "correct": get("correct") is True})
    if len(raw) > MAX_ATTEMPTS:
        warnings.append(f"more than {MAX_ATTEMPTS} attempt records: only the first {MAX_ATTEMPTS} were read")
    if bad:
        warnings.append(f"{bad} malformed attempt record(s) ignored")
    out.sort(key=lambda a: a["time"] or "")
    return out


def clean_prediction(raw: Any, warnings: list) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("choice"), str) or not raw["choice"].strip():
        warnings.append("'prediction' is malformed; ignored")
        return None
    return {"question": _text(raw.get("question"), 500) or "", "choice": raw["choice"][:200],
            "time": _utc_text(raw.get("time"))}


def clean_reflections(raw: Any, warnings: list) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        warnings.append("'reflections' is not an object; ignored")
        return {}
    out = {str(k)[:64]: v[:MAX_REFLECTION_CHARS] for k, v in list(raw.items())[:MAX_REFLECTIONS]
           if isinstance(v, str)}
    if len(out) < len(raw):
        warnings.append("some reflections were not text or beyond the limit; ignored")
    return out


def clean_controls(raw: Any, warnings: list) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        warnings.append("'controls' is not an object; ignored")
        return {}
    out = {}
    for k, v in list(raw.items())[:MAX_CONTROLS]:
        if isinstance(v, str):
            out[str(k)[:64]] = v[:200]
        elif isinstance(v, (bool, int)) or (isinstance(v, float) and math.isfinite(v)):
            out[str(k)[:64]] = v
    if len(out) < len(raw):
        warnings.append("some control values were not scalars or beyond the limit; ignored")
    return out


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
    attempts = clean_attempts(obj.get("attempts"), set(lab.question_ids), warnings)
    prediction = clean_prediction(obj.get("prediction"), warnings)
    reflections = clean_reflections(obj.get("reflections"), warnings)
    controls = clean_controls(obj.get("controls"), warnings)
    return Submission(schema=SCHEMA, lab=lab.id, lab_version=version, student=student, answers=answers,
                      created=created, created_at=created_at, variant=variant, claimed_variant=claimed,
                      warnings=warnings, extra_fields=extra, unknown_questions=unknown, attempts=attempts,
                      prediction=prediction, reflections=reflections, controls=controls)
