"""Accessibility and layout probes for lab pages (axe-core, page width, slider and chart text).

axe-core is pinned in ``requirements/browser.txt`` (kind ``npm``, test only: it is injected into pages by the
tests and never shipped); its tarball is fetched once with ``npm pack`` into the build cache
(``$MLSYS_WASM_CACHE/npm``), like the Pyodide core.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from functools import lru_cache
from pathlib import Path

from wasm_build.fetch import cache_dir
from wasm_build.versions import BY_NAME

AXE_PIN = BY_NAME["axe-core"]
# WCAG 2.0/2.1/2.2 A and AA rules (axe's tag names)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("critical", "serious")


@lru_cache(maxsize=1)
def axe_source() -> str:
    """The pinned ``axe.min.js`` (fetched with ``npm pack`` on first use, then read from the cache)."""
    d = cache_dir() / "npm"
    d.mkdir(parents=True, exist_ok=True)
    tgz = d / f"axe-core-{AXE_PIN.version}.tgz"
    if not tgz.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"axe-core@{AXE_PIN.version} is not cached in {d} and npm is not installed")
        subprocess.run([npm, "pack", f"axe-core@{AXE_PIN.version}", "--pack-destination", str(d)],
                       check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    with tarfile.open(tgz) as tf:
        src = tf.extractfile("package/axe.min.js").read().decode("utf-8")
    assert f"axe v{AXE_PIN.version}" in src[:200] or AXE_PIN.version in src[:400], "unexpected axe-core tarball"
    return src


_RUN_AXE_JS = """
async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: JSON.stringify(n.target), html: n.html.slice(0, 200),
                                           summary: (n.failureSummary || '').slice(0, 300)})),
    count: v.nodes.length}));
}
"""


def run_axe(page, tags: list[str] | None = None) -> list[dict]:
    """axe-core's WCAG A/AA violations on the page as it is now (shadow roots included)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate(_RUN_AXE_JS, tags or AXE_TAGS)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"- [{v['impact']}] {v['id']} ×{v['count']}: {v['help']}; e.g. {v['nodes'][:2]}"
                     for v in violations)


_WIDTH_JS = """
() => {
  const de = document.documentElement;
  const wide = [];
  const vw = de.clientWidth;
  function walk(root) {
    for (const el of root.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 1) {
        // an element inside a box that scrolls on its own does not widen the page
        let p = el.parentElement, clipped = false;
        while (p) { const s = getComputedStyle(p);
          if (/(auto|scroll|hidden|clip)/.test(s.overflowX) && p.getBoundingClientRect().right <= vw + 1) { clipped = true; break; }
          p = p.parentElement || (p.getRootNode && p.getRootNode().host) || null; }
        if (!clipped) wide.push((el.tagName + '.' + (el.className && el.className.baseVal === undefined ? el.className : '')).slice(0, 80) + ' right=' + Math.round(r.right));
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  }
  walk(document);
  return {scrollWidth: Math.max(de.scrollWidth, document.body.scrollWidth), clientWidth: vw, wide: wide.slice(0, 8)};
}
"""


def page_width(page) -> dict:
    """The page's scroll width against the viewport, and a few elements sticking out on the right."""
    return page.evaluate(_WIDTH_JS)


_SLIDERS_JS = """
() => {
  const out = [];
  function walk(root) {
    for (const el of root.querySelectorAll('[role=slider]')) {
      const r = el.getBoundingClientRect();
      const box = el.getRootNode().querySelector('input');
      out.push({valuetext: el.getAttribute('aria-valuetext'), now: el.getAttribute('aria-valuenow'),
                label: el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'), visible: r.width > 0,
                box: box ? (box.getAttribute('aria-label') || '') : null});
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  }
  walk(document);
  return out;
}
"""


def sliders(page) -> list[dict]:
    return page.evaluate(_SLIDERS_JS)


_CHARTS_JS = """
() => {
  const out = [];
  function walk(root) {
    for (const e of root.querySelectorAll('.vega-embed')) {
      const g = e.querySelector('[role=graphics-document], [role=img], [role=figure]');
      out.push({label: g ? (g.getAttribute('aria-label') || '').trim() : '', hasCanvas: !!e.querySelector('canvas, svg')});
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  }
  walk(document);
  return out;
}
"""


def charts(page) -> list[dict]:
    """Every rendered chart with the text alternative a screen reader gets for it."""
    return page.evaluate(_CHARTS_JS)


_TRACKS_JS = """
() => {
  const out = [];
  function walk(root) {
    for (const el of root.querySelectorAll('[data-testid=track]')) { const r = el.getBoundingClientRect(); if (r.height > 0) out.push(Math.round(r.width)); }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  }
  walk(document);
  return out;
}
"""


def slider_tracks(page) -> list[int]:
    """Width in px of every visible slider track (a usable slider keeps some room to move)."""
    return page.evaluate(_TRACKS_JS)


# The notebook's "…" menu is marimo's only floating chrome left (the badge is hidden): at each of five scroll
# positions of the page's scroll box, the cells whose box it covers.
_CHROME_OVER_JS = """
async () => {
  const menu = document.querySelector('[data-testid="notebook-actions-dropdown"]');
  if (!menu) return {menu: false, covered: []};
  const box = menu.closest('.overflow-y-auto') || document.scrollingElement;
  const start = box.scrollTop, covered = new Set();
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    box.scrollTop = f * (box.scrollHeight - box.clientHeight);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const m = menu.getBoundingClientRect();
    if (m.width === 0) continue;
    for (const c of document.querySelectorAll('.marimo-cell[data-cell-id]')) {
      const r = c.getBoundingClientRect();
      if (r.height > 0 && r.left < m.right && m.left < r.right && r.top < m.bottom && m.top < r.bottom)
        covered.add(`${c.dataset.cellId} at ${Math.round(f * 100)}% scrolled`);
    }
  }
  box.scrollTop = start;
  return {menu: true, covered: [...covered]};
}
"""


def chrome_over_cells(page) -> list[str]:
    """Cells (with the scroll position) that marimo's fixed notebook menu button lies over."""
    return page.evaluate(_CHROME_OVER_JS)["covered"]
