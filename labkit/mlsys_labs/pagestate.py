"""What a lab page remembers for a student (re-exported by :mod:`mlsys_labs.ui`): where each control
starts, and saving the prediction, every control's position and the reflections with the answers.

Start value of a control, first that applies:
  1. its saved position (the student moved it earlier; survives a reload and an offline reopen),
  2. the student's variant value (the one the graded questions ask about), marked "your variant",
  3. the lab's default.

Persistence goes through the progress object's state API
(``progress.lab_state(lab_id, student) -> {"answers", "attempts", "prediction", "controls", "reflections"}``
and ``await progress.save_state(lab_id, student, **parts)``); a progress object without that API (or no
student id yet) means nothing is restored or saved, and the page says so instead of failing.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["Starts", "starts", "position", "remember", "saved_prediction", "reflection"]

_MISSING = object()


class Starts:
    """Start values for one student's page: ``starts.value(key, default, choices=None)`` and
    ``starts.label(label, key)`` (adds "your variant: …" when the variant sets ``key``)."""

    def __init__(self, variant_params: Mapping[str, Any] | None = None, saved: Mapping[str, Any] | None = None,
                 aliases: Mapping[str, str] | None = None):
        self.params = dict(variant_params or {})
        self.saved = dict(saved or {})
        self.aliases = dict(aliases or {})  # control key -> variant parameter name, when they differ

    def variant_value(self, key: str) -> Any:
        return self.params.get(self.aliases.get(key, key), _MISSING)

    def value(self, key: str, default: Any, choices: Any = None) -> Any:
        """Saved position, else the variant's value, else ``default``; a candidate outside ``choices``
        (a list, or a ``(low, high)`` range for a slider) is skipped."""
        for cand in (self.saved.get(key, _MISSING), self.variant_value(key)):
            if cand is _MISSING or cand is None:
                continue
            if _allowed(cand, choices):
                return cand
            if not isinstance(cand, str) and choices is not None and _allowed(_plain_str(cand), choices):
                return _plain_str(cand)  # a variant's number shown by a dropdown of strings
        return default

    def label(self, label: str, key: str) -> str:
        v = self.variant_value(key)
        if v is _MISSING:
            return label
        return f"{label} · your variant: {_plain(v)}"


def _allowed(value: Any, choices: Any) -> bool:
    if choices is None:
        return True
    if isinstance(choices, tuple) and len(choices) == 2 and all(isinstance(c, (int, float)) for c in choices):
        try:
            return choices[0] <= float(value) <= choices[1]
        except (TypeError, ValueError):
            return False
    try:
        return value in choices
    except TypeError:
        return False


def _plain_str(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _plain(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _state(progress: Any, lab: Any, variant: Any) -> dict:
    if progress is None or variant is None or not hasattr(progress, "lab_state"):
        return {}
    try:
        st = progress.lab_state(lab.id, variant.student_id)
    except Exception:
        return {}
    return st if isinstance(st, dict) else {}


def starts(lab: Any, variant: Any, progress: Any = None, *, aliases: Mapping[str, str] | None = None) -> Starts:
    """Start values for this student (saved control positions, then variant values). ``aliases`` maps a
    control key to the variant parameter it shows when the names differ (``{"hw": "accelerator"}``)."""
    saved = _state(progress, lab, variant).get("controls")
    params = getattr(variant, "params", None) if variant is not None else None
    return Starts(params, saved if isinstance(saved, dict) else {}, aliases)


def saved_prediction(lab: Any, variant: Any, progress: Any, options: Any) -> Any:
    """The student's saved prediction if it is one of ``options`` (else None)."""
    p = _state(progress, lab, variant).get("prediction")
    if isinstance(p, Mapping):  # {"question", "choice", "time"}
        p = p.get("choice")
    try:
        return p if p is not None and p in options else None
    except TypeError:
        return None


def saved_reflection(lab: Any, variant: Any, progress: Any, key: str) -> str:
    r = _state(progress, lab, variant).get("reflections")
    v = r.get(key) if isinstance(r, dict) else None
    return v if isinstance(v, str) else ""


def reflection(lab: Any, variant: Any, progress: Any, *, key: str = "reflect", prompt: str = "") -> Any:
    """A text area for the student's reflection, pre-filled with what they wrote before."""
    import marimo as mo

    return mo.ui.text_area(value=saved_reflection(lab, variant, progress, key), full_width=True, rows=4,
                           max_length=4000, label=prompt or "**Your reflection** (saved with your answers)")


def position(element: Any) -> Any:
    """A control's position as plain JSON: a dropdown's zoo name (or its label when the option is not a
    name), a slider's number, a checkbox's bool,
    a multiselect's list of keys, a radio's choice."""
    if hasattr(element, "selected_key"):  # a dropdown: the zoo name it stands for, else its label
        v = getattr(element, "value", None)
        return v if isinstance(v, str) else element.selected_key
    v = getattr(element, "value", None)
    options = getattr(element, "options", None)
    if isinstance(v, list) and isinstance(options, Mapping):  # a multiselect: the labels it shows
        return [label for label, opt in options.items() if opt in v]
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, (list, tuple)) and all(isinstance(x, (bool, int, float, str)) for x in v):
        return list(v)
    return str(v)


async def remember(lab: Any, variant: Any, progress: Any, *, prediction: Any = None,
                   reflections: Mapping[str, Any] | None = None, **controls: Any) -> str | None:
    """Save the prediction, every control's position and the reflections for this student (awaited;
    only what changed since the last save is written). Returns an error text, or None when saved or
    nothing to save. Put it in the lab's last cell: the outputs render before the save runs."""
    if progress is None or variant is None or not hasattr(progress, "save_state"):
        return None
    old = _state(progress, lab, variant)
    parts: dict[str, Any] = {}
    pos = {k: position(v) for k, v in controls.items()}
    if pos != (old.get("controls") or {}):
        parts["controls"] = pos
    before = old.get("prediction")
    before = before.get("choice") if isinstance(before, Mapping) else before
    choice = getattr(prediction, "value", None) if prediction is not None else None
    if choice is not None and choice != before:
        from .submission import utc_now_iso

        parts["prediction"] = {"question": f"{lab.id}:prediction", "choice": choice, "time": utc_now_iso()}
    if reflections:
        texts = {k: str(getattr(v, "value", v) or "") for k, v in reflections.items()}
        if texts != (old.get("reflections") or {}):
            parts["reflections"] = texts
    if not parts:
        return None
    try:
        err = await progress.save_state(lab.id, variant.student_id, **parts)
    except Exception as e:  # shown by the caller, never swallowed
        return f"{type(e).__name__}: {e}"
    return err if isinstance(err, str) and err else None
