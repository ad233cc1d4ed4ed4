"""The graded part of a lab page (re-exported by :mod:`mlsys_labs.ui`): each question with its answer box,
its Check button and its feedback directly under the button (in an ``aria-live`` region, so a screen
reader announces it), then the summary; the "reset this lab" control; the downloadable report.

Scoring, attempts and saving are :func:`mlsys_labs.ui_grading.grade`'s (the autograder's own scoring
function); this module only lays the page out. Feedback never reveals the key (its messages don't).
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import re
from typing import Any, Mapping

from .textfmt import md as _md

__all__ = ["graded_questions", "reset_control", "apply_reset", "report_html", "report_download", "finish"]


def _mo():
    import marimo as mo  # lazy: the labkit core never needs marimo

    return mo


def _esc(s: Any) -> str:
    return _html.escape(str(s), quote=True)


def _feedback_html(n: int, text: str, fb: Any) -> str:
    """One question's feedback: a polite live region, green/red with a word (not colour alone)."""
    if not text.strip():
        body, color, border = f"Q{n}: not answered yet.", "#374151", "#9ca3af"
    elif fb is None:
        body, color, border = f"Q{n}: press Check to get feedback.", "#374151", "#9ca3af"
    elif getattr(fb, "correct", False):
        body, color, border = f"Q{n} ✅ right: {getattr(fb, 'message', '')}", "#14532d", "#15803d"
    else:
        body, color, border = f"Q{n} ❌ not yet: {getattr(fb, 'message', '')}", "#7f1d1d", "#b91c1c"
    return (f'<div class="mlsys-feedback" role="status" aria-live="polite" data-question="{n}" '
            f'style="margin:0.25rem 0 0.75rem;padding:0.4rem 0.75rem;border-left:4px solid {border};'
            f'color:{color};background:#f9fafb;overflow-wrap:anywhere">{_esc(body)}</div>')


def _widget(answers: Any, qid: str) -> Any:
    try:
        w = answers[qid]
    except Exception:  # noqa: BLE001 - a test stand-in without widgets
        return None
    return w if hasattr(w, "_mime_") or hasattr(w, "text") else None


def graded_questions(lab: Any, variant: Any, answers: Any, graded: Any) -> Any:
    """Every question: prompt, answer box + Check, its feedback right under the button; then the summary
    (``graded.view``: score, save status, download). Use as the output of the cell that awaits
    ``ui.grade`` (the ``answers`` cell returns the forms without showing them)."""
    from .narrative import step
    from .ui import _fmt_pts, prompt_for

    mo = _mo()
    items = [step("check")]
    feedback = getattr(graded, "feedback", {}) or {}
    texts = getattr(graded, "answers", {}) or {}
    for n, q in enumerate(lab.questions, 1):
        hint = getattr(q, "hint", "") or ""
        items.append(mo.md(f"**Q{n}.** {prompt_for(q, variant)} _({_fmt_pts(getattr(q, 'points', 1.0))})_"
                           + (f"\n\n<small>Hint: {hint}</small>" if hint else "")))
        w = _widget(answers, q.id)
        if w is not None:
            items.append(w)
        items.append(mo.Html(_feedback_html(n, str(texts.get(q.id, "")), feedback.get(q.id))))
    items.append(getattr(graded, "view", _md("")))
    return mo.vstack(items, gap=0.4)


# ------------------------------------------------------------------------------------------------
# Reset
# ------------------------------------------------------------------------------------------------
def reset_control() -> Any:
    """A form that asks before clearing: tick "yes, forget …", then press "Reset this lab"."""
    mo = _mo()
    box = mo.ui.checkbox(label="Yes, forget my answers, attempts, prediction, control positions and "
                               "reflections for this lab in this browser")
    return box.form(submit_button_label="Reset this lab", bordered=True,
                    label="**Start this lab over** (download your submission first if you need it)")


async def apply_reset(lab: Any, variant: Any, progress: Any, reset: Any) -> Any:
    """Clear the lab's saved state when the reset form was submitted with the box ticked. Returns the
    message to show (Html), or an empty one."""
    mo = _mo()
    if variant is None or getattr(reset, "value", None) is None:
        return _md("")
    if reset.value is not True:
        return mo.callout(_md("Nothing was cleared: tick the box to confirm, then press **Reset this lab**."),
                          kind="info")
    if progress is None or not hasattr(progress, "reset"):
        return mo.callout(_md("This browser cannot store progress, so there is nothing to clear."), kind="info")
    err = await progress.reset(lab.id, variant.student_id)
    if err:
        return mo.callout(_md(f"**Could not clear your saved progress:** {_esc(err)}"), kind="danger")
    return mo.callout(_md("**Cleared.** Reload the page to start this lab over."), kind="success")


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------
_REPORT_CSS = """
body{font:15px/1.5 system-ui,sans-serif;color:#111827;max-width:52rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem} h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #d1d5db}
table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{border:1px solid #d1d5db;padding:.3rem .5rem;
text-align:left;vertical-align:top;overflow-wrap:break-word} th{background:#f3f4f6}
.qs{table-layout:fixed} .qs td:nth-child(3),.qs td:nth-child(4){overflow-wrap:anywhere}
.right{color:#14532d}.wrong{color:#7f1d1d}.muted{color:#4b5563} pre{white-space:pre-wrap}
figure{margin:1rem 0;break-inside:avoid} figure img{max-width:100%;height:auto;border:1px solid #e5e7eb}
figcaption{font-size:.85rem;color:#4b5563}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
"""


# Where the lab page puts its charts: site/lab-report.js replaces this block, when the student downloads the
# report, by one image per chart drawn on the page (Python has no drawing of them: Vega draws in the page).
CHART_SLOT = ('<div data-mlsys-charts><p class="muted">(the charts are added by the lab page when the report is '
              "downloaded there)</p></div><!--/mlsys-charts-->")


def _rows(pairs) -> str:
    return "".join(f"<tr><th scope=\"row\">{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in pairs)


def report_html(lab: Any, variant: Any, graded: Any, state: Mapping[str, Any] | None = None,
                charts: Mapping[str, Any] | None = None, created: str | None = None) -> str:
    """A self-contained HTML report (no script, no external file; prints cleanly to PDF): the student's
    prediction, reflections, control settings, answers with feedback and score; :data:`CHART_SLOT`, which
    the lab page fills with an image of each chart it shows; and each chart given in ``charts``
    (title → ChartView) as its text description and data table."""
    from .ui import prompt_for

    state = dict(state or {})
    created = created or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    pred = state.get("prediction")
    choice = pred.get("choice") if isinstance(pred, dict) else pred
    parts = [f"<h1>{_esc(lab.title)}</h1>",
             f"<p class=\"muted\">Student {_esc(getattr(variant, 'student_id', ''))} · variant "
             f"{_esc(getattr(variant, 'seed', ''))} · lab version {_esc(getattr(lab, 'version', ''))} · {_esc(created)}</p>"]
    params = getattr(variant, "params", {}) or {}
    if params:
        parts += ["<h2>Your variant</h2>", "<table>" + _rows(params.items()) + "</table>"]
    parts += ["<h2>Your prediction</h2>",
              f"<p>{_esc(choice) if choice is not None else '<span class=muted>(none made)</span>'}</p>"]
    controls = state.get("controls") or {}
    if controls:
        parts += ["<h2>Your final settings</h2>", "<table>" + _rows(controls.items()) + "</table>"]
    parts += ["<h2>Charts at your final settings</h2>", CHART_SLOT]
    for title, chart in (charts or {}).items():
        spec = getattr(chart, "spec", {}) or {}
        parts += [f"<h2>Chart: {_esc(title)}</h2>", f"<p>{_esc(getattr(chart, 'description', '') or spec.get('description', ''))}</p>"]
        values = _chart_values(spec)
        if values:
            cols = list(values[0])
            head = "".join(f"<th>{_esc(c)}</th>" for c in cols)
            body = "".join("<tr>" + "".join(f"<td>{_esc(_cell(r.get(c)))}</td>" for c in cols) + "</tr>"
                           for r in values[:60])
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    reflections = state.get("reflections") or {}
    parts.append("<h2>Your reflections</h2>")
    parts += [f"<pre>{_esc(t)}</pre>" for t in reflections.values() if str(t).strip()] or [
        "<p class=\"muted\">(none written)</p>"]
    parts.append("<h2>Graded questions</h2>")
    answers = getattr(graded, "answers", {}) or {}
    feedback = getattr(graded, "feedback", {}) or {}
    rows = []
    for n, q in enumerate(lab.questions, 1):
        text = str(answers.get(q.id, "")).strip()
        fb = feedback.get(q.id)
        if not text:
            verdict = "<span class=muted>not answered</span>"
        elif fb is not None and getattr(fb, "correct", False):
            verdict = f"<span class=right>right</span>: {_esc(fb.message)}"
        else:
            verdict = f"<span class=wrong>not yet</span>: {_esc(getattr(fb, 'message', ''))}"
        rows.append(f"<tr><td>Q{n}</td><td>{_esc(prompt_for(q, variant))}</td><td>{_esc(text)}</td><td>{verdict}</td></tr>")
    parts.append("<table class=\"qs\"><colgroup><col style=\"width:3.5rem\"><col><col style=\"width:24%\">"
                 "<col style=\"width:24%\"></colgroup>"
                 "<thead><tr><th>#</th><th>Question</th><th>Your answer</th><th>Feedback</th></tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table>")
    parts.append(f"<p><strong>Score (browser check): {getattr(graded, 'score', 0):g} / {getattr(graded, 'total', 0):g}"
                 "</strong> — the autograder recomputes the official grade from your submission file.</p>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            f"{_esc(lab.title)} — report</title><style>{_REPORT_CSS}</style></head><body><main>"
            + "".join(parts) + "</main></body></html>")


def _chart_values(spec: Mapping[str, Any]) -> list[dict]:
    data = spec.get("data", {}) if isinstance(spec, Mapping) else {}
    values = data.get("values") if isinstance(data, Mapping) else None
    if not values:
        for layer in spec.get("layer", []) or []:
            d = layer.get("data", {}) if isinstance(layer, Mapping) else {}
            if isinstance(d, Mapping) and d.get("values"):
                values = d["values"]
                break
    return [v for v in (values or []) if isinstance(v, Mapping)]


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def report_download(lab: Any, variant: Any, graded: Any, progress: Any = None,
                    charts: Mapping[str, Any] | None = None) -> Any:
    """ "Download report (HTML)": :func:`report_html` with the saved prediction, settings and reflections."""
    mo = _mo()
    state = {}
    if progress is not None and hasattr(progress, "lab_state"):
        try:
            state = progress.lab_state(lab.id, variant.student_id)
        except Exception:  # noqa: BLE001 - the report still has the answers
            state = {}
    sid = re.sub(r"[^A-Za-z0-9_.-]+", "_", getattr(variant, "student_id", "") or "student")[:40]
    data = report_html(lab, variant, graded, state, charts).encode("utf-8")
    return mo.download(data=data, filename=f"{lab.id}__{sid}__report.html", mimetype="text/html",
                       label="Download report (HTML, prints to PDF)")


async def finish(lab: Any, variant: Any, progress: Any, graded: Any, reset: Any, *, prediction: Any = None,
                 reflections: Mapping[str, Any] | None = None, charts: Mapping[str, Any] | None = None,
                 **controls: Any) -> Any:
    """The last cell of every lab: clears the lab when the reset form was confirmed, else saves the
    prediction, every control's position and the reflections (:func:`mlsys_labs.pagestate.remember`);
    then shows the report download (beside the submission download above it), the reset control, any
    save error, and the credit that replaces marimo's floating badge."""
    from .pagestate import remember

    mo = _mo()
    cleared = await apply_reset(lab, variant, progress, reset)
    err = None
    if getattr(reset, "value", None) is not True:
        err = await remember(lab, variant, progress, prediction=prediction, reflections=reflections, **controls)
    items = [report_download(lab, variant, graded, progress, charts)]
    if err:
        items.append(mo.callout(_md(f"**Your prediction and settings were NOT saved:** {_esc(err)}"), kind="warn"))
    items += [reset, cleared,
              _md("<small>Built with marimo and mlsysim_core; runs entirely in your browser.</small>")]
    return mo.vstack(items, gap=0.5)
