"""Fleet-domain resolvers: DistributedModel (wall 14), TrainingMemoryModel (wall 2), ReliabilityModel
(wall 15), OrchestrationModel (wall 16)."""

from __future__ import annotations

import math

from ..physics import collectives as coll
from ..physics import queueing
from ..physics import reliability as rel
from ..physics.constants import (
    DEFAULT_EFFICIENCY,
    FRAMEWORK_LAYER_TAX_S,
    OVERLAP_EFFICIENCY,
    TRAINING_FLOPS_PER_PARAM_TOKEN,
)
from ..physics.training import (
    ACTIVATION_STRATEGIES,
    COMM_BUFFER_FRACTION,
    OPTIMIZER_BYTES,
    lora_trainable_fraction,
    routed_expert_params,
    training_flops,
    training_memory_per_rank,
)
from ..types.hardware import HardwareNode
from ..types.systems import Fleet
from ..types.workloads import SparseTransformerWorkload, TransformerWorkload
from ..units import Quantity, resolve_precision, si
from ..validation import InputError, check_choice, check_fraction, check_int, check_number, check_type
from .base import Qty, Resolver, Result
from .node import check_efficiency

__all__ = [
    "DistributedModel", "DistributedResult", "TrainingMemoryModel", "TrainingMemoryResult", "ReliabilityModel",
    "ReliabilityResult", "OrchestrationModel", "OrchestrationResult", "ZERO3_COMM_FACTOR",
]

#: ZeRO-3 moves 3Ψ per step (all-gather params in forward and backward + reduce-scatter grads) vs 2Ψ for an
#: all-reduce (Rajbhandari et al. 2020, §7.2).
ZERO3_COMM_FACTOR = 1.5
#: Each MoE layer does dispatch + combine all-to-alls in the forward pass and again in the backward pass.
EP_ALL_TO_ALLS_PER_LAYER = 4
#: Megatron TP: 2 all-reduces per layer forward (attention, MLP) + 2 backward (Shoeybi 2019; Narayanan 2021).
TP_ALL_REDUCES_PER_LAYER = 4


def _microbatching(batch: int, dp: int, pp: int, microbatch_count, ga: int) -> tuple[int, int, float]:
    """(local batch per DP replica, micro-steps m, micro-batch size). The slowest replica sets the step, so
    the local batch is ⌈B/dp⌉. m defaults to the local batch with pipelining (1-sequence micro-batches,
    the smallest bubble) and to ``gradient_accumulation_steps`` without."""
    if batch < dp:
        raise InputError("batch_size", f"global batch {batch} is smaller than the data-parallel degree dp = {dp}; "
                                       "every replica needs at least one sequence (raise batch_size or tp/pp)")
    local = -(-batch // dp)
    if microbatch_count is not None:
        m = check_int("microbatch_count", microbatch_count)
        field = "microbatch_count"
    else:
        m = local if pp > 1 else ga
        field = "gradient_accumulation_steps"
    if m > local:
        raise InputError(field, f"{m} micro-batches exceed the {local} sequences each replica holds")
    return local, m, local / m


def expert_params_of(model, w) -> float:
    """Routed-expert parameters of an MoE model (0 for a dense one): the part expert parallelism shards."""
    if isinstance(model, SparseTransformerWorkload):
        return routed_expert_params(w.params, w.active_params, model.experts, model.active_experts_per_token)
    return 0.0


def _transformer(model) -> TransformerWorkload:
    """Training resolvers need a transformer (layers, hidden size and heads drive TP traffic and activations)."""
    return check_type("model", model, TransformerWorkload)


# ------------------------------------------------------------------------------------------------
# Wall 14: communication (3D/4D parallel training)
# ------------------------------------------------------------------------------------------------
class DistributedResult(Result):
    step_latency_total: Qty("ms")
    compute_latency: Qty("ms")
    dp_communication_latency: Qty("ms")
    tp_communication_latency: Qty("ms")
    pp_communication_latency: Qty("ms")
    ep_communication_latency: Qty("ms")
    communication_latency: Qty("ms")
    exposed_communication_latency: Qty("ms")
    pipeline_bubble_latency: Qty("ms")
    bubble_fraction: float = 0.0
    scaling_efficiency: float = 1.0
    mfu: float = 0.0
    hfu: float = 0.0
    tokens_per_second: Qty("token/s")
    effective_throughput: Qty("1/s")
    memory_per_accelerator: Qty("GB")
    memory_capacity: Qty("GB")
    parallelism: dict = {}
    microbatch_count: int = 1
    microbatch_size: float = 1.0

    @property
    def constraint_trace(self) -> list[str]:
        return self.trace


class DistributedModel(Resolver):
    """Wall 14 — Communication: step time of data/tensor/pipeline/expert-parallel training
    (seed paper §4.4; Narayanan et al. 2021; Patarasuk & Yuan 2009; Rajbhandari et al. 2020).

    N accelerators, group = tp·pp·ep must divide N, dp = N/group; B = global batch (sequences), S = seq_len.
        FLOPs        = 6·P_active·B·S                       (hardware FLOPs × (1 + r/3), r recomputed fraction)
        T_compute    = FLOPs/(N·Peak_prec·η) + 3·⌈L/pp⌉·m·t_layer + t_dispatch
        T_tp         = 4·⌈L/pp⌉·m · ring(b·S·h·bytes, tp) over NVLink (fabric if tp > GPUs/node)
        T_pp         = 2·v·m · (b·S·h·bytes/tp)/BW             (stage-boundary sends, fwd + bwd)
        T_ep         = 4·⌈L/pp⌉·m · all_to_all(b·S·h·bytes·top_k, ep)      (MoE only)
        T_dp         = hierarchical(P_r·bytes, dp), P_r = (P − P_E)/(tp·pp) + P_E/(tp·pp·ep) (× 1.5 for ZeRO-3);
                       once per optimizer step, so
                       gradient accumulation does not divide it; exposed (1 − 0.85)·T_dp with overlap_comm
        T_bubble     = (T_compute + T_tp)·(pp−1)/(v·m);   bubble_fraction = (pp−1)/(v·m + pp − 1)
        T_step       = T_compute + T_tp + T_pp + T_ep + T_dp,exposed + T_bubble
        MFU          = 6·P_active·B·S / (N·Peak·T_step);  scaling_efficiency = T_compute/T_step
    m micro-batches of b = ⌈B/dp⌉/m sequences (default m = ⌈B/dp⌉ with pipelining). α: node intra-node latency
    (NVLink 500 ns) / fabric latency (IB 5 µs); intra-node bandwidth is per direction; fabric bandwidth is
    per endpoint ÷ oversubscription. Ranks are ordered tp, pp, ep inside, dp outside (Llama 3 order).
    Recomputation r (fraction of the forward pass recomputed in the backward pass): 0 by default (selective
    activations — what FlashAttention keeps; no extra FLOPs), 1 with ``activation_recomputation=True``
    (full, Korthikanti 2022), or any r ∈ [0, 1] via ``recompute_fraction`` for partial/compiler
    rematerialisation (PaLM: HFU/MFU = 1.25 ⇒ r = 0.75); activations then keep ((1−r)·34 + r·2)·s·b·h/tp
    bytes per layer (linear interpolation, first order). ``hfu`` counts the recomputed FLOPs, ``mfu`` does not.
    Per-rank memory (:func:`physics.training.training_memory_per_rank`) > HBM → feasible=False, binding
    wall 2 (still priced).
    batch_size < dp → InputError (no silent clamping). binding_wall 14 when exposed communication + bubble
    exceed compute, else 1. First-order: the interleaving overhead on activation memory, context parallelism
    and compute/communication contention are not modelled; TP/PP/EP traffic is not overlapped.
    """

    walls = (14,)
    kind = "model"
    result_type = DistributedResult
    equation = "T_ring = 2(N−1)/N · M/β + 2(N−1)α; bubble = (p−1)/(v·m+p−1)"

    def solve(self, *, model, fleet, batch_size=1, precision="fp16", tp_size=1, pp_size=1, overlap_comm=False,
              seq_len=2048, ep_size=1, microbatch_count=None, v_stages=1, zero_stage=0,
              efficiency=DEFAULT_EFFICIENCY, activation_recomputation=False, gradient_accumulation_steps=1,
              overlap_efficiency=OVERLAP_EFFICIENCY, recompute_fraction=None) -> DistributedResult:
        _transformer(model)
        check_type("fleet", fleet, Fleet)
        B = check_int("batch_size", batch_size)
        S = check_int("seq_len", seq_len)
        tp, pp, ep = check_int("tp_size", tp_size), check_int("pp_size", pp_size), check_int("ep_size", ep_size)
        v = check_int("v_stages", v_stages)
        zero = check_int("zero_stage", zero_stage, minimum=0, maximum=3)
        ga = check_int("gradient_accumulation_steps", gradient_accumulation_steps)
        eta = check_efficiency(efficiency)
        ov_eff = check_fraction("overlap_efficiency", overlap_efficiency)
        overlap = check_type("overlap_comm", overlap_comm, bool)
        recompute = check_type("activation_recomputation", activation_recomputation, bool)
        if recompute_fraction is None:
            r_frac = 1.0 if recompute else 0.0
        else:
            r_frac = check_fraction("recompute_fraction", recompute_fraction)
            if recompute and r_frac != 1.0:
                raise InputError("recompute_fraction", f"{r_frac:g} contradicts activation_recomputation=True "
                                                       "(full recomputation is r = 1); give one or the other")
        w = model.si(precision)
        node = fleet.node
        apn = node.accelerators_per_node
        N = fleet.total_accelerators
        if N % tp:
            raise InputError("tp_size", f"tp_size={tp} must divide the {N} accelerators (tp_size·pp_size·ep_size | N)")
        if N % (tp * pp):
            raise InputError("pp_size", f"tp_size·pp_size = {tp * pp} must divide the {N} accelerators")
        group = tp * pp * ep
        if N % group:
            raise InputError("ep_size", f"tp_size·pp_size·ep_size = {group} must divide the {N} accelerators")
        if pp * v > w.layers:
            raise InputError("pp_size" if v == 1 else "v_stages",
                             f"pp_size·v_stages = {pp * v} exceeds the model's {w.layers} layers")
        top_k = 1
        if ep > 1:
            if not isinstance(model, SparseTransformerWorkload):
                raise InputError("ep_size", "expert parallelism needs a SparseTransformerWorkload (MoE) model")
            if ep > model.experts:
                raise InputError("ep_size", f"ep_size={ep} exceeds the model's {model.experts} experts")
            top_k = model.active_experts_per_token
        dp = N // group
        local, m, mb = _microbatching(B, dp, pp, microbatch_count, ga)

        hw = fleet.accelerator
        h = hw.si
        peak = hw.peak_si(precision)
        L_st = math.ceil(w.layers / pp)
        hid, bpp = float(w.hidden), w.bpp
        intra_bw, intra_a = node.intra_bw_si, node.intra_latency_si
        inter_bw, inter_a = fleet.fabric.bw_si, fleet.fabric.latency_si
        if apn == 1 or intra_bw <= 0:
            intra_bw, intra_a = inter_bw, inter_a

        # compute
        tokens_run = local * dp * S  # the slowest replica sets the pace
        useful = TRAINING_FLOPS_PER_PARAM_TOKEN * w.active_params * B * S
        hw_flops = training_flops(w.active_params, tokens_run, recompute_fraction=r_frac)
        t_pure = hw_flops / (N * peak * eta)
        t_tax = 3.0 * L_st * m * FRAMEWORK_LAYER_TAX_S + h.dispatch
        t_comp = t_pure + t_tax

        # tensor parallel: 4 all-reduces per layer per micro-batch
        act_msg = mb * S * hid * bpp
        t_tp = 0.0
        if tp > 1:
            bw, a = (intra_bw, intra_a) if tp <= apn else (inter_bw, inter_a)
            t_tp = TP_ALL_REDUCES_PER_LAYER * L_st * m * coll.ring_allreduce(act_msg, tp, bw, a)

        # pipeline point-to-point sends of stage-boundary activations (forward) and their gradients (backward)
        t_pp = 0.0
        if pp > 1:
            bw, a = (intra_bw, intra_a) if tp * pp <= apn else (inter_bw, inter_a)
            t_pp = 2.0 * v * m * (act_msg / tp / bw + a)

        # expert parallel all-to-all
        t_ep = 0.0
        if ep > 1:
            bw, a = (intra_bw, intra_a) if tp * ep <= apn else (inter_bw, inter_a)
            t_ep = EP_ALL_TO_ALLS_PER_LAYER * L_st * m * coll.all_to_all(act_msg * top_k, ep, bw, a)

        # data parallel gradient synchronisation, hierarchical over nodes; per rank the dense parameters are split
        # over tp·pp only, the routed experts also over ep (as in the memory model)
        p_exp = expert_params_of(model, w)
        grad_bytes = ((w.params - p_exp) / (tp * pp) + p_exp / group) * bpp
        g = max(1, min(dp, apn // group)) if group < apn else 1
        n_nodes = -(-dp // g)
        t_dp = coll.hierarchical_allreduce(grad_bytes, n_nodes, g, intra_bw, inter_bw, intra_a, inter_a)
        if zero >= 3:
            t_dp *= ZERO3_COMM_FACTOR
        t_dp_exposed = t_dp * (1.0 - ov_eff) if overlap else t_dp

        bubble = coll.pipeline_bubble_fraction(pp, m, v)
        t_bubble = (t_comp + t_tp) * (pp - 1) / (v * m) if pp > 1 else 0.0
        exposed = t_tp + t_pp + t_ep + t_dp_exposed
        step = t_comp + exposed + t_bubble

        # memory per rank
        mem = training_memory_per_rank(
            params=w.params, bytes_per_param=bpp, layers=w.layers, hidden=hid, heads=float(w.heads), seq_len=S,
            microbatch=math.ceil(mb), microbatch_count=m, tp=tp, pp=pp, dp=dp, ep=ep, zero_stage=zero,
            activation_strategy="full" if r_frac >= 1.0 else ("partial" if r_frac > 0.0 else "selective"),
            recompute_fraction=r_frac, expert_params=expert_params_of(model, w),
        )
        fits = mem.total <= h.mem_capacity
        overhead = exposed + t_bubble
        wall = 2 if not fits else (14 if overhead > t_comp else 1)
        mfu = useful / (N * peak * step)
        trace = [
            f"{N} accelerators = dp {dp} × tp {tp} × pp {pp} × ep {ep}; local batch {local} = {m} × {mb:g}-seq "
            f"micro-batches",
            f"compute {t_comp * 1e3:.4g} ms = {hw_flops:.4g} FLOP / ({N} × {peak / 1e12:.4g} TFLOP/s × {eta:g})"
            f" + {t_tax * 1e3:.3g} ms tax" + (f" (recomputing {r_frac:g} of the forward pass: hardware FLOPs × "
                                              f"{1 + r_frac / 3:.4g})" if r_frac > 0 else ""),
            f"comm: TP {t_tp * 1e3:.4g} ms, PP {t_pp * 1e3:.4g} ms, EP {t_ep * 1e3:.4g} ms, DP {t_dp * 1e3:.4g} ms"
            f" ({'exposed ' + format(t_dp_exposed * 1e3, '.4g') + ' ms after overlap' if overlap else 'not overlapped'})",
            f"pipeline bubble {bubble:.3g} → {t_bubble * 1e3:.4g} ms; step {step * 1e3:.4g} ms, MFU {mfu:.3g}",
        ]
        if not fits:
            trace.append(f"Memory wall: {mem.total / 1e9:.4g} GB per accelerator > {h.mem_capacity / 1e9:.4g} GB "
                         f"(weights {mem.weights / 1e9:.3g}, grads {mem.gradients / 1e9:.3g}, optimizer "
                         f"{mem.optimizer_state / 1e9:.3g}, activations {mem.activations / 1e9:.3g} GB)")
        elif wall == 14:
            trace.append("Communication wall: exposed communication + bubble exceed compute time")
        return DistributedResult.build(
            feasible=fits, binding_wall=wall, trace=trace,
            step_latency_total=step, compute_latency=t_comp, dp_communication_latency=t_dp,
            tp_communication_latency=t_tp, pp_communication_latency=t_pp, ep_communication_latency=t_ep,
            communication_latency=t_tp + t_pp + t_ep + t_dp, exposed_communication_latency=exposed,
            pipeline_bubble_latency=t_bubble, bubble_fraction=bubble, scaling_efficiency=t_comp / step,
            mfu=mfu, hfu=hw_flops / (N * peak * step), tokens_per_second=B * S / step, effective_throughput=B / step,
            memory_per_accelerator=mem.total, memory_capacity=h.mem_capacity,
            parallelism={"dp": dp, "tp": tp, "pp": pp, "ep": ep, "v": v, "zero_stage": zero},
            microbatch_count=m, microbatch_size=mb,
        )


# ------------------------------------------------------------------------------------------------
# Wall 2 (training): per-rank memory
# ------------------------------------------------------------------------------------------------
class TrainingMemoryResult(Result):
    total_memory: Qty("GB")
    available_memory: Qty("GB")
    memory_utilization: float = 0.0
    weights: Qty("GB")
    gradients: Qty("GB")
    optimizer_state: Qty("GB")
    activations: Qty("GB")
    communication_buffers: Qty("GB")
    precision: str = "fp16"
    optimizer: str = "adam"
    activation_checkpointing: str = "selective"
    trainable_fraction: float = 1.0
    microbatch_size: int = 1
    parallelism: dict = {}


class TrainingMemoryModel(Resolver):
    """Wall 2 (training) — does one rank's training state fit in device memory?
    (Rajbhandari et al. 2020 ZeRO; Korthikanti et al. 2022; Hu et al. 2021 LoRA)

        P_r = (P − P_E)/(tp·pp) + P_E/(tp·pp·ep)  (P_E routed experts);  weights P_r·b;  grads f·P_r·b;  optimizer f·P_r·(12 B Adam | 4 B SGD | 0)
        ZeRO-1 shards the optimizer over dp, ZeRO-2 also gradients, ZeRO-3 also weights
        activations = ⌈L/pp⌉ · min(m, pp) · {full 2, selective 34, none 34 + 5as/h}·s·b·h·(bytes/2)/tp
        buffers = 0.05·grads (+ 2·b·s·h·bytes/tp stage buffers with pp > 1)
    f = trainable fraction (1, or LoRA 8·r·h·L/P with ``lora_rank``); micro-batch b = ⌈⌈B/dp⌉/m⌉ with m
    micro-steps (``microbatch_count``; default ⌈B/dp⌉ with pipelining, else ``gradient_accumulation_steps``).
    Over capacity → feasible=False, binding wall 2.
    """

    walls = (2,)
    kind = "model"
    result_type = TrainingMemoryResult
    equation = "M = P_r·(b + f·b + f·12)/ZeRO + activations + buffers ≤ capacity"

    def solve(self, *, model, hardware, batch_size=1, seq_len=2048, precision="fp16", optimizer="adam",
              activation_checkpointing="selective", tp_size=1, pp_size=1, dp_size=1, ep_size=1, zero_stage=0,
              gradient_accumulation_steps=1, microbatch_count=None, trainable_fraction=1.0, lora_rank=None,
              communication_buffer_fraction=COMM_BUFFER_FRACTION) -> TrainingMemoryResult:
        _transformer(model)
        check_type("hardware", hardware, HardwareNode)
        B = check_int("batch_size", batch_size)
        S = check_int("seq_len", seq_len)
        opt = check_choice("optimizer", optimizer, tuple(OPTIMIZER_BYTES))
        strat = check_choice("activation_checkpointing", activation_checkpointing, ACTIVATION_STRATEGIES)
        tp, pp = check_int("tp_size", tp_size), check_int("pp_size", pp_size)
        dp, ep = check_int("dp_size", dp_size), check_int("ep_size", ep_size)
        zero = check_int("zero_stage", zero_stage, minimum=0, maximum=3)
        ga = check_int("gradient_accumulation_steps", gradient_accumulation_steps)
        buf = check_fraction("communication_buffer_fraction", communication_buffer_fraction)
        w = model.si(precision)
        if pp > w.layers:
            raise InputError("pp_size", f"pp_size={pp} exceeds the model's {w.layers} layers")
        if lora_rank is not None:
            r = check_int("lora_rank", lora_rank)
            f = lora_trainable_fraction(r, w.hidden, w.layers, w.params)
        else:
            f = check_fraction("trainable_fraction", trainable_fraction, allow_zero=False)
        local, m, mb = _microbatching(B, dp, pp, microbatch_count, ga)
        mem = training_memory_per_rank(
            params=w.params, bytes_per_param=w.bpp, layers=w.layers, hidden=float(w.hidden), heads=float(w.heads),
            seq_len=S, microbatch=math.ceil(mb), microbatch_count=m, tp=tp, pp=pp, dp=dp, ep=ep, zero_stage=zero,
            optimizer_bytes=OPTIMIZER_BYTES[opt], trainable_fraction=f, activation_strategy=strat,
            comm_buffer_fraction=buf, expert_params=expert_params_of(model, w),
        )
        cap = hardware.si.mem_capacity
        total = mem.total
        fits = total <= cap
        trace = [f"weights {mem.weights / 1e9:.4g} + grads {mem.gradients / 1e9:.4g} + optimizer "
                 f"{mem.optimizer_state / 1e9:.4g} + activations {mem.activations / 1e9:.4g} + buffers "
                 f"{mem.buffers / 1e9:.4g} = {total / 1e9:.4g} GB vs {cap / 1e9:.4g} GB on {hardware.name}"]
        if not fits:
            trace.append(f"Memory wall: training state exceeds {hardware.name} memory by {(total - cap) / 1e9:.3g} GB")
        return TrainingMemoryResult.build(
            feasible=fits, binding_wall=2 if not fits else None, trace=trace,
            total_memory=total, available_memory=cap, memory_utilization=total / cap, weights=mem.weights,
            gradients=mem.gradients, optimizer_state=mem.optimizer_state, activations=mem.activations,
            communication_buffers=mem.buffers, precision=resolve_precision(precision)[0], optimizer=opt,
            activation_checkpointing=strat, trainable_fraction=f, microbatch_size=math.ceil(mb),
            parallelism={"dp": dp, "tp": tp, "pp": pp, "ep": ep, "zero_stage": zero, "microbatches": m},
        )


# ------------------------------------------------------------------------------------------------
# Wall 15: fragility
# ------------------------------------------------------------------------------------------------
def _time_arg(name: str, value, unit_s: float, *, allow_zero: bool = False) -> float:
    """A time given as a plain number in the argument's unit (hours/seconds) or as a Quantity/string;
    returned in that unit."""
    if isinstance(value, (Quantity, str)):
        return si(value, "time", name=name, allow_zero=allow_zero) / unit_s
    return check_number(name, value, minimum=0.0, exclusive_minimum=not allow_zero)


class ReliabilityResult(Result):
    fleet_mtbf: Qty("hour")
    node_mtbf: Qty("hour")
    failure_probability: float = 0.0
    expected_failures: float = 0.0
    optimal_checkpoint_interval: Qty("s")
    checkpoint_interval: Qty("s")
    goodput_ratio: float = 1.0
    effective_job_time: Qty("hour")


class ReliabilityModel(Resolver):
    """Wall 15 — Fragility: how often the fleet fails during a job, and what checkpointing costs
    (seed paper §4.4; Young 1974; Daly 2006).

        MTBF_node  = 1 / Σ n_i/MTTF_i over GPUs, NICs, network links, PSUs, the host and its software (series
                     system; MTTFs calibrated on Meta's Llama 3 interruption data, physics/reliability.py —
                     GPU 79 kh, host 62 kh, software 42 kh, link 607 kh, NIC 3.0 Mh, PSU 5.3 Mh;
                     ``failure_rates="paper"``: 1/(n_GPU/50 kh + n_NIC/150 kh + n_PSU/100 kh))
        MTBF_fleet = MTBF_node / N_nodes
        P(fail)    = 1 − e^(−T/MTBF_fleet);   E[failures] = T/MTBF_fleet
        τ*         = √(2·δ·MTBF_fleet)                                     (Young–Daly)
        goodput    = 1 − δ/τ − (τ/2 + R)/MTBF_fleet                        (checkpoint + rework + recovery)

    ``fleet.mtbf_hours``, when set, overrides the per-node MTBF. ``checkpoint_interval_s`` prices a chosen τ
    (default τ*). Times: plain numbers in the unit the name says, or Quantities. goodput ≤ 0 →
    feasible=False (wall 15); binding wall 15 also when at least one failure is expected.
    """

    walls = (15,)
    kind = "model"
    result_type = ReliabilityResult
    equation = "MTBF_cluster = MTBF_node / N; τ* = √(2δ·MTBF)"

    def solve(self, *, fleet, job_duration_hours, checkpoint_time_s=60.0, recovery_time_s=300.0,
              checkpoint_interval_s=None, avg_recovery_time_s=None, failure_rates="llama3") -> ReliabilityResult:
        check_type("fleet", fleet, Fleet)
        rates = check_choice("failure_rates", failure_rates, ("llama3", "paper"))
        rec_name = "recovery_time_s"
        if avg_recovery_time_s is not None:  # upstream name; errors name the argument the caller used
            recovery_time_s, rec_name = avg_recovery_time_s, "avg_recovery_time_s"
        T = _time_arg("job_duration_hours", job_duration_hours, 3600.0)
        delta = _time_arg("checkpoint_time_s", checkpoint_time_s, 1.0)
        R = _time_arg(rec_name, recovery_time_s, 1.0, allow_zero=True)
        node = fleet.node
        if fleet.mtbf_hours is not None:
            m_node = fleet.mtbf_hours
        else:
            m_node = rel.node_mtbf(node.accelerators_per_node, node.nics_per_node, node.psus_per_node,
                                   failure_rates=rates)
        m_fleet = rel.cluster_mtbf(m_node, fleet.count)
        m_fleet_s = m_fleet * 3600.0
        tau_opt = rel.young_daly_interval(delta, m_fleet_s)
        tau = tau_opt if checkpoint_interval_s is None else _time_arg("checkpoint_interval_s",
                                                                       checkpoint_interval_s, 1.0)
        good = rel.goodput_ratio(tau, delta, R, m_fleet_s)
        p_fail = rel.failure_probability(T, m_fleet)
        n_fail = T / m_fleet
        feasible = good > 0.0
        trace = [
            f"node MTBF {m_node:.4g} h / {fleet.count} nodes = fleet MTBF {m_fleet:.4g} h",
            f"P(≥1 failure in {T:g} h) = {p_fail:.3g}; expected failures {n_fail:.3g}",
            f"Young–Daly τ* = √(2 × {delta:g} s × {m_fleet_s:.4g} s) = {tau_opt:.4g} s; goodput {good:.3g}",
        ]
        if not feasible:
            trace.append("Fragility wall: checkpoint + rework + recovery consume all the time between failures")
        return ReliabilityResult.build(
            feasible=feasible, binding_wall=15 if (not feasible or n_fail >= 1.0) else None, trace=trace,
            fleet_mtbf=m_fleet * 3600.0, node_mtbf=m_node * 3600.0, failure_probability=p_fail,
            expected_failures=n_fail, optimal_checkpoint_interval=tau_opt, checkpoint_interval=tau,
            goodput_ratio=good, effective_job_time=(T * 3600.0 / good) if good > 0 else math.inf,
        )


# ------------------------------------------------------------------------------------------------
# Wall 16: multi-tenancy
# ------------------------------------------------------------------------------------------------
class OrchestrationResult(Result):
    utilization: float = 0.0
    avg_wait_time: Qty("day")
    avg_queue_length: float = 0.0
    avg_turnaround_time: Qty("day")
    is_stable: bool = True

    @property
    def cluster_utilization(self) -> float:
        """Upstream name of :attr:`utilization`."""
        return self.utilization


class OrchestrationModel(Resolver):
    """Wall 16 — Multi-tenant: how long jobs queue for a shared cluster (seed paper §4.4).

    Jobs arrive at rate λ (Poisson) and each holds the cluster for a fixed D days (M/D/1, Pollaczek–Khinchine):
        ρ = λ·D;   W_q = ρ/(2μ(1−ρ)) with μ = 1/D;   L_q = ρ²/(2(1−ρ));   turnaround = W_q + D
    ρ ≥ 1 → the queue grows without bound: feasible=False, binding wall 16, waits ∞.
    """

    walls = (16,)
    kind = "model"
    result_type = OrchestrationResult
    equation = "T_wait = ρ / [2μ(1−ρ)]"

    def solve(self, *, fleet, arrival_rate_jobs_per_day, avg_job_duration_days) -> OrchestrationResult:
        check_type("fleet", fleet, Fleet)
        if isinstance(arrival_rate_jobs_per_day, (Quantity, str)):
            lam = si(arrival_rate_jobs_per_day, "frequency", name="arrival_rate_jobs_per_day", allow_zero=True) * 86400.0
        else:
            lam = check_number("arrival_rate_jobs_per_day", arrival_rate_jobs_per_day, minimum=0.0)
        D = _time_arg("avg_job_duration_days", avg_job_duration_days, 86400.0)
        mu = 1.0 / D
        rho = lam / mu
        wq = queueing.md1_wait(lam, mu)
        lq = queueing.md1_queue_length(lam, mu)
        stable = rho < 1.0
        trace = [f"ρ = λ·D = {lam:g}/day × {D:g} days = {rho:.3g} on {fleet.name} "
                 f"({fleet.total_accelerators} accelerators)"]
        if stable:
            trace.append(f"M/D/1 wait W_q = ρ/(2μ(1−ρ)) = {wq:.4g} days; {lq:.3g} jobs queued on average")
        else:
            trace.append("Multi-tenant wall: jobs arrive faster than the cluster finishes them (ρ ≥ 1)")
        return OrchestrationResult.build(
            feasible=stable, binding_wall=None if stable else 16, trace=trace, utilization=rho,
            avg_wait_time=wq * 86400.0, avg_queue_length=lq, avg_turnaround_time=(wq + D) * 86400.0, is_stable=stable,
        )
