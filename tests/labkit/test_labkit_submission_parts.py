"""Submission fields added with issue 9: attempts, prediction, reflections, controls (validated and
bounded, never fatal), hostile student ids and timestamps."""

import json

import pytest
from lk_fake import make_fake_lab

from mlsys_labs.submission import MAX_ATTEMPTS, SubmissionError, build_submission, validate_submission
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()
LABS = {LAB.id: LAB}


def doc(**patch):
    v = make_variant(LAB, "ada")
    d = build_submission(LAB, v, LAB.key_answers(v), created="2026-01-01T10:00:00Z")
    d.update(patch)
    return d


def test_old_submission_without_new_parts_validates():
    s = validate_submission(doc(), labs=LABS)
    assert s.attempts == [] and s.prediction is None and s.reflections == {} and s.controls == {}
    assert not [w for w in s.warnings if "attempt" in w or "prediction" in w]


def test_parts_round_trip_through_build_and_validate():
    v = make_variant(LAB, "ada")
    d = build_submission(LAB, v, {}, attempts=[{"question": "q_bw", "time": "2026-01-01T10:00:00+01:00",
                                                "answer": "3 TB/s", "correct": False}],
                         prediction={"question": "Which?", "choice": "memory", "time": "2026-01-01T09:00:00Z"},
                         reflections={"r1": "why"}, controls={"batch": 8, "fp": "fp8"})
    s = validate_submission(json.dumps(d), labs=LABS)
    assert s.attempts == [{"question": "q_bw", "time": "2026-01-01T09:00:00Z", "answer": "3 TB/s", "correct": False}]
    assert s.prediction["choice"] == "memory" and s.reflections == {"r1": "why"} and s.controls["batch"] == 8
    assert not [w for w in s.warnings if "extra fields" in w]


def test_malformed_and_oversized_parts_are_dropped_with_warnings():
    good = {"question": "q_bw", "time": "2026-01-01T10:00:00Z", "answer": "1 TB/s", "correct": False}
    attempts = [good] * (MAX_ATTEMPTS + 50) + [{"question": "nope", "answer": "x"}, 5, {"question": "q_bw"}]
    s = validate_submission(doc(attempts=attempts, prediction="memory", reflections=[1], controls={"a": [1]}),
                            labs=LABS)
    assert len(s.attempts) == MAX_ATTEMPTS and s.prediction is None and s.reflections == {} and s.controls == {}
    text = " ".join(s.warnings)
    assert f"more than {MAX_ATTEMPTS}" in text and "'prediction' is malformed" in text
    assert "'reflections' is not an object" in text and "control values" in text
    s = validate_submission(doc(attempts=[{"question": "q_bw", "answer": "x" * 10_000, "time": "\ud800"}]), labs=LABS)
    assert len(s.attempts[0]["answer"]) == 200 and s.attempts[0]["time"] is None


@pytest.mark.parametrize("student", ["a\u200bb", "ad\u202ea", "\u2066ada", "ada\ufeff", "a\ud800", "a\x07b",
                                     "a\u2028b", "a\ue000"])
def test_invisible_and_control_characters_in_ids_are_rejected(student):
    with pytest.raises(SubmissionError) as e:
        validate_submission(doc(student=student), labs=LABS)
    assert e.value.code == "bad_student" and "U+" in e.value.message


@pytest.mark.parametrize("created", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "\ud800", "2026-13-01"])
def test_out_of_range_or_invalid_created_is_a_warning_not_a_crash(created):
    s = validate_submission(doc(created=created), labs=LABS)
    assert s.created_at is None and any("'created'" in w for w in s.warnings)


def test_duplicate_keys_are_bounded_in_the_notes():
    key = "k" * 5_000
    text = "{" + ",".join([f'"{key}": 1'] * 30) + "," + json.dumps(doc())[1:]
    s = validate_submission(text, labs=LABS)
    assert sum(len(w) for w in s.warnings) < 2000
