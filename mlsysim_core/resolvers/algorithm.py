"""Algorithm-domain resolvers: ScalingModel (wall 11), InferenceScalingModel (wall 12),
CompressionModel (wall 13)."""

from __future__ import annotations

import math

from ..physics.power import busy_accelerator_power
from ..physics.constants import (
    CHINCHILLA_TOKENS_PER_PARAM,
    DEFAULT_EFFICIENCY,
    TOKENS_PER_REASONING_STEP,
    TRAINING_FLOPS_PER_PARAM_TOKEN,
)
from ..types.hardware import HardwareNode
from ..types.workloads import TransformerWorkload, Workload
from ..units import Q_, Quantity, dimension_kind, resolve_precision, si
from ..validation import InputError, check_choice, check_fraction, check_int, check_number, check_type
from .base import Qty, Resolver, Result
from .node import check_efficiency

__all__ = [
    "ScalingModel", "ScalingResult", "InferenceScalingModel", "InferenceScalingResult", "CompressionModel",
    "CompressionResult", "REFERENCE_PEAK_FLOPS", "REFERENCE_MFU_SUSTAINED",
    "QUANTIZATION_ACCURACY_RANGES", "PRUNING_ACCURACY_RANGES",
]

#: GPU-time → FLOPs conversion when no hardware is given: H100 SXM dense BF16 peak (upstream reference).
REFERENCE_PEAK_FLOPS = 989e12
#: Sustained MFU of large training runs used to convert GPU-time to FLOPs (upstream reference; PaLM 46 %,
#: Llama 3 38–43 %).
REFERENCE_MFU_SUSTAINED = 0.40


# ------------------------------------------------------------------------------------------------
# Wall 11: complexity (Chinchilla scaling)
# ------------------------------------------------------------------------------------------------
class ScalingResult(Result):
    optimal_parameters: Qty("parameter")
    optimal_tokens: Qty("token")
    tokens_per_parameter: float = 0.0
    compute_budget: Qty("flop")
    chinchilla_parameters: Qty("parameter")
    chinchilla_tokens: Qty("token")
    budget_from_time: bool = False

    @property
    def compute_budget_flops(self):
        """Upstream name of :attr:`compute_budget`."""
        return self.compute_budget


def _budget_flops(value, hardware, mfu) -> tuple[float, bool]:
    """C in flop from a FLOP quantity, or from accelerator-time × peak × MFU."""
    if isinstance(value, str):
        value = _parse(value)
    if isinstance(value, Quantity) and dimension_kind(value) == "time":
        t = si(value, "time", name="compute_budget")
        peak = hardware.peak_si("bf16") if hardware is not None else REFERENCE_PEAK_FLOPS
        return t * peak * mfu, True
    try:
        return si(value, "compute", name="compute_budget"), False
    except InputError as exc:
        if "wrong unit" in exc.reason:
            raise InputError("compute_budget", "must be FLOPs (e.g. Q_(1e24, 'flop')) or accelerator-time "
                                               f"(e.g. Q_(1e6, 'hour')); {exc.reason}") from None
        raise


def _parse(text: str):
    try:
        return Q_(text)
    except Exception as exc:
        raise InputError("compute_budget", f"cannot read {text!r} as a quantity ({exc})") from None


class ScalingModel(Resolver):
    """Wall 11 — Complexity: the compute-optimal model for a budget (Hoffmann et al. 2022, Chinchilla).

        C = 6·P·D;  D* = 20·P*  ⇒  P* = √(C/120),  D* = 20·P*
        with a fixed model size P:  D = C/(6·P)

    ``compute_budget`` is FLOPs, or accelerator-time (GPU-hours/days), converted as
    C = t · Peak_bf16 · MFU with ``hardware`` (default: H100 989 TFLOP/s) and ``mfu`` (default 0.40).
    """

    walls = (11,)
    kind = "model"
    result_type = ScalingResult
    equation = "C = 6PD; D* = 20P*; P* = √(C/120)"

    def solve(self, *, compute_budget, target_model_size=None, hardware=None,
              mfu=REFERENCE_MFU_SUSTAINED) -> ScalingResult:
        if hardware is not None:
            check_type("hardware", hardware, HardwareNode)
        u = check_number("mfu", mfu, minimum=0.0, maximum=1.0, exclusive_minimum=True)
        c, from_time = _budget_flops(compute_budget, hardware, u)
        k = TRAINING_FLOPS_PER_PARAM_TOKEN
        r = CHINCHILLA_TOKENS_PER_PARAM
        p_star = math.sqrt(c / (k * r))
        d_star = r * p_star
        trace = []
        if from_time:
            trace.append(f"C = accelerator-time × peak × MFU {u:g} = {c:.4g} FLOP")
        if target_model_size is None:
            p, d = p_star, d_star
            trace.append(f"Chinchilla: P* = √(C/{k * r}) = {p:.4g} params, D* = {r}·P* = {d:.4g} tokens")
        else:
            if isinstance(target_model_size, (Quantity, str)):
                p = si(target_model_size, "parameters", name="target_model_size")
            else:
                p = check_number("target_model_size", target_model_size, minimum=0.0, exclusive_minimum=True)
            d = c / (k * p)
            trace.append(f"Fixed P = {p:.4g}: D = C/(6P) = {d:.4g} tokens ({d / p:.3g} tokens/param; "
                         f"compute-optimal is {r})")
        return ScalingResult.build(
            binding_wall=11, trace=trace, optimal_parameters=p, optimal_tokens=d, tokens_per_parameter=d / p,
            compute_budget=c, chinchilla_parameters=p_star, chinchilla_tokens=d_star, budget_from_time=from_time,
        )


# ------------------------------------------------------------------------------------------------
# Wall 12: reasoning (inference-time compute)
# ------------------------------------------------------------------------------------------------
class InferenceScalingResult(Result):
    total_reasoning_time: Qty("ms")
    ttft: Qty("ms")
    itl: Qty("ms")
    time_per_step: Qty("ms")
    tokens_generated: Qty("token")
    reasoning_steps: int = 1
    energy_per_query: Qty("J")
    mfu: float = 0.0


class InferenceScalingModel(Resolver):
    """Wall 12 — Reasoning: the latency and energy of thinking longer at inference (seed paper §4.3).

        n = K · 50 tokens (K reasoning steps of 50 tokens)
        T = TTFT(S) + n · ITL̄,   ITL̄ = ½·(ITL(S) + ITL(S + n))      (ServingModel at batch 1; ITL grows
                                       linearly with the KV cache, so this mean is exact while decode stays
                                       in one roofline regime)
        E = t · P_accel(u = 1) · T = t · TDP · T   (the devices are busy the whole query, however low the MFU;
                                                   physics/power.py)
        MFU = (prefill FLOPs + decode FLOPs) / (T · t · Peak)

    ``tp_size``, ``ep_size``, ``kv_precision``, ``memory_efficiency`` and ``node`` lay the model out as in
    ServingModel (t devices). Infeasible when ServingModel is at S + n tokens (binding wall 2 for memory, 4/14 for
    a TP layout that does not divide or fit a node).
    """

    walls = (12,)
    kind = "model"
    result_type = InferenceScalingResult
    equation = "T = TTFT + K·n_step·ITL"

    def solve(self, *, model, hardware, reasoning_steps=8, context_length=2048, precision="fp16",
              efficiency=DEFAULT_EFFICIENCY, tokens_per_step=TOKENS_PER_REASONING_STEP, tp_size=1, ep_size=1,
              kv_precision=None, memory_efficiency=None, node=None) -> InferenceScalingResult:
        from ..physics.serving import decode_attention_flops, prefill_flops
        from .serving import ServingModel

        check_type("model", model, TransformerWorkload)
        check_type("hardware", hardware, HardwareNode)
        k = check_int("reasoning_steps", reasoning_steps)
        s = check_int("context_length", context_length)
        per = check_int("tokens_per_step", tokens_per_step)
        eta = check_efficiency(efficiency)
        w = model.si(precision)
        n = k * per
        srv = ServingModel()
        layout = dict(tp_size=tp_size, ep_size=ep_size, kv_precision=kv_precision,
                      memory_efficiency=memory_efficiency, node=node)
        first = srv.solve(model=model, hardware=hardware, seq_len=s, batch_size=1, precision=precision,
                          efficiency=eta, **layout)
        last = srv.solve(model=model, hardware=hardware, seq_len=s + n, batch_size=1, precision=precision,
                         efficiency=eta, **layout)
        tp = first.tp_size
        ttft = _s(first.ttft)
        itl = 0.5 * (_s(first.itl) + _s(last.itl))
        total = ttft + n * itl
        h = hardware.si
        peak = hardware.peak_si(precision)
        d = w.hidden or 0
        flops = prefill_flops(w.ops, w.layers, d, s, s) + n * w.ops + decode_attention_flops(w.layers, d, s + n / 2.0) * n
        mfu = min(1.0, flops / (total * peak * tp))
        energy = tp * busy_accelerator_power(h.tdp, 1.0) * total  # devices busy for the whole query
        feasible = bool(last.feasible)
        trace = [f"T = TTFT {ttft * 1e3:.4g} ms + {k} steps × {per} tokens × ITL {itl * 1e3:.4g} ms "
                 f"= {total * 1e3:.4g} ms"]
        if not feasible:
            trace.extend(t for t in last.trace if "wall" in t)
        return InferenceScalingResult.build(
            feasible=feasible, binding_wall=12 if feasible else last.binding_wall, trace=trace,
            total_reasoning_time=total, ttft=ttft, itl=itl, time_per_step=per * itl, tokens_generated=float(n),
            reasoning_steps=k, energy_per_query=energy, mfu=mfu,
        )


def _s(q) -> float:
    """Seconds from a time Quantity."""
    return si(q, "time", allow_zero=True)


# ------------------------------------------------------------------------------------------------
# Wall 13: fidelity (compression)
# ------------------------------------------------------------------------------------------------
#: Literature ranges (low, high) of the absolute accuracy change (fraction of a benchmark score) for
#: post-training weight quantization, keyed by the minimum bit width. Sources: Micikevicius et al. 2018
#: (16-bit mixed precision lossless), Dettmers et al. 2022 LLM.int8() and Xiao et al. 2023 SmoothQuant
#: (8-bit within ≈1 point), Micikevicius et al. 2022 FP8, Frantar et al. 2023 GPTQ and Lin et al. 2024 AWQ
#: (4-bit: 0.5–3 points), GPTQ 3/2-bit results (large losses). Method- and model-dependent: a range,
#: not a prediction.
QUANTIZATION_ACCURACY_RANGES: tuple[tuple[int, float, float], ...] = (
    (16, -0.001, 0.0),
    (8, -0.01, 0.0),
    (5, -0.02, 0.0),
    (4, -0.03, -0.005),
    (3, -0.10, -0.02),
    (1, -0.40, -0.10),
)

#: (max sparsity, low, high) per sparsity type. Sources: Blalock et al. 2020 (survey), Hoefler et al. 2021,
#: Frantar & Alistarh 2023 SparseGPT (50 % unstructured ≈ lossless on large LMs; 2:4 costs more),
#: Mishra et al. 2021 (2:4 with retraining ≈ lossless).
PRUNING_ACCURACY_RANGES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "unstructured": ((0.5, -0.01, 0.0), (0.7, -0.03, -0.005), (0.9, -0.10, -0.02), (1.0, -0.40, -0.05)),
    "structured": ((0.25, -0.02, 0.0), (0.5, -0.08, -0.01), (0.75, -0.20, -0.05), (1.0, -0.50, -0.15)),
    "n_m": ((0.5, -0.03, 0.0),),
}

_BITS_TO_PRECISION = {32: "fp32", 16: "fp16", 8: "int8", 4: "int4"}


def _quant_range(bits: float) -> tuple[float, float]:
    for min_bits, lo, hi in QUANTIZATION_ACCURACY_RANGES:
        if bits >= min_bits:
            return lo, hi
    return QUANTIZATION_ACCURACY_RANGES[-1][1:]


def _prune_range(kind: str, s: float) -> tuple[float, float]:
    if s == 0.0:
        return 0.0, 0.0
    for max_s, lo, hi in PRUNING_ACCURACY_RANGES[kind]:
        if s <= max_s:
            return lo, hi
    return PRUNING_ACCURACY_RANGES[kind][-1][1:]


class CompressionResult(Result):
    original_size: Qty("GB")
    compressed_size: Qty("GB")
    compression_ratio: float = 1.0
    memory_savings: float = 0.0
    accuracy_delta_low: float = 0.0
    accuracy_delta_high: float = 0.0
    speedup: float = 1.0
    regime_before: str = "memory-bound"
    regime_after: str = "memory-bound"
    hardware_supported: bool = True
    fits_before: bool = True
    fits_after: bool = True
    method: str = "quantization"
    baseline_precision: str = "fp16"
    target_bitwidth: float = 16.0


class CompressionModel(Resolver):
    """Wall 13 — Fidelity: size, speed and accuracy risk of quantization or pruning (seed paper §4.3).

        quantization:  r = b_base / b_target
        pruning:       r = 1 / (1 − s)
        speedup = T_base / T_compressed with T = max(OPs·B/(Peak·η), |W|/BW)   (roofline shift, Williams 2009)
            memory-bound → |W| shrinks by r → speedup r;
            compute-bound → Peak(target)/Peak(base) (quantization; 1 without native support),
                            r for structured pruning, ≤ 2 for 2:4 sparse tensor cores, 1 for unstructured
                            sparsity (dense kernels skip nothing).
        accuracy_delta_low/high: a literature RANGE (see QUANTIZATION_ACCURACY_RANGES,
            PRUNING_ACCURACY_RANGES), not a prediction.

    Still too big after compression → feasible=False, binding wall 2.
    """

    walls = (13,)
    kind = "model"
    result_type = CompressionResult
    equation = "r = b_base/b (quantization); r = 1/(1−s) (pruning)"

    def solve(self, *, model, hardware, method="quantization", target_precision=None, target_bitwidth=None,
              sparsity=0.0, sparsity_type="unstructured", baseline_precision="fp16", batch_size=1,
              efficiency=DEFAULT_EFFICIENCY) -> CompressionResult:
        check_type("model", model, Workload)
        check_type("hardware", hardware, HardwareNode)
        meth = check_choice("method", method, ("quantization", "pruning"))
        kind = check_choice("sparsity_type", sparsity_type, ("unstructured", "structured", "n_m"))
        s = check_fraction("sparsity", sparsity, allow_one=False)
        if meth == "quantization" and s != 0.0:
            raise InputError("sparsity", "applies to method='pruning'; quantization keeps every weight")
        if meth == "pruning":
            for name, value in (("target_precision", target_precision), ("target_bitwidth", target_bitwidth)):
                if value is not None:
                    raise InputError(name, "applies to method='quantization'; pruning keeps the baseline precision")
        try:
            base, b_base = resolve_precision(baseline_precision)
        except InputError as exc:
            raise InputError("baseline_precision", exc.reason) from None
        b = check_int("batch_size", batch_size)
        eta = check_efficiency(efficiency)
        w = model.si(base)
        h = hardware.si
        peak_b = hardware.peak_si(base)
        flops = w.ops * b
        w_base = w.weight_bytes
        bits_base = 8.0 * b_base
        supported = True
        trace = []
        if meth == "quantization":
            if target_precision is not None and target_bitwidth is not None:
                raise InputError("target_precision", "give target_precision or target_bitwidth, not both")
            if target_precision is not None:
                try:
                    tgt, b_t = resolve_precision(target_precision)
                except InputError as exc:
                    raise InputError("target_precision", exc.reason) from None
                bits = 8.0 * b_t
            else:
                bits = float(check_int("target_bitwidth", 8 if target_bitwidth is None else target_bitwidth,
                                       minimum=1, maximum=32))
                tgt = _BITS_TO_PRECISION.get(int(bits))
            if bits > bits_base:
                raise InputError("target_precision" if target_precision is not None else "target_bitwidth",
                                 f"{bits:g} bits is wider than the {base} baseline ({bits_base:g} bits)")
            ratio = bits_base / bits
            supported = tgt is not None and (tgt in h.precision_peaks or tgt in ("fp16", "bf16", base))
            peak_t = hardware.peak_si(tgt) if supported else peak_b
            flops_t, w_t, stored = flops, w_base / ratio, w_base / ratio
            lo, hi = _quant_range(bits)
            trace.append(f"Quantization {base} → {tgt or f'{bits:g}-bit'}: r = {bits_base:g}/{bits:g} = {ratio:.3g}")
            if not supported:
                trace.append(f"{hardware.name} has no native {bits:g}-bit math: compute runs at {base} rate")
        else:
            if kind == "n_m" and s not in (0.0, 0.5):
                raise InputError("sparsity", "n_m (2:4) sparsity must be 0.5")
            bits = bits_base
            ratio = 1.0 / (1.0 - s)
            stored = w_base / ratio
            lo, hi = _prune_range(kind, s)
            peak_t = peak_b
            if kind == "structured":
                flops_t, w_t = flops / ratio, w_base / ratio
            elif kind == "n_m":
                flops_t, w_t = flops / ratio, w_base / ratio  # sparse tensor cores: 2× math, half the values
            else:
                flops_t, w_t = flops, w_base  # dense kernels: no work skipped
                supported = s == 0.0
            trace.append(f"Pruning {kind} s = {s:g}: r = 1/(1 − s) = {ratio:.3g}")
        t_c0, t_m0 = flops / (peak_b * eta), w_base / h.mem_bw
        t_c1, t_m1 = flops_t / (peak_t * eta), w_t / h.mem_bw
        speedup = max(t_c0, t_m0) / max(t_c1, t_m1)
        regime0 = "memory-bound" if t_m0 > t_c0 else "compute-bound"
        regime1 = "memory-bound" if t_m1 > t_c1 else "compute-bound"
        trace.append(f"Roofline at batch {b}: {regime0} before, {regime1} after → speedup {speedup:.3g}×")
        fits0, fits1 = w_base <= h.mem_capacity, stored <= h.mem_capacity
        if not fits1:
            trace.append(f"Memory wall: {stored / 1e9:.3g} GB still exceeds {h.mem_capacity / 1e9:.3g} GB")
        return CompressionResult.build(
            feasible=fits1, binding_wall=13 if fits1 else 2, trace=trace,
            original_size=w_base, compressed_size=stored, compression_ratio=ratio, memory_savings=1.0 - 1.0 / ratio,
            accuracy_delta_low=lo, accuracy_delta_high=hi, speedup=speedup, regime_before=regime0,
            regime_after=regime1, hardware_supported=supported, fits_before=fits0, fits_after=fits1, method=meth,
            baseline_precision=base, target_bitwidth=bits,
        )
