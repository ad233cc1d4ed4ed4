"""Lab 02 — LLM serving and the KV cache (walls 4, 5). Expected values from mlsysim_core only."""

from __future__ import annotations

from mlsys_labs.questions import LabSpec, Question


def serve(v, tp_size: int = 1):
    """The lab's serving computation: ``v["model"]`` on a tensor-parallel group of ``tp_size`` × ``v["hardware"]``
    (one NVLink node; tp_size = 1 is one device). Fields to show: ttft, itl, decode_floor (bytes / datasheet
    bandwidth), tp_communication_time, kv_cache_per_device, feasible / trace."""
    from mlsysim_core import Hardware, Models, ServingModel

    return ServingModel().solve(model=Models.get(v["model"]), hardware=Hardware.get(v["hardware"]),
                                seq_len=v["seq_len"], batch_size=v["batch"], precision="fp16", tp_size=tp_size)


def _serve(v):
    return serve(v)


def _batching(v):
    from mlsysim_core import ContinuousBatchingModel, Hardware, Models

    return ContinuousBatchingModel().solve(model=Models.get(v["model"]), hardware=Hardware.get(v["hardware"]),
                                           max_seq_len=v["seq_len"], max_batch_size=4096, precision="fp16")


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
