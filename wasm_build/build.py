"""``python -m wasm_build``: labs/*.py → a self-contained static site (default ``_site/``).

Layout of the output:
  index.html, site.css, register.js, landing.js, sw.js, manifest.json
  pyodide/   Pyodide core (npm pyodide@VER), every wheel, pyodide-lock.json (sha256 for each file)
  labs/      <lab_id>.html per lab + ONE shared assets/ folder (marimo's frontend) + icons

The build is the list ``STEPS`` of named step functions, run in order on one :class:`BuildContext`; their
names and summaries drive the progress output (``[3/9] wheels: …``) and ``python -m wasm_build steps``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import bootfiles, compress, fetch, labs as labs_mod, lockfile, pycompile, site as site_mod, worker
from .versions import MARIMO_VERSION, PINS, PYODIDE_VERSION, ROOT, WHEEL_PINS, dev_pin

DEFAULT_OUT = ROOT / "_site"
STDLIB_ZIP = "python_stdlib.zip"


class BuildError(RuntimeError):
    pass


class Progress:
    """``[i/n] name: detail (+elapsed)`` for each step, indented detail lines in between."""

    def __init__(self, total: int, stream=sys.stdout):
        self.total, self.n, self.t0, self.stream = total, 0, time.monotonic(), stream

    def step(self, msg: str) -> None:
        self.n += 1
        print(f"[{self.n}/{self.total}] {msg}  (+{time.monotonic() - self.t0:.1f}s)", file=self.stream, flush=True)

    def log(self, msg: str) -> None:
        print(msg, file=self.stream, flush=True)


@dataclass
class BuildContext:
    """What the steps hand on to each other."""

    site: Path
    labs_dirs: list[Path]
    log: Callable[[str], None]
    labs: list[labs_mod.LabInfo] = field(default_factory=list)
    upstream_lock: dict = field(default_factory=dict)  # the npm package's own pyodide-lock.json
    wheels: dict[str, lockfile.WheelInfo] = field(default_factory=dict)  # canonical name -> shipped wheel
    local_names: set[str] = field(default_factory=set)  # this repo's packages
    manifest: dict = field(default_factory=dict)
    boot: dict = field(default_factory=dict)  # lab id -> runtime files its worker fetches at start (bootfiles)

    @property
    def runtime(self) -> Path:
        return self.site / "pyodide"

    @property
    def info(self) -> dict:
        return lockfile.info_block(self.upstream_lock, PYODIDE_VERSION)


@dataclass(frozen=True)
class Step:
    name: str
    summary: str
    run: Callable[[BuildContext], str]  # returns the detail shown after the step's name


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


# --------------------------------------------------------------------------- steps

def step_labs(ctx: BuildContext) -> str:
    paths = [p for d in ctx.labs_dirs for p in labs_mod.discover(d)]
    catalog = labs_mod._catalog()
    ctx.labs = [labs_mod.lab_info(p, catalog) for p in paths]
    ids = [lab.id for lab in ctx.labs]
    if len(set(ids)) != len(ids):
        raise BuildError(f"duplicate lab ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    bad = [u for lab in ctx.labs for u in scan_notebook_urls(lab.path)]
    # marimo's worker preloads pandas + duckdb + sqlglot for any notebook that uses SQL cells: not shipped
    bad += [f"{lab.path.name}: uses mo.sql (needs pandas/duckdb, which the site does not ship)"
            for lab in ctx.labs if "mo.sql" in lab.path.read_text(encoding="utf-8")]
    if bad:
        raise BuildError("notebooks cannot run offline from this site:\n- " + "\n- ".join(bad))
    for lab in ctx.labs:
        ctx.log(f"  {lab.id}: {lab.title} (walls {list(lab.walls)}, {lab.minutes} min)")
    return f"{len(ctx.labs)} notebook(s) in {', '.join(str(d) for d in ctx.labs_dirs)}"


def marimo_pyodide_version() -> str | None:
    """The Pyodide version marimo's bundled loader accepts: its worker throws "Pyodide version does not match"
    for any other core (``checkAPIVersion``), so a patch release of Pyodide needs a marimo built against it."""
    import marimo

    pattern = re.compile(r"\.version!==`(\d+\.\d+\.\d+)`")
    for worker in sorted((Path(marimo.__file__).parent / "_static" / "assets").glob("worker-*.js")):
        m = pattern.search(worker.read_text(encoding="utf-8", errors="replace"))
        if m:
            return m.group(1)
    return None


def step_pyodide(ctx: BuildContext) -> str:
    wanted = marimo_pyodide_version()
    if wanted is not None and wanted != PYODIDE_VERSION:
        raise BuildError(f"marimo {MARIMO_VERSION}'s worker only accepts Pyodide {wanted}, but "
                         f"requirements/browser.txt pins pyodide=={PYODIDE_VERSION}")
    ctx.upstream_lock = fetch.extract_core(fetch.pyodide_tarball(ctx.log), ctx.runtime)
    return f"Pyodide {PYODIDE_VERSION} core (npm registry, cached in {fetch.cache_dir() / 'npm'})"


def _add_wheel(ctx: BuildContext, whl: Path) -> lockfile.WheelInfo:
    shutil.copyfile(whl, ctx.runtime / whl.name)
    w = lockfile.read_wheel(ctx.runtime / whl.name)
    if w.name in ctx.wheels:
        raise BuildError(f"{w.name} provided twice ({ctx.wheels[w.name].path.name}, {whl.name})")
    ctx.wheels[w.name] = w
    return w


def step_wheels(ctx: BuildContext) -> str:
    for whl in fetch.ensure_wheels(WHEEL_PINS, ctx.log).values():
        _add_wheel(ctx, whl)
    return f"{len(WHEEL_PINS)} pinned wheels (requirements/browser.txt; cache {fetch.cache_dir() / 'wheels'})"


def step_own_wheels(ctx: BuildContext) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        for src, files in fetch.local_projects():
            ctx.local_names.add(_add_wheel(ctx, fetch.build_local_wheel(src, Path(tmp), files, ctx.log)).name)
    return f"{', '.join(sorted(ctx.local_names))} from source"


def step_bytecode(ctx: BuildContext) -> str:
    if not pycompile.enabled():
        return "skipped (MLSYS_PYC=0: the site ships source)"
    rt = ctx.runtime
    third = [w.path for name, w in ctx.wheels.items() if name not in ctx.local_names]
    own = [w.path for name, w in ctx.wheels.items() if name in ctx.local_names]
    # third-party wheels + stdlib (a cached set that rarely changes), then this repo's wheels
    pycompile.compile_runtime(rt, [*third, rt / STDLIB_ZIP], ctx.info, ctx.log)
    pycompile.compile_runtime(rt, own, ctx.info, ctx.log)
    ctx.wheels = {name: lockfile.read_wheel(w.path) for name, w in ctx.wheels.items()}
    return f"{len(ctx.wheels)} wheels and {STDLIB_ZIP} as Python {ctx.info.get('python')} bytecode"


def step_lockfile(ctx: BuildContext) -> str:
    try:
        lock = lockfile.build_lock(ctx.info, ctx.wheels, frozenset(worker.EDITOR_ONLY))
    except lockfile.LockError as e:
        raise BuildError(str(e)) from None
    lockfile.write_lock(lock, ctx.runtime / "pyodide-lock.json")
    mb = sum(p.stat().st_size for p in ctx.runtime.iterdir()) / 1e6
    return f"pyodide-lock.json: {len(lock.packages)} packages, {mb:.1f} MB runtime"


def step_export(ctx: BuildContext) -> str:
    site_labs = ctx.site / "labs"
    site_labs.mkdir()
    with tempfile.TemporaryDirectory() as tmpd, ThreadPoolExecutor(max_workers=2) as ex:
        futs = {lab.id: ex.submit(labs_mod.export, lab, Path(tmpd) / lab.id) for lab in ctx.labs}
        for lab in ctx.labs:
            page = futs[lab.id].result()
            if labs_mod.prerender_enabled():
                session = labs_mod.embedded_session(page.read_text(encoding="utf-8"))
                if session is None:
                    raise BuildError(f"{lab.id}: marimo embedded no pre-rendered outputs (marimo changed?)")
                errors = labs_mod.session_errors(session)
                if errors:
                    raise BuildError(f"{lab.id}: pre-rendering in CPython failed:\n- " + "\n- ".join(errors[:5]))
            conflicts = labs_mod.merge_shared(page.parent, site_labs)
            if conflicts:
                raise BuildError(f"{lab.id}: shared assets differ between exports: {conflicts[:5]}")
            (site_labs / f"{lab.id}.html").write_text(labs_mod.patch_page(page.read_text(encoding="utf-8"), lab),
                                                      encoding="utf-8")
            ctx.log(f"  labs/{lab.id}.html")
    try:
        patched = worker.patch_workers(site_labs / "assets")
    except worker.WorkerPatchError as e:
        raise BuildError(str(e)) from None
    ctx.log(f"  {', '.join(patched)}: boot without {', '.join(worker.EDITOR_ONLY)} (editor only)")
    try:
        ctx.boot = boot_plans(ctx, site_labs)
    except bootfiles.BootFilesError as e:
        raise BuildError(str(e)) from None
    sizes = [sum((ctx.site / f).stat().st_size for f in plan["first"] + plan["later"]) for plan in ctx.boot.values()]
    ctx.log(f"  boot files of each lab (manifest): {min(sizes) / 1e6:.1f}–{max(sizes) / 1e6:.1f} MB of the runtime")
    how = "outputs pre-rendered in CPython" if labs_mod.prerender_enabled() else "no pre-rendered outputs"
    return f"{len(ctx.labs)} lab(s) with marimo {MARIMO_VERSION} (--mode run, {how})"


def boot_plans(ctx: BuildContext, site_labs: Path) -> dict[str, dict[str, list[str]]]:
    """The runtime files each lab's Python worker fetches at start (wasm_build/bootfiles.py), by lab id."""
    workers = sorted((site_labs / "assets").glob("worker-*.js"))
    if len(workers) != 1:
        raise bootfiles.BootFilesError(f"expected one marimo worker-*.js in labs/assets, found {len(workers)}")
    js = workers[0].read_text(encoding="utf-8")
    pkgs, prepended = bootfiles.worker_packages(js, workers[0].name), worker.prepended_imports(js)
    lock = json.loads((ctx.runtime / "pyodide-lock.json").read_text(encoding="utf-8"))
    return {lab.id: bootfiles.boot_files(lock, pkgs, bootfiles.notebook_imports(lab.path) | prepended, ctx.runtime)
            for lab in ctx.labs}


def step_pages(ctx: BuildContext) -> str:
    site = ctx.site
    for name in site_mod.STATIC_FILES:
        shutil.copyfile(site_mod.SITE_SRC / name, site / name)
    versions = {
        "pyodide": PYODIDE_VERSION,
        "marimo": MARIMO_VERSION,
        "python": ctx.info.get("python"),
        "wheels": {k: ctx.wheels[k].version for k in sorted(ctx.wheels)},
        "pins": {p.name: f"{p.version} ({p.kind})" for p in PINS},
    }
    lab_dicts = [{**lab.as_dict(), "boot": ctx.boot[lab.id]} for lab in ctx.labs]
    runtime_bytes = sum(p.stat().st_size for p in ctx.runtime.iterdir())
    # the landing page shows the build id, so hash everything else first
    pre = site_mod.build_hash(site_mod.file_table(site), versions, lab_dicts)
    (site / "index.html").write_text(
        site_mod.render_index(lab_dicts, marimo=MARIMO_VERSION, pyodide=PYODIDE_VERSION, build=pre,
                              runtime_bytes=runtime_bytes), encoding="utf-8")
    files = site_mod.file_table(site)
    build_id = site_mod.build_hash(files, versions, lab_dicts)
    runtime = sorted(f for f in files if f.startswith("pyodide/"))
    site_mod.write_service_worker(site, build_id, site_mod.PRECACHE, runtime)
    ctx.manifest = site_mod.write_manifest(site, build=build_id, versions=versions, labs=lab_dicts)
    return "index.html, sw.js (with its offline page), manifest.json"


def step_scan(ctx: BuildContext) -> str:
    problems, scanned = site_mod.scan_urls(ctx.site)
    if problems:
        raise BuildError(f"{len(problems)} absolute URL(s) would be fetched at run time:\n- "
                         + "\n- ".join(problems[:50]))
    return f"{scanned} text files hold no absolute URL fetched at run time"


def step_compress(ctx: BuildContext) -> str:
    """Gzip copies for servers that send precompressed files; listed in the manifest as ``compressed``
    ({copy: original}); manifest.json's own copy is written last and, like manifest.json, not listed."""
    copies = compress.precompress(ctx.site, skip=("manifest.json",))
    ctx.manifest = site_mod.add_compressed(ctx.site, ctx.manifest, copies)
    compress.precompress_one(ctx.site / "manifest.json")
    packed = sum((ctx.site / c).stat().st_size for c in copies)
    raw = sum(ctx.manifest["files"][o]["size"] for o in copies.values())
    return f"{len(copies)} gzip copies: {raw / 1e6:.1f} MB of text and wasm sent as {packed / 1e6:.1f} MB"


STEPS: tuple[Step, ...] = (
    Step("labs", "find the notebooks, read their metadata, refuse URLs they would fetch", step_labs),
    Step("pyodide", "the Pyodide core from the npm registry", step_pyodide),
    Step("wheels", "every wheel pinned in requirements/browser.txt, from PyPI (cached)", step_wheels),
    Step("own-wheels", "wheels of this repo's packages, built from source reproducibly", step_own_wheels),
    Step("bytecode", "wheels and the standard library compiled to .pyc by the pinned Pyodide under node",
         step_bytecode),
    Step("lockfile", "pyodide-lock.json: sha256, imports and browser dependencies of every wheel", step_lockfile),
    Step("export", "marimo export html-wasm of each lab (outputs pre-rendered; MLSYS_PRERENDER=0: not), pointed at "
         "the site's own runtime",
         step_export),
    Step("pages", "landing page, service worker (with its offline page) and manifest", step_pages),
    Step("scan", "every text file checked for absolute URLs fetched at run time", step_scan),
    Step("compress", "gzip copies of the text and wasm files, sent by servers that serve precompressed files",
         step_compress),
)


def check_versions() -> None:
    marimo_dev = dev_pin("marimo")
    if marimo_dev and marimo_dev != MARIMO_VERSION:
        raise BuildError(f"requirements/dev.txt pins marimo=={marimo_dev} but browser.txt pins "
                         f"marimo-base=={MARIMO_VERSION}: the export and the browser runtime must match")
    import marimo

    if marimo.__version__ != MARIMO_VERSION:
        raise BuildError(f"marimo {marimo.__version__} is installed, the site pins {MARIMO_VERSION}: "
                         "pip install -r requirements/dev.txt")


def run_steps(ctx: BuildContext, pr: Progress, steps: tuple[Step, ...] = STEPS) -> None:
    for step in steps:
        pr.step(f"{step.name}: {step.summary}")
        t0 = time.monotonic()
        detail = step.run(ctx)
        pr.log(f"  → {detail} ({time.monotonic() - t0:.1f}s)")


def build(out: Path = DEFAULT_OUT, labs_dirs: list[Path] | None = None, stream=sys.stdout) -> dict:
    """Build the site into ``out`` (replaced atomically at the end). Returns the manifest."""
    check_versions()
    pr = Progress(len(STEPS), stream)
    out = out.resolve()
    with fetch.staged_dir(out, ".site-") as tmp:
        ctx = BuildContext(site=tmp, labs_dirs=labs_dirs or [labs_mod.LABS_DIR], log=pr.log)
        run_steps(ctx, pr)
    manifest = ctx.manifest
    pr.log(f"done: {out} ({len(manifest['files'])} files, "
           f"{sum(f['size'] for f in manifest['files'].values()) / 1e6:.1f} MB), build {manifest['build'][:12]}")
    return manifest


def describe_steps(steps: tuple[Step, ...] = STEPS) -> str:
    """The step list as printed by ``python -m wasm_build steps`` (the README's list matches it; tested)."""
    return "\n".join(f"{i}. {s.name}: {s.summary}" for i, s in enumerate(steps, 1))
