"""``python -m wasm_build``: labs/*.py → a self-contained static site (default ``_site/``).

Layout of the output:
  index.html, site.css, register.js, sw.js, manifest.json
  pyodide/   Pyodide core (npm pyodide@VER), every wheel, pyodide-lock.json (sha256 for each file)
  labs/      <lab_id>.html per lab + ONE shared assets/ folder (marimo's frontend) + icons
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import fetch, labs as labs_mod, lockfile, pycompile, site as site_mod
from .versions import MARIMO_VERSION, PINS, PYODIDE_VERSION, ROOT, WHEEL_PINS, dev_pin

DEFAULT_OUT = ROOT / "_site"
STDLIB_ZIP = "python_stdlib.zip"


class BuildError(RuntimeError):
    pass


class Progress:
    def __init__(self, total: int, stream=sys.stdout):
        self.total, self.n, self.t0, self.stream = total, 0, time.monotonic(), stream

    def step(self, msg: str) -> None:
        self.n += 1
        print(f"[{self.n}/{self.total}] {msg}  (+{time.monotonic() - self.t0:.1f}s)", file=self.stream, flush=True)

    def log(self, msg: str) -> None:
        print(msg, file=self.stream, flush=True)


_URL_IN_NOTEBOOK = re.compile(r"""https?://[^\s"'`<>()\\]+""")
_PROSE_LINK = re.compile(r"""(\]\(|href=\\?["']|<)$""")


def scan_notebook_urls(path: Path) -> list[str]:
    """Absolute URLs in a notebook that are not prose links ([text](url), <url>, href=) would be fetched."""
    text = path.read_text(encoding="utf-8")
    bad = []
    for m in _URL_IN_NOTEBOOK.finditer(text):
        before = text[max(0, m.start() - 7):m.start()]
        if not _PROSE_LINK.search(before):
            line = text.count("\n", 0, m.start()) + 1
            bad.append(f"{path.name}:{line}: {m.group(0)} (write prose links as [text](url))")
    return bad


def build(out: Path = DEFAULT_OUT, labs_dirs: list[Path] | None = None, stream=sys.stdout) -> dict:
    """Build the site into ``out`` (replaced atomically at the end). Returns the manifest."""
    pr = Progress(8, stream)
    labs_dirs = labs_dirs or [labs_mod.LABS_DIR]
    marimo_dev = dev_pin("marimo")
    if marimo_dev and marimo_dev != MARIMO_VERSION:
        raise BuildError(f"requirements/dev.txt pins marimo=={marimo_dev} but browser.txt pins "
                         f"marimo-base=={MARIMO_VERSION}: the export and the browser runtime must match")
    import marimo

    if marimo.__version__ != MARIMO_VERSION:
        raise BuildError(f"marimo {marimo.__version__} is installed, the site pins {MARIMO_VERSION}: "
                         "pip install -r requirements/dev.txt")

    out = out.resolve()
    with fetch.staged_dir(out, ".site-") as tmp:
        manifest = _build_into(tmp, labs_dirs, pr)
    pr.log(f"done: {out} ({len(manifest['files'])} files, "
           f"{sum(f['size'] for f in manifest['files'].values()) / 1e6:.1f} MB), build {manifest['build'][:12]}")
    return manifest


def _build_into(site: Path, labs_dirs: list[Path], pr: Progress) -> dict:
    # 1. labs
    lab_paths = [p for d in labs_dirs for p in labs_mod.discover(d)]
    pr.step(f"labs: {len(lab_paths)} notebook(s) in {', '.join(str(d) for d in labs_dirs)}")
    catalog = labs_mod._catalog()
    labs = [labs_mod.lab_info(p, catalog) for p in lab_paths]
    ids = [lab.id for lab in labs]
    if len(set(ids)) != len(ids):
        raise BuildError(f"duplicate lab ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    bad = [u for lab in labs for u in scan_notebook_urls(lab.path)]
    # marimo's worker preloads pandas + duckdb + sqlglot for any notebook that uses SQL cells: not shipped
    bad += [f"{lab.path.name}: uses mo.sql (needs pandas/duckdb, which the site does not ship)"
            for lab in labs if "mo.sql" in lab.path.read_text(encoding="utf-8")]
    if bad:
        raise BuildError("notebooks cannot run offline from this site:\n- " + "\n- ".join(bad))
    for lab in labs:
        pr.log(f"  {lab.id}: {lab.title} (walls {list(lab.walls)}, {lab.minutes} min)")

    # 2. Pyodide core
    pr.step(f"Pyodide {PYODIDE_VERSION} core (npm registry, cached in {fetch.cache_dir() / 'npm'})")
    rt = site / "pyodide"
    upstream = fetch.extract_core(fetch.pyodide_tarball(pr.log), rt)

    # 3. PyPI wheels
    pr.step(f"{len(WHEEL_PINS)} pinned wheels (requirements/browser.txt; cache {fetch.cache_dir() / 'wheels'})")
    paths = fetch.ensure_wheels(WHEEL_PINS, pr.log)

    # 4. this repo's packages
    pr.step("wheels of this repo's packages, from source")
    local_dir = site / ".local-wheels"
    local = [fetch.build_local_wheel(src, local_dir, files, pr.log) for src, files in fetch.local_projects()]

    # 5. lockfile
    pr.step("pyodide-lock.json")
    infos: dict[str, lockfile.WheelInfo] = {}
    for whl in [*paths.values(), *local]:
        shutil.copyfile(whl, rt / whl.name)
        w = lockfile.read_wheel(rt / whl.name)
        if w.name in infos:
            raise BuildError(f"{w.name} provided twice ({infos[w.name].path.name}, {whl.name})")
        infos[w.name] = w
    shutil.rmtree(local_dir)
    if pycompile.enabled():
        # bytecode from the pinned interpreter: third-party wheels + stdlib (cached), then this repo's wheels
        local_names = {w.name for w in local}
        shipped = [w.path for w in infos.values()]
        pycompile.compile_runtime(rt, [p for p in shipped if p.name not in local_names] + [rt / STDLIB_ZIP],
                                   upstream["info"], pr.log)
        pycompile.compile_runtime(rt, [p for p in shipped if p.name in local_names], upstream["info"], pr.log)
        infos = {name: lockfile.read_wheel(w.path) for name, w in infos.items()}
    try:
        lock = lockfile.build_lock(upstream["info"], infos)
    except lockfile.LockError as e:
        raise BuildError(str(e)) from None
    lockfile.write_lock(lock, rt / "pyodide-lock.json")
    pr.log(f"  {len(lock['packages'])} packages, {sum(p.stat().st_size for p in rt.iterdir()) / 1e6:.1f} MB runtime")

    # 6. export labs
    pr.step(f"exporting {len(labs)} lab(s) with marimo {MARIMO_VERSION} (--mode run)")
    site_labs = site / "labs"
    site_labs.mkdir()
    with tempfile.TemporaryDirectory() as tmpd, ThreadPoolExecutor(max_workers=2) as ex:
        futs = {lab.id: ex.submit(labs_mod.export, lab, Path(tmpd) / lab.id) for lab in labs}
        for lab in labs:
            page = futs[lab.id].result()
            conflicts = labs_mod.merge_shared(page.parent, site_labs)
            if conflicts:
                raise BuildError(f"{lab.id}: shared assets differ between exports: {conflicts[:5]}")
            (site_labs / f"{lab.id}.html").write_text(labs_mod.patch_page(page.read_text(encoding="utf-8"), lab),
                                                      encoding="utf-8")
            pr.log(f"  labs/{lab.id}.html")

    # 7. landing page, static files
    pr.step("landing page, service worker, manifest")
    for name in ("site.css", "register.js"):
        shutil.copyfile(site_mod.SITE_SRC / name, site / name)
    versions = {
        "pyodide": PYODIDE_VERSION,
        "marimo": MARIMO_VERSION,
        "python": upstream["info"].get("python"),
        "wheels": {k: infos[k].version for k in sorted(infos)},
        "pins": {p.name: f"{p.version} ({p.kind})" for p in PINS},
    }
    lab_dicts = [lab.as_dict() for lab in labs]
    runtime_bytes = sum(p.stat().st_size for p in rt.iterdir())
    # the landing page shows the build id, so hash everything else first
    pre = site_mod.build_hash(site_mod.file_table(site), versions, lab_dicts)
    (site / "index.html").write_text(
        site_mod.render_index(lab_dicts, marimo=MARIMO_VERSION, pyodide=PYODIDE_VERSION, build=pre,
                              runtime_bytes=runtime_bytes), encoding="utf-8")
    files = site_mod.file_table(site)
    build_id = site_mod.build_hash(files, versions, lab_dicts)
    precache = ["./", "index.html", "site.css", "register.js", "manifest.json"]
    runtime = sorted(f for f in files if f.startswith("pyodide/"))
    site_mod.write_service_worker(site, build_id, precache, runtime)
    manifest = site_mod.write_manifest(site, build=build_id, versions=versions, labs=lab_dicts)

    # 8. offline scan
    pr.step("scanning every text file for absolute URLs fetched at run time")
    problems, scanned = site_mod.scan_urls(site)
    if problems:
        raise BuildError(f"{len(problems)} absolute URL(s) would be fetched at run time:\n- "
                         + "\n- ".join(problems[:50]))
    pr.log(f"  {scanned} text files clean")
    return manifest
