"""Layers C–D — infrastructure and systems: grids, datacenters, fabrics, nodes and fleets."""

from __future__ import annotations

from functools import cached_property
from typing import Optional

from pydantic import Field

from ..units import Q_, si
from ._fields import Frozen, Provenance, QuantityOf
from .hardware import HardwareNode

__all__ = ["GridProfile", "Datacenter", "NetworkFabric", "Node", "Fleet"]


class GridProfile(Frozen):
    """An electricity grid region: carbon intensity, facility PUE/WUE typical there, and price."""

    name: str
    carbon_intensity: QuantityOf("carbon_intensity", allow_zero=True)
    pue: float = Field(ge=1.0, le=5.0, allow_inf_nan=False)
    wue: QuantityOf("water_intensity", allow_zero=True) = Q_(1.8, "L/kWh")
    electricity_price: QuantityOf("energy_price") = Q_(0.12, "USD/kWh")
    primary_source: str = "mixed"
    renewable_pct: Optional[float] = Field(default=None, ge=0, le=100)
    lat: Optional[float] = Field(default=None, ge=-90, le=90)
    lon: Optional[float] = Field(default=None, ge=-180, le=180)
    provenance: Optional[Provenance] = None

    # Plain floats, converted once per grid (resolvers call these in their hot paths).
    @cached_property
    def carbon_intensity_g_kwh(self) -> float:
        return float(self.carbon_intensity.to("gCO2/kWh").magnitude)

    @cached_property
    def wue_l_kwh(self) -> float:
        return float(self.wue.to("L/kWh").magnitude)

    @cached_property
    def price_usd_kwh(self) -> float:
        return float(self.electricity_price.to("USD/kWh").magnitude)

    def __repr__(self) -> str:
        return f"GridProfile({self.name!r})"


class Datacenter(Frozen):
    """A facility on a grid; may override the grid's typical PUE/WUE (e.g. liquid cooling)."""

    name: str
    grid: GridProfile
    pue_override: Optional[float] = Field(default=None, ge=1.0, le=5.0, allow_inf_nan=False)
    wue_override: Optional[QuantityOf("water_intensity", allow_zero=True)] = None
    provenance: Optional[Provenance] = None

    @property
    def pue(self) -> float:
        return self.pue_override if self.pue_override is not None else self.grid.pue

    @property
    def wue(self):
        return self.wue_override if self.wue_override is not None else self.grid.wue

    @cached_property
    def wue_l_kwh(self) -> float:
        return float(self.wue_override.to("L/kWh").magnitude) if self.wue_override is not None else self.grid.wue_l_kwh


class NetworkFabric(Frozen):
    """Scale-out network. ``bandwidth`` is per endpoint (GPU/NIC) per direction; ``latency`` is the
    per-message α of the α–β model; ``oversubscription`` ≥ 1 divides usable bandwidth."""

    name: str
    topology: str = "fat_tree"
    bandwidth: QuantityOf("bandwidth")
    latency: QuantityOf("time", allow_zero=True) = Q_(5, "us")
    oversubscription: float = Field(default=1.0, ge=1.0, allow_inf_nan=False)
    provenance: Optional[Provenance] = None

    @cached_property
    def bw_si(self) -> float:
        """Usable per-endpoint bandwidth BW/oversubscription [byte/s]."""
        return si(self.bandwidth, "bandwidth") / self.oversubscription

    @cached_property
    def latency_si(self) -> float:
        return si(self.latency, "time", allow_zero=True)


class Node(Frozen):
    """A server: ``accelerators_per_node`` identical accelerators joined by ``intra_node_bw``.

    ``intra_node_bw`` is read as a datasheet NVLink figure (send+receive total) unless
    ``intra_node_bw_direction="per_direction"``; collectives use the per-direction value. ``rated_power`` is the
    server's datasheet maximum (e.g. DGX H100 10.2 kW); the node power model derives the host overhead from it.
    """

    name: str
    accelerator: HardwareNode
    accelerators_per_node: int = Field(ge=1)
    intra_node_bw: QuantityOf("bandwidth")
    intra_node_bw_direction: str = Field(default="bidirectional_total", pattern="^(per_direction|bidirectional_total)$")
    intra_node_latency: QuantityOf("time", allow_zero=True) = Q_(500, "ns")
    nics_per_node: int = Field(default=8, ge=0)
    psus_per_node: int = Field(default=2, ge=0)
    rated_power: Optional[QuantityOf("power")] = None  # datasheet maximum of the whole server (host included)
    provenance: Optional[Provenance] = None

    @cached_property
    def rated_power_si(self) -> float:
        """Datasheet system power [W] (0 when unknown)."""
        return si(self.rated_power, "power") if self.rated_power is not None else 0.0

    @cached_property
    def intra_bw_si(self) -> float:
        bw = si(self.intra_node_bw, "bandwidth")
        return bw / 2 if self.intra_node_bw_direction == "bidirectional_total" else bw

    @cached_property
    def intra_latency_si(self) -> float:
        return si(self.intra_node_latency, "time", allow_zero=True)


class Fleet(Frozen):
    """``count`` identical nodes on one fabric, optionally placed in a grid region / datacenter."""

    name: str
    node: Node
    count: int = Field(ge=1)
    fabric: NetworkFabric
    region: Optional[GridProfile] = None
    datacenter: Optional[Datacenter] = None
    mtbf_hours: Optional[float] = Field(default=None, gt=0, allow_inf_nan=False)
    provenance: Optional[Provenance] = None

    @property
    def total_accelerators(self) -> int:
        return self.count * self.node.accelerators_per_node

    @property
    def accelerator(self) -> HardwareNode:
        return self.node.accelerator

    @property
    def grid(self) -> Optional[GridProfile]:
        if self.datacenter is not None:
            return self.datacenter.grid
        return self.region

    @property
    def effective_pue(self) -> Optional[float]:
        if self.datacenter is not None:
            return self.datacenter.pue
        return self.region.pue if self.region is not None else None
