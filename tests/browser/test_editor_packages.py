"""The site boots marimo's worker without the editor's packages (jedi + parso, docutils): none is shipped,
none is a dependency in the lockfile, the shipped workers neither prepend their imports nor import jedi for
the recursion limit, and the Python the worker runs at boot still compiles after the patch."""

from __future__ import annotations

import json
import re
import textwrap
from types import SimpleNamespace

import pytest

from wasm_build.worker import EDITOR_ONLY, WorkerPatchError, patch_worker, prepended_imports

LEFT_OUT = {*EDITOR_ONLY, "parso"}  # parso: jedi's own requirement

# The shape of marimo 0.25.2's worker around the two places patched (minified names as shipped).
WORKER = ("let n=await requirePyodide;e=`import docutils\\n${e}`,e=`import pygments\\n${e}`,"
          "e=`import jedi\\n${e}`,e=`import pyodide_http\\n${e}`;await n.loadPackagesFromImports(e);"
          "self.pyodide.runPython(`\n      import asyncio\n"
          "      from marimo._pyodide.bootstrap import create_session, instantiate\n\n"
          "      session = create_session()\n    `)")


def _boot_python(js: str) -> list[str]:
    """Each ``runPython(`…`)`` template of ``js`` that starts marimo's session, dedented as Pyodide runs it."""
    out = []
    for m in re.finditer(r"runPython\(`(.*?)`\)", js, re.S):
        if "marimo._pyodide.bootstrap import create_session" in m.group(1):
            out.append(textwrap.dedent(re.sub(r"\$\{[^}]*\}", "x", m.group(1))))
    return out


def test_patch_removes_the_editor_imports_and_keeps_the_rest():
    js = patch_worker(WORKER)
    assert "import jedi" not in js and "import docutils" not in js
    assert "e=`import pygments\\n${e}`,e=`import pyodide_http\\n${e}`;" in js  # the others, in their order
    (boot,) = _boot_python(js)
    compile(boot, "<worker boot>", "exec")  # the inserted lines sit at the template's indentation
    assert boot.index("from marimo._pyodide.bootstrap") < boot.index("patch_recursion_limit =") < boot.index(
        "create_session()")


def test_the_imports_left_prepended_are_read_from_the_patched_worker():
    assert prepended_imports(WORKER) == {"docutils", "pygments", "jedi", "pyodide_http"}
    assert prepended_imports(patch_worker(WORKER)) == {"pygments", "pyodide_http"}


def test_the_replacement_sets_the_limit_it_is_given():
    (boot,) = _boot_python(patch_worker(WORKER))
    expr = next(ln for ln in boot.splitlines() if "patch_recursion_limit =" in ln).split("=", 1)[1].strip()
    seen = {}
    fake_sys = SimpleNamespace(setrecursionlimit=lambda n: seen.update(limit=n))
    fn = eval(expr.replace("__import__('sys')", "_sys"), {"_sys": fake_sys})  # our own line, not input
    fn(limit=1000)
    assert seen == {"limit": 1000}


@pytest.mark.parametrize("broken, what", [
    (WORKER.replace("e=`import jedi\\n${e}`,", ""), "found \\['docutils'\\]"),
    (WORKER.replace("from marimo._pyodide.bootstrap", "from marimo.bootstrap"), "found 0"),
    ("", "found \\[\\]"),
])
def test_a_worker_that_changed_fails_the_build_by_name(broken, what):
    with pytest.raises(WorkerPatchError, match=what):
        patch_worker(broken, "worker-X.js")


def test_the_site_ships_no_editor_package(site_dir):
    lock = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())
    pkgs = lock["packages"]
    assert not LEFT_OUT & set(pkgs)
    assert not [w for w in (site_dir / "pyodide").glob("*.whl") if w.name.split("-")[0] in LEFT_OUT]
    assert not LEFT_OUT & set(pkgs["marimo-base"]["depends"])
    assert {"pygments", "msgspec", "markdown"} <= set(pkgs["marimo-base"]["depends"])  # the rest stays


def test_every_shipped_worker_is_patched_and_its_boot_compiles(site_dir):
    workers = sorted((site_dir / "labs" / "assets").glob("*worker-*.js"))
    assert len(workers) >= 2
    for w in workers:
        js = w.read_text(encoding="utf-8")
        assert not re.search(r"`import (jedi|docutils)\\n", js), w.name
        boots = _boot_python(js)
        assert len(boots) == 1 and "patch_recursion_limit = lambda" in boots[0], w.name
        compile(boots[0], w.name, "exec")


def test_the_lock_may_leave_out_only_what_it_is_told(tmp_path):
    from packaging.requirements import Requirement

    from wasm_build.lockfile import LockError, WheelInfo, build_lock

    a = WheelInfo(tmp_path / "a-1-py3-none-any.whl", "a", "a", "1", "0" * 64, ["a"],
                  [Requirement("jedi>=0.19"), Requirement("b")])
    b = WheelInfo(tmp_path / "b-1-py3-none-any.whl", "b", "b", "1", "0" * 64, ["b"])
    info = {"arch": "wasm32", "platform": "emscripten_5_0_3", "version": "314.0.0", "python": "3.14.0"}
    lock = build_lock(info, {"a": a, "b": b}, frozenset({"jedi"}))
    assert lock.packages["a"].depends == ["b"]
    with pytest.raises(LockError, match="requires b but b is not in"):
        build_lock(info, {"a": a}, frozenset({"jedi"}))
    jedi = WheelInfo(tmp_path / "jedi-1-py3-none-any.whl", "jedi", "jedi", "1", "0" * 64, ["jedi"])
    with pytest.raises(LockError, match="jedi is left out of the site"):
        build_lock(info, {"a": a, "b": b, "jedi": jedi}, frozenset({"jedi"}))
