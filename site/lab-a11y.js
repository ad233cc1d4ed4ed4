// Included by every lab page (wasm_build/labs.py:patch_page). marimo renders its widgets in shadow roots
// and has no option for the fixes below, so this script applies them as the page renders:
//  - sliders announce their real value with its unit (aria-valuetext), not the index of a step, and show
//    that value next to their label in readable type;
//  - icon-only buttons get a name (the notebook's "…" menu, each chart's actions menu);
//  - focus rings and readable value text inside shadow roots (page CSS does not reach them).
(() => {
  "use strict";

  const SHADOW_CSS = `
    :focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important; }
    [role=slider] { width: 1.25rem !important; height: 1.25rem !important; }
    [role=slider]:focus-visible { box-shadow: 0 0 0 2px #fff; }
    .mlsys-slider-value { order: -1; min-width: 5ch !important; white-space: nowrap; font-size: 0.9rem !important;
                          font-weight: 600; color: #1f2937 !important; }
    .mlsys-slider-value::after { content: attr(data-unit); font-weight: 400; }
    .mlsys-slider-row { flex-wrap: wrap; row-gap: 0.25rem; }
    .mlsys-slider-row > span[dir] { flex: 1 1 9rem; min-width: 9rem; }
    .mo-label { min-width: 0; max-width: 100%; }
    select, input { max-width: 100%; }
  `;
  const styled = new WeakSet();
  const observed = new WeakSet();

  function styleRoot(root) {
    if (styled.has(root)) return;
    styled.add(root);
    const s = document.createElement("style");
    s.setAttribute("data-mlsys-a11y", "");
    s.textContent = SHADOW_CSS;
    root.appendChild(s);
  }

  function textOf(html) {
    const d = document.createElement("div");
    d.innerHTML = html || "";
    return (d.textContent || "").replace(/\s+/g, " ").trim();
  }

  // "Batch size (tokens)" → "tokens"; a label without a trailing "(unit)" has no unit.
  function unitOf(label) {
    const m = /\(([^()]+)\)\s*$/.exec(label);
    return m ? m[1].trim() : "";
  }

  function numberText(v) {
    const n = Number(v);
    if (!Number.isFinite(n)) return String(v);
    return n.toLocaleString("en-US", { maximumSignificantDigits: 6 });
  }

  function fixSlider(host) {
    const root = host.shadowRoot;
    if (!root) return;
    const thumb = root.querySelector("[role=slider]");
    if (!thumb) return;
    let steps = null;
    try { steps = host.dataset.steps ? JSON.parse(host.dataset.steps) : null; } catch (e) { steps = null; }
    if (Array.isArray(steps) && steps.length === 0) steps = null;
    const label = textOf(host.dataset.label ? JSON.parse(host.dataset.label) : "");
    const unit = unitOf(label);
    const now = thumb.getAttribute("aria-valuenow");
    const value = steps ? steps[Math.max(0, Math.min(steps.length - 1, Number(now)))] : Number(now);
    const text = numberText(value) + (unit ? " " + unit : "");
    if (thumb.getAttribute("aria-valuetext") !== text) thumb.setAttribute("aria-valuetext", text);
    // the typed-number box beside it: marimo names it with the label's raw HTML ("<span class=…")
    const box = root.querySelector("input");
    if (box) {
      const name = label + (steps ? ": type a value (it moves to a step)" : ": type a value");
      if (box.getAttribute("aria-label") !== name) box.setAttribute("aria-label", name);
    }
    // the value display marimo draws at the far end of the track: show it first, with its unit
    const track = root.querySelector("[data-testid=track]");
    const row = track && track.closest("div.flex");
    if (row) {
      row.classList.add("mlsys-slider-row");
      for (const el of row.children) {
        if (el.tagName === "DIV" && !el.querySelector("input") && /text-xs/.test(el.className)) {
          el.classList.add("mlsys-slider-value");
          const u = unit ? " " + unit : "";
          if (el.getAttribute("data-unit") !== u) el.setAttribute("data-unit", u);
        }
      }
    }
    if (!observed.has(thumb)) {
      observed.add(thumb);
      new MutationObserver(() => fixSlider(host)).observe(thumb, { attributes: true, attributeFilter: ["aria-valuenow"] });
    }
  }

  function nameButtons(root) {
    for (const b of root.querySelectorAll('[data-testid="notebook-actions-dropdown"] button[aria-haspopup]')) {
      if (!b.getAttribute("aria-label")) b.setAttribute("aria-label", "Notebook menu");
    }
    for (const s of root.querySelectorAll(".vega-embed details > summary")) {
      if (!s.getAttribute("aria-label")) s.setAttribute("aria-label", "Chart actions: save as SVG or PNG, view source");
    }
    for (const b of root.querySelectorAll("button")) {
      if (b.getAttribute("aria-label") || b.getAttribute("title") || (b.textContent || "").trim()) continue;
      const tip = b.getAttribute("data-tooltip") || b.getAttribute("data-testid");
      if (tip) b.setAttribute("aria-label", tip.replace(/[-_]/g, " "));
    }
  }

  function visit(root) {
    nameButtons(root);
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "MARIMO-SLIDER" || el.tagName === "MARIMO-RANGE-SLIDER") fixSlider(el);
      if (el.shadowRoot) {
        styleRoot(el.shadowRoot);
        watch(el.shadowRoot);
        visit(el.shadowRoot);
      }
    }
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; visit(document); });
  }

  const watched = new WeakSet();
  function watch(root) {
    if (watched.has(root)) return;
    watched.add(root);
    new MutationObserver(schedule).observe(root, { childList: true, subtree: true });
  }

  function start() { watch(document.documentElement); schedule(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
