"""Pure-float physics formulas (no pint inside), one docstring per equation with its source.

Modules: :mod:`constants` (named defaults), :mod:`roofline` (walls 1–2), :mod:`queueing` (Erlang C,
Kingman, M/D/1), :mod:`serving` (prefill FLOPs, KV cache, paged KV occupancy, speculative decoding).
Other domain modules (communication, reliability, …) may be added alongside by their owners.
"""

from . import constants, queueing, roofline, serving  # noqa: F401

__all__ = ["constants", "queueing", "roofline", "serving"]
