"""Narrative and control helpers: the why panel renders the engine's own equation and the result's numbers;
sliders name their unit; rows wrap; memory capacities in the datasheet's unit."""

from __future__ import annotations

import html

import pytest

import mlsysim_core as core
from mlsys_labs import ui
from mlsys_labs.textfmt import num


def _text(h) -> str:
    return html.unescape(h.text)


def _solve(batch=1):
    return core.SingleNodeModel().solve(model=core.Models.get("Llama3_8B"), hardware=core.Hardware.get("H100"),
                                        batch_size=batch)


def test_why_panel_is_the_resolvers_own_equation_and_docstring():
    text = _text(ui.why_panel(core.SingleNodeModel, core.ServingModel))
    for r in (core.SingleNodeModel, core.ServingModel):
        d = r.describe()
        assert d["equation"] in text and d["resolver"] in text
        assert d["doc"].splitlines()[0] in text


def test_why_panel_shows_the_numbers_of_the_result_beside_it():
    res = _solve(batch=64)
    text = _text(ui.why_panel(core.SingleNodeModel, results=[res]))
    row = res.to_row()
    assert "batch_size" in text and num(float(row["latency"]), 4) in text
    assert core.SingleNodeModel.describe()["fields"]["latency"] in text  # its unit


def test_why_panel_refuses_a_result_of_another_resolver_and_no_resolver():
    with pytest.raises(TypeError, match="ServingModel"):
        ui.why_panel(core.ServingModel, results=[_solve()])
    with pytest.raises(ValueError, match="resolver"):
        ui.why_panel()


def test_slider_needs_a_unit_and_shows_it_in_the_label():
    with pytest.raises(ValueError, match="unit"):
        ui.slider(1, 10, label="Batch size", unit="")
    s = ui.slider(steps=[1, 2, 4], value=2, label="Batch size", unit="samples")
    assert "Batch size (samples)" in _text(s)


def test_controls_open_at_the_variant_and_say_so():
    from mlsys_labs.pagestate import Starts

    st = Starts({"batch": 16, "hardware": "A100"})
    s = ui.slider(steps=[1, 4, 16, 64], value=1, label="Batch size", unit="samples", starts=st, key="batch")
    assert s.value == 16 and "your variant: 16" in _text(s)
    hw = ui.zoo_dropdown({h: core.Hardware.get(h) for h in ("H100", "A100")}, label="Accelerator", value="H100",
                         starts=st, key="hardware")
    assert hw.selected_key == "A100" and "your variant: A100" in _text(hw)
    # a grid dropdown labelled by name finds the variant's zoo key among its values
    g = ui.zoo_dropdown({"US Average": "US_Avg", "Poland (Coal)": "Poland"}, label="Grid", value="US Average",
                        starts=Starts({"region": "Poland"}), key="region")
    assert g.selected_key == "Poland (Coal)"


def test_row_wraps_its_items():
    r = _text(ui.row(ui.slider(1, 2, label="a", unit="s"), ui.slider(1, 2, label="b", unit="s")))
    assert "flex-wrap:wrap" in r and r.count("min-width:min(100%") == 2


def test_capacity_uses_the_datasheets_binary_unit():
    h100 = core.Hardware.get("H100").memory.capacity
    assert ui.capacity(h100).startswith("80 GiB") and "80 GB" in ui.capacity(h100) and "85.9 GB" in ui.capacity(h100)
    assert ui.capacity(core.Q_(40, "GB")) == ui.fmt(core.Q_(40, "GB"), "GB")
