"""Every lab, as one student's session on one page in Chromium (network cut to the local origin).

Per lab, in order, on the same page: it loads without errors; after the first prediction and one slider move
its metric cards equal the notebook run natively in CPython; axe-core finds no critical or serious WCAG 2.2
A/AA violation, sliders announce value and unit, charts have text alternatives, nothing scrolls sideways at
683/390/360 px; every control changes an output; the student's path (variant banner, right/wrong/wrong-
dimension feedback equal to CPython's checker, a submission the autograder grades full marks); Check's
feedback appears inside the viewport; a reload brings back the prediction and the moved controls.
One load and one reload per lab (steps in phases.py and studentpath.py), in one browser context per worker
(conftest's ``warm_context``): like a student opening one lab after another, the runtime comes from the cache.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import pagekit
import phases
import studentpath as sp

ROOT = Path(__file__).resolve().parents[2]
LAB_IDS = sorted(p.stem for p in (ROOT / "labs").glob("*.py") if not p.name.startswith("_"))
XDIST_EACH_TEST = True  # tests/conftest.py: each lab to whichever pytest-xdist worker is free


class Steps:
    """Runs the session's steps and keeps how long each took (printed with the test's output, so a slow step
    shows in CI logs; no assertion on durations)."""

    def __init__(self, lab_id: str):
        self.lab_id, self.t, self.times = lab_id, time.monotonic(), []

    def __call__(self, step, *args):
        if callable(step):
            step(*args)
        now = time.monotonic()
        self.times.append((getattr(step, "__name__", str(step)), now - self.t))
        self.t = now

    def summary(self) -> str:
        return f"{self.lab_id}: " + ", ".join(f"{name} {s:.0f} s" for name, s in self.times)


def forget_progress(page, url: str) -> None:
    """Clear the site's IndexedDB and web storage (saved progress, student id), keeping its caches and service
    worker (Chrome DevTools Protocol ``Storage.clearDataForOrigin``)."""
    from urllib.parse import urlsplit

    u = urlsplit(url)
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Storage.clearDataForOrigin", {"origin": f"{u.scheme}://{u.netloc}",
                                                "storageTypes": "indexeddb,local_storage,session_storage"})
    finally:
        cdp.detach()


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_a_students_session(lab_id, warm_context, server, manifest):
    assert lab_id in {lab["id"] for lab in manifest["labs"]}, f"{lab_id} missing from the built site"
    lab = sp.cpython_lab(lab_id)
    g = warm_context
    g.outside.clear()
    g.errors.clear()
    page = g.new_page()
    forget_progress(page, server.url)  # each lab starts as for a new student; the runtime stays cached
    page.set_viewport_size(phases.WIDE)
    timed = Steps(lab_id)
    page.goto(server.url + f"labs/{lab_id}.html")
    pagekit.wait_interactive(page)
    assert pagekit.state(page)["cells"] > 0
    phases.assert_no_errors(g, page, lab_id, "after loading")

    timed("loaded")
    timed(phases.predict_and_cards_equal_cpython, g, page, lab_id)
    timed(phases.accessible_on_every_screen, page, lab_id)
    timed(phases.every_control_drives_an_output, g, page, lab_id)
    timed(sp.student_path, sp.LabPage(lab_id, g, page, len(lab.questions)), lab)
    timed(phases.feedback_in_view_after_check, page, lab_id)
    timed(phases.reload_restores_prediction_and_controls, g, page, lab_id)
    page.close()
    print(timed.summary())
