"""Probe: would a Pyodide memory snapshot make a lab's warm start faster, and does it work for a lab?

    .venv/bin/python bench/snapshot_probe.py [--site DIR] [--cpu-throttle R] [--runs N]

A lab boots Pyodide, installs its wheels and imports marimo and the engine inside marimo's worker, on every
load. Pyodide can instead restore a memory image taken after that work (``loadPyodide({_makeSnapshot})``,
``pyodide.makeMemorySnapshot()``, ``loadPyodide({_loadSnapshot})``, all marked experimental). This probe runs
outside marimo, on a page of its own on the site's runtime (``<site>/pyodide``), in Debian Chromium, for two
states of the interpreter:

  pure  the module marimo's worker imports first (pygments; the site leaves out the editor's jedi and
        docutils, wasm_build/worker.py): pure Python only
  lab   also marimo, marimo's Pyodide bootstrap, mlsysim_core, the lab catalog and lab 00's bank, then a real
        computation (lab 00's expected answers, encoded with msgspec): compiled extensions included

For each: the time to get there from nothing (boot + unpack every wheel of the lockfile + imports), the
snapshot's size, and the time to restore it from Cache Storage and run the same check — on the stock runtime
and on a copy whose ``restoreSnapshot`` grows the wasm memory first (the stock one only fits an image no
larger than the runtime's initial memory). Wheels are unpacked by the page itself: after ``loadPackage`` the
runtime refuses to take a snapshot. Prints a table and writes JSON to bench/results/snapshot_probe.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "browser"), str(ROOT / "bench")]

from browser_bench import CHROMIUM_ARGS  # noqa: E402
from siteserver import LocalServer  # noqa: E402

STAGES = {
    "pure": ["import pygments", "_check = str(len(__import__('sys').modules))"],
    "lab": ["import pygments", "import marimo, marimo._pyodide.bootstrap", "import mlsysim_core",
            "import mlsys_labs.catalog as c", "import mlsys_labs.banks.lab_00_hello_roofline",
            "from mlsys_labs.variants import make_variant", "import msgspec",
            "lab = c.LABS['00_hello_roofline']",
            "_check = msgspec.json.encode([q.expected_text(make_variant(lab, 'a@b.edu')) for q in lab.questions])"],
}
# the stock restoreSnapshot copies the image into memory as it is; the patched one grows the memory first
_RESTORE = "return Module.HEAP8.set(t),c}"
_RESTORE_GROWN = ("return (t.length>Module.HEAP8.length&&(wasmMemory.grow((t.length-Module.HEAP8.length+65535)"
                  "/65536|0),updateMemoryViews())),Module.HEAP8.set(t),c}")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>snapshot probe</title></head><body>
<script type="module">
const q = new URLSearchParams(location.search), rt = q.get("rt"), mode = q.get("mode");
const code = JSON.parse(q.get("code"));
const { loadPyodide } = await import(`./${rt}/pyodide.mjs`);
const T = {}, t0 = performance.now(), lap = (k) => { T[k] = Math.round(performance.now() - t0); };
const check = (py) => py.runPython(code + "\\n_check if isinstance(_check, str) else _check.decode()");
try {
  if (mode === "restore") {
    const r = await (await caches.open("probe")).match(`/${q.get("stage")}`);
    const image = new Uint8Array(await r.arrayBuffer()); lap("read_ms");
    const py = await loadPyodide({indexURL: `./${rt}/`, _loadSnapshot: image}); lap("restored_ms");
    T.check = check(py); lap("total_ms");
  } else {
    const py = await loadPyodide({indexURL: `./${rt}/`, _makeSnapshot: true}); lap("boot_ms");
    const lock = await (await fetch(`./${rt}/pyodide-lock.json`)).json();
    const files = Object.values(lock.packages).map(p => p.file_name);
    const wheels = await Promise.all(files.map(async f => new Uint8Array(await (await fetch(`./${rt}/${f}`)).arrayBuffer())));
    py.FS.mkdirTree("/tmp/wheels");
    files.forEach((f, i) => py.FS.writeFile(`/tmp/wheels/${f}`, wheels[i]));
    py.runPython(`import importlib, os, sys, zipfile
site = next(p for p in sys.path if p.endswith("site-packages"))
for f in os.listdir("/tmp/wheels"):
    zipfile.ZipFile("/tmp/wheels/" + f).extractall(site)
    os.remove("/tmp/wheels/" + f)
importlib.invalidate_caches()`); lap("installed_ms");
    T.check = check(py); lap("total_ms");
    const image = py.makeMemorySnapshot(); T.mb = +(image.length / 2 ** 20).toFixed(1);
    await (await caches.open("probe")).put(`/${q.get("stage")}`, new Response(image));
  }
} catch (e) { T.error = String(e && e.message || e).split("\\n")[0].slice(0, 160); }
window.__done = T;
</script></body></html>
"""


def probe_dir(site: Path, into: Path) -> None:
    """``into``: the probe page, ``stock/`` = the site's runtime, ``grown/`` = the same with the patched
    ``restoreSnapshot`` (links to the site's files; precompressed copies left out so nothing stale is served)."""
    (into / "probe.html").write_text(PAGE)
    for name in ("stock", "grown"):
        (into / name).mkdir()
        for f in (site / "pyodide").iterdir():
            if f.suffix != ".gz" and not (name == "grown" and f.name == "pyodide.asm.mjs"):
                os.symlink(f.resolve(), into / name / f.name)
    src = (site / "pyodide" / "pyodide.asm.mjs").read_text()
    if src.count(_RESTORE) != 1:
        raise SystemExit("this Pyodide's restoreSnapshot is not the one the probe patches; update _RESTORE")
    (into / "grown" / "pyodide.asm.mjs").write_text(src.replace(_RESTORE, _RESTORE_GROWN))


def run_page(ctx, url: str, throttle: float) -> dict:
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.goto(url)
    page.wait_for_function("() => window.__done", timeout=600_000)
    out = page.evaluate("() => window.__done")
    page.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", type=Path, default=ROOT / "site", help="a built site (default: site/)")
    ap.add_argument("--cpu-throttle", type=float, default=1, help="CDP CPU throttling rate (4 = 4× slower)")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args(argv)
    if not (args.site / "pyodide" / "pyodide-lock.json").exists():
        raise SystemExit(f"no built site at {args.site}: run `python -m wasm_build build` first")
    from urllib.parse import urlencode

    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        probe_dir(args.site, Path(tmp))
        srv = LocalServer(Path(tmp))
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for run in range(args.runs):
            for stage, lines in STAGES.items():
                for rt in ("stock", "grown"):
                    ctx = browser.new_context()
                    query = {"rt": rt, "stage": stage, "code": json.dumps("\n".join(lines))}
                    made = run_page(ctx, srv.url + "probe.html?" + urlencode({**query, "mode": "make"}), args.cpu_throttle)
                    back = run_page(ctx, srv.url + "probe.html?" + urlencode({**query, "mode": "restore"}),
                                    args.cpu_throttle)
                    ctx.close()
                    same = "error" not in back and back.get("check") == made.get("check")
                    rows.append({"run": run + 1, "stage": stage, "runtime": rt, "made": made, "restored": back,
                                 "restore_works": same})
                    print(f"run {run + 1} {stage:4} {rt:5}  from nothing {made.get('total_ms', '—')} ms "
                          f"(boot {made.get('boot_ms')}, +wheels {made.get('installed_ms')}) · image "
                          f"{made.get('mb', '—')} MB · restore "
                          + (f"{back['total_ms']} ms (read {back['read_ms']}, restored {back['restored_ms']})"
                             + ("" if same else " but the check differs")
                             if "error" not in back else f"FAILS: {back['error']}")
                          + (f" · making it failed: {made['error']}" if "error" in made else ""), flush=True)
        browser.close()
        srv.stop()
    out = ROOT / "bench" / "results" / "snapshot_probe.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu_throttle":
                               args.cpu_throttle, "machine": platform.platform(), "cpus": os.cpu_count(),
                               "rows": rows}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
