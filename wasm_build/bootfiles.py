"""The runtime files a lab's Python worker fetches when it starts, worked out at build time.

On a first visit marimo creates its Pyodide worker only once its JavaScript has been evaluated (≈ 6 s on the
emulated Chromebook, README "Browser"), while the link sits idle from ≈ 3 s; and the packages of the
notebook's own imports are asked for only after Python and marimo have booted, while the link is idle again.
The manifest therefore lists, for each lab, the runtime files its worker will ask for, and the service worker
(``site/sw.js``) fetches them into the build's cache as soon as it is active (a first visit) or as soon as the
lab page is requested (a controlled one): ``first`` at once, ``later`` once ``first`` is in. The worker's own
requests are then answered from the cache, or wait for the copy already on its way.

``first`` is what marimo's worker loads before the notebook runs, ``later`` what the notebook adds:

1. the Pyodide core it imports and instantiates (:data:`CORE`);
2. the packages of its ``loadPyodide({packages: [...]})`` call (read from the exported worker, so a marimo
   upgrade that changes them changes the list, or fails the build when the call is not found);
3. the packages of the notebook's own imports and of the imports the worker prepends to them (``import
   pyodide_http``, …: ``wasm_build.worker.prepended_imports``), as ``pyodide.loadPackagesFromImports``
   resolves them (each top-level module looked up in the lockfile's ``imports``; standard-library modules
   are not there);

2 and 3 each with every ``depends`` of the lockfile, to the end; ``later`` holds the packages of 3 not
already in 2.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from packaging.utils import canonicalize_name

# Pyodide's own files the worker fetches before any package: the Emscripten module, the lockfile, the wasm
# binary and the standard library (``loadPyodide`` of the pinned Pyodide).
CORE = ("pyodide.asm.mjs", "pyodide-lock.json", "pyodide.asm.wasm", "python_stdlib.zip")

_LOAD_CALL = re.compile(r"loadPyodideAndPackages\([^)]*\)\{.*?\bpackages:\[(?P<items>[^\]]*)\]", re.S)
_LITERAL = re.compile(r"^`([A-Za-z0-9_.\-]+)`$")
_CALL = re.compile(r"^([A-Za-z_$][\w$]*)\([^()]*\)$")


class BootFilesError(RuntimeError):
    pass


def worker_packages(js: str, name: str = "worker") -> list[str]:
    """The package names of marimo's ``loadPyodide({packages: [...]})`` in its worker's JavaScript. An item
    that is a call (``Yc(e.version)``) is resolved when the function returns a constant
    (``function Yc(e){return`marimo-base`}``); anything else is an error naming the item."""
    m = _LOAD_CALL.search(js)
    if m is None:
        raise BootFilesError(f"{name}: no loadPyodide({{packages: [...]}}) in loadPyodideAndPackages "
                             "(marimo changed?)")
    out = []
    for item in (i.strip() for i in m["items"].split(",") if i.strip()):
        lit, call = _LITERAL.match(item), _CALL.match(item)
        if lit:
            out.append(lit[1])
            continue
        const = call and re.search(r"function %s\([^)]*\)\{return`([A-Za-z0-9_.\-]+)`\}" % re.escape(call[1]), js)
        if not const:
            raise BootFilesError(f"{name}: cannot tell which package {item!r} of loadPyodide names "
                                 "(marimo changed?)")
        out.append(const[1])
    return out


def notebook_imports(path: Path) -> set[str]:
    """Top-level module names the notebook imports anywhere (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module.split(".")[0])
    return mods


def package_closure(lock: dict, roots: list[str]) -> list[str]:
    """``roots`` (canonical names, in order) and every package they depend on, breadth first; a root or
    dependency the lockfile does not have is an error."""
    packages = lock["packages"]
    seen: list[str] = []
    todo = [canonicalize_name(r) for r in roots]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        if name not in packages:
            raise BootFilesError(f"{name} is not in pyodide-lock.json")
        seen.append(name)
        todo.extend(canonicalize_name(d) for d in packages[name].get("depends", []))
    return seen


def boot_files(lock: dict, worker_pkgs: list[str], imports: set[str], runtime: Path) -> dict[str, list[str]]:
    """``{"first": [...], "later": [...]}``, paths relative to the site root (``pyodide/…``): :data:`CORE` and
    the worker's packages first, the notebook's own packages later; the wheels of each the largest first (the
    service worker fetches two at a time, so the long ones start early)."""
    by_import = {mod: name for name, spec in lock["packages"].items() for mod in spec.get("imports", [])}
    boot = package_closure(lock, worker_pkgs)
    notebook = [n for n in package_closure(lock, sorted({by_import[m] for m in imports if m in by_import}))
                if n not in boot]
    names = {part: [lock["packages"][n]["file_name"] for n in pkgs] for part, pkgs in
             (("first", boot), ("later", notebook))}
    missing = [f for f in (*CORE, *names["first"], *names["later"]) if not (runtime / f).is_file()]
    if missing:
        raise BootFilesError(f"not in the runtime folder: {missing}")
    by_size = lambda files: sorted(files, key=lambda f: (-(runtime / f).stat().st_size, f))  # noqa: E731
    return {"first": ["pyodide/" + f for f in (*CORE, *by_size(names["first"]))],
            "later": ["pyodide/" + f for f in by_size(names["later"])]}
