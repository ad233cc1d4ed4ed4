"""DataModel (wall 8), TransformationModel (wall 9), TopologyModel (wall 10).

Fixtures from datasheets (zoo-independent): H100 with a PCIe Gen5 host link (64 GB/s per direction) and a
local NVMe (7 GB/s); InfiniBand NDR 400 Gb/s = 50 GB/s per endpoint per direction, α = 5 µs.
"""

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mlsysim_core import Q_
from mlsysim_core.resolvers.data import DataModel, TopologyModel, TransformationModel
from mlsysim_core.types import ComputeCore, HardwareNode, IOInterconnect, MemoryHierarchy, NetworkFabric
from mlsysim_core.types.hardware import StorageHierarchy
from mlsysim_core.validation import InputError


def make_hw(storage="7 GB/s", host="64 GB/s"):
    return HardwareNode(
        name="H100", compute=ComputeCore(peak_flops="989 TFLOP/s"),
        memory=MemoryHierarchy(capacity="80 GiB", bandwidth="3.35 TB/s"),
        storage=StorageHierarchy(capacity="2 TB", bandwidth=storage) if storage else None,
        interconnect=IOInterconnect(name="PCIe5", bandwidth=host) if host else None,
    )


H100 = make_hw()
NDR = NetworkFabric(name="IB NDR", bandwidth="400 Gbps", latency="5 us")


def gbs(q):
    return q.to("GB/s").magnitude


# ------------------------------------------------------------------------------------------------ DataModel
def test_data_not_stalled():
    r = DataModel().solve(workload_data_rate=Q_(5, "GB/s"), hardware=H100)
    # supply = min(7, 64) = 7 GB/s (storage); ρ = 5/7 = 0.7143
    assert gbs(r.supply_bw) == pytest.approx(7.0)
    assert gbs(r.demand_bw) == pytest.approx(5.0)
    assert r.utilization == pytest.approx(5 / 7)
    assert r.margin == pytest.approx(2 / 7)
    assert not r.is_stalled and r.feasible and r.binding_wall is None
    assert r.bottleneck == "None" and r.limiting_path == "Storage"
    assert gbs(r.headroom_bw) == pytest.approx(2.0)


def test_data_stalled_is_a_result():
    r = DataModel().solve(workload_data_rate="10 GB/s", hardware=H100)
    # ρ = 10/7 = 1.4286 > 1
    assert r.is_stalled and not r.feasible and r.binding_wall == 8
    assert r.utilization == pytest.approx(10 / 7)
    assert r.bottleneck == "Storage"
    assert any("Ingestion wall" in t for t in r.trace)


def test_data_host_link_binds():
    hw = make_hw(storage="100 GB/s", host="32 GB/s")  # PCIe Gen4
    r = DataModel().solve(workload_data_rate="40 GB/s", hardware=hw)
    assert r.bottleneck == "Host link" and gbs(r.supply_bw) == pytest.approx(32)
    # absent paths are skipped: storage only
    r2 = DataModel().solve(workload_data_rate="1 GB/s", hardware=make_hw(host=None))
    assert gbs(r2.supply_bw) == pytest.approx(7) and gbs(r2.host_link_bw) == 0.0


def test_data_zero_demand():
    r = DataModel().solve(workload_data_rate="0 GB/s", hardware=H100)
    assert r.utilization == 0.0 and not r.is_stalled


@pytest.mark.parametrize("rate", ["-1 GB/s", Q_(float("nan"), "GB/s"), Q_(float("inf"), "GB/s"), "5 GB", 5.0])
def test_data_invalid_rate(rate):
    with pytest.raises(InputError) as e:
        DataModel().solve(workload_data_rate=rate, hardware=H100)
    assert e.value.field == "workload_data_rate"


def test_data_invalid_hardware():
    with pytest.raises(InputError) as e:
        DataModel().solve(workload_data_rate="1 GB/s", hardware=make_hw(storage=None, host=None))
    assert e.value.field == "hardware"
    with pytest.raises(InputError) as e:
        DataModel().solve(workload_data_rate="1 GB/s", hardware="H100")
    assert e.value.field == "hardware"


@given(st.floats(0.0, 1e3), st.floats(0.0, 1e3))
@example(7.0, 7.0)  # demand exactly equal to the 7 GB/s host-link supply: not stalled
def test_data_utilization_monotone(a, b):
    lo, hi = sorted((a, b))
    r1 = DataModel().solve(workload_data_rate=Q_(lo, "GB/s"), hardware=H100)
    r2 = DataModel().solve(workload_data_rate=Q_(hi, "GB/s"), hardware=H100)
    assert r1.utilization <= r2.utilization
    assert r1.is_stalled == (lo > 7.0)


# ------------------------------------------------------------------------------------------------ Transformation
def test_transformation_bottleneck():
    r = TransformationModel().solve(batch_size=256, sample_size=Q_(110, "kB"), cpu_throughput=Q_(2, "GB/s"),
                                    accelerator_step_time=Q_(10, "ms"))
    # T = 256 × 110e3 B / 2e9 B/s = 14.08 ms > 10 ms
    assert r.transform_time.to("ms").magnitude == pytest.approx(14.08)
    assert r.is_bottleneck and not r.feasible and r.binding_wall == 9
    assert r.accelerator_utilization == pytest.approx(10 / 14.08)
    assert r.slowdown_factor == pytest.approx(1.408)
    assert r.effective_step_time.to("ms").magnitude == pytest.approx(14.08)


def test_transformation_hidden():
    r = TransformationModel().solve(batch_size=64, sample_size="110 kB", cpu_throughput="2 GB/s",
                                    accelerator_step_time="10 ms")
    # T = 64 × 110e3 / 2e9 = 3.52 ms < 10 ms
    assert r.transform_time.to("ms").magnitude == pytest.approx(3.52)
    assert not r.is_bottleneck and r.feasible
    assert r.accelerator_utilization == 1.0 and r.slowdown_factor == 1.0


@pytest.mark.parametrize("kw,field", [
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"sample_size": "1 s"}, "sample_size"),
    ({"sample_size": "0 kB"}, "sample_size"),
    ({"cpu_throughput": "-2 GB/s"}, "cpu_throughput"),
    ({"accelerator_step_time": Q_(float("inf"), "ms")}, "accelerator_step_time"),
])
def test_transformation_invalid(kw, field):
    base = dict(batch_size=8, sample_size="1 MB", cpu_throughput="1 GB/s", accelerator_step_time="5 ms")
    base.update(kw)
    with pytest.raises(InputError) as e:
        TransformationModel().solve(**base)
    assert e.value.field == field


# ------------------------------------------------------------------------------------------------ Topology
def test_topology_fat_tree():
    r = TopologyModel().solve(fabric=NDR, topology="fat_tree", num_nodes=64)
    # 400 Gb/s = 50 GB/s, β = 1: BW_eff = 50 GB/s; bisection = 50 × 64/2 = 1600 GB/s
    assert gbs(r.effective_bw) == pytest.approx(50)
    assert gbs(r.bisection_bw) == pytest.approx(1600)
    assert r.bisection_fraction == 1.0 and r.hops_avg == 4
    assert r.binding_wall is None


def test_topology_ring_torus_dragonfly():
    ring = TopologyModel().solve(fabric=NDR, topology="ring", num_nodes=64)
    # β = 4/N = 0.0625 → 3.125 GB/s; avg hops N/4 = 16
    assert ring.bisection_fraction == pytest.approx(0.0625)
    assert gbs(ring.effective_bw) == pytest.approx(3.125)
    assert ring.hops_avg == pytest.approx(16) and ring.binding_wall == 10
    t64 = TopologyModel().solve(fabric=NDR, topology="torus_3d", num_nodes=64)
    # k = 4: β = min(1, 4/4) = 1; hops 3k/4 = 3
    assert t64.bisection_fraction == 1.0 and t64.hops_avg == pytest.approx(3)
    t4k = TopologyModel().solve(fabric=NDR, topology="torus_3d", num_nodes=4096)
    # k = 16: β = 4/16 = 0.25 → 12.5 GB/s; hops 12
    assert t4k.bisection_fraction == pytest.approx(0.25)
    assert gbs(t4k.effective_bw) == pytest.approx(12.5) and t4k.hops_avg == pytest.approx(12)
    df = TopologyModel().solve(fabric=NDR, topology="dragonfly", num_nodes=1024)
    assert gbs(df.effective_bw) == pytest.approx(42.5) and df.hops_avg == 3
    rail = TopologyModel().solve(fabric=NDR, topology="rail_optimized", num_nodes=128)
    assert rail.bisection_fraction == 1.0 and rail.hops_avg == 2


def test_topology_oversubscription_divides():
    fab = NetworkFabric(name="IB 2:1", bandwidth="400 Gbps", oversubscription=2.0)
    r = TopologyModel().solve(fabric=fab, topology="fat_tree", num_nodes=64)
    assert gbs(r.effective_bw) == pytest.approx(25) and r.oversubscription == 2.0 and r.binding_wall == 10
    r4 = TopologyModel().solve(fabric=NDR, topology="fat_tree", num_nodes=64, oversubscription=4)
    assert gbs(r4.effective_bw) == pytest.approx(12.5)


def test_topology_defaults_to_fabric_topology():
    fab = NetworkFabric(name="ICI", topology="torus_3d", bandwidth="100 GB/s")
    assert TopologyModel().solve(fabric=fab, num_nodes=4096).topology == "torus_3d"


@pytest.mark.parametrize("kw,field", [
    ({"topology": "hypercube"}, "topology"),
    ({"topology": 3}, "topology"),
    ({"num_nodes": 1}, "num_nodes"),
    ({"num_nodes": -4}, "num_nodes"),
    ({"oversubscription": 0.5}, "oversubscription"),
    ({"oversubscription": float("nan")}, "oversubscription"),
    ({"fabric": "IB"}, "fabric"),
])
def test_topology_invalid(kw, field):
    base = dict(fabric=NDR, topology="fat_tree", num_nodes=64)
    base.update(kw)
    with pytest.raises(InputError) as e:
        TopologyModel().solve(**base)
    assert e.value.field == field


@given(st.sampled_from(["ring", "torus_3d", "fat_tree", "dragonfly"]), st.integers(2, 100_000),
       st.integers(2, 100_000))
def test_topology_more_nodes_never_raise_beta(topo, a, b):
    lo, hi = sorted((a, b))
    r1 = TopologyModel().solve(fabric=NDR, topology=topo, num_nodes=lo)
    r2 = TopologyModel().solve(fabric=NDR, topology=topo, num_nodes=hi)
    assert r2.bisection_fraction <= r1.bisection_fraction + 1e-12
    assert 0.0 < r2.bisection_fraction <= 1.0
    assert math.isfinite(gbs(r2.bisection_bw))
