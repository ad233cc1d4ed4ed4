/* Lab pages: a status line while Python starts, and controls held until they can respond.
 *
 * The narrative and first outputs are already on the page (pre-rendered at build time); this says what is
 * still loading and how much of the runtime has arrived (the service worker reports the bytes it served to
 * the page's Python worker). The pre-rendered controls are pictures of the real ones until the kernel has
 * run every cell once: a slider moved before that would be redrawn at its start value by the kernel's first
 * run, so until then the page carries `data-mlsys-booting` and every marimo control is `inert` (not clickable,
 * not focusable; lab-a11y.css dims it). The kernel's first run shows as outputs marked stale/loading by
 * marimo; the page is ready once the kernel is connected and that run is over (or, when no run is seen,
 * QUIET_MS after connecting). Then the status line goes and `window.__mlsysBootDone` holds the time.
 *
 * The pre-rendered preview (#mlsys-preview, painted before any JavaScript) stays on screen until marimo's own
 * view shows at least as many cells with text: marimo clears #root when it mounts, then waits for lazily
 * loaded chunks and keeps its cells invisible for up to 2 s more in run mode, which left the page white for
 * seconds on a slow machine. Until the handover #root is transparent and inert (the page's CSS); at the
 * handover the preview goes, the student's reading position is kept, and `window.__mlsysPreviewGone` holds
 * the time. */
(function () {
  "use strict";
  var QUIET_MS = 4000;
  var RUNNING = ".marimo-output-stale, .marimo-output-loading";
  var root = document.documentElement;
  root.setAttribute("data-mlsys-booting", "");
  var el = document.createElement("div");
  el.id = "mlsys-boot-status";
  el.setAttribute("role", "status");
  el.setAttribute("aria-live", "polite");
  el.style.cssText = "position:fixed;left:0.75rem;bottom:0.75rem;z-index:1000;max-width:min(36rem,90vw);" +
    "padding:0.4rem 0.8rem;border-radius:8px;font:14px/1.4 system-ui,sans-serif;" +
    "background:#0b5cad;color:#fff;box-shadow:0 2px 8px rgba(0,0,0,0.25)";
  var mb = function (b) { return (b / 1e6).toFixed(b < 1e7 ? 1 : 0); };
  var runtime = null;
  var t0 = performance.now();
  var openedAt = null;
  var sawRun = false;

  function connected() {
    var c = document.querySelector("[data-connection-state]");
    return !!c && c.dataset.connectionState === "OPEN" &&
      !/Loading marimo|Loading notebook|Initializing/.test(document.body.innerText);
  }

  function ready(open) {
    var running = !!document.querySelector(RUNNING);
    sawRun = sawRun || running;
    if (!open) return false;
    if (openedAt === null) openedAt = performance.now();
    return !running && (sawRun || performance.now() - openedAt >= QUIET_MS);
  }

  function hold(on) {
    var controls = document.querySelectorAll("marimo-ui-element");
    for (var i = 0; i < controls.length; i++) {
      if (on) controls[i].setAttribute("inert", "");
      else controls[i].removeAttribute("inert");
    }
  }

  var preview = document.getElementById("mlsys-preview");
  var need = -1; // cells of the preview that show text

  function textCells(scope, selector) {
    var cells = scope.querySelectorAll(selector), n = 0;
    for (var i = 0; i < cells.length; i++) if (cells[i].innerText.trim()) n++; // innerText: what is rendered
    return n;
  }

  function handover(force) {
    var app = document.getElementById("root");
    if (!preview || !app) return;
    if (need < 0) need = textCells(preview, ".mlsys-static-cell");
    if (!force && textCells(app, ".marimo-cell") < need) return;
    var anchor = null, top = 0;
    if (window.scrollY > 0) { // the first preview cell with text that starts on screen (else the one across its top)
      var cells = preview.querySelectorAll(".mlsys-static-cell[data-cell-id]");
      for (var i = 0; i < cells.length; i++) {
        var r = cells[i].getBoundingClientRect();
        if (r.top >= window.innerHeight) break;
        if (r.bottom > 0 && !anchor) { anchor = cells[i].getAttribute("data-cell-id"); top = r.top; }
        if (r.top >= 0 && cells[i].innerText.trim()) { anchor = cells[i].getAttribute("data-cell-id"); top = r.top; break; }
      }
    }
    preview.remove();
    preview = null;
    app.removeAttribute("inert");
    var twin = anchor && app.querySelector('.marimo-cell[data-cell-id="' + CSS.escape(anchor) + '"]');
    if (twin) { // the preview scrolls with the window, marimo's view in its own box (#App): scroll that one
      var by = twin.getBoundingClientRect().top - top, box = twin.parentElement;
      while (box && box !== document.body) {
        var oy = getComputedStyle(box).overflowY;
        if ((oy === "auto" || oy === "scroll") && box.scrollHeight > box.clientHeight) break;
        box = box.parentElement;
      }
      if (box && box !== document.body) box.scrollTop += by; else window.scrollBy(0, by);
    }
    window.__mlsysPreviewGone = performance.now();
  }

  function done() {
    handover(true);
    observer.disconnect();
    clearInterval(timer);
    el.remove();
    root.removeAttribute("data-mlsys-booting");
    hold(false);
    window.__mlsysBootDone = performance.now();
  }

  function render() {
    var open = connected(); // reads the page's text (a layout): once per tick
    if (ready(open)) return done();
    handover(false);
    hold(true);
    var secs = Math.round((performance.now() - t0) / 1000);
    var what = open
      ? "Python is running the lab's cells"
      : runtime
        ? "Starting Python in your browser: " + mb(runtime.bytes) + " of at most " + mb(runtime.total) +
          " MB of the runtime loaded (" + runtime.files + " files)"
        : "Starting Python in your browser";
    el.textContent = what + " — you can read on; the controls respond once it is ready (" + secs + " s)";
  }

  // a run can start and end between two ticks: note it as marimo marks outputs
  var observer = new MutationObserver(function (records) {
    for (var i = 0; i < records.length && !sawRun; i++) {
      var r = records[i];
      var nodes = r.type === "attributes" ? [r.target] : r.addedNodes;
      for (var j = 0; j < nodes.length; j++) {
        if (nodes[j].nodeType === 1 && nodes[j].matches(RUNNING)) { sawRun = true; break; }
      }
    }
  });
  observer.observe(root, { attributes: true, attributeFilter: ["class"], childList: true, subtree: true });

  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "runtime-progress") { runtime = e.data; render(); }
    });
  }
  var timer = setInterval(render, 250);
  function mount() { document.body.appendChild(el); render(); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
