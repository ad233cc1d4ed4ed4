"""Lab 05 — topology and collectives (walls 10, 14). Expected values from mlsysim_core only.

The helpers take plain values (zoo keys, numbers) so the lab notebook calls them with its widgets' values
and the graded questions below use the same functions. Every fleet is ``nodes`` DGX H100 servers (8 GPUs
each) on a scale-out fabric; pure data-parallel training runs a global batch of 16 sequences per node
(2 per GPU) of 2,048 tokens in bf16. Solves and sweeps are cached by their inputs.
"""

from __future__ import annotations

from functools import lru_cache

from mlsys_labs.questions import LabSpec, Question

#: scale-out fabrics the lab offers (Systems.Fabrics keys)
FABRICS = ("InfiniBand_NDR", "InfiniBand_HDR", "InfiniBand_XDR", "RoCE_400G", "Ethernet_100G")
#: topologies the lab offers (TopologyModel names)
TOPOLOGIES = ("fat_tree", "rail_optimized", "dragonfly", "torus_3d", "ring")
#: models the lab trains (Models keys): their size is the gradient message
MODELS = ("Llama3_8B", "Llama2_7B", "Llama2_13B")
#: node counts of the node slider and of the scaling sweep
NODE_COUNTS = (2, 4, 8, 16, 32, 64, 128)
NODE = "DGX_H100"
SEQS_PER_NODE = 16
SEQ_LEN = 2048
PRECISION = "bf16"


@lru_cache(maxsize=128)
def network(fabric: str, topology: str | None = None, oversub: float | None = None):
    """The zoo fabric ``fabric`` rewired as ``topology`` with ``oversub``:1 oversubscription (None keeps
    the zoo's own value)."""
    from mlsysim_core import Systems

    net = Systems.Fabrics.get(fabric)
    update = {}
    if topology is not None:
        update["topology"] = topology
    if oversub is not None:
        update["oversubscription"] = float(oversub)
    return net.model_copy(update=update) if update else net


def dgx_fleet(nodes: int, fabric: str, topology: str | None = None, oversub: float | None = None):
    """A Fleet of ``nodes`` DGX H100 servers on ``network(fabric, topology, oversub)``."""
    from mlsysim_core import Fleet, Systems

    return Fleet(name=f"{nodes}x DGX H100", node=Systems.Nodes.get(NODE), count=nodes,
                 fabric=network(fabric, topology, oversub))


@lru_cache(maxsize=512)
def wire(fabric: str, topology: str, oversub: float, nodes: int):
    """TopologyModel result (wall 10) of ``nodes`` endpoints on ``fabric`` wired as ``topology``.

    BW_eff = BW_link · β / oversubscription;  BW_bisection = BW_eff · N / 2.
    """
    from mlsysim_core import TopologyModel

    return TopologyModel().solve(fabric=network(fabric, topology, oversub), topology=topology, num_nodes=nodes)


@lru_cache(maxsize=1024)
def train(model: str, nodes: int, fabric: str, topology: str | None = None, oversub: float | None = None,
          overlap: bool = False, zero: int = 0):
    """DistributedModel result (wall 14): pure data-parallel training of ``model`` on ``dgx_fleet(...)``,
    global batch SEQS_PER_NODE × nodes sequences of SEQ_LEN tokens, bf16, ZeRO stage ``zero``.

    Ring all-reduce T_dp ≈ 2(N−1)/N · M/BW + 2(N−1)·α (hierarchical: NVLink inside a node, the fabric
    across); with ``overlap`` about 85 % of it hides behind backward compute; efficiency = T_compute / T_step.
    """
    from mlsysim_core import DistributedModel, Models

    return DistributedModel().solve(model=Models.get(model), fleet=dgx_fleet(nodes, fabric, topology, oversub),
                                    batch_size=SEQS_PER_NODE * nodes, precision=PRECISION, tp_size=1, pp_size=1,
                                    overlap_comm=bool(overlap), seq_len=SEQ_LEN, zero_stage=int(zero))


def allreduce_ratio(nodes_from: int = 16, nodes_to: int = 32, model: str = "Llama3_8B",
                    fabric: str = "InfiniBand_NDR") -> float:
    """T_all-reduce(nodes_to) / T_all-reduce(nodes_from): the same gradients on twice the nodes (zoo fabric as is)."""
    return float(train(model, nodes_to, fabric).dp_communication_latency
                 / train(model, nodes_from, fabric).dp_communication_latency)


@lru_cache(maxsize=256)
def every_topology(fabric: str, oversub: float, nodes: int) -> tuple:
    """Chart rows: effective bandwidth per endpoint (GB/s) of ``fabric`` wired as each of TOPOLOGIES."""
    from mlsys_labs.charts import magnitude

    return tuple({"topology": t, "GB/s": magnitude(wire(fabric, t, oversub, nodes).effective_bw, "GB/s")}
                 for t in TOPOLOGIES)


def efficiency_percent(result) -> float:
    """Scaling efficiency T_compute / T_step of a DistributedModel result, in %."""
    from mlsysim_core import Q_
    from mlsys_labs.charts import magnitude

    return magnitude(Q_(result.scaling_efficiency, ""), "%")


@lru_cache(maxsize=256)
def scaling_sweep(model: str, fabric: str, topology: str, oversub: float) -> tuple:
    """Chart rows: scaling efficiency (%) against GPUs (8 × NODE_COUNTS), the all-reduce exposed and
    overlapped, without ZeRO sharding (the node slider and the ZeRO choice only move the marker)."""
    return tuple({"GPUs": 8 * n, "efficiency": efficiency_percent(train(model, n, fabric, topology, oversub, ov)),
                  "all-reduce": "overlapped" if ov else "exposed"}
                 for n in NODE_COUNTS for ov in (False, True))


# -- per-variant expected values ----------------------------------------------------------------
def fabric(v):
    """The variant's network (zoo fabric, topology and oversubscription)."""
    return network(v["fabric"], v["topology"], v["oversub"])


def fleet(v):
    """The variant's fleet of DGX H100 nodes."""
    return dgx_fleet(v["nodes"], v["fabric"], v["topology"], v["oversub"])


def _topo(v):
    return wire(v["fabric"], v["topology"], v["oversub"], v["nodes"])


def _dp(v):
    return train(v["model"], v["nodes"], v["fabric"], v["topology"], v["oversub"])


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
