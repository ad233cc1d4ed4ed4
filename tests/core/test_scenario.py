"""Scenario.evaluate() three-level scorecard, and sweep()."""

import statistics
import time

import pytest

from mlsysim_core import Q_
from mlsysim_core.resolvers.node import SingleNodeModel
from mlsysim_core.scenario import EvaluationLevel, Metric, Scenario, SystemEvaluation
from mlsysim_core.sweep import sweep
from mlsysim_core.types import (
    CNNWorkload, ComputeCore, Fleet, GridProfile, HardwareNode, IOInterconnect, MemoryHierarchy, NetworkFabric, Node,
    StorageHierarchy, TransformerWorkload,
)
from mlsysim_core.validation import InputError

H100 = HardwareNode(
    name="H100-like", compute=ComputeCore(peak_flops="989 TFLOP/s", precision_flops={"fp8": "1979 TFLOP/s"}),
    memory=MemoryHierarchy(capacity="80 GiB", bandwidth="3.35 TB/s"), tdp="700 W", unit_cost="25000 USD",
    storage=StorageHierarchy(capacity="2 TB", bandwidth="7 GB/s"), interconnect=IOInterconnect(name="pcie", bandwidth="64 GB/s"),
)
A100 = HardwareNode(name="A100-like", compute=ComputeCore(peak_flops="312 TFLOP/s"),
                    memory=MemoryHierarchy(capacity="80 GiB", bandwidth="2.039 TB/s"), tdp="400 W", unit_cost="15000 USD")
NODE = Node(name="dgx", accelerator=H100, accelerators_per_node=8, intra_node_bw="900 GB/s")
IB = NetworkFabric(name="ib", bandwidth="400 Gbps")
QC = GridProfile(name="Quebec-like", carbon_intensity="20 gCO2/kWh", pue=1.06, wue="0 L/kWh", electricity_price="0.05 USD/kWh")
FLEET = Fleet(name="64x8", node=NODE, count=64, fabric=IB, region=QC)
L70 = TransformerWorkload(name="L70", parameters=70.6e9, layers=80, hidden_dim=8192, heads=64, kv_heads=8)
L8 = TransformerWorkload(name="L8", parameters=8.03e9, layers=32, hidden_dim=4096, heads=32, kv_heads=8)
R50 = CNNWorkload(name="R50", parameters=25.6e6, inference_flops="8.2 GFLOP", layers=50)


# ---------------------------------------------------------------- level 1
def test_oom_short_circuits_levels_2_and_3():
    e = Scenario(name="oom", workload=L70, system=H100).evaluate()
    assert e.feasibility.status == "FAIL" and e.binding_wall == 2
    assert e.performance.status == "SKIPPED" and e.macro.status == "SKIPPED"
    assert not e.passed_all
    m = e.feasibility.metric("weight_size")
    # 70.6e9 × 2 B = 141.2 GB
    assert m.value.to("GB").magnitude == pytest.approx(141.2) and m.wall == 2 and m.status == "FAIL"


def test_serving_kv_cache_overflow_is_wall_5():
    # L8 fp16 weights 16.06 GB; KV/token = 2·32·8·128·2 B = 131 072 B; 256 × 4096 tokens → 137.4 GB
    e = Scenario(name="kv", workload=L8, system=H100, mode="serving", seq_len=4096, batch_size=256).evaluate()
    assert e.feasibility.status == "FAIL" and e.binding_wall == 5
    kv = e.feasibility.metric("kv_cache_size").value.to("GB").magnitude
    assert kv == pytest.approx(131072 * 4096 * 256 / 1e9)


def test_data_stall_is_wall_8():
    # demand 100 GB/s vs min(storage 7, PCIe 64) = 7 GB/s
    e = Scenario(name="io", workload=L8, system=H100, data_rate="100 GB/s").evaluate()
    assert e.feasibility.status == "FAIL" and e.binding_wall == 8
    assert e.feasibility.metric("data_stalled").value is True
    ok = Scenario(name="io-ok", workload=L8, system=H100, data_rate="1 GB/s").evaluate()
    assert ok.feasibility.status == "PASS"


# ---------------------------------------------------------------- level 2
def test_inference_pass_and_sla_fail():
    ok = Scenario(name="chat", workload=L8, system=H100, batch_size=8, sla_latency="50 ms").evaluate()
    assert ok.passed_all and ok.performance.status == "PASS"
    lat = ok.performance.metric("latency")
    direct = SingleNodeModel().solve(model=L8, hardware=H100, batch_size=8)
    assert lat.value == direct.latency and lat.wall == direct.binding_wall == 2  # memory-bound decode
    bad = Scenario(name="chat", workload=L8, system=H100, batch_size=8, sla_latency="1 ms").evaluate()
    assert bad.performance.status == "FAIL" and bad.binding_wall == 2 and not bad.passed_all
    assert bad.macro.status == "PASS"  # macro still evaluated after an SLA miss


def test_serving_sla_on_ttft():
    e = Scenario(name="serve", workload=L8, system=H100, mode="serving", seq_len=2048, batch_size=1,
                 sla_latency="500 ms").evaluate()
    ttft = e.performance.metric("ttft")
    assert ttft.wall == 4 and e.performance.metric("itl").wall == 4
    assert (e.performance.status == "PASS") == (ttft.value <= Q_(500, "ms"))


def test_fleet_training_levels_and_walls():
    sc = Scenario(name="train", workload=L70, system=FLEET, batch_size=512, seq_len=4096, precision="bf16",
                  tp_size=8, pp_size=4, duration_days=30)
    e = sc.evaluate()
    assert sc.resolved_mode == "training" and e.passed_all
    assert e.performance.metric("step_latency").wall == 14
    mfu = e.performance.metric("mfu").value
    assert 0 < mfu <= 0.5
    assert e.macro.metric("tco_usd").wall == 17 and e.macro.metric("carbon_footprint_kg").wall == 18
    assert e.macro.metric("safety_note").wall == 20 and "DP-SGD" in e.macro.metric("safety_note").value
    assert e.macro.metric("region").value == "Quebec-like"
    # every metric is tagged with a wall 1–22
    assert all(m.wall in range(1, 23) for m in e.metrics)


def test_training_on_a_single_device():
    e = Scenario(name="ft", workload=L8, system=H100, mode="training", batch_size=1, seq_len=1024).evaluate()
    # 8 B params × 16 B (weights, grads, Adam) = 128 GB > 80 GiB
    assert e.feasibility.status == "FAIL" and e.binding_wall == 2


# ---------------------------------------------------------------- level 3
def test_macro_budgets():
    e = Scenario(name="b", workload=L8, system=H100, tco_budget="1 USD").evaluate()
    assert e.macro.status == "FAIL" and e.binding_wall == 17
    c = Scenario(name="c", workload=L8, system=H100, carbon_budget="1 gCO2").evaluate()
    assert c.macro.status == "FAIL" and c.binding_wall == 18


def test_macro_matches_ops_models():
    from mlsysim_core.resolvers.ops import EconomicsModel

    e = Scenario(name="m", workload=R50, system=A100, batch_size=64, grid=QC, duration_days=100).evaluate()
    mfu = e.performance.metric("mfu").value
    direct = EconomicsModel().solve(fleet=A100, duration_days=100, grid=QC, mfu=mfu)
    assert e.macro.metric("tco_usd").value == direct.tco_usd


# ---------------------------------------------------------------- output formats
def test_scorecard_to_dict_and_determinism():
    sc = Scenario(name="train", workload=L70, system=FLEET, batch_size=512, seq_len=4096, precision="bf16",
                  tp_size=8, pp_size=4, sla_latency="1 ms")
    a, b = sc.evaluate(), sc.evaluate()
    assert a.scorecard() == b.scorecard() and a.to_dict() == b.to_dict()
    text = a.scorecard()
    assert text.startswith("╔") and text.rstrip().endswith("╝")
    assert "Level 1: Feasibility [PASS]" in text and "Level 2: Performance [FAIL]" in text
    assert len({len(line) for line in text.splitlines()}) == 1  # a rectangle
    d = a.to_dict()
    assert d["scenario"] == "train" and d["p_status"] == "FAIL"
    assert d["binding_wall"] == a.binding_wall == a.performance.binding_wall and a.binding_wall in (1, 14)
    assert isinstance(d["m_tco_usd"], float) and d["passed_all"] is False
    assert all(not hasattr(v, "units") for v in d.values())


def test_evaluate_overrides_and_invalid():
    sc = Scenario(name="x", workload=L8, system=H100)
    e = sc.evaluate(batch_size=4, precision="fp8")
    assert e.performance.metric("latency").value < sc.evaluate().performance.metric("latency").value
    with pytest.raises(InputError) as ex:
        sc.evaluate(precision="fp12")
    assert ex.value.field == "precision"
    with pytest.raises(InputError):
        Scenario(name="x", workload=L8, system=FLEET, mode="serving").evaluate()
    with pytest.raises(InputError) as ex:
        Scenario(name="x", workload=R50, system=H100, mode="serving").evaluate()
    assert ex.value.field == "workload"
    with pytest.raises(ValueError):
        Scenario(name="x", workload=L8, system=H100, batch_size=0)
    with pytest.raises(ValueError):
        Scenario(name="x", workload=L8, system=H100, sla_latency="5 GB")


def test_metric_and_level_helpers():
    m = Metric("latency", Q_(12.5, "ms"), 2, "PASS")
    assert m.unit == "ms" and m.plain() == 12.5 and m.text() == "12.5 ms"
    lv = EvaluationLevel(1, "Feasibility", "PASS", "ok", (m,), None)
    assert lv.metric("latency") is m and lv.metrics_dict == {"latency": m.value}
    with pytest.raises(KeyError):
        lv.metric("nope")


# ---------------------------------------------------------------- sweep
def test_sweep_rows_and_order():
    rows = sweep(SingleNodeModel(), {"batch_size": [1, 8], "precision": ["fp16", "fp8"]},
                 fixed={"model": L8, "hardware": H100})
    assert [(r["batch_size"], r["precision"]) for r in rows] == [(1, "fp16"), (1, "fp8"), (8, "fp16"), (8, "fp8")]
    r0 = rows[0]
    direct = SingleNodeModel().solve(model=L8, hardware=H100, batch_size=1)
    assert r0["latency"] == pytest.approx(direct.latency.to("ms").magnitude)
    assert r0["result_batch_size"] == 1  # result field colliding with an input column is renamed
    assert all(isinstance(v, (int, float, str, bool, type(None))) for v in r0.values())


def test_sweep_objects_shown_by_name_and_class_accepted():
    rows = sweep(SingleNodeModel, {"hardware": [H100, A100], "model": [L8, L70]})
    assert [(r["hardware"], r["model"]) for r in rows][:2] == [("H100-like", "L8"), ("H100-like", "L70")]
    assert rows[1]["feasible"] is False  # 141 GB on 80 GiB: an infeasible design is a row, not an error


def test_sweep_errors_raise_record_skip():
    grid = {"batch_size": [1, 0, 2]}
    fixed = {"model": L8, "hardware": H100}
    with pytest.raises(InputError):
        sweep(SingleNodeModel(), grid, fixed)
    rec = sweep(SingleNodeModel(), grid, fixed, on_error="record")
    assert len(rec) == 3 and "batch_size" in rec[1]["error"] and "error" not in rec[0]
    assert len(sweep(SingleNodeModel(), grid, fixed, on_error="skip")) == 2


def test_sweep_callables_and_bad_grids():
    rows = sweep(lambda x, y: x * y, {"x": [1, 2], "y": [10]})
    assert rows == [{"x": 1, "y": 10, "value": 10}, {"x": 2, "y": 10, "value": 20}]
    assert sweep(lambda a: {"q": Q_(2, "ms"), "hw": H100}, {"a": [1]}) == [{"a": 1, "q": 2.0, "hw": "H100-like"}]
    for bad, field in [({"x": 3}, "grid"), ({"x": []}, "grid"), ([1], "grid")]:
        with pytest.raises(InputError) as e:
            sweep(lambda x: x, bad)
        assert e.value.field == field
    with pytest.raises(InputError) as e:
        sweep(lambda x: x, {"x": [1]}, fixed={"x": 2})
    assert e.value.field == "fixed"
    with pytest.raises(InputError):
        sweep(42, {"x": [1]})
    with pytest.raises(InputError) as e:
        sweep(lambda x: x, {"x": [1]}, on_error="ignore")
    assert e.value.field == "on_error"


def test_sweep_covers_a_1000_point_grid():
    # Speed is measured in bench/engine_bench.py (sweep_1000_ms), not here; this checks the grid shape.
    grid = {"model": [L8, L70], "hardware": [H100, A100], "batch_size": list(range(1, 126)),
            "precision": ["fp16", "fp8"]}  # 2 × 2 × 125 × 2 = 1 000 points
    rows = sweep(SingleNodeModel(), grid)
    assert len(rows) == 1000
    assert {r["batch_size"] for r in rows} == set(range(1, 126))
    assert all(r["latency"] > 0 for r in rows)
