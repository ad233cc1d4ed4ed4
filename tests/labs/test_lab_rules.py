"""Rules every lab notebook follows (static: the notebooks are read, not run).

- One source for each equation: a lab never types an equation (no display math, no LaTeX operators, no
  ``=`` inside inline math); "why" panels render the resolver's own ``equation`` and docstring.
- No unit conversion by bare powers of ten (``x / 1e6``, ``* 1000``): quantities convert through pint
  (``charts.magnitude(q, unit)``, ``Quantity.to``), so a unit change in the engine cannot go stale in a lab.
- Every slider names its unit (the page announces "4,096 tokens", not a step index).
"""

from __future__ import annotations

import ast
import re

import pytest

from conftest import lab_files

LABS = lab_files() + [lab_files()[0].parent / "_template.py"]
LATEX_OPERATOR = re.compile(r"\\(frac|sqrt|text\{|cdot|qquad|quad|lfloor|lceil|underbrace|Big|big|max|min|le|ge|"
                            r"tfrac|approx|Rightarrow|sum|prod|times)(?![A-Za-z])")
INLINE_MATH = re.compile(r"\$([^$\n]{1,120})\$")
BARE_POWER_OF_TEN = re.compile(r"[*/]\s*(1e-?[0-9]+|10\s*\*\*\s*-?[0-9]+|1_?000(_?000)*(\.0)?)\b")


def _strings(tree: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == name]


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_lab_types_no_equation(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    found = []
    for s in _strings(tree):
        if "$$" in s:
            found.append(("display math", s[:60]))
        found += [("LaTeX operator", m.group(0)) for m in LATEX_OPERATOR.finditer(s)]
        found += [("equation in inline math", m.group(0)) for m in INLINE_MATH.finditer(s) if "=" in m.group(1)]
    assert not found, f"{path.name} types equations (render the resolver's own instead): {found[:5]}"
    for call in _calls(tree, "why_panel"):
        assert call.args and all(isinstance(a, ast.Attribute) for a in call.args), (
            f"{path.name}: why_panel takes resolver classes (core.X), not equation text")


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_lab_converts_units_through_pint(path):
    code = "\n".join(line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    bad = [m.group(0) for m in BARE_POWER_OF_TEN.finditer(code)]
    assert not bad, f"{path.name}: unit conversion by a bare power of ten {bad}: use charts.magnitude(q, unit)"


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_every_slider_names_its_unit(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sliders = _calls(tree, "slider")
    for call in sliders:
        kws = {k.arg: k.value for k in call.keywords}
        assert "unit" in kws and isinstance(kws["unit"], ast.Constant) and str(kws["unit"].value).strip(), (
            f"{path.name} line {call.lineno}: a slider without a unit")
        assert isinstance(call.func.value, ast.Name) and call.func.value.id == "ui", (
            f"{path.name} line {call.lineno}: sliders come from ui.slider (value with unit, typed box)")


def test_the_rules_catch_what_they_forbid():
    assert LATEX_OPERATOR.search(r"T = \max(a, b)") and LATEX_OPERATOR.search(r"\frac{a}{b}")
    assert not LATEX_OPERATOR.search(r"$\rho$ and $\lambda$")
    assert BARE_POWER_OF_TEN.search("x / 1e6") and BARE_POWER_OF_TEN.search("y * 1000.0")
    assert not BARE_POWER_OF_TEN.search("steps * 50") and not BARE_POWER_OF_TEN.search("bank.scaling(1e24)")
    assert [m.group(1) for m in INLINE_MATH.finditer("a $c = b$ z")] == ["c = b"]


def test_the_template_runs(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.setenv("MLSYS_LABS_HOME", str(tmp_path))
    path = lab_files()[0].parent / "_template.py"
    spec = importlib.util.spec_from_file_location("lab_template", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _, defs = mod.app.run()
    assert defs["res"].latency.magnitude > 0 and defs["LAB"].id == defs["LAB_ID"]
