"""What a lab shows when run natively in CPython: the metric cards (``mo.stat``) after the same prediction and
the same control move as in the browser. Used by phases.py (test_lab_session.py), in a subprocess (marimo's script
context is process-global):

    python tests/browser/native_lab.py LAB_ID PREDICTION CONTROL_LABEL_HTML FRONTEND_VALUE_JSON

prints ``{"stats": [[label, value], ...], "control": name}`` as JSON. ``CONTROL_LABEL_HTML`` is the label the
page rendered for the control (marimo's ``data-label``), which names the control without relying on element
ids (those are random per session). The lab runs with an empty progress store (``MLSYS_LABS_HOME`` is set
to a fresh folder), as in a fresh browser.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class _Stats(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stats: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "marimo-stat":
            a = dict(attrs)
            self.stats.append([json.loads(a.get("data-label") or '""'), json.loads(a.get("data-value") or '""')])


def stats_in(html: str) -> list[list[str]]:
    """Every ``<marimo-stat>`` card (label, value) in an output, in order."""
    p = _Stats()
    p.feed(html)
    return p.stats


def run(lab_id: str, prediction: str, control_label: str, frontend_value) -> dict:
    os.environ["MLSYS_LABS_HOME"] = tempfile.mkdtemp(prefix="mlsys-native-")
    sys.path[:0] = [str(ROOT), str(ROOT / "labkit"), str(ROOT / "bench")]
    from lab_latency_bench import LabSession

    with LabSession(ROOT / "labs" / f"{lab_id}.py") as s:
        s.run_all()
        if prediction:
            s.move("pred", prediction)
        import marimo as mo

        def rendered(n):  # the label as the page renders it (markdown → HTML)
            return mo.md(s.glbls[n]._args.label or "").text

        names = [n for n in s.controls() if rendered(n) == control_label]
        if len(names) != 1:
            labels = {n: rendered(n) for n in s.controls()}
            raise SystemExit(f"{lab_id}: control with label {control_label!r} not found once; controls: {labels}")
        s.move(names[0], frontend_value)
        stats = [st for cid in s.order for st in stats_in(str(s.outputs.get(cid, "")))]
    return {"stats": stats, "control": names[0]}


if __name__ == "__main__":
    lab, pred, label, value = sys.argv[1:5]
    print(json.dumps(run(lab, pred, label, json.loads(value))))
