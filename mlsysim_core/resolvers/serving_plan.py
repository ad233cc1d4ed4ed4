"""One serving deployment, resolved once: how a model is laid out over a tensor-parallel group and what one
prefill or decode step costs on it. Shared by every serving-family resolver (ServingModel,
ContinuousBatchingModel, InferenceScalingModel, BatchingOptimizer, SynthesisSolver, serving Scenario) so the
physics lives in one place.

Per device of a TP group of t devices (ep of them holding whole experts, MoE only):

    weights read per step  = (P_dense + D(B)·P_expert)·b / t          (dense model: |W|/t; D(B) = E(1−(1−k/E)^B))
    KV read per step       = k_kv · tokens / min(t, H_kv)              (k_kv at ``kv_precision``; MLA: replicated)
    T_mem                  = bytes / (BW · η_mem)                      (η_mem: achieved fraction of datasheet BW)
    decode floor           = bytes / BW                                (the datasheet bound, always ≤ T_mem)
    T_cmp                  = (2·P_active·B + 4·L·d·S·B) / (t · Peak · η)
    T_comm (decode)        = 2·L · ring_allreduce(B·d·b_act, t, BW_link, α_link + α_sync)   (Megatron)
                             MoE with ep > 1: L·ring(attention) + 2·L·all_to_all(k·B·d·b_act, ep) (+ L·ring over t/ep)
    ITL                    = max(T_mem, T_cmp) + L·t_layer + T_comm
    prefill of n tokens    = max(OPs/(t·Peak·η), |W|/(t·BW·η_mem)) + 2·L·ring(n·B·d·b_act, t) + t_dispatch

The link is the ``node``'s intra-node link when given, else the zoo node built around this accelerator, else the
accelerator's NVLink-class scale-up link (or PCIe) with an 8-device domain. A TP group larger than the node, or a
model whose attention heads the group does not divide, is infeasible (the plan lists why).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from ..physics import collectives as coll
from ..physics import serving as sv
from ..physics.constants import (
    DEFAULT_DEVICES_PER_NODE,
    FALLBACK_OFFLOAD_BW,
    FRAMEWORK_LAYER_TAX_S,
    NVLINK_LATENCY_S,
    PCIE_LATENCY_S,
    TP_ALL_REDUCES_PER_DECODER_LAYER,
    TP_STEP_SYNC_OVERHEAD_S,
)
from ..types.hardware import HardwareNode
from ..types.systems import Node
from ..types.workloads import SparseTransformerWorkload, TransformerWorkload
from ..units import resolve_precision
from ..validation import InputError, check_int, check_number, check_type

__all__ = ["ServingPlan", "DecodeStep", "plan_serving", "decode_step", "prefill_time", "default_kv_precision",
           "kv_precision_key", "KV_PRECISIONS"]

#: precisions the KV cache may be stored at
KV_PRECISIONS = ("fp32", "tf32", "fp16", "bf16", "fp8", "int8")


def default_kv_precision(precision: str) -> str:
    """The 16-bit type of the weights' family: bf16 for bf16 weights, fp32 for 32-bit weights, fp16 otherwise
    (quantised weights keep a 16-bit KV cache unless ``kv_precision`` says otherwise)."""
    key, _ = resolve_precision(precision)
    if key in ("fp32", "tf32"):
        return "fp32"
    return "bf16" if key == "bf16" else "fp16"


def kv_precision_key(kv_precision, precision: str) -> str:
    """Validated KV-cache precision: ``kv_precision`` (fp32/tf32/fp16/bf16/fp8/int8) or the weights' default."""
    if kv_precision is None:
        return default_kv_precision(precision)
    try:
        key, _ = resolve_precision(kv_precision)
    except InputError as e:
        raise InputError("kv_precision", e.reason) from None
    if key not in KV_PRECISIONS:
        raise InputError("kv_precision", f"KV cache precision must be one of {', '.join(KV_PRECISIONS)}, got {key!r}")
    return key


class ServingPlan(NamedTuple):
    """Base-unit floats of one deployment (bytes, byte/s, flop/s, s)."""

    tp: int
    ep: int
    layers: int
    d_model: float
    ops_per_token: float
    weight_bytes: float  # whole model, all ranks
    dense_bytes: float  # MoE: attention/embeddings/shared experts; dense model: = weight_bytes
    expert_bytes: float  # one expert over all layers (0 for dense)
    experts: int
    top_k: int
    kv_bytes_per_token: float  # whole cache, all ranks, at kv precision
    kv_shards: int
    kv_precision: str
    act_bytes: float  # bytes per activation value sent in collectives
    mem_bw: float
    eta_mem: float
    peak: float
    capacity: float  # per device
    dispatch: float
    link_bw: float
    link_alpha: float  # per ring step, sync overhead included
    link_name: str
    node_size: int
    issues: tuple  # (wall, message) pairs that make the deployment infeasible

    @property
    def weights_per_device(self) -> float:
        return self.weight_bytes / self.tp

    def kv_per_device(self, kv_tokens: float) -> float:
        return self.kv_bytes_per_token * kv_tokens / self.kv_shards

    def weights_read(self, tokens: float) -> float:
        """Weight bytes one device reads in a step over ``tokens`` tokens (MoE: only touched experts)."""
        if self.experts == 0:
            return self.weight_bytes / self.tp
        touched = sv.moe_expected_experts(self.experts, self.top_k, tokens)
        return (self.dense_bytes + touched * self.expert_bytes) / self.tp

    def experts_touched(self, tokens: float) -> float:
        return sv.moe_expected_experts(self.experts, self.top_k, tokens) if self.experts else 0.0

    def comm_time(self, tokens: float) -> float:
        """Per forward step over ``tokens`` tokens: Megatron all-reduces (and MoE all-to-alls) of the activations."""
        if self.tp <= 1:
            return 0.0
        m = tokens * self.d_model * self.act_bytes
        L, bw, a = self.layers, self.link_bw, self.link_alpha
        if self.experts and self.ep > 1:
            t = L * coll.ring_allreduce(m, self.tp, bw, a)  # attention block
            t += 2 * L * coll.all_to_all(m * self.top_k, self.ep, bw, a)  # dispatch + combine
            inner = self.tp // self.ep
            if inner > 1:
                t += L * coll.ring_allreduce(m, inner, bw, a)
            return t
        return TP_ALL_REDUCES_PER_DECODER_LAYER * L * coll.ring_allreduce(m, self.tp, bw, a)


@lru_cache(maxsize=64)
def _zoo_node_key(hardware_name: str):
    """Key of the zoo node built around an accelerator with this name (None if there is none)."""
    from ..zoo.hardware import Hardware
    from ..zoo.systems import NODE_ROWS

    for key, row in NODE_ROWS.items():
        if Hardware.get(row["hw"]).name == hardware_name:
            return key
    return None


def _link(hardware: HardwareNode, node):
    """(bandwidth per direction, α, devices per node, name) of the link TP collectives use."""
    if node is None:
        key = _zoo_node_key(hardware.name)
        if key is not None:
            from ..zoo.systems import Systems

            node = Systems.Nodes.get(key)
    if node is not None:
        return node.intra_bw_si, node.intra_latency_si, node.accelerators_per_node, node.name
    h = hardware.si
    if h.scale_up_bw > 0:
        return h.scale_up_bw, NVLINK_LATENCY_S, DEFAULT_DEVICES_PER_NODE, hardware.scale_up.name
    if h.host_bw > 0:
        return h.host_bw, PCIE_LATENCY_S, DEFAULT_DEVICES_PER_NODE, hardware.interconnect.name
    return FALLBACK_OFFLOAD_BW, PCIE_LATENCY_S, DEFAULT_DEVICES_PER_NODE, "fallback 64 GB/s link"


_PLAN_CACHE: dict[tuple, tuple] = {}
_PLAN_CACHE_SIZE = 256


def plan_serving(*, model, hardware, precision="fp16", tp_size=1, ep_size=1, kv_precision=None,
                 memory_efficiency=None, node=None) -> ServingPlan:
    """Validate the serving inputs and lay the model out over the TP group (memoised on the identity of the
    frozen model/hardware/node objects and the plain arguments: a sweep re-plans nothing)."""
    plain = (type(precision) is str and type(tp_size) is int and type(ep_size) is int
             and (kv_precision is None or type(kv_precision) is str)
             and (memory_efficiency is None or type(memory_efficiency) is float))  # True == 1 must not hit 1's plan
    key = (id(model), id(hardware), id(node), precision, tp_size, ep_size, kv_precision, memory_efficiency)
    hit = _PLAN_CACHE.get(key) if plain else None
    if hit is not None and hit[0] is model and hit[1] is hardware and hit[2] is node:
        return hit[3]
    plan = _plan(model, hardware, precision, tp_size, ep_size, kv_precision, memory_efficiency, node)
    if plain:
        if len(_PLAN_CACHE) >= _PLAN_CACHE_SIZE:
            _PLAN_CACHE.clear()
        _PLAN_CACHE[key] = (model, hardware, node, plan)
    return plan


def _plan(model, hardware, precision, tp_size, ep_size, kv_precision, memory_efficiency, node) -> ServingPlan:
    check_type("model", model, TransformerWorkload)
    check_type("hardware", hardware, HardwareNode)
    tp = check_int("tp_size", tp_size)
    ep = check_int("ep_size", ep_size)
    if node is not None:
        check_type("node", node, Node)
        if node.accelerator.name != hardware.name:
            raise InputError("node", f"node {node.name!r} holds {node.accelerator.name}, not {hardware.name}")
    kv_key = kv_precision_key(kv_precision, precision)
    eta_mem = hardware.memory_efficiency if memory_efficiency is None else check_number(
        "memory_efficiency", memory_efficiency, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    w = model.si(precision)
    kv_tok = model.si(kv_key).kv_bytes_per_token
    issues: list[tuple[int, str]] = []

    experts = top_k = 0
    dense_bytes, expert_bytes = w.weight_bytes, 0.0
    if isinstance(model, SparseTransformerWorkload):
        experts, top_k = model.experts, model.active_experts_per_token
        p_dense, p_exp = sv.moe_parameter_split(w.params, w.active_params, experts, top_k)
        if p_exp == 0.0:
            experts = top_k = 0
        dense_bytes, expert_bytes = p_dense * w.bpp, p_exp * w.bpp
    if ep > 1:
        if not isinstance(model, SparseTransformerWorkload):
            raise InputError("ep_size", "expert parallelism needs a SparseTransformerWorkload (MoE) model")
        if tp % ep:
            raise InputError("ep_size", f"ep_size={ep} must divide tp_size={tp}: experts are spread over devices "
                                        "of the tensor-parallel group")
        if model.experts % ep:
            issues.append((4, f"{model.experts} experts do not divide over ep_size={ep} devices"))

    link_bw, alpha, node_size, link_name = 0.0, 0.0, 1, "none"
    if tp > 1:
        link_bw, alpha, node_size, link_name = _link(hardware, node)
        alpha += TP_STEP_SYNC_OVERHEAD_S
        if tp > node_size:
            issues.append((14, f"TP group of {tp} devices exceeds the {node_size} accelerators joined by {link_name}"
                               " in one node"))
        if w.heads and w.heads % tp:
            issues.append((4, f"tp_size={tp} does not divide the model's {w.heads} attention heads"))
        elif w.kv_heads and not model.kv_lora_rank and w.kv_heads % tp and tp % w.kv_heads:
            issues.append((4, f"tp_size={tp} neither divides nor is a multiple of the {w.kv_heads} KV heads"))
    h = hardware.si
    return ServingPlan(
        tp=tp, ep=ep, layers=w.layers, d_model=float(w.hidden) if w.hidden else w.heads * w.d_head,
        ops_per_token=w.ops, weight_bytes=w.weight_bytes, dense_bytes=dense_bytes, expert_bytes=expert_bytes,
        experts=experts, top_k=top_k, kv_bytes_per_token=kv_tok,
        kv_shards=sv.kv_shards(tp, w.kv_heads, bool(model.kv_lora_rank)), kv_precision=kv_key,
        act_bytes=resolve_precision(default_kv_precision(precision))[1], mem_bw=h.mem_bw, eta_mem=eta_mem,
        peak=hardware.peak_si(precision), capacity=h.mem_capacity, dispatch=h.dispatch, link_bw=link_bw,
        link_alpha=alpha, link_name=link_name, node_size=node_size, issues=tuple(issues),
    )


class DecodeStep(NamedTuple):
    itl: float
    t_memory: float
    t_compute: float
    t_comm: float
    floor: float
    bytes_read: float
    experts_touched: float
    bottleneck: str


def decode_step(plan: ServingPlan, batch: float, kv_tokens: float, context: float, eta: float) -> DecodeStep:
    """One decode step for ``batch`` sequences holding ``kv_tokens`` cached tokens in all (mean context
    ``context`` per sequence for the attention FLOPs)."""
    read = plan.weights_read(batch) + plan.kv_per_device(kv_tokens)
    floor = read / plan.mem_bw
    t_mem = floor / plan.eta_mem
    flops = plan.ops_per_token * batch + sv.decode_attention_flops(plan.layers, plan.d_model, context, batch)
    t_cmp = flops / (plan.tp * plan.peak * eta)
    t_comm = plan.comm_time(batch)
    itl = max(t_mem, t_cmp) + plan.layers * FRAMEWORK_LAYER_TAX_S + t_comm
    return DecodeStep(itl, t_mem, t_cmp, t_comm, floor, read, plan.experts_touched(batch),
                      "Memory" if t_mem >= t_cmp else "Compute")


def prefill_time(plan: ServingPlan, new_tokens: float, context: float, batch: float, eta: float) -> tuple:
    """(seconds, FLOPs of the whole group, communication seconds) for one prefill chunk of ``new_tokens`` per
    sequence attending over ``context`` tokens: max(compute, one weight pass) + TP all-reduces + dispatch."""
    flops = sv.prefill_flops(plan.ops_per_token, plan.layers, plan.d_model, new_tokens, context, batch)
    t_cmp = flops / (plan.tp * plan.peak * eta)
    t_floor = plan.weights_read(new_tokens * batch) / (plan.mem_bw * plan.eta_mem)
    t_comm = plan.comm_time(new_tokens * batch)
    return max(t_cmp, t_floor) + t_comm + plan.dispatch, flops, t_comm
