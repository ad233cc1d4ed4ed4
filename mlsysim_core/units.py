"""One shared pint registry for the whole engine, and the fast paths that keep strictness free.

* ``ureg`` / ``Q_``: the only registry. Built once at import from ``units.txt`` (a small explicit
  definition file: ~20 ms instead of ~150 ms for pint's full default registry).
* Dimensional strictness: every public input is a Quantity (or a string such as ``"80 GiB"``) and is
  checked against a named *kind* (``"bandwidth"``, ``"time"`` …). Adding a bandwidth to a FLOP rate
  raises :class:`pint.DimensionalityError` as usual.
* Hot paths: resolvers convert inputs to base-unit floats **once** at their boundary
  (:func:`si`, cached conversion factor per unit) and wrap outputs back with :func:`make_q`, which
  builds a Quantity without re-parsing (≈0.3 µs).

Base units of this registry: second, meter, kilogram, byte, flop, USD, gCO2, token, parameter,
sample, request. "SI float" below means a magnitude in those base units.
"""

from __future__ import annotations

import math
from importlib import resources

import pint

__all__ = [
    "ureg",
    "Q_",
    "Quantity",
    "UnitSpec",
    "KINDS",
    "si",
    "make_q",
    "as_quantity",
    "dimension_kind",
    "PRECISION_BYTES",
    "resolve_precision",
]

_DEFS = resources.files(__package__).joinpath("units.txt")
with resources.as_file(_DEFS) as _path:
    ureg = pint.UnitRegistry(str(_path), cache_folder=None, autoconvert_offset_to_baseunit=False)
ureg.formatter.default_format = "~P"
pint.set_application_registry(ureg)

# pint caches a parsed unit string only when the whole string is one unit name ("ms"), so every
# ``q.to("TB/s")`` re-tokenises and re-resolves "TB/s" (~25 µs, ~100 µs in Pyodide; labs do hundreds per
# slider move). The parse is a pure function of the registry's definitions, which this engine never changes
# after load and never puts under a pint context, so memoise it per (string, flags). Non-string inputs and
# a registry under an active context take pint's own path.
_PARSE_CACHE: dict = {}
_pint_parse_units_as_container = ureg.parse_units_as_container


def _parse_units_as_container(input_string, as_delta=None, case_sensitive=None):
    if type(input_string) is not str or ureg._active_ctx.contexts:
        return _pint_parse_units_as_container(input_string, as_delta, case_sensitive)
    key = (input_string, as_delta, case_sensitive)
    got = _PARSE_CACHE.get(key)
    if got is None:
        got = _pint_parse_units_as_container(input_string, as_delta, case_sensitive)
        if len(_PARSE_CACHE) < 4096:
            _PARSE_CACHE[key] = got
    return got


ureg.parse_units_as_container = _parse_units_as_container

Q_ = ureg.Quantity
Quantity = ureg.Quantity

# --------------------------------------------------------------------------------------------
# Kinds of quantity the engine accepts, by dimensionality.
# --------------------------------------------------------------------------------------------
KINDS: dict[str, str] = {
    "time": "second",
    "information": "byte",
    "bandwidth": "byte / second",
    "compute": "flop",
    "compute_rate": "flop / second",
    "intensity": "flop / byte",
    "power": "watt",
    "energy": "joule",
    "currency": "USD",
    "currency_rate": "USD / hour",
    "energy_price": "USD / kWh",
    "emissions": "gCO2",
    "carbon_intensity": "gCO2 / kWh",
    "volume": "liter",
    "water_intensity": "liter / kWh",
    "mass": "kilogram",
    "token_rate": "token / second",
    "request_rate": "request / second",
    "sample_rate": "sample / second",
    "frequency": "1 / second",
    "tokens": "token",
    "bytes_per_token": "byte / token",
    "parameters": "parameter",
    "dimensionless": "count",
}

_KIND_DIMS = {kind: ureg.get_dimensionality(unit) for kind, unit in KINDS.items()}
_DIM_TO_KIND = {}
for _k, _d in _KIND_DIMS.items():
    _DIM_TO_KIND.setdefault(_d, _k)

_FACTOR_CACHE: dict = {}


def _factor(units) -> float:
    """Multiplier from ``units`` to base units (cached per UnitsContainer)."""
    f = _FACTOR_CACHE.get(units)
    if f is None:
        f = float(Q_(1.0, units).to_base_units().magnitude)
        _FACTOR_CACHE[units] = f
    return f


def dimension_kind(q) -> str:
    """Human name of a quantity's dimension ("bandwidth", "time", …) or its raw dimensionality."""
    dim = q.dimensionality if hasattr(q, "dimensionality") else ureg.get_dimensionality(q)
    return _DIM_TO_KIND.get(dim, str(dim))


class UnitSpec:
    """A display unit with its conversion from base units precomputed.

    >>> MS = UnitSpec("ms"); MS(0.0123)  # 0.0123 s shown in ms
    <Quantity(12.3, 'millisecond')>
    """

    __slots__ = ("unit", "_units", "_inv", "kind", "text")

    def __init__(self, unit: str):
        u = ureg.Unit(unit)
        self.unit = u
        self.text = unit
        self._units = u._units
        self._inv = 1.0 / _factor(u._units)
        self.kind = _DIM_TO_KIND.get(u.dimensionality, str(u.dimensionality))

    def __call__(self, value_si: float):
        """Wrap a base-unit float as a Quantity in this display unit, without parsing."""
        q = object.__new__(Quantity)
        q._magnitude = value_si * self._inv
        q._units = self._units
        return q

    def __repr__(self) -> str:
        return f"UnitSpec({self.text!r})"


def make_q(value_si: float, spec: UnitSpec):
    """Quantity in ``spec``'s unit from a base-unit float (fast path for results)."""
    return spec(value_si)


def as_quantity(value, kind: str, *, name: str = "value"):
    """Accept a Quantity or a string like ``"80 GiB"``; check it is of ``kind``; return a Quantity.

    Raises :class:`mlsysim_core.validation.InputError` (a ``ValueError``) naming ``name`` otherwise.
    """
    from .validation import InputError

    if isinstance(value, str):
        try:
            value = Q_(value)
        except Exception as exc:  # pint raises several types for bad strings
            raise InputError(name, f"cannot read {value!r} as a quantity ({exc})") from None
    if not isinstance(value, Quantity):
        if isinstance(value, pint.Quantity):
            raise InputError(name, "comes from a different pint registry; build it with mlsysim_core.Q_")
        raise InputError(
            name, f"must be a quantity of {kind} (e.g. Q_(1, {KINDS[kind]!r})), got {type(value).__name__} {value!r}"
        )
    if value.dimensionality != _KIND_DIMS[kind]:
        raise InputError(
            name, f"wrong unit: expected {kind} [{KINDS[kind]}], got {dimension_kind(value)} [{value.units:~P}]"
        )
    return value


def si(value, kind: str, *, name: str = "value", positive: bool = True, allow_zero: bool = False) -> float:
    """Validate ``value`` as a quantity of ``kind`` and return its base-unit float.

    NaN and infinities are rejected; by default the value must be > 0 (``allow_zero`` permits 0,
    ``positive=False`` permits any finite sign).
    """
    from .validation import InputError

    q = as_quantity(value, kind, name=name)
    mag = q._magnitude
    try:
        x = float(mag) * _factor(q._units)
    except (TypeError, ValueError):
        raise InputError(name, f"magnitude must be a real number, got {mag!r}") from None
    if not math.isfinite(x):
        raise InputError(name, f"must be finite, got {q}")
    if positive:
        if x < 0 or (x == 0 and not allow_zero):
            raise InputError(name, f"must be {'≥' if allow_zero else '>'} 0, got {q}")
    return x


# --------------------------------------------------------------------------------------------
# Numeric precisions
# --------------------------------------------------------------------------------------------
PRECISION_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "tf32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "fp4": 0.5,
    "int4": 0.5,
}


_PRECISION_KEYS: dict[str, tuple[str, float]] = {k: (k, v) for k, v in PRECISION_BYTES.items()}


def resolve_precision(precision: str) -> tuple[str, float]:
    """Canonical precision name and bytes per value; clear error for unknown names."""
    hit = _PRECISION_KEYS.get(precision) if isinstance(precision, str) else None
    if hit is not None:  # already canonical: the hot path of every resolver
        return hit
    from .validation import InputError

    if not isinstance(precision, str):
        raise InputError("precision", f"must be one of {sorted(PRECISION_BYTES)}, got {precision!r}")
    key = precision.strip().lower()
    try:
        return key, PRECISION_BYTES[key]
    except KeyError:
        raise InputError("precision", f"unknown precision {precision!r}; known: {', '.join(PRECISION_BYTES)}") from None
