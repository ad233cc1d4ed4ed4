"""The manifest lists, for each lab, the runtime files its Python worker fetches at start
(wasm_build/bootfiles.py), and the service worker fetches them into its cache ahead of the worker: the list is
exactly what the worker then asks for, and each of those files comes from the server once."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

import pagekit
from conftest import ROOT, SMOKE_LABS
from wasm_build import bootfiles

# The shape of marimo 0.25.2's worker around its loadPyodide call (minified names as shipped).
WORKER = ("function Yc(e){return`marimo-base`}var $c=class{async loadPyodideAndPackages(e){let t=1;"
          "try{let r=await Jc({packages:[`micropip`,`msgspec`,Yc(e.version),`Markdown`],_makeSnapshot:!1})}}}")

LOCK = {"packages": {
    "marimo-base": {"file_name": "marimo_base.whl", "imports": ["marimo"], "depends": ["markdown", "pygments"]},
    "markdown": {"file_name": "markdown.whl", "imports": ["markdown"], "depends": []},
    "pygments": {"file_name": "pygments.whl", "imports": ["pygments"], "depends": []},
    "micropip": {"file_name": "micropip.whl", "imports": ["micropip"], "depends": []},
    "msgspec": {"file_name": "msgspec.whl", "imports": ["msgspec"], "depends": []},
    "pint": {"file_name": "pint.whl", "imports": ["pint"], "depends": ["typing-extensions"]},
    "typing-extensions": {"file_name": "te.whl", "imports": ["typing_extensions"], "depends": []},
    "altair": {"file_name": "altair.whl", "imports": ["altair"], "depends": []},
}}


def test_the_worker_packages_are_read_from_marimos_load_call():
    assert bootfiles.worker_packages(WORKER) == ["micropip", "msgspec", "marimo-base", "Markdown"]


@pytest.mark.parametrize("js, what", [
    (WORKER.replace("loadPyodideAndPackages", "loadRuntime"), "no loadPyodide"),
    (WORKER.replace("function Yc(e){return`marimo-base`}", ""), "'Yc\\(e.version\\)'"),
])
def test_a_worker_that_changed_fails_the_build_by_name(js, what):
    with pytest.raises(bootfiles.BootFilesError, match=what):
        bootfiles.worker_packages(js)


def test_the_notebook_imports_resolve_through_the_lockfile_with_their_dependencies(tmp_path):
    nb = tmp_path / "nb.py"
    nb.write_text("import marimo\n@app.cell\ndef _():\n    import json, os.path\n    from pint import Q_\n"
                  "    from . import local\n    return\n")
    assert bootfiles.notebook_imports(nb) == {"marimo", "json", "os", "pint"}
    rt = tmp_path / "rt"
    rt.mkdir()
    sizes = {"marimo_base.whl": 900, "pygments.whl": 500, "te.whl": 10}
    for name in (*bootfiles.CORE, *(s["file_name"] for s in LOCK["packages"].values())):
        (rt / name).write_bytes(b"x" * sizes.get(name, 50))
    plan = bootfiles.boot_files(LOCK, bootfiles.worker_packages(WORKER), bootfiles.notebook_imports(nb), rt)
    assert plan["first"][:len(bootfiles.CORE)] == ["pyodide/" + f for f in bootfiles.CORE]
    # the worker's packages with their dependencies first, the largest first; then the notebook's own
    # packages (pint with its dependency); not altair (nothing imports it)
    assert plan["first"][len(bootfiles.CORE):] == ["pyodide/" + f for f in (
        "marimo_base.whl", "pygments.whl", "markdown.whl", "micropip.whl", "msgspec.whl")]
    assert plan["later"] == ["pyodide/pint.whl", "pyodide/te.whl"]
    (rt / "te.whl").unlink()
    with pytest.raises(bootfiles.BootFilesError, match="te.whl"):
        bootfiles.boot_files(LOCK, ["marimo-base"], {"pint"}, rt)
    with pytest.raises(bootfiles.BootFilesError, match="numpy"):
        bootfiles.package_closure(LOCK, ["numpy"])


def test_every_lab_lists_files_of_its_runtime(site_dir, manifest):
    lock = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())
    by_file = {s["file_name"]: name for name, s in lock["packages"].items()}
    for lab in manifest["labs"]:
        first, later = lab["boot"]["first"], lab["boot"]["later"]
        assert first[:len(bootfiles.CORE)] == ["pyodide/" + f for f in bootfiles.CORE]
        assert all((site_dir / f).is_file() for f in first + later), lab["id"]
        boot = {by_file[f.split("/", 1)[1]] for f in first[len(bootfiles.CORE):]}
        own = {by_file[f.split("/", 1)[1]] for f in later}
        assert {"marimo-base", "pygments", "micropip"} <= boot and not boot & own, lab["id"]
        assert {"mlsysim-core", "pint", "pydantic"} <= own, lab["id"]
        source = next(p for p in (ROOT / "labs" / f"{lab['id']}.py", SMOKE_LABS / f"{lab['id']}.py") if p.exists())
        # a package only some labs import is listed for those alone
        assert ("altair" in own) == ("altair" in bootfiles.notebook_imports(source)), lab["id"]
        assert ("mlsys-labkit" in own) == ("mlsys_labs" in bootfiles.notebook_imports(source)), lab["id"]


@pytest.mark.parametrize("via", ["first visit", "from the landing page"])
def test_the_listed_files_are_what_the_worker_fetches_and_each_comes_once(guarded, make_server_fixture,
                                                                          manifest, via):
    """The service worker fetches the list into its cache while marimo's JavaScript starts — when it
    activates (a first visit) or when the lab page is requested through it (opened from the landing page);
    the Python worker then asks for exactly those files (none missing from the list, none listed in vain),
    and none of them is sent by the server twice."""
    srv = make_server_fixture()
    g = guarded(srv.url, intercept=False)
    asked = []  # the runtime files the page's Python worker requested (Playwright sees a worker's requests)
    g.ctx.on("request", lambda r: asked.append(r.url[len(srv.url):]) if (
        r.url.startswith(srv.url + "pyodide/") and r.service_worker is None) else None)
    page = g.new_page()
    if via != "first visit":
        page.goto(srv.url)
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
    srv.take_hits()
    page.goto(srv.url + "labs/smoke_roofline.html")
    pagekit.wait_interactive(page)
    asked = set(asked)
    boot = next(lab["boot"] for lab in manifest["labs"] if lab["id"] == "smoke_roofline")
    listed = boot["first"] + boot["later"]
    assert asked == set(listed), (
        f"fetched, not listed: {sorted(asked - set(listed))}; listed, not fetched: {sorted(set(listed) - asked)}")
    booted_at = page.evaluate("() => (performance.timeOrigin + window.__mlsysBootDone) / 1000")
    sent = Counter(path for path, code, _, t in srv.take_hits() if code == 200 and t < booted_at)
    twice = {p: n for p, n in sent.items() if n > 1 and p.lstrip("/") in listed}
    assert not twice, f"sent more than once during the boot: {twice}"
    assert g.outside == []
