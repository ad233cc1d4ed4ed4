"""ScalingModel (wall 11), InferenceScalingModel (wall 12), CompressionModel (wall 13).

Fixtures from datasheets (zoo-independent): H100 SXM 989 TFLOP/s dense fp16/bf16, 1979 fp8/int8, 80 GiB,
3.35 TB/s, 700 W. Llama-3-8B: 8.03e9 params, 32 layers, d = 4096, 32 heads, 8 KV heads.
"""

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mlsysim_core import Q_
from mlsysim_core.resolvers.algorithm import (
    PRUNING_ACCURACY_RANGES,
    QUANTIZATION_ACCURACY_RANGES,
    CompressionModel,
    InferenceScalingModel,
    ScalingModel,
)
from mlsysim_core.resolvers.serving import ServingModel
from mlsysim_core.types import CNNWorkload, ComputeCore, HardwareNode, MemoryHierarchy, TransformerWorkload
from mlsysim_core.validation import InputError

H100 = HardwareNode(
    name="H100",
    compute=ComputeCore(peak_flops="989 TFLOP/s", precision_flops={"fp8": "1979 TFLOP/s", "int8": "1979 TFLOP/s"}),
    memory=MemoryHierarchy(capacity="80 GiB", bandwidth="3.35 TB/s"), tdp="700 W",
)
L8 = TransformerWorkload(name="Llama-3-8B", parameters=8.03e9, layers=32, hidden_dim=4096, heads=32, kv_heads=8)
L70 = TransformerWorkload(name="Llama-3-70B", parameters=70.6e9, layers=80, hidden_dim=8192, heads=64, kv_heads=8)
L405 = TransformerWorkload(name="Llama-3-405B", parameters=405e9, layers=126, hidden_dim=16384, heads=128,
                           kv_heads=8)


# ------------------------------------------------------------------------------------------------ Scaling
def test_chinchilla_optimum():
    # Chinchilla itself: 70e9 params × 1.4e12 tokens → C = 6·70e9·1.4e12 = 5.88e23 FLOP
    r = ScalingModel().solve(compute_budget=Q_(5.88e23, "flop"))
    # P* = √(5.88e23/120) = √(4.9e21) = 7e10;  D* = 20·P* = 1.4e12
    assert r.optimal_parameters.to("parameter").magnitude == pytest.approx(7e10)
    assert r.optimal_tokens.to("token").magnitude == pytest.approx(1.4e12)
    assert r.tokens_per_parameter == pytest.approx(20)
    assert r.compute_budget.to("flop").magnitude == pytest.approx(5.88e23)
    assert r.compute_budget_flops == r.compute_budget
    assert r.binding_wall == 11 and r.feasible


def test_fixed_model_size():
    r = ScalingModel().solve(compute_budget="5.88e23 flop", target_model_size=7e9)
    # D = C/(6P) = 5.88e23 / 4.2e10 = 1.4e13 tokens → 2000 tokens/param (over-trained vs 20)
    assert r.optimal_parameters.magnitude == pytest.approx(7e9)
    assert r.optimal_tokens.magnitude == pytest.approx(1.4e13)
    assert r.tokens_per_parameter == pytest.approx(2000)
    assert r.chinchilla_parameters.magnitude == pytest.approx(7e10)
    r2 = ScalingModel().solve(compute_budget="5.88e23 flop", target_model_size=Q_(7, "Gparameter"))
    assert r2.optimal_tokens.magnitude == pytest.approx(1.4e13)


def test_gpu_time_budget():
    r = ScalingModel().solve(compute_budget=Q_(1000, "hour"))
    # C = 3.6e6 s × 989e12 FLOP/s × 0.40 = 1.42416e21 FLOP
    assert r.compute_budget.magnitude == pytest.approx(1.42416e21)
    assert r.budget_from_time
    r2 = ScalingModel().solve(compute_budget="1000 hour", hardware=H100, mfu=0.5)
    assert r2.compute_budget.magnitude == pytest.approx(3.6e6 * 989e12 * 0.5)


@pytest.mark.parametrize("kw,field", [
    ({"compute_budget": Q_(1, "GB")}, "compute_budget"),
    ({"compute_budget": Q_(-1e20, "flop")}, "compute_budget"),
    ({"compute_budget": Q_(0, "flop")}, "compute_budget"),
    ({"compute_budget": Q_(float("nan"), "flop")}, "compute_budget"),
    ({"compute_budget": "lots"}, "compute_budget"),
    ({"compute_budget": 1e23}, "compute_budget"),
    ({"compute_budget": "1e23 flop", "target_model_size": 0}, "target_model_size"),
    ({"compute_budget": "1e23 flop", "target_model_size": Q_(1, "GB")}, "target_model_size"),
    ({"compute_budget": "1e23 flop", "target_model_size": float("inf")}, "target_model_size"),
    ({"compute_budget": "1000 hour", "mfu": 0}, "mfu"),
])
def test_scaling_invalid(kw, field):
    with pytest.raises(InputError) as e:
        ScalingModel().solve(**kw)
    assert e.value.field == field


@given(st.floats(1e15, 1e30))
def test_scaling_identity(c):
    r = ScalingModel().solve(compute_budget=Q_(c, "flop"))
    p, d = r.optimal_parameters.magnitude, r.optimal_tokens.magnitude
    assert 6 * p * d == pytest.approx(c, rel=1e-9)
    assert d / p == pytest.approx(20)


# ------------------------------------------------------------------------------------------------ InferenceScaling
def test_inference_scaling_composes_serving():
    r = InferenceScalingModel().solve(model=L8, hardware=H100, reasoning_steps=8, context_length=2048)
    s0 = ServingModel().solve(model=L8, hardware=H100, seq_len=2048)
    s1 = ServingModel().solve(model=L8, hardware=H100, seq_len=2048 + 400)
    # n = 8 steps × 50 tokens = 400; T = TTFT(2048) + 400 × ½(ITL(2048) + ITL(2448))
    itl = 0.5 * (s0.itl.to("ms").magnitude + s1.itl.to("ms").magnitude)
    assert r.tokens_generated.magnitude == 400
    assert r.ttft.to("ms").magnitude == pytest.approx(s0.ttft.to("ms").magnitude)
    assert r.itl.to("ms").magnitude == pytest.approx(itl)
    assert r.total_reasoning_time.to("ms").magnitude == pytest.approx(s0.ttft.to("ms").magnitude + 400 * itl)
    assert r.time_per_step.to("ms").magnitude == pytest.approx(50 * itl)
    # ITL ≈ (16.06 GB + KV) / (3.35 TB/s × η_mem 0.70) + 32 × 0.01 ms ≈ 7.3 ms → T ≈ 2.99 s
    assert 2.85 < r.total_reasoning_time.to("s").magnitude < 3.1
    # energy = 700 W (busy the whole query) × T; decode is memory-bound so MFU is small, but the device draws TDP
    e = r.energy_per_query.to("J").magnitude
    t = r.total_reasoning_time.to("s").magnitude
    assert e == pytest.approx(700 * t)
    assert 0 < r.mfu < 0.05
    assert r.feasible and r.binding_wall == 12


def test_inference_scaling_monotone_in_steps():
    times = [InferenceScalingModel().solve(model=L8, hardware=H100, reasoning_steps=k).total_reasoning_time
             for k in (1, 4, 16, 64)]
    assert all(a < b for a, b in zip(times, times[1:]))


def test_inference_scaling_infeasible():
    r = InferenceScalingModel().solve(model=L70, hardware=H100)  # 141 GB fp16 > 85.9 GB
    assert not r.feasible and r.binding_wall == 2
    assert r.total_reasoning_time.magnitude > 0


@pytest.mark.parametrize("kw,field", [
    ({"reasoning_steps": 0}, "reasoning_steps"),
    ({"context_length": -1}, "context_length"),
    ({"efficiency": 1.5}, "efficiency"),
    ({"precision": "fp5"}, "precision"),
    ({"model": CNNWorkload(name="r50", parameters=25.6e6, inference_flops="8.2 GFLOP")}, "model"),
])
def test_inference_scaling_invalid(kw, field):
    base = dict(model=L8, hardware=H100)
    base.update(kw)
    with pytest.raises(InputError) as e:
        InferenceScalingModel().solve(**base)
    assert e.value.field == field


# ------------------------------------------------------------------------------------------------ Compression
def test_quantization_memory_bound():
    r = CompressionModel().solve(model=L8, hardware=H100, target_precision="int8")
    # fp16 → int8: r = 16/8 = 2; 16.06 GB → 8.03 GB; savings 50 %
    assert r.compression_ratio == 2.0
    assert r.original_size.to("GB").magnitude == pytest.approx(16.06)
    assert r.compressed_size.to("GB").magnitude == pytest.approx(8.03)
    assert r.memory_savings == pytest.approx(0.5)
    # batch 1: T_compute = 16.06e9/(989e12·0.5) = 32 µs ≪ T_mem = 16.06e9/3.35e12 = 4.79 ms → memory-bound;
    # the weight bytes halve → speedup = r = 2
    assert r.regime_before == "memory-bound" and r.speedup == pytest.approx(2.0)
    assert (r.accuracy_delta_low, r.accuracy_delta_high) == (-0.01, 0.0)
    assert r.fits_before and r.fits_after and r.feasible and r.binding_wall == 13


def test_quantization_compute_bound_uses_peak_ratio():
    r = CompressionModel().solve(model=L8, hardware=H100, target_precision="fp8", batch_size=512)
    # batch 512: T_c = 16.06e9·512/(494.5e12) = 16.6 ms > T_m = 4.79 ms → compute-bound;
    # after: T_c = 8.22e12/(989.5e12) = 8.31 ms → speedup = 1979/989 = 2.00101
    assert r.regime_before == "compute-bound"
    assert r.speedup == pytest.approx(1979 / 989)
    # no native int4 math on this H100: compute stays at the fp16 rate → no compute-bound speedup
    r4 = CompressionModel().solve(model=L8, hardware=H100, target_precision="int4", batch_size=512)
    assert not r4.hardware_supported and r4.speedup == pytest.approx(1.0)
    assert r4.compression_ratio == 4.0
    assert (r4.accuracy_delta_low, r4.accuracy_delta_high) == (-0.03, -0.005)


def test_quantization_baseline_and_bitwidth():
    r = CompressionModel().solve(model=L8, hardware=H100, target_bitwidth=8, baseline_precision="fp32")
    # fp32 → 8-bit: r = 32/8 = 4 (the upstream always-FP32 bug would also give 4 here, but 8× for int4)
    assert r.compression_ratio == 4.0
    assert r.original_size.to("GB").magnitude == pytest.approx(32.12)
    r3 = CompressionModel().solve(model=L8, hardware=H100, target_bitwidth=3)
    # 16/3 = 5.333; 3-bit range (−10 %, −2 %)
    assert r3.compression_ratio == pytest.approx(16 / 3)
    assert (r3.accuracy_delta_low, r3.accuracy_delta_high) == (-0.10, -0.02)


def test_compression_fits():
    r = CompressionModel().solve(model=L70, hardware=H100, target_precision="int4")
    # 141.2 GB → 35.3 GB: does not fit before, fits after
    assert not r.fits_before and r.fits_after and r.feasible
    r405 = CompressionModel().solve(model=L405, hardware=H100, target_precision="int4")
    # 810 GB → 202.5 GB > 85.9 GB: still infeasible, memory wall
    assert r405.compressed_size.to("GB").magnitude == pytest.approx(202.5)
    assert not r405.feasible and r405.binding_wall == 2


def test_pruning():
    u = CompressionModel().solve(model=L8, hardware=H100, method="pruning", sparsity=0.5)
    # r = 1/(1 − 0.5) = 2; unstructured sparsity: dense kernels skip nothing → speedup 1
    assert u.compression_ratio == pytest.approx(2.0) and u.speedup == pytest.approx(1.0)
    assert u.compressed_size.to("GB").magnitude == pytest.approx(8.03)
    s = CompressionModel().solve(model=L8, hardware=H100, method="pruning", sparsity=0.75, sparsity_type="structured")
    # r = 4; structured: both bytes and FLOPs shrink by 4 → speedup 4
    assert s.compression_ratio == pytest.approx(4.0) and s.speedup == pytest.approx(4.0)
    assert (s.accuracy_delta_low, s.accuracy_delta_high) == (-0.20, -0.05)
    nm = CompressionModel().solve(model=L8, hardware=H100, method="pruning", sparsity=0.5, sparsity_type="n_m",
                                  batch_size=512)
    assert nm.speedup == pytest.approx(2.0)
    z = CompressionModel().solve(model=L8, hardware=H100, method="pruning", sparsity=0.0)
    assert z.compression_ratio == 1.0 and z.accuracy_delta_low == 0.0


@pytest.mark.parametrize("kw,field", [
    ({"method": "distillation"}, "method"),
    ({"target_precision": "fp5"}, "target_precision"),
    ({"target_precision": "fp32"}, "target_precision"),
    ({"target_precision": "int8", "target_bitwidth": 8}, "target_precision"),
    ({"target_bitwidth": 0}, "target_bitwidth"),
    ({"target_bitwidth": 64}, "target_bitwidth"),
    ({"baseline_precision": "fp12"}, "baseline_precision"),
    ({"method": "pruning", "sparsity": 1.0}, "sparsity"),
    ({"method": "pruning", "sparsity": -0.1}, "sparsity"),
    ({"method": "pruning", "sparsity": float("nan")}, "sparsity"),
    ({"method": "pruning", "sparsity": 0.3, "sparsity_type": "n_m"}, "sparsity"),
    ({"method": "pruning", "sparsity": 0.3, "sparsity_type": "blocky"}, "sparsity_type"),
    ({"batch_size": 0}, "batch_size"),
    ({"hardware": "H100"}, "hardware"),
])
def test_compression_invalid(kw, field):
    base = dict(model=L8, hardware=H100)
    base.update(kw)
    with pytest.raises(InputError) as e:
        CompressionModel().solve(**base)
    assert e.value.field == field


def test_accuracy_ranges_are_ranges():
    for _, lo, hi in QUANTIZATION_ACCURACY_RANGES:
        assert lo <= hi <= 0.0
    for table in PRUNING_ACCURACY_RANGES.values():
        for _, lo, hi in table:
            assert lo <= hi <= 0.0


@given(st.integers(1, 16), st.integers(1, 1024))
@example(16, 1)  # no compression: speedup exactly 1
@example(1, 1024)
def test_quantization_never_slower(bits, batch):
    r = CompressionModel().solve(model=L8, hardware=H100, target_bitwidth=bits, batch_size=batch)
    assert r.speedup >= 1.0 - 1e-12
    assert r.speedup <= r.compression_ratio * (1979 / 989) + 1e-9
    assert r.compression_ratio == pytest.approx(16 / bits)
    assert math.isclose(r.memory_savings, 1 - bits / 16, abs_tol=1e-12)
