"""Lab 01 — the memory wall and quantization (walls 2, 13). Expected values from mlsysim_core only.

The helpers take plain arguments (zoo keys as strings, numbers): the lab notebook calls them with its
widgets' values, and the questions below call the same functions, so each number has one source.
"""

from __future__ import annotations

from functools import lru_cache

from mlsys_labs.questions import LabSpec, Question

#: the accelerators, models, target precisions and batch sizes the lab's controls offer (zoo keys)
HARDWARE = ("H100", "A100", "MI300X", "L4", "RTX4090", "JetsonOrinNX")
MODELS = ("Llama3_8B", "Llama3_70B", "Llama2_70B", "Mixtral_8x7B")
TARGETS = ("fp8", "int8", "int4")
SWEEP_BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
FOOTPRINT_PRECISIONS = ("fp16", "fp8", "int8", "int4")


@lru_cache(maxsize=256)
def compress(model: str, hardware: str, target: str, batch: int = 1):
    """CompressionModel result: quantize ``model``'s fp16 weights to ``target`` and decode at ``batch`` on one
    ``hardware``.

    Compression ratio r = b_base / b_target, |W_q| = |W| / r; speedup = T_step(fp16) / T_step(target)
    (≈ r while memory-bound, the ratio of the two peaks once compute-bound, 1 without native support).
    """
    from mlsysim_core import CompressionModel, Hardware, Models

    return CompressionModel().solve(model=Models.get(model), hardware=Hardware.get(hardware),
                                    method="quantization", target_precision=target, batch_size=batch)


def _compress(v):
    return compress(v["model"], v["hardware"], v["target"], 1)


LAB = LabSpec(
    id="01_memory_quantization",
    title="01 · The memory wall and quantization",
    version="1",
    walls=(2, 13),
    minutes=40,
    summary="Weights must fit and must stream: shrink the bits and watch footprint, speed and risk move.",
    variant_space={
        "model": ("Llama3_8B", "Llama3_70B", "Llama2_70B"),
        "hardware": ("A100", "H100", "L4", "MI300X"),
        "target": ("int8", "int4", "fp8"),
    },
    questions=(
        Question(
            id="q_weights_fp16",
            prompt="How much memory do the weights of {model} take at fp16 (the baseline)?",
            unit="GB", expected=lambda v: _compress(v).original_size, rel_tol=0.02,
            hint="bytes = parameters × bytes per parameter",
            explain="|W| = P × 2 bytes at fp16.",
        ),
        Question(
            id="q_weights_target",
            prompt="…and after quantizing {model} to {target}?",
            unit="GB", expected=lambda v: _compress(v).compressed_size, rel_tol=0.02,
            explain="Quantization divides the footprint by r = b_base / b_target.",
        ),
        Question(
            id="q_speedup",
            prompt="Decoding one token at batch 1 on the {hardware}, what speedup does {target} give over fp16? "
                   "(a plain number, e.g. 1.5)",
            unit="", expected=lambda v: _compress(v).speedup, rel_tol=0.03,
            hint="Is batch-1 decoding memory-bound or compute-bound?",
            explain="Memory-bound steps speed up by the compression ratio: the weights stream r× faster.",
        ),
        Question(
            id="q_fits",
            prompt="Does {model} quantized to {target} fit in the memory of one {hardware}?",
            kind="choice", choices=("fits", "does not fit"),
            expected=lambda v: "fits" if _compress(v).fits_after else "does not fit",
        ),
    ),
)


# ------------------------------------------------------------------------------------------------
# The notebook's computations (lab side): sweeps are cached by their inputs, so moving the batch slider
# only moves the marker instead of re-solving the whole sweep.
# ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def step(model: str, hardware: str, batch: int, precision: str):
    """SingleNodeModel result: one decode step of ``batch`` sequences of ``model`` at ``precision`` on one
    ``hardware``: T = max(OPs·B/(Peak·η), (|W| + B·A)/(BW·η_mem)) + overhead; infeasible if |W| > capacity."""
    from mlsysim_core import Hardware, Models, SingleNodeModel

    return SingleNodeModel().solve(model=Models.get(model), hardware=Hardware.get(hardware), batch_size=batch,
                                   precision=precision)


def steps(model: str, hardware: str, batch: int, target: str) -> tuple:
    """The fp16 step and the ``target`` step at the same ``batch`` (the two latency cards)."""
    return step(model, hardware, batch, "fp16"), step(model, hardware, batch, target)


@lru_cache(maxsize=64)
def footprints(model: str, hardware: str) -> tuple:
    """(rows of weight footprint per precision in GB, the device's memory capacity): one solve each."""
    from mlsys_labs.charts import magnitude

    solves = [step(model, hardware, 1, p) for p in FOOTPRINT_PRECISIONS]
    rows = tuple({"what": f"weights @ {p}", "GB": magnitude(r.memory_footprint, "GB")}
                 for p, r in zip(FOOTPRINT_PRECISIONS, solves))
    return rows, solves[0].memory_capacity


@lru_cache(maxsize=64)
def latency_sweep(model: str, hardware: str, target: str) -> tuple:
    """Step latency (ms) over SWEEP_BATCHES for fp16 and ``target``: rows for ``charts.sweep``."""
    from mlsys_labs.charts import magnitude

    return tuple({"batch": b, "latency_ms": magnitude(step(model, hardware, b, p).latency, "ms"), "precision": p}
                 for b in SWEEP_BATCHES for p in ("fp16", target))
