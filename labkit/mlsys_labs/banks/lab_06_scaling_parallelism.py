"""Lab 06 — scaling to 1000 GPUs and the parallelism optimizer (wall 14). Values from mlsysim_core only."""

from __future__ import annotations

from mlsys_labs.questions import LabSpec, Question


def _fleet(v):
    from mlsysim_core import Systems

    return Systems.Clusters.get(v["cluster"])


def _dist(v):
    from mlsysim_core import DistributedModel, Models

    return DistributedModel().solve(model=Models.get(v["model"]), fleet=_fleet(v), batch_size=v["batch"],
                                    precision="bf16", tp_size=v["tp"], pp_size=v["pp"], overlap_comm=True,
                                    seq_len=4096)


def _opt(v):
    from mlsysim_core import Models, ParallelismOptimizer

    return ParallelismOptimizer().solve(model=Models.get(v["model"]), fleet=_fleet(v), batch_size=v["batch"],
                                        precision="bf16", seq_len=4096)


LAB = LabSpec(
    id="06_scaling_parallelism",
    title="06 · Scaling to 1000 GPUs: 3D parallelism",
    version="1",
    walls=(14,),
    minutes=45,
    summary="Split a 70B model across a thousand GPUs with tensor, pipeline and data parallelism; price every "
            "byte of communication and every bubble, then let the optimizer search.",
    variant_space={
        "model": ("Llama3_70B", "Llama2_70B"),
        "cluster": ("Training_1K", "Research_256"),
        "batch": (512, 1024, 2048),
        "tp": (4, 8),
        "pp": (2, 4, 8),
    },
    questions=(
        Question(
            id="q_bubble",
            prompt="Training {model} on {cluster} with TP = {tp}, PP = {pp} (data parallel over the rest) and a "
                   "global batch of {batch} sequences of 4096 tokens: what is the pipeline bubble fraction? "
                   "(a fraction)",
            unit="", expected=lambda v: _dist(v).bubble_fraction, rel_tol=0.02,
            explain="bubble = (p − 1)/(v·m + p − 1) with m micro-batches per step.",
        ),
        Question(
            id="q_step",
            prompt="Same configuration, communication overlapped: what is the time of one training step?",
            unit="s", expected=lambda v: _dist(v).step_latency_total, rel_tol=0.03,
        ),
        Question(
            id="q_dp",
            prompt="How long is its data-parallel gradient all-reduce (before overlap)?",
            unit="ms", expected=lambda v: _dist(v).dp_communication_latency, rel_tol=0.05,
        ),
        Question(
            id="q_best_mfu",
            prompt="Let the parallelism optimizer search every (TP, PP, DP) for {model} on {cluster} at batch "
                   "{batch}: what MFU does the best configuration reach? (a fraction)",
            unit="", expected=lambda v: _opt(v).best_mfu, rel_tol=0.03,
        ),
    ),
)
