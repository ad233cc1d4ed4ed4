"""Drive a lab's student-facing parts in Playwright: prediction, student id, graded questions, feedback,
the download button and the IndexedDB progress record. Used by test_lab_interactions.py.

Selectors follow ``mlsys_labs.ui``: the student id is a text box labelled "Student ID …"; question ``n``
is a form whose box is labelled "Q{n} answer …" (a native select for choice questions) with a
"Check Q{n}" button; ``ui.grade`` renders one feedback line per question,
``Q{n} <answer> — ✅ right: <message>`` / ``— ❌ not yet: <message>``, then the download button.

marimo logs every kernel message on the page's console (``[rpc] Worker -> Parent {…}``) with the
payload as an object; :data:`CONSOLE_CAPTURE_JS` (an init script) keeps a JSON copy of every console
call so :func:`kernel_errors` can find error outputs (``"type": "exception"`` …) and tracebacks.
"""

from __future__ import annotations

import json
import re
import time

# Store names from mlsys_labs.store (asserted equal in the tests, so a rename fails loudly).
IDB_NAME, IDB_STORE, IDB_KEY = "mlsys_labs", "progress", "state"

CONSOLE_CAPTURE_JS = r"""
(() => {
  if (window.__qaConsole) return;
  const store = (window.__qaConsole = []);
  for (const level of ['debug', 'log', 'info', 'warn', 'error']) {
    const orig = console[level].bind(console);
    console[level] = function (...args) {
      try {
        store.push(level + ' ' + args.map(a => {
          if (typeof a === 'string') return a;
          try { return JSON.stringify(a); } catch (e) { return String(a); }
        }).join(' '));
      } catch (e) {}
      return orig(...args);
    };
  }
  window.addEventListener('error', e => store.push('uncaught ' + (e.message || '') + ' ' + ((e.error && e.error.stack) || '')));
  window.addEventListener('unhandledrejection', e => store.push('unhandledrejection ' + String(e.reason && (e.reason.stack || e.reason))));
})();
"""

# marimo error output types that mean a cell is broken (not "ancestor-stopped" from mo.stop).
BAD_ERROR_TYPES = {"exception", "strict-exception", "internal", "syntax", "cycle", "multiple-defs",
                   "import-star", "delete-nonlocal", "unknown"}
_TEXT_MARKERS = ("Traceback (most recent call last)", "ModuleNotFoundError", '"type":"exception"',
                 '"type": "exception"')


def console_lines(page) -> list[str]:
    return page.evaluate("() => (window.__qaConsole || []).slice()")


def _walk_errors(obj, out: list) -> None:
    if isinstance(obj, dict):
        if obj.get("mimetype") == "application/vnd.marimo+error":
            for e in obj.get("data") or []:
                if isinstance(e, dict) and e.get("type") in BAD_ERROR_TYPES:
                    out.append(json.dumps(e)[:1500])
        if obj.get("channel") in ("stderr", "marimo-error") and isinstance(obj.get("data"), str):
            if any(m in obj["data"] for m in ("Traceback", "Error")):
                out.append(obj["data"][:1500])
        for v in obj.values():
            _walk_errors(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _walk_errors(v, out)


def kernel_errors(lines: list[str]) -> tuple[list[str], int]:
    """(error payloads/tracebacks found in captured console lines, number of kernel messages seen)."""
    found, seen = [], 0
    for line in lines:
        if "kernelMessage" in line:
            seen += 1
            i = line.find("{")
            try:
                outer = json.loads(line[i:])
                msg = outer.get("payload", {}).get("message")
                inner = json.loads(msg) if isinstance(msg, str) else msg
            except (ValueError, AttributeError):
                inner = None
            if inner is not None:
                _walk_errors(inner, found)
                continue
        unescaped = line.replace('\\"', '"')
        if any(m in unescaped for m in _TEXT_MARKERS):
            found.append(line[:1500])
    return found, seen


# --------------------------------------------------------------------------------------------- page

def body_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


_ALL_TEXT_JS = """
() => {
  const parts = [];
  function walk(node) {
    if (node.nodeType === Node.TEXT_NODE) { const t = node.textContent.trim(); if (t) parts.push(t); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.tagName === 'SCRIPT' || node.tagName === 'STYLE') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const c of node.childNodes) walk(c);
  }
  walk(document.body);
  return parts.join('\\n');
}
"""


def all_text(page) -> str:
    """Every text node of the page, shadow roots included (callouts and widget labels live in shadow DOM,
    which ``innerText`` does not show); one text node per line."""
    return page.evaluate(_ALL_TEXT_JS)


def chart_count(page) -> int:
    """Rendered vega-embed charts (a canvas or svg inside .vega-embed, shadow roots walked)."""
    return page.evaluate("""() => {
      let n = 0;
      function walk(root) {
        for (const e of root.querySelectorAll('.vega-embed')) {
          if (e.querySelector('canvas, svg.marks, svg')) n++;
        }
        for (const e of root.querySelectorAll('*')) if (e.shadowRoot) walk(e.shadowRoot);
      }
      walk(document);
      return n;
    }""")


def choose_prediction(page) -> None:
    radio = page.get_by_role("radio").first
    radio.scroll_into_view_if_needed()
    radio.click()


def student_box(page):
    return page.get_by_label(re.compile(r"^\s*Student ID"))


def set_student(page, sid: str) -> None:
    box = student_box(page)
    box.scroll_into_view_if_needed()
    box.fill(sid)
    box.press("Enter")


def answer_box(page, n: int):
    return page.get_by_label(re.compile(rf"^\s*Q{n} answer"))


def check_button(page, n: int):
    return page.get_by_role("button", name=f"Check Q{n}", exact=True)


def wait_questions(page, count: int, timeout_s: float = 120) -> None:
    """Until the Check buttons of all ``count`` questions are shown."""
    check_button(page, count).wait_for(state="attached", timeout=timeout_s * 1000)


def fill_answer(page, n: int, text: str, *, choice: bool = False) -> None:
    box = answer_box(page, n)
    box.scroll_into_view_if_needed()
    if choice:
        box.select_option(label=text)
    else:
        box.fill(text)
    check_button(page, n).click()


def feedback_line(page, n: int) -> str | None:
    """Question ``n``'s line in the feedback list (``Q1 <answer> — ✅ right: …`` or ``Q1 — not answered yet``);
    the prompt ("Q1. …") and the box label ("Q1 answer …") never match."""
    pat = re.compile(rf"^\s*Q{n} (— not answered|.* — (✅ right|❌ not yet): )")
    for line in body_text(page).splitlines():
        if pat.match(line):
            return line.strip()
    return None


def wait_feedback(page, n: int, answer: str, timeout_s: float = 60) -> str:
    """Wait for question ``n``'s feedback line about ``answer``; returns it."""
    deadline = time.monotonic() + timeout_s
    want = f"Q{n} {answer} —"
    while time.monotonic() < deadline:
        line = feedback_line(page, n)
        if line and line.startswith(want):
            return line
        time.sleep(0.1)
    raise TimeoutError(f"no feedback for Q{n} = {answer!r}; last line: {feedback_line(page, n)!r}")


def answer_and_check(page, n: int, text: str, *, choice: bool = False, timeout_s: float = 60) -> str:
    fill_answer(page, n, text, choice=choice)
    return wait_feedback(page, n, text, timeout_s)


def download_submission(page, timeout_s: float = 60, label: str = "Download submission") -> tuple[str, bytes]:
    """Click the download button named ``label``; returns (suggested filename, bytes)."""
    btn = page.get_by_role("button", name=re.compile(re.escape(label)))
    if btn.count() == 0:
        btn = page.get_by_text(label)
    btn = btn.last
    btn.scroll_into_view_if_needed()
    with page.expect_download(timeout=timeout_s * 1000) as info:
        btn.click()
    d = info.value
    path = d.path()
    return d.suggested_filename, open(path, "rb").read()


# --------------------------------------------------------------------------------------------- IndexedDB

_IDB_JS = """
([db, store, key, mode, value]) => new Promise((resolve, reject) => {
  const req = indexedDB.open(db, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(store);
  req.onerror = () => reject(String(req.error));
  req.onsuccess = () => {
    const d = req.result;
    const tx = d.transaction(store, mode);
    const st = tx.objectStore(store);
    let out = null;
    if (mode === 'readonly') { const r = st.get(key); r.onsuccess = () => { out = r.result === undefined ? null : r.result; }; }
    else { st.put(value, key); out = true; }
    tx.oncomplete = () => { d.close(); resolve(out); };
    tx.onerror = () => { d.close(); reject(String(tx.error)); };
  };
})
"""


def read_store(page):
    return page.evaluate(_IDB_JS, [IDB_NAME, IDB_STORE, IDB_KEY, "readonly", None])


def write_store(page, value) -> None:
    page.evaluate(_IDB_JS, [IDB_NAME, IDB_STORE, IDB_KEY, "readwrite", value])
