"""Helpers to drive a marimo lab page in Playwright (shared by tests/browser and bench/browser_bench.py).

marimo renders widgets inside shadow roots: the JS below walks them. A published cell is a
``.marimo-cell`` element with ``data-cell-id``; an errored one also has class ``has-error``.
"""

from __future__ import annotations

import time

DEFAULT_TIMEOUT_S = 180.0

# Text of every cell (or every cell but `skip`), walking shadow roots; canvases by a short digest,
# svg by its markup length, form values included. Used to see that an output changed.
_SIGNATURE_JS = """
([skip]) => {
  const parts = [];
  function walk(node) {
    if (node.nodeType === Node.TEXT_NODE) { const t = node.textContent.trim(); if (t) parts.push(t); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.tagName === 'CANVAS') {
      try { const d = node.toDataURL(); let h = 0; for (let i = 0; i < d.length; i += 97) h = (h * 31 + d.charCodeAt(i)) | 0; parts.push('canvas:' + h); } catch (e) {}
    }
    if (node.tagName === 'path' && node.getAttribute('d')) parts.push('d:' + node.getAttribute('d').length + node.getAttribute('d').slice(0, 40));
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const c of node.childNodes) walk(c);
  }
  for (const cell of document.querySelectorAll('.marimo-cell[data-cell-id]')) {
    if (skip && cell.dataset.cellId === skip) continue;
    walk(cell);
  }
  return parts.join('\\n');
}
"""

_CELL_OF_JS = """
(el) => { let e = el; while (e && !(e.classList && e.classList.contains('marimo-cell'))) e = e.parentNode || e.host; return e ? e.dataset.cellId : null; }
"""

_STATE_JS = """
() => {
  const text = document.body ? document.body.innerText : '';
  return {
    loading: /Loading marimo|Loading notebook|Initializing/.test(text),
    cells: document.querySelectorAll('.marimo-cell[data-cell-id]').length,
    errors: Array.from(document.querySelectorAll('.marimo-cell.has-error')).map(c => c.innerText.slice(0, 500)),
  };
}
"""


def state(page) -> dict:
    return page.evaluate(_STATE_JS)


def signature(page, skip_cell: str | None = None) -> str:
    return page.evaluate(_SIGNATURE_JS, [skip_cell])


_READY_JS = """
() => {
  const conn = document.querySelector('[data-connection-state]');
  return !!conn && conn.dataset.connectionState === 'OPEN' &&
    !document.documentElement.hasAttribute('data-mlsys-booting') &&
    document.querySelectorAll('.marimo-cell[data-cell-id]').length > 0 &&
    !/Loading marimo|Loading notebook|^\\s*Loading…/.test(document.body.innerText);
}
"""


# Is any narrative text *on screen*: a heading, paragraph (marimo's markdown: span.paragraph), list item or
# preformatted block in the viewport, neither transparent nor hidden (checkVisibility walks the ancestors:
# marimo's `invisible` class, a transparent #root). A DOM that holds text the student cannot see is blank.
VISIBLE_TEXT_JS = """
() => {
  const h = window.innerHeight;
  for (const e of document.querySelectorAll('h1, h2, h3, h4, p, li, pre, .paragraph')) {
    if (!e.textContent.trim()) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.bottom <= 0 || r.top >= h) continue;
    if (e.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return true;
  }
  return false;
}
"""

# From the document's first moment until the boot is over (site/boot-status.js sets __mlsysBootDone), every
# 50 ms: when text was first on screen (__firstText, ms since navigation) and, after that, how long the page
# showed none (__blankMs in total, __longestBlankMs at a stretch) — a flash while marimo takes over.
BLANK_TRACE_JS = """
(() => {
  const visible = %s;
  let first = null, last = null, run = 0;
  window.__blankMs = 0; window.__longestBlankMs = 0;
  const tick = () => {
    const now = performance.now(), seen = visible();
    if (seen && first === null) window.__firstText = first = now;
    if (first !== null && last !== null && !seen) {
      window.__blankMs += now - last; run += now - last;
      window.__longestBlankMs = Math.max(window.__longestBlankMs, run);
    } else if (seen) run = 0;
    last = now;
    if (!window.__mlsysBootDone) setTimeout(tick, 50);
  };
  tick();
})();
""" % VISIBLE_TEXT_JS.strip()


def blank_trace(page) -> dict:
    """What BLANK_TRACE_JS (an init script) saw: first text on screen and the blank time after it, in s."""
    r = page.evaluate("() => [window.__firstText ?? null, window.__blankMs ?? null, window.__longestBlankMs ?? null]")
    sec = lambda ms: round(ms / 1000, 2) if ms is not None else None  # noqa: E731
    return {"first_text_s": sec(r[0]), "blank_s": sec(r[1]), "longest_blank_s": sec(r[2])}


def watchdog_acts(page) -> int:
    """Steps the blank-page watchdog (site/register.js) has taken in this tab: reloads, restarts without the
    service worker, giving up. Kept in ``sessionStorage``, so it survives the reloads it counts."""
    return int(page.evaluate("() => sessionStorage.getItem('mlsys-watchdog-acts') || '0'"))


def wait_interactive(page, timeout_s: float = DEFAULT_TIMEOUT_S, settle_s: float = 1.5) -> float:
    """Wait until the kernel is connected, the cells show outputs (marimo first shows the cells empty, then
    a "Loading…" screen, then the outputs) and the outputs stopped changing for ``settle_s``. If the page
    reloads itself meanwhile (the blank-page watchdog), waits for the new document within the same deadline.
    Returns the time (monotonic) at which the outputs became stable."""
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        try:
            ready = page.evaluate(_READY_JS)
            sig = signature(page) if ready else ""
        except Exception as e:  # noqa: BLE001 — the page navigated: register.js reloads a page still blank 15 s
            if "context was destroyed" not in str(e) and "navigat" not in str(e):  # after `load` (a net, counted
                raise  # by the reload-stress test and the benchmark): wait for the new document
            page.wait_for_load_state(timeout=max(1.0, deadline - time.monotonic()) * 1000)
            last = None
            continue
        now = time.monotonic()
        if not sig:
            last = None
        elif sig != last:
            last, since = sig, now
        elif now - since >= settle_s:
            return since
        time.sleep(0.1)
    raise TimeoutError(f"lab never became interactive: {state(page)}")


def controls(page) -> list:
    """Sliders and dropdowns (native selects), in page order."""
    sliders = page.locator("[role=slider]").all()
    selects = page.locator("select").all()
    return [("slider", s) for s in sliders] + [("select", s) for s in selects]


def cell_of(handle) -> str | None:
    return handle.evaluate(_CELL_OF_JS)


def _value(kind: str, loc) -> str:
    if kind == "slider":
        return loc.get_attribute("aria-valuenow") or ""
    return loc.evaluate("e => e.value")


def move_by_keyboard(kind: str, loc) -> tuple[str, str]:
    """Focus the control and press one arrow key (the other way if it is at its end). Returns (before, after)."""
    loc.scroll_into_view_if_needed()
    loc.focus()
    before = _value(kind, loc)
    keys = ("ArrowRight", "ArrowLeft") if kind == "slider" else ("ArrowDown", "ArrowUp")
    for key in keys:
        loc.press(key)
        after = _value(kind, loc)
        if after != before:
            return before, after
    return before, _value(kind, loc)


def wait_changed(page, old: str, skip_cell: str | None, timeout_s: float = 20.0) -> tuple[float, str]:
    """Poll until the outputs (other than the control's own cell) differ from ``old``; then until they settle.
    Returns (seconds until the first change, final signature)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        sig = signature(page, skip_cell)
        if sig != old:
            first = time.monotonic() - t0
            last, since = sig, time.monotonic()
            while time.monotonic() - since < 0.4 and time.monotonic() - t0 < timeout_s:
                time.sleep(0.05)
                s2 = signature(page, skip_cell)
                if s2 != last:
                    last, since = s2, time.monotonic()
            return first, last
        time.sleep(0.02)
    raise TimeoutError("no dependent output changed")
