"""mlsys_labs.textfmt and the ui helpers built on it: formatting, dollar escaping (marimo's markdown treats
``$…$`` as KaTeX), cached markdown, the prediction gate, HTML tables; and the core's unit-parse cache."""

from __future__ import annotations

import html
import math
import sys
from pathlib import Path

import pytest

from mlsys_labs import textfmt, ui
from mlsysim_core import Q_

pytest.importorskip("marimo")
ROOT = Path(__file__).resolve().parents[2]


class _R:
    def __init__(self, feasible=True, trace=(), binding_wall=None):
        self.feasible, self.trace, self.binding_wall = feasible, list(trace), binding_wall


class _Pred:
    def __init__(self, value):
        self.value = value


def _no_math(html: str) -> bool:
    return "marimo-tex" not in html and "arithmatex" not in html


@pytest.mark.parametrize("q,unit,expected", [
    (Q_(3.35e12, "B/s"), "TB/s", "3.35 TB/s"),
    (Q_(0.0123, "s"), "ms", "12.3 ms"),
    (Q_(9.1e6, "USD"), "MUSD", "9.10 MUSD"),
    (1234567, None, "1,234,567"),
    (0.5, "ms", "0.500 ms"),
    (True, None, "yes"),
    (None, None, "—"),
    ("as is", None, "as is"),
    (float("nan"), None, "nan"),
    (2.5e-5, None, "2.50e-05"),
])
def test_fmt(q, unit, expected):
    assert ui.fmt(q, unit) == expected
    assert ui.fmt(q, unit) == expected  # second call: cached unit text


def test_esc_dollar_and_md_escape():
    assert textfmt.esc_dollar("TCO $1.2M (at $0.08/kWh)") == r"TCO \$1.2M (at \$0.08/kWh)"
    assert textfmt.esc_dollar(r"already \$5") == r"already \$5"
    assert textfmt.esc_dollar("no dollars") == "no dollars"
    assert textfmt.md_escape("a*b $c") == r"a\*b \$c"
    assert textfmt.code_span("x`y\n z") == "`x'y z`"


def test_dollar_amounts_in_engine_text_never_become_math():
    lines = ["CapEx $5,000 over 3 y → $2 for 1 d; energy $7 (at $0.080/kWh)", "TCO $9 ($1 tax)"]
    assert _no_math(ui.status(_R(False, lines, 17)).text)
    assert "$5,000 over" in html.unescape(ui.status(_R(False, lines, 17)).text)
    assert _no_math(ui.trace(_R(True, lines)).text)
    assert _no_math(ui.table([{"site": "A ($1)", "cost": "$2 ($3)"}]).text)
    assert _no_math(ui.reveal(_Pred("About $9M ($1)"), "About $2M ($3)").text)

    class Lab:
        title, summary, walls, minutes = "08 · The $9M GPU", "costs $1 (and $2)", (), 5

    assert _no_math(ui.lab_header(Lab()).text)
    # the why panel shows the engine's own equation text, verbatim
    import mlsysim_core as core

    assert core.SingleNodeModel.equation in html.unescape(ui.why_panel(core.SingleNodeModel).text)


def test_prediction_gate_builds_nothing_once_unlocked():
    assert ui.prediction_gate(_Pred("A")) == (False, None)
    stop, msg = ui.prediction_gate(_Pred(None))
    assert stop is True and "Make your prediction" in msg.text


def test_student_gate_stops_until_a_variant_exists():
    assert ui.student_gate(object()) == (False, None)
    stop, msg = ui.student_gate(None)
    assert stop is True and "Enter your student ID" in msg.text


def test_markdown_is_rendered_once_per_text():
    a, b = ui.step("observe"), ui.step("observe")
    assert a is b
    assert ui.step("act", "x").text != a.text


def test_table_is_escaped_html_in_markdown_table_style():
    t = ui.table([{"a": "<b>x</b> | y", "b": 1.5e6, "c": Q_(2, "ms")}]).text
    assert "<table>" in t and "&lt;b&gt;x&lt;/b&gt; | y" in t and "1.50e+06" in t and "2.00 ms" in t
    assert 'class="markdown prose' in t
    assert "no rows" in ui.table([]).text


def test_unit_parse_cache_gives_identical_conversions():
    from mlsysim_core import units

    for text in ("TB/s", "GB/s", "ms", "MUSD", "kWh", "gCO2/kWh", "TFLOP/s", "liter / kWh", "1/s"):
        q = Q_(1.2345, text)
        before = q.to_base_units().magnitude
        for _ in range(2):
            assert math.isclose(Q_(before, q.to_base_units().units).to(text).magnitude, 1.2345, rel_tol=1e-12)
        assert units.ureg.parse_units_as_container(text) == units._pint_parse_units_as_container(text)
    with pytest.raises(Exception):
        Q_(1, "s").to("no_such_unit")


def test_lab_latency_bench_smoke():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import lab_latency_bench as bench
    finally:
        sys.path.pop(0)
    # in its own thread: the browser tests' Playwright loop may be running in this one (no timing asserted)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        r = pool.submit(bench.bench_lab, ROOT / "labs" / "00_hello_roofline.py", 2).result()
    assert r["moves"] >= 4 and r["unlock_ms"] is not None
    assert set(r["controls"]) >= {"hw", "batch"}
    assert r["p50_ms"] > 0 and r["max_ms"] >= r["p50_ms"]
