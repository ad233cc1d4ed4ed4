"""The zoos: declarative, provenance-carrying tables of hardware, models, systems and grids.

>>> from mlsysim_core.zoo import Hardware, Models, Systems, Grids, Datacenters
>>> Hardware.Cloud.H100.memory.bandwidth            # also Hardware.H100, Hardware.get("h100")
>>> Models.Language.Llama3_70B.lower("fp16")
>>> Systems.Clusters.Training_1K.total_accelerators  # 1024
>>> Grids.Quebec.carbon_intensity
>>> Hardware.list(sort_by="peak_flops", descending=True)[:3]

Every entry is built lazily on first access (importing this package does no pydantic work) and
carries ``provenance`` (source URL, verified date, kind, notes). See ``_registry`` for the shared
look-up / listing API.
"""

from ._registry import Group, UnknownEntryError, Zoo
from .grids import Datacenters, Grids
from .hardware import Hardware
from .models import Models
from .systems import Systems

__all__ = ["Hardware", "Models", "Systems", "Grids", "Datacenters", "Zoo", "Group", "UnknownEntryError"]
