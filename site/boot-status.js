/* Lab pages: a status line while Python starts. The narrative and first outputs are already on the page
 * (pre-rendered at build time); this says what is still loading and how much of the runtime has arrived
 * (the service worker reports the bytes it served to the page's Python worker), and disappears once the
 * kernel is connected. */
(function () {
  "use strict";
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

  function connected() {
    var c = document.querySelector("[data-connection-state]");
    return !!c && c.dataset.connectionState === "OPEN" &&
      !/Loading marimo|Loading notebook|Initializing/.test(document.body.innerText);
  }

  function render() {
    if (connected()) {
      el.remove();
      clearInterval(timer);
      window.__mlsysBootDone = performance.now();
      return;
    }
    var secs = Math.round((performance.now() - t0) / 1000);
    var what = runtime
      ? "Starting Python in your browser: " + mb(runtime.bytes) + " of at most " + mb(runtime.total) +
        " MB of the runtime loaded (" + runtime.files + " files)"
      : "Starting Python in your browser";
    el.textContent = what + " — you can read on; the controls respond once it is ready (" + secs + " s)";
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "runtime-progress") { runtime = e.data; render(); }
    });
  }
  var timer = setInterval(render, 500);
  function mount() { document.body.appendChild(el); render(); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
