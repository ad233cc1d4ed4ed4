"""Expected values cached by the parameters they read (mlsys_labs.param_reads)."""

from __future__ import annotations

import itertools

from mlsys_labs.catalog import LABS
from mlsys_labs.param_reads import MISSING, ParamReadCache
from mlsys_labs.questions import LabSpec, Question
from mlsys_labs.variants import Variant


def _variant(**params) -> Variant:
    return Variant(lab_id="lab", student_id="s", seed="0", params=params)


def test_variants_that_differ_only_in_unread_params_share_one_call():
    calls = []

    def fn(v):
        calls.append(1)
        return v["a"] * 10

    cache = ParamReadCache()
    assert cache.compute(fn, _variant(a=1, b=1), lambda x: x) == 10
    assert cache.get(_variant(a=1, b=2)) == 10
    assert cache.get(_variant(a=2, b=1)) is MISSING
    assert len(calls) == 1


def test_reads_that_depend_on_values_follow_the_tree():
    def fn(v):
        return v["b"] if v["a"] == "use b" else v["c"]

    cache = ParamReadCache()
    for a, b, c in itertools.product(("use b", "use c"), (1, 2), (3, 4)):
        v = _variant(a=a, b=b, c=c)
        got = cache.get(v)
        assert got in (MISSING, fn(v))
        if got is MISSING:
            assert cache.compute(fn, v, lambda x: x) == fn(v)
    for a, b, c in itertools.product(("use b", "use c"), (1, 2), (3, 4)):
        assert cache.get(_variant(a=a, b=b, c=c)) == (b if a == "use b" else c)


def test_other_uses_of_the_variant_are_not_cached_by_reads():
    cache = ParamReadCache()
    for fn in (lambda v: len(v.params), lambda v: v.key(), lambda v: v.seed, lambda v: v == v, lambda v: repr(v)):
        cache.compute(fn, _variant(a=1), lambda x: x)
        assert cache.get(_variant(a=1)) is MISSING


def test_values_are_told_apart_by_repr():
    cache = ParamReadCache()
    cache.compute(lambda v: type(v["a"]).__name__, _variant(a=1), lambda x: x)
    assert cache.get(_variant(a=1.0)) is MISSING and cache.get(_variant(a=True)) is MISSING


def test_a_question_sees_a_variant_and_gets_the_direct_value():
    seen = []

    def expected(v):
        seen.append(isinstance(v, Variant))
        return v["x"] * 2

    lab = LabSpec(id="lab", title="t", version="1", walls=(1,), minutes=1, summary="",
                  variant_space={"x": (1, 2), "y": (1, 2, 3)},
                  questions=(Question(id="q", prompt="x = {x}", unit="s", expected=expected),))
    q = lab.questions[0]
    for x, y in itertools.product((1, 2), (1, 2, 3)):
        assert q.expected_value(_variant(x=x, y=y)) == 2 * x
    assert seen == [True, True]


def test_every_variant_of_two_labs_matches_a_direct_computation():
    for lab_id in ("12_scaling_reasoning_compression", "14_capstone_audit"):
        lab = LABS[lab_id]
        names = list(lab.variant_space)
        for combo in itertools.product(*lab.variant_space.values()):
            v = Variant(lab_id=lab.id, student_id="s", seed="0", params=dict(zip(names, combo)))
            for q in lab.questions:
                assert q.expected_value(v) == q._canonical(q.expected(v)), (lab_id, q.id, combo)


def test_a_bank_may_derive_and_compare_variants_as_before():
    import dataclasses

    def expected(v):
        other = dataclasses.replace(v, params={**v.params, "x": 1})
        return (v["x"] - other["x"]) + (10 if v == other else 0)

    cache = ParamReadCache()
    for x in (1, 2, 3):
        v = _variant(x=x, y=0)
        assert cache.compute(expected, v, lambda r: r) == expected(v)
        assert cache.get(v) is MISSING  # it used the whole variant: not cached by reads
