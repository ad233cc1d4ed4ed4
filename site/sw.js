/* MLSys·im lab site — service worker (template; wasm_build fills in BUILD, PRECACHE and RUNTIME).
 *
 * Works under any path: everything is relative to the registration's scope (e.g. a sub-path /course/labs/).
 * One cache per build, named by the manifest hash. Install: precache the landing page shell, carrying over
 * from older caches every file whose sha256 is unchanged (per their stored manifest).
 * Fetch: cache first for same-origin GETs in scope, else network (and keep a copy). A page navigation that
 * is neither cached nor reachable gets the offline page (offlinePage): it says so and links the labs that are
 * available offline.
 * Boot files: the runtime files a lab's Python worker will ask for (the manifest's labs[].boot, from
 * wasm_build/bootfiles.py) are fetched into the cache ahead of it — when this worker activates, for the lab
 * pages open then (a first visit), and when a lab page is requested through it: boot.first at once,
 * boot.later (the notebook's own packages) once those are in. A request for a file on its way waits for
 * that copy (one download, not two).
 * Messages from pages (each answered to the sender once all earlier messages are done):
 *   {type: "cache", urls, runtime, lab}  cache these URLs (a lab page adds runtime: true once it is interactive:
 *       the Python runtime RUNTIME is cached then; lab: its page path, whose record lists what it loaded)
 *       → {type: "cached", build, failed}  (URLs that could not be fetched, for the page to send again)
 *   {type: "status"}     → {type: "status", build, labs: {page: true|false}, cached, total}
 *   {type: "cache-all"}  cache every file of the manifest, 4 at a time
 *       → {type: "cache-progress", done, total} …, then a "status" reply
 * While a lab's Python worker loads the runtime through this worker, every window gets
 * {type: "runtime-progress", bytes, files, total} (bytes of pyodide/ served so far; total: all of pyodide/).
 * A lab counts as available offline when its page, the runtime and every file it loaded when it last ran
 * online are cached — or when every file of the site is.
 * Activate: delete every other build's cache, so old and new files never mix.
 */
"use strict";
const BUILD = "__BUILD__";
const PREFIX = "mlsys-labs-";
const CACHE = PREFIX + BUILD;
const PRECACHE = __PRECACHE__;
const RUNTIME = __RUNTIME__;
const SCOPE = self.registration.scope;
const RECORD = "__mlsys__/lab-record/"; // + lab page path: JSON {urls, started}, kept in the build's cache
const NO_CACHE = new Set(["sw.js"]);

function keyOf(url) {
  const u = new URL(url, SCOPE);
  u.hash = "";
  u.search = "";
  if (u.pathname.endsWith("/")) u.pathname += "index.html";
  return u.href;
}

function inScope(url) {
  return url.startsWith(SCOPE);
}

function cacheable(url) {
  return typeof url === "string" && inScope(url) && !NO_CACHE.has(url.slice(SCOPE.length).split(/[?#]/)[0]);
}

async function fetchFresh(url) {
  const resp = await fetch(url, { cache: "no-cache" });
  if (!resp.ok) throw new Error(url + ": HTTP " + resp.status);
  return resp;
}

async function readManifest(cache) {
  const r = await cache.match(keyOf("manifest.json"));
  if (!r) return null;
  try { return await r.json(); } catch (e) { return null; }
}

async function carryOver(cache, manifest) {
  const want = manifest && manifest.files ? manifest.files : {};
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const old = await caches.open(name);
    const oldManifest = await readManifest(old);
    if (!oldManifest || !oldManifest.files) continue;
    for (const [path, meta] of Object.entries(oldManifest.files)) {
      const now = want[path];
      if (!now || now.sha256 !== meta.sha256) continue;
      const key = keyOf(path);
      if (await cache.match(key)) continue;
      const r = await old.match(key);
      if (r) await cache.put(key, r);
    }
  }
}

/* marimo's frontend chunks (content-hashed, a few hundred per lab start) are answered by the browser from this
   build's cache without waking this worker (the Service Worker Static Routing API; a miss goes to the
   network). Browsers without it send them to the fetch handler below, as before. Through the handler, Chromium
   sometimes fetched a page's whole module graph and never evaluated it (a blank start in 2 % of reloads;
   0 of 300 with the routes: README, "Reload stress"). */
const ASSETS = new URL("labs/assets/", SCOPE);

async function addRoutes(event) {
  if (typeof event.addRoutes !== "function" || typeof URLPattern !== "function") return;
  const pattern = new URLPattern({ protocol: ASSETS.protocol.slice(0, -1), hostname: ASSETS.hostname,
                                   port: ASSETS.port, pathname: ASSETS.pathname + "*" });
  try {
    await event.addRoutes([{ condition: { urlPattern: pattern, requestMethod: "GET" }, source: { cacheName: CACHE } }]);
  } catch (e) { console.warn("[mlsys sw] static routes not added:", e); }
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    await addRoutes(event);
    const cache = await caches.open(CACHE);
    const mresp = await fetchFresh(keyOf("manifest.json"));
    const manifest = await mresp.clone().json();
    await cache.put(keyOf("manifest.json"), mresp);
    await carryOver(cache, manifest);
    for (const path of PRECACHE) {
      const key = keyOf(path);
      if (!(await cache.match(key))) await cache.put(key, await fetchFresh(key));
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
    const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const c of pages) fetchBootFiles(c.url).catch(() => undefined);
  })());
});

// --------------------------------------------------------------------------- offline status

async function readRecord(cache, page) {
  const r = await cache.match(keyOf(RECORD + page));
  if (!r) return { urls: [], started: false };
  try { return await r.json(); } catch (e) { return { urls: [], started: false }; }
}

let recordWrites = 0; // lab records written since this worker started (reported by "status")

async function addToRecord(cache, page, urls, started) {
  const rec = await readRecord(cache, page);
  const all = new Set(rec.urls);
  for (const u of urls) if (cacheable(u)) all.add(keyOf(u));
  /* a warm start changes nothing: no write then, so no put competes with the page's own reads of this cache
     while it boots (the suspect in the blank-start defect, README "Reload stress") */
  if (all.size === rec.urls.length && (rec.started || !started)) return;
  const body = JSON.stringify({ urls: Array.from(all).sort(), started: rec.started || started });
  recordWrites += 1;
  await cache.put(keyOf(RECORD + page), new Response(body, { headers: { "Content-Type": "application/json" } }));
}

async function status() {
  const cache = await caches.open(CACHE);
  const manifest = (await readManifest(cache)) || { files: {}, labs: [] };
  const have = new Set((await cache.keys()).map((r) => r.url));
  const files = Object.keys(manifest.files || {}).filter((p) => !NO_CACHE.has(p));
  const cached = files.filter((p) => have.has(keyOf(p))).length;
  const everything = cached === files.length;
  const runtime = RUNTIME.every((p) => have.has(keyOf(p)));
  const labs = {};
  for (const lab of manifest.labs || []) {
    const rec = await readRecord(cache, lab.page);
    labs[lab.page] = everything || (have.has(keyOf(lab.page)) && runtime && rec.started &&
                                    rec.urls.every((u) => have.has(u)));
  }
  return { type: "status", build: BUILD, labs: labs, cached: cached, total: files.length, slowLookups: slowLookups,
           recordWrites: recordWrites };
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/* The page for a navigation that is neither cached nor reachable (a lab never opened on this device). */
async function offlinePage(url) {
  const cache = await caches.open(CACHE);
  const manifest = (await readManifest(cache)) || { labs: [] };
  const st = await status();
  const wanted = (manifest.labs || []).find((l) => keyOf(l.page) === keyOf(url));
  const ready = (manifest.labs || []).filter((l) => st.labs[l.page]);
  const items = ready.map((l) => `<li><a href="${escapeHtml(keyOf(l.page))}">${escapeHtml(l.title)}</a></li>`);
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not available offline — MLSys·im labs</title><link rel="stylesheet" href="${escapeHtml(keyOf("site.css"))}">
</head><body><main id="mlsys-offline-page">
<h1>You are offline</h1>
<p>${wanted ? "The lab <strong>" + escapeHtml(wanted.title) + "</strong> has" : "This page has"} not been saved on
this device yet, so it cannot open without a network. Reconnect and open it once, or use
“Make every lab available offline” on the <a href="${escapeHtml(keyOf("./"))}">lab list</a>.</p>
<h2>Available offline on this device (${ready.length})</h2>
${items.length ? "<ul class=\"offline-labs\">" + items.join("\n") + "</ul>" : "<p>None yet.</p>"}
</main></body></html>`;
  return new Response(body, { status: 503, statusText: "Offline",
                              headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// --------------------------------------------------------------------------- fetch

let runtimeSizes = null; // pyodide/ path -> size, from the cached manifest
const served = new Map(); // client id of a Python worker -> {bytes, files}

// --------------------------------------------------------------------------- boot files

const inflight = new Map(); // cache key -> promise of the copy being fetched into the cache right now
const BOOT_LANES = 2; // of the browser's 6 connections per host: the rest stay with the page's own files
const booting = new Set(); // lab pages whose boot files are being fetched

/* Fetch into the cache, two at a time and in order, the files of ``paths`` not cached or on their way. A file
   that fails (offline, quota) is left to the Python worker's own request. */
async function fetchAhead(cache, paths) {
  const todo = paths.map(keyOf).filter((k) => k.startsWith(SCOPE + "pyodide/"));
  async function lane() {
    while (todo.length) {
      const key = todo.shift();
      if (inflight.has(key)) continue;
      const copy = (async () => {
        if (!(await cache.match(key))) await cache.put(key, await fetchFresh(key));
      })().catch(() => undefined);
      inflight.set(key, copy);
      await copy;
      if (inflight.get(key) === copy) inflight.delete(key);
    }
  }
  await Promise.all(Array.from({ length: BOOT_LANES }, lane));
}

async function fetchBootFiles(pageUrl) {
  const page = keyOf(pageUrl);
  if (booting.has(page)) return;
  const cache = await caches.open(CACHE);
  const manifest = (await readManifest(cache)) || { labs: [] };
  const lab = (manifest.labs || []).find((l) => keyOf(l.page) === page);
  if (!lab || !lab.boot) return;
  booting.add(page);
  try {
    await fetchAhead(cache, lab.boot.first || []);
    await fetchAhead(cache, lab.boot.later || []);
  } finally {
    booting.delete(page);
  }
}

async function reportRuntime(request, clientId, key) {
  if (!key.startsWith(SCOPE + "pyodide/")) return;
  if (!runtimeSizes) {
    const manifest = (await readManifest(await caches.open(CACHE))) || { files: {} };
    runtimeSizes = new Map(Object.entries(manifest.files).filter(([p]) => p.startsWith("pyodide/"))
                                                        .map(([p, m]) => [p, m.size]));
  }
  const n = served.get(clientId) || { bytes: 0, files: 0 };
  n.bytes += runtimeSizes.get(key.slice(SCOPE.length)) || 0;
  n.files += 1;
  served.set(clientId, n);
  let total = 0;
  for (const size of runtimeSizes.values()) total += size;
  for (const c of await self.clients.matchAll({ type: "window" })) {
    c.postMessage({ type: "runtime-progress", bytes: n.bytes, files: n.files, total: total });
  }
}

/* A cache lookup that has not answered in MATCH_WAIT_MS is not waited for while the network is there: a lab
   page whose module chunks sat unanswered in this worker stayed blank (README, "Reload stress"), and one
   suspect was Cache Storage holding a lookup behind a write (warm starts write nothing now). Offline, the
   lookup is awaited as before. */
const MATCH_WAIT_MS = 3000;
const SLOW = Symbol("slow");
let slowLookups = 0; // reported by the "status" message

function lookup(key) {
  return caches.open(CACHE).then((cache) => cache.match(key).then((hit) => ({ cache: cache, hit: hit })));
}

async function respond(request, clientId) {
  const key = keyOf(request.url);
  if (inflight.has(key)) await inflight.get(key); // on its way into the cache
  const pending = lookup(key);
  let found = await Promise.race([pending, new Promise((r) => setTimeout(() => r(SLOW), MATCH_WAIT_MS))]);
  if (found === SLOW) {
    slowLookups += 1;
    console.warn("[mlsys sw] cache lookup slower than " + MATCH_WAIT_MS + " ms: " + key);
    let net = null;
    try { net = await fetch(request); } catch (e) { net = null; }
    if (net && net.ok) return net;
    found = await pending; // offline or a server error: the cache is the source after all
    if (!found.hit) { // not cached either: answer now rather than asking the network a second time
      if (net) return net;
      if (request.mode === "navigate") return offlinePage(request.url);
      return Response.error();
    }
  }
  const cache = found.cache;
  const hit = found.hit;
  reportRuntime(request, clientId, key).catch(() => undefined);
  if (hit) return hit;
  if (inflight.has(key)) { // another request started the same download meanwhile: wait for its copy
    await inflight.get(key);
    const again = await cache.match(key);
    if (again) return again;
  }
  let copied;
  const copy = new Promise((resolve) => { copied = resolve; });
  inflight.set(key, copy);
  try {
    const resp = await fetch(request);
    if (resp.ok && resp.status === 200 && resp.type === "basic") {
      try { await cache.put(key, resp.clone()); } catch (e) { /* quota: serve anyway */ }
    }
    return resp;
  } catch (e) {
    if (request.mode === "navigate") return offlinePage(request.url);
    throw e;
  } finally {
    if (inflight.get(key) === copy) inflight.delete(key);
    copied();
  }
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" || !cacheable(req.url) || req.headers.has("range")) return;
  if (req.mode === "navigate") event.waitUntil(fetchBootFiles(req.url).catch(() => undefined));
  event.respondWith(respond(req, event.clientId));
});

// --------------------------------------------------------------------------- messages

async function cacheUrls(cache, urls) {
  const failed = [];
  for (const url of urls) {
    if (!cacheable(url)) continue;
    const key = keyOf(url);
    if (await cache.match(key)) continue;
    try { await cache.put(key, await fetchFresh(key)); } catch (e) { failed.push(url); }
  }
  return failed;
}

async function cacheAll(reply) {
  const cache = await caches.open(CACHE);
  const manifest = (await readManifest(cache)) || { files: {} };
  const have = new Set((await cache.keys()).map((r) => r.url));
  const todo = Object.keys(manifest.files).filter((p) => !NO_CACHE.has(p) && !have.has(keyOf(p)));
  let done = 0;
  const failed = [];
  async function lane() {
    while (todo.length) {
      const path = todo.shift();
      try { await cache.put(keyOf(path), await fetchFresh(keyOf(path))); } catch (e) { failed.push(path); }
      done += 1;
      if (done % 10 === 0 || !todo.length) reply({ type: "cache-progress", done: done, total: done + todo.length });
    }
  }
  await Promise.all([lane(), lane(), lane(), lane()]);
  return failed;
}

let queue = Promise.resolve(); // messages are handled one after the other: a reply means all earlier work is done

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (msg) => { if (event.source) event.source.postMessage(msg); };
  let work = null;
  if (data.type === "cache" && Array.isArray(data.urls)) {
    work = async () => {
      const urls = data.runtime ? data.urls.concat(RUNTIME.map((p) => new URL(p, SCOPE).href)) : data.urls;
      const cache = await caches.open(CACHE);
      const failed = await cacheUrls(cache, urls);
      if (typeof data.lab === "string") await addToRecord(cache, data.lab, data.urls, !!data.runtime);
      // the page re-sends what failed (offline for a moment, quota) with its next message
      reply({ type: "cached", build: BUILD, failed: failed });
    };
  } else if (data.type === "status") {
    work = async () => reply(await status());
  } else if (data.type === "cache-all") {
    work = async () => {
      const failed = await cacheAll(reply);
      reply(Object.assign(await status(), { failed: failed }));
    };
  }
  if (!work) return;
  queue = queue.then(work).catch(() => undefined);
  event.waitUntil(queue);
});
