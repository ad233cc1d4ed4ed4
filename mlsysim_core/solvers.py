"""Upstream module path ``mlsysim.solvers``: every resolver class, plus the older ``*Solver`` names of the
``*Model`` resolvers (``ServingSolver`` = ``ServingModel``, ``SingleNodeSolver`` = ``SingleNodeModel``, …) and
``ForwardModel`` = ``SingleNodeModel``. Aliases only — the same classes, no second implementation."""

from __future__ import annotations

from .resolvers import all_resolvers

_RESOLVERS = all_resolvers()
globals().update(_RESOLVERS)

#: older upstream name → resolver class
SOLVER_ALIASES: dict[str, type] = {
    **{name[: -len("Model")] + "Solver": cls for name, cls in _RESOLVERS.items() if name.endswith("Model")},
    "ForwardModel": _RESOLVERS["SingleNodeModel"],
}
globals().update(SOLVER_ALIASES)

__all__ = sorted([*_RESOLVERS, *SOLVER_ALIASES, "SOLVER_ALIASES"])
