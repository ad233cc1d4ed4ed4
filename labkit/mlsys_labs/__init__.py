"""mlsys_labs — helpers for MLSys·im labs (distribution ``mlsys-labkit``).

Core (pure Python, depends only on ``mlsysim_core``): :mod:`.answers` (safe unit-aware parsing),
:mod:`.variants` (deterministic per-student variants), :mod:`.questions` (``Question``, ``LabSpec``,
``Feedback``), :mod:`.catalog` (``LABS``, ``get_lab``), :mod:`.submission` (build/validate submission
files), :mod:`.grading` (grade a validated submission), :mod:`.store` (``ProgressStore``).
UI helpers (:mod:`.ui`, :mod:`.charts`) import marimo/altair lazily.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "AnswerError": ".answers", "ParsedAnswer": ".answers", "parse_answer": ".answers",
    "Variant": ".variants", "make_variant": ".variants", "normalize_student": ".variants",
    "Question": ".questions", "LabSpec": ".questions", "Feedback": ".questions", "check_answer": ".questions",
    "BankError": ".questions",
    "LABS": ".catalog", "get_lab": ".catalog", "lab_ids": ".catalog",
    "SCHEMA": ".submission", "Submission": ".submission", "SubmissionError": ".submission",
    "build_submission": ".submission", "validate_submission": ".submission", "dumps_submission": ".submission",
    "ProgressStore": ".store",
    "grade_submission": ".grading", "GradeResult": ".grading",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlsys_labs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
