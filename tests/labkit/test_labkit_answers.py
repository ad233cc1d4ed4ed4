import math
import time

import pytest

from mlsys_labs.answers import AnswerError, describe_kind, parse_answer

TB_S = 3.2e12


@pytest.mark.parametrize("text", [
    "3.2 TB/s", "3200 GB/s", "25.6 Tbps", "3.2e12 B/s", "3.2E12 B/s", "3.2×10^12 B/s", "3.2 x 10^12 B/s",
    "3.2 * 10**12 B/s", "3.2×10¹² B/s", "3,200 GB/s", "3 200 GB/s".replace(" ", "", 1), "3.2 TB / s",
    "3.2 terabyte per second", "3.2 TB·s^-1", "3.2 TB s⁻¹", "3.2 TByte/s", "  3.2 TB/s  ", "3.2\u00a0TB/s",
    "3200000 MB/s", "3.2e+12 byte/second",
])
def test_bandwidth_forms_are_equivalent(text):
    p = parse_answer(text)
    assert p.kind == "bandwidth"
    assert math.isclose(p.value_si, TB_S, rel_tol=1e-12)


@pytest.mark.parametrize("text,value,kind", [
    ("1,234 ms", 1.234, "time"),
    ("12 µs", 12e-6, "time"), ("12 μs", 12e-6, "time"), ("12 us", 12e-6, "time"),
    ("45 %", 0.45, "dimensionless"), ("45%", 0.45, "dimensionless"), ("0.45", 0.45, "dimensionless"),
    ("$9.1M", 9.1e6, "currency"), ("$1.2B", 1.2e9, "currency"), ("1.2 MUSD", 1.2e6, "currency"),
    ("1200000 USD", 1.2e6, "currency"), ("1.2M USD", 1.2e6, "currency"), ("$ 3 bn", 3e9, "currency"),
    ("-$5", -5.0, "currency"), ("$0.12/kWh", 0.12 / 3.6e6, "energy_price"),
    ("2 kW·h", 7.2e6, "energy"), ("2 kWh", 7.2e6, "energy"), ("989 TFLOPS", 989e12, "compute_rate"),
    ("989 TFLOP/s", 989e12, "compute_rate"), ("295 flop/byte", 295.0, "intensity"),
    ("3 tokens/s", 3.0, "token_rate"), ("80 GiB", 80 * 2**30, "information"), ("1.5 h", 5400.0, "time"),
    ("12 tCO2", 12e6, "emissions"), ("700 W", 700.0, "power"), (".5", 0.5, "dimensionless"),
    ("−3 ms", -3e-3, "time"), ("+3 ms", 3e-3, "time"), ("5 per second", 5.0, "frequency"),
])
def test_accepted_forms(text, value, kind):
    p = parse_answer(text)
    assert p.kind == kind
    assert math.isclose(p.value_si, value, rel_tol=1e-12)


def test_bare_number_is_unitless():
    p = parse_answer("42")
    assert p.unitless and p.magnitude == 42 and p.kind == "dimensionless"
    assert not parse_answer("42 %").unitless


def test_quantity_property_round_trips():
    q = parse_answer("3.2 TB/s").quantity
    assert math.isclose(q.to("GB/s").magnitude, 3200)


@pytest.mark.parametrize("text,code", [
    ("", "empty"), ("   ", "empty"), ("x" * 201, "too_long"), ("10**10**10 m", "number_power"),
    ("10^10 m", "number_power"), ("1e999999 GB", "exponent_range"), ("1e309 B", "exponent_range"),
    ("9e308 YB", "not_finite"), ("__import__('os')", "no_number"), ("nan", "not_finite"), ("inf ms", "not_finite"),
    ("-inf", "not_finite"), ("NaN ms", "not_finite"), ("1,5 ms", "bad_number"), ("1.2.3", "bad_number"),
    ("3 parsecs", "unknown_unit"), ("3 ms)", "bad_unit"), ("3 (ms)", "bad_unit"), ("5 GB/", "bad_unit"),
    ("5 GB//s", "bad_unit"), ("3 m^5", "bad_power"), ("3 m^0", "bad_power"), ("3 m^99999999", "bad_power"),
    ("3 " + "m*" * 9 + "m", "too_many_units"), ("1" * 41, "number_too_long"), ("3 ms\x00", "bad_char"),
    ("3 ms; import os", "bad_char"), ("TB/s", "no_number"), ("1e3×10^3 s", "bad_number"), ("$5 $", "bad_unit"),
    ("3 tflops", "unknown_unit"), ("3 ms\n", None),
])
def test_rejected(text, code):
    if code is None:
        parse_answer(text)
        return
    with pytest.raises(AnswerError) as ei:
        parse_answer(text)
    assert ei.value.code == code
    assert ei.value.message


def test_suggestion_for_wrong_case():
    with pytest.raises(AnswerError, match="did you mean 'TFLOPS'"):
        parse_answer("3 tflops")


def test_non_text_inputs():
    assert parse_answer(5).value_si == 5
    assert parse_answer(2.5).value_si == 2.5
    for bad in (None, [1], {"a": 1}, True, float("nan"), float("inf")):
        with pytest.raises(AnswerError):
            parse_answer(bad)


def test_max_len_is_configurable():
    assert parse_answer("1 s", max_len=3).value_si == 1
    with pytest.raises(AnswerError):
        parse_answer("10 s", max_len=3)


def test_describe_kind():
    assert describe_kind("bandwidth") == "a bandwidth"
    assert describe_kind("time") == "a time"
    assert describe_kind("intensity") == "an arithmetic intensity"
    assert describe_kind("energy") == "an energy"


def test_parse_is_fast():
    t0 = time.perf_counter()
    for _ in range(2000):
        parse_answer("3,200.5 GB/s")
    assert (time.perf_counter() - t0) / 2000 < 1e-3
