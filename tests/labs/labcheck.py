"""Static analysis of marimo lab notebooks (AST only, nothing executed).

Used by ``test_static.py``; also runnable as ``python tests/labs/labcheck.py labs/*.py``.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

FORBIDDEN_IMPORTS = {"numpy", "pandas", "plotly", "scipy", "sklearn", "torch", "tensorflow", "matplotlib",
                     "micropip", "subprocess", "multiprocessing", "js"}
# helpers in mlsys_labs.ui that return a marimo UI element
UI_WIDGET_MAKERS = {"prediction", "zoo_dropdown", "slider", "student_input", "answer_inputs"}


@dataclass
class Cell:
    name: str
    lineno: int
    defines_widgets: list[str] = field(default_factory=list)
    returns: set[str] = field(default_factory=set)
    gated: bool = False
    unassigned_widgets: int = 0
    calls: set[str] = field(default_factory=set)


@dataclass
class LabInfo:
    path: Path
    app_kwargs: dict
    cells: list[Cell]
    imports: set[str]
    lab_ids: list[str]
    tree: ast.AST | None = None


def _is_app_cell(fn: ast.AST) -> bool:
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Attribute) and target.attr == "cell":
            return True
    return False


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _is_widget_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = _dotted(node.func)
    if name.startswith("mo.ui.") and name.count(".") == 2:
        return True
    if name.startswith("ui.") and name.split(".", 1)[1] in UI_WIDGET_MAKERS:
        return True
    if isinstance(node.func, ast.Attribute) and node.func.attr == "form":
        return _is_widget_call(node.func.value)
    return False


def analyse(path: Path) -> LabInfo:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    app_kwargs: dict = {}
    imports: set[str] = set()
    lab_ids: list[str] = []
    cells: list[Cell] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imports.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _dotted(node.func) in ("get_lab", "catalog.get_lab"):
            if node.args and isinstance(node.args[0], ast.Constant):
                lab_ids.append(node.args[0].value)
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _dotted(node.value.func) == "marimo.App":
            app_kwargs = {k.arg: ast.literal_eval(k.value) for k in node.value.keywords}
        if not _is_app_cell(node):
            continue
        cell = Cell(node.name, node.lineno)
        assigned_calls = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and _is_widget_call(sub.value):
                assigned_calls.add(id(sub.value))
                for t in sub.targets:
                    if isinstance(t, ast.Name):
                        cell.defines_widgets.append(t.id)
            if isinstance(sub, ast.Call):
                cell.calls.add(_dotted(sub.func))
                if _dotted(sub.func) == "mo.stop":
                    cell.gated = True
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "form":
                assigned_calls.add(id(sub.func.value))  # the inner element of a form is not a widget of its own
        for sub in ast.walk(node):
            if _is_widget_call(sub) and id(sub) not in assigned_calls:
                cell.unassigned_widgets += 1  # built inline (e.g. inside mo.hstack): marimo cannot react to it
        # returns
        for stmt in node.body:
            if isinstance(stmt, ast.Return) and stmt.value is not None:
                vals = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else [stmt.value]
                cell.returns.update(v.id for v in vals if isinstance(v, ast.Name))
        cells.append(cell)
    return LabInfo(path, app_kwargs, cells, imports, lab_ids, tree)


def _power_of_ten(value) -> bool:
    """1 000, 1e6, 0.001, 1e-9 …: the literals of a hand-written unit conversion (0, 1, 10 and 100 are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return False
    import math

    e = math.log10(value)
    return abs(e - round(e)) < 1e-12 and abs(round(e)) >= 3


def computes_outside_bank(tree: ast.AST) -> list[str]:
    """What a notebook computes itself instead of through its bank: resolver solves, resolver or ``Fleet``
    construction, unit conversions by bare powers of ten (``x * 1e9``, ``x / 1000``) and ``10 ** n``.
    (Powers of ten as a slider's range or an argument are values, not conversions: not flagged.)"""
    from mlsysim_core.resolvers.base import RESOLVERS

    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, (ast.Attribute, ast.Name)):
            name = n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id
            if name == "solve" or name in RESOLVERS or name == "Fleet":
                out.append(f"line {n.lineno}: {ast.unparse(n.func)}(…) — compute in the lab's bank")
        elif isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.Div, ast.FloorDiv)) and any(
                isinstance(x, ast.Constant) and _power_of_ten(x.value) for x in (n.left, n.right)):
            out.append(f"line {n.lineno}: {ast.unparse(n)} — a unit conversion by a power of ten (use .to(unit))")
        elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) and isinstance(n.left, ast.Constant) \
                and n.left.value == 10:
            out.append(f"line {n.lineno}: {ast.unparse(n)} — a power of ten computed in the notebook (use its bank)")
    return out


def problems(info: LabInfo) -> list[str]:
    out = []
    stem = info.path.stem
    if info.app_kwargs.get("width") != "medium":
        out.append("app must be marimo.App(width='medium', ...)")
    if not info.app_kwargs.get("app_title"):
        out.append("app needs an app_title")
    bad = info.imports & FORBIDDEN_IMPORTS
    if bad:
        out.append(f"forbidden imports: {sorted(bad)}")
    if info.lab_ids != [stem]:
        out.append(f"get_lab(...) must be called once with the file stem {stem!r}, got {info.lab_ids}")
    for c in info.cells:
        missing = [w for w in c.defines_widgets if w not in c.returns]
        if missing:
            out.append(f"cell at line {c.lineno}: widgets {missing} are not returned (marimo will not react)")
        if c.unassigned_widgets:
            out.append(f"cell at line {c.lineno}: {c.unassigned_widgets} widget(s) created without a name")
        if c.gated and len(c.defines_widgets) > 1:
            out.append(f"cell at line {c.lineno}: a mo.stop-gated cell defines {len(c.defines_widgets)} widgets")
    all_calls = set().union(*(c.calls for c in info.cells)) if info.cells else set()
    if not any(x.startswith("charts.") for x in all_calls):
        out.append("no altair chart (charts.*) in the lab")
    if "ui.why_panel" not in all_calls:
        out.append("no why panel (ui.why_panel)")
    for needed in ("ui.load_progress", "ui.student_input", "ui.answer_inputs", "ui.grade"):
        if needed not in all_calls:
            out.append(f"missing {needed} (graded questions / progress)")
    if not any(x.startswith("ui.prediction") for x in all_calls):
        out.append("no prediction (ui.prediction)")
    out.extend(computes_outside_bank(info.tree if info.tree is not None else
                                     ast.parse(info.path.read_text(encoding="utf-8"))))
    return out


if __name__ == "__main__":
    rc = 0
    for arg in sys.argv[1:]:
        if Path(arg).name.startswith("_"):  # labs/_template.py is a starting point, not a lab (as in test_static)
            continue
        ps = problems(analyse(Path(arg)))
        for p in ps:
            print(f"{arg}: {p}")
        rc |= bool(ps)
    sys.exit(rc)
