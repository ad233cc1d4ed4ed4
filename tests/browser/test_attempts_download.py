"""Issue 9 on the built site: every Check is recorded (IndexedDB and the downloaded file), feedback never
shows the key, and the autograder's attempt penalty applies to the file the browser downloaded."""

from __future__ import annotations

import json

import interactions as ix
import pagekit
from guard import Guarded

LAB_ID = "00_hello_roofline"
STUDENT = "grace.hopper@uni.edu"


def test_checks_are_recorded_and_graded_from_the_download(browser, server):
    from mlsys_labs.catalog import get_lab
    from mlsys_labs.grading import grade_submission
    from mlsys_labs.submission import validate_submission
    from mlsys_labs.variants import make_variant

    lab = get_lab(LAB_ID)
    variant = make_variant(lab, STUDENT)
    n, q = next((i, qq) for i, qq in enumerate(lab.questions, 1) if qq.kind == "quantity")
    right = lab.key_answers(variant, digits=4)[q.id]
    num, _, unit = right.partition(" ")
    wrong = f"{float(num) * 3:.6g} {unit}".strip()
    g = Guarded(browser, server.url)
    try:
        page = g.new_page()
        page.goto(server.url + f"labs/{LAB_ID}.html")
        pagekit.wait_interactive(page)
        ix.set_student(page, STUDENT)
        ix.choose_prediction(page)
        ix.wait_questions(page, len(lab.questions))
        line = ix.answer_and_check(page, n, wrong)
        assert line.endswith("not yet: too high"), line  # a direction only: no percentage, no expected value
        assert num not in line
        assert "✅ right" in ix.answer_and_check(page, n, right)
        _, data = ix.download_submission(page)
        stored = json.loads(ix.read_store(page))
    finally:
        g.close()
    doc = json.loads(data)
    assert [(a["question"], a["answer"], a["correct"]) for a in doc["attempts"]] == [
        (q.id, wrong, False), (q.id, right, True)]
    assert all(a["time"].endswith("Z") for a in doc["attempts"])
    entry = next(e for e in stored["entries"].values() if e["lab"] == LAB_ID)
    assert [a["answer"] for a in entry["attempts"]] == [wrong, right]  # IndexedDB holds the same record
    sub = validate_submission(data)
    plain = grade_submission(sub, lab)
    penalised = grade_submission(sub, lab, attempt_penalty=0.25)
    assert plain.feedback[q.id].score == q.points
    assert penalised.feedback[q.id].score == q.points * 0.75
    assert plain.attempts[q.id].wrong_before_right == 1
