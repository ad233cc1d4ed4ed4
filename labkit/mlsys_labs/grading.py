"""Grade a validated submission and express it in Gradescope's ``results.json`` format.

Shared by the autograder and by labs (a "grade my lab" preview uses the same code, so the score a
student sees in the browser is the score the autograder gives).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .questions import Feedback, LabSpec
from .submission import Submission

__all__ = ["GradeResult", "grade_submission", "rejected_result"]


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
        tests = []
        for qid, fb in self.feedback.items():
            out = fb.message
            if reveal and fb.expected_text and not fb.correct:
                out += f"\nexpected: {fb.expected_text}"
            prompt = self.prompts.get(qid, "")
            name = f"{qid}: {prompt}" if prompt else qid
            tests.append({"name": name[:200], "score": round(fb.score, 6), "max_score": round(fb.max_score, 6),
                          "output": out, "visibility": visibility, "status": "passed" if fb.correct else "failed"})
        lines = [self.headline()]
        if self.source:
            lines.append(f"file: {self.source}")
        lines += [f"note: {w}" for w in self.warnings]
        return {"score": round(self.score, 6), "max_score": round(self.max_score, 6), "output": "\n".join(lines),
                "visibility": visibility, "stdout_visibility": "hidden", "tests": tests}


def grade_submission(sub: Submission, lab: LabSpec | None = None, *, source: str = "") -> GradeResult:
    """Recompute every expected value for the student's variant and compare (never raises)."""
    if lab is None:
        from .catalog import get_lab

        lab = get_lab(sub.lab)
    variant = sub.variant
    feedback: dict[str, Feedback] = {}
    prompts: dict[str, str] = {}
    score = 0.0
    for q in lab.questions:
        fb = q.check(variant, sub.answers.get(q.id))
        feedback[q.id] = fb
        prompts[q.id] = q.render(variant)
        score += fb.score
    warnings = list(sub.warnings)
    errs = sum(1 for f in feedback.values() if f.code == "grader_error")
    if errs:
        warnings.append(f"{errs} question(s) could not be graded because of a grader error: tell your instructor")
    return GradeResult(lab=lab.id, student=sub.student, score=score, max_score=lab.max_score, feedback=feedback,
                       prompts=prompts, warnings=warnings, created=sub.created, source=source,
                       created_at=sub.created_at)


def rejected_result(code: str, message: str, *, source: str = "", lab: str | None = None, student: str | None = None,
                    max_score: float = 0.0) -> GradeResult:
    return GradeResult(lab=lab, student=student, score=0.0, max_score=max_score, status="rejected",
                       error_code=code, error=message, source=source)
