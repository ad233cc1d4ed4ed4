"""A student's path through a lab page, checked against the autograder in CPython (used by test_lab_session.py
and test_lab_interactions.py).

One numeric question answered right (the key for that student's variant, computed in CPython by the function
``python -m autograder key`` uses, typed with its unit), wrong (×3) and with the wrong dimension; each feedback
line must equal what CPython's checker says for the same text (so the browser's expected value is CPython's);
then the downloaded submission is validated and graded in-process by the autograder: same variant (seed +
params), the last answer scores full points.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import interactions as ix
import pagekit
from guard import Guarded

STUDENT = "Ada.Lovelace-7@uni.edu"


# --------------------------------------------------------------------------------------------- CPython side

def cpython_lab(lab_id: str):
    from mlsys_labs.catalog import get_lab

    return get_lab(lab_id)


def numeric_question(lab):
    """(1-based number, question): the first quantity question with a physical unit (so a wrong dimension
    exists)."""
    for n, q in enumerate(lab.questions, 1):
        if q.kind == "quantity" and q.unit_kind != "dimensionless":
            return n, q
    raise AssertionError(f"{lab.id}: no quantity question with a unit")


def key_text(lab, variant, qid: str, digits: int) -> str:
    """The expected answer as text, from the same function as ``python -m autograder key``."""
    return lab.key_answers(variant, digits=digits)[qid]


def times(text: str, factor: float) -> str:
    from mlsys_labs.questions import format_value

    num, _, unit = text.partition(" ")
    return f"{format_value(float(num) * factor, 6)} {unit}".strip()


def wrong_dimension(q) -> str:
    return "5 GB" if q.unit_kind == "time" else "5 ms"


def expected_line(n: int, q, variant, text: str) -> str:
    fb = q.check(variant, text)
    return f"Q{n} {text} — {'✅ right' if fb.correct else '❌ not yet'}: {fb.message}"


def autograde(data: bytes, source: str):
    """Validate and grade a downloaded file exactly as ``python -m autograder validate/grade`` do."""
    from autograder.batch import grade_item
    from autograder.inputs import InputItem
    from mlsys_labs.submission import decode_json, validate_submission

    obj, dupes = decode_json(data)
    sub = validate_submission(obj)
    assert not dupes
    entry = grade_item(InputItem(source, data=data), 0)
    return obj, sub, entry.result


def entry_key(lab_id: str, student: str) -> str:
    from mlsys_labs.variants import normalize_student

    return f"{lab_id}\x1f{normalize_student(student)}"


# --------------------------------------------------------------------------------------------- page side

@dataclass
class LabPage:
    lab_id: str
    g: Guarded
    page: object
    n_questions: int

    def no_errors(self, when: str) -> None:
        st = pagekit.state(self.page)
        assert not st["errors"], f"{self.lab_id}: marimo error output {when}: {st['errors']}"
        found, seen = ix.kernel_errors(ix.console_lines(self.page))
        assert seen > 0, f"{self.lab_id}: no kernel message captured on the console"
        assert not found, f"{self.lab_id}: kernel errors {when}: {found[:3]}"
        errors = [e for e in self.g.errors if "RPC request timed out" not in e]
        assert not errors, f"{self.lab_id}: uncaught page errors {when}: {errors}"
        assert self.g.outside == [], f"{self.lab_id}: requests left the origin: {self.g.outside}"

    def answer(self, n: int, text: str) -> str:
        return ix.answer_and_check(self.page, n, text)


def set_student_and_predict(lp: LabPage, student: str) -> None:
    ix.set_student(lp.page, student)
    ix.choose_prediction(lp.page)
    ix.wait_questions(lp.page, lp.n_questions)


def wait_for(cond, what: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def wait_text(page, *needles: str, timeout_s: float = 30) -> str:
    """Until every needle is in the page's text (shadow roots included); returns that text."""
    def shown():
        text = ix.all_text(page)
        return text if all(n in text for n in needles) else None

    try:
        return wait_for(shown, f"text never shown: {needles}", timeout_s)
    except TimeoutError:
        raise AssertionError(f"{needles} not shown; page text: {ix.all_text(page)[:3000]}") from None


def stored_answers(page, lab_id: str, student: str) -> dict:
    raw = ix.read_store(page)
    assert isinstance(raw, str), f"the progress record is not JSON text: {raw!r}"
    state = json.loads(raw)
    return state["entries"][entry_key(lab_id, student)]["answers"]


def student_path(lp: LabPage, lab) -> None:
    """The whole path for ``lab`` on the open page ``lp`` (the student id is set here)."""
    variant = lab.variant(STUDENT)
    n, q = numeric_question(lab)
    right = key_text(lab, variant, q.id, 4)          # as a student types it: "3.35 TB/s"
    exact = key_text(lab, variant, q.id, 10)         # what `python -m autograder key` prints
    wrong = times(exact, 3)
    dim = wrong_dimension(q)
    # the CPython verdicts the browser must reproduce
    assert q.check(variant, right).correct and q.check(variant, exact).correct
    assert q.check(variant, wrong).code == "off" and q.check(variant, dim).code == "wrong_dimension"
    _path(lp, lab, variant, n, q, right, exact, wrong, dim)


def _path(lp: LabPage, lab, variant, n: int, q, right: str, exact: str, wrong: str, dim: str) -> None:
    lab_id, page = lab.id, lp.page
    lp.no_errors("after loading")
    set_student_and_predict(lp, STUDENT)
    banner = ix.body_text(page)
    assert f"Student {STUDENT} · variant {variant.seed}" in banner, f"{lab_id}: variant banner not shown"
    assert f"Q{n}. " in banner

    got = lp.answer(n, right)
    assert "✅ right" in got, got
    assert got == expected_line(n, q, variant, right)
    got = lp.answer(n, wrong)
    assert "❌ not yet" in got, got
    assert got == expected_line(n, q, variant, wrong)  # "off by 200% (too high)": the same expected value
    got = lp.answer(n, dim)
    assert "❌ not yet" in got and "wrong dimension" in got, got
    assert got == expected_line(n, q, variant, dim)
    assert stored_answers(page, lab_id, STUDENT) == {q.id: dim}
    got = lp.answer(n, exact)
    assert got == expected_line(n, q, variant, exact) and "✅ right" in got, got
    assert stored_answers(page, lab_id, STUDENT) == {q.id: exact}

    name, data = ix.download_submission(page)
    assert name.startswith(f"{lab_id}__") and name.endswith(".json"), name
    obj, sub, result = autograde(data, name)
    assert obj["variant"] == json.loads(json.dumps(variant.to_json())), "browser variant ≠ CPython variant"
    assert sub.variant == variant
    assert obj["lab"] == lab_id and obj["lab_version"] == lab.version and obj["student"] == STUDENT
    assert obj["answers"] == {q.id: exact}
    assert not [w for w in sub.warnings if "variant" in w or "version" in w], sub.warnings
    assert result.status == "graded", result.error
    fb = result.feedback[q.id]
    assert fb.correct and fb.score == q.points, fb
    assert result.score == q.points
    others = [qq.id for qq in lab.questions if qq.id != q.id]
    assert all(result.feedback[o].code == "missing" for o in others)
    lp.no_errors("after answering and downloading")


