"""Safe, bounded parsing of typed answers such as ``"3.2 TB/s"``, ``"1,234 ms"`` or ``"$9.1M"``.

Safety model (student text is untrusted):

* the text is length-checked (``max_len``, default 200) *before* anything else;
* a hand-written scanner splits it into a number and a unit expression — no ``eval``/``exec``, and no
  pint ``parse_expression``/``Quantity(str)`` on student text;
* numbers match a strict regex (≤ 40 characters, decimal exponent ``|e| ≤ 308``, finite result);
* unit names are looked up in the shared registry (``mlsysim_core.ureg.parse_unit_name``) only after
  the scanner produced a short identifier token; at most :data:`MAX_FACTORS` unit factors, integer
  powers with ``1 ≤ |p| ≤ 4``.

Every failure is an :class:`AnswerError` with a stable ``code`` and a human ``message``.

Accepted forms (examples): ``3.2 TB/s`` · ``3200 GB/s`` · ``25.6 Tbps`` · ``3.2e12 B/s`` ·
``3.2×10^12 B/s`` · ``3.2 x 10^12 byte per second`` · ``1,234 ms`` · ``45 %`` · ``0.45`` · ``12 µs`` ·
``$9.1M`` · ``$1.2B`` · ``1.2 MUSD`` · ``1200000 USD`` · ``$0.12/kWh`` · ``2 kW·h`` · ``5 m²``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from mlsysim_core.units import KINDS, Q_, ureg

__all__ = ["AnswerError", "ParsedAnswer", "parse_answer", "kind_of", "describe_kind", "MAX_LEN", "MAX_FACTORS"]

MAX_LEN = 200
MAX_NUMBER_CHARS = 40
MAX_DEC_EXP = 308
MAX_FACTORS = 8
MAX_POWER = 4
MAX_IDENT = 32


class AnswerError(ValueError):
    """An answer that cannot be read. ``code`` is stable (for tests/UI); ``message`` is for humans."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"AnswerError({self.code!r}, {self.message!r})"


# ---------------------------------------------------------------------------------------------
# Kinds (dimension names) for messages
# ---------------------------------------------------------------------------------------------
_KIND_OF_DIMS = {}
for _k, _u in KINDS.items():
    _KIND_OF_DIMS.setdefault(ureg.get_dimensionality(_u), _k)

_HUMAN = {
    "information": "data size",
    "compute": "FLOP count",
    "compute_rate": "compute rate",
    "intensity": "arithmetic intensity",
    "currency": "cost",
    "currency_rate": "cost rate",
    "energy_price": "energy price",
    "emissions": "carbon emission",
    "carbon_intensity": "carbon intensity",
    "water_intensity": "water intensity",
    "token_rate": "token rate",
    "request_rate": "request rate",
    "sample_rate": "sample rate",
    "tokens": "token count",
    "bytes_per_token": "bytes-per-token figure",
    "parameters": "parameter count",
    "dimensionless": "plain number",
}


def kind_of(dims) -> str:
    """Kind name ("bandwidth", "time", …) of a pint dimensionality, or its text form."""
    k = _KIND_OF_DIMS.get(dims)
    if k is not None:
        return k
    return str(dims) if dims else "dimensionless"


def describe_kind(kind: str) -> str:
    """``"bandwidth"`` → ``"a bandwidth"``; ``"intensity"`` → ``"an arithmetic intensity"``."""
    human = _HUMAN.get(kind)
    if human is None:
        human = kind.replace("_", " ") if kind in KINDS else f"quantity of dimension {kind}"
    article = "an" if human[:1].lower() in "aeiou" else "a"
    return f"{article} {human}"


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedAnswer:
    """A parsed answer. ``value_si`` is in the registry's base units; ``unitless`` is True for a
    bare number (no unit, no ``$``/``%``) — graders then read it in the question's own unit."""

    value_si: float
    kind: str
    dims: object  # pint UnitsContainer of dimensions
    magnitude: float
    units: tuple  # ((canonical unit name, exponent), ...)
    unitless: bool = False

    @property
    def quantity(self):
        """The answer as a pint Quantity on the shared registry (built lazily, from registry names)."""
        from pint.util import UnitsContainer

        return Q_(self.magnitude, UnitsContainer(dict(self.units)))

    @property
    def unit_text(self) -> str:
        return f"{self.quantity.units:~P}" if self.units else ""


# ---------------------------------------------------------------------------------------------
# Scanner
# ---------------------------------------------------------------------------------------------
_SPACES = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\t": " ", "\u2212": "-"})
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+", re.ASCII)
_EXP = re.compile(r"[eE]([+-]?\d+)", re.ASCII)
_TIMES_TEN = re.compile(r" *[×xX*·⋅] *10 *(?:\^|\*\*) *([+-]?\d+)", re.ASCII)
_TIMES_TEN_SUP = re.compile(r" *[×xX*·⋅] *10([⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_IDENT = re.compile(r"[A-Za-z_µμ%$][A-Za-z0-9_]*")
_POWER = re.compile(r" *(?:\^|\*\*) *([+-]?\d+)", re.ASCII)
_SUP_POWER = re.compile(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUP = str.maketrans("⁺⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "+-0123456789")
_MULT = frozenset("*·⋅×")
# Scale words allowed right after a number in a currency context ("$9.1M", "1.2M USD", "$3 bn").
_SCALES = {"k": 1e3, "K": 1e3, "M": 1e6, "m": 1e6, "mn": 1e6, "B": 1e9, "bn": 1e9, "b": 1e9, "T": 1e12,
           "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_CURRENCY_WORDS = frozenset({"USD", "usd", "dollar", "dollars", "US_dollar", "$"})


def _short(s: str, n: int = 24) -> str:
    return repr(s if len(s) <= n else s[:n] + "…")


@lru_cache(maxsize=4096)
def _lookup(ident: str):
    """Registry lookup of one identifier token → (canonical name, base factor, dims) or None."""
    if ident == "$":
        ident = "USD"
    try:
        cands = ureg.parse_unit_name(ident)
    except Exception:
        return None
    if not cands:
        return None
    prefix, name, suffix = cands[0]
    canonical = prefix + name
    try:
        factor, _ = ureg.get_base_units(canonical)
        dims = ureg.get_dimensionality(canonical)
    except Exception:
        return None
    factor = float(factor)
    if not math.isfinite(factor) or factor <= 0:
        return None
    return canonical, factor, dims


def _suggest(ident: str) -> str:
    for cand in (ident.upper(), ident.lower(), ident[:1].upper() + ident[1:], ident[:1].lower() + ident[1:],
                 ident[:-1] + ident[-1:].upper()):
        if cand != ident and _lookup(cand) is not None:
            return f" (did you mean '{cand}'?)"
    return ""


def _int_power(text: str, where: str) -> int:
    p = int(text)  # at most a few digits: guarded by the caller's regex and length checks
    if p == 0 or abs(p) > MAX_POWER:
        raise AnswerError("bad_power", f"unit power {p} in {where} is not allowed (use 1..{MAX_POWER})")
    return p


def _parse_number(s: str, pos: int):
    """Return (value, new_pos). Strict: digits with optional thousands commas, decimals, e-exponent."""
    m = _NUMBER.match(s, pos)
    if not m:
        raise AnswerError("no_number", "the answer must start with a number, e.g. '3.2 TB/s'")
    mant = m.group(0)
    end = m.end()
    exp = 0
    me = _EXP.match(s, end)
    had_exp = False
    if me:
        if len(me.group(1).lstrip("+-")) > 4:
            raise AnswerError("exponent_range", f"exponent out of range (|e| ≤ {MAX_DEC_EXP})")
        exp = int(me.group(1))
        end = me.end()
        had_exp = True
    mt = _TIMES_TEN.match(s, end) or _TIMES_TEN_SUP.match(s, end)
    if mt:
        if had_exp:
            raise AnswerError("bad_number", "use either 'e' notation or '×10^', not both")
        digits = mt.group(1).translate(_SUP)
        if len(digits.lstrip("+-")) > 4:
            raise AnswerError("exponent_range", f"exponent out of range (|e| ≤ {MAX_DEC_EXP})")
        exp = int(digits)
        end = mt.end()
    if end - pos > MAX_NUMBER_CHARS:
        raise AnswerError("number_too_long", f"the number is longer than {MAX_NUMBER_CHARS} characters")
    if abs(exp) > MAX_DEC_EXP:
        raise AnswerError("exponent_range", f"exponent out of range (|e| ≤ {MAX_DEC_EXP})")
    if end < len(s):
        nxt = s[end]
        if nxt.isdigit() or nxt in ".,":
            raise AnswerError(
                "bad_number",
                "could not read the number: use '.' for decimals and ',' only between groups of three digits",
            )
        if s.startswith("**", end) or nxt == "^":
            raise AnswerError("number_power", "powers of numbers are not supported; write e.g. 1e10 or 1×10^10")
    if mant.endswith(".") and not mant[:-1]:
        raise AnswerError("no_number", "the answer must start with a number")
    value = float(f"{mant.replace(',', '')}e{exp}")
    if not math.isfinite(value):
        raise AnswerError("not_finite", "the number is too large")
    return value, end


def _parse_units(s: str, pos: int):
    """Parse the unit expression s[pos:] → list of (canonical, exponent, factor, dims)."""
    n = len(s)
    factors = []
    divide = False
    expect_operand = True
    while pos < n:
        c = s[pos]
        if c == " ":
            pos += 1
            continue
        if c in _MULT:
            if expect_operand:
                raise AnswerError("bad_unit", f"unexpected {c!r} in the unit")
            expect_operand = True
            pos += 1
            continue
        if c == "/":
            if expect_operand and factors:
                raise AnswerError("bad_unit", "unexpected '/' in the unit")
            divide = True
            expect_operand = True
            pos += 1
            continue
        if c in "()[]{}":
            raise AnswerError("bad_unit", "parentheses are not supported in units; write e.g. 'J/s/m^2' or 'USD/kWh'")
        m = _IDENT.match(s, pos)
        if not m:
            raise AnswerError("bad_char", f"unexpected character {c!r} in the unit")
        ident = m.group(0)
        if len(ident) > MAX_IDENT:
            raise AnswerError("unknown_unit", f"unknown unit {_short(ident)}")
        pos = m.end()
        if ident == "per":
            if expect_operand and factors:
                raise AnswerError("bad_unit", "unexpected 'per' in the unit")
            divide = True
            expect_operand = True
            continue
        info = _lookup(ident)
        if info is None:
            raise AnswerError("unknown_unit", f"unknown unit {_short(ident)}{_suggest(ident)}")
        power = 1
        mp = _POWER.match(s, pos)
        if mp:
            if len(mp.group(1).lstrip("+-")) > 2:
                raise AnswerError("bad_power", f"unit power too large (use 1..{MAX_POWER})")
            power = _int_power(mp.group(1), ident)
            pos = mp.end()
        else:
            ms = _SUP_POWER.match(s, pos)
            if ms:
                if len(ms.group(0)) > 3:
                    raise AnswerError("bad_power", f"unit power too large (use 1..{MAX_POWER})")
                power = _int_power(ms.group(0).translate(_SUP), ident)
                pos = ms.end()
        if divide:
            power = -power
        factors.append((info[0], power, info[1], info[2]))
        if len(factors) > MAX_FACTORS:
            raise AnswerError("too_many_units", f"too many unit factors (at most {MAX_FACTORS})")
        divide = False
        expect_operand = False
    if expect_operand and (factors or divide):
        raise AnswerError("bad_unit", "the unit ends with an operator")
    return factors


def parse_answer(text, *, max_len: int = MAX_LEN) -> ParsedAnswer:
    """Parse one typed answer. Raises :class:`AnswerError`; never evaluates anything."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise AnswerError("not_text", f"an answer must be text, got {type(text).__name__}")
    if not isinstance(text, str):
        if isinstance(text, float) and not math.isfinite(text):
            raise AnswerError("not_finite", "NaN and infinity are not accepted")
        text = repr(text) if isinstance(text, float) else str(text) if abs(text) < 10**40 else "x" * (max_len + 1)
    if len(text) > max_len:
        raise AnswerError("too_long", f"the answer is longer than {max_len} characters")
    s = text.translate(_SPACES).strip()
    if not s:
        raise AnswerError("empty", "no answer given")
    for ch in s:
        if ch < " " or "\x7f" <= ch <= "\x9f" or ch in "\u2028\u2029\ufeff":
            raise AnswerError("bad_char", "the answer contains control characters")
    low = s.lower().lstrip("+-$ ")
    if low.startswith(("nan", "inf", "∞")):
        raise AnswerError("not_finite", "NaN and infinity are not accepted")

    pos, n = 0, len(s)
    sign = 1.0
    dollar = False
    for _ in range(2):  # "-$5", "$-5", "$ 5"
        while pos < n and s[pos] == " ":
            pos += 1
        if pos < n and s[pos] in "+-":
            if s[pos] == "-":
                sign = -sign
            pos += 1
        while pos < n and s[pos] == " ":
            pos += 1
        if pos < n and s[pos] == "$" and not dollar:
            dollar = True
            pos += 1
    value, pos = _parse_number(s, pos)
    value *= sign

    # Currency scale word ("$9.1M", "1.2 M USD", "$3bn").
    m = _IDENT.match(s, pos + (len(s[pos:]) - len(s[pos:].lstrip(" "))))
    if m and m.group(0) in _SCALES:
        rest = s[m.end():].lstrip(" ")
        nxt = _IDENT.match(rest)
        if dollar or (nxt and nxt.group(0) in _CURRENCY_WORDS):
            value *= _SCALES[m.group(0)]
            pos = m.end()

    factors = _parse_units(s, pos)
    if dollar:
        if any(f[0] == "US_dollar" and f[1] > 0 for f in factors):
            raise AnswerError("bad_unit", "'$' given twice")
        info = _lookup("USD")
        factors.insert(0, (info[0], 1, info[1], info[2]))
    unitless = not factors

    total = 1.0
    dims = None
    combined: dict[str, int] = {}
    for canonical, power, factor, d in factors:
        total *= factor**power
        dp = d**power
        dims = dp if dims is None else dims * dp
        combined[canonical] = combined.get(canonical, 0) + power
    value_si = value * total
    if not math.isfinite(value_si) or not math.isfinite(total):
        raise AnswerError("not_finite", "the value is too large once converted to base units")
    if dims is None:
        dims = ureg.get_dimensionality("count")
    units = tuple((k, v) for k, v in combined.items() if v != 0)
    return ParsedAnswer(value_si=value_si, kind=kind_of(dims), dims=dims, magnitude=value, units=units,
                        unitless=unitless)
