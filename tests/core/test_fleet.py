"""Fleet domain: collectives + training physics, DistributedModel (14), TrainingMemoryModel (2),
ReliabilityModel (15), OrchestrationModel (16).

Fixtures from datasheets (zoo-independent): DGX H100 = 8 × H100 (989 TFLOP/s dense bf16, 80 GiB, 3.35 TB/s),
NVLink 4 900 GB/s bidirectional total → 450 GB/s per direction, α = 500 ns; InfiniBand NDR 400 Gb/s = 50 GB/s
per GPU per direction, α = 5 µs; 8 NICs and 2 PSUs per node (upstream reliability convention).
"""

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mlsysim_core import Q_
from mlsysim_core.physics import collectives as coll
from mlsysim_core.physics import reliability as rel
from mlsysim_core.physics import training as tr
from mlsysim_core.physics.constants import FRONTIER_TRAINING_EFFICIENCY
from mlsysim_core.resolvers.fleet import (
    DistributedModel,
    OrchestrationModel,
    ReliabilityModel,
    TrainingMemoryModel,
)
from mlsysim_core.types import (
    ComputeCore,
    Fleet,
    HardwareNode,
    IOInterconnect,
    MemoryHierarchy,
    NetworkFabric,
    Node,
    SparseTransformerWorkload,
    TransformerWorkload,
)
from mlsysim_core.validation import InputError

H100 = HardwareNode(
    name="H100", compute=ComputeCore(peak_flops="989 TFLOP/s", precision_flops={"fp8": "1979 TFLOP/s"}),
    memory=MemoryHierarchy(capacity="80 GiB", bandwidth="3.35 TB/s"),
    interconnect=IOInterconnect(name="PCIe5", bandwidth="64 GB/s"), tdp="700 W",
)
DGX = Node(name="DGX H100", accelerator=H100, accelerators_per_node=8, intra_node_bw="900 GB/s")
SOLO = Node(name="1×H100", accelerator=H100, accelerators_per_node=1, intra_node_bw="900 GB/s")
NDR = NetworkFabric(name="IB NDR", bandwidth="400 Gbps", latency="5 us")
CAP = 80 * 2**30  # 85.899 GB


def fleet(nodes, node=DGX, fabric=NDR, **kw):
    return Fleet(name=f"{nodes}×{node.name}", node=node, count=nodes, fabric=fabric, **kw)


L8 = TransformerWorkload(name="Llama-3-8B", parameters=8.03e9, layers=32, hidden_dim=4096, heads=32, kv_heads=8)
L70 = TransformerWorkload(name="Llama-3-70B", parameters=70.6e9, layers=80, hidden_dim=8192, heads=64, kv_heads=8)
L405 = TransformerWorkload(name="Llama-3-405B", parameters=405e9, layers=126, hidden_dim=16384, heads=128,
                           kv_heads=8)
MOE = SparseTransformerWorkload(name="Mixtral-8x7B", parameters=46.7e9, active_parameters=12.9e9, experts=8,
                                active_experts_per_token=2, layers=32, hidden_dim=4096, heads=32, kv_heads=8)


def s(q):
    return q.to("s").magnitude


# ================================================================================================ collectives
def test_ring_allreduce_hand():
    # 140 GB of gradients over 8 GPUs at 450 GB/s per direction, α = 500 ns:
    # 2·7/8 · 140e9/450e9 = 0.54444 s  +  2·7·500 ns = 7 µs  → 0.544451 s
    t = coll.ring_allreduce(140e9, 8, 450e9, 500e-9)
    assert t == pytest.approx(2 * 7 / 8 * 140e9 / 450e9 + 14 * 500e-9)
    assert t == pytest.approx(0.544451, rel=1e-5)
    assert coll.ring_allreduce(140e9, 1, 450e9, 500e-9) == 0.0


def test_tree_reduce_scatter_all_to_all():
    # tree, n = 8: k = 3 → 2·3·1e9/100e9 + 2·3·1 µs = 0.060006 s
    assert coll.tree_allreduce(1e9, 8, 100e9, 1e-6) == pytest.approx(0.060006)
    # n = 5 rounds k up to 3 as well
    assert coll.tree_allreduce(1e9, 5, 100e9, 0.0) == pytest.approx(0.06)
    # reduce-scatter / all-gather: (n−1)/n · m/β + (n−1)α = 3/4 · 1e9/100e9 + 3 µs = 7.503 ms
    assert coll.reduce_scatter(1e9, 4, 100e9, 1e-6) == pytest.approx(7.503e-3)
    assert coll.all_gather(1e9, 4, 100e9, 1e-6) == pytest.approx(7.503e-3)
    # all-to-all has the same α–β form
    assert coll.all_to_all(1e9, 4, 100e9, 1e-6) == pytest.approx(7.503e-3)
    assert coll.all_to_all(1e9, 1, 100e9, 1e-6) == 0.0


def test_hierarchical_allreduce_hand():
    # 1 GB, 4 nodes × 8 GPUs, NVLink 450 GB/s / 500 ns, IB 50 GB/s / 5 µs:
    # RS  = 7/8 · 1e9/450e9 + 7·500 ns = 1.94444 ms + 3.5 µs = 1.947944 ms
    # ring of 1e9/8 = 125 MB across 4 nodes = 2·3/4 · 125e6/50e9 + 6·5 µs = 3.75 ms + 30 µs = 3.78 ms
    # AG  = RS → total = 2·1.947944 + 3.78 = 7.675889 ms
    t = coll.hierarchical_allreduce(1e9, 4, 8, 450e9, 50e9, 500e-9, 5e-6)
    assert t == pytest.approx(7.675889e-3, rel=1e-6)
    # degenerate cases reduce to flat rings
    assert coll.hierarchical_allreduce(1e9, 4, 1, 450e9, 50e9, 500e-9, 5e-6) == pytest.approx(
        coll.ring_allreduce(1e9, 4, 50e9, 5e-6))
    assert coll.hierarchical_allreduce(1e9, 1, 8, 450e9, 50e9, 500e-9, 5e-6) == pytest.approx(
        coll.ring_allreduce(1e9, 8, 450e9, 500e-9))


def test_pipeline_bubble_hand():
    assert coll.pipeline_bubble_fraction(4, 8) == pytest.approx(3 / 11)  # (p−1)/(m+p−1)
    assert coll.pipeline_bubble_fraction(4, 8, 2) == pytest.approx(3 / 19)  # (p−1)/(v·m+p−1)
    assert coll.pipeline_bubble_fraction(1, 8) == 0.0


@given(st.floats(1.0, 1e12), st.integers(1, 4096), st.floats(1e8, 1e13), st.floats(1e8, 1e13),
       st.floats(0.0, 1e-4))
def test_more_bandwidth_never_slower(m, n, bw1, bw2, alpha):
    lo, hi = sorted((bw1, bw2))
    assert coll.ring_allreduce(m, n, hi, alpha) <= coll.ring_allreduce(m, n, lo, alpha)
    assert coll.tree_allreduce(m, n, hi, alpha) <= coll.tree_allreduce(m, n, lo, alpha)
    assert coll.all_to_all(m, n, hi, alpha) <= coll.all_to_all(m, n, lo, alpha)
    g, nodes = 8, max(1, n // 8)
    assert (coll.hierarchical_allreduce(m, nodes, g, 450e9, hi, 5e-7, alpha)
            <= coll.hierarchical_allreduce(m, nodes, g, 450e9, lo, 5e-7, alpha))
    assert (coll.hierarchical_allreduce(m, nodes, g, hi, 50e9, 5e-7, alpha)
            <= coll.hierarchical_allreduce(m, nodes, g, lo, 50e9, 5e-7, alpha))


@given(st.integers(1, 256), st.integers(1, 4096), st.integers(1, 16))
@example(1, 1, 1)  # no pipeline: no bubble
def test_bubble_bounded_and_decreasing(p, m, v):
    b = coll.pipeline_bubble_fraction(p, m, v)
    assert 0.0 <= b < 1.0
    assert coll.pipeline_bubble_fraction(p, m + 1, v) <= b
    if p > 1:
        assert coll.pipeline_bubble_fraction(p, m + 1, v) < b


# ================================================================================================ training physics
def test_training_flops_hand():
    # 6·P·D = 6 · 7e9 · 1e12 = 4.2e22; full recompute adds a forward pass: × 4/3 = 5.6e22
    assert tr.training_flops(7e9, 1e12) == pytest.approx(4.2e22)
    assert tr.training_flops(7e9, 1e12, full_recompute=True) == pytest.approx(5.6e22)
    # attention term 12·L·h·s per token: 12·32·4096·2048 = 3.2212e9 → per token 4.2e10 + 3.2212e9
    c = tr.training_flops(7e9, 1.0, layers=32, seq_len=2048, hidden=4096, include_attention=True)
    assert c == pytest.approx(4.2e10 + 12 * 32 * 4096 * 2048)
    # partial rematerialisation: r of the forward (2 of 6 FLOP/param/token) recomputed → × (1 + r/3);
    # PaLM's HFU/MFU = 57.8/46.2 = 1.2511 ⇔ r = 0.7532
    assert tr.training_flops(7e9, 1e12, recompute_fraction=0.75) == pytest.approx(4.2e22 * 1.25)
    assert tr.training_flops(7e9, 1e12, recompute_fraction=1.0) == pytest.approx(5.6e22)
    assert tr.training_flops(7e9, 1e12, recompute_fraction=0.0) == pytest.approx(4.2e22)


def test_activation_bytes_korthikanti():
    sbh = 2048 * 1 * 4096
    # selective 34·s·b·h = 285,212,672 B; full 2·sbh = 16,777,216 B; none adds 5·a·s²·b = 671,088,640 B
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 2, "selective") == 34 * sbh == 285_212_672
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 2, "full") == 16_777_216
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 2, "none") == 285_212_672 + 671_088_640
    # fp32 doubles (bytes/2 scaling), tensor/sequence parallelism divides by t
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 4, "selective") == 2 * 34 * sbh
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 2, "selective", tp=8) == 34 * sbh / 8
    # partial, r = 0.75: ((1 − 0.75)·34 + 0.75·2)·sbh = 10·sbh; r = 0 → selective, r = 1 → full
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 2, "partial", recompute_fraction=0.75) == 10 * sbh
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 2, "partial", recompute_fraction=0.0) == 34 * sbh
    assert tr.activation_bytes_per_layer(2048, 1, 4096, 32, 2, "partial", recompute_fraction=1.0) == 2 * sbh


def test_zero_sharding_hand():
    kw = dict(params=7e9, bytes_per_param=2, layers=32, hidden=4096, heads=32, seq_len=2048, microbatch=1, dp=8)
    z0 = tr.training_memory_per_rank(**kw)
    # weights 14 GB, grads 14 GB, Adam 12 B × 7e9 = 84 GB
    assert (z0.weights, z0.gradients, z0.optimizer_state) == pytest.approx((14e9, 14e9, 84e9))
    z1 = tr.training_memory_per_rank(**kw, zero_stage=1)
    assert z1.optimizer_state == pytest.approx(84e9 / 8) and z1.gradients == pytest.approx(14e9)
    z2 = tr.training_memory_per_rank(**kw, zero_stage=2)
    assert z2.gradients == pytest.approx(14e9 / 8) and z2.weights == pytest.approx(14e9)
    z3 = tr.training_memory_per_rank(**kw, zero_stage=3)
    assert z3.weights == pytest.approx(14e9 / 8)
    assert z0.total > z1.total > z2.total > z3.total
    # LoRA r = 16 on 4 projections: 4·32·2·16·4096 / 7e9 = 16,777,216/7e9 = 0.0023968
    assert tr.lora_trainable_fraction(16, 4096, 32, 7e9) == pytest.approx(16_777_216 / 7e9)


# ================================================================================================ DistributedModel
def test_single_gpu_compute_and_memory_wall():
    r = DistributedModel().solve(model=L8, fleet=fleet(1, SOLO), batch_size=8, seq_len=2048)
    # FLOPs = 6 · 8.03e9 · 8 · 2048 = 7.8938e14; / (989e12 · 0.5) = 1.59632 s
    # + 3 · 32 layers · 1 micro-step · 0.01 ms = 0.96 ms framework tax + 0.01 ms dispatch
    flops = 6 * 8.03e9 * 8 * 2048
    assert s(r.compute_latency) == pytest.approx(flops / (989e12 * 0.5) + 3 * 32 * 1e-5 + 1e-5)
    assert s(r.dp_communication_latency) == s(r.tp_communication_latency) == 0.0
    assert r.bubble_fraction == 0.0 and r.scaling_efficiency == pytest.approx(1.0)
    # MFU = η · T_pure / T_step, just below 0.5
    assert r.mfu == pytest.approx(0.5 * (flops / (989e12 * 0.5)) / s(r.step_latency_total))
    # weights 16.06 + grads 16.06 + Adam 96.36 GB alone exceed 85.9 GB → infeasible, still priced
    assert not r.feasible and r.binding_wall == 2
    assert r.memory_per_accelerator.to("GB").magnitude > 128
    assert s(r.step_latency_total) > 1.5


def test_dp_hierarchical_allreduce_two_nodes():
    r = DistributedModel().solve(model=L8, fleet=fleet(2), batch_size=16, seq_len=2048, zero_stage=3)
    # dp = 16 = 2 nodes × 8; gradients 8.03e9 × 2 B = 16.06 GB
    # RS = 7/8·16.06e9/450e9 + 7·500 ns = 31.227778 ms + 3.5 µs; inter ring of 16.06e9/8 = 2.0075 GB over
    # 2 nodes = 2·1/2·2.0075e9/50e9 + 2·5 µs = 40.16 ms; AG = RS → 102.6226 ms; ZeRO-3 × 1.5 = 153.934 ms
    rs = 7 / 8 * 16.06e9 / 450e9 + 7 * 500e-9
    inter = 2.0075e9 / 50e9 + 2 * 5e-6
    assert s(r.dp_communication_latency) == pytest.approx(1.5 * (2 * rs + inter))
    r0 = DistributedModel().solve(model=L8, fleet=fleet(2), batch_size=16, seq_len=2048, zero_stage=0)
    assert s(r0.dp_communication_latency) == pytest.approx(2 * rs + inter)
    assert r.parallelism["dp"] == 16
    # overlap hides 85 %: step shrinks by 0.85 · T_dp
    ro = DistributedModel().solve(model=L8, fleet=fleet(2), batch_size=16, seq_len=2048, overlap_comm=True)
    assert s(r0.step_latency_total) - s(ro.step_latency_total) == pytest.approx(0.85 * (2 * rs + inter))


def test_tp_all_reduces_intra_node():
    r = DistributedModel().solve(model=L8, fleet=fleet(1), batch_size=8, seq_len=2048, tp_size=8)
    # dp = 1, one micro-batch of 8 sequences: message = 8·2048·4096·2 B = 134,217,728 B
    # ring over 8 at 450 GB/s: 2·7/8·1.342e8/450e9 + 14·500 ns = 0.521958 + 0.007 = 0.528958 ms
    # × 4 all-reduces × 32 layers = 67.7066 ms
    msg = 8 * 2048 * 4096 * 2
    one = 2 * 7 / 8 * msg / 450e9 + 14 * 500e-9
    assert s(r.tp_communication_latency) == pytest.approx(128 * one)
    assert s(r.tp_communication_latency) == pytest.approx(0.0677066, rel=1e-5)
    assert s(r.dp_communication_latency) == 0.0


def test_pipeline_bubble_and_microbatches():
    f = fleet(1)
    d = DistributedModel().solve(model=L8, fleet=f, batch_size=16, pp_size=4)  # dp 2, local 8 → m = 8
    assert d.bubble_fraction == pytest.approx(3 / 11) and d.microbatch_count == 8
    # idle time = (T_compute + T_tp)·(p−1)/(v·m) so that idle/(busy + idle) = bubble fraction
    busy = s(d.compute_latency) + s(d.tp_communication_latency)
    assert s(d.pipeline_bubble_latency) == pytest.approx(busy * 3 / 8)
    assert s(d.pipeline_bubble_latency) / (busy + s(d.pipeline_bubble_latency)) == pytest.approx(3 / 11)
    m2 = DistributedModel().solve(model=L8, fleet=f, batch_size=16, pp_size=4, microbatch_count=2)
    assert m2.bubble_fraction == pytest.approx(3 / 5)
    v2 = DistributedModel().solve(model=L8, fleet=f, batch_size=16, pp_size=4, v_stages=2)
    assert v2.bubble_fraction == pytest.approx(3 / 19)
    assert s(v2.step_latency_total) < s(d.step_latency_total) < s(m2.step_latency_total)
    assert s(d.pp_communication_latency) > 0


def test_mfu_definition_and_recompute():
    r = DistributedModel().solve(model=L70, fleet=fleet(4), batch_size=64, seq_len=4096, tp_size=8, pp_size=2,
                                 precision="bf16", overlap_comm=True)
    useful = 6 * 70.6e9 * 64 * 4096
    assert r.mfu == pytest.approx(useful / (32 * 989e12 * s(r.step_latency_total)))
    assert r.tokens_per_second.to("token/s").magnitude == pytest.approx(64 * 4096 / s(r.step_latency_total))
    assert r.scaling_efficiency == pytest.approx(s(r.compute_latency) / s(r.step_latency_total))
    rr = DistributedModel().solve(model=L70, fleet=fleet(4), batch_size=64, seq_len=4096, tp_size=8, pp_size=2,
                                  precision="bf16", overlap_comm=True, activation_recomputation=True)
    # full recomputation: hardware FLOPs = 4/3 × model FLOPs, and far less activation memory
    assert rr.hfu / rr.mfu == pytest.approx(4 / 3)
    assert rr.memory_per_accelerator < r.memory_per_accelerator
    assert s(rr.step_latency_total) > s(r.step_latency_total)
    # recompute_fraction=1 is the same run as activation_recomputation=True
    r1 = DistributedModel().solve(model=L70, fleet=fleet(4), batch_size=64, seq_len=4096, tp_size=8, pp_size=2,
                                  precision="bf16", overlap_comm=True, recompute_fraction=1.0)
    assert r1.model_dump() == rr.model_dump()
    # partial remat r = 0.75: hardware FLOPs × 1.25, memory and step time between selective and full
    rp = DistributedModel().solve(model=L70, fleet=fleet(4), batch_size=64, seq_len=4096, tp_size=8, pp_size=2,
                                  precision="bf16", overlap_comm=True, recompute_fraction=0.75)
    assert rp.hfu / rp.mfu == pytest.approx(1.25)
    assert rr.memory_per_accelerator < rp.memory_per_accelerator < r.memory_per_accelerator
    assert s(r.step_latency_total) < s(rp.step_latency_total) < s(rr.step_latency_total)
    # activations: 40 layers/stage × 2 in flight × ((0.25·34 + 0.75·2) = 10)·4096·1·8192/8 B = 3.3554 GB
    full_act = 40 * 2 * 2 * 4096 * 8192 / 8
    assert (rp.memory_per_accelerator - rr.memory_per_accelerator).to("B").magnitude == pytest.approx(4 * full_act)
    # fp8 doubles the peak: compute time roughly halves
    r8 = DistributedModel().solve(model=L70, fleet=fleet(4), batch_size=64, seq_len=4096, tp_size=8, pp_size=2,
                                  precision="fp8", overlap_comm=True)
    assert s(r8.compute_latency) < 0.55 * s(r.compute_latency)


def test_uneven_batch_uses_slowest_replica():
    r = DistributedModel().solve(model=L8, fleet=fleet(1, SOLO, ), batch_size=1)
    assert r.parallelism["dp"] == 1
    r = DistributedModel().solve(model=L8, fleet=fleet(1), batch_size=10, tp_size=2)  # dp 4, local ⌈10/4⌉ = 3
    assert r.hfu / r.mfu == pytest.approx(12 / 10)


def test_expert_parallel_all_to_all():
    r = DistributedModel().solve(model=MOE, fleet=fleet(2), batch_size=16, seq_len=2048, ep_size=8)
    # dp = 16/8 = 2, local 8 = one micro-batch; per MoE layer 4 all-to-alls of 8·2048·4096·2 B × top-2 = 268 MB
    # within a node: 7/8 · 268,435,456/450e9 + 7·500 ns = 0.525458 ms; × 4 × 32 layers = 67.2586 ms
    msg = 8 * 2048 * 4096 * 2 * 2
    assert s(r.ep_communication_latency) == pytest.approx(128 * (7 / 8 * msg / 450e9 + 7 * 500e-9))
    # compute uses the ACTIVE parameters
    assert r.mfu == pytest.approx(6 * 12.9e9 * 16 * 2048 / (16 * 989e12 * s(r.step_latency_total)))


def test_gradient_accumulation_cuts_activation_memory():
    a = DistributedModel().solve(model=L8, fleet=fleet(1), batch_size=32, tp_size=8)
    b = DistributedModel().solve(model=L8, fleet=fleet(1), batch_size=32, tp_size=8, gradient_accumulation_steps=4)
    assert b.microbatch_count == 4 and b.microbatch_size == 8
    assert b.memory_per_accelerator < a.memory_per_accelerator
    assert s(b.dp_communication_latency) == s(a.dp_communication_latency)


@pytest.mark.parametrize("kw,field", [
    ({"tp_size": 3}, "tp_size"),
    ({"pp_size": 3}, "pp_size"),
    ({"tp_size": 0}, "tp_size"),
    ({"ep_size": 2}, "ep_size"),  # dense model
    ({"batch_size": 8}, "batch_size"),  # dp = 16 > 8 sequences
    ({"batch_size": -1}, "batch_size"),
    ({"seq_len": 0}, "seq_len"),
    ({"efficiency": 0.0}, "efficiency"),
    ({"efficiency": float("nan")}, "efficiency"),
    ({"zero_stage": 4}, "zero_stage"),
    ({"precision": "fp12"}, "precision"),
    ({"v_stages": 0}, "v_stages"),
    ({"pp_size": 2, "v_stages": 32}, "v_stages"),
    ({"pp_size": 2, "microbatch_count": 100}, "microbatch_count"),
    ({"fleet": "16 GPUs"}, "fleet"),
    ({"recompute_fraction": 1.5}, "recompute_fraction"),
    ({"recompute_fraction": -0.1}, "recompute_fraction"),
    ({"recompute_fraction": float("nan")}, "recompute_fraction"),
    ({"recompute_fraction": 0.5, "activation_recomputation": True}, "recompute_fraction"),
])
def test_distributed_invalid(kw, field):
    base = dict(model=L8, fleet=fleet(2), batch_size=64)
    base.update(kw)
    with pytest.raises(InputError) as e:
        DistributedModel().solve(**base)
    assert e.value.field == field


def test_distributed_ep_exceeds_experts():
    with pytest.raises(InputError) as e:
        DistributedModel().solve(model=MOE, fleet=fleet(2), batch_size=64, ep_size=16)
    assert e.value.field == "ep_size"


@settings(max_examples=40, deadline=None)
@given(st.floats(10, 3200), st.floats(10, 3200))
def test_more_fabric_bandwidth_never_slower(g1, g2):
    lo, hi = sorted((g1, g2))
    steps = []
    for gbps in (lo, hi):
        f = fleet(4, fabric=NetworkFabric(name="net", bandwidth=Q_(gbps, "Gbps"), latency="5 us"))
        r = DistributedModel().solve(model=L8, fleet=f, batch_size=64, tp_size=2, pp_size=2)
        steps.append((s(r.dp_communication_latency), s(r.step_latency_total)))
    assert steps[1][0] <= steps[0][0] and steps[1][1] <= steps[0][1]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 31))
def test_more_microbatches_smaller_bubble(m):
    f = fleet(1)
    a = DistributedModel().solve(model=L8, fleet=f, batch_size=64, pp_size=8, microbatch_count=m)
    b = DistributedModel().solve(model=L8, fleet=f, batch_size=64, pp_size=8, microbatch_count=m + 1)
    assert 0.0 <= b.bubble_fraction < a.bubble_fraction < 1.0


def test_llama3_405b_anchor_mfu():
    """Llama 3 405B pre-training (Llama 3 paper, Dubey et al. 2024, Table 4): 16,384 H100, TP 8 · PP 16 · DP 128,
    sequence 8192, 16M tokens per step (2048 sequences), BF16 MFU 38–43 % (41 % for this row, 400 TFLOP/s per GPU).

    η = FRONTIER_TRAINING_EFFICIENCY = 0.60 (physics/constants.py, shared with tests/core/test_paper_anchors.py,
    which holds the canonical anchor on the zoo cluster): the fraction of dense BF16 peak reached *inside* the
    compute kernels (large H100 BF16 GEMMs run at ~600–750 TFLOP/s = 60–75 % of 989; FlashAttention-3 reports
    ≈ 75 % forward, less backward). v_stages = 4 (interleaved 1F1B; with 1-sequence micro-batches, m = 16 and v = 1 would
    leave a 48 % bubble that Meta's schedule clearly avoided; 126 layers allow v ≤ 7 on 16 stages).
    ZeRO-2 approximates Meta's FSDP (optimizer + gradients sharded over DP, weights not re-sharded).
    Fabric: IB NDR 400 Gb/s per GPU (Meta used 400 Gb/s RoCE). Result: step ≈ 5.97 s = compute 4.20 s +
    TP 0.54 s + PP sends 0.09 s + exposed DP 0.04 s + bubble 1.11 s → MFU 0.421 (Meta: 0.41).
    Sensitivity: η 0.5 → 0.359; v 2 → 0.358; v 1 → 0.273 (η 0.6).
    """
    f = fleet(2048)
    assert f.total_accelerators == 16384
    r = DistributedModel().solve(model=L405, fleet=f, batch_size=2048, seq_len=8192, precision="bf16",
                                 tp_size=8, pp_size=16, v_stages=4, zero_stage=2, overlap_comm=True,
                                 efficiency=FRONTIER_TRAINING_EFFICIENCY)
    assert r.parallelism["dp"] == 128
    assert 2048 * 8192 == 16_777_216  # "16M tokens per step"
    assert r.feasible, r.trace  # ≈ 79.8 GB per GPU ≤ 85.9 GB
    assert abs(r.mfu / 0.41 - 1.0) <= 0.10, r.mfu
    assert 0.38 * 0.9 <= r.mfu <= 0.43 * 1.1
    assert 5.0 < s(r.step_latency_total) < 7.0
    # the same run without ZeRO-2 gradient sharding does not fit (grads 6.3 GB more per GPU)
    r1 = DistributedModel().solve(model=L405, fleet=f, batch_size=2048, seq_len=8192, precision="bf16",
                                  tp_size=8, pp_size=16, v_stages=4, zero_stage=1, overlap_comm=True,
                                  efficiency=FRONTIER_TRAINING_EFFICIENCY)
    assert not r1.feasible and r1.binding_wall == 2 and r1.mfu == pytest.approx(r.mfu)


# ================================================================================================ TrainingMemoryModel
def test_training_memory_hand():
    r = TrainingMemoryModel().solve(model=L8, hardware=H100, batch_size=1, seq_len=2048)
    # weights 16.06 GB, grads 16.06 GB, Adam 12 × 8.03e9 = 96.36 GB, buffers 0.05 × 16.06 = 0.803 GB,
    # activations (selective) 32 layers × 34·2048·1·4096 = 9.1268 GB → 138.41 GB > 85.9 GB
    act = 32 * 34 * 2048 * 4096
    total = 16.06e9 * 2 + 96.36e9 + 0.803e9 + act
    assert r.activations.to("B").magnitude == pytest.approx(act)
    assert r.total_memory.to("B").magnitude == pytest.approx(total)
    assert not r.feasible and r.binding_wall == 2
    z3 = TrainingMemoryModel().solve(model=L8, hardware=H100, batch_size=8, dp_size=8, zero_stage=3)
    # ZeRO-3 over 8: (16.06 + 16.06 + 96.36)/8 + 0.05·2.0075 + 9.1268 = 16.06 + 0.100375 + 9.1268 = 25.287 GB
    assert z3.total_memory.to("B").magnitude == pytest.approx(128.48e9 / 8 + 0.05 * 16.06e9 / 8 + act)
    assert z3.feasible and z3.memory_utilization == pytest.approx(z3.total_memory.to("B").magnitude / CAP)


def test_training_memory_lora_and_strategies():
    lo = TrainingMemoryModel().solve(model=L8, hardware=H100, lora_rank=16)
    # f = 4·32·2·16·4096 / 8.03e9 = 0.0020893: weights stay 16.06 GB, Adam only on the adapters
    f = 16_777_216 / 8.03e9
    assert lo.trainable_fraction == pytest.approx(f)
    assert lo.optimizer_state.to("B").magnitude == pytest.approx(12 * 8.03e9 * f)
    assert lo.feasible
    full = TrainingMemoryModel().solve(model=L8, hardware=H100, activation_checkpointing="full")
    none = TrainingMemoryModel().solve(model=L8, hardware=H100, activation_checkpointing="none")
    sel = TrainingMemoryModel().solve(model=L8, hardware=H100)
    assert full.activations < sel.activations < none.activations
    sgd = TrainingMemoryModel().solve(model=L8, hardware=H100, optimizer="sgd")
    assert sgd.optimizer_state.to("B").magnitude == pytest.approx(4 * 8.03e9)
    pp = TrainingMemoryModel().solve(model=L8, hardware=H100, batch_size=8, pp_size=4)
    # 8 layers per stage × min(m = 8, pp = 4) micro-batches in flight = 32 layer-activations, + stage buffers
    assert pp.activations.to("B").magnitude == pytest.approx(8 * 4 * 34 * 2048 * 4096)


@pytest.mark.parametrize("kw,field", [
    ({"optimizer": "lion"}, "optimizer"),
    ({"activation_checkpointing": "some"}, "activation_checkpointing"),
    ({"trainable_fraction": 0.0}, "trainable_fraction"),
    ({"lora_rank": 0}, "lora_rank"),
    ({"pp_size": 64}, "pp_size"),
    ({"dp_size": 4, "batch_size": 2}, "batch_size"),
    ({"hardware": DGX}, "hardware"),
])
def test_training_memory_invalid(kw, field):
    base = dict(model=L8, hardware=H100)
    base.update(kw)
    with pytest.raises(InputError) as e:
        TrainingMemoryModel().solve(**base)
    assert e.value.field == field


# ================================================================================================ Reliability
def test_reliability_default_rates_hand():
    # Llama 3-calibrated rates, node with 8 GPU, 8 NIC, 2 PSU:
    # 8/79,230 + 8·(1/3.0334e6 + 1/606,676) + 2/5.3084e6 + 1/61,726 + 1/42,130 per hour
    per_h = 8 / (16384 * 1296 / 268) + 8 * (7 / (16384 * 1296) + 35 / (16384 * 1296)) + 2 * 3 / (12288 * 1296) \
        + 43 / (2048 * 1296) + 63 / (2048 * 1296)
    r = ReliabilityModel().solve(fleet=fleet(128), job_duration_hours=24)
    assert r.node_mtbf.to("hour").magnitude == pytest.approx(1 / per_h, rel=1e-9)
    assert 6000 < 1 / per_h < 6500


def test_moe_training_memory_does_not_shard_dense_parameters_over_ep():
    # DeepSeek-V3 at pp 16, ep 64: only the 256 routed experts are split over ep (P_E = 256·(671−37)/(256−8) B)
    from mlsysim_core.zoo import Hardware, Models

    m = Models.Language.DeepSeek_V3
    p_e = 256 * (671e9 - 37e9) / 248
    want = (671e9 - p_e) / 16 + p_e / (16 * 64)
    r = TrainingMemoryModel().solve(model=m, hardware=Hardware.Cloud.H100, pp_size=16, ep_size=64, dp_size=1,
                                    precision="bf16", seq_len=4096)
    assert r.weights.to("B").magnitude == pytest.approx(2 * want, rel=1e-9)
    # ≈ 1.67 B parameters per rank (the 1.71 B within 3 %), not 671 B/1024 = 0.66 B
    assert want == pytest.approx(1.71e9, rel=0.03) and want > 2.5 * 671e9 / 1024


def test_reliability_hand():
    r = ReliabilityModel().solve(fleet=fleet(128), job_duration_hours=24, failure_rates="paper")
    # seed-paper rates — node: 1/(8/50k + 8/150k + 2/100k) = 1/2.3333e-4 = 4285.71 h; fleet of 128 nodes: 33.4821 h
    assert r.node_mtbf.to("hour").magnitude == pytest.approx(4285.714, rel=1e-6)
    m = 4285.714286 / 128
    assert r.fleet_mtbf.to("hour").magnitude == pytest.approx(m, rel=1e-6)
    # P(fail in 24 h) = 1 − e^(−24/33.48) = 0.5117; E[failures] = 0.7168
    assert r.failure_probability == pytest.approx(1 - math.exp(-24 / m))
    assert r.failure_probability == pytest.approx(0.5117, abs=1e-4)
    assert r.expected_failures == pytest.approx(24 / m)
    # τ* = √(2 · 60 s · 120,535.7 s) = 3803.2 s
    tau = math.sqrt(2 * 60 * m * 3600)
    assert r.optimal_checkpoint_interval.to("s").magnitude == pytest.approx(tau)
    assert tau == pytest.approx(3803.2, abs=0.1)
    # goodput = 1 − 60/3803.2 − (1901.6 + 300)/120,535.7 = 1 − 0.01578 − 0.01827 = 0.96596
    assert r.goodput_ratio == pytest.approx(1 - 60 / tau - (tau / 2 + 300) / (m * 3600))
    assert r.goodput_ratio == pytest.approx(0.96596, abs=1e-4)
    assert r.feasible and r.binding_wall is None


def test_reliability_overrides_and_infeasible():
    r = ReliabilityModel().solve(fleet=fleet(10, mtbf_hours=1000.0), job_duration_hours=Q_(2, "day"),
                                 checkpoint_time_s=Q_(2, "min"), checkpoint_interval_s=3600)
    assert r.fleet_mtbf.to("hour").magnitude == pytest.approx(100.0)
    assert r.expected_failures == pytest.approx(48 / 100)
    assert r.checkpoint_interval.to("s").magnitude == 3600
    assert r.goodput_ratio == pytest.approx(1 - 120 / 3600 - (1800 + 300) / 360000)
    # 12,500 nodes: MTBF 0.343 h = 1234 s; an hour-long checkpoint can never pay off
    bad = ReliabilityModel().solve(fleet=fleet(12500), job_duration_hours=720, checkpoint_time_s=3600)
    assert bad.goodput_ratio == 0.0 and not bad.feasible and bad.binding_wall == 15


@pytest.mark.parametrize("kw,field", [
    ({"job_duration_hours": -1}, "job_duration_hours"),
    ({"job_duration_hours": float("nan")}, "job_duration_hours"),
    ({"job_duration_hours": "5 GB"}, "job_duration_hours"),
    ({"checkpoint_time_s": 0}, "checkpoint_time_s"),
    ({"recovery_time_s": -5}, "recovery_time_s"),
    ({"checkpoint_interval_s": float("inf")}, "checkpoint_interval_s"),
    ({"fleet": DGX}, "fleet"),
])
def test_reliability_invalid(kw, field):
    base = dict(fleet=fleet(8), job_duration_hours=24)
    base.update(kw)
    with pytest.raises(InputError) as e:
        ReliabilityModel().solve(**base)
    assert e.value.field == field


@given(st.integers(1, 100_000), st.integers(1, 100_000))
def test_more_nodes_never_raise_mtbf(a, b):
    lo, hi = sorted((a, b))
    r1 = ReliabilityModel().solve(fleet=fleet(lo), job_duration_hours=100)
    r2 = ReliabilityModel().solve(fleet=fleet(hi), job_duration_hours=100)
    assert r2.fleet_mtbf <= r1.fleet_mtbf
    assert r2.failure_probability >= r1.failure_probability
    assert r2.goodput_ratio <= r1.goodput_ratio + 1e-12
    assert rel.series_mtbf({"gpu": (hi, 5e4)}) <= rel.series_mtbf({"gpu": (lo, 5e4)})


# ================================================================================================ Orchestration
def test_orchestration_hand():
    r = OrchestrationModel().solve(fleet=fleet(16), arrival_rate_jobs_per_day=0.5, avg_job_duration_days=1.5)
    # ρ = 0.5 × 1.5 = 0.75; W_q = ρ/(2μ(1−ρ)) = 0.75/(2 · (1/1.5) · 0.25) = 2.25 days; L_q = 0.5625/0.5 = 1.125
    assert r.utilization == pytest.approx(0.75) and r.cluster_utilization == pytest.approx(0.75)
    assert r.avg_wait_time.to("day").magnitude == pytest.approx(2.25)
    assert r.avg_queue_length == pytest.approx(1.125)
    assert r.avg_turnaround_time.to("day").magnitude == pytest.approx(3.75)
    assert r.is_stable and r.feasible
    q = OrchestrationModel().solve(fleet=fleet(16), arrival_rate_jobs_per_day=Q_(0.5, "1/day"),
                                   avg_job_duration_days=Q_(36, "hour"))
    assert q.avg_wait_time.to("day").magnitude == pytest.approx(2.25)


def test_orchestration_unstable_is_a_result():
    r = OrchestrationModel().solve(fleet=fleet(16), arrival_rate_jobs_per_day=1, avg_job_duration_days=1.0)
    assert r.utilization == 1.0 and not r.is_stable and not r.feasible and r.binding_wall == 16
    assert math.isinf(r.avg_wait_time.magnitude) and math.isinf(r.avg_queue_length)
    idle = OrchestrationModel().solve(fleet=fleet(16), arrival_rate_jobs_per_day=0, avg_job_duration_days=2)
    assert idle.utilization == 0 and idle.avg_wait_time.magnitude == 0


@pytest.mark.parametrize("kw,field", [
    ({"arrival_rate_jobs_per_day": -1}, "arrival_rate_jobs_per_day"),
    ({"arrival_rate_jobs_per_day": "2 GB"}, "arrival_rate_jobs_per_day"),
    ({"avg_job_duration_days": 0}, "avg_job_duration_days"),
    ({"avg_job_duration_days": float("inf")}, "avg_job_duration_days"),
])
def test_orchestration_invalid(kw, field):
    base = dict(fleet=fleet(16), arrival_rate_jobs_per_day=1, avg_job_duration_days=0.5)
    base.update(kw)
    with pytest.raises(InputError) as e:
        OrchestrationModel().solve(**base)
    assert e.value.field == field


@given(st.floats(0.0, 0.99), st.floats(0.0, 0.99))
def test_wait_grows_with_load(a, b):
    lo, hi = sorted((a, b))
    w = [OrchestrationModel().solve(fleet=fleet(1), arrival_rate_jobs_per_day=x, avg_job_duration_days=1.0)
         .avg_wait_time.magnitude for x in (lo, hi)]
    assert w[0] <= w[1]
