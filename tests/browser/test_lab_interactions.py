"""Lab 00 in a real browser: answers survive 8 reloads (page + IndexedDB), and a corrupt or damaged progress
store is reported on the page without blanking the student's answers; the download still works. (Every lab's
own student path — answers, feedback and the submission checked against CPython — is in test_lab_session.py.)
No assertion on durations.
"""

from __future__ import annotations

import json

import pytest

import interactions as ix
import pagekit
import studentpath as sp
from guard import Guarded

STUDENT = sp.STUDENT
RELOADS = 8
PERSIST_LAB = "00_hello_roofline"


class LabPages:
    """Opens lab pages on the session server; the persistence lab's page is kept for the tests after it."""

    def __init__(self, browser, server):
        self.browser, self.server, self.kept = browser, server, {}

    def open(self, lab_id: str, n_questions: int) -> sp.LabPage:
        # The page reloaded 8 times is served by the service worker, as a student's is: it is watched, not routed
        # (Playwright's routing changes which files the worker manages to cache).
        g = Guarded(self.browser, self.server.url, intercept=lab_id != PERSIST_LAB)
        try:
            page = g.new_page()
            page.goto(self.server.url + f"labs/{lab_id}.html")
            pagekit.wait_interactive(page)
        except BaseException:
            g.close()
            raise
        return sp.LabPage(lab_id, g, page, n_questions)

    def keep(self, lp: sp.LabPage) -> None:
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


# --------------------------------------------------------------------------------------------- tests

def test_store_names_match_the_labkit():
    from mlsys_labs import store

    assert (ix.IDB_NAME, ix.IDB_STORE, ix.IDB_KEY) == (store._DB, store._OBJ, store._KEY)


def _persist_page(lab_pages) -> sp.LabPage:
    lp = lab_pages.kept.get(PERSIST_LAB)
    if lp is None:  # run on its own (-k): start from a fresh page
        lab = sp.cpython_lab(PERSIST_LAB)
        lp = lab_pages.open(PERSIST_LAB, len(lab.questions))
        lab_pages.keep(lp)
        sp.set_student_and_predict(lp, STUDENT)
    return lp


def _reload_and_wait_form(lp: sp.LabPage, student_prefilled: bool = True) -> None:
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
    lab = sp.cpython_lab(PERSIST_LAB)
    lp = _persist_page(lab_pages)
    n, q = sp.numeric_question(lab)
    return lab, lp, lp.page, lab.variant(STUDENT), n, q


def test_answers_survive_reloads(lab_pages):
    """Answer → reload, RELOADS times: each time the box, the feedback line and IndexedDB hold the last answer."""
    lab, lp, page, variant, n, q = _persist_setup(lab_pages)
    base = sp.key_text(lab, variant, q.id, 10)
    for i in range(RELOADS):
        text = sp.times(base, 1 + (i + 1) * 1e-4)  # a new, still right, answer each round
        line = lp.answer(n, text)
        assert "✅ right" in line, line
        assert sp.stored_answers(page, PERSIST_LAB, STUDENT)[q.id] == text
        _reload_and_wait_form(lp)
        assert ix.student_box(page).input_value() == STUDENT, f"reload {i + 1}: student id not restored"
        shown = sp.wait_for(lambda: ix.answer_box(page, n).input_value() or None, f"reload {i + 1}: answer box empty")
        assert shown == text, f"reload {i + 1}: box shows {shown!r}, last answer was {text!r}"
        line = ix.wait_feedback(page, n, text)
        assert line == sp.expected_line(n, q, variant, text), line
        assert sp.stored_answers(page, PERSIST_LAB, STUDENT)[q.id] == text, f"reload {i + 1}: store lost the answer"
    lp.no_errors(f"after {RELOADS} reloads")


def test_corrupt_store_is_reported_and_answers_are_kept(lab_pages):
    lab, lp, page, variant, n, q = _persist_setup(lab_pages)
    n2, q2 = next((i, qq) for i, qq in enumerate(lab.questions, 1) if qq.kind == "quantity" and i != n)
    a1 = sp.key_text(lab, variant, q.id, 4)
    a2 = sp.key_text(lab, variant, q2.id, 4)
    lp.answer(n, a1)

    # 1. the store is corrupted while the page is open (e.g. by another tab): the next check keeps every answer
    #    on the page and writes a clean record again
    ix.write_store(page, "{not json")
    line = lp.answer(n2, a2)
    assert line == sp.expected_line(n2, q2, variant, a2), line
    assert ix.wait_feedback(page, n, a1).startswith(f"Q{n} {a1} — ✅ right")
    assert ix.answer_box(page, n).input_value() == a1
    assert sp.stored_answers(page, PERSIST_LAB, STUDENT) == {q.id: a1, q2.id: a2}

    # 2. garbage (not JSON) in the store, then a reload: the page says so, starts fresh, and works
    ix.write_store(page, "\x00garbage{{{")
    _reload_and_wait_form(lp, student_prefilled=False)
    sp.wait_text(page, "Saved progress could not be loaded", "not valid JSON")
    assert ix.student_box(page).input_value() == ""
    sp.set_student_and_predict(lp, STUDENT)
    assert ix.answer_box(page, n).input_value() == ""
    assert "✅ right" in lp.answer(n, a1)
    assert "✅ right" in lp.answer(n2, a2)
    assert ix.answer_box(page, n).input_value() == a1, "typing a second answer blanked the first"
    assert ix.wait_feedback(page, n, a1)
    assert "Saved progress could not be loaded" in ix.all_text(page)  # still reported, never hidden
    assert sp.stored_answers(page, PERSIST_LAB, STUDENT) == {q.id: a1, q2.id: a2}
    name, data = ix.download_submission(page)
    _, sub, result = sp.autograde(data, name)
    assert sub.answers == {q.id: a1, q2.id: a2}
    assert result.feedback[q.id].correct and result.feedback[q2.id].correct

    # 3. the right JSON with a damaged entry next to a good one: the damage is reported, the good answers shown
    good = {"lab": PERSIST_LAB, "student": STUDENT, "updated": "2030-01-01T00:00:00Z", "answers": {q.id: a1}}
    ix.write_store(page, json.dumps({"version": 1, "entries": {
        "junk": 42, "other\x1fx": {"lab": "other", "answers": [1, 2]}, sp.entry_key(PERSIST_LAB, STUDENT): good}}))
    _reload_and_wait_form(lp)
    sp.wait_text(page, "Saved progress could not be loaded", "2 damaged entries")
    assert ix.student_box(page).input_value() == STUDENT
    assert sp.wait_for(lambda: ix.answer_box(page, n).input_value(), "answer not restored") == a1
    assert ix.wait_feedback(page, n, a1)

    # 4. the wrong shape altogether (a JSON list): reported, fresh start, download still works
    ix.write_store(page, json.dumps(["not", "a", "progress", "record"]))
    _reload_and_wait_form(lp, student_prefilled=False)
    sp.wait_text(page, "Saved progress could not be loaded", "unexpected format")
    sp.set_student_and_predict(lp, STUDENT)
    assert "✅ right" in lp.answer(n2, a2)
    name, data = ix.download_submission(page)
    _, sub, result = sp.autograde(data, name)
    assert sub.answers == {q2.id: a2} and result.feedback[q2.id].correct
    lp.no_errors("after the corrupt-store checks")
