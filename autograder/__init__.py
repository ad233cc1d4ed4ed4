"""MLSys·im autograder: grade lab submission files against deterministic ``mlsysim_core`` outputs.

``python -m autograder grade SUBMISSIONS... --out DIR`` · ``labs`` · ``key LAB --student ID`` ·
``validate SUBMISSION...`` · ``gradescope`` (what ``run_autograder`` calls) · ``package``.
Nothing from a submission is ever executed: answers go through :func:`mlsys_labs.answers.parse_answer`.
"""

__version__ = "0.1.0"
