"""mlsysim_core — an analytical engine for reasoning about ML systems walls.

A 5-layer stack: workloads → hardware → infrastructure → systems → resolvers. Everything is a pint
Quantity at the boundary (``Q_``/``ureg``: the one shared registry) and every resolver follows one
protocol: ``Resolver().solve(**typed_inputs) -> Result``.

Names are imported lazily (PEP 562) so ``import mlsysim_core`` stays fast; accessing any exported
name loads its module on first use.
"""

from __future__ import annotations

import importlib

from .units import Q_, Quantity, ureg

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # errors / validation
    "InputError": ".validation",
    # taxonomy
    "walls": ".taxonomy", "wall": ".taxonomy", "Wall": ".taxonomy", "WALLS": ".taxonomy",
    # types (layers A–D)
    "Provenance": ".types", "ComputeCore": ".types", "MemoryHierarchy": ".types", "StorageHierarchy": ".types",
    "IOInterconnect": ".types", "HardwareNode": ".types", "Workload": ".types", "TransformerWorkload": ".types",
    "SparseTransformerWorkload": ".types", "CNNWorkload": ".types", "SSMWorkload": ".types",
    "DiffusionWorkload": ".types", "ComputationGraph": ".types", "GridProfile": ".types", "Datacenter": ".types",
    "NetworkFabric": ".types", "Node": ".types", "Fleet": ".types",
    # zoos
    "Hardware": ".zoo", "Models": ".zoo", "Systems": ".zoo", "Grids": ".zoo", "Datacenters": ".zoo",
    # resolver protocol
    "Resolver": ".resolvers.base", "Result": ".resolvers.base", "all_resolvers": ".resolvers",
    # node domain (walls 1–7)
    "SingleNodeModel": ".resolvers.node", "EfficiencyModel": ".resolvers.node", "TailLatencyModel": ".resolvers.node",
    "TrainingMemoryModel": ".resolvers.fleet",
    "ServingModel": ".resolvers.serving", "ContinuousBatchingModel": ".resolvers.serving",
    "WeightStreamingModel": ".resolvers.serving",
    # data domain (8–10)
    "DataModel": ".resolvers.data", "TransformationModel": ".resolvers.data", "TopologyModel": ".resolvers.data",
    # algorithm domain (11–13)
    "ScalingModel": ".resolvers.algorithm", "InferenceScalingModel": ".resolvers.algorithm",
    "CompressionModel": ".resolvers.algorithm",
    # fleet domain (14–16)
    "DistributedModel": ".resolvers.fleet", "ReliabilityModel": ".resolvers.fleet",
    "OrchestrationModel": ".resolvers.fleet",
    # operations domain (17–20)
    "EconomicsModel": ".resolvers.ops", "SustainabilityModel": ".resolvers.ops", "CheckpointModel": ".resolvers.ops",
    "ResponsibleEngineeringModel": ".resolvers.ops",
    # analysis (21–22)
    "SensitivitySolver": ".resolvers.analysis", "SynthesisSolver": ".resolvers.analysis",
    # optimizers
    "ParallelismOptimizer": ".resolvers.optimizers", "BatchingOptimizer": ".resolvers.optimizers",
    "PlacementOptimizer": ".resolvers.optimizers",
    # scorecard and sweeps
    "Scenario": ".scenario", "SystemEvaluation": ".scenario", "EvaluationLevel": ".scenario",
    "sweep": ".sweep",
    # upstream-compatible names (thin aliases; README "Deliberate differences from upstream")
    "Engine": ".engine",
}

#: submodules reachable as attributes (``mlsysim_core.solvers``, ``mlsysim_core.systems``), as upstream's paths
_SUBMODULES = ("solvers", "systems", "engine")


def _solver_alias(name: str):
    if name.endswith("Solver") or name == "ForwardModel":
        return getattr(importlib.import_module(".solvers", __name__), "SOLVER_ALIASES").get(name)
    return None

__all__ = ["Q_", "Quantity", "ureg", "__version__", *sorted(_LAZY)]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        alias = _solver_alias(name)
        if alias is not None:
            globals()[name] = alias
            return alias
        raise AttributeError(f"module 'mlsysim_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
