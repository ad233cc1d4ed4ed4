"""The data side of a lab's graded part: progress persistence, Check and the submission download.
Everything here is importable from :mod:`mlsys_labs.ui` (labs call ``ui.grade`` …).

Persistence API (``Progress``; the store layout is documented in :mod:`mlsys_labs.store`)
    ``await load_progress(lab)`` -> ``Progress`` (never raises; a corrupt/missing store gives an
        empty state and ``progress.error``).
    ``progress.lab_state(lab_id, student)`` -> dict with keys ``answers`` (qid → text),
        ``attempts`` (list of ``{"question", "time", "answer", "correct"}``), ``prediction``
        (``{"question", "choice", "time"}`` or None), ``controls`` (name → value) and
        ``reflections`` (id → text).
    ``await progress.save_state(lab_id, student, **parts)`` -> error text or None: merges the given
        parts (``answers``/``prediction`` replace, ``attempts`` append, ``controls``/``reflections``
        merge key by key) in memory and in the store — one IndexedDB read–merge–write.
    ``await progress.reset(lab_id, student)`` -> error text or None: forget this lab for this student.
    ``progress.answers_for(lab_id, student)`` / ``await progress.record(lab_id, student, answers)``:
        the answers part only (kept for existing labs).
    Example (a lab cell persisting its prediction)::

        await progress.save_state(LAB.id, sid, prediction={"question": q, "choice": pred.value,
                                                           "time": utc_now_iso()})

Check and download
    ``await grade(lab, variant, answers, progress)`` -> ``Graded``: scores through
        :func:`mlsys_labs.grading.score_answers` (the autograder's own function: each feedback score
        is already in points), appends one attempt record per question whose checked answer changed,
        saves, and shows feedback that never reveals the key (:mod:`mlsys_labs.questions`).
    ``download_button(lab, variant, answers, progress=None)`` / ``submission_bytes(...)``: the
        submission JSON, with the attempts, prediction, controls and reflections stored for this
        (lab, student) when ``progress`` is given.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any, Mapping

from .textfmt import code_span as _code_span, md_escape as _md_escape

__all__ = ["Progress", "load_progress", "Graded", "grade", "download_button", "submission_bytes",
           "new_attempts"]


def _mo():
    import marimo as mo  # lazy: the labkit core never needs marimo

    return mo


def _store_cls():
    from mlsys_labs.store import ProgressStore

    return ProgressStore


class Progress:
    """In-memory view of the student's saved progress plus the store that persists it.

    The in-memory state is the source of truth for the session: a failed load or save never clears it.
    Saves go through ``store.aupdate`` (read–merge–write), so two labs open in two tabs do not
    overwrite each other's progress.
    """

    def __init__(self, store: Any, state: dict | None, error: str | None, lab_id: str = ""):
        self.lab_id = lab_id
        self.store = store
        self.state = state if isinstance(state, dict) else {}
        self.error = error
        self.save_error: str | None = None
        self.saves = 0

    def _entries(self) -> dict:
        e = self.state.get("entries")
        return e if isinstance(e, dict) else {}

    def last_student(self, lab_id: str) -> str:
        """Student id of the most recently updated entry of this lab ("" if none)."""
        best, when = "", ""
        for e in self._entries().values():
            if isinstance(e, dict) and e.get("lab") == lab_id and isinstance(e.get("student"), str):
                u = str(e.get("updated", ""))
                if u >= when:
                    best, when = e["student"], u
        return best

    def lab_state(self, lab_id: str, student_id: str) -> dict:
        """``{answers, attempts, prediction, controls, reflections}`` for (lab, student); never raises."""
        try:
            return _store_cls().state_in(self.state, lab_id, student_id)
        except Exception:  # noqa: BLE001 - a damaged state reads as empty
            return {"answers": {}, "attempts": [], "prediction": None, "controls": {}, "reflections": {}}

    def answers_for(self, lab_id: str, student_id: str) -> dict[str, str]:
        return dict(self.lab_state(lab_id, student_id)["answers"])

    async def save_state(self, lab_id: str, student_id: str, **parts) -> str | None:
        """Merge ``parts`` into the store (one write), then into memory. Unknown part names raise ValueError.
        Memory follows the write: a save cut off before it finished (its cell cancelled) leaves memory as it
        was, so the next save sees the change as still unsaved and writes it."""
        merged = _store_cls().with_parts(self.state, lab_id, student_id, **parts)
        err = await self._persist(lambda: self.store.aupdate(lab_id, student_id, **parts))
        self.state = merged
        return err

    async def record(self, lab_id: str, student_id: str, answers: Mapping[str, str]) -> str | None:
        return await self.save_state(lab_id, student_id, answers=dict(answers))

    async def reset(self, lab_id: str, student_id: str) -> str | None:
        emptied = _store_cls().without(self.state, lab_id, student_id)
        err = await self._persist(lambda: self.store.areset(lab_id, student_id))
        self.state = emptied
        return err

    async def _persist(self, call) -> str | None:
        if self.store is None:
            self.save_error = "progress store unavailable"
            return self.save_error
        try:
            err = await _maybe_await(call())
        except Exception as e:  # noqa: BLE001 - shown to the student, never swallowed
            err = f"{type(e).__name__}: {e}"
        self.save_error = err if isinstance(err, str) and err else None
        if self.save_error is None:
            self.saves += 1
        return self.save_error


async def _maybe_await(x: Any) -> Any:
    if hasattr(x, "__await__"):
        return await x
    return x


async def load_progress(lab: Any) -> Progress:
    """Open the progress store and load it (awaited; never raises)."""
    lab_id = getattr(lab, "id", "")
    try:
        store = _store_cls()()
    except Exception as e:  # noqa: BLE001
        return Progress(None, {}, f"progress store unavailable ({type(e).__name__}: {e}); "
                                  "use the download button to keep your work", lab_id=lab_id)
    try:
        state, err = await store.aload()
    except Exception as e:  # noqa: BLE001
        state, err = {}, f"could not read saved progress ({type(e).__name__}: {e})"
    return Progress(store, state, err, lab_id=lab_id)


class Graded:
    def __init__(self, answers: dict, feedback: dict, score: float, total: float, save_error: str | None,
                 view: Any, attempts: list | None = None):
        self.answers = answers
        self.feedback = feedback
        self.score = score
        self.total = total
        self.save_error = save_error
        self.view = view
        self.attempts = attempts or []  # attempts recorded by this Check

    def _mime_(self):
        return self.view._mime_()


def _feedback(q: Any, variant: Any, text: str) -> Any:
    from mlsys_labs.grading import check_one

    return check_one(q, variant, text)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_attempts(lab: Any, submitted: Mapping[str, Any], previous: list, feedback: Mapping[str, Any],
                 when: str | None = None) -> list[dict]:
    """One attempt record per question whose *checked* answer (``submitted``, the forms' values)
    differs from the last recorded attempt of that question: reloading a page or checking another
    question does not count again."""
    last: dict[str, str] = {}
    for a in previous or ():
        last[a.get("question")] = a.get("answer")
    out = []
    for q in lab.questions:
        text = submitted.get(q.id)
        text = str(text).strip() if text is not None else ""
        if not text or last.get(q.id) == text:
            continue
        fb = feedback.get(q.id)
        out.append({"question": q.id, "time": when or _now(), "answer": text[:200],
                    "correct": bool(getattr(fb, "correct", False))})
    return out


async def grade(lab: Any, variant: Any, answers: Any, progress: Progress | None) -> Graded:
    from mlsys_labs.grading import score_answers

    mo = _mo()
    sid = variant.student_id.strip()
    before = progress.lab_state(lab.id, sid) if progress is not None else {"answers": {}, "attempts": []}
    saved = before["answers"]
    submitted = dict(getattr(answers, "value", answers) or {})
    effective: dict[str, str] = {}
    for q in lab.questions:
        v = submitted.get(q.id)
        if v is None:
            v = saved.get(q.id)
        if v is not None:
            effective[q.id] = str(v)
    stripped = {k: v.strip() for k, v in effective.items()}
    feedback, score, total = score_answers(lab, variant, stripped)
    attempts = new_attempts(lab, submitted, before["attempts"], feedback)
    save_error = None
    if progress is not None and (effective != saved or attempts or progress.last_student(lab.id) != sid):
        save_error = await progress.save_state(lab.id, sid, answers=effective, attempts=attempts)
    fb, rows = {}, []
    for n, q in enumerate(lab.questions, 1):
        text = stripped.get(q.id, "")
        if not text:
            rows.append(f"- **Q{n}** — not answered yet")
            continue
        f = feedback[q.id]
        fb[q.id] = f
        mark = "✅ right" if f.correct else "❌ not yet"
        rows.append(f"- **Q{n}** {_code_span(text)} — {mark}: {_md_escape(str(f.message))}")
        explain = getattr(q, "explain", "") or ""
        if explain and f.correct:
            rows.append(f"  <br><small>Why: {explain}</small>")
    parts = [mo.md("### Feedback\n\n" + "\n".join(rows) + f"\n\n**Score (browser check): {score:g} / {total:g}** "
                   "— the autograder recomputes the official grade from your submission.")]
    if progress is None or progress.store is None:
        parts.append(mo.callout(mo.md("Progress cannot be saved in this browser; download your submission "
                                      "to keep your answers."), kind="warn"))
    elif save_error:
        parts.append(mo.callout(mo.md(f"**Your answers were NOT saved:** {_md_escape(save_error)}. "
                                      "They are still on this page; download your submission to keep them."),
                                kind="danger"))
    elif progress.saves:
        parts.append(mo.md(f"_Progress saved ({progress.saves} save{'s' if progress.saves != 1 else ''} "
                           "this session)._"))
    parts.append(download_button(lab, variant, effective, progress=progress))
    return Graded(effective, fb, score, total, save_error, mo.vstack(parts, gap=0.5), attempts)


def submission_bytes(lab: Any, variant: Any, answers: Mapping[str, str], *, progress: Progress | None = None) -> bytes:
    """Submission JSON for ``answers`` (plus the stored attempts, prediction, controls and reflections
    when ``progress`` is given); never raises (falls back to a minimal valid-shaped document)."""
    answers = {str(k): str(v) for k, v in (answers or {}).items()}
    extra: dict = {}
    try:
        from mlsys_labs.submission import build_submission

        if progress is not None:
            st = progress.lab_state(lab.id, variant.student_id)
            extra = {"attempts": st["attempts"], "prediction": st["prediction"], "controls": st["controls"],
                     "reflections": st["reflections"]}
        doc = build_submission(lab, variant, answers, **extra)
        json.dumps(doc, allow_nan=False)
    except Exception as e:  # noqa: BLE001
        doc = {
            "schema": "mlsys-lab-submission/1",
            "lab": getattr(lab, "id", "unknown"),
            "lab_version": str(getattr(lab, "version", "")),
            "student": getattr(variant, "student_id", ""),
            "variant": {"seed": getattr(variant, "seed", ""), "params": _jsonable(getattr(variant, "params", {}))},
            "answers": answers,
            "created": _now(),
            "warning": f"built by the fallback writer ({type(e).__name__})",
        }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def _jsonable(x: Any) -> Any:
    try:
        json.dumps(x)
        return x
    except Exception:  # noqa: BLE001
        return {str(k): str(v) for k, v in dict(x).items()} if isinstance(x, Mapping) else str(x)


def download_button(lab: Any, variant: Any, answers: Mapping[str, str], *, progress: Progress | None = None) -> Any:
    mo = _mo()
    sid = re.sub(r"[^A-Za-z0-9_.-]+", "_", getattr(variant, "student_id", "") or "student")[:40]
    data = submission_bytes(lab, variant, answers, progress=progress)
    return mo.download(data=data, filename=f"{lab.id}__{sid}.json", mimetype="application/json",
                       label="Download submission (JSON)")
