"""Narrative helpers for the labs (re-exported by :mod:`mlsys_labs.ui`): the header, the
predict → act → observe → reflect steps, the prediction and its gates, the reveal, the "why" panel that
renders the resolver's own equation, and the shared footer. No physics here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from .textfmt import callout as _callout, esc_dollar as _esc, md as _md, num

__all__ = ["lab_header", "step", "why_panel", "prediction", "prediction_gate", "student_gate", "reveal",
           "wall_names"]


def _mo():
    import marimo as mo  # lazy: the labkit core never needs marimo

    return mo


_STEPS = {
    "predict": ("1 · Predict", "Commit to a guess before touching anything."),
    "act": ("2 · Act", "Move the controls; every number below is recomputed by mlsysim_core."),
    "observe": ("3 · Observe", "Read the results and the chart. Which wall binds?"),
    "reflect": ("4 · Reflect", "Explain what you saw with the equation, then answer the graded questions."),
    "check": ("Graded questions", "Type a number with its unit (e.g. 3.2 TB/s, 12 ms), then press “Check” (or Ctrl+Enter in the box) for instant feedback. Your answers are saved in this browser."),
}


# ------------------------------------------------------------------------------------------------
# Narrative
# ------------------------------------------------------------------------------------------------
def wall_names(numbers: Iterable[int]) -> list[str]:
    out = []
    try:
        from mlsysim_core.taxonomy import wall
    except Exception:  # pragma: no cover - core always present
        wall = None
    for n in numbers:
        try:
            out.append(f"{n} · {wall(n).name}" if wall else str(n))
        except Exception:
            out.append(str(n))
    return out


def lab_header(lab: Any, *, intro: str = "") -> Any:
    mo = _mo()
    walls = " · ".join(f"**{w}**" for w in wall_names(getattr(lab, "walls", ()) or ()))
    minutes = getattr(lab, "minutes", None)
    summary = getattr(lab, "summary", "") or ""
    path = " → ".join(_STEPS[k][0].split(" · ")[1] for k in ("predict", "act", "observe", "reflect"))
    md = [
        f"# {_esc(str(lab.title))}",
        _esc(summary) if summary else "",
        f"**Walls:** {walls}" + (f" &nbsp;|&nbsp; **Time:** about {minutes} min" if minutes else "")
        + f" &nbsp;|&nbsp; **Path:** {path}",
        intro,
    ]
    return _md("\n\n".join(s for s in md if s))


def step(kind: str, title: str = "", body: str = "") -> Any:
    head, hint = _STEPS.get(kind, (kind.title(), ""))
    text = f"## {head}" + (f": {title}" if title else "")
    return _md(text + "\n\n" + (body or f"_{hint}_"))


def why_panel(
    *resolvers: Any,
    results: Sequence[Any] = (),
    explanation: str = "",
    source: str = "",
    title: str = "Why? The equation behind the numbers",
    expanded: bool = False,
) -> Any:
    """Accordion with, for each resolver class, its one-line ``equation`` and its docstring (the full
    equation and its source) exactly as ``Resolver.describe()`` gives them, then "your numbers": every
    field of the matching result (``results[i]``, e.g. the solve the cards above show) with its unit
    from ``describe()["fields"]``. No equation is typed in a lab: the engine is the one source.
    ``explanation`` (markdown prose) and ``source`` (further reading) are optional."""
    mo = _mo()
    if not resolvers:
        raise ValueError("why_panel: give at least one resolver class (e.g. core.SingleNodeModel)")
    parts = []
    for i, resolver in enumerate(resolvers):
        d = resolver.describe()
        walls = ", ".join(str(w) for w in d.get("walls", ())) or "—"
        head = f"**`mlsysim_core.{d['resolver']}`** (walls {walls})"
        eq = str(d.get("equation", "")).strip()
        parts.append(head + (f"\n\n```text\n{eq}\n```" if eq else ""))
        result = results[i] if i < len(results) else None
        want = getattr(resolver, "result_type", None)
        if result is not None and want is not None and not isinstance(result, want):
            raise TypeError(f"why_panel: results[{i}] is a {type(result).__name__}, but {d['resolver']} "
                            f"returns {want.__name__}")
        if result is not None:
            parts.append(_your_numbers(result, d.get("fields", {})))
        doc = _doc_accordion(resolver)
        if doc is not None:
            parts.append(doc)
    if explanation:
        parts.append(explanation)
    if source:
        parts.append(f"_Further reading: {source}_")
    body = mo.vstack([p if not isinstance(p, str) else _md(p) for p in parts], gap=0.5)
    return mo.accordion({title: body}, expanded=[title] if expanded else False)


@lru_cache(maxsize=64)
def _doc_accordion(resolver: Any) -> Any:
    """The resolver's docstring in a closed accordion, built once per resolver (marimo Html is immutable)."""
    mo = _mo()
    d = resolver.describe()
    doc = str(d.get("doc", "")).strip()
    if not doc:
        return None
    return mo.accordion({f"The model's own description ({d['resolver']})": _md(f"```text\n{doc}\n```")})


def _your_numbers(result: Any, units: Mapping[str, str]) -> Any:
    """The result's fields (``Result.to_row()``) with units: the numbers that enter the equation above."""
    from .controls import table

    rows = []
    for name, value in result.to_row().items():
        if isinstance(value, bool) or value is None or name in ("feasible", "binding_wall"):
            continue
        text = num(float(value), 4) if isinstance(value, (int, float)) else str(value)
        rows.append({"quantity": name, "your value": text, "unit": units.get(name, "")})
    return _vstack_titled("With your numbers (this result, the same one the cards show):", table(rows))


def _vstack_titled(head: str, body: Any) -> Any:
    mo = _mo()
    return mo.vstack([_md(f"_{head}_"), body], gap=0.25)


def prediction(question: str, options: Sequence[str] | Mapping[str, Any], *, label: str = "",
               value: Any = None, lab: Any = None, variant: Any = None, progress: Any = None) -> Any:
    """``mo.ui.radio`` for the prediction. It opens at ``value``, or at the student's saved prediction
    when ``lab``, ``variant`` and ``progress`` are given (so a reload keeps the results unlocked)."""
    mo = _mo()
    keys = list(options)
    if value is None and lab is not None:
        from .pagestate import saved_prediction

        value = saved_prediction(lab, variant, progress, keys)
    return mo.ui.radio(options=options, value=value if value in keys else None,
                       label=label or f"**Your prediction.** {question}")


def prediction_gate(pred: Any) -> tuple[bool, Any]:
    if pred.value is not None:  # unlocked: nothing to render (mo.stop(False, …) ignores the message)
        return (False, None)
    return (True, _callout("Make your prediction above to unlock this part.", "info"))


def student_gate(variant: Any) -> tuple[bool, Any]:
    """Like :func:`prediction_gate` for the graded part: ``mo.stop(*ui.student_gate(variant))``."""
    if variant is not None:
        return (False, None)
    return (True, _callout("Enter your student ID at the top to see your graded questions.", "info"))


def reveal(pred: Any, correct: Any, observed: str = "") -> Any:
    chosen = pred.value
    if chosen is None:
        return _md("")
    ok = chosen == correct
    head = "Your prediction holds." if ok else "The model disagrees with your prediction."
    body = f"**{head}** You predicted _{_esc(str(chosen))}_; the model says _{_esc(str(correct))}_."
    if observed:
        body += f" {observed}"
    return _callout(body, "success" if ok else "warn")


