"""Scenarios and the three-level scorecard (seed paper §3.5), plus the capstone wall audit.

``Scenario(...).evaluate() -> SystemEvaluation`` checks a design at three levels, in order:

1. **Feasibility** — does it fit? weights (inference), weights + KV cache (serving) or the per-rank
   training footprint (training, ZeRO-0 mixed-precision Adam, via physics.training) against accelerator
   memory (wall 2; KV overflow is wall 5); the ingestion path if ``data_rate`` is given (DataModel, wall 8).
   A FAIL here short-circuits: levels 2 and 3 are SKIPPED (there is no performance of a design that
   cannot run).
2. **Performance** — SingleNodeModel (inference), ServingModel (serving: the SLA applies to TTFT) or
   DistributedModel (training; a single device is treated as a 1-accelerator fleet). FAIL if the latency
   exceeds ``sla_latency``. The binding wall is the one that dominates the latency.
3. **Macro** — EconomicsModel (TCO, wall 17) and SustainabilityModel (carbon and water, wall 18) over
   ``duration_days`` at the MFU found in level 2, plus a responsible-engineering note (wall 20). FAIL only
   if an optional ``tco_budget`` / ``carbon_budget`` is exceeded.

Every metric carries its wall number. Everything is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Optional, Union

from pydantic import field_validator, Field

from .types import Datacenter, Fleet, GridProfile, HardwareNode, NetworkFabric, Node, TransformerWorkload, Workload
from .types._fields import Frozen, QuantityOf
from .units import resolve_precision, Quantity, UnitSpec
from .validation import InputError

__all__ = ["Metric", "EvaluationLevel", "SystemEvaluation", "Scenario", "AuditRow", "capstone_audit", "audit_table"]

Status = Literal["PASS", "FAIL", "WARNING", "SKIPPED"]
_GB, _MS, _S = UnitSpec("GB"), UnitSpec("ms"), UnitSpec("s")


@dataclass(frozen=True)
class Metric:
    """One scorecard line: ``value`` is a Quantity, a string, a number or a bool; ``wall`` the wall it
    belongs to; ``status`` PASS / FAIL / INFO."""

    name: str
    value: Any
    wall: Optional[int] = None
    status: str = "INFO"

    @property
    def unit(self) -> str:
        return f"{self.value.units:~P}" if isinstance(self.value, Quantity) else ""

    def plain(self) -> Any:
        v = self.value
        return float(v.magnitude) if isinstance(v, Quantity) else v

    def text(self) -> str:
        v = self.value
        if isinstance(v, Quantity):
            return f"{_num(float(v.magnitude))} {v.units:~P}"
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, float):
            return _num(v)
        return str(v)


def _num(x: float) -> str:
    """Readable number: thousands separators from 100 up to 1e9, 4 significant digits otherwise."""
    return f"{x:,.0f}" if 100 <= abs(x) < 1e9 else f"{x:.4g}"


@dataclass(frozen=True)
class EvaluationLevel:
    level: int
    level_name: str
    status: str
    summary: str
    metrics: tuple[Metric, ...] = ()
    binding_wall: Optional[int] = None

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"level {self.level_name!r} has no metric {name!r}; has {[m.name for m in self.metrics]}")

    @property
    def metrics_dict(self) -> dict[str, Any]:
        return {m.name: m.value for m in self.metrics}


def _skipped(level: int, name: str, why: str) -> EvaluationLevel:
    return EvaluationLevel(level, name, "SKIPPED", why)


@dataclass(frozen=True)
class SystemEvaluation:
    scenario_name: str
    feasibility: EvaluationLevel
    performance: EvaluationLevel
    macro: EvaluationLevel

    @property
    def levels(self) -> tuple[EvaluationLevel, EvaluationLevel, EvaluationLevel]:
        return (self.feasibility, self.performance, self.macro)

    @property
    def passed_all(self) -> bool:
        return all(lv.status in ("PASS", "SKIPPED", "WARNING") for lv in self.levels) and \
            self.feasibility.status != "SKIPPED"

    @property
    def binding_wall(self) -> Optional[int]:
        """The wall of the first failing level; if none fails, the wall that limits performance."""
        for lv in self.levels:
            if lv.status == "FAIL":
                return lv.binding_wall
        return self.performance.binding_wall

    @property
    def metrics(self) -> list[Metric]:
        return [m for lv in self.levels for m in lv.metrics]

    def to_dict(self) -> dict[str, Any]:
        """Flat dict: ``scenario``, ``f_status``/``p_status``/``m_status``, ``binding_wall``, ``passed_all``
        and every metric as ``f_``/``p_``/``m_`` + name (quantities as magnitudes in their shown unit)."""
        out: dict[str, Any] = {"scenario": self.scenario_name}
        for prefix, lv in zip(("f", "p", "m"), self.levels):
            out[f"{prefix}_status"] = lv.status
            for m in lv.metrics:
                out[f"{prefix}_{m.name}"] = m.plain()
        out["binding_wall"] = self.binding_wall
        out["passed_all"] = self.passed_all
        return out

    def scorecard(self, width: int = 76) -> str:
        """Box-drawn text scorecard."""
        inner = width - 4

        def line(text: str = "") -> str:
            text = text if len(text) <= inner else text[: inner - 1] + "…"
            return f"║ {text:<{inner}} ║"

        bw = self.binding_wall
        out = ["╔" + "═" * (width - 2) + "╗", line(f"Scenario: {self.scenario_name}"),
               line(f"Verdict: {'PASS' if self.passed_all else 'FAIL'}"
                    f"{f'   binding wall {bw}' if bw else ''}")]
        for lv in self.levels:
            out.append("╠" + "═" * (width - 2) + "╣")
            out.append(line(f"Level {lv.level}: {lv.level_name} [{lv.status}]"))
            out.append(line(f"  {lv.summary}"))
            for m in lv.metrics:
                tag = f"W{m.wall:<2}" if m.wall else "   "
                out.append(line(f"  {m.name:<24} {m.text():>26}  {tag} {m.status}"))
        out.append("╚" + "═" * (width - 2) + "╝")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.scorecard()


def single_device_fleet(hw: HardwareNode) -> Fleet:
    """A 1-node, 1-accelerator fleet around a device (so fleet-level models apply to it)."""
    return Fleet(name=f"1 × {hw.name}", node=Node(name=hw.name, accelerator=hw, accelerators_per_node=1,
                                                   intra_node_bw="1 TB/s", nics_per_node=1),
                 count=1, fabric=NetworkFabric(name="none", bandwidth="100 GB/s"))


class Scenario(Frozen):
    """A workload on a system under an SLA, for a period, in a place.

    ``mode``: "inference" (one forward pass of ``batch_size`` samples), "serving" (LLM prefill + decode at
    ``seq_len``), "training" (one optimizer step of ``batch_size`` sequences of ``seq_len`` tokens);
    "auto" = training for a Fleet, inference for a device. Serving scenarios lay the model out over ``tp_size``
    devices of the given accelerator (``ep_size``, ``kv_precision``, ``memory_efficiency`` as in ServingModel); the
    macro level then prices those ``tp_size`` devices.
    """

    name: str
    workload: Workload
    system: Union[Fleet, HardwareNode]
    batch_size: int = Field(default=1, ge=1)
    precision: str = "fp16"
    sla_latency: Optional[QuantityOf("time")] = None
    duration_days: float = Field(default=365.0, gt=0, allow_inf_nan=False)
    grid: Optional[GridProfile] = None
    datacenter: Optional[Datacenter] = None
    data_rate: Optional[QuantityOf("bandwidth", allow_zero=True)] = None
    mode: Literal["auto", "inference", "serving", "training"] = "auto"
    seq_len: int = Field(default=2048, ge=1)
    efficiency: float = Field(default=0.5, gt=0, le=1)
    tp_size: int = Field(default=1, ge=1)
    pp_size: int = Field(default=1, ge=1)
    ep_size: int = Field(default=1, ge=1)
    kv_precision: Optional[str] = None
    memory_efficiency: Optional[float] = Field(default=None, gt=0, le=1, allow_inf_nan=False)
    overlap_comm: bool = True
    zero_stage: int = Field(default=0, ge=0, le=3)
    tco_budget: Optional[QuantityOf("currency")] = None
    carbon_budget: Optional[QuantityOf("emissions")] = None
    description: str = ""

    @field_validator("precision")
    @classmethod
    def _known_precision(cls, v: str) -> str:
        return resolve_precision(v)[0]

    @property
    def is_distributed(self) -> bool:
        return isinstance(self.system, Fleet)

    @property
    def accelerator(self) -> HardwareNode:
        return self.system.node.accelerator if isinstance(self.system, Fleet) else self.system

    @property
    def resolved_mode(self) -> str:
        if self.mode == "auto":
            return "training" if self.is_distributed else "inference"
        return self.mode

    def evaluate(self, batch_size: Optional[int] = None, precision: Optional[str] = None) -> SystemEvaluation:
        """Run the three levels (``batch_size``/``precision`` override the scenario's for this call)."""
        sc = self
        if precision is not None:
            resolve_precision(precision)  # InputError naming "precision" before re-validating the scenario
        if batch_size is not None or precision is not None:
            upd = {k: v for k, v in (("batch_size", batch_size), ("precision", precision)) if v is not None}
            sc = Scenario.model_validate({**self.__dict__, **upd})
        mode = sc.resolved_mode
        if mode in ("inference", "serving") and sc.is_distributed:
            raise InputError("mode", "fleet scenarios evaluate a training step; use a HardwareNode system "
                                     "for inference or serving")
        if mode in ("serving", "training") and not isinstance(sc.workload, TransformerWorkload):
            raise InputError("workload", f"{mode} needs a TransformerWorkload, got {type(sc.workload).__name__}")
        sc.workload.si(sc.precision)  # validates the precision (InputError names it)
        feas = sc._feasibility(mode)
        if feas.status == "FAIL":
            why = f"skipped: infeasible at level 1 (wall {feas.binding_wall})"
            return SystemEvaluation(sc.name, feas, _skipped(2, "Performance", why), _skipped(3, "Macro", why))
        perf, mfu = sc._performance(mode)
        return SystemEvaluation(sc.name, feas, perf, sc._macro(mode, mfu))

    def _serving(self):
        """ServingModel of this scenario (the serving layout: tp/ep, KV precision, achieved bandwidth)."""
        from .resolvers.serving import ServingModel

        return ServingModel().solve(
            model=self.workload, hardware=self.accelerator, seq_len=self.seq_len, batch_size=self.batch_size,
            precision=self.precision, efficiency=self.efficiency, tp_size=self.tp_size, ep_size=self.ep_size,
            kv_precision=self.kv_precision, memory_efficiency=self.memory_efficiency)

    # ---------------- level 1 ----------------
    def _feasibility(self, mode: str) -> EvaluationLevel:
        hw = self.accelerator
        w = self.workload.si(self.precision)
        cap = hw.si.mem_capacity
        metrics: list[Metric] = []
        shard = self.tp_size * self.pp_size
        if mode == "training":
            from .resolvers.fleet import TrainingMemoryModel

            n = self.system.total_accelerators if self.is_distributed else 1
            if shard > n or n % shard:
                raise InputError("tp_size", f"tp·pp = {shard} must divide the {n} accelerators")
            mem = TrainingMemoryModel().solve(model=self.workload, hardware=hw, batch_size=self.batch_size,
                                              seq_len=self.seq_len, precision=self.precision, tp_size=self.tp_size,
                                              pp_size=self.pp_size, dp_size=n // shard, zero_stage=self.zero_stage)
            need, wall = float(mem.total_memory.to("B").magnitude), 2
            metrics += [Metric("weights_per_rank", mem.weights, 2), Metric("optimizer_state", mem.optimizer_state, 2),
                        Metric("activations", mem.activations, 2)]
            what = "training state per rank"
        elif mode == "serving":
            srv = self._serving()
            weights = float(srv.weights_per_device.to("B").magnitude)
            kv = float(srv.kv_cache_per_device.to("B").magnitude)
            need = float(srv.total_memory_required.to("B").magnitude)
            wall = 5 if weights <= cap else 2
            metrics.append(Metric("weight_size", _GB(weights), 2, "PASS" if weights <= cap else "FAIL"))
            metrics.append(Metric("kv_cache_size", _GB(kv), 5, "PASS" if need <= cap else "FAIL"))
            what = "weights + KV cache" + (f" per device (TP {self.tp_size})" if self.tp_size > 1 else "")
            layout_issues = [t for t in srv.trace if t.startswith(("Communication wall", "Serving wall"))]
        else:
            weights = w.weight_bytes
            need = weights
            wall = 2
            metrics.append(Metric("weight_size", _GB(weights), 2, "PASS" if weights <= cap else "FAIL"))
            what = "weights"
        fits = need <= cap
        metrics += [Metric("memory_required", _GB(need), wall, "PASS" if fits else "FAIL"),
                    Metric("memory_capacity", _GB(cap), 2), Metric("memory_utilization", need / cap, 2)]
        status, binding = ("PASS", None) if fits else ("FAIL", wall)
        summary = (f"Fits in memory ({need / 1e9:,.1f} / {cap / 1e9:,.1f} GB, {what})" if fits else
                   f"OOM: {what} need {need / 1e9:,.1f} GB but {hw.name} has {cap / 1e9:,.1f} GB")
        if mode == "serving" and fits and layout_issues:
            status, binding, summary = "FAIL", srv.binding_wall, layout_issues[0]
        if self.data_rate is not None:
            from .resolvers.data import DataModel

            try:
                d = DataModel().solve(workload_data_rate=self.data_rate, hardware=hw)
                metrics.append(Metric("data_utilization", d.utilization, 8, "FAIL" if d.is_stalled else "PASS"))
                metrics.append(Metric("data_stalled", d.is_stalled, 8, "FAIL" if d.is_stalled else "PASS"))
                if d.is_stalled and status == "PASS":
                    status, binding = "FAIL", 8
                    summary = f"Data stall: demand {d.utilization:.2f}× what {d.limiting_path} supplies"
            except InputError as exc:
                metrics.append(Metric("data_stalled", f"unknown ({exc.reason})", 8))
        return EvaluationLevel(1, "Feasibility", status, summary, tuple(metrics), binding)

    # ---------------- level 2 ----------------
    def _performance(self, mode: str) -> tuple[EvaluationLevel, float]:
        hw = self.accelerator
        metrics: list[Metric] = []
        if mode == "inference":
            from .resolvers.node import SingleNodeModel

            r = SingleNodeModel().solve(model=self.workload, hardware=hw, batch_size=self.batch_size,
                                        precision=self.precision, efficiency=self.efficiency)
            lat, wall, mfu = r.latency, r.binding_wall, r.mfu
            metrics += [Metric("latency", r.latency, wall), Metric("throughput", r.throughput, wall),
                        Metric("bottleneck", r.bottleneck, wall), Metric("arithmetic_intensity", r.arithmetic_intensity, 1),
                        Metric("mfu", mfu, 3)]
            summary = f"{r.bottleneck}-bound: {lat.to('ms').magnitude:,.4g} ms per batch of {self.batch_size}"
        elif mode == "serving":
            from .resolvers.serving import ServingModel

            r = self._serving()
            w = self.workload.si(self.precision)
            lat, wall = r.ttft, 4
            itl_s = r.itl.to("s").magnitude
            mfu = min(1.0, w.ops * self.batch_size / itl_s / (self.tp_size * hw.peak_si(self.precision)))
            metrics += [Metric("ttft", r.ttft, 4), Metric("itl", r.itl, 4), Metric("decode_floor", r.decode_floor, 4),
                        Metric("decode_tokens_per_sec", r.decode_tokens_per_sec, 4),
                        Metric("itl_bottleneck", r.itl_bottleneck, 4), Metric("mfu", mfu, 3)]
            summary = f"TTFT {r.ttft.to('ms').magnitude:,.4g} ms, ITL {r.itl.to('ms').magnitude:,.4g} ms"
        else:
            from .resolvers.fleet import DistributedModel

            fleet = self.system if self.is_distributed else single_device_fleet(hw)
            r = DistributedModel().solve(model=self.workload, fleet=fleet, batch_size=self.batch_size,
                                         precision=self.precision, efficiency=self.efficiency, tp_size=self.tp_size,
                                         pp_size=self.pp_size, overlap_comm=self.overlap_comm, seq_len=self.seq_len,
                                         zero_stage=self.zero_stage)
            lat = r.step_latency_total
            eff = float(r.scaling_efficiency)
            mfu = _fleet_mfu(r)
            wall = r.binding_wall or 14  # 14 when exposed communication + bubble exceed compute, else 1
            metrics += [Metric("step_latency", lat, 14), Metric("scaling_efficiency", eff, 14),
                        Metric("bubble_fraction", float(r.bubble_fraction), 14),
                        Metric("dp_communication", r.dp_communication_latency, 14),
                        Metric("tp_communication", r.tp_communication_latency, 14), Metric("mfu", mfu, 3)]
            summary = f"Step {lat.to('ms').magnitude:,.4g} ms at {eff:.0%} scaling efficiency"
        status = "PASS"
        if self.sla_latency is not None:
            ok = lat <= self.sla_latency
            status = "PASS" if ok else "FAIL"
            metrics.append(Metric("sla_latency", self.sla_latency.to(lat.units), wall, status))
            if not ok:
                summary = f"SLA violated: {lat.to('ms').magnitude:,.4g} ms > {self.sla_latency.to('ms').magnitude:,.4g} ms"
        return EvaluationLevel(2, "Performance", status, summary, tuple(metrics), wall), mfu

    # ---------------- level 3 ----------------
    def _macro(self, mode: str, mfu: float) -> EvaluationLevel:
        from .resolvers.ops import EconomicsModel, ResponsibleEngineeringModel, SustainabilityModel

        system = self.system
        if mode == "serving" and self.tp_size > 1 and not self.is_distributed:
            hw = self.accelerator
            system = Fleet(name=f"{self.tp_size} × {hw.name}", count=1,
                           node=Node(name=f"TP {self.tp_size} node", accelerator=hw, accelerators_per_node=self.tp_size,
                                     intra_node_bw="1 TB/s", nics_per_node=1),
                           fabric=NetworkFabric(name="none", bandwidth="100 GB/s"))
        kw = dict(fleet=system, duration_days=self.duration_days, grid=self.grid, datacenter=self.datacenter,
                  mfu=min(max(mfu, 0.0), 1.0))
        e = EconomicsModel().solve(**kw)
        s = SustainabilityModel().solve(**kw)
        status, binding = "PASS", None
        t_ok = self.tco_budget is None or e.tco_usd <= self.tco_budget
        c_ok = self.carbon_budget is None or s.carbon_footprint_kg <= self.carbon_budget
        metrics = [Metric("tco_usd", e.tco_usd, 17, "PASS" if t_ok else "FAIL"), Metric("capex_usd", e.capex_usd, 17),
                   Metric("opex_energy_usd", e.opex_energy_usd, 17),
                   Metric("total_energy_kwh", s.total_energy_kwh, 18),
                   Metric("carbon_footprint_kg", s.carbon_footprint_kg, 18, "PASS" if c_ok else "FAIL"),
                   Metric("water_usage_liters", s.water_usage_liters, 18), Metric("pue", s.pue, 18),
                   Metric("region", s.region_name, 18)]
        if mode == "training":
            r = ResponsibleEngineeringModel().solve(base_training_time=f"{self.duration_days} day")
            note = f"DP-SGD at ε=1 would stretch training {r.dp_slowdown_low:.0f}–{r.dp_slowdown_high:.0f}× (not applied)"
        else:
            note = "Inference: no privacy training cost; audit accuracy per subgroup"
        metrics.append(Metric("safety_note", note, 20))
        if not t_ok:
            status, binding = "FAIL", 17
        elif not c_ok:
            status, binding = "FAIL", 18
        summary = (f"{self.duration_days:g} days: carbon {s.carbon_footprint_kg.to('kgCO2').magnitude:,.0f} kg | "
                   f"TCO ${e.tco_usd.to('USD').magnitude:,.0f}")
        return EvaluationLevel(3, "Macro", status, summary, tuple(metrics), binding)


def _fleet_mfu(r) -> float:
    """Fleet MFU = node MFU × scaling efficiency (upstream convention), or the resolver's own ``mfu``."""
    for name in ("mfu", "fleet_mfu"):
        v = getattr(r, name, None)
        if isinstance(v, (int, float)):
            return float(v)
    node = getattr(r, "node_profile", None)
    node_mfu = getattr(node, "mfu", None) or 0.0
    return float(node_mfu) * float(r.scaling_efficiency)


# =============================================================================================
# Capstone audit: one row per wall domain for a model trained on a fleet in a region
# =============================================================================================
class AuditRow(NamedTuple):
    domain: str
    wall: int
    metric: str
    value: Any


def capstone_audit(model: TransformerWorkload, fleet: Fleet, grid: Optional[GridProfile] = None, *,
                   batch_size: int = 1024, precision: str = "bf16", tp_size: int = 8, pp_size: int = 4,
                   seq_len: int = 4096, overlap_comm: bool = True, duration_days: float = 30.0,
                   data_rate="2 GB/s", compute_budget=None, job_duration_hours: Optional[float] = None,
                   checkpoint_time_s: float = 60.0, target_latency="50 ms", datacenter=None) -> list[AuditRow]:
    """The seed-paper capstone as a table: (domain, wall, metric, value) rows from SingleNodeModel,
    DataModel, ScalingModel, DistributedModel, ReliabilityModel, EconomicsModel, SustainabilityModel,
    SensitivitySolver and SynthesisSolver, in that order. ``compute_budget`` defaults to 6·P·D with D the
    model's training tokens (else 20·P); the job lasts ``duration_days`` unless ``job_duration_hours`` is given.
    """
    from .resolvers.algorithm import ScalingModel
    from .resolvers.analysis import SensitivitySolver, SynthesisSolver
    from .resolvers.data import DataModel
    from .resolvers.fleet import DistributedModel, ReliabilityModel
    from .resolvers.node import SingleNodeModel
    from .resolvers.ops import EconomicsModel, SustainabilityModel
    from .units import Q_

    hw = fleet.node.accelerator
    rows: list[AuditRow] = []
    add = lambda d, w, m, v: rows.append(AuditRow(d, w, m, v))  # noqa: E731
    node = SingleNodeModel().solve(model=model, hardware=hw, batch_size=1, precision=precision)
    add("node", 2, "fits on one accelerator", node.feasible)
    add("node", node.binding_wall, "single-device bottleneck", node.bottleneck)
    data = DataModel().solve(workload_data_rate=data_rate, hardware=hw)
    add("data", 8, "ingestion utilization", float(data.utilization))
    tokens = getattr(model, "training_tokens", None) or 20.0 * model.parameters
    budget = compute_budget if compute_budget is not None else Q_(6.0 * model.parameters * tokens, "flop")
    sc = ScalingModel().solve(compute_budget=budget)
    add("algorithm", 11, "Chinchilla-optimal parameters", sc.optimal_parameters)
    add("algorithm", 11, "Chinchilla-optimal tokens", sc.optimal_tokens)
    dist = DistributedModel().solve(model=model, fleet=fleet, batch_size=batch_size, precision=precision,
                                    tp_size=tp_size, pp_size=pp_size, overlap_comm=overlap_comm, seq_len=seq_len)
    mfu = _fleet_mfu(dist)
    add("fleet", 14, "step time", dist.step_latency_total)
    add("fleet", 14, "scaling efficiency", float(dist.scaling_efficiency))
    add("fleet", 14, "pipeline bubble", float(dist.bubble_fraction))
    add("fleet", 3, "fleet MFU", mfu)
    hours = job_duration_hours if job_duration_hours is not None else duration_days * 24.0
    rel = ReliabilityModel().solve(fleet=fleet, job_duration_hours=hours, checkpoint_time_s=checkpoint_time_s)
    add("fleet", 15, "fleet MTBF", rel.fleet_mtbf)
    add("fleet", 15, "expected failures", float(rel.expected_failures))
    add("fleet", 15, "Young–Daly checkpoint interval", rel.optimal_checkpoint_interval)
    eco = EconomicsModel().solve(fleet=fleet, duration_days=duration_days, grid=grid, mfu=mfu)
    add("operations", 17, "TCO", eco.tco_usd)
    sus = SustainabilityModel().solve(fleet=fleet, duration_days=duration_days, datacenter=datacenter or grid, mfu=mfu)
    add("operations", 18, "carbon", sus.carbon_footprint_kg)
    add("operations", 18, "water", sus.water_usage_liters)
    sen = SensitivitySolver().solve(model=model, hardware=hw, precision=precision)
    add("analysis", 21, "binding constraint", sen.binding_constraint)
    syn = SynthesisSolver().solve(model=model, target_latency=target_latency, precision=precision)
    add("analysis", 22, f"bandwidth for {target_latency} per token", syn.required_bw)
    return rows


def audit_table(rows: list[AuditRow]) -> str:
    """Box-drawn table of :func:`capstone_audit` rows."""
    cells = [(r.domain, str(r.wall), r.metric, Metric(r.metric, r.value).text()) for r in rows]
    heads = ("Domain", "Wall", "Metric", "Value")
    wd = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    fmt = lambda c: "│ " + " │ ".join(f"{x:<{w}}" for x, w in zip(c, wd)) + " │"  # noqa: E731
    bar = lambda l, m, r: l + m.join("─" * (w + 2) for w in wd) + r  # noqa: E731
    return "\n".join([bar("┌", "┬", "┐"), fmt(heads), bar("├", "┼", "┤"), *map(fmt, cells), bar("└", "┴", "┘")])
