"""Upstream module path ``mlsysim.systems``: the system types (``Node``, ``NetworkFabric``, ``Fleet``) and the
``Systems`` zoo (``Systems.Nodes``, ``Systems.Fabrics``, ``Systems.Clusters``). Re-exports only."""

from __future__ import annotations

from .types.systems import Datacenter, Fleet, GridProfile, NetworkFabric, Node
from .zoo import Systems

__all__ = ["Datacenter", "Fleet", "GridProfile", "NetworkFabric", "Node", "Systems"]
