"""Question bank of lab 00 — hello, roofline (walls 1 Compute and 2 Memory).

The pattern for every bank: a ``variant_space`` of zoo names and numbers, small helper functions that
call ``mlsysim_core`` (never hard-coded answers), and declarative :class:`Question` objects.
"""

from __future__ import annotations

from mlsysim_core import Hardware, Models, SingleNodeModel

from ..questions import LabSpec, Question, per_variant
from ..variants import Variant

PRECISION = "fp16"
_NODE = SingleNodeModel()


def accelerator(v: Variant):
    return Hardware.get(v["accelerator"])


def llm(v: Variant):
    return Models.get(v["model"])


@per_variant
def decode(v: Variant, batch: int):
    """One decode step (one token per sequence) of the variant's LLM on its accelerator."""
    return _NODE.solve(model=llm(v), hardware=accelerator(v), batch_size=batch, precision=PRECISION)


def cnn_bound(v: Variant) -> str:
    r = _NODE.solve(model=Models.get("MobileNetV2"), hardware=accelerator(v), batch_size=v["cnn_batch"],
                    precision=PRECISION)
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
            expected=lambda v: accelerator(v).ridge_point(PRECISION),
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
