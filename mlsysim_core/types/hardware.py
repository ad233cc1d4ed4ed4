"""Layer B — hardware: a single accelerator (or device) with its compute, memory, storage and links."""

from __future__ import annotations

from functools import cached_property
from typing import Literal, NamedTuple, Optional

from pydantic import Field, field_validator

from ..units import Q_, PRECISION_BYTES, UnitSpec, resolve_precision, si
from ._fields import Frozen, Provenance, QuantityOf

__all__ = ["ComputeCore", "MemoryHierarchy", "StorageHierarchy", "IOInterconnect", "HardwareNode", "HardwareSI"]

_INTENSITY = UnitSpec("flop/byte")
_FLOPS = UnitSpec("TFLOP/s")


class ComputeCore(Frozen):
    """Peak arithmetic throughput. ``peak_flops`` is the dense FP16/BF16 tensor figure; per-precision
    dense peaks go in ``precision_flops`` (keys: fp32, tf32, fp16, bf16, fp8, int8, fp4, int4)."""

    peak_flops: QuantityOf("compute_rate")
    precision_flops: dict[str, QuantityOf("compute_rate")] = Field(default_factory=dict)

    @field_validator("precision_flops")
    @classmethod
    def _known_precisions(cls, v):
        for key in v:
            if key not in PRECISION_BYTES:
                raise ValueError(f"unknown precision {key!r}; known: {', '.join(PRECISION_BYTES)}")
        return v


class MemoryHierarchy(Frozen):
    """Main memory (HBM/DRAM/flash for MCUs) plus optional on-chip SRAM and flash tiers. ``kind`` names the main
    memory technology (HBM, GDDR, LPDDR, DDR, SRAM, flash); it selects the default achieved-bandwidth fraction
    (``physics.constants.MEMORY_EFFICIENCY_BY_KIND``). Unset → inferred from the device category."""

    capacity: QuantityOf("information")
    bandwidth: QuantityOf("bandwidth")
    kind: Optional[Literal["HBM", "GDDR", "LPDDR", "DDR", "SRAM", "flash"]] = None
    sram_capacity: Optional[QuantityOf("information")] = None
    sram_bandwidth: Optional[QuantityOf("bandwidth")] = None
    flash_capacity: Optional[QuantityOf("information")] = None
    flash_bandwidth: Optional[QuantityOf("bandwidth")] = None


class StorageHierarchy(Frozen):
    """Local persistent storage (NVMe etc.)."""

    capacity: QuantityOf("information")
    bandwidth: QuantityOf("bandwidth")


class IOInterconnect(Frozen):
    """A link (host PCIe, NVLink, ICI, Infinity Fabric). Datasheets quote NVLink/ICI as the
    send+receive total (``direction="bidirectional_total"``); collectives must use the per-direction
    half (:attr:`bandwidth_per_direction`)."""

    name: str
    bandwidth: QuantityOf("bandwidth")
    latency: Optional[QuantityOf("time")] = None
    direction: Literal["per_direction", "bidirectional_total"] = "per_direction"

    @property
    def bandwidth_per_direction(self):
        return self.bandwidth / 2 if self.direction == "bidirectional_total" else self.bandwidth


class HardwareSI(NamedTuple):
    """Base-unit floats of a HardwareNode, computed once (bytes, byte/s, flop/s, W, USD, s)."""

    peak: float
    precision_peaks: dict
    mem_capacity: float
    mem_bw: float
    sram_capacity: float
    sram_bw: float
    flash_bw: float
    storage_bw: float
    host_bw: float
    scale_up_bw: float  # per direction
    tdp: float
    unit_cost: float
    dispatch: float
    embodied_kg: float


class HardwareNode(Frozen):
    """One accelerator or device. ``dispatch_tax`` is the fixed per-launch software overhead."""

    name: str
    category: Literal["cloud", "workstation", "edge", "mobile", "tiny", "wafer"] = "cloud"
    release_year: Optional[int] = None
    compute: ComputeCore
    memory: MemoryHierarchy
    storage: Optional[StorageHierarchy] = None
    interconnect: Optional[IOInterconnect] = None  # host link (PCIe)
    scale_up: Optional[IOInterconnect] = None  # NVLink / ICI / Infinity Fabric / MemoryX
    tdp: Optional[QuantityOf("power")] = None
    unit_cost: Optional[QuantityOf("currency")] = None
    dispatch_tax: QuantityOf("time", allow_zero=True) = Q_(0.01, "ms")
    embodied_carbon: Optional[QuantityOf("mass")] = None
    provenance: Optional[Provenance] = None

    @cached_property
    def si(self) -> HardwareSI:
        m = self.memory
        peaks = {k: si(v, "compute_rate") for k, v in self.compute.precision_flops.items()}
        up = self.scale_up
        return HardwareSI(
            peak=si(self.compute.peak_flops, "compute_rate"),
            precision_peaks=peaks,
            mem_capacity=si(m.capacity, "information"),
            mem_bw=si(m.bandwidth, "bandwidth"),
            sram_capacity=si(m.sram_capacity, "information") if m.sram_capacity is not None else 0.0,
            sram_bw=si(m.sram_bandwidth, "bandwidth") if m.sram_bandwidth is not None else 0.0,
            flash_bw=si(m.flash_bandwidth, "bandwidth") if m.flash_bandwidth is not None else 0.0,
            storage_bw=si(self.storage.bandwidth, "bandwidth") if self.storage is not None else 0.0,
            host_bw=si(self.interconnect.bandwidth_per_direction, "bandwidth") if self.interconnect else 0.0,
            scale_up_bw=si(up.bandwidth_per_direction, "bandwidth") if up is not None else 0.0,
            tdp=si(self.tdp, "power") if self.tdp is not None else 0.0,
            unit_cost=si(self.unit_cost, "currency") if self.unit_cost is not None else 0.0,
            dispatch=si(self.dispatch_tax, "time", allow_zero=True),
            embodied_kg=si(self.embodied_carbon, "mass") if self.embodied_carbon is not None else 0.0,
        )

    @cached_property
    def memory_kind(self) -> str:
        """Main-memory technology: ``memory.kind`` if given, else by category (cloud → HBM, workstation → GDDR,
        edge/mobile → LPDDR, tiny/wafer → SRAM)."""
        from ..physics.constants import MEMORY_KIND_BY_CATEGORY

        return self.memory.kind or MEMORY_KIND_BY_CATEGORY.get(self.category, "HBM")

    @cached_property
    def memory_efficiency(self) -> float:
        """Default achieved fraction of datasheet memory bandwidth for this device's memory kind (η_mem)."""
        from ..physics.constants import MEMORY_EFFICIENCY_BY_KIND

        return MEMORY_EFFICIENCY_BY_KIND[self.memory_kind]

    @cached_property
    def memory_efficiency_by_tier(self) -> dict:
        """η_mem per bandwidth tier the roofline may stream from: main memory by its kind, on-chip SRAM and
        flash by theirs, the offload host link at its stated rate."""
        from ..physics.constants import MEMORY_EFFICIENCY_BY_KIND as K

        return {"HBM": self.memory_efficiency, "SRAM": K["SRAM"], "flash": K["flash"], "offload": 1.0}

    def peak_si(self, precision: str = "fp16") -> float:
        """Dense peak FLOP/s at ``precision`` (base-unit float). Falls back to ``peak_flops`` for
        fp16/bf16; for other precisions without a datasheet figure, also ``peak_flops`` (documented
        simplification: the tensor core runs the op at its 16-bit rate)."""
        key, _ = resolve_precision(precision)
        s = self.si
        return s.precision_peaks.get(key, s.peak)

    def peak(self, precision: str = "fp16"):
        """Dense peak at ``precision`` as a Quantity in TFLOP/s."""
        return _FLOPS(self.peak_si(precision))

    def ridge_point(self, precision: str | None = None):
        """Roofline ridge point I* = Peak / BW_mem [flop/byte] (Williams et al., 2009)."""
        return _INTENSITY(self.peak_si(precision or "fp16") / self.si.mem_bw)

    def __repr__(self) -> str:
        return f"HardwareNode({self.name!r})"
