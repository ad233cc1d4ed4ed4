"""Downloads (cached) and wheel builds for the browser runtime.

Cache: ``$MLSYS_WASM_CACHE`` or ``~/.cache/mlsys-wasm`` with ``npm/`` (Pyodide tarball), ``wheels/``
(PyPI wheels and pure rebuilds, by exact version). With a warm cache nothing here touches the network.
Local wheels (this repo's packages) are rebuilt every time from a clean staging copy, reproducibly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

from .versions import ABI, PY_VERSION, PYODIDE_VERSION, ROOT, WASM_PLATFORM, Pin

DEFAULT_EPOCH = 315532800  # 1980-01-01, the earliest time a zip can hold
IGNORE_COPY = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", "*.egg-info", "build", "dist")


class FetchError(RuntimeError):
    """A download or build failed; the message names the package."""


def cache_dir() -> Path:
    d = Path(os.environ.get("MLSYS_WASM_CACHE") or Path.home() / ".cache" / "mlsys-wasm")
    (d / "npm").mkdir(parents=True, exist_ok=True)
    (d / "wheels").mkdir(parents=True, exist_ok=True)
    return d


def source_date_epoch() -> int:
    return int(os.environ.get("SOURCE_DATE_EPOCH") or DEFAULT_EPOCH)


@contextlib.contextmanager
def staged_dir(dest: Path, prefix: str):
    """A fresh folder beside ``dest`` to fill; on success it replaces ``dest`` (rename), on error it is removed,
    so ``dest`` is never seen half-written."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=dest.parent))
    try:
        yield tmp
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _run(cmd: list[str], what: str, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        # the last lines, each cut short (node prints a whole minified source line with a stack trace)
        tail = "\n".join(line if len(line) <= 300 else line[:300] + " …"
                         for line in (p.stdout + p.stderr).strip().splitlines()[-15:])
        raise FetchError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n{tail}")
    return p


# --------------------------------------------------------------------------- Pyodide core (npm)

def pyodide_tarball(log=print) -> Path:
    """``pyodide-<ver>.tgz`` from the npm registry (``npm pack``), cached."""
    d = cache_dir() / "npm"
    tgz = d / f"pyodide-{PYODIDE_VERSION}.tgz"
    if tgz.exists():
        return tgz
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError(f"pyodide@{PYODIDE_VERSION}: not cached in {d} and `npm` is not installed "
                         "(apt-get install -y npm, or put the tarball there)")
    log(f"  downloading pyodide@{PYODIDE_VERSION} from the npm registry")
    _run([npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(d)], f"pyodide@{PYODIDE_VERSION}")
    if not tgz.exists():
        raise FetchError(f"pyodide@{PYODIDE_VERSION}: npm pack did not produce {tgz.name}")
    return tgz


# marimo's worker bundles its own loader and fetches pyodide.asm.{mjs,wasm} + python_stdlib.zip; pyodide.mjs
# is kept for anyone loading the runtime directly.
CORE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")


def extract_core(tgz: Path, dest: Path) -> dict:
    """Extract the runtime files into ``dest``; return the npm package's own lockfile (for its info block)."""
    import json

    dest.mkdir(parents=True, exist_ok=True)
    upstream = None
    with tarfile.open(tgz) as tf:
        for name in CORE_FILES:
            member = tf.getmember(f"package/{name}")
            data = tf.extractfile(member).read()
            if name == "pyodide-lock.json":
                upstream = json.loads(data)
                continue  # we write our own lockfile
            (dest / name).write_bytes(data)
    return upstream


# --------------------------------------------------------------------------- PyPI wheels

def cached_wheel(pin: Pin) -> Path | None:
    for f in sorted((cache_dir() / "wheels").glob("*.whl")):
        try:
            name, ver, _, tags = parse_wheel_filename(f.name)
        except Exception:
            continue
        if name != pin.name or str(ver) != pin.version:
            continue
        plats = {t.platform for t in tags}
        if pin.kind == "wasm" and WASM_PLATFORM in plats:
            return f
        if pin.kind in ("pure", "purebuild") and plats == {"any"}:
            return f
    return None


def _download(pin: Pin, pip: list[str]) -> None:
    dest = cache_dir() / "wheels"
    cmd = [*pip, "download", "--no-deps", "--only-binary=:all:", "--python-version", PY_VERSION, "-d", str(dest)]
    if pin.kind == "wasm":
        cmd += ["--platform", WASM_PLATFORM, "--implementation", "cp", "--abi", ABI]
    _run(cmd + [pin.spec], f"downloading {pin.spec} ({pin.kind} wheel for Pyodide {PYODIDE_VERSION})")


def _purebuild(pin: Pin, pip: list[str]) -> None:
    """Build the sdist with a compiler that always fails → the package's pure-Python fallback; retag."""
    dest = cache_dir() / "wheels"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CC="/bin/false", CXX="/bin/false", SOURCE_DATE_EPOCH=str(source_date_epoch()))
        _run([*pip, "wheel", "--no-deps", "--no-binary", pin.name, "--no-cache-dir", "-w", tmp, pin.spec],
             f"building a pure wheel of {pin.spec}", env=env)
        built = list(Path(tmp).glob("*.whl"))
        if len(built) != 1:
            raise FetchError(f"{pin.spec}: expected one wheel, got {[b.name for b in built]}")
        whl = built[0]
        with zipfile.ZipFile(whl) as zf:
            native = [n for n in zf.namelist() if n.endswith((".so", ".pyd", ".dylib"))]
        if native:
            raise FetchError(f"{pin.spec}: the 'pure' rebuild still contains native code: {native}")
        if not whl.name.endswith("-py3-none-any.whl"):
            _run([sys.executable, "-m", "wheel", "tags", "--remove", "--python-tag", "py3", "--abi-tag", "none",
                  "--platform-tag", "any", str(whl)], f"retagging {whl.name}")
            whl = next(Path(tmp).glob("*-py3-none-any.whl"))
        shutil.copy2(whl, dest / whl.name)


def ensure_wheels(pins: list[Pin], log=print) -> dict[str, Path]:
    """Path of the cached wheel of every pin; download/build the missing ones (4 at a time)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    missing = [p for p in pins if cached_wheel(p) is None]
    if missing:
        log(f"  fetching {len(missing)} wheel(s) into {cache_dir() / 'wheels'}: {', '.join(p.spec for p in missing)}")

        def one(p: Pin):
            (_purebuild if p.kind == "purebuild" else _download)(p, pip)
            if cached_wheel(p) is None:
                raise FetchError(f"{p.spec}: no {p.kind} wheel found after download")
            log(f"    ok  {p.spec}")

        with ThreadPoolExecutor(max_workers=4) as ex:
            errors = []
            for p, fut in [(p, ex.submit(one, p)) for p in missing]:
                try:
                    fut.result()
                except Exception as e:  # collect all, report together
                    errors.append(f"- {p.spec}: {e}")
            if errors:
                raise FetchError("missing browser package(s):\n" + "\n".join(errors))
    return {p.name: cached_wheel(p) for p in pins}


# --------------------------------------------------------------------------- local wheels

def build_local_wheel(src: Path, dest: Path, files: tuple[str, ...], log=print) -> Path:
    """Build a wheel of the project at ``src`` from a clean staging copy of ``files`` (no caches), with
    SOURCE_DATE_EPOCH fixed so the wheel's bytes are reproducible. Needs hatchling in this interpreter."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "src"
        stage.mkdir()
        for name in files:
            s = src / name
            if s.is_dir():
                shutil.copytree(s, stage / name, ignore=IGNORE_COPY)
            elif s.exists():
                shutil.copy2(s, stage / name)
        if not (stage / "README.md").exists():  # hatchling refuses a missing readme
            (stage / "README.md").write_text(f"# {src.name}\n", encoding="utf-8")
        out = Path(tmp) / "dist"
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(source_date_epoch()))
        _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(stage)],
             f"building the wheel of {src}", env=env)
        whl = next(out.glob("*.whl"))
        target = dest / whl.name
        shutil.copy2(whl, target)
    name = canonicalize_name(parse_wheel_filename(target.name)[0])
    log(f"  built {target.name} ({name}) from source")
    return target


def local_projects() -> list[tuple[Path, tuple[str, ...]]]:
    """(project dir, files to stage) for this repo's packages shipped to the browser."""
    projects = [(ROOT, ("pyproject.toml", "README.md", "LICENSE", "mlsysim_core"))]
    labkit = ROOT / "labkit"
    if (labkit / "pyproject.toml").exists():
        entries = tuple(sorted(p.name for p in labkit.iterdir() if p.name not in {"tests", "build", "dist"}
                               and not p.name.startswith(".") and not p.name.endswith(".egg-info")))
        projects.append((labkit, entries))
    return projects
