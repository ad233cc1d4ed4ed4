"""Lab 02 — LLM serving and the KV cache (walls 4, 5). Expected values from mlsysim_core only.

The helpers take plain arguments (zoo keys as strings, numbers): the lab notebook calls them with its
widgets' values, and the questions below call the same functions, so each number has one source. The
memory sweep is cached by its inputs, so moving the batch slider only moves the chart's marker.
"""

from __future__ import annotations

from functools import lru_cache

from mlsys_labs.questions import LabSpec, Question

PRECISION = "fp16"
#: the accelerators, models and slider stops the lab's controls offer (zoo keys, tokens, requests, GPUs)
HARDWARE = ("H100", "A100", "H200", "B200", "MI300X", "L4")
MODELS = ("Llama3_8B", "Llama2_13B", "Llama3_70B", "Mixtral_8x7B")
SEQ_LENS = (512, 1024, 2048, 4096, 8192, 16384, 32768)
BATCHES = (1, 2, 4, 8, 16, 32, 64, 128)
TP_SIZES = (1, 2, 4, 8)
#: the largest batch the continuous-batching scheduler may admit (high enough that memory binds first)
MAX_BATCH = 4096


@lru_cache(maxsize=256)
def serving(model: str, hardware: str, seq_len: int, batch: int = 1, tp_size: int = 1):
    """ServingModel result: ``batch`` requests of ``seq_len`` tokens of ``model`` (fp16) on a tensor-parallel
    group of ``tp_size`` × ``hardware`` inside one NVLink node (tp_size = 1 is one device).

    TTFT = prefill FLOPs (2·P per token + attention ∝ S²) / (Peak·η) — compute-bound;
    ITL = (|W| + KV) / (BW_mem·η_mem) + L·t_layer (+ TP all-reduces) — memory-bound;
    KV = 2 · layers · kv_heads · head_dim · bytes · seq_len · batch.
    """
    from mlsysim_core import Hardware, Models, ServingModel

    return ServingModel().solve(model=Models.get(model), hardware=Hardware.get(hardware), seq_len=seq_len,
                                batch_size=batch, precision=PRECISION, tp_size=tp_size)


@lru_cache(maxsize=128)
def batching(model: str, hardware: str, max_seq_len: int, tp_size: int = 1):
    """ContinuousBatchingModel result: how many requests of up to ``max_seq_len`` tokens fit in the KV budget
    (weights subtracted from memory), with paged (16-token pages) vs static (reserve ``max_seq_len``)
    allocation."""
    from mlsysim_core import ContinuousBatchingModel, Hardware, Models

    return ContinuousBatchingModel().solve(model=Models.get(model), hardware=Hardware.get(hardware),
                                           max_seq_len=max_seq_len, max_batch_size=MAX_BATCH, precision=PRECISION,
                                           tp_size=tp_size)


def ttft_ratio(model: str = "Llama3_8B", hardware: str = "H100", short: int = 4096, long: int = 8192,
               batch: int = 1, tp_size: int = 1) -> tuple:
    """(TTFT at ``short`` tokens, TTFT at ``long`` tokens, their ratio) for the same requests."""
    t_short = serving(model, hardware, short, batch, tp_size).ttft
    t_long = serving(model, hardware, long, batch, tp_size).ttft
    return t_short, t_long, float((t_long / t_short).to("").magnitude)


@lru_cache(maxsize=64)
def memory_sweep(model: str, hardware: str, seq_len: int, tp_size: int = 1) -> tuple:
    """Weights + KV cache per GPU (GB) at every batch in ``BATCHES``: rows for ``charts.sweep``."""
    return tuple({"batch": b, "GB": serving(model, hardware, seq_len, b, tp_size).to_row()["total_memory_required"]}
                 for b in BATCHES)


def serve(v, tp_size: int = 1):
    """The lab's serving computation: ``v["model"]`` on a tensor-parallel group of ``tp_size`` × ``v["hardware"]``
    (one NVLink node; tp_size = 1 is one device). Fields to show: ttft, itl, decode_floor (bytes / datasheet
    bandwidth), tp_communication_time, kv_cache_per_device, feasible / trace."""
    return serving(v["model"], v["hardware"], v["seq_len"], v["batch"], tp_size)


def _serve(v):
    return serve(v)


def _batching(v):
    return batching(v["model"], v["hardware"], v["seq_len"])


LAB = LabSpec(
    id="02_llm_serving",
    title="02 · LLM serving and the KV cache",
    version="1",
    walls=(4, 5),
    minutes=45,
    summary="Prefill is compute, decode is memory, and the KV cache decides how many users you can serve.",
    variant_space={
        "model": ("Llama3_8B",),
        "hardware": ("H100", "A100", "H200", "MI300X"),
        "seq_len": (2048, 4096, 8192),
        "batch": (8, 16, 32),
    },
    questions=(
        Question(
            id="q_kv",
            prompt="Serving {model} (fp16) on one {hardware} with {batch} requests of {seq_len} tokens each: "
                   "how large is the KV cache?",
            unit="GB", expected=lambda v: _serve(v).kv_cache_size, rel_tol=0.02,
            hint="KV = 2 · layers · kv_heads · head_dim · bytes · tokens · batch",
        ),
        Question(
            id="q_ttft",
            prompt="Same setting: what is the time to first token (prefill of the whole batch)?",
            unit="ms", expected=lambda v: _serve(v).ttft, rel_tol=0.03,
        ),
        Question(
            id="q_itl",
            prompt="Same setting: what is the inter-token latency (one decode step for the batch)?",
            unit="ms", expected=lambda v: _serve(v).itl, rel_tol=0.03,
            explain="ITL = (|W| + KV) / (BW_mem · η_mem) + L · t_layer: decode re-reads weights and the whole KV "
                    "cache at the achieved bandwidth (η_mem ≈ 0.7 for HBM); (|W| + KV) / BW_mem is the floor.",
        ),
        Question(
            id="q_paged",
            prompt="With paged KV allocation (16-token pages) and requests of up to {seq_len} tokens, how many "
                   "requests fit at once on the {hardware}? (a count)",
            unit="", expected=lambda v: _batching(v).max_active_requests, rel_tol=0.02,
        ),
        Question(
            id="q_static",
            prompt="…and with static allocation (every request reserves {seq_len} tokens)?",
            unit="", expected=lambda v: _batching(v).static_max_active_requests, rel_tol=0.02,
        ),
    ),
)
