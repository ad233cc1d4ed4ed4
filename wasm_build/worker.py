"""Boot marimo's Pyodide worker without the editor's packages.

marimo's worker (``assets/worker-*.js`` and ``assets/save-worker-*.js`` of an export) prepends
``import jedi`` and ``import docutils`` to the notebook's imports before ``loadPackagesFromImports``, and its
kernel imports jedi at start (``marimo._runtime.patches.patch_recursion_limit``: "jedi increases the recursion
limit as a side effect, upon import", after which marimo sets the limit to 1000 itself). Only the editor
uses them: jedi for code completion and docstring help (``marimo._runtime.complete``, imported on a
completion request), docutils to render reStructuredText docstrings in that help. A ``--mode run`` page has
no editor, so the site leaves them out (with jedi's parso): 6.4 MB of wheels a student's Chromebook no longer
downloads, unpacks and imports at every start (README, Browser: measured).

:func:`patch_worker` removes the two prepended imports and sets the recursion limit without importing
jedi; :data:`EDITOR_ONLY` lists what the lockfile may leave out of marimo-base's requirements. A worker
that does not look as expected (a marimo upgrade) fails the build rather than shipping a page that would
import a package the site does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

# marimo-base requirements only the editor imports: left out of the site and of pyodide-lock.json's depends.
EDITOR_ONLY: dict[str, str] = {
    "jedi": "code completion and docstring help (marimo._runtime.complete); brings parso",
    "docutils": "reStructuredText docstrings in the completion help (marimo._utils.rst_to_html)",
}

WORKER_GLOB = ("worker-*.js", "save-worker-*.js")
# how the worker prepends an import to the notebook's code: e=`import <mod>\n${e}`
_PREPENDED = r"(?P<var>[A-Za-z_$][\w$]*)=`import (?P<mod>{mods})\\n\$\{{(?P=var)\}}`"
_PREPEND = re.compile(_PREPENDED.format(mods="|".join(map(re.escape, EDITOR_ONLY))) + ",")
_ANY_PREPEND = re.compile(_PREPENDED.format(mods=r"[A-Za-z_]\w*"))
_BOOTSTRAP = re.compile(r"^(?P<indent>[ \t]*)from marimo\._pyodide\.bootstrap import create_session, instantiate\n",
                        re.M)
# Run in the worker right after marimo's bootstrap import, before the kernel starts: the same limit, no jedi.
_RECURSION_LIMIT = ("import marimo._runtime.patches as _mlsys_patches",
                    "_mlsys_patches.patch_recursion_limit = lambda limit: __import__('sys').setrecursionlimit(limit)",
                    "del _mlsys_patches")


class WorkerPatchError(RuntimeError):
    pass


def patch_worker(js: str, name: str = "worker") -> str:
    """``js`` with the editor-only imports removed and jedi's recursion-limit import replaced; raises
    :class:`WorkerPatchError` naming what was not found."""
    found = sorted(m["mod"] for m in _PREPEND.finditer(js))
    if found != sorted(EDITOR_ONLY):
        raise WorkerPatchError(f"{name}: expected one prepended import of each of {sorted(EDITOR_ONLY)}, "
                               f"found {found} (marimo changed?)")
    js = _PREPEND.sub("", js)
    boot = list(_BOOTSTRAP.finditer(js))
    if len(boot) != 1:
        raise WorkerPatchError(f"{name}: expected one bootstrap import in its Python, found {len(boot)} "
                               "(marimo changed?)")
    indent = boot[0]["indent"]
    lines = "".join(f"{indent}{line}\n" for line in _RECURSION_LIMIT)
    return js[:boot[0].end()] + lines + js[boot[0].end():]


def prepended_imports(js: str) -> set[str]:
    """The modules the worker prepends to the notebook's code before ``loadPackagesFromImports``
    (``e=`import pyodide_http\\n${e}```), after :func:`patch_worker` the editor's no longer among them."""
    return {m["mod"] for m in _ANY_PREPEND.finditer(js)}


def patch_workers(assets: Path) -> list[str]:
    """Patch every marimo worker in ``assets`` in place; returns their names (at least one, else an error)."""
    paths = sorted({p for pattern in WORKER_GLOB for p in assets.glob(pattern)})
    if not paths:
        raise WorkerPatchError(f"no marimo worker ({', '.join(WORKER_GLOB)}) in {assets} (marimo changed?)")
    for p in paths:
        p.write_text(patch_worker(p.read_text(encoding="utf-8"), p.name), encoding="utf-8")
    return [p.name for p in paths]
