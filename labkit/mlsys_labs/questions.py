"""Declarative graded questions and lab specs.

A bank author writes::

    from mlsysim_core import Hardware, SingleNodeModel
    from mlsys_labs.questions import LabSpec, Question

    LAB = LabSpec(
        id="00_hello_roofline", title="Hello, roofline", version="1", walls=(1, 2), minutes=30,
        summary="…",
        variant_space={"accelerator": ("H100", "A100"), "batch": (1, 8, 64)},
        questions=(
            Question(id="q_ridge", prompt="What is the ridge point of the {accelerator}?", unit="flop/byte",
                     expected=lambda v: accel(v).ridge_point(), rel_tol=0.02),
            Question(id="q_bound", prompt="At batch {batch}, is decode memory- or compute-bound?",
                     kind="choice", choices=("memory-bound", "compute-bound"), expected=lambda v: ...),
        ),
    )

``expected(variant)`` returns a pint Quantity (any unit of the right dimension), a plain number
(read in the question's ``unit``), or — for ``kind="choice"`` — one of ``choices``.
``question.render(variant)`` fills ``{param}`` placeholders; ``question.check(variant, text)`` returns
:class:`Feedback`. The same code grades in the browser (check button) and in the autograder.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .answers import MAX_LEN, AnswerError, ParsedAnswer, describe_kind, parse_answer
from .param_reads import MISSING, ParamReadCache
from .variants import Variant, make_variant

__all__ = ["Question", "LabSpec", "Feedback", "check_answer", "BankError", "format_value", "per_variant"]

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CACHE_MAX = 8192


def _base_factor(q) -> float:
    """Multiplier to base units of a Quantity's unit (cached per unit in mlsysim_core.units)."""
    try:
        from mlsysim_core.units import _factor

        return _factor(q._units)
    except (ImportError, AttributeError):
        return float(q.to_base_units().magnitude) / float(q.magnitude) if q.magnitude else 1.0


def per_variant(fn):
    """Decorator for bank helpers shared by several questions: cache ``fn(variant, *args)`` per variant
    content (lab id + params), so e.g. one resolver call feeds four questions::

        @per_variant
        def plan(v):
            return EconomicsModel().solve(...)
    """
    cache: dict = {}

    @functools.wraps(fn)
    def wrapper(variant, *args):
        k = (variant.key(), args)
        try:
            return cache[k]
        except KeyError:
            pass
        value = fn(variant, *args)
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[k] = value
        return value

    wrapper.cache_clear = cache.clear
    return wrapper


class BankError(Exception):
    """A mistake in a question bank (bad id, unit, expected value of the wrong dimension …)."""


@dataclass(frozen=True)
class Feedback:
    """Result of checking one answer. ``code``: ok · off (with a direction only) · unit_slip ·
    wrong_dimension · unreadable · missing · not_a_choice · grader_error.

    ``message`` never reveals the key: no percentage, ratio or expected value (issue 9)."""

    correct: bool
    score: float
    max_score: float
    message: str
    expected_text: str = ""  # for the grader's report only: never shown before the answer is right
    code: str = "ok"
    value: float | None = None  # the student's answer in base units (quantity questions), for the report


def format_value(x: float, digits: int = 4) -> str:
    """Readable number: ``1234.5`` → ``'1234.5'``; ``3.2e-07`` → ``'3.2e-07'`` (always re-parsable)."""
    return "0" if x == 0 else f"{x:.{digits}g}"


def _norm_choice(s: str) -> str:
    return re.sub(r"[\s_\-]+", "", s.strip().casefold())


@dataclass(frozen=True, eq=False)
class Question:
    id: str
    prompt: str
    unit: str = ""
    expected: Callable[[Variant], Any] | None = None
    rel_tol: float = 0.02
    abs_tol: str | None = None
    points: float = 1.0
    kind: str = "quantity"  # "quantity" | "choice"
    choices: tuple = ()
    hint: str = ""
    explain: str = ""  # the "why" (equation) shown after checking
    require_unit: bool = False  # if False, a bare number is read in ``unit``
    _unit: Any = field(default=None, init=False, repr=False)
    _abs_si: float = field(default=0.0, init=False, repr=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False)  # variant key → expected value
    _by_reads: ParamReadCache = field(default_factory=ParamReadCache, init=False, repr=False)
    _texts: dict = field(default_factory=dict, init=False, repr=False)  # (value, digits) → expected text
    _keys: dict = field(default_factory=dict, init=False, repr=False)  # variant key → (value, 4-digit text)
    _prompts: dict = field(default_factory=dict, init=False, repr=False)  # variant key → rendered prompt
    _prompts_by_values: dict = field(default_factory=dict, init=False, repr=False)  # placeholder values → prompt
    _placeholders: tuple = field(default=(), init=False, repr=False)  # the prompt's {param} names

    def __post_init__(self):
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise BankError(f"question id {self.id!r} must match {_ID.pattern}")
        if isinstance(self.prompt, str):
            object.__setattr__(self, "_placeholders", tuple(dict.fromkeys(_PLACEHOLDER.findall(self.prompt))))
        if not callable(self.expected):
            raise BankError(f"question {self.id}: expected must be a function of the variant")
        if not (isinstance(self.points, (int, float)) and self.points > 0 and math.isfinite(self.points)):
            raise BankError(f"question {self.id}: points must be > 0")
        if self.kind == "choice":
            choices = tuple(self.choices)
            if len(choices) < 2 or not all(isinstance(c, str) and c.strip() for c in choices):
                raise BankError(f"question {self.id}: a choice question needs ≥ 2 non-empty text choices")
            if len({_norm_choice(c) for c in choices}) != len(choices):
                raise BankError(f"question {self.id}: choices must differ after normalisation")
            object.__setattr__(self, "choices", choices)
            return
        if self.kind != "quantity":
            raise BankError(f"question {self.id}: kind must be 'quantity' or 'choice'")
        if not (0 <= self.rel_tol < 1):
            raise BankError(f"question {self.id}: rel_tol must be in [0, 1)")
        try:
            unit = parse_answer(f"1 {self.unit}".strip())
        except AnswerError as e:
            raise BankError(f"question {self.id}: unit {self.unit!r}: {e.message}") from None
        object.__setattr__(self, "_unit", unit)
        if self.abs_tol is not None:
            try:
                a = parse_answer(self.abs_tol)
            except AnswerError as e:
                raise BankError(f"question {self.id}: abs_tol {self.abs_tol!r}: {e.message}") from None
            if a.unitless:
                a_si = a.magnitude * unit.value_si
            elif a.dims != unit.dims:
                raise BankError(f"question {self.id}: abs_tol {self.abs_tol!r} is not {describe_kind(unit.kind)}")
            else:
                a_si = a.value_si
            object.__setattr__(self, "_abs_si", abs(a_si))
        if self.rel_tol == 0 and self._abs_si == 0:
            raise BankError(f"question {self.id}: give rel_tol > 0 or an abs_tol")

    # -- presentation ------------------------------------------------------------------------
    def render(self, variant: Variant | Mapping | None = None) -> str:
        """The prompt with ``{param}`` placeholders filled from the variant's params."""
        if isinstance(variant, Variant):  # cached per variant key, then per the text of its placeholders' values
            key = variant.key()
            hit = self._prompts.get(key)
            if hit is None:
                params = variant.params
                values = tuple(str(params[n]) if n in params else None for n in self._placeholders)
                hit = self._prompts_by_values.get(values)
                if hit is None:
                    if len(self._prompts_by_values) >= _CACHE_MAX:
                        self._prompts_by_values.clear()
                    hit = self._prompts_by_values[values] = self._render(params)
                if len(self._prompts) >= _CACHE_MAX:
                    self._prompts.clear()
                self._prompts[key] = hit
            return hit
        return self._render(variant or {})

    def _render(self, params: Mapping) -> str:
        def sub(m):
            name = m.group(1)
            return str(params[name]) if name in params else m.group(0)

        return _PLACEHOLDER.sub(sub, self.prompt)

    @property
    def unit_kind(self) -> str:
        return "choice" if self.kind == "choice" else self._unit.kind

    # -- expected values ---------------------------------------------------------------------
    def expected_value(self, variant: Variant):
        """Expected value: base-unit float (quantity) or canonical choice text. Cached per variant, and by
        the parameters ``expected`` reads (:mod:`mlsys_labs.param_reads`): variants that differ only in
        parameters it ignores share one computation."""
        key = variant.key()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        value = self._by_reads.get(variant)
        if value is MISSING:
            value = self._by_reads.compute(self.expected, variant, self._canonical)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[key] = value
        return value

    def _canonical(self, raw):
        """What ``expected`` returned → the canonical choice text, or the value in base units."""
        if self.kind == "choice":
            if not isinstance(raw, str):
                raise BankError(f"question {self.id}: expected must return one of {self.choices}, got {raw!r}")
            want = _norm_choice(raw)
            for c in self.choices:
                if _norm_choice(c) == want:
                    return c
            raise BankError(f"question {self.id}: expected {raw!r} is not one of {self.choices}")
        return self._to_si(raw)

    def _to_si(self, raw) -> float:
        unit = self._unit
        if isinstance(raw, bool):
            raise BankError(f"question {self.id}: expected returned a bool")
        if isinstance(raw, (int, float)):
            x = float(raw) * unit.value_si
        elif hasattr(raw, "dimensionality") and hasattr(raw, "magnitude"):
            if raw.dimensionality != unit.dims:
                raise BankError(f"question {self.id}: expected value {raw} is not {describe_kind(unit.kind)}")
            x = float(raw.magnitude) * _base_factor(raw)
        else:
            raise BankError(f"question {self.id}: expected returned {type(raw).__name__}, want a Quantity or number")
        if not math.isfinite(x):
            raise BankError(f"question {self.id}: expected value is not finite")
        return x

    def expected_text(self, variant: Variant, digits: int = 4) -> str:
        """The expected answer as text in the question's unit (``"3.35 TB/s"``); re-parsable. Cached
        per value and ``digits`` (the text is a function of them)."""
        v = self.expected_value(variant)
        if self.kind == "choice":
            return v
        key = (v, digits)
        hit = self._texts.get(key)
        if hit is None:
            if len(self._texts) >= _CACHE_MAX:
                self._texts.clear()
            hit = self._texts[key] = f"{format_value(v / self._unit.value_si, digits)} {self.unit}".strip()
        return hit

    def tolerance_text(self) -> str:
        parts = []
        if self.rel_tol:
            parts.append(f"±{self.rel_tol * 100:g}%")
        if self._abs_si:
            parts.append(f"±{self.abs_tol}")
        return " or ".join(parts)

    # -- checking ----------------------------------------------------------------------------
    def check(self, variant: Variant, text) -> Feedback:
        """Grade one answer for ``variant``. Never raises for bad student input."""
        pts = float(self.points)
        try:
            key = variant.key()
            hit = self._keys.get(key)
            if hit is None:
                hit = (self.expected_value(variant), self.expected_text(variant))
                if len(self._keys) >= _CACHE_MAX:
                    self._keys.clear()
                self._keys[key] = hit
            expected, exp_text = hit
        except Exception as e:  # a bank/resolver bug must not look like a student error
            return Feedback(False, 0.0, pts, f"grader error computing the expected value ({type(e).__name__}: {e})",
                            "", "grader_error")
        if text is None or (type(text) is str and len(text) <= _MEMO_TEXT_MAX):
            memo = (self, expected, text)
            fb = _FEEDBACK_MEMO.get(memo)
            if fb is None:
                fb = self._check_text(expected, exp_text, text, pts)
                if len(_FEEDBACK_MEMO) >= _FEEDBACK_MEMO_MAX:
                    _FEEDBACK_MEMO.clear()
                _FEEDBACK_MEMO[memo] = fb
            return fb
        return self._check_text(expected, exp_text, text, pts)

    def _check_text(self, expected, exp_text: str, text, pts: float) -> Feedback:
        if text is None or (isinstance(text, str) and not text.strip()):
            return Feedback(False, 0.0, pts, "no answer given", exp_text, "missing")
        if self.kind == "choice":
            return self._check_choice(expected, exp_text, text, pts)
        parsed, error = _parse_memo(text) if isinstance(text, str) else _parse_uncached(text)
        if error is not None:
            return Feedback(False, 0.0, pts, f"could not read your answer: {error.message}", exp_text, "unreadable")
        return self._check_quantity(expected, exp_text, parsed, pts)

    def _check_choice(self, expected: str, exp_text: str, text, pts: float) -> Feedback:
        if not isinstance(text, str) or len(text) > 200:
            return Feedback(False, 0.0, pts, "could not read your answer", exp_text, "unreadable")
        got = _norm_choice(text)
        if got == _norm_choice(expected):
            return Feedback(True, pts, pts, "correct", exp_text, "ok")
        if got not in {_norm_choice(c) for c in self.choices}:
            return Feedback(False, 0.0, pts, "not one of the choices: " + ", ".join(self.choices), exp_text,
                            "not_a_choice")
        return Feedback(False, 0.0, pts, "incorrect choice", exp_text, "off")

    def _check_quantity(self, expected: float, exp_text: str, p: ParsedAnswer, pts: float) -> Feedback:
        unit = self._unit
        note = ""
        if p.unitless:
            dimensionless = unit.kind == "dimensionless"
            if self.require_unit and not dimensionless:
                return Feedback(False, 0.0, pts, f"give a unit: the question asks for {describe_kind(unit.kind)}",
                                exp_text, "wrong_dimension")
            value = p.magnitude * unit.value_si  # a bare number is read in the question's unit
            if unit.units:
                note = f" (no unit given: read as {format_value(p.magnitude, 6)} {self.unit})"
            tol0 = max(self.rel_tol * abs(expected), self._abs_si)
            if dimensionless and unit.value_si != 1.0 and abs(p.magnitude - expected) <= tol0 < abs(value - expected):
                value = p.magnitude  # "0.45" for a question in %: a bare fraction is accepted too
                note = f" (read as the fraction {format_value(p.magnitude, 6)})"
        elif p.dims != unit.dims:
            return Feedback(False, 0.0, pts,
                            f"wrong dimension: you gave {describe_kind(p.kind)}, "
                            f"the question asks for {describe_kind(unit.kind)}", exp_text, "wrong_dimension")
        else:
            value = p.value_si
        if not math.isfinite(value):
            return Feedback(False, 0.0, pts, "could not read your answer: value is not finite", exp_text, "unreadable")
        tol = max(self.rel_tol * abs(expected), self._abs_si)
        err = abs(value - expected)
        if err <= tol * (1 + 1e-9):
            return Feedback(True, pts, pts, f"correct: within tolerance ({self.tolerance_text()}){note}", exp_text, "ok",
                            value=value)
        return self._wrong_quantity(value, expected, tol, exp_text, pts, note)

    def _wrong_quantity(self, value: float, expected: float, tol: float, exp_text: str, pts: float,
                        note: str) -> Feedback:
        """Feedback that never lets the student rebuild the key (issue 9): at most a direction, or
        "looks like a unit slip" when ``value / f`` is within tolerance for a unit factor ``f``
        (10³ⁿ, 8, 60, 3600 or their inverses; 100 for dimensionless quantities)."""
        direction = "too high" if value > expected else "too low"
        slip = unit_slip_factor(value, expected, tol, percent=self._unit.kind == "dimensionless")
        if slip is not None:
            return Feedback(False, 0.0, pts, "not yet: looks like a unit slip (check the prefix, bits vs bytes, the time "
                            f"unit, or % vs fraction){note}", exp_text, "unit_slip", value=value)
        return Feedback(False, 0.0, pts, f"not yet: {direction}{note}", exp_text, "off", value=value)


#: Factors that a wrong unit produces: SI prefixes (10³ⁿ), bits vs bytes (8), s/min/h (60, 3600).
UNIT_SLIP_FACTORS = tuple(10.0 ** (3 * n) for n in range(1, 6)) + (8.0, 60.0, 3600.0)


def unit_slip_factor(value: float, expected: float, tol: float, *, percent: bool = False) -> float | None:
    """The factor ``f`` (or ``1/f``) with ``|value / f − expected| ≤ tol`` for a unit factor ``f``
    (:data:`UNIT_SLIP_FACTORS`, plus 100 when ``percent``), else None."""
    if value == 0 or expected == 0 or (value > 0) != (expected > 0):
        return None
    factors = UNIT_SLIP_FACTORS + ((100.0,) if percent else ())
    for f in factors:
        for g in (f, 1.0 / f):
            if abs(value / g - expected) <= tol * (1 + 1e-9):
                return g
    return None


def _parse_uncached(text) -> tuple[ParsedAnswer | None, AnswerError | None]:
    try:
        return parse_answer(text), None
    except AnswerError as e:
        return None, e.with_traceback(None)  # a kept traceback would keep every frame of the first caller alive


#: A check is a pure function of the question, the expected value (its text is a function of the value) and
#: the answer: the same answer to the same value (a key typed by many students, "no answer", a repeated
#: wrong try) is checked once. Feedback is immutable, so sharing it is safe. Bounded: answers up to the
#: parser's length limit, at most _FEEDBACK_MEMO_MAX entries (then it starts over).
_FEEDBACK_MEMO: dict = {}
_FEEDBACK_MEMO_MAX = 16384
_MEMO_TEXT_MAX = MAX_LEN

#: ``parse_answer`` is a pure function of the text: the same text (a key typed by many students, a
#: repeated wrong try) is parsed once. ParsedAnswer is immutable, so sharing it is safe; a cached
#: AnswerError carries no traceback (its frames, up to a whole batch being graded, would stay alive
#: for as long as the error stays cached).
_parse_memo = functools.lru_cache(maxsize=16384)(_parse_uncached)


def check_answer(question: Question, variant: Variant, text) -> Feedback:
    return question.check(variant, text)


@dataclass(frozen=True, eq=False)
class LabSpec:
    id: str
    title: str
    version: str
    walls: tuple
    minutes: int
    summary: str
    variant_space: Mapping[str, tuple]
    questions: tuple

    def __post_init__(self):
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise BankError(f"lab id {self.id!r} must match {_ID.pattern}")
        if not isinstance(self.version, str) or not self.version:
            raise BankError(f"lab {self.id}: version must be a non-empty string")
        object.__setattr__(self, "walls", tuple(self.walls))
        if not all(isinstance(w, int) and 1 <= w <= 22 for w in self.walls):
            raise BankError(f"lab {self.id}: walls must be wall numbers 1..22")
        space = {}
        for name, choices in dict(self.variant_space).items():
            choices = tuple(choices)
            if not isinstance(name, str) or not _ID.match(name) or not choices:
                raise BankError(f"lab {self.id}: variant parameter {name!r} needs a valid name and ≥ 1 choice")
            for c in choices:
                if isinstance(c, bool) or not isinstance(c, (str, int, float)):
                    raise BankError(f"lab {self.id}: choice {c!r} of {name} must be text or a number (JSON scalar)")
            space[name] = choices
        object.__setattr__(self, "variant_space", space)
        qs = tuple(self.questions)
        if not qs or not all(isinstance(q, Question) for q in qs):
            raise BankError(f"lab {self.id}: questions must be a non-empty sequence of Question")
        ids = [q.id for q in qs]
        if len(set(ids)) != len(ids):
            raise BankError(f"lab {self.id}: duplicate question ids")
        object.__setattr__(self, "questions", qs)
        object.__setattr__(self, "_by_id", {q.id: q for q in qs})
        object.__setattr__(self, "_ids", tuple(ids))
        object.__setattr__(self, "_max_score", float(sum(q.points for q in qs)))

    @property
    def max_score(self) -> float:
        return self._max_score  # questions and points are fixed at construction (frozen)

    @property
    def question_ids(self) -> list[str]:
        return list(self._ids)

    def question(self, qid: str) -> Question:
        return self._by_id[qid]

    def variant(self, student_id: str) -> Variant:
        return make_variant(self, student_id)

    def check(self, qid: str, variant: Variant, text) -> Feedback:
        return self._by_id[qid].check(variant, text)

    def key_answers(self, variant: Variant, digits: int = 10) -> dict[str, str]:
        """Expected answers as text (what ``python -m autograder key`` writes)."""
        return {q.id: q.expected_text(variant, digits) for q in self.questions}

    def grade(self, variant: Variant, answers: Mapping[str, Any]) -> dict[str, Feedback]:
        return {q.id: q.check(variant, answers.get(q.id)) for q in self.questions}

    def describe(self) -> dict:
        return {"id": self.id, "title": self.title, "version": self.version, "walls": list(self.walls),
                "minutes": self.minutes, "summary": self.summary, "questions": self.question_ids,
                "max_score": self.max_score}
