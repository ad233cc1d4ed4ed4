/* MLSys·im lab site — service worker (template; wasm_build fills in BUILD and PRECACHE).
 *
 * One cache per build, named by the manifest hash. Install: precache the landing page shell, carrying over
 * from older caches every file whose sha256 is unchanged (per their stored manifest).
 * Fetch: cache first for same-origin GETs in scope, else network (and keep a copy).
 * Pages post the URLs they loaded before this worker controlled them ({type: "cache", urls}); a lab page
 * adds runtime: true once it has started, and the Python runtime (RUNTIME) is cached then. The reply
 * ({type: "cached", build, failed}) lists the URLs that could not be fetched, for the page to send again.
 * Fetches revalidate against the HTTP cache (no-cache), so a file the page just loaded costs a 304.
 * Activate: delete every other build's cache, so old and new files never mix.
 */
"use strict";
const BUILD = "__BUILD__";
const PREFIX = "mlsys-labs-";
const CACHE = PREFIX + BUILD;
const PRECACHE = __PRECACHE__;
const RUNTIME = __RUNTIME__;
const SCOPE = self.registration.scope;

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

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
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
  })());
});

async function respond(request) {
  const cache = await caches.open(CACHE);
  const key = keyOf(request.url);
  const hit = await cache.match(key);
  if (hit) return hit;
  const resp = await fetch(request);
  if (resp.ok && resp.status === 200 && resp.type === "basic") {
    try { await cache.put(key, resp.clone()); } catch (e) { /* quota: serve anyway */ }
  }
  return resp;
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" || !inScope(req.url) || req.headers.has("range")) return;
  if (new URL(req.url).pathname.endsWith("/sw.js")) return;
  event.respondWith(respond(req));
});

let queue = Promise.resolve(); // messages are handled one after the other: a reply means all earlier work is done

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  const urls = data.runtime ? data.urls.concat(RUNTIME.map((p) => new URL(p, SCOPE).href)) : data.urls;
  queue = queue.then(async () => {
    const cache = await caches.open(CACHE);
    const failed = [];
    for (const url of urls) {
      if (typeof url !== "string" || !inScope(url) || url.endsWith("/sw.js")) continue;
      const key = keyOf(url);
      if (await cache.match(key)) continue;
      try { await cache.put(key, await fetchFresh(key)); } catch (e) { failed.push(url); }
    }
    // the page re-sends what failed (offline for a moment, quota) with its next message
    if (event.source) event.source.postMessage({ type: "cached", build: BUILD, failed: failed });
  }).catch(() => undefined);
  event.waitUntil(queue);
});
