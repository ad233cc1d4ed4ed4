"""Data-domain resolvers: DataModel (wall 8), TransformationModel (wall 9), TopologyModel (wall 10)."""

from __future__ import annotations

from ..physics import constants as C
from ..types.hardware import HardwareNode
from ..types.systems import NetworkFabric
from ..units import si
from ..validation import InputError, check_choice, check_int, check_number, check_type
from .base import Qty, Resolver, Result

__all__ = [
    "DataModel", "DataResult", "TransformationModel", "TransformationResult", "TopologyModel", "TopologyResult",
    "TOPOLOGIES",
]


# ------------------------------------------------------------------------------------------------
# Wall 8: ingestion
# ------------------------------------------------------------------------------------------------
class DataResult(Result):
    """Can storage and the host link feed the accelerator? ``bottleneck`` names the narrower path when the
    pipeline stalls ("Storage" or "Host link"), else "None"; ``limiting_path`` always names it."""

    demand_bw: Qty("GB/s")
    supply_bw: Qty("GB/s")
    storage_bw: Qty("GB/s")  # 0 when the device declares no storage
    host_link_bw: Qty("GB/s")  # 0 when the device declares no host link
    headroom_bw: Qty("GB/s")
    utilization: float = 0.0
    margin: float = 0.0
    is_stalled: bool = False
    bottleneck: str = "None"
    limiting_path: str = "Storage"


class DataModel(Resolver):
    """Wall 8 — Ingestion: can the data path keep the accelerator busy? (seed paper §4.2)

        BW_supply = min(BW_storage, BW_host link)      (paths the device does not declare are skipped)
        ρ = BW_demand / BW_supply;  stalled ⇔ ρ > 1;  margin = 1 − ρ (fraction of supply unused)

    A stalled pipeline is an infeasible design (feasible=False, binding wall 8); the accelerator then runs
    at 1/ρ of its rate.
    """

    walls = (8,)
    kind = "model"
    result_type = DataResult
    equation = "ρ = BW_demand / min(BW_storage, BW_host)"

    def solve(self, *, workload_data_rate, hardware) -> DataResult:
        demand = si(workload_data_rate, "bandwidth", name="workload_data_rate", allow_zero=True)
        check_type("hardware", hardware, HardwareNode)
        h = hardware.si
        paths = []
        if h.storage_bw > 0:
            paths.append(("Storage", h.storage_bw))
        if h.host_bw > 0:
            paths.append(("Host link", h.host_bw))
        if not paths:
            raise InputError("hardware", f"{hardware.name} declares neither storage nor a host link bandwidth")
        name, supply = min(paths, key=lambda p: p[1])
        rho = demand / supply
        stalled = rho > 1.0
        trace = [
            f"Supply = min({', '.join(f'{n} {b / 1e9:.4g} GB/s' for n, b in paths)}) = {supply / 1e9:.4g} GB/s "
            f"({name})",
            f"ρ = {demand / 1e9:.4g} / {supply / 1e9:.4g} = {rho:.3g}",
        ]
        if stalled:
            trace.append(f"Ingestion wall: {name} cannot feed {hardware.name}; the accelerator idles "
                         f"{(1 - 1 / rho) * 100:.3g} % of the time")
        return DataResult.build(
            feasible=not stalled, binding_wall=8 if stalled else None, trace=trace,
            demand_bw=demand, supply_bw=supply,
            storage_bw=h.storage_bw, host_link_bw=h.host_bw,
            headroom_bw=supply - demand, utilization=rho, margin=1.0 - rho,
            is_stalled=stalled, bottleneck=name if stalled else "None", limiting_path=name,
        )


# ------------------------------------------------------------------------------------------------
# Wall 9: transformation (CPU preprocessing)
# ------------------------------------------------------------------------------------------------
class TransformationResult(Result):
    transform_time: Qty("ms")
    accelerator_step_time: Qty("ms")
    effective_step_time: Qty("ms")
    is_bottleneck: bool = False
    accelerator_utilization: float = 1.0
    slowdown_factor: float = 1.0


class TransformationModel(Resolver):
    """Wall 9 — Transformation: can the CPUs decode/augment a batch before the accelerator needs it?
    (seed paper §4.2)

        T_transform = B · S / C_throughput
        T_step      = max(T_transform, T_accel)          (preprocessing overlapped with compute)
        utilization = T_accel / T_step;  slowdown = T_step / T_accel

    When preprocessing is slower than the step the accelerator starves: feasible=False, binding wall 9.
    """

    walls = (9,)
    kind = "model"
    result_type = TransformationResult
    equation = "T = B·S / C_throughput; slowdown = max(T, T_accel)/T_accel"

    def solve(self, *, batch_size, sample_size, cpu_throughput, accelerator_step_time) -> TransformationResult:
        b = check_int("batch_size", batch_size)
        s = si(sample_size, "information", name="sample_size")
        c = si(cpu_throughput, "bandwidth", name="cpu_throughput")
        t_acc = si(accelerator_step_time, "time", name="accelerator_step_time")
        t_tr = b * s / c
        t_step = max(t_tr, t_acc)
        bottleneck = t_tr > t_acc
        trace = [f"T_transform = {b} × {s / 1e6:.4g} MB / {c / 1e9:.4g} GB/s = {t_tr * 1e3:.4g} ms "
                 f"vs accelerator step {t_acc * 1e3:.4g} ms"]
        if bottleneck:
            trace.append(f"Transformation wall: CPUs bound the step; accelerator busy {t_acc / t_step * 100:.3g} %")
        return TransformationResult.build(
            feasible=not bottleneck, binding_wall=9 if bottleneck else None, trace=trace,
            transform_time=t_tr, accelerator_step_time=t_acc, effective_step_time=t_step,
            is_bottleneck=bottleneck, accelerator_utilization=t_acc / t_step, slowdown_factor=t_step / t_acc,
        )


# ------------------------------------------------------------------------------------------------
# Wall 10: locality (topology)
# ------------------------------------------------------------------------------------------------
TOPOLOGIES = ("fat_tree", "rail_optimized", "dragonfly", "torus_3d", "ring")

#: Dragonfly bisection factor (physics/constants.py; Kim et al. 2008 heuristic).
DRAGONFLY_BISECTION = C.DRAGONFLY_BISECTION


def _beta_hops(topology: str, n: int) -> tuple[float, float]:
    """(bisection fraction β, average hops) for ``n`` endpoints each injecting one link of bandwidth b.

    β = bisection bandwidth / (n/2 · b), per direction, capped at 1:
      fat_tree / rail_optimized: 1 (non-blocking Clos);   dragonfly: 0.85
      ring (bidirectional): cutting it in half cuts 2 links → 2b/(n/2·b) = 4/n
      torus_3d (k×k×k, wrap-around, k = n^(1/3)): the cut crosses 2k² links → 2k²/(k³/2) = 4/k
    Average hops: fat_tree 4 (up-up-down-down in a 3-tier Clos), rail_optimized 2 (same-rail peers share
    a leaf), dragonfly 3 (local–global–local), torus_3d 3k/4 (k/4 per dimension), ring n/4.
    """
    if topology in ("fat_tree", "rail_optimized"):
        return 1.0, 4.0 if topology == "fat_tree" else 2.0
    if topology == "dragonfly":
        return DRAGONFLY_BISECTION, 3.0
    if topology == "ring":
        return min(1.0, 4.0 / n), n / 4.0
    k = round(n ** (1.0 / 3.0))  # torus_3d
    if k ** 3 != n:
        k = n ** (1.0 / 3.0)
    return min(1.0, 4.0 / k), 0.75 * k


class TopologyResult(Result):
    effective_bw: Qty("GB/s")
    bisection_bw: Qty("GB/s")
    link_bw: Qty("GB/s")
    bisection_fraction: float = 1.0
    oversubscription: float = 1.0
    hops_avg: float = 0.0
    topology: str = "fat_tree"
    num_nodes: int = 1

    @property
    def bisection_bw_fraction(self) -> float:
        """Upstream name of :attr:`bisection_fraction`."""
        return self.bisection_fraction


class TopologyModel(Resolver):
    """Wall 10 — Locality: how much per-endpoint bandwidth survives the network topology? (seed paper §4.2)

        BW_eff       = BW_link · β / oversubscription
        BW_bisection = BW_link · β · N/2 / oversubscription

    β is the topology's bisection fraction (see ``_beta_hops``). ``topology`` defaults to the fabric's own.
    """

    walls = (10,)
    kind = "model"
    result_type = TopologyResult
    equation = "BW_eff = BW_link·β / oversubscription"

    def solve(self, *, fabric, topology=None, num_nodes=64, oversubscription=None) -> TopologyResult:
        check_type("fabric", fabric, NetworkFabric)
        topo = check_choice("topology", fabric.topology if topology is None else topology, TOPOLOGIES)
        n = check_int("num_nodes", num_nodes, minimum=2)
        ov = (fabric.oversubscription if oversubscription is None
              else check_number("oversubscription", oversubscription, minimum=1.0))
        link = si(fabric.bandwidth, "bandwidth")
        beta, hops = _beta_hops(topo, n)
        eff = link * beta / ov
        bis = eff * n / 2.0
        trace = [f"{topo}: β = {beta:.3g}, oversubscription {ov:g}:1 → BW_eff = {link / 1e9:.4g} GB/s × {beta:.3g}"
                 f" / {ov:g} = {eff / 1e9:.4g} GB/s; bisection {bis / 1e12:.4g} TB/s over {n} nodes"]
        degraded = beta < 1.0 or ov > 1.0
        return TopologyResult.build(
            binding_wall=10 if degraded else None, trace=trace, effective_bw=eff, bisection_bw=bis, link_bw=link,
            bisection_fraction=beta, oversubscription=ov, hops_avg=hops, topology=topo, num_nodes=n,
        )
