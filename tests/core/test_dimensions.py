"""Every resolver: protocol metadata, and the dimensionality of every Qty-declared result field of a real solve.

Fails until all 25 resolvers (20 models + 2 solvers + 3 optimizers) are registered.
"""

import typing

import pytest

from mlsysim_core import Q_
from mlsysim_core.resolvers import all_resolvers
from mlsysim_core.resolvers.base import Result, _UnitMeta
from mlsysim_core.units import Quantity, ureg

zoo = pytest.importorskip("mlsysim_core.zoo")
Hardware, Models, Systems, Grids = zoo.Hardware, zoo.Models, zoo.Systems, zoo.Grids

RESOLVERS = all_resolvers()


def _calls():
    h100, l8, l70 = Hardware.Cloud.H100, Models.Language.Llama3_8B, Models.Language.Llama3_70B
    lab = Systems.Clusters.Lab_64_H100
    moe = Models.get("Mixtral_8x7B")
    return {
        "SingleNodeModel": dict(model=l8, hardware=h100, batch_size=4),
        "EfficiencyModel": dict(hardware=h100, workload_type="attention", use_flash_attention=True),
        "TailLatencyModel": dict(arrival_rate_qps=50, service_latency_ms=20, num_replicas=2, slo_latency="200 ms"),
        "ServingModel": dict(model=l8, hardware=h100, seq_len=2048, batch_size=4),
        "ContinuousBatchingModel": dict(model=l8, hardware=h100, max_seq_len=4096),
        "WeightStreamingModel": dict(model=l70, hardware=Hardware.get("CerebrasCS3"), seq_len=2048, batch_size=8),
        "DataModel": dict(workload_data_rate="2 GB/s", hardware=h100),
        "TransformationModel": dict(batch_size=256, sample_size="150 kB", cpu_throughput="1 GB/s",
                                    accelerator_step_time="30 ms"),
        "TopologyModel": dict(fabric=Systems.Fabrics.InfiniBand_NDR, num_nodes=64),
        "ScalingModel": dict(compute_budget=Q_(5.76e23, "flop")),
        "InferenceScalingModel": dict(model=l8, hardware=h100, reasoning_steps=4),
        "CompressionModel": dict(model=l8, hardware=h100, method="quantization", target_bitwidth=4),
        "DistributedModel": dict(model=l70, fleet=lab, batch_size=64, precision="bf16", tp_size=8, pp_size=2,
                                 overlap_comm=True, seq_len=4096),
        "TrainingMemoryModel": dict(model=l8, hardware=h100, batch_size=8, seq_len=2048, zero_stage=1, dp_size=8),
        "ReliabilityModel": dict(fleet=lab, job_duration_hours=720, checkpoint_time_s=60),
        "OrchestrationModel": dict(fleet=lab, arrival_rate_jobs_per_day=2, avg_job_duration_days=0.3),
        "EconomicsModel": dict(fleet=lab, duration_days=365, grid=Grids.Quebec, mfu=0.4),
        "SustainabilityModel": dict(fleet=lab, duration_days=365, grid=Grids.Quebec, mfu=0.4,
                                    embodied_carbon_per_device=Q_(164, "kg")),
        "CheckpointModel": dict(model=l70, hardware=h100, checkpoint_interval=Q_(2, "hour"), n_writers=64),
        "ResponsibleEngineeringModel": dict(base_training_time=Q_(30, "day"), epsilon=2.0),
        "SensitivitySolver": dict(model=l8, hardware=h100),
        "SynthesisSolver": dict(model=l8, target_latency=Q_(20, "ms")),
        "ParallelismOptimizer": dict(model=l70, fleet=lab, batch_size=64, seq_len=4096, zero_stage=1),
        "BatchingOptimizer": dict(model=l8, hardware=h100, seq_len=2048, sla_latency=Q_(3, "s"), arrival_rate_qps=10,
                                  max_search_batch=32),
        "PlacementOptimizer": dict(fleet=lab, duration_days=365, regions=["Quebec", "Iowa", "Poland"],
                                   carbon_tax_per_ton=100, mfu=0.4),
    } | ({"_moe": moe} if moe is not None else {})


def _declared_unit(annotation):
    """The Qty unit inside a (possibly Optional/Union) annotation, or None."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, _UnitMeta):
            return meta.spec
    for arg in typing.get_args(annotation):
        spec = _declared_unit(arg)
        if spec is not None:
            return spec
    return None


def test_count_and_kinds():
    kinds = [cls.kind for cls in RESOLVERS.values()]
    assert len(RESOLVERS) == 25, sorted(RESOLVERS)
    assert kinds.count("model") == 20 and kinds.count("solver") == 2 and kinds.count("optimizer") == 3


@pytest.mark.parametrize("name", sorted(RESOLVERS))
def test_protocol_metadata(name):
    cls = RESOLVERS[name]
    assert cls.kind in ("model", "solver", "optimizer")
    assert isinstance(cls.walls, tuple) and all(isinstance(w, int) and 1 <= w <= 22 for w in cls.walls)
    if cls.kind != "optimizer":
        assert cls.walls, f"{name} resolves no wall"
    assert cls.equation.strip(), f"{name} has no equation"
    assert (cls.__doc__ or "").strip(), f"{name} has no docstring"
    assert issubclass(cls.result_type, Result)
    d = cls.describe()
    assert d["resolver"] == name and d["kind"] == cls.kind


def test_every_wall_has_a_resolver():
    covered = {w for cls in RESOLVERS.values() for w in cls.walls}
    assert covered == set(range(1, 23))


def test_every_resolver_has_a_sample_call():
    assert set(RESOLVERS) <= set(_calls())


@pytest.mark.parametrize("name", sorted(RESOLVERS))
def test_result_field_dimensions(name):
    cls = RESOLVERS[name]
    res = cls().solve(**_calls()[name])
    assert isinstance(res, cls.result_type)
    assert isinstance(res.feasible, bool) and isinstance(res.trace, list)
    checked = 0
    for field, info in cls.result_type.model_fields.items():
        spec = next((m.spec for m in info.metadata if isinstance(m, _UnitMeta)), None) or _declared_unit(info.annotation)
        if spec is None:
            continue
        value = getattr(res, field)
        if value is None:
            continue
        assert isinstance(value, Quantity), f"{name}.{field} should be a Quantity in {spec.text}, got {value!r}"
        assert value.dimensionality == ureg.Unit(spec.text).dimensionality, (
            f"{name}.{field}: {value.units} is not {spec.text}")
        checked += 1
    assert checked == len([f for f in cls.result_type.units() if getattr(res, f) is not None])
    row = res.to_row()
    assert all(isinstance(v, (bool, int, float, str, type(None))) for v in row.values())
