"""Altair chart builders shared by every lab (no numpy, no pandas: data are lists of dicts).

Import lazily, from inside a lab cell: ``from mlsys_labs import charts``. Every builder returns a
:class:`ChartView`, which marimo renders directly (output it as the last expression of a cell, or put
it inside ``mo.vstack``/``mo.hstack``). ``ChartView.chart`` is the underlying ``altair`` chart if a lab
wants to layer more marks on it. Rendering skips altair's JSON-schema validation (tens of ms in
Pyodide on every slider move); the builders below produce known-good specs and tests validate them.

Stable API (labs 00–14 depend on it; add keyword arguments, never rename):

``roofline(peak_flops, mem_bw, points, *, title=..., intensity_range=None, extra_roofs=())``
    Log-log roofline: performance (TFLOP/s) vs arithmetic intensity (FLOP/byte), the memory slope,
    the compute roof, the ridge point, and one dot per operating point. ``peak_flops`` in FLOP/s and
    ``mem_bw`` in B/s (floats, or pint Quantities). ``points``: list of
    ``{"label": str, "intensity": FLOP/B, "perf": FLOP/s}``. ``extra_roofs``: ``[(label, peak, bw)]``
    to compare a second device.
``waterfall(segments, *, unit="ms", title=..., total_label="total")``
    Latency waterfall: each ``(label, value)`` segment as a floating bar starting where the previous
    one ended, then the total. Values already in ``unit`` (floats) or Quantities (converted).
``sweep(rows, x, y, *, series=None, x_title=None, y_title=None, log_x=False, log_y=False,
        marker=None, threshold=None, title=...)``
    Line chart of ``rows`` (list of dicts). ``series``: key that splits lines (coloured, with a
    legend). ``marker``: ``{"x":…, "y":…, "label": str}`` highlighted point (the current setting).
    ``threshold``: ``(y_value, label)`` horizontal rule (an SLA, a capacity).
``u_curve(rows, x, y, *, optimum, current=None, x_title=None, y_title=None, log_x=False, title=...)``
    A cost curve with its minimum (``optimum``: ``{"x","y","label"}``) and the student's setting
    (``current``) marked.
``bars(rows, category, value, *, highlight=None, value_title=None, title=..., horizontal=True,
       log=False)``
    One bar per category; ``highlight``: category name drawn in the accent colour.
``grouped_bars(rows, category, group, value, *, value_title=None, title=..., log=False)``
    Bars grouped by ``category``, one colour per ``group``.
``stacked_bars(rows, category, part, value, *, value_title=None, title=...)``
    One bar per category split into parts (cost breakdowns).

Colours: ``COLORS`` (blue, red, green, orange, grey, purple), colour-blind safe enough to be told
apart in greyscale by position and label as well; every chart carries an ARIA ``description``.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

__all__ = [
    "COLORS",
    "ChartView",
    "roofline",
    "waterfall",
    "sweep",
    "u_curve",
    "bars",
    "grouped_bars",
    "stacked_bars",
    "magnitude",
]

COLORS = {
    "blue": "#006395",
    "red": "#CB202D",
    "green": "#008F45",
    "orange": "#E67817",
    "grey": "#6B7280",
    "purple": "#6F3D99",
}
_PALETTE = [COLORS[k] for k in ("blue", "orange", "green", "red", "purple", "grey")]
_HEIGHT = 260


def _alt():
    import altair as alt  # lazy: only labs (never the core or the autograder) import altair

    return alt


class ChartView:
    """A rendered-by-marimo wrapper around an altair chart (vega-lite, not re-validated)."""

    def __init__(self, chart: Any, description: str = ""):
        self.chart = chart
        self.description = description

    def to_dict(self, validate: bool = False) -> dict:
        return self.chart.to_dict(validate=validate)

    def to_json(self, validate: bool = False) -> str:
        return self.chart.to_json(validate=validate, allow_nan=False, default=str)

    def _mime_(self) -> tuple[str, str]:
        alt = _alt()
        return f"application/vnd.vegalite.v{alt.VEGA_VERSION}+json", self.to_json()

    def __repr__(self) -> str:
        return f"ChartView({self.description!r})"


def magnitude(x: Any, unit: str | None = None) -> float:
    """Float magnitude of ``x`` (a number, or a pint Quantity converted to ``unit`` when given)."""
    if hasattr(x, "magnitude"):
        if unit is not None:
            x = x.to(unit)
        return float(x.magnitude)
    return float(x)


def _finite_rows(rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> list[dict]:
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            d[k] = magnitude(v) if hasattr(v, "magnitude") else v
        ok = True
        for k in keys:
            v = d.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isfinite(v):
                ok = False
        if ok:
            out.append(d)
    return out


def _finish(chart: Any, title: str, description: str, width: Any = "container") -> ChartView:
    chart = chart.properties(
        title=title, width=width, height=_HEIGHT, description=description or title
    ).configure_axis(labelFontSize=12, titleFontSize=13).configure_title(
        fontSize=15, anchor="start"
    ).configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom").configure_view(stroke=None)
    return ChartView(chart, description or title)


def _scale(alt: Any, log: bool, **kw: Any) -> Any:
    if log:
        kw.pop("zero", None)
        return alt.Scale(type="log", nice=False, **kw)
    return alt.Scale(zero=kw.pop("zero", True), **kw)


# ------------------------------------------------------------------------------------------------
# Roofline
# ------------------------------------------------------------------------------------------------
def roofline(
    peak_flops: Any,
    mem_bw: Any,
    points: Sequence[Mapping[str, Any]] = (),
    *,
    title: str = "Roofline",
    intensity_range: tuple[float, float] | None = None,
    extra_roofs: Sequence[tuple[str, Any, Any]] = (),
    device: str = "device",
) -> ChartView:
    alt = _alt()
    roofs = [(device, magnitude(peak_flops, "flop/s"), magnitude(mem_bw, "B/s"))]
    roofs += [(n, magnitude(p, "flop/s"), magnitude(b, "B/s")) for n, p, b in extra_roofs]
    pts = []
    for p in points:
        i = magnitude(p["intensity"], "flop/B") if hasattr(p["intensity"], "to") else float(p["intensity"])
        f = magnitude(p["perf"], "flop/s")
        if i > 0 and f > 0 and math.isfinite(i) and math.isfinite(f):
            pts.append({"label": str(p.get("label", "")), "intensity": i, "tflops": f / 1e12})
    ridges = [pk / bw for _, pk, bw in roofs if bw > 0]
    lo, hi = intensity_range or (
        min([0.1] + [p["intensity"] / 3 for p in pts] + [r / 100 for r in ridges]),
        max([1e4] + [p["intensity"] * 3 for p in pts] + [r * 30 for r in ridges]),
    )
    line_rows, ridge_rows = [], []
    n = 48
    for name, pk, bw in roofs:
        for k in range(n + 1):
            x = lo * (hi / lo) ** (k / n)
            line_rows.append({"device": name, "intensity": x, "tflops": min(pk, bw * x) / 1e12})
        r = pk / bw
        if lo <= r <= hi:
            line_rows.append({"device": name, "intensity": r, "tflops": pk / 1e12})
            ridge_rows.append({"device": name, "intensity": r, "tflops": pk / 1e12,
                               "label": f"ridge {r:,.0f} FLOP/B"})
    line_rows.sort(key=lambda d: (d["device"], d["intensity"]))
    x_enc = alt.X("intensity:Q", title="arithmetic intensity (FLOP/byte, log)",
                  scale=alt.Scale(type="log", domain=[lo, hi], nice=False))
    y_enc = alt.Y("tflops:Q", title="attainable performance (TFLOP/s, log)", scale=alt.Scale(type="log"))
    color = alt.Color("device:N", title="roof", scale=alt.Scale(range=_PALETTE))
    layers = [
        alt.Chart(alt.Data(values=line_rows)).mark_line(strokeWidth=2.5).encode(
            x=x_enc, y=y_enc, color=color, tooltip=["device:N", "intensity:Q", "tflops:Q"]),
    ]
    if ridge_rows:
        layers.append(alt.Chart(alt.Data(values=ridge_rows)).mark_point(shape="diamond", size=80, filled=True,
                                                                         color=COLORS["grey"]).encode(
            x="intensity:Q", y="tflops:Q", tooltip=["label:N"]))
    if pts:
        base = alt.Chart(alt.Data(values=pts))
        layers.append(base.mark_point(size=160, filled=True, color=COLORS["red"]).encode(
            x="intensity:Q", y="tflops:Q", tooltip=["label:N", "intensity:Q", "tflops:Q"]))
        layers.append(base.mark_text(align="left", dx=9, dy=-9, fontSize=12, color=COLORS["red"]).encode(
            x="intensity:Q", y="tflops:Q", text="label:N"))
    desc = (f"Log-log roofline of {', '.join(r[0] for r in roofs)}: ridge at "
            + ", ".join(f"{r:,.0f}" for r in ridges) + " FLOP/byte; operating points: "
            + "; ".join(f"{p['label']} at {p['intensity']:.3g} FLOP/B, {p['tflops']:.3g} TFLOP/s" for p in pts))
    return _finish(alt.layer(*layers), title, desc)


# ------------------------------------------------------------------------------------------------
# Latency waterfall
# ------------------------------------------------------------------------------------------------
def waterfall(
    segments: Sequence[tuple[str, Any]],
    *,
    unit: str = "ms",
    title: str = "Latency waterfall",
    total_label: str = "total",
) -> ChartView:
    alt = _alt()
    rows, t = [], 0.0
    for k, (label, v) in enumerate(segments):
        val = magnitude(v, unit) if hasattr(v, "to") else float(v)
        if not math.isfinite(val):
            continue
        rows.append({"step": f"{k + 1}. {label}", "start": t, "end": t + val, "value": val, "kind": "segment"})
        t += val
    rows.append({"step": f"= {total_label}", "start": 0.0, "end": t, "value": t, "kind": "total"})
    order = [r["step"] for r in rows]
    chart = alt.Chart(alt.Data(values=rows)).mark_bar(height=18).encode(
        y=alt.Y("step:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("start:Q", title=f"time ({unit})"),
        x2="end:Q",
        color=alt.Color("kind:N", legend=None,
                        scale=alt.Scale(domain=["segment", "total"], range=[COLORS["blue"], COLORS["grey"]])),
        tooltip=["step:N", alt.Tooltip("value:Q", format=".4g", title=unit)],
    )
    text = alt.Chart(alt.Data(values=rows)).mark_text(align="left", dx=4, fontSize=12).encode(
        y=alt.Y("step:N", sort=order), x="end:Q", text=alt.Text("value:Q", format=".3g"))
    desc = "Latency waterfall: " + "; ".join(f"{r['step']} {r['value']:.3g} {unit}" for r in rows)
    return _finish(alt.layer(chart, text), title, desc)


# ------------------------------------------------------------------------------------------------
# Line charts
# ------------------------------------------------------------------------------------------------
def sweep(
    rows: Sequence[Mapping[str, Any]],
    x: str,
    y: str,
    *,
    series: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    log_x: bool = False,
    log_y: bool = False,
    marker: Mapping[str, Any] | None = None,
    threshold: tuple[float, str] | None = None,
    title: str = "Sweep",
) -> ChartView:
    alt = _alt()
    data = _finite_rows(rows, [x, y])
    if log_x or log_y:
        data = [d for d in data if (not log_x or d[x] > 0) and (not log_y or d[y] > 0)]
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:Q", title=x_title or x, scale=_scale(alt, log_x, zero=False)),
        "y": alt.Y(f"{y}:Q", title=y_title or y, scale=_scale(alt, log_y)),
        "tooltip": [f"{x}:Q", f"{y}:Q"] + ([f"{series}:N"] if series else []),
    }
    if series:
        enc["color"] = alt.Color(f"{series}:N", title=series, scale=alt.Scale(range=_PALETTE))
        line = alt.Chart(alt.Data(values=data)).mark_line(strokeWidth=2.5, point=True).encode(**enc)
    else:
        line = alt.Chart(alt.Data(values=data)).mark_line(strokeWidth=2.5, point=True,
                                                          color=COLORS["blue"]).encode(**enc)
    layers = [line]
    desc = f"{y_title or y} versus {x_title or x} over {len(data)} points"
    if threshold is not None:
        tv, tl = float(threshold[0]), str(threshold[1])
        trow = [{"y": tv, "label": tl}]
        layers.append(alt.Chart(alt.Data(values=trow)).mark_rule(strokeDash=[6, 4], color=COLORS["red"]).encode(
            y="y:Q"))
        layers.append(alt.Chart(alt.Data(values=trow)).mark_text(align="left", dy=-7, x=4, color=COLORS["red"],
                                                                 fontSize=12).encode(y="y:Q", text="label:N"))
        desc += f"; threshold {tl} at {tv:.3g}"
    if marker is not None:
        layers += _marker_layers(alt, marker, COLORS["red"])
        desc += f"; current setting {marker.get('label', '')} at {magnitude(marker['x']):.3g}, {magnitude(marker['y']):.3g}"
    return _finish(alt.layer(*layers), title, desc)


def _marker_layers(alt: Any, marker: Mapping[str, Any], color: str) -> list:
    mrow = [{"mx": magnitude(marker["x"]), "my": magnitude(marker["y"]), "label": str(marker.get("label", ""))}]
    if not (math.isfinite(mrow[0]["mx"]) and math.isfinite(mrow[0]["my"])):
        return []
    base = alt.Chart(alt.Data(values=mrow))
    return [
        base.mark_point(size=170, filled=True, color=color).encode(x="mx:Q", y="my:Q", tooltip=["label:N"]),
        base.mark_text(align="left", dx=9, dy=-10, fontSize=12, color=color).encode(x="mx:Q", y="my:Q",
                                                                                 text="label:N"),
    ]


def u_curve(
    rows: Sequence[Mapping[str, Any]],
    x: str,
    y: str,
    *,
    optimum: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    log_x: bool = False,
    title: str = "U-curve",
) -> ChartView:
    alt = _alt()
    data = _finite_rows(rows, [x, y])
    if log_x:
        data = [d for d in data if d[x] > 0]
    line = alt.Chart(alt.Data(values=data)).mark_line(strokeWidth=2.5, color=COLORS["blue"]).encode(
        x=alt.X(f"{x}:Q", title=x_title or x, scale=_scale(alt, log_x, zero=False)),
        y=alt.Y(f"{y}:Q", title=y_title or y, scale=alt.Scale(zero=False)),
        tooltip=[f"{x}:Q", f"{y}:Q"],
    )
    layers = [line] + _marker_layers(alt, optimum, COLORS["green"])
    desc = (f"U-shaped curve of {y_title or y} versus {x_title or x}; optimum {optimum.get('label', '')} at "
            f"{magnitude(optimum['x']):.3g}")
    if current is not None:
        layers += _marker_layers(alt, current, COLORS["red"])
        desc += f"; your setting at {magnitude(current['x']):.3g}"
    return _finish(alt.layer(*layers), title, desc)


# ------------------------------------------------------------------------------------------------
# Bars
# ------------------------------------------------------------------------------------------------
def bars(
    rows: Sequence[Mapping[str, Any]],
    category: str,
    value: str,
    *,
    highlight: str | None = None,
    value_title: str | None = None,
    title: str = "Comparison",
    horizontal: bool = True,
    log: bool = False,
) -> ChartView:
    alt = _alt()
    data = _finite_rows(rows, [value])
    for d in data:
        d["_hl"] = "selected" if highlight is not None and str(d[category]) == str(highlight) else "other"
    order = [str(d[category]) for d in data]
    cat = (alt.Y if horizontal else alt.X)(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    val = (alt.X if horizontal else alt.Y)(f"{value}:Q", title=value_title or value, scale=_scale(alt, log))
    enc = {"y": cat, "x": val} if horizontal else {"x": cat, "y": val}
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        **enc,
        color=alt.Color("_hl:N", legend=None,
                        scale=alt.Scale(domain=["selected", "other"], range=[COLORS["red"], COLORS["blue"]])),
        tooltip=[f"{category}:N", alt.Tooltip(f"{value}:Q", format=".4g")],
    )
    desc = f"{value_title or value} by {category}: " + "; ".join(f"{d[category]} {d[value]:.3g}" for d in data)
    return _finish(chart, title, desc)


def grouped_bars(
    rows: Sequence[Mapping[str, Any]],
    category: str,
    group: str,
    value: str,
    *,
    value_title: str | None = None,
    title: str = "Comparison",
    log: bool = False,
) -> ChartView:
    alt = _alt()
    data = _finite_rows(rows, [value])
    cats = list(dict.fromkeys(str(d[category]) for d in data))
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y(f"{category}:N", sort=cats, title=None),
        yOffset=alt.YOffset(f"{group}:N"),
        x=alt.X(f"{value}:Q", title=value_title or value, scale=_scale(alt, log)),
        color=alt.Color(f"{group}:N", title=group, scale=alt.Scale(range=_PALETTE)),
        tooltip=[f"{category}:N", f"{group}:N", alt.Tooltip(f"{value}:Q", format=".4g")],
    )
    desc = f"{value_title or value} by {category} and {group}: " + "; ".join(
        f"{d[category]}/{d[group]} {d[value]:.3g}" for d in data)
    return _finish(chart, title, desc)


def stacked_bars(
    rows: Sequence[Mapping[str, Any]],
    category: str,
    part: str,
    value: str,
    *,
    value_title: str | None = None,
    title: str = "Breakdown",
) -> ChartView:
    alt = _alt()
    data = _finite_rows(rows, [value])
    cats = list(dict.fromkeys(str(d[category]) for d in data))
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y(f"{category}:N", sort=cats, title=None),
        x=alt.X(f"sum({value}):Q", title=value_title or value, stack="zero"),
        color=alt.Color(f"{part}:N", title=part, scale=alt.Scale(range=_PALETTE)),
        order=alt.Order(f"{part}:N"),
        tooltip=[f"{category}:N", f"{part}:N", alt.Tooltip(f"{value}:Q", format=".4g")],
    )
    desc = f"{value_title or value} of each {category} split by {part}: " + "; ".join(
        f"{d[category]}/{d[part]} {d[value]:.3g}" for d in data)
    return _finish(chart, title, desc)
