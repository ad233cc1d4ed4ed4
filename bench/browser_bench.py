"""Browser benchmark of the lab site: time to first text and to interactive (cold and warm), slider → output
latency, bytes, memory.

    .venv/bin/python bench/browser_bench.py [--site DIR] [--labs ID ...] [--moves N] [--link-mbit M]
                                            [--latency-ms L] [--cpu-throttle R] [--chromebook]

``--chromebook`` = a classroom Chromebook: CPU throttled 4× (CDP ``Emulation.setCPUThrottlingRate``) and a
shared 10 Mbit/s link with 40 ms per response (the test server paces itself: Chrome's own network
throttling does not apply to the page's Web Worker, where Pyodide fetches its runtime).

Builds a site of labs/*.py plus a stock marimo hello-world notebook (one slider, one markdown line),
exported by the same marimo and served from the same local runtime (the public CDN a stock export uses is
unreachable here), then measures each page in Debian Chromium:
  cold   fresh browser context, empty caches → outputs settled
  warm   reload after the service worker cached the page
  slider after picking the prediction, ArrowRight/ArrowLeft spread over every visible slider; keydown → first
         animation frame in which another cell's text changed, timed in the page (p50/p95/max)
  bytes  response bodies served for the cold load; "next lab": bytes served when a second lab is opened after
         the first (same browser, everything shared already cached)
  first text  navigation start → the first narrative text on screen (pre-rendered), cold and warm
  blank  after that first text, how long the page showed no text until the boot was over (a flash while
         marimo takes over from the pre-rendered preview), cold and warm
  wd     steps the blank-page watchdog took (site/register.js: a reload, a restart without the service worker,
         giving up) during the cold load and the warm reload; 0 when every start mounted by itself
  memory page JS heap (CDP Performance.getMetrics) and the resident memory of the browser's renderer
         processes (/proc: the page, its Pyodide worker with the wasm heap, the service worker)
Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import uuid
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchstats import pct  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import pagekit  # noqa: E402
from siteserver import LocalServer, Throttle  # noqa: E402

HELLO = '''import marimo

__generated_with = "0.25.2"
app = marimo.App(app_title="marimo hello world")


@app.cell
def _():
    import marimo as mo
    return (mo,)


@app.cell
def _(mo):
    n = mo.ui.slider(1, 100, value=1, label="n")
    n
    return (n,)


@app.cell
def _(mo, n):
    mo.md(f"Hello, world! n squared is {n.value ** 2}")
    return


if __name__ == "__main__":
    app.run()
'''
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


# In-page latency probe: the time from the keydown on a control to the first animation frame in which
# another cell shows something different: its text (shadow roots walked) or the pixels of a chart (Vega draws
# on <canvas>; a canvas still blank, e.g. just replaced and not drawn yet, does not count as a change).
# Measured with performance.now() in the page so Playwright's round trips do not count.
_PROBE_JS = """
([skip, timeoutMs]) => { window.__probe = new Promise(resolve => {
  const pixels = (c) => {
    try {
      const w = c.width, h = c.height;
      if (!w || !h) return null;
      const px = new Uint32Array(c.getContext('2d').getImageData(0, 0, w, h).data.buffer);
      let hash = 2166136261, ink = 0;
      for (let i = 0; i < px.length; i++) { const v = px[i]; if (v) ink++; hash = Math.imul(hash ^ v, 16777619); }
      return ink ? w + 'x' + h + ':' + (hash >>> 0) : null;
    } catch (e) { return 'x'; }
  };
  // text + drawn charts of every other cell; null while a chart is blank (mid re-render)
  const sig = () => {
    const parts = [];
    let blank = false;
    const walk = (n) => {
      if (n.nodeType === 3) { const t = n.nodeValue.trim(); if (t) parts.push(t); return; }
      if (n.nodeName === 'CANVAS') { const p = pixels(n); if (p === null) blank = true; else parts.push(p); }
      if (n.shadowRoot) walk(n.shadowRoot);
      for (let c = n.firstChild; c; c = c.nextSibling) walk(c);
    };
    for (const c of document.querySelectorAll('.marimo-cell[data-cell-id]')) if (c.dataset.cellId !== skip) walk(c);
    return blank ? null : parts.join('\\u0001');
  };
  const before = sig();
  let t0 = null;
  const onKey = () => { if (t0 === null) t0 = performance.now(); };
  window.addEventListener('keydown', onKey, true);
  const start = performance.now();
  function frame() {
    const now = performance.now();
    if (t0 !== null) {
      const s = sig();
      if (s !== null && s !== before) { window.removeEventListener('keydown', onKey, true); resolve(now - t0); return; }
    }
    if (now - start > timeoutMs) { window.removeEventListener('keydown', onKey, true); resolve(null); return; }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
}); return true; }
"""


def _settle(page, cell, quiet_s: float = 0.6, timeout_s: float = 20.0) -> None:
    """Wait until the outputs stop changing (so the next move starts from a quiet page)."""
    last, since, t0 = pagekit.signature(page, cell), time.monotonic(), time.monotonic()
    while time.monotonic() - since < quiet_s and time.monotonic() - t0 < timeout_s:
        time.sleep(0.05)
        sig = pagekit.signature(page, cell)
        if sig != last:
            last, since = sig, time.monotonic()


def slider_latencies(page, moves: int) -> list[float | None]:
    """Keyboard moves spread over every visible slider; ms from keydown to the first dependent output change."""
    sliders = [s for s in page.locator("[role=slider]").all() if s.is_visible()]
    out: list[float | None] = []
    if not sliders or moves <= 0:
        return out
    for i in range(moves):
        s = sliders[i % len(sliders)]
        cell = pagekit.cell_of(s)
        s.scroll_into_view_if_needed()
        s.focus()
        _settle(page, cell)
        before = s.get_attribute("aria-valuenow")
        key = "ArrowRight" if (i // len(sliders)) % 2 == 0 else "ArrowLeft"
        page.evaluate(_PROBE_JS, [cell, 15000])
        s.press(key)
        if s.get_attribute("aria-valuenow") == before:  # at the end of its range: go the other way
            s.press("ArrowLeft" if key == "ArrowRight" else "ArrowRight")
        ms = page.evaluate("() => window.__probe")
        out.append(ms)
    return out


def pick_prediction(page) -> None:
    """Labs hide their results until the student commits to a prediction: pick the first option."""
    radios = page.get_by_role("radio")
    if radios.count():
        radios.first.scroll_into_view_if_needed()
        radios.first.click()
        pagekit.wait_interactive(page, settle_s=1.0)


def renderer_rss_mb(marker: str) -> float | None:
    """Resident memory (MB) of every renderer process of the Chromium started with ``marker`` on its command
    line (Linux /proc): the page, its dedicated workers (Pyodide's wasm heap) and the service worker."""
    procs = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
            stat = (d / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in stat.splitlines() if ":" in line)
        procs[int(d.name)] = (int(fields.get("PPid", "0")), cmd, int(fields.get("VmRSS", "0 kB").split()[0]))
    roots = [pid for pid, (_, cmd, _) in procs.items() if marker.encode() in b" ".join(cmd)]
    if not roots:
        return None
    family, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _, _) in procs.items():
            if ppid == parent and pid not in family:
                family.add(pid)
                frontier.append(pid)
    # zygote-forked processes rewrite their title: the arguments may be one space-separated string
    kb = sum(rss for pid, (_, cmd, rss) in procs.items() if pid in family and b"--type=renderer" in b" ".join(cmd))
    return round(kb / 1024, 1)


def js_heap_mb(cdp) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return round(metrics.get("JSHeapUsedSize", 0) / 1e6, 1)


def measure(browser, srv: LocalServer, lab_id: str, moves: int, cpu_throttle: float = 1.0,
            next_lab: str | None = None, marker: str = "") -> dict:
    outside: list[str] = []
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    ctx.add_init_script(pagekit.BLANK_TRACE_JS)  # first text on screen, blank time after it
    # requests are recorded, not routed: Playwright's routing turns off the HTTP cache (and with it V8's code
    # cache) and keeps the service worker from caching part of the files, which would distort both loads
    ctx.on("request", lambda r: None if r.url.startswith((srv.url, "data:", "blob:")) else outside.append(r.url))
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Performance.enable")
    if cpu_throttle > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_throttle})
    srv.take_counts()
    t0 = time.monotonic()
    page.goto(srv.url + f"labs/{lab_id}.html")
    cold = pagekit.wait_interactive(page) - t0
    cold_seen = pagekit.blank_trace(page)
    nbytes, nreq = srv.take_counts()
    mem = {"js_heap_mb": js_heap_mb(cdp), "renderer_rss_mb": renderer_rss_mb(marker) if marker else None}
    pick_prediction(page)
    lat = slider_latencies(page, moves)
    page.evaluate("() => window.__mlsysCacheNow ? window.__mlsysCacheNow() : null")
    srv.take_counts()
    t0 = time.monotonic()
    page.reload()
    warm = pagekit.wait_interactive(page) - t0
    warm_seen = pagekit.blank_trace(page)
    warm_bytes, _ = srv.take_counts()
    # steps the blank-page watchdog (site/register.js) took during the cold load and the warm reload
    acts = pagekit.watchdog_acts(page)
    next_bytes = None
    if next_lab:
        page.goto(srv.url + f"labs/{next_lab}.html")
        pagekit.wait_interactive(page)
        page.evaluate("() => window.__mlsysCacheNow ? window.__mlsysCacheNow() : null")
        next_bytes, _ = srv.take_counts()
    ctx.close()
    finite = [x / 1000 for x in lat if x is not None]
    return {"lab": lab_id, "cold_s": round(cold, 2), "warm_s": round(warm, 2),
            "first_text_cold_s": cold_seen["first_text_s"], "first_text_warm_s": warm_seen["first_text_s"],
            "blank_cold_s": cold_seen["blank_s"], "blank_warm_s": warm_seen["blank_s"],
            "longest_blank_cold_s": cold_seen["longest_blank_s"], "longest_blank_warm_s": warm_seen["longest_blank_s"], **mem,
            "next_lab": next_lab, "next_lab_bytes": next_bytes, "bytes": nbytes, "responses": nreq,
            "warm_bytes_from_server": warm_bytes, "slider_moves": len(lat),
            "slider_p50_ms": round(pct(finite, 0.5) * 1000, 1) if finite else None,
            "slider_p95_ms": round(pct(finite, 0.95) * 1000, 1) if finite else None,
            "slider_max_ms": round(max(finite) * 1000, 1) if finite else None,
            "slider_timeouts": len(lat) - len(finite), "watchdog_acts": acts, "outside_requests": outside}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", type=Path, help="a build that contains labs/hello_world.html (built there if missing)")
    ap.add_argument("--labs", nargs="*", help="lab ids (default: all in the site); the hello world is always measured")
    ap.add_argument("--moves", type=int, default=20, help="slider moves per lab (default 20)")
    ap.add_argument("--link-mbit", type=float, default=0, help="emulate a shared link of M Mbit/s (0 = loopback)")
    ap.add_argument("--latency-ms", type=float, default=50, help="with --link-mbit: ms per response (default 50)")
    ap.add_argument("--cpu-throttle", type=float, default=1, help="CDP CPU throttling rate (4 = 4× slower)")
    ap.add_argument("--chromebook", action="store_true", help="= --cpu-throttle 4 --link-mbit 10 --latency-ms 40")
    args = ap.parse_args(argv)
    if args.chromebook:
        args.cpu_throttle, args.link_mbit, args.latency_ms = 4, 10, 40

    from playwright.sync_api import sync_playwright

    tmp = tempfile.TemporaryDirectory()
    site = args.site
    if site is None or not (site / "manifest.json").exists():
        from wasm_build.build import build

        hello_dir = Path(tmp.name) / "hello"
        hello_dir.mkdir()
        (hello_dir / "hello_world.py").write_text(HELLO)
        site = site or Path(tmp.name) / "site"
        build(site, [ROOT / "labs", hello_dir])
    manifest = json.loads((site / "manifest.json").read_text())
    ids = args.labs or [lab["id"] for lab in manifest["labs"]]
    ids = ["hello_world"] + [i for i in ids if i != "hello_world"]  # the reference, always, first
    throttle = Throttle(args.link_mbit * 1e6 / 8, args.latency_ms / 1000) if args.link_mbit else None
    srv = LocalServer(site, throttle)
    rows = []
    marker = f"--mlsys-bench={uuid.uuid4().hex}"  # finds this browser's processes in /proc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS + [marker])
        labs_only = [i for i in ids if i != "hello_world"]
        for lab_id in ids:
            print(f"measuring {lab_id} ...", file=sys.stderr, flush=True)
            further = next((i for i in labs_only if i != lab_id), None) if lab_id != "hello_world" else None
            rows.append(measure(browser, srv, lab_id, args.moves, args.cpu_throttle, further, marker))
        browser.close()
    srv.stop()

    nan = float("nan")
    hdr = (f"{'page':32} {'text c':>6} {'cold s':>7} {'text w':>6} {'warm s':>7} {'w/c':>5} {'blank c':>7} {'blank w':>7} "
           f"{'MB':>6} {'next MB':>7} {'heap':>5} {'rss MB':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'t/o':>4} {'wd':>3}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        ratio = r["warm_s"] / r["cold_s"] if r["cold_s"] else nan
        nxt = r["next_lab_bytes"] / 1e6 if r["next_lab_bytes"] is not None else nan
        print(f"{r['lab'][:32]:32} {r['first_text_cold_s'] or nan:6.2f} {r['cold_s']:7.1f} "
              f"{r['first_text_warm_s'] or nan:6.2f} {r['warm_s']:7.1f} {ratio:5.2f} "
              f"{r['blank_cold_s'] if r['blank_cold_s'] is not None else nan:7.2f} "
              f"{r['blank_warm_s'] if r['blank_warm_s'] is not None else nan:7.2f} {r['bytes'] / 1e6:6.1f} {nxt:7.2f} "
              f"{r['js_heap_mb']:5.0f} {r['renderer_rss_mb'] or nan:6.0f} {r['slider_p50_ms'] or nan:7.0f} "
              f"{r['slider_p95_ms'] or nan:7.0f} {r['slider_max_ms'] or nan:7.0f} {r['slider_timeouts']:4d} {r['watchdog_acts']:3d}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    result = {"when": stamp, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
              "link_mbit": args.link_mbit or None, "latency_ms": args.latency_ms if args.link_mbit else None,
              "cpu_throttle": args.cpu_throttle, "build": manifest["build"], "versions": {
                  k: manifest["versions"][k] for k in ("pyodide", "marimo")},
              "median_cold_s": statistics.median(r["cold_s"] for r in rows), "rows": rows}
    path = out_dir / f"browser-{stamp}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0 if all(not r["outside_requests"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
