"""Vega-Lite chart builders shared by every lab (no numpy, no pandas: data are lists of dicts).

Import lazily, from inside a lab cell: ``from mlsys_labs import charts``. Every builder returns a
:class:`ChartView`, which marimo renders directly (output it as the last expression of a cell, or put
it inside ``mo.vstack``/``mo.hstack``). The builders write the Vega-Lite spec as plain dicts: building
``altair`` objects cost 30–300 ms per chart (several times more in Pyodide) on every slider move, and
rendering needs only the JSON. ``ChartView.spec`` is that dict; ``ChartView.chart`` is the equivalent
``altair`` chart, built on first access, if a lab wants to layer more marks on it (in the browser, such
a lab must ``import altair`` in a cell so that marimo's WASM runtime loads the package; the labs here do
not, which saves loading altair + jsonschema at every start). The specs are
validated against altair's Vega-Lite JSON schema by the tests (``tests/labkit/test_labkit_charts.py``).

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

Rows whose plotted numbers are missing, non-numeric or non-finite (NaN, ±inf) are dropped (and, on a
line chart's log axis, non-positive ones); any other non-finite number becomes ``null``: the JSON is
always strict.

Colours: ``COLORS`` (blue, red, green, orange, grey, purple), colour-blind safe enough to be told
apart in greyscale by position and label as well; every chart carries an ARIA ``description``.
"""

from __future__ import annotations

import json
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

# The Vega-Lite version of the altair the labs ship (altair 6.3.0; a test checks it against
# altair.SCHEMA_URL). vega-embed reads "$schema" only to pick the parser: the URL is never fetched.
VEGALITE_MAJOR = 6
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
MIMETYPE = f"application/vnd.vegalite.v{VEGALITE_MAJOR}+json"


class ChartView:
    """A Vega-Lite spec (plain dict) that marimo renders; ``.chart`` gives the altair chart on demand."""

    def __init__(self, spec: Any, description: str = ""):
        if not isinstance(spec, dict):  # an altair chart (the pre-dict API): keep it, render its dict
            self._chart = spec
            spec = spec.to_dict(validate=False)
        else:
            self._chart = None
        self.spec: dict = spec
        self.description = description

    @property
    def chart(self) -> Any:
        """The equivalent ``altair`` chart (Chart or LayerChart), built lazily and not re-validated."""
        if self._chart is None:
            import altair as alt  # lazy: rendering never needs altair

            cls = alt.LayerChart if "layer" in self.spec else alt.Chart
            self._chart = cls.from_dict(self.to_dict(), validate=False)
        return self._chart

    def to_dict(self, validate: bool = False) -> dict:
        """A fresh copy of the spec as strict-JSON data; ``validate=True`` checks it with altair's schema."""
        return json.loads(self.to_json(validate=validate))

    def to_json(self, validate: bool = False) -> str:
        """Strict JSON of the spec (no NaN/Infinity: a non-finite number that slipped through becomes null)."""
        try:
            out = json.dumps(self.spec, allow_nan=False, default=str, separators=(",", ":"))
        except ValueError:
            self.spec = _strict(self.spec)
            out = json.dumps(self.spec, allow_nan=False, default=str, separators=(",", ":"))
        if validate:
            d = json.loads(out)
            import altair as alt

            (alt.LayerChart if "layer" in d else alt.Chart).from_dict(d, validate=True)
        return out

    def _mime_(self) -> tuple[str, str]:
        return MIMETYPE, self.to_json()

    def __repr__(self) -> str:
        return f"ChartView({self.description!r})"


def _strict(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _strict(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_strict(v) for v in x]
    return x


def magnitude(x: Any, unit: str | None = None) -> float:
    """Float magnitude of ``x`` (a number, or a pint Quantity converted to ``unit`` when given)."""
    if hasattr(x, "magnitude"):
        if unit is not None:
            x = x.to(unit)
        return float(x.magnitude)
    return float(x)


def _number(v: Any) -> float | int | None:
    """``v`` as a finite int/float (Quantities by magnitude), else None."""
    if hasattr(v, "magnitude"):
        v = v.magnitude
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if v is None or isinstance(v, str):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _finite_rows(rows: Iterable[Mapping[str, Any]], keys: Sequence[str], positive: Sequence[str] = ()) -> list[dict]:
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            if hasattr(v, "magnitude"):
                v = magnitude(v)
            if isinstance(v, float) and not math.isfinite(v):
                v = None
            d[k] = v
        ok = True
        for k in keys:
            n = _number(d.get(k))
            if n is None or (k in positive and n <= 0):
                ok = False
                break
            d[k] = n
        if ok:
            out.append(d)
    return out


def _config() -> dict:
    return {
        "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
        "axis": {"labelFontSize": 12, "titleFontSize": 13},
        "legend": {"labelFontSize": 12, "orient": "bottom", "titleFontSize": 12},
        "title": {"anchor": "start", "fontSize": 15},
    }


def _finish(spec: dict | list, title: str, description: str, width: Any = "container") -> ChartView:
    top: dict[str, Any] = {"$schema": SCHEMA_URL, "config": _config()}
    if isinstance(spec, list):
        top["layer"] = spec
    else:
        top.update(spec)
    text = f"{title}. {description}" if description and title and not description.startswith(title) else (
        description or title)
    top.update(description=text, height=_HEIGHT, title=title, width=width)
    return ChartView(top, text)


def _layer(values: list, mark: dict, encoding: dict) -> dict:
    return {"data": {"values": values}, "mark": mark, "encoding": encoding}


def _q(field: str, **kw: Any) -> dict:
    return {"field": field, "type": "quantitative", **kw}


def _n(field: str, **kw: Any) -> dict:
    return {"field": field, "type": "nominal", **kw}


def _scale(log: bool, zero: bool = True) -> dict:
    return {"nice": False, "type": "log"} if log else {"zero": zero}


def _palette_color(field: str, title: str) -> dict:
    return _n(field, scale={"range": list(_PALETTE)}, title=title)


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
    roofs = [(device, magnitude(peak_flops, "flop/s"), magnitude(mem_bw, "B/s"))]
    roofs += [(n, magnitude(p, "flop/s"), magnitude(b, "B/s")) for n, p, b in extra_roofs]
    roofs = [(n, pk, bw) for n, pk, bw in roofs if math.isfinite(pk) and math.isfinite(bw) and pk > 0 and bw > 0]
    pts = []
    for p in points:
        try:
            i = magnitude(p["intensity"], "flop/B") if hasattr(p["intensity"], "to") else float(p["intensity"])
            f = magnitude(p["perf"], "flop/s")
        except (TypeError, ValueError, KeyError):
            continue
        if i > 0 and f > 0 and math.isfinite(i) and math.isfinite(f):
            pts.append({"label": str(p.get("label", "")), "intensity": i, "tflops": f / 1e12})
    ridges = [pk / bw for _, pk, bw in roofs]
    rng = [float(v) for v in intensity_range] if intensity_range else None
    if rng and all(math.isfinite(v) for v in rng) and 0 < rng[0] < rng[1]:
        lo, hi = rng
    else:
        lo = min([0.1] + [p["intensity"] / 3 for p in pts] + [r / 100 for r in ridges])
        hi = max([1e4] + [p["intensity"] * 3 for p in pts] + [r * 30 for r in ridges])
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
    layers = [_layer(line_rows, {"type": "line", "strokeWidth": 2.5}, {
        "color": _n("device", scale={"range": list(_PALETTE)}, title="roof"),
        "tooltip": [_n("device"), _q("intensity"), _q("tflops")],
        "x": _q("intensity", scale={"domain": [lo, hi], "nice": False, "type": "log"},
                title="arithmetic intensity (FLOP/byte, log)"),
        "y": _q("tflops", scale={"type": "log"}, title="attainable performance (TFLOP/s, log)"),
    })]
    if ridge_rows:
        layers.append(_layer(ridge_rows, {"type": "point", "color": COLORS["grey"], "filled": True,
                                          "shape": "diamond", "size": 80},
                             {"tooltip": [_n("label")], "x": _q("intensity"), "y": _q("tflops")}))
    if pts:
        layers.append(_layer(pts, {"type": "point", "color": COLORS["red"], "filled": True, "size": 160},
                             {"tooltip": [_n("label"), _q("intensity"), _q("tflops")],
                              "x": _q("intensity"), "y": _q("tflops")}))
        layers.append(_layer(pts, {"type": "text", "align": "left", "color": COLORS["red"], "dx": 9, "dy": -9,
                                   "fontSize": 12},
                             {"text": _n("label"), "x": _q("intensity"), "y": _q("tflops")}))
    desc = (f"Log-log roofline of {', '.join(r[0] for r in roofs)}: ridge at "
            + ", ".join(f"{r:,.0f}" for r in ridges) + " FLOP/byte; operating points: "
            + "; ".join(f"{p['label']} at {p['intensity']:.3g} FLOP/B, {p['tflops']:.3g} TFLOP/s" for p in pts))
    return _finish(layers, title, desc)


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
    rows, t = [], 0.0
    for k, (label, v) in enumerate(segments):
        try:
            val = magnitude(v, unit) if hasattr(v, "to") else float(v)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(val):
            continue
        rows.append({"step": f"{k + 1}. {label}", "start": t, "end": t + val, "value": val, "kind": "segment"})
        t += val
    rows.append({"step": f"= {total_label}", "start": 0.0, "end": t, "value": t, "kind": "total"})
    order = [r["step"] for r in rows]
    bar = _layer(rows, {"type": "bar", "height": 18}, {
        "color": _n("kind", legend=None, scale={"domain": ["segment", "total"],
                                                "range": [COLORS["blue"], COLORS["grey"]]}),
        "tooltip": [_n("step"), _q("value", format=".4g", title=unit)],
        "x": _q("start", title=f"time ({unit})"),
        "x2": {"field": "end"},
        "y": _n("step", axis={"labelLimit": 320}, sort=order, title=None),
    })
    text = _layer(rows, {"type": "text", "align": "left", "dx": 4, "fontSize": 12}, {
        "text": _q("value", format=".3g"),
        "x": _q("end"),
        "y": _n("step", sort=list(order)),
    })
    desc = "Latency waterfall: " + "; ".join(f"{r['step']} {r['value']:.3g} {unit}" for r in rows)
    return _finish([bar, text], title, desc)


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
    data = _finite_rows(rows, [x, y], positive=[k for k, lg in ((x, log_x), (y, log_y)) if lg])
    enc: dict[str, Any] = {
        "tooltip": [_q(x), _q(y)] + ([_n(series)] if series else []),
        "x": _q(x, scale=_scale(log_x, zero=False), title=x_title or x),
        "y": _q(y, scale=_scale(log_y), title=y_title or y),
    }
    mark: dict[str, Any] = {"type": "line", "point": True, "strokeWidth": 2.5}
    if series:
        enc["color"] = _palette_color(series, series)
    else:
        mark["color"] = COLORS["blue"]
    layers = [_layer(data, mark, enc)]
    desc = f"{y_title or y} versus {x_title or x} over {len(data)} points"
    if data:
        xs, ys = [d[x] for d in data], [d[y] for d in data]
        desc += (f" (x from {min(xs):.3g} to {max(xs):.3g}; y from {min(ys):.3g} to {max(ys):.3g}"
                 + (f"; {len({d.get(series) for d in data})} series by {series}" if series else "") + ")")
    if threshold is not None:
        tv, tl = _number(threshold[0]), str(threshold[1])
        if tv is not None:
            trow = [{"y": float(tv), "label": tl}]
            layers.append(_layer(trow, {"type": "rule", "color": COLORS["red"], "strokeDash": [6, 4]},
                                 {"y": _q("y")}))
            layers.append(_layer(trow, {"type": "text", "align": "left", "color": COLORS["red"], "dy": -7,
                                        "fontSize": 12, "x": 4}, {"text": _n("label"), "y": _q("y")}))
            desc += f"; threshold {tl} at {tv:.3g}"
    if marker is not None:
        mk = _marker_layers(marker, COLORS["red"])
        layers += mk
        if mk:
            m = mk[0]["data"]["values"][0]
            desc += f"; current setting {m['label']} at {m['mx']:.3g}, {m['my']:.3g}"
    return _finish(layers, title, desc)


def _marker_layers(marker: Mapping[str, Any], color: str) -> list:
    mx, my = _number(marker.get("x")), _number(marker.get("y"))
    if mx is None or my is None:
        return []
    mrow = [{"mx": float(mx), "my": float(my), "label": str(marker.get("label", ""))}]
    return [
        _layer(mrow, {"type": "point", "color": color, "filled": True, "size": 170},
               {"tooltip": [_n("label")], "x": _q("mx"), "y": _q("my")}),
        _layer(mrow, {"type": "text", "align": "left", "color": color, "dx": 9, "dy": -10, "fontSize": 12},
               {"text": _n("label"), "x": _q("mx"), "y": _q("my")}),
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
    data = _finite_rows(rows, [x, y], positive=[x] if log_x else [])
    line = _layer(data, {"type": "line", "color": COLORS["blue"], "strokeWidth": 2.5}, {
        "tooltip": [_q(x), _q(y)],
        "x": _q(x, scale=_scale(log_x, zero=False), title=x_title or x),
        "y": _q(y, scale={"zero": False}, title=y_title or y),
    })
    layers = [line] + _marker_layers(optimum, COLORS["green"])
    ox = _number(optimum.get("x"))
    desc = (f"U-shaped curve of {y_title or y} versus {x_title or x}; optimum {optimum.get('label', '')} at "
            + (f"{ox:.3g}" if ox is not None else "n/a"))
    if current is not None:
        layers += _marker_layers(current, COLORS["red"])
        cx = _number(current.get("x"))
        desc += f"; your setting at {cx:.3g}" if cx is not None else ""
    return _finish(layers, title, desc)


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
    data = _finite_rows(rows, [value])
    for d in data:
        d["_hl"] = "selected" if highlight is not None and str(d.get(category)) == str(highlight) else "other"
    order = [str(d.get(category)) for d in data]
    cat = _n(category, axis={"labelLimit": 320}, sort=order, title=None)
    val = _q(value, scale=_scale(log), title=value_title or value)
    enc = {
        "color": _n("_hl", legend=None, scale={"domain": ["selected", "other"],
                                               "range": [COLORS["red"], COLORS["blue"]]}),
        "tooltip": [_n(category), _q(value, format=".4g")],
    }
    enc.update({"x": val, "y": cat} if horizontal else {"x": cat, "y": val})
    desc = f"{value_title or value} by {category}: " + "; ".join(f"{d.get(category)} {d[value]:.3g}" for d in data)
    return _finish({"data": {"values": data}, "mark": {"type": "bar"}, "encoding": enc}, title, desc)


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
    data = _finite_rows(rows, [value])
    cats = list(dict.fromkeys(str(d.get(category)) for d in data))
    enc = {
        "color": _palette_color(group, group),
        "tooltip": [_n(category), _n(group), _q(value, format=".4g")],
        "x": _q(value, scale=_scale(log), title=value_title or value),
        "y": _n(category, sort=cats, title=None),
        "yOffset": _n(group),
    }
    desc = f"{value_title or value} by {category} and {group}: " + "; ".join(
        f"{d.get(category)}/{d.get(group)} {d[value]:.3g}" for d in data)
    return _finish({"data": {"values": data}, "mark": {"type": "bar"}, "encoding": enc}, title, desc)


def stacked_bars(
    rows: Sequence[Mapping[str, Any]],
    category: str,
    part: str,
    value: str,
    *,
    value_title: str | None = None,
    title: str = "Breakdown",
) -> ChartView:
    data = _finite_rows(rows, [value])
    cats = list(dict.fromkeys(str(d.get(category)) for d in data))
    enc = {
        "color": _palette_color(part, part),
        "order": _n(part),
        "tooltip": [_n(category), _n(part), _q(value, format=".4g")],
        "x": {"aggregate": "sum", "field": value, "stack": "zero", "title": value_title or value,
              "type": "quantitative"},
        "y": _n(category, sort=cats, title=None),
    }
    desc = f"{value_title or value} of each {category} split by {part}: " + "; ".join(
        f"{d.get(category)}/{d.get(part)} {d[value]:.3g}" for d in data)
    return _finish({"data": {"values": data}, "mark": {"type": "bar"}, "encoding": enc}, title, desc)
