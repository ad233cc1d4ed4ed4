"""The lab catalog: every ``mlsys_labs.banks.lab_*`` module that defines ``LAB = LabSpec(...)``.

``LABS`` maps lab id → :class:`~mlsys_labs.questions.LabSpec`; banks are imported on first access so
``import mlsys_labs`` stays cheap. A bank that fails to import is recorded in ``load_errors()`` (and
named in the ``KeyError`` of :func:`get_lab`) instead of taking every other lab down with it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping

from .questions import LabSpec

__all__ = ["LABS", "get_lab", "lab_ids", "load_errors", "reload"]

_labs: dict[str, LabSpec] | None = None
_errors: dict[str, str] = {}


def _load() -> dict[str, LabSpec]:
    global _labs
    if _labs is not None:
        return _labs
    from . import banks

    labs: dict[str, LabSpec] = {}
    _errors.clear()
    for info in sorted(pkgutil.iter_modules(banks.__path__), key=lambda i: i.name):
        if not info.name.startswith("lab_"):
            continue
        modname = f"{banks.__name__}.{info.name}"
        try:
            mod = importlib.import_module(modname)
            lab = getattr(mod, "LAB")
            if not isinstance(lab, LabSpec):
                raise TypeError("LAB is not a LabSpec")
            if lab.id in labs:
                raise ValueError(f"duplicate lab id {lab.id!r}")
        except Exception as e:  # keep the other labs gradable
            _errors[info.name[4:]] = f"{type(e).__name__}: {e}"
            continue
        labs[lab.id] = lab
    _labs = labs
    return labs


class _LabsView(Mapping):
    """Lazy read-only mapping lab id → LabSpec (banks load on first access)."""

    def __getitem__(self, k):
        return _load()[k]

    def __iter__(self):
        return iter(_load())

    def __len__(self):
        return len(_load())

    def __repr__(self):
        return f"LABS({sorted(_load())})"


LABS = _LabsView()


def lab_ids() -> list[str]:
    return sorted(_load())


def load_errors() -> dict[str, str]:
    """Bank modules that failed to import: module stem (without ``lab_``) → error text."""
    _load()
    return dict(_errors)


def get_lab(lab_id: str) -> LabSpec:
    labs = _load()
    try:
        return labs[lab_id]
    except (KeyError, TypeError):
        msg = f"unknown lab {str(lab_id)[:80]!r}; known labs: {', '.join(sorted(labs)) or '(none)'}"
        if isinstance(lab_id, str) and lab_id in _errors:
            msg += f" (its question bank failed to load: {_errors[lab_id]})"
        raise KeyError(msg) from None


def reload() -> None:
    """Forget the cached catalog (tests, notebooks editing banks)."""
    global _labs
    _labs = None
