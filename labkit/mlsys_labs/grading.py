"""Grade a validated submission and express it in Gradescope's ``results.json`` format.

**One scoring path** (issue 9): :func:`score_answers` is what the page's Check (``ui.grade``) and the
autograder (:func:`grade_submission`) both call, so a lab's score in the browser equals the
autograder's. Each ``Feedback.score`` is already in points (``0 … question.points``), and

    score = Σ_q feedback[q].score,    max_score = Σ_q q.points.

Attempts (every Check the page recorded) are re-checked here against the student's variant — the
``correct`` flag written by the page is not trusted — and summarised per question by
:func:`attempt_stats`. With a penalty ``P`` (fraction of the question's points) the grader scores a
right answer

    points · max(floor, 1 − P · n_wrong_before_right)

(:func:`apply_attempt_penalty`); wrong answers stay 0 and submissions without attempt records are
not penalised.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from .questions import Feedback, LabSpec
from .submission import Submission

MAX_NOTES = 20
MAX_NOTE_CHARS = 300

__all__ = ["GradeResult", "grade_submission", "rejected_result", "score_answers", "check_one", "AttemptStats",
           "attempt_stats", "apply_attempt_penalty", "error_kind", "gradescope_test"]


def check_one(question, variant, text) -> Feedback:
    """``question.check`` that never raises (a bank bug becomes a ``grader_error`` Feedback)."""
    try:
        return question.check(variant, text)
    except Exception as e:  # noqa: BLE001 - a broken bank must not break the page or the batch
        pts = float(getattr(question, "points", 1.0) or 1.0)
        return Feedback(False, 0.0, pts, f"could not check this answer ({type(e).__name__})", "", "grader_error")


def score_answers(lab: LabSpec, variant, answers: Mapping[str, Any]) -> tuple[dict, float, float]:
    """``(feedback: qid → Feedback in lab order, score, max_score)`` for ``answers`` (qid → text).

    Unanswered questions get a ``missing`` Feedback worth 0. ``score`` is the plain sum of the
    feedback scores (already in points), ``max_score`` the sum of the questions' points.
    """
    feedback = {q.id: check_one(q, variant, answers.get(q.id)) for q in lab.questions}
    score = float(sum(fb.score for fb in feedback.values()))
    return feedback, score, float(lab.max_score)


def error_kind(question, variant, fb: Feedback) -> str:
    """``fb.code``, except that a wrong quantity more than 2× away from the key is ``off_2x`` (for the
    instructor's report; never shown to the student)."""
    if fb.code != "off" or fb.value is None:
        return fb.code
    try:
        exp = question.expected_value(variant)
    except Exception:  # noqa: BLE001
        return fb.code
    if exp == 0 or fb.value == 0 or (exp > 0) != (fb.value > 0):
        return "off_2x"
    ratio = fb.value / exp
    return "off_2x" if ratio > 2 or ratio < 0.5 else "off"


@dataclass(frozen=True)
class AttemptStats:
    """Checks recorded for one question: ``checks`` (distinct consecutive answers), ``wrong_before_right``
    (checks before the first right one, or all of them when none was right), ``ever_right``."""

    checks: int = 0
    wrong_before_right: int = 0
    ever_right: bool = False


def attempt_stats(lab: LabSpec, variant, attempts, known: Mapping[str, tuple] | None = None) -> dict[str, AttemptStats]:
    """Per question, re-check every recorded attempt (in time order). Repeating the same answer twice
    in a row counts once. Questions without attempts are absent. ``known``: qid → (text, Feedback)
    already computed (the final answers), reused instead of checking the same text again."""
    known = known or {}
    by_q: dict[str, list] = {}
    for a in attempts or ():
        by_q.setdefault(a["question"], []).append(a)
    out = {}
    for qid, rows in by_q.items():
        try:
            q = lab.question(qid)
        except KeyError:
            continue
        if len(rows) > 1:
            rows.sort(key=_attempt_time)
        checks = wrong = 0
        right = False
        last = None
        hit = known.get(qid)
        for a in rows:
            text = a.get("answer") or ""
            if text == last:
                continue
            last = text
            checks += 1
            fb = hit[1] if hit is not None and hit[0] == text else check_one(q, variant, text)
            if fb.correct:
                right = True
                break
            wrong += 1
        stats = _STATS.get((checks, wrong, right))
        if stats is None:
            stats = AttemptStats(checks=checks, wrong_before_right=wrong, ever_right=right)
            if checks <= _SHARED_CHECKS:
                _STATS[(checks, wrong, right)] = stats
        out[qid] = stats
    return out


def _attempt_time(a) -> str:
    return a.get("time") or ""


#: AttemptStats is immutable: one instance per distinct value is shared, for up to _SHARED_CHECKS checks
#: (so at most a few thousand of them).
_STATS: dict[tuple, AttemptStats] = {}
_SHARED_CHECKS = 32


def apply_attempt_penalty(feedback: dict, stats: dict, penalty: float, floor: float = 0.0) -> tuple[dict, float]:
    """Take ``penalty`` × points off a right answer per wrong attempt before the first right one, never
    below ``floor`` × points. Returns the new feedback and score."""
    if not (0 <= penalty <= 1 and 0 <= floor <= 1):
        raise ValueError("attempt penalty and floor must be fractions in [0, 1]")
    out = {}
    for qid, fb in feedback.items():
        st = stats.get(qid)
        if penalty and fb.correct and st is not None and st.wrong_before_right:
            share = max(floor, 1.0 - penalty * st.wrong_before_right)
            n = st.wrong_before_right
            fb = dataclasses.replace(fb, score=round(fb.max_score * share, 6),
                                     message=f"{fb.message} (−{penalty:g} × {n} wrong attempt{'s' if n != 1 else ''})")
        out[qid] = fb
    return out, float(sum(f.score for f in out.values()))


@dataclass
class GradeResult:
    lab: str | None
    student: str | None
    score: float
    max_score: float
    feedback: dict = field(default_factory=dict)  # qid -> Feedback (lab order)
    prompts: dict = field(default_factory=dict)  # qid -> rendered prompt
    warnings: list = field(default_factory=list)
    status: str = "graded"  # graded | superseded | rejected
    error_code: str | None = None
    error: str | None = None
    created: str | None = None
    source: str = ""
    created_at: object = None  # aware datetime or None
    attempts: dict = field(default_factory=dict)  # qid -> AttemptStats
    prediction: dict | None = None  # recorded, reported as completed, never graded for correctness
    identity: dict = field(default_factory=dict)  # roster entry (id, email, name, section) when matched
    variant_params: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)  # qid -> the student's text (for integrity checks)
    variant_key: str = ""  # Variant.key() of the variant graded
    variant: Any = field(default=None, repr=False, compare=False)  # the Variant graded (for integrity checks)
    error_kinds: dict = field(default_factory=dict)  # qid -> Feedback.code, with "off" split into off / off_2x

    @property
    def grader_errors(self) -> int:
        return sum(1 for f in self.feedback.values() if f.code == "grader_error")

    def headline(self) -> str:
        if self.status == "rejected":
            return f"Submission rejected: {self.error}"
        who = f"{self.student} · lab {self.lab}"
        line = f"{who}: {self.score:g} / {self.max_score:g}"
        if self.status == "superseded":
            line += " (superseded by a later submission; not counted)"
        return line

    def to_gradescope(self, *, reveal: bool = False, visibility: str = "visible") -> dict:
        """Gradescope results.json: score, max_score, output, visibility, tests[...]."""
        doc = self.gradescope_head(visibility=visibility)
        doc["tests"] = [gradescope_test(qid, fb, self.attempts.get(qid), self.prompts.get(qid, ""), reveal=reveal,
                                        visibility=visibility) for qid, fb in self.feedback.items()]
        return doc

    def gradescope_head(self, *, visibility: str = "visible") -> dict:
        """:meth:`to_gradescope` without its last field, ``tests``."""
        lines = [self.headline()]
        if self.source:
            lines.append(f"file: {self.source}")
        if self.status != "rejected":
            lines.append("prediction: " + ("completed" if self.prediction else "not recorded in the file"))
        lines += [f"note: {w[:MAX_NOTE_CHARS]}" for w in self.warnings[:MAX_NOTES]]
        if len(self.warnings) > MAX_NOTES:
            lines.append(f"note: … and {len(self.warnings) - MAX_NOTES} more")
        return {"score": _round6(self.score), "max_score": _round6(self.max_score), "output": "\n".join(lines),
                "visibility": visibility, "stdout_visibility": "hidden"}


def gradescope_test(qid: str, fb: Feedback, st: AttemptStats | None, prompt: str, *, reveal: bool = False,
                    visibility: str = "visible") -> dict:
    """One entry of :meth:`GradeResult.to_gradescope`'s ``tests``: a function of its arguments only."""
    out = fb.message
    if reveal and fb.expected_text and not fb.correct:
        out += f"\nexpected: {fb.expected_text}"
    if st is not None:
        out += f"\nchecks recorded: {st.checks} ({st.wrong_before_right} wrong before the right one)" \
            if st.ever_right else f"\nchecks recorded: {st.checks} (none right)"
    name = f"{qid}: {prompt}" if prompt else qid
    return {"name": name[:200], "score": _round6(fb.score), "max_score": _round6(fb.max_score), "output": out,
            "visibility": visibility, "status": "passed" if fb.correct else "failed"}


def _round6(x):
    """``round(x, 6)``; a whole float (most scores) is returned as it is, which is what round gives for it."""
    return x if type(x) is float and x.is_integer() else round(x, 6)


def grade_submission(sub: Submission, lab: LabSpec | None = None, *, source: str = "",
                     attempt_penalty: float = 0.0, attempt_floor: float = 0.0) -> GradeResult:
    """Recompute every expected value for the student's variant and compare (never raises for
    student data), through :func:`score_answers`; optionally apply the attempt penalty."""
    if lab is None:
        from .catalog import get_lab

        lab = get_lab(sub.lab)
    variant = sub.variant
    feedback, score, _ = score_answers(lab, variant, sub.answers)
    prompts = {q.id: q.render(variant) for q in lab.questions}
    stats = attempt_stats(lab, variant, sub.attempts,
                          {qid: (sub.answers.get(qid), fb) for qid, fb in feedback.items()})
    if attempt_penalty:
        feedback, score = apply_attempt_penalty(feedback, stats, attempt_penalty, attempt_floor)
    kinds = {qid: error_kind(lab.question(qid), variant, fb) for qid, fb in feedback.items()}
    warnings = list(sub.warnings)
    errs = sum(1 for f in feedback.values() if f.code == "grader_error")
    if errs:
        warnings.append(f"{errs} question(s) could not be graded because of a grader error: tell your instructor")
    return GradeResult(lab=lab.id, student=sub.student, score=score, max_score=lab.max_score, feedback=feedback,
                       prompts=prompts, warnings=warnings, created=sub.created, source=source,
                       created_at=sub.created_at, attempts=stats, prediction=sub.prediction,
                       variant_params=dict(variant.params), answers=dict(sub.answers), variant_key=variant.key(),
                       variant=variant, error_kinds=kinds)


def rejected_result(code: str, message: str, *, source: str = "", lab: str | None = None, student: str | None = None,
                    max_score: float = 0.0) -> GradeResult:
    return GradeResult(lab=lab, student=student, score=0.0, max_score=max_score, status="rejected",
                       error_code=code, error=message, source=source)
