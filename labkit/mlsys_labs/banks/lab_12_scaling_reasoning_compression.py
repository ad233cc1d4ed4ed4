"""Question bank of lab 12 — scaling laws, reasoning and compression (walls 11, 12, 13).

Three algorithm-level walls, each a lever on the same budget: ScalingModel (how big a model a training
budget should buy, Chinchilla), InferenceScalingModel (what K reasoning steps cost per query) and
CompressionModel (what quantization saves, speeds up, and risks).
"""

from __future__ import annotations

from functools import lru_cache

from mlsysim_core import CompressionModel, Hardware, InferenceScalingModel, Models, Q_, ScalingModel

from ..questions import LabSpec, Question

PRECISION = "fp16"
REASONER = "Llama3_8B"
CONTEXT = 2048


@lru_cache(maxsize=1024, typed=True)
def scaling(budget_flop: float, model: str | None = None):
    """Chinchilla-optimal split of ``budget_flop``; with ``model``, the split at that fixed model size."""
    target = Models.get(model).parameters if model else None
    return ScalingModel().solve(compute_budget=Q_(budget_flop, "flop"), target_model_size=target)


#: log₁₀ of the training budgets (FLOP) on the frontier chart: 10²⁰ … 10²⁶ in half decades
FRONTIER_LOG10 = tuple(20 + i / 2 for i in range(13))


def budget_of(log10_flop: float) -> float:
    """The training budget C [FLOP] of a slider in log₁₀ C: C = 10^x."""
    return 10.0 ** float(log10_flop)


def frontier(budgets: list[float]) -> list[dict]:
    """Compute-optimal parameters and tokens for each budget (rows for a log-log chart)."""
    rows = []
    for c in budgets:
        r = scaling(c)
        rows.append({"compute_flop": c, "params_b": float(r.optimal_parameters.to("Gparam").magnitude),
                     "tokens_b": float(r.optimal_tokens.to("Gtoken").magnitude)})
    return rows


@lru_cache(maxsize=1024, typed=True)
def reasoning(hardware: str, steps: int, model: str = REASONER, context: int = CONTEXT):
    return InferenceScalingModel().solve(model=Models.get(model), hardware=Hardware.get(hardware),
                                         reasoning_steps=steps, context_length=context, precision=PRECISION)


@lru_cache(maxsize=1024, typed=True)
def compression(model: str, hardware: str, bits: int, batch: int = 1):
    return CompressionModel().solve(model=Models.get(model), hardware=Hardware.get(hardware), method="quantization",
                                    target_bitwidth=bits, baseline_precision=PRECISION, batch_size=batch)


LAB = LabSpec(
    id="12_scaling_reasoning_compression",
    title="12 · Scaling laws, reasoning and compression",
    version="1",
    walls=(11, 12, 13),
    minutes=50,
    summary="Spend a training budget compute-optimally, price inference-time reasoning per query, and see what "
            "quantization buys back — three algorithm choices that move the hardware bill.",
    variant_space={
        "budget": (1e22, 3e22, 1e23, 3e23, 1e24),
        "fixed_model": ("Llama3_8B", "Llama2_13B", "Llama3_70B"),
        "hardware": ("H100", "A100", "B200", "MI300X"),
        "steps": (2, 4, 8, 16),
        "comp_model": ("Llama3_8B", "Llama2_13B", "Llama3_70B"),
        "bits": (8, 4),
        "comp_batch": (1, 64, 256),
    },
    questions=(
        Question(
            id="q_pstar",
            prompt="Chinchilla: with a training budget of C = {budget} FLOP, what model size is compute-optimal? "
                   "(in parameters, e.g. 29 Gparam or 2.9e10 param)",
            unit="Gparam", expected=lambda v: scaling(v["budget"]).optimal_parameters, rel_tol=0.02,
            explain="C = 6PD and D* = 20P ⇒ P* = √(C/120).",
        ),
        Question(
            id="q_tpp",
            prompt="If you spend the same {budget} FLOP on {fixed_model} instead, how many training tokens per "
                   "parameter is that? (compute-optimal is 20)",
            unit="", expected=lambda v: scaling(v["budget"], v["fixed_model"]).tokens_per_parameter, rel_tol=0.02,
            explain="D = C/(6P); tokens per parameter = D/P = C/(6P²).",
        ),
        Question(
            id="q_reason",
            prompt="Llama-3-8B (fp16) on one {hardware} reads a 2,048-token prompt and thinks for {steps} steps of "
                   "50 tokens at batch 1. How long does the query take? (e.g. 1.1 s)",
            unit="s", expected=lambda v: reasoning(v["hardware"], v["steps"]).total_reasoning_time, rel_tol=0.03,
            explain="T = TTFT + K·50·ITL̄ — each reasoning step is memory-bound decode.",
        ),
        Question(
            id="q_comp_size",
            prompt="Quantize {comp_model} from fp16 to {bits}-bit weights. How large are the weights now? "
                   "(e.g. 8 GB)",
            unit="GB", expected=lambda v: compression(v["comp_model"], v["hardware"], v["bits"]).compressed_size,
            rel_tol=0.02,
            explain="r = b_base / b: 16-bit → 8-bit halves the bytes, → 4-bit quarters them.",
        ),
        Question(
            id="q_speedup",
            prompt="Decoding {comp_model} at batch {comp_batch} on the {hardware}, how much faster is a step after "
                   "that {bits}-bit quantization? (the roofline speedup, a ratio, e.g. 1.6)",
            unit="", expected=lambda v: compression(v["comp_model"], v["hardware"], v["bits"], v["comp_batch"]).speedup,
            rel_tol=0.03,
            explain="Memory-bound decode speeds up by r (fewer bytes per token); compute-bound kernels only if the "
                    "hardware has native low-precision math.",
        ),
    ),
)
