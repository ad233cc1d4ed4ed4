"""A student's path through every lab in a real browser, checked against the autograder in CPython.

Per lab (one page): student id → variant banner; prediction; one numeric question answered right (the key for
that student's variant, computed in CPython by the function ``python -m autograder key`` uses, typed with its
unit), wrong (×3) and with the wrong dimension; each feedback line must equal what CPython's checker says for
the same text (so the browser's expected value is CPython's); then the downloaded submission is validated and
graded in-process by the autograder: same variant (seed + params), the last answer scores full points.

Lab 00 only, on the same page: answers survive 20 reloads (page + IndexedDB), and a corrupt or damaged
progress store is reported on the page without blanking the student's answers; the download still works.
No assertion on durations.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import interactions as ix
import pagekit
from guard import Guarded

ROOT = Path(__file__).resolve().parents[2]
LAB_IDS = sorted(p.stem for p in (ROOT / "labs").glob("*.py") if not p.name.startswith("_"))
STUDENT = "Ada.Lovelace-7@uni.edu"
RELOADS = 20
PERSIST_LAB = "00_hello_roofline"


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


class LabPages:
    """Opens lab pages on the session server; the persistence lab's page is kept for the tests after it."""

    def __init__(self, browser, server):
        self.browser, self.server, self.kept = browser, server, {}

    def open(self, lab_id: str, n_questions: int) -> LabPage:
        # The page reloaded 20 times is served by the service worker, as a student's is: it is watched, not routed
        # (Playwright's routing changes which files the worker manages to cache).
        g = Guarded(self.browser, self.server.url, intercept=lab_id != PERSIST_LAB)
        try:
            page = g.new_page()
            page.goto(self.server.url + f"labs/{lab_id}.html")
            pagekit.wait_interactive(page)
        except BaseException:
            g.close()
            raise
        return LabPage(lab_id, g, page, n_questions)

    def keep(self, lp: LabPage) -> None:
        self.kept[lp.lab_id] = lp

    def close_all(self) -> None:
        for lp in self.kept.values():
            lp.g.close()
        self.kept.clear()


@pytest.fixture(scope="module")
def lab_pages(browser, server):
    pages = LabPages(browser, server)
    yield pages
    pages.close_all()


def _set_student_and_predict(lp: LabPage, student: str) -> None:
    ix.set_student(lp.page, student)
    ix.choose_prediction(lp.page)
    ix.wait_questions(lp.page, lp.n_questions)


def _wait(cond, what: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def _wait_text(page, *needles: str, timeout_s: float = 30) -> str:
    """Until every needle is in the page's text (shadow roots included); returns that text."""
    def shown():
        text = ix.all_text(page)
        return text if all(n in text for n in needles) else None

    try:
        return _wait(shown, f"text never shown: {needles}", timeout_s)
    except TimeoutError:
        raise AssertionError(f"{needles} not shown; page text: {ix.all_text(page)[:3000]}") from None


def _stored_answers(page, lab_id: str, student: str) -> dict:
    raw = ix.read_store(page)
    assert isinstance(raw, str), f"the progress record is not JSON text: {raw!r}"
    state = json.loads(raw)
    return state["entries"][entry_key(lab_id, student)]["answers"]


# --------------------------------------------------------------------------------------------- tests

def test_store_names_match_the_labkit():
    from mlsys_labs import store

    assert (ix.IDB_NAME, ix.IDB_STORE, ix.IDB_KEY) == (store._DB, store._OBJ, store._KEY)


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_answers_feedback_and_submission_match_cpython(lab_id, lab_pages, manifest):
    from mlsys_labs.variants import make_variant

    assert lab_id in {lab["id"] for lab in manifest["labs"]}, f"{lab_id} missing from the built site"
    lab = cpython_lab(lab_id)
    variant = make_variant(lab, STUDENT)
    n, q = numeric_question(lab)
    right = key_text(lab, variant, q.id, 4)          # as a student types it: "3.35 TB/s"
    exact = key_text(lab, variant, q.id, 10)         # what `python -m autograder key` prints
    wrong = times(exact, 3)
    dim = wrong_dimension(q)
    # the CPython verdicts the browser must reproduce
    assert q.check(variant, right).correct and q.check(variant, exact).correct
    assert q.check(variant, wrong).code == "off" and q.check(variant, dim).code == "wrong_dimension"

    lp = lab_pages.open(lab_id, len(lab.questions))
    try:
        _student_path(lp, lab, variant, n, q, right, exact, wrong, dim)
    except BaseException:
        lp.g.close()
        raise
    if lab_id == PERSIST_LAB:
        lab_pages.keep(lp)
    else:
        lp.g.close()


def _student_path(lp: LabPage, lab, variant, n: int, q, right: str, exact: str, wrong: str, dim: str) -> None:
    lab_id, page = lab.id, lp.page
    lp.no_errors("after loading")
    _set_student_and_predict(lp, STUDENT)
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
    assert _stored_answers(page, lab_id, STUDENT) == {q.id: dim}
    got = lp.answer(n, exact)
    assert got == expected_line(n, q, variant, exact) and "✅ right" in got, got
    assert _stored_answers(page, lab_id, STUDENT) == {q.id: exact}

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


def _persist_page(lab_pages) -> LabPage:
    lp = lab_pages.kept.get(PERSIST_LAB)
    if lp is None:  # run on its own (-k): start from a fresh page
        lab = cpython_lab(PERSIST_LAB)
        lp = lab_pages.open(PERSIST_LAB, len(lab.questions))
        lab_pages.keep(lp)
        _set_student_and_predict(lp, STUDENT)
    return lp


def _reload_and_wait_form(lp: LabPage, student_prefilled: bool = True) -> None:
    lp.page.reload()
    if student_prefilled:
        try:
            ix.wait_questions(lp.page, lp.n_questions, timeout_s=pagekit.DEFAULT_TIMEOUT_S)
        except Exception as e:
            body = lp.page.evaluate("() => document.body.innerText")
            console = [c for c in ix.console_lines(lp.page) if "Worker -> Parent" not in c]
            raise AssertionError(f"questions not shown after a reload ({e}); page: {body[-1500:]!r}; "
                                 f"console: {console[-30:]}; page errors: {lp.g.errors[-10:]}; "
                                 f"unanswered requests: {list(lp.g.pending.values())[:20]}") from None
    else:
        ix.student_box(lp.page).wait_for(state="visible", timeout=pagekit.DEFAULT_TIMEOUT_S * 1000)
        pagekit.wait_interactive(lp.page)


def _persist_setup(lab_pages):
    """(lab, its page, the page, the student's variant, number and Question of its first numeric question)."""
    lab = cpython_lab(PERSIST_LAB)
    lp = _persist_page(lab_pages)
    n, q = numeric_question(lab)
    return lab, lp, lp.page, lab.variant(STUDENT), n, q


def test_answers_survive_reloads(lab_pages):
    """Answer → reload, 20 times: each time the box, the feedback line and IndexedDB hold the last answer."""
    lab, lp, page, variant, n, q = _persist_setup(lab_pages)
    base = key_text(lab, variant, q.id, 10)
    for i in range(RELOADS):
        text = times(base, 1 + (i + 1) * 1e-4)  # a new, still right, answer each round
        line = lp.answer(n, text)
        assert "✅ right" in line, line
        assert _stored_answers(page, PERSIST_LAB, STUDENT)[q.id] == text
        _reload_and_wait_form(lp)
        assert ix.student_box(page).input_value() == STUDENT, f"reload {i + 1}: student id not restored"
        shown = _wait(lambda: ix.answer_box(page, n).input_value() or None, f"reload {i + 1}: answer box empty")
        assert shown == text, f"reload {i + 1}: box shows {shown!r}, last answer was {text!r}"
        line = ix.wait_feedback(page, n, text)
        assert line == expected_line(n, q, variant, text), line
        assert _stored_answers(page, PERSIST_LAB, STUDENT)[q.id] == text, f"reload {i + 1}: store lost the answer"
    lp.no_errors(f"after {RELOADS} reloads")


def test_corrupt_store_is_reported_and_answers_are_kept(lab_pages):
    lab, lp, page, variant, n, q = _persist_setup(lab_pages)
    n2, q2 = next((i, qq) for i, qq in enumerate(lab.questions, 1) if qq.kind == "quantity" and i != n)
    a1 = key_text(lab, variant, q.id, 4)
    a2 = key_text(lab, variant, q2.id, 4)
    lp.answer(n, a1)

    # 1. the store is corrupted while the page is open (e.g. by another tab): the next check keeps every answer
    #    on the page and writes a clean record again
    ix.write_store(page, "{not json")
    line = lp.answer(n2, a2)
    assert line == expected_line(n2, q2, variant, a2), line
    assert ix.wait_feedback(page, n, a1).startswith(f"Q{n} {a1} — ✅ right")
    assert ix.answer_box(page, n).input_value() == a1
    assert _stored_answers(page, PERSIST_LAB, STUDENT) == {q.id: a1, q2.id: a2}

    # 2. garbage (not JSON) in the store, then a reload: the page says so, starts fresh, and works
    ix.write_store(page, "\x00garbage{{{")
    _reload_and_wait_form(lp, student_prefilled=False)
    _wait_text(page, "Saved progress could not be loaded", "not valid JSON")
    assert ix.student_box(page).input_value() == ""
    _set_student_and_predict(lp, STUDENT)
    assert ix.answer_box(page, n).input_value() == ""
    assert "✅ right" in lp.answer(n, a1)
    assert "✅ right" in lp.answer(n2, a2)
    assert ix.answer_box(page, n).input_value() == a1, "typing a second answer blanked the first"
    assert ix.wait_feedback(page, n, a1)
    assert "Saved progress could not be loaded" in ix.all_text(page)  # still reported, never hidden
    assert _stored_answers(page, PERSIST_LAB, STUDENT) == {q.id: a1, q2.id: a2}
    name, data = ix.download_submission(page)
    _, sub, result = autograde(data, name)
    assert sub.answers == {q.id: a1, q2.id: a2}
    assert result.feedback[q.id].correct and result.feedback[q2.id].correct

    # 3. the right JSON with a damaged entry next to a good one: the damage is reported, the good answers shown
    good = {"lab": PERSIST_LAB, "student": STUDENT, "updated": "2030-01-01T00:00:00Z", "answers": {q.id: a1}}
    ix.write_store(page, json.dumps({"version": 1, "entries": {
        "junk": 42, "other\x1fx": {"lab": "other", "answers": [1, 2]}, entry_key(PERSIST_LAB, STUDENT): good}}))
    _reload_and_wait_form(lp)
    _wait_text(page, "Saved progress could not be loaded", "2 damaged entries")
    assert ix.student_box(page).input_value() == STUDENT
    assert _wait(lambda: ix.answer_box(page, n).input_value(), "answer not restored") == a1
    assert ix.wait_feedback(page, n, a1)

    # 4. the wrong shape altogether (a JSON list): reported, fresh start, download still works
    ix.write_store(page, json.dumps(["not", "a", "progress", "record"]))
    _reload_and_wait_form(lp, student_prefilled=False)
    _wait_text(page, "Saved progress could not be loaded", "unexpected format")
    _set_student_and_predict(lp, STUDENT)
    assert "✅ right" in lp.answer(n2, a2)
    name, data = ix.download_submission(page)
    _, sub, result = autograde(data, name)
    assert sub.answers == {q2.id: a2} and result.feedback[q2.id].correct
    lp.no_errors("after the corrupt-store checks")
