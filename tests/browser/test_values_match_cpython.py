"""Every lab, in Chromium (network cut): after the prediction and one keyboard move of a slider, every metric
card the page shows equals what the same notebook shows when run natively in CPython with mlsysim_core for
the same prediction and control value (tests/browser/native_lab.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import pagekit

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(p.stem for p in (ROOT / "labs").glob("*.py") if not p.name.startswith("_"))

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


def _page_stats(page) -> list[list[str]]:
    return [[json.loads(a or '""'), json.loads(b or '""')] for a, b in page.evaluate(_STATS_JS)]


@pytest.mark.parametrize("lab_id", LABS)
def test_metric_cards_equal_cpython(lab_id, guarded, server):
    g = guarded(server.url)
    page = g.new_page()
    page.goto(server.url + f"labs/{lab_id}.html")
    pagekit.wait_interactive(page)

    radio = page.get_by_role("radio").first
    prediction = radio.get_attribute("value")
    radio.scroll_into_view_if_needed()
    radio.click()
    pagekit.wait_interactive(page, settle_s=1.0)

    slider = next(s for s in page.locator("[role=slider]").all() if s.is_visible())
    label = json.loads(slider.evaluate(_LABEL_JS))
    cell = pagekit.cell_of(slider)
    before_sig = pagekit.signature(page, cell)
    before, after = pagekit.move_by_keyboard("slider", slider)
    assert before != after, f"{lab_id}: the slider did not move"
    pagekit.wait_changed(page, before_sig, cell)
    pagekit.wait_interactive(page, settle_s=1.0)
    shown = _page_stats(page)
    assert shown, f"{lab_id}: no metric card shown after the prediction"

    value = json.loads(after)
    proc = subprocess.run([sys.executable, str(Path(__file__).parent / "native_lab.py"), lab_id, prediction or "",
                           label, json.dumps(value)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    native = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(shown) == sorted(native["stats"]), (
        f"{lab_id}: after moving {native['control']} to {value}, the page shows\n{sorted(shown)}\n"
        f"but CPython computes\n{sorted(native['stats'])}")
    assert g.outside == []
