"""Question bank of lab 00 — hello, roofline (walls 1 Compute and 2 Memory).

The pattern for every bank: a ``variant_space`` of zoo names and numbers, small helper functions that
call ``mlsysim_core`` (never hard-coded answers), and declarative :class:`Question` objects. The helpers
take plain arguments (zoo keys as strings, numbers), so the lab notebook calls the same functions with its
widgets' values and each number has one source; sweeps are cached by their inputs, so moving the batch
slider only moves the chart's marker.
"""

from __future__ import annotations

from functools import lru_cache

from mlsysim_core import Hardware, Models, SingleNodeModel

from ..questions import LabSpec, Question
from ..variants import Variant

PRECISION = "fp16"
#: the accelerators, models, precisions and batch sizes the lab's controls offer (zoo keys)
HARDWARE = ("H100", "A100", "B200", "MI300X", "TPUv5p", "JetsonOrinNX")
MODELS = ("Llama3_8B", "Llama2_7B", "Llama3_70B", "GPT2_Small", "ResNet50")
PRECISIONS = ("fp32", "fp16", "fp8", "int8", "int4")
BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
_NODE = SingleNodeModel()


@lru_cache(maxsize=256)
def step(model: str, hardware: str, batch: int, precision: str = PRECISION):
    """SingleNodeModel result: one forward step of ``batch`` samples of ``model`` on one ``hardware``.

    T = max(OPs·B/(Peak·η), (|W| + B·A)/(BW·η_mem)) + t_dispatch + L·t_layer; throughput = B/T;
    MFU = (OPs·B/T)/Peak; feasible ⇔ |W| ≤ memory capacity.
    """
    return _NODE.solve(model=Models.get(model), hardware=Hardware.get(hardware), batch_size=batch,
                       precision=precision)


def roof(hardware: str, precision: str = PRECISION) -> tuple:
    """The two ceilings of ``hardware``'s roofline: (peak FLOP/s at ``precision``, memory bandwidth)."""
    hw = Hardware.get(hardware)
    return hw.peak(precision), hw.memory.bandwidth


def ridge_point(hardware: str, precision: str = PRECISION):
    """Ridge intensity I* = Peak / BW_mem (flop/byte): below it a kernel is memory-bound."""
    return Hardware.get(hardware).ridge_point(precision)


def weights(model: str, precision: str = PRECISION):
    """Weight footprint |W| = parameters × bytes per parameter at ``precision``."""
    return Models.get(model).size_in_bytes(precision)


def operating_point(model: str, hardware: str, batch: int, precision: str = PRECISION) -> dict:
    """The roofline point of ``step(...)``: x = arithmetic intensity, y = achieved FLOP/s = Peak·MFU."""
    r = step(model, hardware, batch, precision)
    return {"label": f"{model} · B={r.batch_size}", "intensity": r.arithmetic_intensity,
            "perf": roof(hardware, precision)[0] * r.mfu}


@lru_cache(maxsize=64)
def batch_sweep(model: str, hardware: str, precision: str = PRECISION) -> tuple:
    """Throughput (samples/s, B/T) and the binding wall at every batch in ``BATCHES``: rows for ``charts.sweep``."""
    rows = []
    for b in BATCHES:
        r = step(model, hardware, b, precision).to_row()
        rows.append({"batch": b, "throughput": r["throughput"], "bound": r["bottleneck"]})
    return tuple(rows)


# -- per-variant expected values ----------------------------------------------------------------
def decode(v: Variant, batch: int):
    """One decode step (one token per sequence) of the variant's LLM on its accelerator."""
    return step(v["model"], v["accelerator"], batch, PRECISION)


def cnn_bound(v: Variant) -> str:
    r = step("MobileNetV2", v["accelerator"], v["cnn_batch"], PRECISION)
    return "compute-bound" if r.bottleneck == "Compute" else "memory-bound"


LAB = LabSpec(
    id="00_hello_roofline",
    title="00 · Hello, roofline: compute wall vs memory wall",
    version="1",
    walls=(1, 2),
    minutes=30,
    summary="Find an accelerator's ridge point, time one LLM decode step, and see when batching moves a "
            "workload from the memory wall to the compute wall.",
    variant_space={
        "accelerator": ("H100", "A100", "MI300X", "B200"),
        "model": ("Llama3_8B", "Llama2_7B"),
        "batch": (4, 8, 16, 32, 64),
        "cnn_batch": (1, 16, 64),
    },
    questions=(
        Question(
            id="q_ridge",
            prompt="What is the ridge point of the {accelerator} at fp16 (peak FLOP/s ÷ memory bandwidth)? "
                   "Answer in flop/byte.",
            unit="flop/byte",
            expected=lambda v: ridge_point(v["accelerator"], PRECISION),
            rel_tol=0.02,
            explain="I* = Peak / BW_mem (Williams et al., 2009). Below I* a kernel is memory-bound.",
        ),
        Question(
            id="q_decode_latency",
            prompt="How long does one batch-1 decode step of {model} take on the {accelerator} (fp16)? Answer in ms.",
            unit="ms",
            expected=lambda v: decode(v, 1).latency,
            rel_tol=0.05,
            explain="T = max(OPs/(Peak·η), (|W| + B·A)/BW) + t_dispatch + L·0.01 ms with A = 8·d·L·b activation bytes "
                    "per token; at batch 1 the weight read dominates.",
        ),
        Question(
            id="q_decode_throughput",
            prompt="At batch {batch}, how many tokens per second does {model} decode on the {accelerator} (fp16)? "
                   "Answer in tokens/s.",
            unit="tokens/s",
            expected=lambda v: decode(v, v["batch"]).throughput.to("1/s").magnitude,
            rel_tol=0.05,
            explain="Throughput = B / T: the weights are read once per step for the whole batch.",
        ),
        Question(
            id="q_bound",
            prompt="MobileNetV2 inference at batch {cnn_batch} on the {accelerator} (fp16): memory-bound or "
                   "compute-bound?",
            kind="choice",
            choices=("memory-bound", "compute-bound"),
            expected=cnn_bound,
            explain="Memory-bound when T_memory = |W|·(1 + 0.1·B)/BW exceeds T_compute = OPs·B/(Peak·η), i.e. "
                    "when the arithmetic intensity is below η·I* (η = 0.5).",
        ),
    ),
)
