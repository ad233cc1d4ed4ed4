"""Input validation shared by every resolver: one error type that names the offending field.

Resolvers validate plain numbers with these helpers (cheap) and quantities with
:func:`mlsysim_core.units.si`. An *infeasible design* is never an error: it is a result with
``feasible=False`` and the binding wall named. Only malformed inputs raise :class:`InputError`.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

__all__ = ["InputError", "check_int", "check_number", "check_fraction", "check_choice", "check_type"]


class InputError(ValueError):
    """Bad input to a resolver or type: ``field`` names the argument, ``reason`` says what is wrong."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def check_int(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer ≥ ``minimum`` (bools and non-integral floats rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(name, f"must be an integer, got {type(value).__name__} {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise InputError(name, f"must be a whole number, got {value!r}")
        value = int(value)
    if value < minimum:
        raise InputError(name, f"must be ≥ {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InputError(name, f"must be ≤ {maximum}, got {value}")
    return value


def check_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
) -> float:
    """A finite real number within bounds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(name, f"must be a number, got {type(value).__name__} {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(name, f"must be finite, got {value!r}")
    if minimum is not None:
        if x < minimum or (exclusive_minimum and x == minimum):
            raise InputError(name, f"must be {'>' if exclusive_minimum else '≥'} {minimum}, got {value!r}")
    if maximum is not None and x > maximum:
        raise InputError(name, f"must be ≤ {maximum}, got {value!r}")
    return x


def check_fraction(name: str, value: Any, *, allow_zero: bool = True, allow_one: bool = True) -> float:
    """A number in [0, 1] (open ends when ``allow_zero``/``allow_one`` are False)."""
    x = check_number(name, value, minimum=0.0, maximum=1.0)
    if (x == 0.0 and not allow_zero) or (x == 1.0 and not allow_one):
        lo = "[" if allow_zero else "("
        hi = "]" if allow_one else ")"
        raise InputError(name, f"must be in {lo}0, 1{hi}, got {value!r}")
    return x


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """One of a fixed set of strings (case-insensitive, returns the canonical spelling)."""
    choices = list(choices)
    if isinstance(value, str):
        low = value.strip().lower()
        for c in choices:
            if c.lower() == low:
                return c
    raise InputError(name, f"unknown value {value!r}; choose one of {', '.join(choices)}")


def check_type(name: str, value: Any, cls: type | tuple[type, ...]) -> Any:
    """``value`` must be an instance of ``cls`` (clear message naming the expected type)."""
    if not isinstance(value, cls):
        names = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        raise InputError(name, f"must be a {names}, got {type(value).__name__}")
    return value
