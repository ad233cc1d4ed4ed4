"""Upstream MLSys·im names (its public tutorials) work with ``import mlsysim_core as mlsysim`` — as thin aliases of
the same implementation. Each snippet is written from the tutorials' documented calls, not copied."""

import pytest

import mlsysim_core as mlsysim
from mlsysim_core.resolvers.base import Result


def test_engine_solve_is_single_node_model():
    model, hw = mlsysim.Models.ResNet50, mlsysim.Hardware.Cloud.A100
    p = mlsysim.Engine.solve(model=model, hardware=hw, batch_size=1, precision="fp16")
    ref = mlsysim.SingleNodeModel().solve(model=model, hardware=hw, batch_size=1, precision="fp16")
    assert p.latency == ref.latency and p.bottleneck == ref.bottleneck and p.throughput == ref.throughput
    # a batch sweep keeps one row per feasible (hardware, batch, precision)
    rows = mlsysim.Engine.sweep(model, [hw, mlsysim.Hardware.Cloud.H100], batch_sizes=[1, 64], precisions=["fp16"])
    assert [(r["hardware"].name, r["batch_size"]) for r in rows] == [
        (hw.name, 1), (hw.name, 64), (mlsysim.Hardware.Cloud.H100.name, 1), (mlsysim.Hardware.Cloud.H100.name, 64)]
    # 405B fp16 does not fit one H100: skipped, not raised
    assert mlsysim.Engine.sweep(mlsysim.Models.Llama3_405B, [mlsysim.Hardware.Cloud.H100]) == []


def test_module_paths_and_solver_names():
    from mlsysim_core import ServingSolver, solvers, systems

    assert ServingSolver is mlsysim.ServingModel is solvers.ServingModel is solvers.ServingSolver
    assert solvers.SingleNodeSolver is solvers.ForwardModel is mlsysim.SingleNodeModel
    assert solvers.DistributedSolver is mlsysim.DistributedModel
    assert systems.Systems is mlsysim.Systems and systems.Fleet is mlsysim.Fleet and systems.Node is mlsysim.Node
    assert mlsysim.solvers is solvers
    with pytest.raises(AttributeError):
        mlsysim.NoSuchSolver


def test_dict_style_result_access_and_model_fields():
    r = mlsysim.ServingSolver().solve(model=mlsysim.Models.Llama3_8B, hardware=mlsysim.Hardware.Cloud.H100,
                                      seq_len=2048, batch_size=1, precision="fp16")
    assert r["ttft"] == r.ttft and r["feasible"] is r.feasible and r["kv_cache_size"] == r.kv_cache_size
    with pytest.raises(KeyError):
        r["no_such_field"]
    with pytest.raises(KeyError):
        r["_units"]
    assert isinstance(r, Result)
    assert mlsysim.Models.ResNet50.architecture == "CNN"
    assert mlsysim.Models.Mixtral_8x7B.architecture == "MoE Transformer"
    assert mlsysim.Hardware.Cloud.A100.compute.peak_flops.to("TFLOPs/s").magnitude == pytest.approx(312)
