"""The checks a lab page must pass, as steps of one student's session on one page (test_lab_session.py).

Each step takes the open page (and its :class:`guard.Guarded` context), leaves the page usable for the next
step and fails with the lab id and the step in its message. Sharing the page keeps the browser suite to one
load and one reload per lab, whatever the number of checks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import a11y
import interactions
import pagekit

HERE = Path(__file__).parent
NARROW = (683, 390, 360)
WIDE = {"width": 1366, "height": 768}
# "4,096 tokens", "0.5 fraction of peak", "1.5 to 1": a number, a space, then a unit word or symbol
VALUE_WITH_UNIT = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?(e[-+]?[0-9]+)? +\S")


def page_errors(g) -> list[str]:
    """Uncaught page errors, minus marimo's startSession RPC timeout: its frontend rejects that RPC after
    20 s on a slow machine, then carries on when the worker answers (not a lab failure)."""
    return [e for e in g.errors if "RPC request timed out" not in e]


def assert_no_errors(g, page, lab_id: str, when: str) -> None:
    """No marimo error output, no kernel exception/traceback in the console, no uncaught page error, no request
    outside the local origin."""
    st = pagekit.state(page)
    assert not st["errors"], f"{lab_id}: marimo error output {when}: {st['errors']}"
    body = interactions.body_text(page)
    assert "ModuleNotFoundError" not in body and "Traceback" not in body, f"{lab_id} {when}: {body[:2000]}"
    found, seen = interactions.kernel_errors(interactions.console_lines(page))
    assert seen > 0, f"{lab_id}: no kernel message captured on the console (capture script not installed?)"
    assert not found, f"{lab_id}: kernel errors {when}: {found[:3]}"
    assert not page_errors(g), f"{lab_id}: uncaught page errors {when}: {page_errors(g)}"
    assert g.outside == [], f"{lab_id}: requests left the origin {when}: {g.outside}"


def wait_charts(page, at_least: int = 1, timeout_s: float = 60) -> int:
    deadline = time.monotonic() + timeout_s
    while (n := interactions.chart_count(page)) < at_least and time.monotonic() < deadline:
        time.sleep(0.2)
    return n


# --------------------------------------------------------------------------------------------- values

_STATS_JS = """() => {
  const out = [];
  const walk = (root) => {
    for (const e of root.querySelectorAll('marimo-stat')) out.push([e.getAttribute('data-label'), e.getAttribute('data-value')]);
    for (const e of root.querySelectorAll('*')) if (e.shadowRoot) walk(e.shadowRoot);
  };
  walk(document);
  return out;
}"""

_LABEL_JS = """(e) => { let n = e;
  while (n && !(n.tagName === 'MARIMO-SLIDER')) n = n.parentNode || n.host;
  return n ? n.getAttribute('data-label') : null; }"""


def page_stats(page) -> list[list[str]]:
    return [[json.loads(a or '""'), json.loads(b or '""')] for a, b in page.evaluate(_STATS_JS)]


def predict_and_cards_equal_cpython(g, page, lab_id: str) -> None:
    """On a fresh page (no student id): the first prediction and one keyboard move of the first slider; every
    metric card then equals what the same notebook shows run natively in CPython (tests/browser/native_lab.py)
    for the same prediction and control value."""
    radio = page.get_by_role("radio").first
    prediction = radio.get_attribute("value")
    radio.scroll_into_view_if_needed()
    radio.click()
    pagekit.wait_interactive(page, settle_s=1.0)
    assert_no_errors(g, page, lab_id, "after the prediction")
    assert wait_charts(page) >= 1, f"{lab_id}: no chart rendered after the prediction"

    slider = next(s for s in page.locator("[role=slider]").all() if s.is_visible())
    label = json.loads(slider.evaluate(_LABEL_JS))
    cell = pagekit.cell_of(slider)
    before_sig = pagekit.signature(page, cell)
    before, after = pagekit.move_by_keyboard("slider", slider)
    assert before != after, f"{lab_id}: the slider did not move"
    pagekit.wait_changed(page, before_sig, cell)
    pagekit.wait_interactive(page, settle_s=1.0)
    shown = page_stats(page)
    assert shown, f"{lab_id}: no metric card shown after the prediction"

    value = json.loads(after)
    proc = subprocess.run([sys.executable, str(HERE / "native_lab.py"), lab_id, prediction or "", label,
                           json.dumps(value)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    native = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(shown) == sorted(native["stats"]), (
        f"{lab_id}: after moving {native['control']} to {value}, the page shows\n{sorted(shown)}\n"
        f"but CPython computes\n{sorted(native['stats'])}")


# --------------------------------------------------------------------------------------------- accessibility

def accessible_on_every_screen(page, lab_id: str) -> None:
    """axe-core WCAG 2.2 A/AA: no critical or serious violation once interactive; every visible slider announces
    a value with its unit; every chart has a text alternative with numbers; no sideways scrolling, usable
    slider tracks and no cell under marimo's menu button at 683, 390 and 360 px. Leaves the page at 1366×768."""
    page.wait_for_timeout(500)  # the page script names controls on the next animation frame
    try:
        violations = a11y.run_axe(page)
    except Exception as e:  # the page reloads itself once if marimo never mounted (site/register.js)
        if "context was destroyed" not in str(e):
            raise
        pagekit.wait_interactive(page)
        violations = a11y.run_axe(page)
    bad = a11y.blocking(violations)
    assert not bad, f"{lab_id}:\n" + a11y.describe(bad)

    sliders = [s for s in a11y.sliders(page) if s["visible"]]
    assert sliders, f"{lab_id}: no slider"
    for s in sliders:
        assert s["valuetext"] and VALUE_WITH_UNIT.match(s["valuetext"]), (
            f"{lab_id}: a slider announces {s['valuetext']!r} (aria-valuenow {s['now']}): no value with a unit")
        # every slider has a typed-number box, named in words (marimo's own name is the label's raw HTML)
        assert s["box"] and "<" not in s["box"] and "type a value" in s["box"], (
            f"{lab_id}: a slider's number box is named {s['box']!r}")

    charts = a11y.charts(page)
    assert charts, f"{lab_id}: no chart rendered"
    for c in charts:
        assert re.search(r"[0-9]", c["label"]) and len(c["label"]) > 20, (
            f"{lab_id}: a chart's text alternative is {c['label']!r} (needs a title and a data summary)")

    try:
        for width in NARROW:
            page.set_viewport_size({"width": width, "height": 844})
            page.wait_for_timeout(700)
            w = a11y.page_width(page)
            assert w["scrollWidth"] <= width, f"{lab_id} at {width} px: page is {w['scrollWidth']} px wide: {w['wide']}"
            thin = [s for s in a11y.slider_tracks(page) if s < 120]
            assert not thin, f"{lab_id} at {width} px: slider tracks only {thin} px wide"
            covered = a11y.chrome_over_cells(page)
            assert not covered, f"{lab_id} at {width} px: marimo's menu button covers cells {covered[:5]}"
    finally:
        page.set_viewport_size(WIDE)
        page.wait_for_timeout(300)


# --------------------------------------------------------------------------------------------- controls

def every_control_drives_an_output(g, page, lab_id: str) -> None:
    """Move every visible slider and dropdown by keyboard: each must change an output outside its own cell,
    without any error."""
    ctrls = pagekit.controls(page)
    assert ctrls, f"{lab_id}: no slider or dropdown found"
    moved = []
    for kind, loc in ctrls:
        if not loc.is_visible():
            continue
        cell = pagekit.cell_of(loc)
        before_sig = pagekit.signature(page, cell)
        before, after = pagekit.move_by_keyboard(kind, loc)
        assert before != after, f"{lab_id}: the {kind} {before!r} did not move with the keyboard"
        try:
            pagekit.wait_changed(page, before_sig, cell)
        except TimeoutError:
            pytest.fail(f"{lab_id}: moving the {kind} ({before} → {after}) changed no output")
        moved.append((kind, before, after))
        st = pagekit.state(page)
        assert not st["errors"], f"{lab_id}: error after moving a {kind} ({before} → {after}): {st['errors']}"
    assert moved, f"{lab_id}: no visible slider or dropdown"
    pagekit.wait_interactive(page)
    assert_no_errors(g, page, lab_id, f"after moving {len(moved)} controls")


# --------------------------------------------------------------------------------------------- feedback

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


def feedback_in_view_after_check(page, lab_id: str) -> None:
    """Answer Q1 (a choice, or "3 kg") and click its Check: the feedback under it, in an aria-live region, is
    inside the viewport right away."""
    box = interactions.answer_box(page, 1)
    box.scroll_into_view_if_needed()
    old = (page.evaluate(_FEEDBACK_JS, 1) or {}).get("text")
    if box.evaluate("e => e.tagName") == "SELECT":
        box.select_option(index=2 if box.evaluate("e => e.selectedIndex") == 1 else 1)
    else:
        box.fill("3 kg")
    btn = interactions.check_button(page, 1)
    btn.scroll_into_view_if_needed()
    btn.click()
    deadline = time.monotonic() + 60
    fb = None
    while time.monotonic() < deadline:
        fb = page.evaluate(_FEEDBACK_JS, 1)
        if fb and fb["text"] != old and re.search(r"Q1 (✅|❌)", fb["text"]):
            break
        time.sleep(0.1)
    assert fb and fb["text"] != old and re.search(r"Q1 (✅|❌)", fb["text"]), (
        f"{lab_id}: no new feedback under Q1's Check: {fb}")
    assert fb["live"] == "polite"
    assert 0 <= fb["top"] and fb["bottom"] <= fb["vh"], f"{lab_id}: feedback outside the viewport: {fb}"


# --------------------------------------------------------------------------------------------- reload

def _visible_controls(page):
    """Visible sliders, then dropdowns, in page order (the same order after a reload)."""
    return [(k, c) for k, c in pagekit.controls(page) if c.is_visible()]


def _stored_entry(page, lab_id: str) -> dict:
    """The lab's entry in the page's progress store (IndexedDB) now ({} when there is none)."""
    doc = json.loads(interactions.read_store(page) or "null") or {}
    return next((e for e in (doc.get("entries") or {}).values() if e.get("lab") == lab_id), None) or {}


def _wait_saved(page, lab_id: str, cond, what: str, timeout_s: float = 30.0) -> dict:
    """The lab's entry in the page's progress store (IndexedDB) once ``cond(entry)`` holds."""
    deadline = time.monotonic() + timeout_s
    entry: dict = {}
    while time.monotonic() < deadline:
        entry = _stored_entry(page, lab_id)
        if cond(entry):
            return entry
        time.sleep(0.2)
    raise AssertionError(f"{lab_id}: {what} never reached the progress store in {timeout_s:g} s: {entry}")


def reload_restores_prediction_and_controls(g, page, lab_id: str) -> None:
    """Change the prediction to the last choice, move two controls by keyboard, reload: the prediction and both
    controls come back where the student left them."""
    radios = page.get_by_role("radio")
    last = radios.nth(radios.count() - 1)
    last.scroll_into_view_if_needed()
    last.click()
    pagekit.wait_interactive(page)
    chosen = last.evaluate("e => e.value || e.getAttribute('value')")
    saved = _wait_saved(page, lab_id, lambda e: (e.get("prediction") or {}).get("choice") == chosen,
                        f"the prediction {chosen!r}")
    ctrls = _visible_controls(page)[:2]
    assert len(ctrls) == 2, f"{lab_id}: fewer than two controls"
    moved = []
    for kind, loc in ctrls:
        before, after = pagekit.move_by_keyboard(kind, loc)
        assert before != after, f"{lab_id}: a {kind} did not move"
        pagekit.wait_interactive(page)
        moved.append(after)
    start = dict(saved.get("controls") or {})
    # the last cell saves after the outputs render: wait until both moves are in the store, however slow
    _wait_saved(page, lab_id, lambda e: sum((e.get("controls") or {}).get(k) != v for k, v in start.items()) >= 2,
                "both moved controls")
    stored = _stored_entry(page, lab_id)
    page.reload()
    pagekit.wait_interactive(page)
    checked = page.locator("[role=radio][aria-checked=true], input[type=radio]:checked")
    try:  # the restored radio is drawn by the kernel's first run: bounded, named wait
        checked.first.wait_for(state="attached", timeout=10_000)
    except Exception:  # noqa: BLE001 — reported below with what the store held before and after the reload
        pass
    assert checked.count() == 1, (
        f"{lab_id}: prediction lost after the reload ({checked.count()} radios checked); the store held "
        f"{stored.get('prediction')} before and {_stored_entry(page, lab_id)} after; "
        f"page: {pagekit.state(page)}")
    assert checked.first.evaluate("e => e.value || e.getAttribute('value')") == chosen
    now = [pagekit._value(kind, loc) for kind, loc in _visible_controls(page)[:2]]
    assert now == moved, f"{lab_id}: controls came back at {now}, were moved to {moved}"
    assert_no_errors(g, page, lab_id, "after the reload")
