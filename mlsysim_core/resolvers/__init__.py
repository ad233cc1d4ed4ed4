"""All resolvers, one module per wall domain (node, serving, data, algorithm, fleet, ops, analysis,
optimizers). :func:`all_resolvers` imports every domain module and returns the registry."""

from __future__ import annotations

import importlib

from .base import RESOLVERS, Qty, Resolver, Result

__all__ = ["RESOLVERS", "Qty", "Resolver", "Result", "all_resolvers", "DOMAIN_MODULES"]

DOMAIN_MODULES = ("node", "serving", "data", "algorithm", "fleet", "ops", "analysis", "optimizers")


def all_resolvers() -> dict[str, type[Resolver]]:
    """Import every domain module; return ``{name: class}`` for all registered resolvers."""
    for mod in DOMAIN_MODULES:
        importlib.import_module(f".{mod}", __name__)
    return dict(RESOLVERS)
