"""The unit registry (mlsysim_core.units): registry facts, dimensional strictness, the UnitSpec fast path,
and the ``si()`` boundary check every resolver relies on."""

import math

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsysim_core import Q_, ureg
from mlsysim_core.units import KINDS, PRECISION_BYTES, UnitSpec, as_quantity, dimension_kind, make_q, resolve_precision, si
from mlsysim_core.validation import InputError


# ------------------------------------------------------------------------------------------------
# Registry facts
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("1 GB", "B", 1e9),  # decimal prefix
        ("1 GiB", "B", 2**30),  # binary prefix: 1 073 741 824 B
        ("80 GiB", "GB", 80 * 2**30 / 1e9),  # A100/H100 capacity: 85.899 GB
        ("1 TB", "GB", 1e3),
        ("8 bit", "B", 1.0),
        ("400 Gbps", "GB/s", 50.0),  # 400e9 bit/s ÷ 8 = 50e9 B/s (an NDR port)
        ("1 Tbps", "GB/s", 125.0),
        ("1 GiB/s", "GB/s", 1.073741824),
        ("1 TFLOPS", "flop/s", 1e12),
        ("989 TFLOP/s", "PFLOP/s", 0.989),
        ("1 PFLOP", "flop", 1e15),
        ("1 kWh", "J", 3.6e6),  # 1000 W × 3600 s
        ("1 MWh", "kWh", 1e3),
        ("1 tCO2", "gCO2", 1e6),
        ("1 tCO2", "kgCO2", 1e3),
        ("1 L", "m**3", 1e-3),
        ("1 day", "s", 86400.0),
        ("1 year", "day", 365.0),
        ("1 ms", "s", 1e-3),
        ("500 ns", "us", 0.5),
        ("1 USD/hour", "USD/s", 1 / 3600),
        ("50 %", "count", 0.5),
    ],
)
def test_registry_facts(text, unit, expected):
    assert Q_(text).to(unit).magnitude == pytest.approx(expected, rel=1e-12)


def test_gb_and_gib_are_distinct():
    assert Q_(1, "GiB") > Q_(1, "GB")
    assert Q_(1, "GiB").to("GB").magnitude == pytest.approx(1.073741824)


def test_base_units_are_the_documented_ones():
    # second, byte, flop, USD, gCO2, kilogram, meter, token, parameter, sample, request
    for text, base in [("1 ms", "second"), ("1 GB", "byte"), ("1 TFLOP", "flop"), ("1 USD", "US_dollar"),
                       ("1 tCO2", "gram_CO2"), ("1 g", "kilogram"), ("1 token", "token"), ("1 param", "parameter"),
                       ("1 img", "sample"), ("1 req", "request")]:
        assert Q_(text).to_base_units().units == ureg.Unit(base), text


def test_emissions_and_mass_are_different_dimensions():
    # kgCO2 is a prefixed gCO2 (emissions), kg is mass: they must not silently mix
    assert Q_("1 kgCO2").dimensionality != Q_("1 kg").dimensionality
    with pytest.raises(pint.DimensionalityError):
        Q_("1 kgCO2") + Q_("1 kg")


def test_q_and_ureg_are_one_registry():
    assert Q_ is ureg.Quantity
    assert isinstance(Q_("1 GB"), ureg.Quantity)
    assert (Q_("1 GB") + ureg.Quantity(1, "GB")).to("GB").magnitude == 2


# ------------------------------------------------------------------------------------------------
# Dimensional strictness
# ------------------------------------------------------------------------------------------------
def test_adding_bandwidth_to_flop_rate_raises():
    with pytest.raises(pint.DimensionalityError):
        Q_("3.35 TB/s") + Q_("989 TFLOP/s")


@pytest.mark.parametrize("a, b", [("1 GB", "1 s"), ("1 TFLOP", "1 GB"), ("1 kWh", "1 kW"), ("1 token", "1 param"),
                                  ("1 USD", "1 gCO2"), ("1 GB/s", "1 Gbit")])
def test_mismatched_dimensions_raise(a, b):
    with pytest.raises(pint.DimensionalityError):
        Q_(a) + Q_(b)
    with pytest.raises(pint.DimensionalityError):
        Q_(a).to(Q_(b).units)


def test_ridge_point_dimension():
    ridge = Q_("989 TFLOP/s") / Q_("3.35 TB/s")
    assert dimension_kind(ridge) == "intensity"
    assert ridge.to("flop/byte").magnitude == pytest.approx(295.2, rel=1e-3)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_self_consistent(kind):
    q = Q_(1.0, KINDS[kind])
    assert as_quantity(q, kind) is q
    assert si(q, kind) == pytest.approx(float(q.to_base_units().magnitude))


# ------------------------------------------------------------------------------------------------
# UnitSpec / make_q fast path
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("unit, base_value", [("ms", 0.0123), ("GB", 141.2e9), ("GB/s", 3.35e12), ("TFLOP/s", 989e12),
                                              ("kWh", 3.6e9), ("L", 2.5), ("kgCO2", 1234.0), ("hour", 7200.0),
                                              ("token/s", 1500.0), ("USD/hour", 1.0), ("GiB", 2.0**34)])
def test_unitspec_equals_pint_construction(unit, base_value):
    fast = UnitSpec(unit)(base_value)
    slow = Q_(base_value, Q_(1, unit).to_base_units().units).to(unit)
    assert isinstance(fast, ureg.Quantity)
    assert fast.units == ureg.Unit(unit)
    assert fast.magnitude == pytest.approx(slow.magnitude, rel=1e-12)
    assert make_q(base_value, UnitSpec(unit)) == fast
    # and the fast Quantity behaves like any other
    assert (fast + slow).to(unit).magnitude == pytest.approx(2 * slow.magnitude, rel=1e-12)


def test_unitspec_kind():
    assert UnitSpec("GB/s").kind == "bandwidth"
    assert UnitSpec("ms").kind == "time"
    assert UnitSpec("TFLOP/s").kind == "compute_rate"
    assert repr(UnitSpec("ms")) == "UnitSpec('ms')"


_SPEC_UNITS = ["ms", "s", "us", "hour", "GB", "GiB", "MB", "GB/s", "Gbps", "TFLOP/s", "GFLOP", "kWh", "J", "W", "kW",
               "L", "USD", "gCO2", "kgCO2", "tCO2", "token/s", "1/s", "flop/byte"]


@settings(max_examples=300, deadline=None)
@given(unit=st.sampled_from(_SPEC_UNITS),
       x=st.floats(min_value=-1e30, max_value=1e30, allow_nan=False, allow_infinity=False))
def test_unitspec_roundtrip(unit, x):
    q = UnitSpec(unit)(x)
    assert float(q.to_base_units().magnitude) == pytest.approx(x, rel=1e-12, abs=1e-300)
    assert q.to(unit).magnitude == pytest.approx(q.magnitude, rel=1e-12, abs=1e-300)


@settings(max_examples=300, deadline=None)
@given(unit=st.sampled_from(_SPEC_UNITS), x=st.floats(min_value=1e-20, max_value=1e30))
def test_si_inverts_unitspec(unit, x):
    spec = UnitSpec(unit)
    q = spec(x)
    assert si(q, spec.kind) == pytest.approx(x, rel=1e-12)
    # the string form round-trips too
    assert si(f"{q.magnitude!r} {unit}", spec.kind) == pytest.approx(x, rel=1e-9)


# ------------------------------------------------------------------------------------------------
# si(): the boundary check
# ------------------------------------------------------------------------------------------------
def test_si_accepts_quantities_and_strings():
    assert si(Q_(3.35, "TB/s"), "bandwidth") == pytest.approx(3.35e12)
    assert si("3.35 TB/s", "bandwidth") == pytest.approx(3.35e12)
    assert si("80 GiB", "information") == 80 * 2**30
    assert si("0 s", "time", allow_zero=True) == 0.0
    assert si("-5 s", "time", positive=False) == -5.0


@pytest.mark.parametrize(
    "value, kind, reason",
    [
        (Q_(float("nan"), "GB/s"), "bandwidth", "finite"),
        ("nan GB/s", "bandwidth", "finite"),
        (Q_(float("inf"), "GB/s"), "bandwidth", "finite"),
        ("inf s", "time", "finite"),
        (Q_(-1, "GB/s"), "bandwidth", "> 0"),
        ("-3 ms", "time", "> 0"),
        (Q_(0, "GB/s"), "bandwidth", "> 0"),
        ("3 GB", "bandwidth", "wrong unit"),  # a size where a bandwidth belongs
        ("989 TFLOP/s", "bandwidth", "wrong unit"),
        ("1 kg", "emissions", "wrong unit"),
        ("3 furlongs", "time", "cannot read"),
        ("", "time", "cannot read"),
        (3.0, "time", "must be a quantity"),  # bare number: the unit is ambiguous
        (None, "time", "must be a quantity"),
        ([1, 2], "time", "must be a quantity"),
    ],
)
def test_si_rejects_bad_values_naming_the_field(value, kind, reason):
    with pytest.raises(InputError) as exc:
        si(value, kind, name="my_field")
    assert exc.value.field == "my_field"
    assert str(exc.value).startswith("my_field:")
    assert reason in exc.value.reason


def test_si_rejects_foreign_registry():
    other = pint.UnitRegistry()
    with pytest.raises(InputError, match="different pint registry"):
        si(other.Quantity(1, "second"), "time", name="t")


def test_input_error_is_a_value_error():
    with pytest.raises(ValueError):
        si("-1 s", "time", name="t")


# ------------------------------------------------------------------------------------------------
# Precisions
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, nbytes", [("fp32", 4), ("tf32", 4), ("fp16", 2), ("bf16", 2), ("fp8", 1), ("int8", 1),
                                          ("fp4", 0.5), ("int4", 0.5), (" FP16 ", 2), ("BF16", 2)])
def test_precisions(name, nbytes):
    key, b = resolve_precision(name)
    assert b == nbytes and key == name.strip().lower()


@pytest.mark.parametrize("bad", ["fp7", "float16", "", "int2", 16, None])
def test_unknown_precision_names_the_field(bad):
    with pytest.raises(InputError) as exc:
        resolve_precision(bad)
    assert exc.value.field == "precision"


def test_precision_table_is_the_documented_one():
    assert set(PRECISION_BYTES) == {"fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp4", "int4"}
    assert not math.isnan(sum(PRECISION_BYTES.values()))
