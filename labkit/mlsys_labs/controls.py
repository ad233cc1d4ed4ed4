"""Controls and result views for the labs (re-exported by :mod:`mlsys_labs.ui`): zoo dropdowns, sliders
with units, wrapping rows, stat cards, feasibility status, trace, tables. No physics here: numbers come
from ``mlsysim_core`` results.
"""

from __future__ import annotations

import html as _html
from typing import Any, Mapping, Sequence

from .narrative import wall_names
from .textfmt import callout as _callout, esc_dollar as _esc, fmt, md as _md

__all__ = ["zoo_dropdown", "choice", "slider", "row", "metrics", "status", "trace", "table", "capacity"]


def _mo():
    import marimo as mo  # lazy: the labkit core never needs marimo

    return mo


def zoo_dropdown(entries: Mapping[str, Any] | Sequence[Any], *, label: str, value: str | None = None,
                 starts: Any = None, key: str = "") -> Any:
    """``mo.ui.dropdown`` of zoo objects (``.value`` is the object, ``.selected_key`` its name). With
    ``starts`` (:func:`mlsys_labs.pagestate.starts`) and ``key``, it opens at the saved position or the
    student's variant value, and its label says which value is "your variant"."""
    mo = _mo()
    if not isinstance(entries, Mapping):
        entries = {getattr(e, "name", str(e)): e for e in entries}
    opts = dict(entries)
    if starts is not None and key:
        by_value = {v: k for k, v in opts.items() if isinstance(v, str)}  # {"US Average": "US_Avg"} → by key
        value = starts.value(key, value, choices=list(opts) + list(by_value))
        value = value if value in opts else by_value.get(value, value)
        label = starts.label(label, key)
    if value is None or value not in opts:
        value = next(iter(opts))
    return mo.ui.dropdown(options=opts, value=value, label=label)


def choice(options: Sequence[str], *, label: str, value: str, starts: Any = None, key: str = "") -> Any:
    """A plain ``mo.ui.dropdown`` of strings that opens at the saved or variant value (see ``zoo_dropdown``)."""
    mo = _mo()
    options = [str(o) for o in options]
    if starts is not None and key:
        value = str(starts.value(key, value, choices=options))
        label = starts.label(label, key)
    return mo.ui.dropdown(options=options, value=value if value in options else options[0], label=label)


def slider(
    start: float | None = None,
    stop: float | None = None,
    *,
    label: str,
    unit: str,
    value: float | None = None,
    step: float | None = None,
    steps: Sequence[float] | None = None,
    starts: Any = None,
    key: str = "",
) -> Any:
    """A full-width ``mo.ui.slider`` labelled ``"label (unit)"``, its value shown beside it.

    ``unit`` is required (plain words for counts: "samples", "GPUs"): the page's accessibility script
    reads it from the label's trailing "(unit)" to announce "4,096 tokens" instead of a step index.
    Every slider also gets a typed-number box (over ``steps`` marimo snaps a typed number to the nearest
    step, so "5000" on a token slider lands on 4,096). ``starts`` (a
    :class:`~mlsys_labs.pagestate.Starts`) and ``key``: open at the saved position or the student's
    variant value, marked "your variant" in the label."""
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"slider {label!r}: `unit` must name the unit of the value (e.g. 'ms', 'samples')")
    mo = _mo()
    if starts is not None and key:
        value = starts.value(key, value, choices=list(steps) if steps is not None else (start, stop))
        label = starts.label(label, key)
    lab = f"{label} ({unit.strip()})"
    if steps is not None:
        steps = list(steps)
        v = value if value in steps else steps[0]
        return mo.ui.slider(steps=steps, value=v, label=lab, show_value=True, include_input=True, full_width=True)
    return mo.ui.slider(start, stop, step=step, value=start if value is None else value, label=lab,
                        show_value=True, include_input=True, full_width=True)


def row(*items: Any, min_width: str = "16rem") -> Any:
    """Items side by side (controls, charts, callouts) that wrap onto the next line when the window is
    narrow, each at least ``min_width`` wide (or the full width on a phone): no sideways scrolling from
    360 px up. Widgets keep working inside (marimo re-binds them by id)."""
    mo = _mo()
    cells = "".join(f'<div style="flex:1 1 {min_width};min-width:min(100%,{min_width});max-width:100%">'
                    f"{mo.as_html(it).text}</div>" for it in items)
    return mo.Html(f'<div class="mlsys-row" style="display:flex;flex-wrap:wrap;gap:0.5rem 1.5rem;'
                   f'align-items:flex-end;max-width:100%">{cells}</div>')


def metrics(items: Sequence[Sequence[Any]]) -> Any:
    mo = _mo()
    cards = []
    for it in items:
        label, value = it[0], it[1]
        caption = it[2] if len(it) > 2 else ""
        unit = it[3] if len(it) > 3 else None
        cards.append(mo.stat(value=fmt(value, unit), label=str(label), caption=str(caption) or None, bordered=True))
    return mo.hstack(cards, wrap=True, justify="start", gap=0.75)


def status(result: Any, *, ok: str = "Feasible: no hard constraint violated.") -> Any:
    feasible = bool(getattr(result, "feasible", True))
    bw = getattr(result, "binding_wall", None)
    wname = wall_names([bw])[0] if bw else ""
    if feasible:
        extra = f" Binding wall: **{wname}**." if wname else ""
        return _callout(f"**{ok}**{extra}", "success")
    lines = [str(t) for t in (getattr(result, "trace", None) or [])]
    key = (wname.split("·")[-1].strip().lower() if wname else "") or "wall"
    lines = sorted(lines, key=lambda t: key not in t.lower())[:4]  # the lines about the binding wall first
    why = "\n".join(f"- {_esc(t)}" for t in lines)
    return _callout(f"**Infeasible** — wall **{wname or '?'}** binds.\n\n{why}", "danger")


def trace(result: Any, *, title: str = "How the model got there (trace)") -> Any:
    mo = _mo()
    lines = [_esc(str(t)) for t in (getattr(result, "trace", None) or [])]
    body = "\n".join(f"{i + 1}. {t}" for i, t in enumerate(lines)) or "_(no trace lines)_"
    return mo.accordion({title: _md(body)})


def _cell_text(v: Any) -> str:
    return v if isinstance(v, str) else fmt(v)


def table(rows: Sequence[Mapping[str, Any]], *, columns: Sequence[str] | None = None) -> Any:
    """Plain-text cells (HTML-escaped) in marimo's markdown-table look; written as HTML directly because
    python-markdown takes milliseconds per table on every slider move."""
    mo = _mo()
    rows = list(rows)
    if not rows:
        return _md("_(no rows)_")
    cols = list(columns or rows[0].keys())
    esc = _html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{esc(_cell_text(r.get(c, '')))}</td>" for c in cols) + "</tr>"
                   for r in rows)
    return mo.Html('<div class="mlsys-table" style="max-width:100%;overflow-x:auto">'
                   '<span class="markdown prose dark:prose-invert contents"><table><thead><tr>' + head
                   + "</tr></thead><tbody>" + body + "</tbody></table></span></div>")




def capacity(q: Any) -> str:
    """A memory capacity in the unit its datasheet uses. Accelerator memory is sold in binary units under a
    decimal name: an H100's "80 GB" of HBM3 is 80 GiB = 85.9 GB. When the capacity is a whole number of
    GiB it is shown as such and the datasheet's wording is said; otherwise in GB (SI)."""
    from .charts import magnitude

    gib = magnitude(q, "GiB")
    if gib >= 1 and abs(gib - round(gib)) < 1e-6 * gib:
        return f"{round(gib):d} GiB (datasheet “{round(gib):d} GB”; {fmt(q, 'GB')})"
    return fmt(q, "GB")
