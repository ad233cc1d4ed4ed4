"""The built site: manifest, lockfile, pins, URL scan, reproducibility, serving headers, landing page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_one_place_pins_marimo_and_pyodide():
    from wasm_build import versions

    assert versions.dev_pin("marimo") == versions.MARIMO_VERSION
    assert versions.PYODIDE_VERSION == "314.0.0"
    kinds = {p.kind for p in versions.PINS}
    assert kinds <= set(versions.KINDS)


def test_manifest_lists_every_file_with_size_and_sha256(site_dir, manifest):
    from wasm_build.lockfile import sha256_file

    on_disk = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    assert sorted([*manifest["files"], *manifest["compressed"], "manifest.json", "manifest.json.gz"]) == on_disk
    for copy, meta in manifest["compressed"].items():
        assert copy == meta["of"] + ".gz" and meta["of"] in manifest["files"]
        assert sha256_file(site_dir / copy) == meta["sha256"] and meta["size"] == (site_dir / copy).stat().st_size
    for rel in ("pyodide/pyodide.asm.wasm", "sw.js", "labs/smoke_roofline.html", "index.html"):
        assert rel + ".gz" in manifest["compressed"], rel  # the runtime and every page travel compressed
    for rel in manifest["files"]:
        if rel.endswith((".whl", ".woff2", ".png")):
            assert rel + ".gz" not in manifest["compressed"], rel  # compressed already
    for rel, meta in manifest["files"].items():
        p = site_dir / rel
        assert p.stat().st_size == meta["size"], rel
    for rel in ("index.html", "sw.js", "pyodide/pyodide.asm.wasm", "pyodide/pyodide-lock.json"):
        assert sha256_file(site_dir / rel) == manifest["files"][rel]["sha256"]
    assert manifest["versions"]["pyodide"] == "314.0.0" and manifest["versions"]["marimo"] == "0.25.2"
    assert manifest["build"] in (site_dir / "sw.js").read_text()


def test_lockfile_covers_every_wheel_with_its_sha256(site_dir):
    from wasm_build.lockfile import sha256_file

    lock = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["info"]["python"].startswith("3.14")
    pkgs = lock["packages"]
    wheels = sorted(p.name for p in (site_dir / "pyodide").glob("*.whl"))
    assert sorted(p["file_name"] for p in pkgs.values()) == wheels
    for key, p in pkgs.items():
        assert sha256_file(site_dir / "pyodide" / p["file_name"]) == p["sha256"], key
        assert all(d in pkgs for d in p["depends"]), (key, p["depends"])
        assert p["imports"], key
    for needed in ("marimo-base", "mlsysim-core", "pint", "pydantic", "pydantic-core", "altair", "micropip"):
        assert needed in pkgs
    assert not {"numpy", "pandas", "plotly", "rpds-py"} & set(pkgs), "heavy/native packages must not ship"
    # pure rebuilds carry no native code
    for name in ("markupsafe", "pyyaml"):
        with zipfile.ZipFile(site_dir / "pyodide" / pkgs[name]["file_name"]) as zf:
            assert not [n for n in zf.namelist() if n.endswith(".so")]


def test_lock_closure_reports_the_missing_package(tmp_path):
    from packaging.requirements import Requirement

    from wasm_build.lockfile import LockError, WheelInfo, build_lock

    w = WheelInfo(tmp_path / "a-1-py3-none-any.whl", "a", "a", "1", "0" * 64, ["a"],
                  [Requirement("b>=2"), Requirement("c; sys_platform != 'emscripten'"), Requirement("d; extra == 'x'")])
    with pytest.raises(LockError, match="requires b>=2 but b is not in"):
        build_lock({}, {"a": w})
    b = WheelInfo(tmp_path / "b-1-py3-none-any.whl", "b", "b", "1", "0" * 64, ["b"])
    with pytest.raises(LockError, match="pins b==1"):
        build_lock({}, {"a": w, "b": b})


def test_url_scan_flags_fetches_but_not_prose_links(tmp_path):
    from wasm_build.site import scan_urls

    (tmp_path / "labs").mkdir()
    (tmp_path / "index.html").write_text('<a href="https://example.org/paper">paper</a>'
                                         '<script src="https://cdn.example.com/x.js"></script>')
    (tmp_path / "labs" / "lib.js").write_text('const a = "https://example.org/docs"; fetch(`https://api.example.com/v1`)')
    (tmp_path / "site.css").write_text("body { background: url(https://img.example.com/bg.png) }")
    problems, scanned = scan_urls(tmp_path)
    joined = "\n".join(problems)
    assert scanned == 3
    assert "cdn.example.com" in joined and "api.example.com" in joined and "img.example.com" in joined
    assert "example.org/paper" not in joined and "example.org/docs" not in joined


def test_built_site_has_no_runtime_fetch_outside(site_dir):
    from wasm_build.site import scan_urls

    problems, scanned = scan_urls(site_dir)
    assert scanned > 100 and problems == []


def test_labs_are_discovered_generically(tmp_path):
    from wasm_build.labs import all_labs

    (tmp_path / "_helper.py").write_text("x = 1\n")
    (tmp_path / "07_demo.py").write_text(
        'import marimo\napp = marimo.App(app_title="Demo lab")\n__lab__ = {"walls": (3, 4), "minutes": 20}\n')
    (tmp_path / "08_bare.py").write_text("import marimo\napp = marimo.App()\n")
    labs = {lab.id: lab for lab in all_labs(tmp_path)}
    assert set(labs) == {"07_demo", "08_bare"}
    if "07_demo" not in _catalog_ids():
        assert (labs["07_demo"].title, labs["07_demo"].walls, labs["07_demo"].minutes) == ("Demo lab", (3, 4), 20)
    assert labs["08_bare"].title == "08 bare"


def _catalog_ids():
    try:
        from mlsys_labs.catalog import LABS
    except Exception:
        return set()
    return set(LABS)


@pytest.mark.slow
def test_two_builds_give_the_same_manifest(tmp_path, manifest):
    """A second build of the same tree gives the same files, byte for byte (sha256 in the manifest), as the
    run's test site (built from this tree by conftest). With MLSYS_TEST_SITE (a site built elsewhere), both
    builds are made here."""
    import os

    from wasm_build.build import build

    def built(out):
        return json.loads(json.dumps(build(out, [ROOT / "labs", Path(__file__).parent / "labs"])))

    a = built(tmp_path / "a") if os.environ.get("MLSYS_TEST_SITE") else manifest
    b = built(tmp_path / "b")
    differing = sorted(k for k in {*a["files"], *b["files"]} if a["files"].get(k) != b["files"].get(k))
    assert differing == [] and a == b, f"files differing between two builds: {differing[:20]}"


def test_server_sends_wasm_type_and_no_isolation_headers(server):
    with urllib.request.urlopen(server.url + "pyodide/pyodide.asm.wasm") as r:
        assert r.headers["Content-Type"] == "application/wasm"
        assert r.headers.get("Cross-Origin-Embedder-Policy") is None  # not needed: no SharedArrayBuffer
    with urllib.request.urlopen(server.url + "sw.js") as r:
        assert r.headers["Content-Type"].startswith("text/javascript")
        assert "no-cache" in r.headers["Cache-Control"]


def test_landing_page_lists_labs_and_works_by_keyboard_on_a_small_screen(guarded, server, manifest, site_dir):
    g = guarded(server.url, viewport={"width": 360, "height": 740})
    page = g.new_page()
    page.goto(server.url)
    items = page.locator("ul.labs li.lab")
    assert items.count() == len(manifest["labs"])
    for lab in manifest["labs"]:
        card = page.locator(f"#lab-{lab['id']}")
        text = card.inner_text()
        assert lab["title"] in text
        if lab["walls"]:
            assert ", ".join(str(w) for w in lab["walls"]) in text
        if lab["minutes"]:
            assert f"{lab['minutes']} min" in text
        assert (site_dir / card.locator("a").get_attribute("href")).exists()
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    focused = []
    for _ in range(len(manifest["labs"]) + 3):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("() => document.activeElement.getAttribute('href')"))
    assert {lab["page"] for lab in manifest["labs"]} <= set(focused)
    assert "How to work and submit" in page.inner_text("body")
    assert g.outside == []


def test_warm_cache_makes_no_network_call(site_dir, monkeypatch):
    """After a build, every pinned wheel and the Pyodide tarball come from the cache: no subprocess (pip/npm)."""
    from wasm_build import fetch
    from wasm_build.versions import WHEEL_PINS

    def no_network(*a, **kw):
        raise AssertionError(f"unexpected subprocess with a warm cache: {a[0] if a else kw}")

    monkeypatch.setattr(fetch.subprocess, "run", no_network)
    paths = fetch.ensure_wheels(WHEEL_PINS, log=lambda *_: None)
    assert all(p is not None and p.exists() for p in paths.values())
    assert fetch.pyodide_tarball(log=lambda *_: None).exists()


# --------------------------------------------------------------------------- build steps, lockfile format

def test_build_steps_are_named_and_counted_from_the_list():
    """The progress output numbers the steps from ``STEPS`` itself, and each step's name leads its line."""
    import io

    from wasm_build.build import BuildContext, Progress, Step, run_steps

    seen = []
    steps = (Step("first", "one", lambda ctx: seen.append(1) or "did one"),
             Step("second", "two", lambda ctx: seen.append(2) or "did two"))
    out = io.StringIO()
    ctx = BuildContext(site=Path("."), labs_dirs=[], log=lambda m: None)
    run_steps(ctx, Progress(len(steps), out), steps)
    lines = out.getvalue().splitlines()
    assert seen == [1, 2]
    assert lines[0].startswith("[1/2] first: one") and lines[1].startswith("  → did one")
    assert lines[2].startswith("[2/2] second: two") and lines[3].startswith("  → did two")


def test_readme_lists_the_build_steps_in_order():
    from wasm_build.build import STEPS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The offline lab site", 1)[1].split("\n## ", 1)[0]
    import re

    listed = re.findall(r"^\d+\. \*\*([\w-]+)\*\*", section, re.M)
    assert listed == [s.name for s in STEPS], f"README steps {listed} != build steps {[s.name for s in STEPS]}"


def test_cli_prints_the_steps(capsys):
    from wasm_build.__main__ import main
    from wasm_build.build import STEPS

    assert main(["steps"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [f"{i}. {s.name}" for i, s in enumerate(STEPS, 1)]


def test_lockfile_is_read_by_pyodide_lock_with_the_pinned_version(site_dir):
    from pyodide_lock import PyodideLockSpec

    from wasm_build.versions import PYODIDE_VERSION

    spec = PyodideLockSpec.from_json(site_dir / "pyodide" / "pyodide-lock.json")
    assert spec.info.version == PYODIDE_VERSION and spec.info.python.startswith("3.14")
    spec.check_wheel_filenames()
    assert "marimo-base" in spec.packages


def test_marimo_worker_accepts_only_the_pinned_pyodide():
    """marimo's worker bundles Pyodide's loader and refuses any other core version ("Pyodide version does not
    match"), so Pyodide 314.0.x patch releases need a marimo built against them: the build checks the pin."""
    from wasm_build.build import marimo_pyodide_version
    from wasm_build.versions import PYODIDE_VERSION

    assert marimo_pyodide_version() == PYODIDE_VERSION


def test_lock_info_block_rejects_an_unknown_field():
    from wasm_build.lockfile import LockError, info_block

    info = info_block({"info": {"arch": "wasm32", "platform": "emscripten_5_0_3", "python": "3.14.0"}}, "314.0.0")
    assert info["version"] == "314.0.0" and info["python"] == "3.14.0"
    with pytest.raises(LockError, match="info block"):
        info_block({"info": {"arch": "wasm32", "platform": "x", "python": "3.14.0", "surprise": 1}}, "314.0.0")


def test_marker_environment_follows_the_lock_python():
    from wasm_build.lockfile import marker_env

    env = marker_env({"python": "3.14.2"})
    assert env["python_full_version"] == "3.14.2" and env["python_version"] == "3.14"
    assert env["sys_platform"] == "emscripten"


def _get(url: str, **headers: str):
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.mark.parametrize("rel", ["pyodide/pyodide.asm.wasm", "labs/smoke_roofline.html", "", "sw.js"])
def test_server_sends_the_gzip_copy_to_a_browser_that_accepts_it(server, site_dir, rel):
    """gzip for a client that accepts it: the decoded body is the file byte for byte, with the file's own
    type and Last-Modified (a revalidation is a 304); identity otherwise; ``Vary`` either way."""
    import gzip

    path = site_dir / (rel or "index.html")  # "": the landing page, sent for the folder URL
    status, h, body = _get(server.url + rel, **{"Accept-Encoding": "br, gzip;q=0.8, deflate"})
    assert status == 200 and h["Content-Encoding"] == "gzip" and h["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == path.read_bytes() and int(h["Content-Length"]) == len(body)
    assert h["Content-Type"] == _get(server.url + rel)[1]["Content-Type"]
    status, h304, _ = _get(server.url + rel, **{"Accept-Encoding": "gzip", "If-Modified-Since": h["Last-Modified"]})
    assert status == 304 and "Content-Encoding" not in h304
    for refused in ("identity", "gzip;q=0, *", "br", ""):
        status, hi, body = _get(server.url + rel, **{"Accept-Encoding": refused})
        assert status == 200 and "Content-Encoding" not in hi and body == path.read_bytes(), refused
        assert hi["Vary"] == "Accept-Encoding"


def test_accept_encoding_is_read_as_rfc_9110_says():
    from wasm_build.compress import accepts_gzip

    for yes in ("gzip", "GZIP", "deflate, gzip;q=0.5", "x-gzip", "*", "br;q=1, *;q=0.1", "gzip;q=1.0"):
        assert accepts_gzip(yes), yes
    for no in (None, "", "identity", "br, deflate", "gzip;q=0", "gzip;q=0.000, *", "*;q=0", "gzip;q=nope"):
        assert not accepts_gzip(no), no


def test_precompress_keeps_only_copies_that_pay_and_is_reproducible(tmp_path):
    import gzip
    import os

    from wasm_build.compress import precompress

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "big.js").write_text("let x = 1;\n" * 2000)
    (tmp_path / "tiny.css").write_text("a{}")
    (tmp_path / "noise.json").write_bytes(os.urandom(4096))  # does not shrink by 10 %
    (tmp_path / "w.whl").write_text("z" * 5000)  # compressed already by its type
    (tmp_path / "skip.json").write_text("{}" * 2000)
    copies = precompress(tmp_path, skip=("skip.json",))
    assert copies == {"a/big.js.gz": "a/big.js"}
    first = (tmp_path / "a" / "big.js.gz").read_bytes()
    assert gzip.decompress(first) == (tmp_path / "a" / "big.js").read_bytes()
    os.utime(tmp_path / "a" / "big.js", (1, 1))
    precompress(tmp_path)
    assert (tmp_path / "a" / "big.js.gz").read_bytes() == first  # no time or name in the header


def test_serve_on_every_interface_answers_on_loopback(site_dir):
    """``serve --host 0.0.0.0`` (a classroom network) listens on every interface; plain HTTP is flagged."""
    import threading

    from wasm_build.serve import is_loopback, make_server, site_urls

    srv = make_server(site_dir, host="0.0.0.0", port=0, quiet=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        port = srv.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html") as r:
            assert r.status == 200
        assert f"http://127.0.0.1:{port}/" in site_urls("0.0.0.0", port)
    finally:
        srv.shutdown()
        srv.server_close()
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.20")


def test_static_preview_shows_outputs_and_skips_errors():
    from wasm_build.labs import patch_page, static_preview, LabInfo

    session = {"cells": [
        {"id": "a", "outputs": [{"type": "data", "data": {"text/markdown": "<h1>Roofline</h1>"}}]},
        {"id": "b", "outputs": [{"type": "data", "data": {"text/plain": "x < y"}}]},
        {"id": "c", "outputs": [{"type": "error", "ename": "ancestor-stopped", "evalue": "stopped"}]},
        {"id": "d", "outputs": [{"type": "data", "data": {"text/plain": ""}}]},
        {"id": "e", "outputs": [{"type": "data", "data": {
            "text/html": "<marimo-ui-element object-id='e-0'><marimo-slider></marimo-slider></marimo-ui-element>"}}]},
    ]}
    html = static_preview(session)
    assert "<marimo-" not in html and "</marimo-" not in html  # never upgraded into live UI elements
    assert "<mlsys-static-ui-element object-id='e-0'><mlsys-static-slider></mlsys-static-slider>" in html
    assert '<div class="mlsys-static-cell" data-cell-id="a"><h1>Roofline</h1></div>' in html
    assert "<pre>x &lt; y</pre>" in html
    assert 'data-cell-id="c"' not in html and 'data-cell-id="d"' not in html
    assert static_preview({"cells": []}) == ""
    import json

    page = ('<html><head></head><body><marimo-wasm hidden></marimo-wasm><div id="root"></div><script>'
            f'window.__MARIMO_MOUNT_CONFIG__ = {{"session": {json.dumps(session)}}}</script></body></html>')
    out = patch_page(page, LabInfo("x", Path("x.py"), "X", (), None))
    # before marimo's (empty, inert) root, which the page's CSS keeps transparent while the preview is there
    assert '<div class="mlsys-static" id="mlsys-preview">' in out and "Roofline" in out
    assert out.index('id="mlsys-preview"') < out.index('<div id="root" inert></div>')
    assert "#mlsys-preview~#root{" in out


def test_lab_pages_add_their_module_preloads_after_the_first_frame(site_dir, manifest):
    """No ``<link rel="modulepreload">`` is left in a lab page's head: one script at the end of the body adds
    them all (same files as marimo's export, each once, all in the shared assets) after the first frame."""
    import re

    for lab in manifest["labs"]:
        text = (site_dir / lab["page"]).read_text(encoding="utf-8")
        head, body = text.split("</head>", 1)
        assert "modulepreload" not in head, lab["id"]
        scripts = re.findall(r"<script>\(function\(\)\{var hrefs=(\[.*?\]),done=false;.*?</script>", body)
        assert len(scripts) == 1, lab["id"]
        hrefs = json.loads(scripts[0])
        assert len(hrefs) > 50 and len(set(hrefs)) == len(hrefs), lab["id"]
        for h in hrefs:
            assert h.startswith("./assets/") and f"labs/{h[2:]}" in manifest["files"], (lab["id"], h)
        assert body.index(scripts[0]) > body.index('<div id="root"'), lab["id"]


def test_lab_pages_request_their_stylesheets_before_any_script_or_preload(site_dir, manifest):
    """The pre-rendered narrative shows once the head's stylesheets are in (inline scripts after them wait for
    them): each lab page lists every stylesheet before its first preload, module preload and script, so a slow
    link carries the CSS first; the cascade keeps marimo's order, then the site's own sheet."""
    import re

    for lab in manifest["labs"]:
        text = (site_dir / lab["page"]).read_text(encoding="utf-8")
        head = text[:text.index("</head>")]
        sheets = [m.start() for m in re.finditer(r'<link rel="stylesheet"', head)]
        others = [m.start() for m in re.finditer(r'<link rel="(?:module)?preload"|<script\b', head)]
        assert len(sheets) >= 2 and others, lab["id"]
        assert max(sheets) < min(others), f"{lab['id']}: a stylesheet comes after a preload or script"
        hrefs = re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', head)
        assert hrefs[-1] == "../lab-a11y.css" and hrefs[0].startswith("./assets/"), (lab["id"], hrefs)
