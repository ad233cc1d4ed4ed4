"""Labs 00–03 compute through their banks: each bank function is the engine's own resolver call (compared here
with the direct call the notebook or the bank made before), the questions' keys are unchanged, sweeps are
cached apart from the point a slider moves, and the notebooks call no resolver themselves."""

from __future__ import annotations

import math

import pytest

import conftest  # noqa: F401  (puts the repo root and labkit/ on sys.path)
import mlsysim_core as core
from mlsys_labs.banks import lab_00_hello_roofline as b00
from mlsys_labs.banks import lab_01_memory_quantization as b01
from mlsys_labs.banks import lab_02_llm_serving as b02
from mlsys_labs.banks import lab_03_tail_latency as b03
from mlsys_labs.variants import make_variant

STUDENTS = ["ada", "grace.hopper", "s123456", "bob", "carol-7", "erin@uni.edu", "Alan Turing", "x1"]


def _q(lab, qid):
    return next(q for q in lab.questions if q.id == qid)


def _key_is(lab, qid, v, old_raw):
    """The question's key (what the grader compares: a base-unit float, or a choice) equals the key the old computation (``old_raw``: what its lambda returned) gives."""
    q = _q(lab, qid)
    if q.kind == "choice":
        assert q.expected_value(v) == old_raw, qid
    else:
        assert q.expected_value(v) == pytest.approx(q._to_si(old_raw), rel=1e-12), qid


def _same(a, b):
    """Two quantities (or numbers) are the same number in the same unit."""
    if hasattr(a, "to"):
        return float(a.to(b.units).magnitude) == pytest.approx(float(b.magnitude), rel=1e-12)
    return a == pytest.approx(b, rel=1e-12)


# -- lab 00 -------------------------------------------------------------------------------------------------
def _old_step(model, hardware, batch, precision="fp16"):
    return core.SingleNodeModel().solve(model=core.Models.get(model), hardware=core.Hardware.get(hardware),
                                        batch_size=batch, precision=precision)


@pytest.mark.parametrize("case", [("Llama3_8B", "H100", 1, "fp16"), ("Llama3_70B", "A100", 64, "int4"),
                                  ("ResNet50", "JetsonOrinNX", 16, "fp32"), ("GPT2_Small", "TPUv5p", 1024, "fp8")])
def test_lab00_step_is_the_engine_and_cached(case):
    r, old = b00.step(*case), _old_step(*case)
    assert b00.step(*case) is r
    for f in ("latency", "throughput", "arithmetic_intensity", "memory_footprint"):
        assert _same(getattr(r, f), getattr(old, f)), f
    assert r.bottleneck == old.bottleneck and r.mfu == old.mfu
    peak, bw = b00.roof(case[1], case[3])
    point = b00.operating_point(*case)
    assert _same(point["perf"], peak * old.mfu) and _same(point["intensity"], old.arithmetic_intensity)
    assert _same(bw, core.Hardware.get(case[1]).memory.bandwidth)


@pytest.mark.parametrize("student", STUDENTS)
def test_lab00_keys_unchanged(student):
    v = make_variant(b00.LAB, student)
    _key_is(b00.LAB, "q_ridge", v, core.Hardware.get(v["accelerator"]).ridge_point("fp16"))
    _key_is(b00.LAB, "q_decode_latency", v, _old_step(v["model"], v["accelerator"], 1).latency)
    _key_is(b00.LAB, "q_decode_throughput", v,
            _old_step(v["model"], v["accelerator"], v["batch"]).throughput.to("1/s").magnitude)
    cnn = _old_step("MobileNetV2", v["accelerator"], v["cnn_batch"])
    _key_is(b00.LAB, "q_bound", v, "compute-bound" if cnn.bottleneck == "Compute" else "memory-bound")


def test_lab00_sweep_cached_monotonic_and_apart_from_the_marker():
    b00.batch_sweep.cache_clear()
    rows = b00.batch_sweep("Llama3_8B", "H100", "fp16")
    assert b00.batch_sweep("Llama3_8B", "H100", "fp16") is rows  # moving the batch slider re-uses it
    assert b00.batch_sweep.cache_info().hits == 1 and b00.batch_sweep.cache_info().misses == 1
    assert [r["batch"] for r in rows] == list(b00.BATCHES)
    tput = [r["throughput"] for r in rows]
    assert all(b >= a for a, b in zip(tput, tput[1:])), tput  # batching never lowers throughput
    assert rows[0]["bound"] == "Memory" and rows[-1]["bound"] == "Compute"  # crosses the ridge
    for r in rows:
        assert r["throughput"] == pytest.approx(
            float(_old_step("Llama3_8B", "H100", r["batch"]).throughput.magnitude), rel=1e-12)


# -- lab 01 -------------------------------------------------------------------------------------------------
def _old_compress(model, hardware, target, batch=1):
    return core.CompressionModel().solve(model=core.Models.get(model), hardware=core.Hardware.get(hardware),
                                         method="quantization", target_precision=target, batch_size=batch)


@pytest.mark.parametrize("student", STUDENTS)
def test_lab01_keys_unchanged(student):
    v = make_variant(b01.LAB, student)
    old = _old_compress(v["model"], v["hardware"], v["target"])
    _key_is(b01.LAB, "q_weights_fp16", v, old.original_size)
    _key_is(b01.LAB, "q_weights_target", v, old.compressed_size)
    _key_is(b01.LAB, "q_speedup", v, old.speedup)
    _key_is(b01.LAB, "q_fits", v, "fits" if old.fits_after else "does not fit")


@pytest.mark.parametrize("case", [("Llama3_70B", "H100", "int4", 1), ("Mixtral_8x7B", "RTX4090", "fp8", 256),
                                  ("Llama3_8B", "JetsonOrinNX", "int8", 8)])
def test_lab01_compress_and_steps_are_the_engine(case):
    model, hw, target, batch = case
    c, old = b01.compress(*case), _old_compress(*case)
    assert b01.compress(*case) is c
    assert c.speedup == old.speedup and _same(c.compressed_size, old.compressed_size)
    assert c.fits_after == old.fits_after and c.regime_after == old.regime_after
    fp16, q = b01.steps(model, hw, batch, target)
    assert fp16 is b01.step(model, hw, batch, "fp16") and q is b01.step(model, hw, batch, target)
    assert _same(q.latency, _old_step(model, hw, batch, target).latency)
    assert fp16.precision == "fp16" and q.precision == target


# -- lab 02 -------------------------------------------------------------------------------------------------
def _old_serving(model, hardware, seq_len, batch=1, tp_size=1):  # the notebook's former call (default precision)
    return core.ServingModel().solve(model=core.Models.get(model), hardware=core.Hardware.get(hardware),
                                     seq_len=seq_len, batch_size=batch, tp_size=tp_size)


def _old_batching(model, hardware, max_seq_len, tp_size=1):
    return core.ContinuousBatchingModel().solve(model=core.Models.get(model), hardware=core.Hardware.get(hardware),
                                                max_seq_len=max_seq_len, max_batch_size=4096, tp_size=tp_size)


@pytest.mark.parametrize("student", STUDENTS)
def test_lab02_keys_unchanged(student):
    v = make_variant(b02.LAB, student)
    old = core.ServingModel().solve(model=core.Models.get(v["model"]), hardware=core.Hardware.get(v["hardware"]),
                                    seq_len=v["seq_len"], batch_size=v["batch"], precision="fp16")
    for qid, f in (("q_kv", "kv_cache_size"), ("q_ttft", "ttft"), ("q_itl", "itl")):
        _key_is(b02.LAB, qid, v, getattr(old, f))
    cb = core.ContinuousBatchingModel().solve(model=core.Models.get(v["model"]),
                                              hardware=core.Hardware.get(v["hardware"]), max_seq_len=v["seq_len"],
                                              max_batch_size=4096, precision="fp16")
    _key_is(b02.LAB, "q_paged", v, cb.max_active_requests)
    _key_is(b02.LAB, "q_static", v, cb.static_max_active_requests)


@pytest.mark.parametrize("case", [("Llama3_8B", "H100", 4096, 8, 1), ("Llama3_70B", "H200", 8192, 32, 4),
                                  ("Mixtral_8x7B", "MI300X", 32768, 1, 2), ("Llama2_13B", "L4", 512, 128, 8)])
def test_lab02_serving_and_batching_are_the_engine(case):
    model, hw, seq, batch, tp = case
    s, old = b02.serving(*case), _old_serving(*case)
    assert b02.serving(*case) is s
    for f in ("ttft", "itl", "kv_cache_size", "total_memory_required", "tp_communication_time"):
        assert _same(getattr(s, f), getattr(old, f)), f
    cb, ocb = b02.batching(model, hw, seq, tp), _old_batching(model, hw, seq, tp)
    assert cb.max_active_requests == ocb.max_active_requests
    assert cb.static_max_active_requests == ocb.static_max_active_requests


def test_lab02_prediction_ratio_is_the_old_one():
    t4 = _old_serving("Llama3_8B", "H100", 4096).ttft
    t8 = _old_serving("Llama3_8B", "H100", 8192).ttft
    a, b, ratio = b02.ttft_ratio("Llama3_8B", "H100", 4096, 8192)
    assert _same(a, t4) and _same(b, t8) and ratio == pytest.approx(float(t8 / t4), rel=1e-12)
    assert ratio > 2.05  # the attention term: "more than doubles"


def test_lab02_memory_sweep_cached_monotonic_and_the_engine():
    b02.memory_sweep.cache_clear()
    rows = b02.memory_sweep("Llama3_8B", "A100", 8192, 2)
    assert b02.memory_sweep("Llama3_8B", "A100", 8192, 2) is rows
    assert b02.memory_sweep.cache_info().hits == 1
    gb = [r["GB"] for r in rows]
    assert [r["batch"] for r in rows] == list(b02.BATCHES)
    assert all(b > a for a, b in zip(gb, gb[1:])), gb  # every request adds its KV cache
    for r in rows:
        old = _old_serving("Llama3_8B", "A100", 8192, r["batch"], 2)
        assert r["GB"] == pytest.approx(float(old.total_memory_required.to("GB").magnitude), rel=1e-12)


# -- lab 03 -------------------------------------------------------------------------------------------------
def _old_tail(qps, service_ms, replicas, slo_ms):
    return core.TailLatencyModel().solve(arrival_rate=core.Q_(qps, "request/s"),
                                         service_latency=core.Q_(service_ms, "ms"), num_replicas=replicas,
                                         slo_latency=core.Q_(slo_ms, "ms"))


def _old_min_replicas(v):
    return next(c for c in range(1, 257) if _old_tail(v["qps"], v["service_ms"], c, v["slo_ms"]).meets_slo)


@pytest.mark.parametrize("student", STUDENTS)
def test_lab03_keys_unchanged(student):
    v = make_variant(b03.LAB, student)
    old = _old_tail(v["qps"], v["service_ms"], v["replicas"], v["slo_ms"])
    _key_is(b03.LAB, "q_rho", v, old.utilization)
    if old.is_stable:
        _key_is(b03.LAB, "q_p99", v, old.p99_latency)
    _key_is(b03.LAB, "q_min_replicas", v, _old_min_replicas(v))


def test_lab03_tail_is_the_engine_and_cached():
    t = b03.tail(150, 20, 4, 100)
    assert b03.tail(150, 20, 4, 100) is t
    old = _old_tail(150, 20, 4, 100)
    assert _same(t.p99_latency, old.p99_latency) and t.meets_slo == old.meets_slo
    assert _same(t.wait_probability, old.wait_probability) and t.utilization == old.utilization


def test_lab03_prediction_ratio_is_the_old_one():
    def wait(rho):  # the notebook's former computation
        return core.TailLatencyModel().solve(arrival_rate_qps=rho * 4 / 0.020, service_latency_ms=20.0,
                                             num_replicas=4).p99_wait

    assert b03.p99_wait_ratio(0.9, 0.5, replicas=4, service_ms=20) == pytest.approx(float(wait(0.9) / wait(0.5)),
                                                                                    rel=1e-9)
    assert b03.capacity_qps(20, 4) == pytest.approx(200.0, rel=1e-12)


@pytest.mark.parametrize("service_ms, replicas", [(20, 4), (5, 1), (100, 32)])
def test_lab03_hockey_stick_cached_monotonic_and_the_engine(service_ms, replicas):
    rows = b03.hockey_stick(service_ms, replicas)
    hits = b03.hockey_stick.cache_info().hits
    for qps in (10, 150, 600):  # the arrival-rate and SLO sliders move only the marker and the threshold
        b03.tail(qps, service_ms, replicas, 100)
        assert b03.hockey_stick(service_ms, replicas) is rows
    assert b03.hockey_stick.cache_info().hits == hits + 3
    p99 = [r["ms"] for r in rows if r["percentile"] == "P99"]
    p50 = [r["ms"] for r in rows if r["percentile"] == "P50"]
    assert len(p99) == len(p50) == b03.RHO_STEPS - 1
    assert all(b >= a for a, b in zip(p99, p99[1:])) and all(hi >= lo for hi, lo in zip(p99, p50))
    assert p99[-1] > 1.5 * p99[0]  # the hockey stick: the tail grows fast as ρ → 1
    cap = replicas / (service_ms * core.Q_(1, "ms")).to("s").magnitude
    for k in (1, 25, 49):  # the notebook's former loop
        old = core.TailLatencyModel().solve(arrival_rate_qps=cap * k / 50, service_latency_ms=float(service_ms),
                                            num_replicas=replicas)
        assert p99[k - 1] == pytest.approx(old.p99_latency.to("ms").magnitude, rel=1e-9)
        assert p50[k - 1] == pytest.approx(old.p50_latency.to("ms").magnitude, rel=1e-9)


@pytest.mark.parametrize("case", [("Llama3_8B", "H100", 20, 5), ("Llama2_7B", "A100", 5, 10),
                                  ("Llama2_13B", "MI300X", 40, 2.5), ("Llama3_8B", "L4", 1, 20)])
def test_lab03_batching_optimizer_is_the_engine(case):
    model, hw, qps, sla = case
    old = core.BatchingOptimizer().solve(model=core.Models.get(model), hardware=core.Hardware.get(hw), seq_len=2048,
                                         sla_latency=core.Q_(sla, "s"), arrival_rate_qps=qps, output_tokens=128,
                                         max_search_batch=64)
    opt = b03.best_batch(*case)
    assert b03.best_batch(*case) is opt
    assert opt.best_batch_size == old.best_batch_size and opt.feasible == old.feasible
    if old.p99_latency is not None:
        assert _same(opt.p99_latency, old.p99_latency)
    want = [(c["batch_size"], c["p99_ms"]) for c in old.candidates if c["p99_ms"] != float("inf")]
    got = b03.batch_rows(*case)
    assert [r["batch"] for r in got] == [b for b, _ in want]
    assert all(math.isclose(core.Q_(r["p99_s"], "s").to("ms").magnitude, ms, rel_tol=1e-12)
               for r, (_, ms) in zip(got, want))
