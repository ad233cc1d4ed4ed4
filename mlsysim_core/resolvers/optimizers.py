"""Optimizers — exhaustive searches over design spaces, each candidate priced by the forward models.

* :class:`ParallelismOptimizer` — every TP × PP × DP (× EP for MoE) factorisation of the fleet, screened
  by per-rank training memory (physics.training), priced by :class:`DistributedModel`; maximise MFU.
* :class:`BatchingOptimizer` — the largest serving batch whose P99 latency meets the SLA (ServingModel
  service time + TailLatencyModel queueing).
* :class:`PlacementOptimizer` — the region minimising TCO + carbon tax subject to a network-latency SLA.

No optimizer raises for an empty feasible set: it returns ``feasible=False`` with the binding wall.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from ..physics import constants as C
from ..physics.training import OPTIMIZER_BYTES, training_memory_per_rank
from ..types import Datacenter, Fleet, GridProfile, HardwareNode, SparseTransformerWorkload, TransformerWorkload, Workload
from ..units import Quantity, _factor as _unit_factor, si
from ..validation import InputError, check_choice, check_fraction, check_int, check_number, check_type
from .base import Qty, Resolver, Result


def _si(q, kind: str) -> float:
    """Base-unit float of one of our own result quantities (may be ±inf; cached unit factor, no parsing)."""
    return float(q._magnitude) * _unit_factor(q._units)


def _secs(q) -> float:
    return _si(q, "time")

__all__ = [
    "ParallelismOptimizer", "ParallelismOptimizerResult", "BatchingOptimizer", "BatchingOptimizerResult",
    "PlacementOptimizer", "PlacementOptimizerResult", "divisors", "network_rtt_s", "tp_splits_attention",
]



def tp_splits_attention(tp: int, heads: int, kv_heads: Optional[int] = None, latent_kv: bool = False) -> bool:
    """Can tensor parallelism of degree ``tp`` shard this attention block by heads (Megatron-style)?

    Rule: every rank needs whole query heads, so ``heads % tp == 0``. With grouped-query / multi-query
    attention (kv_heads < heads) every rank also needs whole KV heads: ``kv_heads % tp == 0`` when
    tp ≤ kv_heads (each rank owns kv_heads/tp groups); when tp > kv_heads the KV heads are replicated,
    which needs ``tp % kv_heads == 0`` (each KV head copied to tp/kv_heads ranks — the vLLM/Megatron
    convention). Multi-head latent attention (``latent_kv``, DeepSeek MLA) has one shared latent KV per
    token, replicated on every rank, so only the query-head rule applies.
    Examples: Llama-3-70B (64 q, 8 kv): tp ∈ {1, 2, 4, 8, 16, 32, 64}; tp = 3 or 6 fails (64 % 3 ≠ 0).
    """
    if tp <= 1:
        return True
    if heads % tp:
        return False
    kv = kv_heads or heads
    if latent_kv or kv >= heads:
        return True
    return kv % tp == 0 if tp <= kv else tp % kv == 0


def divisors(n: int) -> list[int]:
    """All positive divisors of n, ascending."""
    small, large = [], []
    i = 1
    while i * i <= n:
        if n % i == 0:
            small.append(i)
            if i * i != n:
                large.append(n // i)
        i += 1
    return small + large[::-1]


# =============================================================================================
# Parallelism
# =============================================================================================
class ParallelismOptimizerResult(Result):
    objective_value: float = 0.0
    best_config: dict = {}
    best_mfu: float = 0.0
    best_step_time: Qty("s") = None
    best_throughput: Qty("token/s") = None
    best_memory_per_rank: Qty("GB") = None
    total_searched: int = 0
    search_space_size: int = 0
    feasible_count: int = 0
    memory_rejected: int = 0
    head_rejected: int = 0
    top_candidates: list = []


class ParallelismOptimizer(Resolver):
    """Search — best 3D/4D parallelism for training a model on a fleet.

    Candidates: every (tp, pp, ep, dp) with tp·pp·ep·dp = N (all divisors, not only powers of two),
    tp ≤ max_tp (default accelerators_per_node: TP stays on NVLink), pp ≤ min(max_pp, layers),
    ep | experts (MoE only), dp ≤ global batch. Head rule (:func:`tp_splits_attention`): tp | heads, and
    kv_heads % tp == 0 when tp ≤ kv_heads, else tp % kv_heads == 0 (KV heads replicated); candidates that
    break it are counted in ``total_searched`` and ``head_rejected`` but never priced. Memory screen (Rajbhandari 2020; Korthikanti 2022):
    per-rank weights + grads + Adam state + activations (micro-batch of ``micro_batch_size`` sequences,
    1F1B in-flight micro-batches) ≤ 0.9 × HBM. Survivors are priced by DistributedModel (wall 14);
    objective = fleet MFU = 6·P·tokens_per_step / (N · Peak · T_step) — model FLOPs actually delivered.
    None feasible → ``feasible=False``, binding wall 2 (memory), never an exception.
    """

    walls = ()
    kind = "optimizer"
    result_type = ParallelismOptimizerResult
    equation = "argmax_{tp·pp·ep·dp=N} MFU(tp,pp,dp) s.t. M_rank ≤ 0.9·HBM"

    def solve(self, *, model, fleet, batch_size, precision="bf16", efficiency=C.DEFAULT_EFFICIENCY, seq_len=2048,
              max_tp=None, max_pp=None, overlap_comm=True, optimizer="adam", activation_checkpointing="selective",
              zero_stage=0, micro_batch_size=1, top_k=5) -> ParallelismOptimizerResult:
        from .fleet import DistributedModel, expert_params_of

        check_type("model", model, TransformerWorkload)
        check_type("fleet", fleet, Fleet)
        check_type("overlap_comm", overlap_comm, bool)
        B = check_int("batch_size", batch_size)
        S = check_int("seq_len", seq_len)
        eta = check_number("efficiency", efficiency, minimum=0.0, maximum=1.0, exclusive_minimum=True)
        opt = check_choice("optimizer", optimizer, OPTIMIZER_BYTES)
        act = check_choice("activation_checkpointing", activation_checkpointing, ("none", "selective", "full"))
        zero = check_int("zero_stage", zero_stage, minimum=0, maximum=3)
        mbs = check_int("micro_batch_size", micro_batch_size)
        k = check_int("top_k", top_k)
        w = model.si(precision)
        N = fleet.total_accelerators
        gpn = fleet.node.accelerators_per_node
        tp_cap = gpn if max_tp is None else check_int("max_tp", max_tp)
        pp_cap = min(w.layers, N if max_pp is None else check_int("max_pp", max_pp))
        experts = model.experts if isinstance(model, SparseTransformerWorkload) else 1
        expert_p = expert_params_of(model, w)
        hw = fleet.node.accelerator
        limit = C.MEMORY_HEADROOM * hw.si.mem_capacity
        dist = DistributedModel()

        space = 0
        mem_rejected = 0
        cands: list[dict[str, Any]] = []
        trace: list[str] = []
        head_rejected = 0
        latent = bool(getattr(model, "kv_lora_rank", None))
        for tp in divisors(N):
            if tp > tp_cap:
                break
            heads_ok = tp_splits_attention(tp, model.heads, model.kv_heads, latent)
            for pp in divisors(N // tp):
                if pp > pp_cap:
                    break
                for ep in divisors(N // (tp * pp)):
                    if ep > experts or experts % ep:
                        continue
                    dp = N // (tp * pp * ep)
                    space += 1
                    if not heads_ok:
                        head_rejected += 1
                        continue
                    if dp > B:
                        continue
                    local = -(-B // dp)
                    micro = min(mbs, local)
                    m_count = -(-local // micro)
                    mem = training_memory_per_rank(
                        params=w.params, bytes_per_param=w.bpp, layers=w.layers, hidden=w.hidden or 4096,
                        heads=w.heads or 32, seq_len=S, microbatch=micro, microbatch_count=m_count, tp=tp, pp=pp,
                        dp=dp, ep=ep, zero_stage=zero, optimizer_bytes=OPTIMIZER_BYTES[opt], activation_strategy=act,
                        expert_params=expert_p)
                    if mem.total > limit:
                        mem_rejected += 1
                        continue
                    kw = dict(model=model, fleet=fleet, batch_size=B, precision=precision, efficiency=eta,
                              tp_size=tp, pp_size=pp, overlap_comm=overlap_comm, seq_len=S)
                    if ep > 1:
                        kw["ep_size"] = ep
                    if zero:
                        kw["zero_stage"] = zero
                    r = dist.solve(microbatch_count=m_count, activation_recomputation=act == "full", **kw)
                    if not r.feasible:  # DistributedModel's own memory check (wall 2)
                        mem_rejected += 1
                        continue
                    step = _secs(r.step_latency_total)
                    tokens = B * S
                    mfu = float(r.mfu)  # = 6·P_active·B·S / (N·Peak·T_step)
                    cands.append({"config": {"tp": tp, "pp": pp, "dp": dp, "ep": ep}, "mfu": mfu, "step_time_s": step,
                                  "throughput_tokens_per_s": tokens / step, "memory_per_rank_gb": mem.total / 1e9,
                                  "scaling_efficiency": float(r.scaling_efficiency)})
        # deterministic ranking: MFU desc, then smaller tp·pp (less model parallelism), then smaller tp
        cands.sort(key=lambda c: (-round(c["mfu"], 12), c["config"]["tp"] * c["config"]["pp"], c["config"]["tp"]))
        trace.append(f"Searched {space} factorisations of {N} accelerators (tp ≤ {tp_cap}, pp ≤ {pp_cap}"
                     f"{', ep | ' + str(experts) if experts > 1 else ''}); {head_rejected} split attention heads "
                     f"unevenly ({model.heads} q / {model.kv_heads or model.heads} kv heads); {mem_rejected} exceed "
                     f"{limit / 1e9:.1f} GB per rank; {len(cands)} feasible")
        if not cands:
            trace.append("Memory wall: no factorisation fits the training state in per-rank memory — INFEASIBLE")
            return ParallelismOptimizerResult.build(
                feasible=False, binding_wall=2, trace=trace, total_searched=space, search_space_size=space,
                feasible_count=0, memory_rejected=mem_rejected, head_rejected=head_rejected, top_candidates=[],
                best_config={})
        best = cands[0]
        trace.append(f"Best tp={best['config']['tp']} pp={best['config']['pp']} dp={best['config']['dp']}"
                     f"{' ep=' + str(best['config']['ep']) if experts > 1 else ''}: MFU {best['mfu']:.1%}, "
                     f"step {best['step_time_s']:.3g} s")
        return ParallelismOptimizerResult.build(
            feasible=True, binding_wall=14, trace=trace, objective_value=best["mfu"], best_config=dict(best["config"]),
            best_mfu=best["mfu"], best_step_time=best["step_time_s"], best_throughput=best["throughput_tokens_per_s"],
            best_memory_per_rank=best["memory_per_rank_gb"] * 1e9, total_searched=space, search_space_size=space,
            feasible_count=len(cands), memory_rejected=mem_rejected, head_rejected=head_rejected,
            top_candidates=cands[:k])


# =============================================================================================
# Batching
# =============================================================================================
class BatchingOptimizerResult(Result):
    objective_value: float = 0.0
    best_config: dict = {}
    best_batch_size: int = 0
    p99_latency: Qty("ms") = None
    service_time: Qty("ms") = None
    sla_latency: Qty("ms")
    utilization: float = 0.0
    max_throughput: Qty("token/s") = None
    slo_headroom_ratio: float = 0.0
    is_feasible: bool = False
    total_searched: int = 0
    feasible_count: int = 0
    candidates: list = []


class BatchingOptimizer(Resolver):
    """Search — the largest continuous-batching size whose P99 latency meets the SLA.

    For each max batch b = 1 … max_search_batch (Yu 2022 Orca; Kwon 2023):
      service time  T(b) = TTFT(1) + n_out · ITL(b)          (own prefill, then decode in a batch of b; ServingModel)
      queue         M/M/c with c = b · replicas slots of service T(b), arrivals λ (TailLatencyModel, Erlang C)
      P99           the 99th percentile of the response time (wait + service; exact M/M/c, TailLatencyModel)
      feasible  ⇔  weights + KV(b) fit (wall 2/5) and the queue is stable and P99 ≤ SLA (wall 7)
    ``tp_size``/``ep_size``/``kv_precision``/``memory_efficiency``/``node`` lay out each replica as in ServingModel.
    Objective: max b (capacity b·replicas·n_out/T(b) tokens/s grows with b). None feasible → feasible=False,
    binding wall 7 (or 2 when even b = 1 does not fit).
    """

    walls = ()
    kind = "optimizer"
    result_type = BatchingOptimizerResult
    equation = "max b s.t. P99(λ, T(b), c=b·R) ≤ SLA; T(b) = TTFT + n_out·ITL(b)"

    def solve(self, *, model, hardware, seq_len, sla_latency=None, arrival_rate_qps=None, output_tokens=128,
              num_replicas=1, precision="fp16", efficiency=C.DEFAULT_EFFICIENCY, max_search_batch=256,
              service_time_cv=1.0, sla_latency_ms=None, arrival_rate=None, tp_size=1, ep_size=1, kv_precision=None,
              memory_efficiency=None, node=None) -> BatchingOptimizerResult:
        from ..physics import queueing
        from .node import TailLatencyResult
        from .serving import ServingModel

        check_type("model", model, TransformerWorkload)
        check_type("hardware", hardware, HardwareNode)
        S = check_int("seq_len", seq_len)
        if (sla_latency is None) == (sla_latency_ms is None):
            raise InputError("sla_latency", "give exactly one of sla_latency (Quantity) or sla_latency_ms (float)")
        sla = (si(sla_latency, "time", name="sla_latency") if sla_latency is not None
               else check_number("sla_latency_ms", sla_latency_ms, minimum=0.0, exclusive_minimum=True) / 1e3)
        if (arrival_rate_qps is None) == (arrival_rate is None):
            raise InputError("arrival_rate", "give exactly one of arrival_rate_qps (float) or arrival_rate (Quantity)")
        lam = (si(arrival_rate, "request_rate", name="arrival_rate", allow_zero=True) if arrival_rate is not None
               else check_number("arrival_rate_qps", arrival_rate_qps, minimum=0.0))
        n_out = check_int("output_tokens", output_tokens)
        R = check_int("num_replicas", num_replicas)
        bmax = check_int("max_search_batch", max_search_batch)
        serve = ServingModel()
        layout = dict(tp_size=tp_size, ep_size=ep_size, kv_precision=kv_precision,
                      memory_efficiency=memory_efficiency, node=node)
        p99_spec = TailLatencyResult._units["p99_latency"]
        cv = None
        first = serve.solve(model=model, hardware=hardware, seq_len=S, batch_size=1, precision=precision,
                            efficiency=efficiency, **layout)
        ttft1 = _secs(first.ttft)
        cands: list[dict[str, Any]] = []
        best = None
        first_fail_wall = None
        searched = 0
        for b in range(1, bmax + 1):
            searched += 1
            r = first if b == 1 else serve.solve(model=model, hardware=hardware, seq_len=S, batch_size=b,
                                                 precision=precision, efficiency=efficiency, **layout)
            if not r.feasible:  # KV cache grows with b: larger batches cannot fit either
                first_fail_wall = first_fail_wall or (r.binding_wall if b == 1 else 5)
                break
            t = ttft1 + n_out * _secs(r.itl)
            # TailLatencyModel().solve(arrival_rate_qps=lam, service_latency_ms=t·1e3, num_replicas=b·R,
            # service_time_cv=…) inlined: the same validation and float operations (P99 of the response time,
            # round-tripped through the result's ms field), without building a result object per candidate.
            ts = check_number("service_latency_ms", t * 1e3, minimum=0.0, exclusive_minimum=True) / 1e3
            if cv is None:
                cv = check_number("service_time_cv", service_time_cv, minimum=0.0)
            w = queueing.mmc_response(lam, 1.0 / ts, b * R, cv)
            stable = math.isfinite(w.p99_wait)
            p99 = _secs(p99_spec(w.p99_response)) if stable else math.inf
            ok = stable and p99 <= sla
            row = {"batch_size": b, "service_time_ms": t * 1e3, "p99_ms": p99 * 1e3, "utilization": w.rho,
                   "capacity_tokens_per_s": b * R * n_out / t, "feasible": ok}
            cands.append(row)
            if ok:
                best = row
            elif t > sla:  # service time alone exceeds the SLA and only grows with b
                break
        feasible = best is not None
        trace = [f"Searched b = 1…{searched} at λ = {lam:g} req/s, {R} replica(s), {n_out} output tokens, "
                 f"SLA {sla * 1e3:g} ms"]
        if feasible:
            trace.append(f"Best max batch {best['batch_size']}: service {best['service_time_ms']:.4g} ms, "
                         f"P99 {best['p99_ms']:.4g} ms, ρ = {best['utilization']:.2f}")
            wall = 7
        else:
            wall = first_fail_wall if (first_fail_wall is not None and not cands) else 7
            trace.append("No batch size meets the SLA — INFEASIBLE" if wall == 7 else
                         "The model cannot be served even at batch 1 — INFEASIBLE: "
                         + "; ".join(t for t in first.trace if "wall" in t))
        return BatchingOptimizerResult.build(
            feasible=feasible, binding_wall=wall, trace=trace, objective_value=float(best["batch_size"]) if best else 0.0,
            best_config={"max_batch_size": best["batch_size"]} if best else {}, best_batch_size=best["batch_size"] if best else 0,
            p99_latency=best["p99_ms"] / 1e3 if best else None, service_time=best["service_time_ms"] / 1e3 if best else None,
            sla_latency=sla, utilization=best["utilization"] if best else 0.0,
            max_throughput=best["capacity_tokens_per_s"] if best else None,
            slo_headroom_ratio=best["p99_ms"] / (sla * 1e3) if best else math.inf, is_feasible=feasible,
            total_searched=searched, feasible_count=sum(c["feasible"] for c in cands), candidates=cands)


# =============================================================================================
# Placement
# =============================================================================================
def network_rtt_s(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Round-trip time over fibre: RTT = 2 · 1.5 · d_great-circle / (2×10⁸ m/s) (haversine distance;
    1.5 = typical route stretch over the geodesic; no queueing or processing delay)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    d = 2 * C.EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
    return 2.0 * C.ROUTE_STRETCH * d / C.FIBER_SPEED_M_S


class PlacementOptimizerResult(Result):
    objective_value: Qty("USD")
    best_config: dict = {}
    best_region: Optional[str] = None
    lowest_tco: Qty("USD") = None
    carbon_footprint: Qty("tCO2") = None
    carbon_cost: Qty("USD") = None
    network_rtt: Qty("ms") = None
    pue: Optional[float] = None
    total_searched: int = 0
    feasible_count: int = 0
    top_candidates: list = []


DEFAULT_REGIONS = ("US_Avg", "Quebec", "Iowa", "France", "Norway", "Poland", "Singapore")


class PlacementOptimizer(Resolver):
    """Search — where to put a fleet: minimise TCO + carbon tax subject to a network-latency SLA.

    For each region r (a GridProfile, a Datacenter or a zoo grid name):
      objective(r) = TCO(r) + tax · CO₂(r)            (EconomicsModel, SustainabilityModel; walls 17–18)
      RTT(r) = 2 · 1.5 · d(users, r) / (2×10⁸ m/s)   (fibre speed, 1.5× route stretch; see network_rtt_s)
      feasible ⇔ RTT(r) ≤ sla_latency (when both sla_latency and user_location are given; a region without
      coordinates cannot be checked and is excluded)
    None feasible → feasible=False, binding wall 7 (latency). Ties break by region order.
    """

    walls = ()
    kind = "optimizer"
    result_type = PlacementOptimizerResult
    equation = "argmin_r TCO(r) + tax·CO₂(r) s.t. RTT(users, r) ≤ SLA"

    def solve(self, *, fleet, duration_days, regions=None, carbon_tax_per_ton=100.0, mfu=1.0, sla_latency=None,
              user_location=None, top_k=5) -> PlacementOptimizerResult:
        from .ops import EconomicsModel, SustainabilityModel

        check_type("fleet", fleet, (Fleet, HardwareNode))
        tax = check_number("carbon_tax_per_ton", carbon_tax_per_ton, minimum=0.0)  # USD per tonne CO2
        check_fraction("mfu", mfu)
        k = check_int("top_k", top_k)
        sites = _resolve_regions(regions)
        sla = si(sla_latency, "time", name="sla_latency") if sla_latency is not None else None
        users = None
        if user_location is not None:
            if isinstance(user_location, GridProfile):
                if user_location.lat is None or user_location.lon is None:
                    raise InputError("user_location", f"{user_location.name} has no coordinates")
                users = (user_location.lat, user_location.lon)
            elif (isinstance(user_location, (tuple, list)) and len(user_location) == 2
                  and all(isinstance(x, (int, float)) for x in user_location)):
                users = (check_number("user_location", user_location[0], minimum=-90, maximum=90),
                         check_number("user_location", user_location[1], minimum=-180, maximum=180))
            else:
                raise InputError("user_location", "must be (lat, lon) in degrees or a GridProfile with coordinates")
        eco, sus = EconomicsModel(), SustainabilityModel()
        rows = []
        for site in sites:
            g = site.grid if isinstance(site, Datacenter) else site
            e = eco.solve(fleet=fleet, duration_days=duration_days, datacenter=site, mfu=mfu)
            s = sus.solve(fleet=fleet, duration_days=duration_days, datacenter=site, mfu=mfu)
            tco = _si(e.tco_usd, "currency")
            t_co2 = _si(s.carbon_footprint_kg, "emissions") / 1e6
            rtt = network_rtt_s(users[0], users[1], g.lat, g.lon) if users and g.lat is not None and g.lon is not None else None
            ok = sla is None or users is None or (rtt is not None and rtt <= sla)
            rows.append({"region": site.name, "objective_usd": tco + tax * t_co2, "tco_usd": tco, "carbon_t": t_co2,
                         "carbon_cost_usd": tax * t_co2, "rtt_ms": rtt * 1e3 if rtt is not None else None,
                         "pue": s.pue, "feasible": ok})
        feas = sorted((r for r in rows if r["feasible"]), key=lambda r: r["objective_usd"])  # stable: region order
        trace = [f"Searched {len(rows)} regions at ${tax:g}/tCO2"
                 f"{f', RTT ≤ {sla * 1e3:g} ms from users at {users}' if sla is not None and users else ''}"]
        if not feas:
            trace.append("Latency wall: no region is close enough to the users — INFEASIBLE")
            return PlacementOptimizerResult.build(feasible=False, binding_wall=7, trace=trace, objective_value=math.inf,
                                                  total_searched=len(rows), feasible_count=0, top_candidates=[])
        b = feas[0]
        trace.append(f"Best {b['region']}: TCO ${b['tco_usd']:,.0f} + carbon {b['carbon_t']:,.1f} t × ${tax:g} = "
                     f"${b['objective_usd']:,.0f}")
        return PlacementOptimizerResult.build(
            feasible=True, binding_wall=17, trace=trace, objective_value=b["objective_usd"],
            best_config={"region": b["region"]}, best_region=b["region"], lowest_tco=b["tco_usd"],
            carbon_footprint=b["carbon_t"] * 1e6, carbon_cost=b["carbon_cost_usd"],
            network_rtt=b["rtt_ms"] / 1e3 if b["rtt_ms"] is not None else None, pue=b["pue"],
            total_searched=len(rows), feasible_count=len(feas), top_candidates=feas[:k])


def _resolve_regions(regions) -> list:
    """GridProfile / Datacenter objects as given; strings looked up in the Grids zoo."""
    if regions is None:
        regions = DEFAULT_REGIONS
    if isinstance(regions, (str, GridProfile, Datacenter, Quantity)) or not hasattr(regions, "__iter__"):
        raise InputError("regions", "must be a list of GridProfile, Datacenter or grid names")
    out = []
    for r in regions:
        if isinstance(r, (GridProfile, Datacenter)):
            out.append(r)
        elif isinstance(r, str):
            from ..zoo import Grids

            try:
                out.append(Grids.get(r))
            except KeyError as exc:
                raise InputError("regions", str(exc)) from None
        else:
            raise InputError("regions", f"unknown region {r!r}")
    if not out:
        raise InputError("regions", "is empty")
    return out
