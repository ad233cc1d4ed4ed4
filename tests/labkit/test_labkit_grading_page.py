"""One scoring path (issue 9): the page's Check and the autograder give the same score, attempts are
recorded per Check, and the Progress persistence API round-trips every part."""

import asyncio
import concurrent.futures
import json

from lk_fake import make_fake_lab

from mlsys_labs import ui
from mlsys_labs.grading import apply_attempt_penalty, attempt_stats, grade_submission, score_answers
from mlsys_labs.store import ProgressStore
from mlsys_labs.submission import validate_submission
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()
LABS = {LAB.id: LAB}


def run(coro):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def progress(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    return ui.Progress(store, store.load()[0], None, lab_id=LAB.id)


def test_two_point_question_counts_two_in_the_page_and_in_the_grader(tmp_path):
    v = make_variant(LAB, "ada")
    key = LAB.key_answers(v)
    assert LAB.question("q_choice").points == 2
    wrong_choice = "compute-bound" if key["q_choice"] == "memory-bound" else "memory-bound"
    answers = {"q_bw": key["q_bw"], "q_choice": key["q_choice"], "q_time": "99 s"}  # 1 + 2 right, 1 wrong
    fb, score, max_score = score_answers(LAB, v, answers)
    assert (score, max_score) == (3.0, 6.0) and fb["q_choice"].score == 2
    page = run(ui.grade(LAB, v, answers, progress(tmp_path)))
    assert (page.score, page.total) == (3.0, 6.0)
    sub = validate_submission(ui.submission_bytes(LAB, v, page.answers), labs=LABS)
    graded = grade_submission(sub, LAB)
    assert (graded.score, graded.max_score) == (page.score, page.total)
    # and with the two-point question wrong: page and grader both lose exactly 2
    page2 = run(ui.grade(LAB, v, {**answers, "q_choice": wrong_choice}, progress(tmp_path)))
    sub2 = validate_submission(ui.submission_bytes(LAB, v, page2.answers), labs=LABS)
    assert page2.score == grade_submission(sub2, LAB).score == 1.0


def test_every_check_is_recorded_and_downloaded(tmp_path):
    v = make_variant(LAB, "ada")
    key = LAB.key_answers(v)
    p = progress(tmp_path)
    g1 = run(ui.grade(LAB, v, {"q_bw": "1 TB/s" if key["q_bw"] != "1 TB/s" else "2 TB/s"}, p))
    assert [(a["question"], a["correct"]) for a in g1.attempts] == [("q_bw", False)]
    g2 = run(ui.grade(LAB, v, {"q_bw": key["q_bw"]}, p))
    assert [(a["question"], a["correct"]) for a in g2.attempts] == [("q_bw", True)]
    g3 = run(ui.grade(LAB, v, {"q_bw": key["q_bw"], "q_frac": "0 %"}, p))  # checking Q3 does not re-count Q1
    assert [a["question"] for a in g3.attempts] == ["q_frac"]
    stored = ProgressStore(tmp_path / "p.json").load()[0]
    state = ProgressStore.state_in(stored, LAB.id, "ada")
    assert [a["question"] for a in state["attempts"]] == ["q_bw", "q_bw", "q_frac"]
    for a in state["attempts"]:
        assert a["time"].endswith("Z") and "T" in a["time"]
    doc = json.loads(ui.submission_bytes(LAB, v, g3.answers, progress=p))
    assert [a["answer"] for a in doc["attempts"]] == [a["answer"] for a in state["attempts"]]
    sub = validate_submission(json.dumps(doc), labs=LABS)
    stats = attempt_stats(LAB, v, sub.attempts)
    assert stats["q_bw"].wrong_before_right == 1 and stats["q_bw"].ever_right
    assert not stats["q_frac"].ever_right


def test_persistence_api_round_trips_every_part(tmp_path):
    p = progress(tmp_path)
    pred = {"question": "Which wall binds?", "choice": "memory", "time": "2026-01-01T10:00:00Z"}
    assert run(p.save_state(LAB.id, "Ada", prediction=pred, controls={"batch": 8})) is None
    assert run(p.save_state(LAB.id, "ada", controls={"precision": "fp8"}, reflections={"r1": "it is HBM"})) is None
    fresh = ui.Progress(p.store, ProgressStore(tmp_path / "p.json").load()[0], None, lab_id=LAB.id)
    st = fresh.lab_state(LAB.id, " ADA ")
    assert st["prediction"] == pred
    assert st["controls"] == {"batch": 8, "precision": "fp8"}  # merged, not replaced
    assert st["reflections"] == {"r1": "it is HBM"} and st["answers"] == {} and st["attempts"] == []
    assert run(p.save_state("other_lab", "ada", answers={"q": "1"})) is None
    assert run(p.reset(LAB.id, "ada")) is None
    again = ProgressStore(tmp_path / "p.json").load()[0]
    assert ProgressStore.state_in(again, LAB.id, "ada")["prediction"] is None
    assert ProgressStore.state_in(again, "other_lab", "ada")["answers"] == {"q": "1"}  # other labs kept


def test_a_save_cut_off_mid_write_is_written_by_the_next_save(tmp_path):
    """marimo may cancel a cell while its save awaits the browser's storage: memory must not claim what the
    store never got, or the next save (which writes only what changed) would skip it for good."""
    p = progress(tmp_path)
    real = p.store.aupdate

    async def cut_off(*a, **k):
        raise asyncio.CancelledError

    p.store.aupdate = cut_off
    pred = {"question": "q", "choice": "memory", "time": "2026-01-01T10:00:00Z"}
    try:
        run(p.save_state(LAB.id, "ada", prediction=pred))
    except asyncio.CancelledError:
        pass
    assert p.lab_state(LAB.id, "ada")["prediction"] is None  # not claimed as saved
    p.store.aupdate = real
    assert run(p.save_state(LAB.id, "ada", prediction=pred)) is None
    fresh = ProgressStore(tmp_path / "p.json").load()[0]
    assert ProgressStore.state_in(fresh, LAB.id, "ada")["prediction"] == pred


def test_old_store_entries_without_parts_still_load(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"version": 1, "entries": {f"{LAB.id}\x1fada": {
        "lab": LAB.id, "student": "ada", "answers": {"q_bw": "1 TB/s"}, "updated": "2025-01-01T00:00:00Z"}}}))
    p = ui.Progress(ProgressStore(path), ProgressStore(path).load()[0], None, lab_id=LAB.id)
    assert p.answers_for(LAB.id, "ada") == {"q_bw": "1 TB/s"}
    assert p.lab_state(LAB.id, "ada")["attempts"] == []


def test_attempt_penalty_and_floor():
    v = make_variant(LAB, "ada")
    key = LAB.key_answers(v)
    wrong = "123456 TB/s"
    attempts = [{"question": "q_bw", "time": f"2026-01-01T10:0{i}:00Z", "answer": a, "correct": True}
                for i, a in enumerate([wrong, wrong, "7e9 TB/s", key["q_bw"]])]  # repeated wrong counts once
    stats = attempt_stats(LAB, v, attempts)
    assert stats["q_bw"].wrong_before_right == 2  # the page's "correct": True claims are not trusted
    fb, _, _ = score_answers(LAB, v, key)
    out, score = apply_attempt_penalty(fb, stats, 0.25)
    assert out["q_bw"].score == 0.5 and score == 5.5
    out, _ = apply_attempt_penalty(fb, stats, 0.75, floor=0.3)
    assert out["q_bw"].score == 0.3
    out, score = apply_attempt_penalty(fb, {}, 0.75)
    assert score == 6  # no attempt records: no penalty
