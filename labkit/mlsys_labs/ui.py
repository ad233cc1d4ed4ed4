"""marimo UI helpers shared by every lab (labs 00–14). Import lazily inside a lab cell:
``from mlsys_labs import ui, charts``. No physics here: numbers come from ``mlsysim_core`` resolvers.

Stable API (add keyword arguments, never rename). ``lab`` is a ``LabSpec`` from the lab's bank.
Text that is data (engine trace lines, option labels, titles, table cells) has its ``$`` escaped so
marimo's markdown does not read "$1.2M … $3" as math; repeated markdown is rendered once
(:mod:`mlsys_labs.textfmt`).

Layout and narrative
    ``lab_header(lab, *, intro="")`` -> Html: title, walls covered (number + name), minutes, the
        predict → act → observe → reflect path, and ``intro`` (markdown).
    ``step(kind, title="", body="")`` -> Html: a section heading; kind in
        {"predict", "act", "observe", "reflect", "check"}.
    ``why_panel(equation, *, explanation="", source="", resolver=None, title=..., expanded=False)``
        -> Html: accordion with the equation (KaTeX, pass LaTeX without ``$$``), the explanation
        (markdown), the source, and the resolver's own docstring when ``resolver`` (a class) is given.
    ``prediction(question, options, *, label=...)`` -> ``mo.ui.radio`` (return it from its cell!).
    ``prediction_gate(pred)`` -> (stop: bool, message Html or None once answered): use as
        ``mo.stop(*ui.prediction_gate(pred))``; ``student_gate(variant)`` likewise for the graded part.
    ``reveal(pred, correct, observed="")`` -> Html callout comparing the prediction with the model.

Controls and results
    ``zoo_dropdown(entries, *, label, value=None)`` -> ``mo.ui.dropdown``; ``entries`` is a mapping
        label → zoo object, or a sequence of zoo objects (labelled by ``.name``). ``.value`` is the object.
    ``slider(start=None, stop=None, *, label, value=None, step=None, steps=None, unit="")`` ->
        ``mo.ui.slider`` with the value shown (and a number box when not using ``steps``). Give either
        ``start``/``stop`` (+ ``step``) or an explicit list ``steps`` (e.g. powers of two).
    ``fmt(q, unit=None, digits=3)`` -> str ("3.35 TB/s"); ``q`` a pint Quantity or a number.
    ``metrics(items)`` -> Html row of stat cards; items: ``(label, value, caption="")`` with value a
        Quantity, a number or a string (Quantities are formatted by ``fmt``; ``(label, q, unit)`` +
        caption as 4-tuple to force a unit: ``(label, q, caption, unit)``).
    ``status(result, *, ok="…")`` -> Html: green when ``result.feasible``, red with the binding wall's
        name and the first trace lines otherwise.
    ``trace(result, *, title="How the model got there")`` -> Html accordion with ``result.trace``.
    ``table(rows, *, columns=None)`` -> Html table (markdown-table style, plain-text cells) from a list of dicts.

Student id, variant, graded questions, progress, submission
    ``await load_progress(lab)`` -> ``Progress`` (first async cell of the lab; never raises; a
        corrupt/missing store gives an empty state and ``progress.error``).
    ``student_input(progress)`` -> ``mo.ui.text`` labelled "Student ID", pre-filled with the last id.
    ``variant_for(lab, student_id)`` -> ``Variant | None`` (None while the id is empty).
    ``variant_banner(lab, variant, progress)`` -> Html: who you are, your variant parameters, and the
        progress-store status (errors shown, never hidden).
    ``answer_inputs(lab, variant, progress)`` -> ``mo.ui.dictionary`` of one form per question
        (text box + "Check" button; Ctrl+Enter also checks), pre-filled with saved answers.
        Display it with ``questions_view(lab, variant, answers)``.
    ``await grade(lab, variant, answers, progress)`` -> ``Graded`` with ``.answers`` (qid → text),
        ``.feedback`` (qid → Feedback), ``.score``, ``.save_error`` and ``.view`` (feedback per
        question, save status, the download button). Saves (awaited) whenever an answer changed and
        records every Check as an attempt. Progress persistence for predictions, controls and
        reflections (``progress.lab_state`` / ``save_state`` / ``reset``): see
        :mod:`mlsys_labs.ui_grading`, where these functions live.
    ``download_button(lab, variant, answers)`` -> Html ``mo.download`` of the submission JSON
        (``mlsys_labs.submission.build_submission``); always works (falls back to a minimal
        submission if building fails).

Typical lab skeleton (each bullet is one cell; every widget is returned from its cell):
    * imports: ``mo``, ``core``, ``ui``, ``charts``, ``LAB = get_lab("<file stem>")``
    * ``progress = await ui.load_progress(LAB)``
    * ``ui.lab_header(LAB, intro=...)``
    * ``student = ui.student_input(progress)``; next cell ``variant = ui.variant_for(LAB, student.value)``
      and ``ui.variant_banner(LAB, variant, progress)``
    * ``pred = ui.prediction(...)``; controls (one cell per widget group); results + chart
      (``mo.stop(*ui.prediction_gate(pred))`` where the lab reveals the answer); ``ui.why_panel(...)``
    * ``mo.stop(variant is None, ...)``; ``answers = ui.answer_inputs(LAB, variant, progress)``;
      ``ui.questions_view(LAB, variant, answers)``
    * ``graded = await ui.grade(LAB, variant, answers, progress)``; ``graded.view``
"""

from __future__ import annotations

import html as _html
from typing import Any, Iterable, Mapping, Sequence

from .textfmt import callout as _callout, esc_dollar as _esc, fmt, md as _md
from .textfmt import md_escape as _md_escape

__all__ = [
    "lab_header", "step", "why_panel", "prediction", "prediction_gate", "student_gate", "reveal",
    "zoo_dropdown", "slider", "fmt", "metrics", "status", "trace", "table",
    "Progress", "load_progress", "student_input", "variant_for", "variant_banner",
    "answer_inputs", "questions_view", "prompt_for", "Graded", "grade", "download_button",
    "submission_bytes",
]


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
def _wall_names(numbers: Iterable[int]) -> list[str]:
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
    walls = " · ".join(f"**{w}**" for w in _wall_names(getattr(lab, "walls", ()) or ()))
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
    equation: str,
    *,
    explanation: str = "",
    source: str = "",
    resolver: Any = None,
    title: str = "Why? The equation behind the numbers",
    expanded: bool = False,
) -> Any:
    mo = _mo()
    parts = [f"$$\n{equation.strip()}\n$$"]
    if explanation:
        parts.append(explanation)
    if source:
        parts.append(f"_Source: {source}_")
    if resolver is not None:
        name = getattr(resolver, "__name__", type(resolver).__name__)
        doc = (getattr(resolver, "__doc__", "") or "").strip()
        if doc:
            parts.append(f"**From `mlsysim_core.{name}`:**\n\n```text\n{doc}\n```")
    body = mo.md("\n\n".join(parts))
    return mo.accordion({title: body}, expanded=[title] if expanded else False)


def prediction(question: str, options: Sequence[str] | Mapping[str, Any], *, label: str = "") -> Any:
    mo = _mo()
    return mo.ui.radio(options=options, label=label or f"**Your prediction.** {question}")


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


# ------------------------------------------------------------------------------------------------
# Controls and results
# ------------------------------------------------------------------------------------------------
def zoo_dropdown(entries: Mapping[str, Any] | Sequence[Any], *, label: str, value: str | None = None) -> Any:
    mo = _mo()
    if not isinstance(entries, Mapping):
        entries = {getattr(e, "name", str(e)): e for e in entries}
    opts = dict(entries)
    if value is None or value not in opts:
        value = next(iter(opts))
    return mo.ui.dropdown(options=opts, value=value, label=label)


def slider(
    start: float | None = None,
    stop: float | None = None,
    *,
    label: str,
    value: float | None = None,
    step: float | None = None,
    steps: Sequence[float] | None = None,
    unit: str = "",
) -> Any:
    mo = _mo()
    lab = f"{label} ({unit})" if unit else label
    if steps is not None:
        steps = list(steps)
        v = value if value in steps else steps[0]
        return mo.ui.slider(steps=steps, value=v, label=lab, show_value=True, full_width=True)
    return mo.ui.slider(start, stop, step=step, value=start if value is None else value, label=lab,
                        show_value=True, include_input=True, full_width=True)


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
    wname = _wall_names([bw])[0] if bw else ""
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
    return mo.Html('<span class="markdown prose dark:prose-invert contents"><table><thead><tr>' + head
                   + "</tr></thead><tbody>" + body + "</tbody></table></span>")


# ------------------------------------------------------------------------------------------------
# Progress, Check and download: the data side lives in mlsys_labs.ui_grading (re-exported here)
# ------------------------------------------------------------------------------------------------
from .ui_grading import Graded, Progress, _feedback, _jsonable, download_button, grade, load_progress  # noqa: E402,F401
from .ui_grading import submission_bytes  # noqa: E402,F401


# ------------------------------------------------------------------------------------------------
# Student id and variant
# ------------------------------------------------------------------------------------------------
def student_input(progress: Progress | None = None) -> Any:
    mo = _mo()
    last = progress.last_student(progress.lab_id) if progress is not None and progress.lab_id else ""
    return mo.ui.text(value=last, label="**Student ID** (as on your course roster; it picks your variant)",
                      placeholder="e.g. jdoe42", max_length=64)


def variant_for(lab: Any, student_id: str | None) -> Any:
    sid = (student_id or "").strip()
    if not sid:
        return None
    from mlsys_labs.variants import make_variant

    return make_variant(lab, sid)


def variant_banner(lab: Any, variant: Any, progress: Progress | None = None) -> Any:
    mo = _mo()
    notes = []
    if progress is not None and progress.error:
        notes.append(mo.callout(mo.md(f"**Saved progress could not be loaded:** {progress.error}. "
                                      "Your answers in this page are kept; the download button always works."),
                                kind="warn"))
    if variant is None:
        notes.insert(0, mo.callout(mo.md("Enter your **student ID** above to get your personal variant "
                                         "of the graded questions."), kind="info"))
        return mo.vstack(notes)
    params = getattr(variant, "params", {}) or {}
    plist = ", ".join(f"{k} = **{_esc(_param_text(v))}**" for k, v in params.items()) or "default"
    notes.insert(0, mo.md(f"Student **{_md_escape(str(variant.student_id))}** · variant `{variant.seed}` · your parameters: {plist}"))
    return mo.vstack(notes)


def _param_text(v: Any) -> str:
    return fmt(v) if hasattr(v, "magnitude") or isinstance(v, float) else str(v)


# ------------------------------------------------------------------------------------------------
# Graded questions
# ------------------------------------------------------------------------------------------------
def prompt_for(question: Any, variant: Any) -> str:
    """The question's prompt for this variant (``Question.render(variant)`` if the bank provides it,
    else ``prompt.format(**variant.params)``)."""
    for name in ("render_prompt", "render", "prompt_for"):
        f = getattr(question, name, None)
        if callable(f):
            try:
                return str(f(variant))
            except Exception:
                break
    p = question.prompt
    try:
        params = {k: _param_text(v) for k, v in (getattr(variant, "params", {}) or {}).items()}
        return p.format(**params)
    except Exception:
        return p


def _qkind(q: Any) -> str:
    return getattr(q, "kind", "quantity") or "quantity"


def answer_inputs(lab: Any, variant: Any, progress: Progress | None) -> Any:
    mo = _mo()
    saved = progress.answers_for(lab.id, variant.student_id) if progress is not None else {}
    forms = {}
    for n, q in enumerate(lab.questions, 1):
        prev = saved.get(q.id, "")
        if _qkind(q) == "choice":
            choices = [str(c) for c in getattr(q, "choices", ())]
            el = mo.ui.dropdown(options=choices, value=prev if prev in choices else None,
                                label=f"Q{n} answer (choose one)")
        else:
            unit = getattr(q, "unit", "") or ""
            el = mo.ui.text(value=prev, label=f"Q{n} answer" + (f" (with unit, e.g. in {unit})" if unit else ""),
                            placeholder=f"e.g. 12.5 {unit}".strip(), max_length=200, full_width=True)
        forms[q.id] = el.form(submit_button_label=f"Check Q{n}", bordered=False)
    return mo.ui.dictionary(forms, label="")


def questions_view(lab: Any, variant: Any, answers: Any) -> Any:
    mo = _mo()
    items = [step("check")]
    for n, q in enumerate(lab.questions, 1):
        pts = getattr(q, "points", 1.0)
        hint = getattr(q, "hint", "") or ""
        items.append(mo.md(f"**Q{n}.** {prompt_for(q, variant)} _({_fmt_pts(pts)})_"
                           + (f"\n\n<small>Hint: {hint}</small>" if hint else "")))
        items.append(answers[q.id])
    return mo.vstack(items, gap=0.5)


def _fmt_pts(p: Any) -> str:
    try:
        p = float(p)
        return f"{p:g} point" + ("" if p == 1 else "s")
    except Exception:
        return ""
