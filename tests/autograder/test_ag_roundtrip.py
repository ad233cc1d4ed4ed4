"""Every lab in the catalog: the key grades 100 %, perturbations beyond tolerance grade 0, unit-equivalent
forms grade right."""

import json

import pytest

from mlsys_labs.answers import parse_answer
from mlsys_labs.catalog import LABS, lab_ids, load_errors
from mlsys_labs.grading import grade_submission
from mlsys_labs.submission import build_submission, validate_submission
from mlsys_labs.variants import make_variant

STUDENTS = ["ada@uni.edu", "Bob Smith", "c3", "李雷", "x" * 64, "o'neil", "s-0042"]


def test_catalog_loads_without_errors():
    assert "00_hello_roofline" in LABS
    assert load_errors() == {}


@pytest.mark.parametrize("lab_id", lab_ids())
@pytest.mark.parametrize("student", STUDENTS)
def test_key_round_trip_scores_full(lab_id, student):
    lab = LABS[lab_id]
    v = make_variant(lab, student)
    sub = build_submission(lab, v, lab.key_answers(v))
    parsed = validate_submission(json.dumps(sub).encode())
    assert parsed.warnings == []
    res = grade_submission(parsed, lab)
    bad = {q: f.message for q, f in res.feedback.items() if not f.correct}
    assert not bad
    assert res.score == res.max_score == lab.max_score > 0


@pytest.mark.parametrize("lab_id", lab_ids())
def test_short_display_answers_also_score_full(lab_id):
    lab = LABS[lab_id]
    for student in STUDENTS[:3]:
        v = make_variant(lab, student)
        for q in lab.questions:
            assert q.check(v, q.expected_text(v)).correct, (q.id, q.expected_text(v))


def _perturbed(q, v, factor):
    e = q.expected_value(v)
    return f"{e * factor / q._unit.value_si!r} {q.unit}"


@pytest.mark.parametrize("lab_id", lab_ids())
def test_perturbation_beyond_tolerance_scores_zero(lab_id):
    lab = LABS[lab_id]
    for student in STUDENTS[:3]:
        v = make_variant(lab, student)
        for q in lab.questions:
            if q.kind == "choice":
                wrong = next(c for c in q.choices if c != q.expected_value(v))
                assert q.check(v, wrong).score == 0
                continue
            e = q.expected_value(v)
            tol = max(q.rel_tol * abs(e), q._abs_si)
            if e == 0:
                continue
            factor = 1 + 3 * tol / abs(e) + 1e-6
            for f in (factor, 2 - factor):
                fb = q.check(v, _perturbed(q, v, f))
                assert fb.score == 0 and fb.code == "off", (q.id, fb)
            inside = 1 + 0.5 * tol / abs(e)
            assert q.check(v, _perturbed(q, v, inside)).correct


@pytest.mark.parametrize("lab_id", lab_ids())
def test_unit_equivalent_forms(lab_id):
    lab = LABS[lab_id]
    v = make_variant(lab, "equiv")
    for q in lab.questions:
        if q.kind == "choice" or not q._unit.units:
            continue
        e = q.expected_value(v)
        p = parse_answer(f"1 {q.unit}")
        base = p.quantity.to_base_units()
        # the same value in base units, written with the base unit symbols
        text = f"{e!r} {base.units:~C}".replace("**", "^")
        assert q.check(v, text).correct, (q.id, text)


def test_equivalent_bandwidth_forms_for_a_bandwidth_question():
    from ag_fake import make_fake_lab

    lab = make_fake_lab()
    v = make_variant(lab, "ada")
    bw = v["bw"]
    for text in (f"{bw} TB/s", f"{bw * 1000:g} GB/s", f"{bw * 8:g} Tbps", f"{bw:g}e12 B/s"):
        assert lab.check("q_bw", v, text).correct
