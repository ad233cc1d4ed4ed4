"""Text helpers behind :mod:`mlsys_labs.ui`: number/Quantity formatting, markdown escaping and a cache of
rendered markdown. No marimo import at module load (``md``/``callout`` import it lazily).

Why a cache: ``mo.md`` runs python-markdown (~1 ms natively, several ms in Pyodide) and a slider move
re-renders the same step headings, gates, callouts and status lines again and again; marimo's ``Html``
objects are immutable, so one rendering of a given text can be shown any number of times.

Dollars: marimo's markdown treats ``$…$`` as KaTeX math, so text that is *data* (trace lines from the
engine such as "CapEx $1,234 (at $0.08/kWh)", option labels, lab titles like "The $9M GPU", table cells)
goes through :func:`esc_dollar` before it reaches ``mo.md``. Authored equations are left alone.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

__all__ = ["fmt", "num", "unit_text", "esc_dollar", "md_escape", "code_span", "md", "callout"]

_UNIT_TEXT: dict = {}


def num(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits: fixed notation in [1e-3, 1e6), scientific outside."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    a = abs(x)
    if 1e-3 <= a < 1e6:
        return f"{x:,.{max(digits - 1 - int(math.floor(math.log10(a))), 0)}f}"
    return f"{x:.{digits - 1}e}"


def unit_text(q: Any) -> str:
    """Abbreviated pretty unit of a Quantity ("TB/s"), formatted once per unit (pint's formatter is slow)."""
    key = getattr(q, "_units", None)
    if key is None:
        return f"{q.units:~P}"
    try:
        return _UNIT_TEXT[key]
    except KeyError:
        s = f"{q.units:~P}"
        if len(_UNIT_TEXT) < 1024:
            _UNIT_TEXT[key] = s
        return s
    except TypeError:  # unhashable units container (a foreign registry)
        return f"{q.units:~P}"


def fmt(q: Any, unit: str | None = None, digits: int = 3) -> str:
    """Format a Quantity (optionally converted to ``unit``) or a number with ``digits`` significant digits."""
    if q is None:
        return "—"
    if isinstance(q, str):
        return q
    if hasattr(q, "magnitude"):
        if unit is not None:
            q = q.to(unit)
        return f"{num(float(q.magnitude), digits)} {unit_text(q)}".strip()
    if isinstance(q, bool):
        return "yes" if q else "no"
    if isinstance(q, int):
        return f"{q:,}" + (f" {unit}" if unit else "")
    return num(float(q), digits) + (f" {unit}" if unit else "")


_DOLLAR = re.compile(r"(?<!\\)\$")


def esc_dollar(s: str) -> str:
    """Escape ``$`` (not already escaped) so marimo's markdown shows a dollar sign, not KaTeX math."""
    return _DOLLAR.sub(r"\\$", s) if "$" in s else s


def md_escape(s: str) -> str:
    """Escape markdown syntax (and ``$``) in untrusted text; at most 300 characters."""
    return re.sub(r"([\\`*_\[\]<>|#$])", r"\\\1", s)[:300]


def code_span(s: str) -> str:
    """Untrusted text as an inline code span (shown verbatim: no markdown, no math; one line, ≤ 300 chars)."""
    s = " ".join(str(s).split()).replace("`", "'")[:300]
    return f"`{s}`" if s else "` `"


@lru_cache(maxsize=512)
def md(text: str) -> Any:
    """``mo.md(text)``, rendered once per distinct text."""
    import marimo as mo

    return mo.md(text)


@lru_cache(maxsize=256)
def callout(text: str, kind: str) -> Any:
    """``mo.callout(mo.md(text), kind=kind)``, rendered once per distinct (text, kind)."""
    import marimo as mo

    return mo.callout(md(text), kind=kind)
