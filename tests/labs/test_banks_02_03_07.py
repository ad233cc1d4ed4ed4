"""Banks of labs 02, 03 and 07 expose the engine's serving-layout, response-time and water quantities; keys come
from the engine (recomputed here through the engine's own resolvers, never hard-coded)."""

from __future__ import annotations

import math

import pytest

import conftest  # noqa: F401  (puts the repo root and labkit/ on sys.path)
from mlsys_labs.banks import lab_02_llm_serving as lab02
from mlsys_labs.banks import lab_03_tail_latency as lab03
from mlsys_labs.banks import lab_07_carbon_water as lab07
from mlsys_labs.variants import make_variant

STUDENTS = ["ada", "grace.hopper", "s123456", "bob", "carol-7", "erin@uni.edu"]


@pytest.mark.parametrize("student", STUDENTS)
def test_lab02_serve_takes_a_tp_degree(student):
    v = make_variant(lab02.LAB, student)
    one, two = lab02.serve(v), lab02.serve(v, tp_size=2)
    assert one.tp_size == 1 and two.tp_size == 2
    # the questions' keys are the TP-1 computation
    itl = next(q for q in lab02.LAB.questions if q.id == "q_itl")
    assert itl.expected_value(v) == pytest.approx(one.itl.to("s").magnitude, rel=1e-12)  # base-unit float
    # TP 2 halves the bytes per device but pays all-reduces; the floor is always below the ITL
    assert two.decode_floor < one.decode_floor and two.tp_communication_time.magnitude > 0
    assert one.itl >= one.decode_floor and two.itl >= two.decode_floor


@pytest.mark.parametrize("student", STUDENTS)
def test_lab03_p99_is_the_response_time_percentile(student):
    v = make_variant(lab03.LAB, student)
    r = lab03._tail(v)
    if r.is_stable:  # exponential service: the P99 response is at least ln(100) × the mean service time
        assert r.p99_latency.to("ms").magnitude >= math.log(100) * v["service_ms"] * (1 - 1e-9)
    c = lab03._min_replicas(v)
    assert lab03._tail(v, c).meets_slo and (c == 1 or not lab03._tail(v, c - 1).meets_slo)


@pytest.mark.parametrize("student", STUDENTS)
def test_lab07_water_is_wue_per_it_kwh(student):
    from mlsysim_core import Grids

    v = make_variant(lab07.LAB, student)
    assert lab07.water_per_it_kwh(v) == pytest.approx(Grids.get(v["grid"]).wue_l_kwh, rel=1e-12)
