"""Upstream-compatible entry point for MLSys·im tutorials: ``Engine.solve`` and ``Engine.sweep``.

Thin aliases of :class:`~mlsysim_core.resolvers.node.SingleNodeModel` (one implementation of the roofline), so a
tutorial written as ``from mlsysim import Engine; Engine.solve(model=…, hardware=…, batch_size=…, precision=…)``
runs with ``import mlsysim_core as mlsysim``. Upstream's training-mode arguments (``is_training``, ``zero_stage``,
``dp_size``, ``is_lora``) are not accepted: training memory and step time live in TrainingMemoryModel and
DistributedModel here (README, "Deliberate differences from upstream").
"""

from __future__ import annotations

from .physics.constants import DEFAULT_EFFICIENCY

__all__ = ["Engine"]


class Engine:
    """``Engine.solve(model, hardware, batch_size=1, precision="fp16", efficiency=0.5)`` → SingleNodeModel's
    PerformanceProfile (T = max(OPs·B/(Peak·η), (|W| + B·A)/BW) + overheads)."""

    @staticmethod
    def solve(model, hardware, batch_size=1, precision="fp16", efficiency=DEFAULT_EFFICIENCY, raise_errors=False,
              memory_efficiency=None):
        from .resolvers.node import SingleNodeModel

        return SingleNodeModel().solve(model=model, hardware=hardware, batch_size=batch_size, precision=precision,
                                       efficiency=efficiency, raise_errors=raise_errors,
                                       memory_efficiency=memory_efficiency)

    @staticmethod
    def sweep(model, hardware_list, batch_sizes=(1,), precisions=("fp16",), efficiency=DEFAULT_EFFICIENCY) -> list:
        """One row ``{hardware, batch_size, precision, profile}`` per feasible combination (infeasible ones are
        skipped, as upstream skips its OOM errors)."""
        rows = []
        for hw in hardware_list:
            for b in batch_sizes:
                for p in precisions:
                    prof = Engine.solve(model, hw, batch_size=b, precision=p, efficiency=efficiency)
                    if prof.feasible:
                        rows.append({"hardware": hw, "batch_size": b, "precision": p, "profile": prof})
        return rows
