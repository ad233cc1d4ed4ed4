"""MLSys·im autograder: grade lab submission files against deterministic ``mlsysim_core`` outputs.

``python -m autograder grade SUBMISSIONS... --out DIR`` · ``report OUT_DIR`` · ``labs`` ·
``key LAB --student ID`` · ``validate SUBMISSION...`` · ``gradescope`` (what ``run_autograder``
calls) · ``package``. Modules: :mod:`.inputs` (safe collection), :mod:`.batch` (grading, latest wins,
roster), :mod:`.outputs` (atomic writing), :mod:`.lms` (gradebook exports), :mod:`.integrity`,
:mod:`.report`, :mod:`.gradescope`, :mod:`.roster`, :mod:`.safetext`.
Nothing from a submission is ever executed: answers go through :func:`mlsys_labs.answers.parse_answer`.
"""

__version__ = "0.1.0"
