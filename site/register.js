/* Registers the site's service worker and hands it the URLs this page loaded before the worker
 * controlled it, so a lab opened once can be reopened offline; URLs the worker could not fetch are sent
 * again with the next message. Sets window.__mlsysOffline when the worker confirms ({build, failed});
 * dispatches "mlsys-offline-ready" on window; window.__mlsysCacheNow()
 * returns a promise resolved when everything loaded so far is cached. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !/^https?:$/.test(location.protocol)) return;
  var root = new URL(".", document.currentScript.src).href;
  var isLab = !!document.querySelector("marimo-wasm");
  /* the lab's page path relative to the site root (labs/<id>.html): the worker keeps a record per lab */
  var labPage = isLab ? location.href.split(/[?#]/)[0].slice(root.length) : null;
  var runtimeAsked = false;
  /* keep every resource entry (the default buffer holds 250; a lab loads about 600 files) */
  if (performance.setResourceTimingBufferSize) performance.setResourceTimingBufferSize(10000);
  var sent = new Set();
  var worker = null;
  var RETRY_MS = 5000;
  var START_MS = 15000;
  var timer = null;

  function urls() {
    var out = [location.href.split("#")[0]];
    performance.getEntriesByType("resource").forEach(function (e) { out.push(e.name); });
    return out.filter(function (u) { return u.indexOf(root) === 0 && !sent.has(u); });
  }

  /* The rest of the Python runtime (every package of the site, most of which this lab never imports) is
     cached once the lab is interactive (boot-status.js sets window.__mlsysBootDone): asked for earlier, its
     megabytes shared the link with the packages the kernel was waiting for. */
  function labInteractive() {
    return typeof window.__mlsysBootDone === "number";
  }

  function post(to, force) {
    var list = urls();
    var runtime = isLab && !runtimeAsked && labInteractive();
    if (!to || (!list.length && !force && !runtime)) return;
    if (runtime) runtimeAsked = true;
    list.forEach(function (u) { sent.add(u); });
    to.postMessage({ type: "cache", urls: list, runtime: runtime, lab: labPage });
  }

  /* Watchdog: marimo mounts its app into #root (showing "Loading…") as soon as its module has run, well before
     Python starts. A reloaded lab page used to stay blank about once in 50–100 reloads: document complete, no
     error, its whole module graph fetched through the service worker's fetch handler and never evaluated
     (a Chromium stall; README, "Reload stress"). The worker's static routes now send marimo's chunks around
     the handler; this stays as a net (browsers without static routes) and counts its steps. Step 1 reloads
     once. A page still blank after that (the reload is sometimes blank as well) is restarted without the
     service worker: it is unregistered (when online; the cached files stay in Cache Storage) and the page
     reloads from the network, then registers it again. Each step at most once per page until it has started
     again (its marks are cleared as soon as a page mounts).
     A page that neither step started says so, with a button that reloads it (role=alert). */
  if (isLab) {
    var key = "mlsys-restarted:" + location.pathname;
    var key2 = "mlsys-restarted-without-worker:" + location.pathname;
    /* every step the watchdog takes, counted for this tab (never cleared): the benchmark and the reload
       stress test read it, so a blank start the watchdog covered up is still counted */
    var acted = function () {
      try {
        sessionStorage.setItem("mlsys-watchdog-acts", String(Number(sessionStorage.getItem("mlsys-watchdog-acts") || 0) + 1));
      } catch (e) { /* storage off: nothing to count in */ }
    };
    /* the pre-rendered static preview (class mlsys-static) is not marimo: its app replaces it on mount */
    var mounted = function () {
      var rootEl = document.getElementById("root");
      return !!rootEl && !!rootEl.querySelector(":scope > :not(.mlsys-static)") &&
        document.body.innerText.trim() !== "";
    };
    /* A page that stopped here: say so in place of the status line (which would still promise a start),
       with a way out (a plain reload). */
    var giveUp = function () {
      var status = document.getElementById("mlsys-boot-status");
      if (status) status.remove();
      var box = document.createElement("div");
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0.75rem;bottom:0.75rem;z-index:1001;max-width:min(36rem,90vw);" +
        "padding:0.6rem 0.9rem;border-radius:8px;font:15px/1.4 system-ui,sans-serif;background:#fff;" +
        "color:#7a1d00;border:2px solid #7a1d00;box-shadow:0 2px 8px rgba(0,0,0,0.25)";
      box.textContent = "The lab did not start. Your saved work is safe in this browser. ";
      var again = document.createElement("button");
      again.type = "button";
      again.textContent = "Reload the lab";
      again.style.cssText = "margin:0.4rem 0 0;display:block;min-height:2.25rem;padding:0.35rem 0.9rem;" +
        "font:inherit;font-weight:600;color:#fff;background:#7a1d00;border:2px solid #7a1d00;border-radius:6px;" +
        "cursor:pointer";
      again.addEventListener("click", function () {
        sessionStorage.removeItem(key); sessionStorage.removeItem(key2); location.reload();
      });
      box.appendChild(again);
      document.body.appendChild(box);
    };
    window.addEventListener("load", function () {
      var since = Date.now();
      /* the marks of an earlier restart are cleared as soon as this page has mounted (a student who reloads
         a started page within START_MS must not carry them into the next blank start) */
      var watch = setInterval(function () {
        if (mounted()) {
          clearInterval(watch);
          sessionStorage.removeItem(key); sessionStorage.removeItem(key2);
          return;
        }
        if (Date.now() - since < START_MS) return;
        clearInterval(watch);
        acted();
        if (!sessionStorage.getItem(key)) {
          sessionStorage.setItem(key, String(Date.now()));
          console.warn("[mlsys] the lab page did not start within " + START_MS / 1000 + " s: reloading once");
          location.reload();
          return;
        }
        var controlled = !!navigator.serviceWorker.controller;
        if (sessionStorage.getItem(key2) || !controlled || navigator.onLine === false) {
          console.warn("[mlsys] the lab page did not start (again)");
          giveUp();
          return;
        }
        sessionStorage.setItem(key2, String(Date.now()));
        console.warn("[mlsys] the lab page did not start (again): restarting it without the service worker");
        navigator.serviceWorker.getRegistration(root).then(function (reg) {
          return reg ? reg.unregister() : false;
        }).catch(function () { return false; }).then(function () { location.reload(); });
      }, 500);
    });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "cached") {
      var failed = Array.isArray(event.data.failed) ? event.data.failed : [];
      /* not cached (offline for a moment, quota): sent again with the next message, and the runtime
         again if any of it failed */
      failed.forEach(function (u) { sent.delete(u); });
      if (failed.some(function (u) { return u.indexOf(root + "pyodide/") === 0; })) runtimeAsked = false;
      if (failed.length) setTimeout(function () { post(worker); }, RETRY_MS);
      window.__mlsysOffline = { build: event.data.build, at: Date.now(), failed: failed.length };
      window.dispatchEvent(new CustomEvent("mlsys-offline-ready", { detail: event.data }));
    }
  });

  navigator.serviceWorker.register(root + "sw.js", { scope: root }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (reg) {
    worker = reg.active;  /* the controlling worker, also for the retries below */
    /* resolves once the worker has cached everything this page loaded so far */
    window.__mlsysCacheNow = function () {
      return new Promise(function (resolve) {
        window.addEventListener("mlsys-offline-ready", function (e) { resolve(e.detail.build); }, { once: true });
        post(worker, true);
      });
    };
    post(worker);
    if (isLab) {
      var poll = setInterval(function () {
        if (runtimeAsked) { clearInterval(poll); return; }
        if (labInteractive()) post(worker);
      }, 2000);
    }
    if ("PerformanceObserver" in window) {
      new PerformanceObserver(function () {
        clearTimeout(timer);
        timer = setTimeout(function () { post(worker); }, 1000);
      }).observe({ type: "resource", buffered: true });
    }
  }).catch(function (e) { console.warn("service worker:", e); });
})();
