import pytest
from lk_fake import make_fake_lab

from mlsysim_core import Q_
from mlsys_labs.questions import BankError, LabSpec, Question, check_answer
from mlsys_labs.variants import make_variant

LAB = make_fake_lab()


def var(student="ada"):
    return make_variant(LAB, student)


def q(qid):
    return LAB.question(qid)


def test_render_fills_params_and_keeps_unknown():
    v = var()
    assert q("q_bw").render(v) == f"Bandwidth of a {v['bw']} TB/s part?"
    assert Question(id="x", prompt="{nope} {bw}", unit="s", expected=lambda v: 1).render({"bw": 2}) == "{nope} 2"


def test_key_answers_score_full_marks():
    for s in ("ada", "bob", "cy", "dee", "eve"):
        v = var(s)
        key = LAB.key_answers(v)
        fbs = LAB.grade(v, key)
        assert all(f.correct for f in fbs.values()), fbs
        assert sum(f.score for f in fbs.values()) == LAB.max_score == 6


def test_equivalent_units_accepted():
    v = var()
    bw = v["bw"]
    for text in (f"{bw} TB/s", f"{bw * 1000} GB/s", f"{bw * 8} Tbps", f"{bw}e12 B/s"):
        assert q("q_bw").check(v, text).correct, text


def test_wrong_dimension_message():
    fb = q("q_time").check(var(), "3.2 TB/s")
    assert not fb.correct and fb.score == 0 and fb.code == "wrong_dimension"
    assert fb.message == "wrong dimension: you gave a bandwidth, the question asks for a time"


def test_wrong_answer_gives_only_a_direction_and_tolerance_holds():
    v = var()
    e = v["bw"]
    assert q("q_bw").check(v, f"{e * 1.019} TB/s").correct
    fb = q("q_bw").check(v, f"{e * 1.05} TB/s")
    assert not fb.correct and fb.message == "not yet: too high" and fb.code == "off"
    assert q("q_bw").check(v, f"{e * 0.9} TB/s").message == "not yet: too low"
    assert "%" not in fb.message and str(e) not in fb.message


def test_abs_tol():
    v = var()
    exp_ms = v["n"] * 1.25
    assert q("q_time").check(v, f"{exp_ms + 0.009} ms").correct  # abs 0.01 ms > rel 1 %
    assert not q("q_time").check(v, f"{exp_ms + 0.05} ms").correct


@pytest.mark.parametrize("factor", [1e3, 1e-3, 1e6, 1e-9, 8, 1 / 8, 60, 1 / 3600])
def test_unit_slip_detected_for_exact_unit_factors_only(factor):
    v = var()
    e = v["bw"]
    fb = q("q_bw").check(v, f"{e * factor!r} TB/s")
    assert fb.code == "unit_slip" and "looks like a unit slip" in fb.message
    # the message is the same for every factor: it does not say which one
    assert fb.message == q("q_bw").check(v, f"{e * 1000!r} TB/s").message
    assert q("q_bw").check(v, f"{e * factor * 1.3!r} TB/s").code == "off"  # not an exact factor: direction only


def test_bare_number_read_in_question_unit():
    v = var()
    fb = q("q_bw").check(v, str(v["bw"]))
    assert fb.correct and "no unit given" in fb.message
    strict = Question(id="s", prompt="", unit="TB/s", expected=lambda v: Q_(1, "TB/s"), require_unit=True)
    assert strict.check(v, "1").code == "wrong_dimension"


def test_percent_questions():
    v = var()
    pct = 10.0 * v["n"]
    for text in (f"{pct}", f"{pct} %", f"{pct}%", f"{pct} percent", f"{pct / 100}"):
        assert q("q_frac").check(v, text).correct, text
    assert "fraction" in q("q_frac").check(v, f"{pct / 100}").message
    fb = q("q_frac").check(v, f"{pct / 100} %")  # explicit % with the fraction's digits: a unit slip
    assert not fb.correct and fb.code == "unit_slip"


def test_currency_forms():
    v = var()
    usd = 9.1e6 * v["n"]
    for text in (f"${usd / 1e6}M", f"{usd / 1e6} MUSD", f"{usd:.0f} USD", f"${usd:,.0f}"):
        assert q("q_cost").check(v, text).correct, text


def test_choice_is_case_and_punctuation_insensitive():
    v = var()
    want = q("q_choice").expected_text(v)
    for text in (want, want.upper(), want.replace("-", " "), f"  {want.title()} "):
        fb = q("q_choice").check(v, text)
        assert fb.correct and fb.score == 2
    other = "compute-bound" if want == "memory-bound" else "memory-bound"
    assert q("q_choice").check(v, other).code == "off"
    assert q("q_choice").check(v, "banana").code == "not_a_choice"


def test_missing_and_unreadable():
    v = var()
    assert q("q_bw").check(v, None).code == "missing"
    assert q("q_bw").check(v, "  ").code == "missing"
    assert q("q_bw").check(v, "lots").code == "unreadable"
    assert q("q_bw").check(v, "x" * 5000).code == "unreadable"
    assert check_answer(q("q_bw"), v, ["list"]).code == "unreadable"


def test_grader_error_is_not_a_student_error():
    bad = Question(id="bad", prompt="", unit="ms", expected=lambda v: 1 / 0)
    fb = bad.check(var(), "1 ms")
    assert fb.code == "grader_error" and fb.score == 0
    wrong_dim = Question(id="wd", prompt="", unit="ms", expected=lambda v: Q_(1, "GB"))
    assert wrong_dim.check(var(), "1 ms").code == "grader_error"


@pytest.mark.parametrize("kw", [
    dict(id="bad id!", prompt="", unit="ms", expected=lambda v: 1),
    dict(id="q", prompt="", unit="parsecs", expected=lambda v: 1),
    dict(id="q", prompt="", unit="ms", expected=None),
    dict(id="q", prompt="", unit="ms", expected=lambda v: 1, abs_tol="1 GB"),
    dict(id="q", prompt="", unit="ms", expected=lambda v: 1, rel_tol=0),
    dict(id="q", prompt="", unit="ms", expected=lambda v: 1, points=0),
    dict(id="q", prompt="", kind="choice", choices=("a",), expected=lambda v: "a"),
    dict(id="q", prompt="", kind="choice", choices=("a-b", "A B"), expected=lambda v: "a"),
    dict(id="q", prompt="", kind="essay", expected=lambda v: "a"),
])
def test_bank_errors(kw):
    with pytest.raises(BankError):
        Question(**kw)


def test_labspec_validation():
    base = dict(id="x_lab", title="t", version="1", walls=(1,), minutes=1, summary="",
                variant_space={"a": (1, 2)}, questions=(Question(id="q", prompt="", unit="s", expected=lambda v: 1),))
    LabSpec(**base)
    for patch in ({"id": "../x"}, {"walls": (23,)}, {"variant_space": {"a": ()}}, {"variant_space": {"a": ([1],)}},
                  {"questions": ()}, {"questions": base["questions"] * 2}, {"version": ""}):
        with pytest.raises(BankError):
            LabSpec(**{**base, **patch})


def test_expected_values_are_cached():
    calls = []
    qq = Question(id="c", prompt="", unit="s", expected=lambda v: calls.append(1) or 2.0)
    lab = LabSpec(id="c_lab", title="", version="1", walls=(1,), minutes=1, summary="", variant_space={"a": (1,)},
                  questions=(qq,))
    for s in ("a", "b", "c"):
        qq.check(make_variant(lab, s), "2 s")
    assert len(calls) == 1  # same params → one computation
