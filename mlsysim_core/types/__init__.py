"""Typed layers A–D of the stack: workloads, hardware, infrastructure, systems."""

from ._fields import Provenance, QuantityOf
from .hardware import ComputeCore, HardwareNode, HardwareSI, IOInterconnect, MemoryHierarchy, StorageHierarchy
from .systems import Datacenter, Fleet, GridProfile, NetworkFabric, Node
from .workloads import (
    CNNWorkload,
    ComputationGraph,
    DiffusionWorkload,
    SparseTransformerWorkload,
    SSMWorkload,
    TransformerWorkload,
    Workload,
    WorkloadSI,
)

__all__ = [
    "Provenance", "QuantityOf", "ComputeCore", "HardwareNode", "HardwareSI", "IOInterconnect", "MemoryHierarchy",
    "StorageHierarchy", "Datacenter", "Fleet", "GridProfile", "NetworkFabric", "Node", "CNNWorkload",
    "ComputationGraph", "DiffusionWorkload", "SparseTransformerWorkload", "SSMWorkload", "TransformerWorkload",
    "Workload", "WorkloadSI",
]
