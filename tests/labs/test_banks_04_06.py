"""Banks of labs 04, 05 and 06 compute everything their notebooks show (the notebooks are thin).

Each bank function is compared with the direct resolver call the notebook (or the bank) made before it
moved into the bank, sweeps are checked for their shape and monotonicity, the caches are checked to
hit (a chart's rows are not re-solved when only its marker moves), and the graded questions' keys are
checked to be the very numbers of the old direct computation.
"""

from __future__ import annotations

import itertools

import pytest

import conftest  # noqa: F401  (puts the repo root and labkit/ on sys.path)
from mlsys_labs.banks import lab_04_data_pipeline as lab04
from mlsys_labs.banks import lab_05_topology_collectives as lab05
from mlsys_labs.banks import lab_06_scaling_parallelism as lab06
from mlsys_labs.variants import make_variant

STUDENTS = ["ada", "grace.hopper", "s123456", "bob", "carol-7", "erin@uni.edu"]


def _mag(q, unit):
    return float(q.to(unit).magnitude)


# -- lab 04 -------------------------------------------------------------------------------------
def _old_data(hardware, rate, size):
    from mlsysim_core import Q_, DataModel, Hardware

    return DataModel().solve(workload_data_rate=Q_(rate * size, "MB/s"), hardware=Hardware.get(hardware))


def _old_transform(batch, size, cpu, step_ms):
    from mlsysim_core import Q_, TransformationModel

    return TransformationModel().solve(batch_size=batch, sample_size=Q_(size, "MB"), cpu_throughput=Q_(cpu, "GB/s"),
                                       accelerator_step_time=Q_(step_ms, "ms"))


@pytest.mark.parametrize("student", STUDENTS)
def test_lab04_keys_are_the_direct_solves(student):
    v = make_variant(lab04.LAB, student)
    d = _old_data(v["hardware"], v["samples_per_s"], v["sample_mb"])
    x = _old_transform(v["batch"], v["sample_mb"], v["cpu_gbps"], v["step_ms"])
    keys = {q.id: q.expected_value(v) for q in lab04.LAB.questions}
    assert keys["q_rho"] == d.utilization
    assert keys["q_stalled"] == ("stalled" if d.is_stalled else "keeps up")
    assert keys["q_transform"] == pytest.approx(_mag(x.transform_time, "s"), rel=1e-12)
    assert keys["q_step"] == pytest.approx(_mag(x.effective_step_time, "s"), rel=1e-12)


def test_lab04_prediction_case_is_5_gbps_on_an_h100():
    from mlsysim_core import Q_, DataModel, Hardware

    old = DataModel().solve(workload_data_rate=Q_(5, "GB/s"), hardware=Hardware.get("H100"))
    new = lab04.ingest("H100", 5000, 1.0)
    assert new.utilization == pytest.approx(old.utilization, rel=1e-12)
    assert _mag(new.demand_bw, "GB/s") == pytest.approx(5.0, rel=1e-12)
    assert new.limiting_path == old.limiting_path and new.is_stalled == old.is_stalled


@pytest.mark.parametrize("hardware", lab04.HARDWARE)
def test_lab04_data_paths_are_the_result_in_gbps(hardware):
    rows = lab04.data_paths(hardware, 5000, 1.0)
    r = _old_data(hardware, 5000, 1.0)
    assert [row["path"] for row in rows] == ["demand", "storage (NVMe)", "host link (PCIe)"]
    assert [row["GB/s"] for row in rows] == pytest.approx(
        [_mag(r.demand_bw, "GB/s"), _mag(r.storage_bw, "GB/s"), _mag(r.host_link_bw, "GB/s")], rel=1e-12)
    declared = [row["GB/s"] for row in rows[1:] if row["GB/s"] > 0]
    assert min(declared) == pytest.approx(_mag(r.supply_bw, "GB/s"), rel=1e-12)  # the narrower path supplies


@pytest.mark.parametrize("batch,size,step_ms", [(256, 1.0, 250), (512, 2.0, 150), (64, 0.1, 1000)])
def test_lab04_cpu_sweep_matches_the_old_loop_and_rises_to_100(batch, size, step_ms):
    rows = lab04.cpu_sweep(batch, size, step_ms)
    old = [{"cpu": 0.5 * k, "busy": 100 * _old_transform(batch, size, 0.5 * k, step_ms).accelerator_utilization}
           for k in range(1, 33)]
    assert [r["cpu"] for r in rows] == [r["cpu"] for r in old]
    assert [r["busy"] for r in rows] == pytest.approx([r["busy"] for r in old], rel=1e-12)
    busy = [r["busy"] for r in rows]
    assert all(a <= b for a, b in zip(busy, busy[1:])) and 0 < busy[0] and busy[-1] <= 100 + 1e-9
    # the marker (the current CPU setting) sits on the curve
    for cpu in (0.5, 2.0, 16.0):
        on_curve = next(r["busy"] for r in rows if r["cpu"] == cpu)
        assert lab04.busy_percent(lab04.transform(batch, size, cpu, step_ms)) == pytest.approx(on_curve, rel=1e-12)


def test_lab04_sweep_is_cached_apart_from_the_marker():
    lab04.cpu_sweep.cache_clear()
    first = lab04.cpu_sweep(128, 1.0, 250)
    for cpu in (0.5, 4.0, 8.0):  # moving the CPU slider: only the marker is solved
        lab04.busy_percent(lab04.transform(128, 1.0, cpu, 250))
        assert lab04.cpu_sweep(128, 1.0, 250) is first
    info = lab04.cpu_sweep.cache_info()
    assert info.misses == 1 and info.hits == 3


# -- lab 05 -------------------------------------------------------------------------------------
def _old_net(fabric, topology, oversub):
    from mlsysim_core import Systems

    return Systems.Fabrics.get(fabric).model_copy(update={"topology": topology, "oversubscription": float(oversub)})


def _old_dist(model, nodes, net, overlap=False, zero=0):
    """The old notebook's solve (fleet named "f", tensor/pipeline degrees left at their defaults)."""
    from mlsysim_core import DistributedModel, Fleet, Models, Systems

    fleet = Fleet(name="f", node=Systems.Nodes.get("DGX_H100"), count=nodes, fabric=net)
    return DistributedModel().solve(model=Models.get(model), fleet=fleet, batch_size=16 * nodes, precision="bf16",
                                    overlap_comm=overlap, seq_len=2048, zero_stage=zero)


@pytest.mark.parametrize("student", STUDENTS)
def test_lab05_keys_are_the_direct_solves(student):
    from mlsysim_core import TopologyModel

    v = make_variant(lab05.LAB, student)
    net = _old_net(v["fabric"], v["topology"], v["oversub"])
    topo = TopologyModel().solve(fabric=net, num_nodes=v["nodes"])
    dist = _old_dist(v["model"], v["nodes"], net)
    keys = {q.id: q.expected_value(v) for q in lab05.LAB.questions}
    assert keys["q_eff_bw"] == pytest.approx(_mag(topo.effective_bw, "B/s"), rel=1e-12)
    assert keys["q_bisection"] == pytest.approx(_mag(topo.bisection_bw, "B/s"), rel=1e-12)
    assert keys["q_allreduce"] == pytest.approx(_mag(dist.dp_communication_latency, "s"), rel=1e-12)
    assert keys["q_scaling"] == pytest.approx(dist.scaling_efficiency, rel=1e-12)


@pytest.mark.parametrize("overlap,zero", [(False, 0), (True, 0), (False, 3), (True, 2)])
def test_lab05_train_is_the_old_notebook_solve(overlap, zero):
    for fabric, topology, oversub, nodes in [("InfiniBand_NDR", "fat_tree", 1.0, 16), ("RoCE_400G", "ring", 2.5, 4),
                                             ("Ethernet_100G", "dragonfly", 4.0, 128)]:
        new = lab05.train("Llama2_13B", nodes, fabric, topology, oversub, overlap, zero)
        old = _old_dist("Llama2_13B", nodes, _old_net(fabric, topology, oversub), overlap, zero)
        for f in ("step_latency_total", "dp_communication_latency", "exposed_communication_latency",
                  "memory_per_accelerator"):
            assert _mag(getattr(new, f), "s" if "latency" in f else "B") == pytest.approx(
                _mag(getattr(old, f), "s" if "latency" in f else "B"), rel=1e-12), f
        assert new.scaling_efficiency == pytest.approx(old.scaling_efficiency, rel=1e-12)


def test_lab05_prediction_ratio_is_the_old_computation():
    from mlsysim_core import Systems

    ndr = Systems.Fabrics.get("InfiniBand_NDR")
    old = float(_old_dist("Llama3_8B", 32, ndr).dp_communication_latency
                / _old_dist("Llama3_8B", 16, ndr).dp_communication_latency)
    assert lab05.allreduce_ratio(16, 32, "Llama3_8B", "InfiniBand_NDR") == pytest.approx(old, rel=1e-12)
    assert 0.7 <= old < 1.4  # the reveal's answer: "stays about the same"


@pytest.mark.parametrize("fabric,oversub,nodes", [("InfiniBand_NDR", 1.0, 16), ("RoCE_400G", 3.0, 64),
                                                   ("InfiniBand_HDR", 1.5, 2)])
def test_lab05_every_topology_matches_the_old_loop(fabric, oversub, nodes):
    from mlsysim_core import TopologyModel

    rows = lab05.every_topology(fabric, oversub, nodes)
    assert [r["topology"] for r in rows] == list(lab05.TOPOLOGIES)
    for r in rows:
        net = _old_net(fabric, "fat_tree", oversub)  # the old chart re-solved the student's network per topology
        old = TopologyModel().solve(fabric=net, topology=r["topology"], num_nodes=nodes)
        assert r["GB/s"] == pytest.approx(_mag(old.effective_bw, "GB/s"), rel=1e-12)
        assert r["GB/s"] == pytest.approx(_mag(lab05.wire(fabric, r["topology"], oversub, nodes).effective_bw, "GB/s"),
                                          rel=1e-12)  # the highlighted bar is the card's number


@pytest.mark.parametrize("model,fabric,topology,oversub", [("Llama3_8B", "InfiniBand_NDR", "fat_tree", 1.0),
                                                           ("Llama2_13B", "Ethernet_100G", "torus_3d", 2.0)])
def test_lab05_scaling_sweep_matches_the_old_loop_and_falls_with_n(model, fabric, topology, oversub):
    rows = lab05.scaling_sweep(model, fabric, topology, oversub)
    net = _old_net(fabric, topology, oversub)
    old = [100 * _old_dist(model, n, net, ov).scaling_efficiency for n in lab05.NODE_COUNTS for ov in (False, True)]
    assert [r["efficiency"] for r in rows] == pytest.approx(old, rel=1e-12)
    assert [r["GPUs"] for r in rows] == [8 * n for n in lab05.NODE_COUNTS for _ in (0, 1)]
    for series in ("exposed", "overlapped"):
        eff = [r["efficiency"] for r in rows if r["all-reduce"] == series]
        assert all(a >= b for a, b in zip(eff, eff[1:])), series  # more GPUs, same gradients: never better
    exposed = [r["efficiency"] for r in rows if r["all-reduce"] == "exposed"]
    overlapped = [r["efficiency"] for r in rows if r["all-reduce"] == "overlapped"]
    assert all(o >= e for e, o in zip(exposed, overlapped))
    # the marker (student's node count, no ZeRO) sits on the curve
    mine = lab05.train(model, 32, fabric, topology, oversub, True)
    assert lab05.efficiency_percent(mine) == pytest.approx(
        next(r["efficiency"] for r in rows if r["GPUs"] == 256 and r["all-reduce"] == "overlapped"), rel=1e-12)


def test_lab05_sweeps_are_cached_apart_from_the_marker():
    lab05.scaling_sweep.cache_clear()
    lab05.every_topology.cache_clear()
    first = lab05.scaling_sweep("Llama2_7B", "RoCE_400G", "dragonfly", 1.5)
    for nodes, overlap, zero in [(2, False, 0), (64, True, 1), (128, True, 3)]:  # slider, checkbox, ZeRO moves
        lab05.train("Llama2_7B", nodes, "RoCE_400G", "dragonfly", 1.5, overlap, zero)
        assert lab05.scaling_sweep("Llama2_7B", "RoCE_400G", "dragonfly", 1.5) is first
    assert lab05.scaling_sweep.cache_info().misses == 1 and lab05.scaling_sweep.cache_info().hits == 3
    bars = lab05.every_topology("RoCE_400G", 1.5, 16)
    assert lab05.every_topology("RoCE_400G", 1.5, 16) is bars  # picking another topology only moves the highlight


# -- lab 06 -------------------------------------------------------------------------------------
def _old_dist6(model, cluster, batch, tp, pp, overlap=True):
    from mlsysim_core import DistributedModel, Models, Systems

    return DistributedModel().solve(model=Models.get(model), fleet=Systems.Clusters.get(cluster), batch_size=batch,
                                    precision="bf16", tp_size=tp, pp_size=pp, overlap_comm=overlap, seq_len=4096)


def _old_opt(model, cluster, batch, **kw):
    from mlsysim_core import Models, ParallelismOptimizer, Systems

    return ParallelismOptimizer().solve(model=Models.get(model), fleet=Systems.Clusters.get(cluster),
                                        batch_size=batch, precision="bf16", seq_len=4096, **kw)


@pytest.mark.parametrize("student", STUDENTS[:4])
def test_lab06_keys_are_the_direct_solves(student):
    v = make_variant(lab06.LAB, student)
    d = _old_dist6(v["model"], v["cluster"], v["batch"], v["tp"], v["pp"])
    keys = {q.id: q.expected_value(v) for q in lab06.LAB.questions}
    assert keys["q_bubble"] == pytest.approx(d.bubble_fraction, rel=1e-12)
    assert keys["q_step"] == pytest.approx(_mag(d.step_latency_total, "s"), rel=1e-12)
    assert keys["q_dp"] == pytest.approx(_mag(d.dp_communication_latency, "s"), rel=1e-12)
    # the old bank searched with the default top_k (5), the notebook with 8: the best is the same
    assert keys["q_best_mfu"] == pytest.approx(_old_opt(v["model"], v["cluster"], v["batch"]).best_mfu, rel=1e-12)


@pytest.mark.parametrize("overlap", [False, True])
def test_lab06_train_is_the_old_notebook_solve(overlap):
    new = lab06.train("Llama3_70B", "Research_256", 512, 4, 8, overlap)
    old = _old_dist6("Llama3_70B", "Research_256", 512, 4, 8, overlap)
    assert _mag(new.step_latency_total, "s") == pytest.approx(_mag(old.step_latency_total, "s"), rel=1e-12)
    assert new.mfu == pytest.approx(old.mfu, rel=1e-12) and new.parallelism == old.parallelism
    assert lab06.layout_name(new.parallelism) == "TP4·PP8·DP8"


def test_lab06_top_layouts_are_the_old_chart_rows():
    opt = _old_opt("Llama3_70B", "Training_1K", 1024, top_k=8)
    old = [{"layout": f"TP{c['config']['tp']}·PP{c['config']['pp']}·DP{c['config']['dp']}", "MFU %": 100 * c["mfu"]}
           for c in opt.top_candidates]
    rows = lab06.top_layouts("Llama3_70B", "Training_1K", 1024)
    assert [r["layout"] for r in rows] == [r["layout"] for r in old] and len(rows) == lab06.TOP_K
    assert [r["MFU %"] for r in rows] == pytest.approx([r["MFU %"] for r in old], rel=1e-12)
    mfu = [r["MFU %"] for r in rows]
    assert mfu == sorted(mfu, reverse=True)
    best = lab06.optimize("Llama3_70B", "Training_1K", 1024)
    assert rows[0]["layout"] == lab06.layout_name(best.best_config)  # the prose's best is the chart's first bar
    assert rows[0]["MFU %"] == pytest.approx(lab06.mfu_percent(best.best_mfu), rel=1e-12)


def test_lab06_optimizer_is_cached():
    lab06.optimize.cache_clear()
    lab06.top_layouts.cache_clear()
    a = lab06.optimize("Llama2_70B", "Research_256", 512)
    lab06.top_layouts("Llama2_70B", "Research_256", 512)  # the chart reuses the search
    assert lab06.optimize("Llama2_70B", "Research_256", 512) is a
    assert lab06.optimize.cache_info().misses == 1 and lab06.optimize.cache_info().hits == 2


def test_lab06_layout_valid_is_the_old_guard():
    for cluster, tp, pp, batch in itertools.product(lab06.CLUSTERS, lab06.TP_DEGREES, lab06.PP_DEGREES,
                                                    (1, 4, 16, 256, 4096)):
        n = lab06.gpus(cluster)
        group = tp * pp
        old_stops = n % group != 0 or batch < n // group
        assert lab06.layout_valid(cluster, tp, pp, batch) is (not old_stops), (cluster, tp, pp, batch)
        assert lab06.dp_degree(cluster, tp, pp) == n // group
    assert all(lab06.gpus(c) <= lab06.MAX_SEARCH_GPUS for c in lab06.CLUSTERS)
