"""Ship bytecode, not source: every pure wheel and the standard-library zip, compiled by the Pyodide itself.

Why: in the browser every ``import`` of a ``.py`` file is compiled by CPython-in-WebAssembly, on every page
load (Emscripten's file system is rebuilt each time). Measured under node with Pyodide 314, source → bytecode
(wheels and standard library): boot 3.0 → 1.1 s, ``import marimo`` 3.2 → 0.9 s, ``import altair`` 1.9 → 0.8 s,
the engine + pint + pydantic 0.64 → 0.21 s.

How: the bytecode must come from the exact interpreter that runs it (Python 3.14 of the pinned Pyodide),
so the site's own ``pyodide/`` runtime is booted once under ``node`` (installed with npm, which the build
needs anyway) and runs :mod:`wasm_build.pyc_worker` over every file, in a fixed order in one interpreter.
The result is cached under ``<cache>/pyc/`` by a key over the inputs (names + sha256), the Pyodide version
and the worker's own source, so a rebuild with nothing changed does not start node.

Set ``MLSYS_PYC=0`` to ship source instead (e.g. to debug with tracebacks that show lines).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .fetch import FetchError, _run, cache_dir, staged_dir
from .versions import PYODIDE_VERSION

WORKER = Path(__file__).with_name("pyc_worker.py")
TIMEOUT_S = 900
KEEP = 6

_DRIVER = r"""
const [indexURL, lockPath, jobsPath, workerPath, mounts] = process.argv.slice(2);
const fs = await import("node:fs");
const { pathToFileURL } = await import("node:url");
try {
  const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
  const py = await loadPyodide({ indexURL, lockFileURL: lockPath, packages: [], stdout: () => {},
                                 stderr: (s) => console.error(s) });
  for (const dir of JSON.parse(mounts)) {
    py.FS.mkdirTree(dir);
    py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, dir);
  }
  py.runPython(fs.readFileSync(workerPath, "utf8"));
  process.stdout.write(py.globals.get("main")(fs.readFileSync(jobsPath, "utf8")));
} catch (e) {
  // only the message (a Python traceback for a PythonError): an uncaught error would print a whole minified
  // source line, and node exits before a piped stderr is flushed
  process.stderr.write(String((e && e.message) || e) + "\n");
  process.exitCode = 1;
}
"""


def enabled() -> bool:
    return os.environ.get("MLSYS_PYC", "1") != "0"


def _key(files: list[Path]) -> str:
    h = hashlib.sha256()
    h.update(f"pyodide {PYODIDE_VERSION}\n".encode())
    h.update(WORKER.read_bytes())
    for f in files:
        h.update(f"{f.name} {hashlib.sha256(f.read_bytes()).hexdigest()}\n".encode())
    return h.hexdigest()[:24]


def compile_runtime(runtime: Path, files: list[Path], info: dict, log=print) -> dict[str, dict]:
    """Replace each wheel / ``.zip`` in ``files`` (inside ``runtime``, the site's ``pyodide/``) by its compiled
    form, in place; ``info`` is the Pyodide lockfile's info block (the interpreter boots with no packages).
    Returns the worker's report per file name (compiled count, members kept as source)."""
    files = sorted(files, key=lambda p: p.name)
    key = _key(files)
    base = cache_dir() / "pyc"
    base.mkdir(parents=True, exist_ok=True)
    store = base / key
    report_path = store / "report.json"
    if report_path.exists():
        log(f"  bytecode cached ({store})")
    else:
        node = shutil.which("node") or shutil.which("nodejs")
        if node is None:
            raise FetchError("node is needed to compile wheels to bytecode with Pyodide (it comes with npm: "
                             "sudo apt-get install npm), or set MLSYS_PYC=0 to ship source")
        log(f"  compiling {len(files)} file(s) to Python {info.get('python', '3')} bytecode with Pyodide under node …")
        with staged_dir(store, ".pyc-") as out, tempfile.TemporaryDirectory() as work:
            work = Path(work)
            jobs = [[str(f.resolve()), str(out / f.name), "zip" if f.suffix == ".zip" else "wheel"] for f in files]
            (work / "jobs.json").write_text(json.dumps(jobs))
            (work / "driver.mjs").write_text(_DRIVER)
            (work / "lock.json").write_text(json.dumps({"info": info, "packages": {}}))
            mounts = sorted({str(runtime.resolve()), str(work), str(out)})
            p = _run([node, str(work / "driver.mjs"), str(runtime.resolve()) + "/", str(work / "lock.json"),
                      str(work / "jobs.json"), str(WORKER), json.dumps(mounts)],
                     "compiling bytecode with Pyodide under node", timeout=TIMEOUT_S)
            report = json.loads(p.stdout)
            (out / "report.json").write_text(json.dumps({Path(k).name: v for k, v in report.items()},
                                                        indent=1, sort_keys=True))
    report = json.loads(report_path.read_text())
    os.utime(store)
    _prune(store.parent)
    for f in files:
        shutil.copyfile(store / f.name, f)
    n = sum(r["compiled"] for r in report.values())
    kept = [k for r in report.values() for k in r["kept"]]
    log(f"  {n} modules as bytecode; {len(kept)} kept as source" + (f" (e.g. {kept[0]})" if kept else ""))
    return report


def _prune(root: Path, keep: int = KEEP) -> None:
    """Keep the ``keep`` most recently used compiled sets (this repo's wheels change with every commit)."""
    sets = sorted((d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")),
                  key=lambda d: d.stat().st_mtime, reverse=True)
    for d in sets[keep:]:
        shutil.rmtree(d, ignore_errors=True)
