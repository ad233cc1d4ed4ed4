"""Question bank of lab 10 — GPU vs wafer-scale (wall 6 Streaming).

A wafer-scale engine (Cerebras CS-3 in the zoo) keeps activations and the KV cache in on-wafer SRAM and
streams the weights in layer by layer (WeightStreamingModel). A GPU keeps the weights in HBM and re-reads
them for every decode step (ServingModel). Both are priced by ``mlsysim_core``; helpers take plain values
so the lab notebook can call them with its widgets.
"""

from __future__ import annotations

import math
from functools import lru_cache

from mlsysim_core import Hardware, Models, Q_, ServingModel, WeightStreamingModel

from ..questions import LabSpec, Question
from ..variants import Variant

PRECISION = "fp16"
WAFER = "CerebrasCS3"


@lru_cache(maxsize=1024, typed=True)
def stream(model: str, batch: int, seq_len: int, inject_gbs: float | None = None, phase: str = "decode",
           precision: str = PRECISION):
    """WeightStreamingModel on the CS-3; ``inject_gbs`` overrides the weight-injection bandwidth (GB/s)."""
    bw = Q_(inject_gbs, "GB/s") if inject_gbs else None
    return WeightStreamingModel().solve(model=Models.get(model), hardware=Hardware.get(WAFER), seq_len=seq_len,
                                        batch_size=batch, precision=precision, phase=phase, injection_bandwidth=bw)


@lru_cache(maxsize=1024, typed=True)
def max_wafer_batch(model: str, seq_len: int, precision: str = PRECISION) -> int:
    """Largest batch whose on-wafer KV cache (+10 %) fits: the on-chip need grows linearly with B."""
    one = stream(model, 1, seq_len, precision=precision)
    per_seq = float(one.on_chip_memory_required.to("B").magnitude)
    cap = float(one.on_chip_capacity.to("B").magnitude)
    return max(0, math.floor(cap / per_seq + 1e-9))


@lru_cache(maxsize=1024, typed=True)
def gpu_decode(model: str, gpu: str, batch: int, seq_len: int, precision: str = PRECISION):
    """ServingModel on one GPU: decode tokens/s = B / ITL (0 if it does not fit)."""
    r = ServingModel().solve(model=Models.get(model), hardware=Hardware.get(gpu), seq_len=seq_len, batch_size=batch,
                             precision=precision)
    tps = batch / float(r.itl.to("s").magnitude) if r.feasible else 0.0
    return r, tps


def _s(v: Variant, **kw):
    return stream(v["model"], v["batch"], v["seq_len"], v["inject_gbs"], **kw)


LAB = LabSpec(
    id="10_wafer_scale",
    title="10 · GPU vs wafer-scale: streaming the weights",
    version="1",
    walls=(6,),
    minutes=40,
    summary="A wafer has ~100× a GPU's FLOP/s but must stream every weight in through one pipe; find the batch "
            "B* at which compute finally hides the injection, and whether the KV cache lets you get there.",
    variant_space={
        "model": ("Llama3_8B", "Llama2_13B", "Llama3_70B"),
        "inject_gbs": (150, 300, 600, 1200),
        "batch": (1, 4, 8),
        "seq_len": (2048, 4096),
        "gpu": ("B200", "MI300X"),
    },
    questions=(
        Question(
            id="q_inject",
            prompt="The CS-3 streams {model} (fp16) one layer at a time at {inject_gbs} GB/s. How long does one "
                   "layer's weights take to arrive? (e.g. 3.3 ms)",
            unit="ms", expected=lambda v: _s(v).layer_injection_time, rel_tol=0.02,
            explain="t_inject = |W_l| / BW_inject with |W_l| = |W| / L.",
        ),
        Question(
            id="q_bstar",
            prompt="At that injection bandwidth, above which decode batch B* does the wafer's compute (125 PFLOP/s "
                   "at η = 0.5) finally take longer than the injection? (a count)",
            unit="", expected=lambda v: _s(v).optimal_batch_size_exact, rel_tol=0.02,
            explain="B* = t_inject·Peak·η / (2P/L) = bytes_per_param·Peak·η / (2·BW_inject): the model size cancels.",
        ),
        Question(
            id="q_tps",
            prompt="Decoding at batch {batch} with {seq_len}-token contexts, how many tokens per second does the "
                   "CS-3 produce? (e.g. 75 token/s)",
            unit="token/s", expected=lambda v: _s(v).throughput_tokens_per_sec, rel_tol=0.02,
            explain="tokens/s = B / (L·max(t_compute, t_inject)): below B* the pipe sets the pace.",
        ),
        Question(
            id="q_max_batch",
            prompt="The KV cache (+10 % overhead) must fit in the 44 GB of on-wafer SRAM. What is the largest batch "
                   "of {seq_len}-token {model} sequences that fits? (a count)",
            unit="", expected=lambda v: max_wafer_batch(v["model"], v["seq_len"]), rel_tol=0.02, abs_tol="1",
            explain="B_max = ⌊SRAM / (1.1·KV per sequence)⌋ — far below B*, so decode stays interconnect-bound.",
        ),
        Question(
            id="q_gpu_tps",
            prompt="For comparison, one {gpu} holds {model} in HBM and decodes the same batch of {batch} "
                   "({seq_len}-token contexts). How many tokens per second? (e.g. 400 token/s)",
            unit="token/s", expected=lambda v: gpu_decode(v["model"], v["gpu"], v["batch"], v["seq_len"])[1],
            rel_tol=0.03,
            explain="GPU decode: ITL = (|W| + KV)/BW_HBM; tokens/s = B/ITL. HBM bandwidth is ~10–50× the wafer's "
                    "injection pipe.",
        ),
    ),
)
