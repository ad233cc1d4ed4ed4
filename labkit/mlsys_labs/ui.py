"""marimo UI helpers shared by every lab (labs 00–14); narrative helpers live in :mod:`.narrative`, controls
and result views in :mod:`.controls` (both re-exported here). Import lazily inside a lab cell:
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
    ``why_panel(*resolvers, results=(), explanation="", source="", title=..., expanded=False)`` -> Html:
        accordion with each resolver's own ``equation`` and docstring (``Resolver.describe()``) and, for
        each given result, its fields with units ("your numbers"). Labs never type equations.
    ``prediction(question, options, *, label=...)`` -> ``mo.ui.radio`` (return it from its cell!).
    ``prediction_gate(pred)`` -> (stop: bool, message Html or None once answered): use as
        ``mo.stop(*ui.prediction_gate(pred))``; ``student_gate(variant)`` likewise for the graded part.
    ``reveal(pred, correct, observed="")`` -> Html callout comparing the prediction with the model.

Controls and results
    ``zoo_dropdown(entries, *, label, value=None)`` -> ``mo.ui.dropdown``; ``entries`` is a mapping
        label → zoo object, or a sequence of zoo objects (labelled by ``.name``). ``.value`` is the object.
    ``slider(start=None, stop=None, *, label, unit, value=None, step=None, steps=None)`` ->
        ``mo.ui.slider`` labelled "label (unit)" (``unit`` required: the page announces "4,096 tokens"),
        the value shown, and a number box (snapped to the nearest step over ``steps``). Give either ``start``/``stop``
        (+ ``step``) or an explicit list ``steps`` (e.g. powers of two).
    ``row(*items, min_width="13rem")`` -> Html: controls (or charts, callouts) side by side that wrap on
        narrow screens.
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

from typing import Any

from .controls import capacity, choice, metrics, row, slider, status, table, trace, zoo_dropdown  # noqa: F401 (re-exported)
from .checkview import finish, graded_questions, report_download, report_html, reset_control  # noqa: F401
from .pagestate import position, reflection, remember, saved_prediction, starts  # noqa: F401
from .narrative import (lab_header, prediction, prediction_gate, reveal, step, student_gate,  # noqa: F401
                        why_panel)
from .textfmt import esc_dollar as _esc, fmt  # noqa: F401 (fmt re-exported)
from .textfmt import md_escape as _md_escape

__all__ = [
    "lab_header", "step", "why_panel", "prediction", "prediction_gate", "student_gate", "reveal",
    "graded_questions", "reset_control", "finish", "report_html", "report_download", "zoo_dropdown", "choice", "starts", "remember", "reflection", "saved_prediction", "position", "slider", "row", "capacity", "fmt", "metrics", "status", "trace", "table",
    "Progress", "load_progress", "student_input", "variant_for", "variant_banner",
    "answer_inputs", "questions_view", "prompt_for", "Graded", "grade", "download_button",
    "submission_bytes",
]


def _mo():
    import marimo as mo  # lazy: the labkit core never needs marimo

    return mo


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
