"""Write ``pyodide-lock.json`` for our own runtime folder.

Our own small writer (``pyodide-lock`` 0.1 cannot read Pyodide 314 lockfiles; 0.2 needs Python >= 3.12):
the info block comes from the npm package's lockfile; each wheel gets name, version, file_name, sha256,
imports, depends (Requires-Dist evaluated for sys_platform == "emscripten"), install_dir "site".
Every dependency must itself be in the lock, at a version its dependents accept, or the build fails — except
those the build names as left out (``omit``: marimo-base's editor-only packages, ``wasm_build.worker``), which
are dropped from ``depends``.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version
from pyodide_lock import InfoSpec, PackageSpec, PyodideLockSpec

# Marker environment of Pyodide 314 (emscripten 5.0.3, wasm32); the Python version comes from the lock's info.
EMSCRIPTEN_ENV = {
    "implementation_name": "cpython",
    "implementation_version": "3.14.0",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "platform_python_implementation": "CPython",
    "platform_release": "5.0.3",
    "platform_system": "Emscripten",
    "platform_version": "#1",
    "python_full_version": "3.14.0",
    "python_version": "3.14",
    "sys_platform": "emscripten",
    "extra": "",
}


class LockError(RuntimeError):
    pass


@dataclass
class WheelInfo:
    path: Path
    name: str  # canonical
    display_name: str
    version: str
    sha256: str
    imports: list[str]
    requires: list[Requirement] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _imports(zf: zipfile.ZipFile, dist_info: str) -> list[str]:
    names = zf.namelist()
    top = f"{dist_info}/top_level.txt"
    if top in names:
        mods = [m.strip().split("/")[0] for m in zf.read(top).decode().splitlines() if m.strip()]
        return sorted({m for m in mods if m.isidentifier()})
    mods = set()
    for n in names:
        first = n.split("/", 1)[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in n:
            if first.isidentifier() and (n == f"{first}/__init__.py" or n.startswith(f"{first}/")):
                # a package dir (regular or namespace) — require at least one module inside
                if n.endswith((".py", ".pyc")):  # .pyc: wheels compiled by wasm_build.pycompile
                    mods.add(first)
        elif n.endswith((".py", ".pyc")) and n.rsplit(".", 1)[0].isidentifier():
            mods.add(n.rsplit(".", 1)[0])
    return sorted(mods)


def read_wheel(path: Path) -> WheelInfo:
    name, ver, _, _ = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as zf:
        dist_info = next(n.split("/")[0] for n in zf.namelist() if n.split("/")[0].endswith(".dist-info")
                         and n.endswith("/METADATA"))
        meta = Parser().parsestr(zf.read(f"{dist_info}/METADATA").decode("utf-8"))
        imports = _imports(zf, dist_info)
    requires = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    return WheelInfo(path, canonicalize_name(name), meta["Name"], str(ver), sha256_file(path), imports, requires)


def marker_env(info: dict | None = None) -> dict:
    """Pyodide's marker environment, with the Python version of the lock's ``info`` block when given."""
    env = dict(EMSCRIPTEN_ENV)
    py = (info or {}).get("python")
    if py:
        env.update(implementation_version=py, python_full_version=py, python_version=".".join(py.split(".")[:2]))
    return env


def info_block(upstream_lock: dict, pyodide_version: str) -> dict:
    """The info block of our lock: the npm package's, plus ``version`` (see the module docstring)."""
    info = dict(upstream_lock.get("info") or {})
    info.setdefault("version", pyodide_version)
    try:
        return InfoSpec(**info).model_dump()
    except ValueError as e:
        raise LockError(f"the Pyodide {pyodide_version} lockfile's info block is not understood: {e}") from None


def browser_requirements(w: WheelInfo, info: dict | None = None) -> list[Requirement]:
    """Requirements that apply in Pyodide (markers evaluated for emscripten, no extras)."""
    env = marker_env(info)
    out = []
    for r in w.requires:
        if r.marker is None or Marker(str(r.marker)).evaluate(env):
            out.append(r)
    return out


def check_closure(wheels: dict[str, WheelInfo], info: dict | None = None, omit: frozenset[str] = frozenset()) -> None:
    """Every browser requirement not in ``omit`` present and satisfied by the pinned version; else a clear error."""
    problems = []
    for w in wheels.values():
        for r in browser_requirements(w, info):
            dep = canonicalize_name(r.name)
            if dep in omit:
                if dep in wheels:
                    problems.append(f"{dep} is left out of the site (editor only) but pinned in "
                                    "requirements/browser.txt")
            elif dep not in wheels:
                problems.append(f"{w.name} {w.version} requires {r} but {dep} is not in requirements/browser.txt")
            elif r.specifier and not r.specifier.contains(Version(wheels[dep].version), prereleases=True):
                problems.append(f"{w.name} {w.version} requires {r} but browser.txt pins {dep}=={wheels[dep].version}")
    if problems:
        raise LockError("browser runtime is inconsistent:\n- " + "\n- ".join(problems))


def build_lock(info: dict, wheels: dict[str, WheelInfo], omit: frozenset[str] = frozenset()) -> PyodideLockSpec:
    check_closure(wheels, info, omit)
    packages = {}
    for key in sorted(wheels):
        w = wheels[key]
        packages[key] = PackageSpec(
            name=w.display_name, version=w.version, file_name=w.path.name, install_dir="site", sha256=w.sha256,
            package_type="package", imports=w.imports, unvendored_tests=False,
            depends=sorted({canonicalize_name(r.name) for r in browser_requirements(w, info)} - omit))
    lock = PyodideLockSpec(info=InfoSpec(**info), packages=packages)
    try:
        lock.check_wheel_filenames()
    except ValueError as e:
        raise LockError(str(e)) from None
    return lock


def write_lock(lock: PyodideLockSpec, path: Path) -> None:
    lock.to_json(path, indent=1)
