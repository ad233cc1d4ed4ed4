/* Landing page: marks each lab "available offline" or not (as the service worker's cache says) and offers
 * "Make every lab available offline". Without a service worker (file://, plain HTTP on another machine) the
 * marks say that offline use is unavailable here. window.__mlsysOfflineStatus() → promise of the worker's
 * status reply ({labs: {page: bool}, cached, total}); used by the browser tests. */
(function () {
  "use strict";
  var button = document.getElementById("cache-all");
  var note = document.getElementById("offline-note");
  var marks = Array.prototype.slice.call(document.querySelectorAll("[data-offline-for]"));

  function say(text) { if (note) note.textContent = text; }

  function show(st) {
    marks.forEach(function (m) {
      var ok = !!st.labs[m.getAttribute("data-offline-for")];
      m.hidden = false;
      m.className = "offline-mark " + (ok ? "yes" : "no");
      m.textContent = ok ? "available offline" : "needs the network";
    });
    var ready = Object.keys(st.labs).filter(function (k) { return st.labs[k]; }).length;
    var all = ready === Object.keys(st.labs).length;
    say(all ? "Every lab is available offline on this device."
            : ready + " of " + Object.keys(st.labs).length + " labs are available offline on this device.");
    if (button) { button.hidden = all; button.disabled = false; }
  }

  if (!("serviceWorker" in navigator) || !window.isSecureContext || !/^https?:$/.test(location.protocol)) {
    say("Offline use is not available here: it needs the site served over HTTPS (or from this computer as " +
        "localhost). The labs still run while you are online.");
    return;
  }
  var pending = [];
  navigator.serviceWorker.addEventListener("message", function (event) {
    var d = event.data || {};
    if (d.type === "cache-progress") {
      say("Saving for offline use: " + d.done + " of " + d.total + " files …");
    } else if (d.type === "status") {
      show(d);
      if (d.failed && d.failed.length) say(d.failed.length + " files could not be saved; try again when online.");
      pending.splice(0).forEach(function (resolve) { resolve(d); });
    }
  });
  navigator.serviceWorker.ready.then(function (reg) {
    function ask(type) {
      return new Promise(function (resolve) { pending.push(resolve); reg.active.postMessage({ type: type }); });
    }
    window.__mlsysOfflineStatus = function () { return ask("status"); };
    if (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        say("Saving for offline use …");
        ask("cache-all");
      });
    }
    ask("status");
  });
})();
