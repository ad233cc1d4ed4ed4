"""A student's hour in Chromium (network cut to the local origin): feedback appears under Check, inside the
viewport, and a reload brings back the prediction and the controls the student moved."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import interactions
import pagekit

ROOT = Path(__file__).resolve().parents[2]
LAB_IDS = sorted(p.stem for p in (ROOT / "labs").glob("*.py") if not p.name.startswith("_"))

_FEEDBACK_JS = """
(n) => {
  function find(root) {
    const el = root.querySelector(`.mlsys-feedback[data-question="${n}"]`);
    if (el) return el;
    for (const e of root.querySelectorAll('*')) if (e.shadowRoot) { const f = find(e.shadowRoot); if (f) return f; }
    return null;
  }
  const el = find(document);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {text: el.textContent, top: r.top, bottom: r.bottom, live: el.getAttribute('aria-live'),
          vh: window.innerHeight};
}
"""


def _feedback(page, n: int):
    return page.evaluate(_FEEDBACK_JS, n)


def _open(guarded, server, lab_id):
    g = guarded(server.url)
    page = g.new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(server.url + f"labs/{lab_id}.html")
    pagekit.wait_interactive(page)
    return g, page


def _controls(page):
    """Visible sliders, then dropdowns, in page order (the same order after a reload)."""
    return [(k, c) for k, c in pagekit.controls(page) if c.is_visible()]


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_reload_restores_prediction_and_moved_controls(lab_id, guarded, server):
    g, page = _open(guarded, server, lab_id)
    interactions.set_student(page, "ada.lovelace")
    pagekit.wait_interactive(page)
    radios = page.get_by_role("radio")
    last = radios.nth(radios.count() - 1)
    last.scroll_into_view_if_needed()
    last.click()
    pagekit.wait_interactive(page)
    chosen = last.evaluate("e => e.value || e.getAttribute('value')")
    ctrls = _controls(page)[:2]
    assert len(ctrls) == 2, f"{lab_id}: fewer than two controls"
    moved = []
    for kind, loc in ctrls:
        before, after = pagekit.move_by_keyboard(kind, loc)
        assert before != after, f"{lab_id}: a {kind} did not move"
        pagekit.wait_interactive(page)
        moved.append(after)
    time.sleep(1.0)  # the last cell saves after the outputs render
    page.reload()
    pagekit.wait_interactive(page)
    checked = page.locator("[role=radio][aria-checked=true], input[type=radio]:checked")
    assert checked.count() == 1, f"{lab_id}: prediction lost after the reload"
    assert checked.first.evaluate("e => e.value || e.getAttribute('value')") == chosen
    now = [pagekit._value(kind, loc) for kind, loc in _controls(page)[:2]]
    assert now == moved, f"{lab_id}: controls came back at {now}, were moved to {moved}"
    assert g.outside == []


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_check_feedback_is_in_view_right_after_clicking(lab_id, guarded, server):
    g, page = _open(guarded, server, lab_id)
    interactions.set_student(page, "grace.hopper")
    interactions.wait_questions(page, 1)
    box = interactions.answer_box(page, 1)
    box.scroll_into_view_if_needed()
    if box.evaluate("e => e.tagName") == "SELECT":
        box.select_option(index=1)
    else:
        box.fill("3 kg")
    btn = interactions.check_button(page, 1)
    btn.scroll_into_view_if_needed()
    btn.click()
    deadline = time.monotonic() + 60
    fb = None
    while time.monotonic() < deadline:
        fb = _feedback(page, 1)
        if fb and re.search(r"Q1 (✅|❌)", fb["text"]):
            break
        time.sleep(0.1)
    assert fb and re.search(r"Q1 (✅|❌)", fb["text"]), f"{lab_id}: no feedback under Q1's Check: {fb}"
    assert fb["live"] == "polite"
    assert 0 <= fb["top"] and fb["bottom"] <= fb["vh"], f"{lab_id}: feedback outside the viewport: {fb}"
    assert g.outside == []
