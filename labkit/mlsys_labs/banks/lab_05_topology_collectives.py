"""Lab 05 — topology and collectives (walls 10, 14). Expected values from mlsysim_core only."""

from __future__ import annotations

from mlsys_labs.questions import LabSpec, Question


def fabric(v):
    from mlsysim_core import Systems

    return Systems.Fabrics.get(v["fabric"]).model_copy(update={"topology": v["topology"],
                                                               "oversubscription": float(v["oversub"])})


def fleet(v):
    from mlsysim_core import Fleet, Systems

    return Fleet(name=f"{v['nodes']}x DGX H100", node=Systems.Nodes.get("DGX_H100"), count=v["nodes"],
                 fabric=fabric(v))


def _topo(v):
    from mlsysim_core import TopologyModel

    return TopologyModel().solve(fabric=fabric(v), num_nodes=v["nodes"])


def _dp(v):
    from mlsysim_core import DistributedModel, Models

    n = v["nodes"] * 8
    return DistributedModel().solve(model=Models.get(v["model"]), fleet=fleet(v), batch_size=2 * n,
                                    precision="bf16", tp_size=1, pp_size=1, overlap_comm=False, seq_len=2048)


LAB = LabSpec(
    id="05_topology_collectives",
    title="05 · Topology and collectives",
    version="1",
    walls=(10, 14),
    minutes=40,
    summary="How much link bandwidth survives the topology, and what a gradient all-reduce costs across it.",
    variant_space={
        "fabric": ("InfiniBand_HDR", "InfiniBand_NDR", "RoCE_400G"),
        "topology": ("fat_tree", "dragonfly", "torus_3d"),
        "oversub": (1.0, 2.0, 3.0),
        "nodes": (16, 32, 64),
        "model": ("Llama3_8B", "Llama2_7B"),
    },
    questions=(
        Question(
            id="q_eff_bw",
            prompt="A {fabric} network wired as a {topology} with {oversub}:1 oversubscription connects {nodes} "
                   "nodes. What bandwidth per endpoint survives the topology?",
            unit="GB/s", expected=lambda v: _topo(v).effective_bw, rel_tol=0.02,
            explain="BW_eff = BW_link · β / oversubscription.",
        ),
        Question(
            id="q_bisection",
            prompt="What is the bisection bandwidth of that network?",
            unit="TB/s", expected=lambda v: _topo(v).bisection_bw, rel_tol=0.02,
        ),
        Question(
            id="q_allreduce",
            prompt="Pure data-parallel training of {model} (bf16 gradients) on those {nodes} DGX H100 nodes: how "
                   "long is the gradient all-reduce of one step (no overlap)?",
            unit="ms", expected=lambda v: _dp(v).dp_communication_latency, rel_tol=0.05,
            hint="Ring: 2(N−1)/N · M/β + 2(N−1)α; inside a node NVLink, across nodes the fabric.",
        ),
        Question(
            id="q_scaling",
            prompt="…and the scaling efficiency T_compute / T_step of that step? (a fraction)",
            unit="", expected=lambda v: _dp(v).scaling_efficiency, rel_tol=0.03,
        ),
    ),
)
