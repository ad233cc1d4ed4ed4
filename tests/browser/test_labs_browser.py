"""Every lab in a real browser (Debian Chromium), network cut to the local origin."""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import pytest

import a11y
import pagekit
import phases

ROOT = Path(__file__).resolve().parents[2]
SMOKE = Path(__file__).parent / "labs" / "smoke_roofline.py"


def _open(guarded, server, lab_id: str):
    g = guarded(server.url)
    page = g.new_page()
    page.goto(server.url + f"labs/{lab_id}.html")
    pagekit.wait_interactive(page)
    return g, page


def test_smoke_lab_loads_and_every_control_drives_an_output(guarded, server, manifest):
    """The smoke lab (no prediction gate): loads, and every slider and dropdown changes an output, without errors.
    (Every course lab gets the same checks, and more, in test_lab_session.py.)"""
    assert "smoke_roofline" in {lab["id"] for lab in manifest["labs"]}, "smoke_roofline missing from the built site"
    g, page = _open(guarded, server, "smoke_roofline")
    assert pagekit.state(page)["cells"] > 0
    phases.assert_no_errors(g, page, "smoke_roofline", "after loading")
    phases.every_control_drives_an_output(g, page, "smoke_roofline")


def _smoke_defs():
    spec = importlib.util.spec_from_file_location("smoke_roofline_nb", SMOKE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _, defs = mod.app.run()
    return defs


def test_smoke_value_equals_cpython(guarded, server):
    """The latency shown in the page equals mlsysim_core in CPython for the same inputs."""
    from mlsysim_core import SingleNodeModel

    g, page = _open(guarded, server, "smoke_roofline")
    select = page.locator("select").first
    select.focus()
    select.press("ArrowDown")  # H100 → A100
    slider = page.locator("[role=slider]").first
    slider.focus()
    for _ in range(7):  # batch 1 → 8
        slider.press("ArrowRight")
    hw, batch = select.evaluate("e => e.value"), int(slider.get_attribute("aria-valuenow"))
    assert (hw, batch) == ("A100", 8)
    page.wait_for_function(
        "([hw, b]) => document.body.innerText.includes(`on ${hw}, batch ${b}:`)", arg=[hw, batch], timeout=20000)
    text = page.evaluate("() => document.body.innerText")
    shown = re.search(r"latency = ([0-9.eE+-]+) ms", text).group(1)

    defs = _smoke_defs()
    r = SingleNodeModel().solve(model=defs["MODEL"], hardware=defs["HARDWARE"][hw], batch_size=batch)
    expected = f"{r.latency.to('ms').magnitude:.6g}"
    assert shown == expected, f"browser shows {shown} ms, CPython mlsysim_core gives {expected} ms"
    assert g.outside == []


def test_offline_reload_from_service_worker(guarded, make_server_fixture, manifest):
    """Open a lab, take the server down, reload: the lab loads and runs from the service worker cache."""
    srv = make_server_fixture()
    g = guarded(srv.url, intercept=False)  # Playwright's request routing breaks the service worker's caching
    page = g.new_page()
    page.goto(srv.url + "labs/smoke_roofline.html")
    pagekit.wait_interactive(page)
    build = page.evaluate("() => window.__mlsysCacheNow()")
    assert build == manifest["build"]
    srv.stop()
    g.ctx.set_offline(True)
    page.reload()
    pagekit.wait_interactive(page)
    assert not pagekit.state(page)["errors"]
    slider = page.locator("[role=slider]").first
    cell = pagekit.cell_of(slider)
    before = pagekit.signature(page, cell)
    pagekit.move_by_keyboard("slider", slider)
    pagekit.wait_changed(page, before, cell)
    # the landing page too
    page.goto(srv.url)
    assert page.locator("ul.labs li.lab").count() >= 1
    assert g.outside == []


def test_a_file_the_worker_could_not_cache_is_cached_on_a_retry(guarded, make_server_fixture, manifest, site_dir):
    """The service worker's copy of a runtime wheel fails once (HTTP 503): the page is told, sends it again, and
    the file is cached (a failure used to leave it uncached until the next visit); the lab reopens offline."""
    srv = make_server_fixture()
    # a wheel the smoke lab does not load: only the service worker's caching of the runtime fetches it
    wheel = "/pyodide/" + next(p.name for p in (site_dir / "pyodide").glob("mlsys_labkit-*.whl"))
    srv.fail_requests(wheel, times=1)
    g = guarded(srv.url, intercept=False)
    page = g.new_page()
    page.goto(srv.url + "labs/smoke_roofline.html")
    pagekit.wait_interactive(page)
    # the charts' code chunks load when a chart first draws, which can be after the outputs settle: cache
    # once every chart has drawn (a reload before that would rightly fetch those chunks from the server)
    deadline = time.monotonic() + 60
    while not ((cs := a11y.charts(page)) and all(c["hasCanvas"] for c in cs)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert page.evaluate("() => window.__mlsysCacheNow()") == manifest["build"]
    deadline = time.monotonic() + 60
    while srv.matched_requests(wheel) < 2:  # the retry (register.js, RETRY_MS after the worker's report)
        assert time.monotonic() < deadline, f"the service worker fetched {wheel} {srv.matched_requests(wheel)}×"
        page.wait_for_timeout(250)
    page.wait_for_function("""async (url) => {
        for (const name of await caches.keys()) if (await (await caches.open(name)).match(url)) return true;
        return false; }""", arg=srv.url + wheel[1:], timeout=30_000)
    srv.stop()
    g.ctx.set_offline(True)
    page.reload()
    pagekit.wait_interactive(page)
    assert not pagekit.state(page)["errors"]
    assert g.outside == []


def test_the_rest_of_the_runtime_is_cached_only_once_the_lab_is_interactive(guarded, make_server_fixture,
                                                                           manifest, site_dir):
    """The service worker caches the whole runtime folder for offline use (packages other labs need too), but
    only after the lab has become interactive: asked for during the boot, those megabytes shared a slow link
    with the packages the kernel was waiting for."""
    srv = make_server_fixture()
    # a wheel the smoke lab does not load: only the service worker's caching of the runtime fetches it
    wheel = "/pyodide/" + next(p.name for p in (site_dir / "pyodide").glob("mlsys_labkit-*.whl"))
    g = guarded(srv.url, intercept=False)
    page = g.new_page()
    srv.take_hits()
    page.goto(srv.url + "labs/smoke_roofline.html")
    pagekit.wait_interactive(page)
    booted_at = page.evaluate("() => (performance.timeOrigin + window.__mlsysBootDone) / 1000")
    assert page.evaluate("() => window.__mlsysCacheNow()") == manifest["build"]
    deadline = time.monotonic() + 60
    while not (times := [t for path, _, _, t in srv.take_hits() if path == wheel]):
        assert time.monotonic() < deadline, f"the service worker never cached {wheel}"
        page.wait_for_timeout(250)
    assert min(times) >= booted_at, (
        f"{wheel} was fetched {booted_at - min(times):.2f} s before the lab was interactive")
    assert g.outside == []


def test_warm_reload_is_served_by_the_service_worker(guarded, make_server_fixture, manifest):
    """Once the service worker has cached a lab, a reload fetches (almost) nothing from the server and the
    lab still runs. Counts bytes, not seconds: load times are measured in bench/browser_bench.py."""
    srv = make_server_fixture()
    g = guarded(srv.url, intercept=False)
    page = g.new_page()
    srv.take_counts()
    page.goto(srv.url + "labs/smoke_roofline.html")
    pagekit.wait_interactive(page)
    # the charts' code chunks load when a chart first draws, which can be after the outputs settle: cache
    # once every chart has drawn (a reload before that would rightly fetch those chunks from the server)
    deadline = time.monotonic() + 60
    while not ((cs := a11y.charts(page)) and all(c["hasCanvas"] for c in cs)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert page.evaluate("() => window.__mlsysCacheNow()") == manifest["build"]
    cold_bytes, cold_requests = srv.take_counts()
    cold_hits = srv.take_hits()
    assert cold_bytes > 10_000_000, f"cold load served only {cold_bytes} bytes ({cold_requests} responses)"

    page.reload()
    pagekit.wait_interactive(page)
    warm_bytes, warm_requests = srv.take_counts()
    # the browser's update check of sw.js is the only request expected to reach the server
    warm_hits = [h for h in srv.take_hits() if h[0] != "/sw.js"]
    print(f"cold: {cold_bytes} B in {cold_requests} responses; warm reload: {warm_bytes} B in {warm_requests}, "
          f"{len(warm_hits)} requests other than sw.js")
    assert warm_bytes <= 0.01 * cold_bytes, (
        f"warm reload fetched {warm_bytes} B in {warm_requests} responses from the server "
        f"(cold load: {cold_bytes} B in {cold_requests}): {sorted({h[0] for h in warm_hits})[:20]}")
    assert len(warm_hits) <= 0.01 * len(cold_hits), (
        f"warm reload sent {len(warm_hits)} requests to the server (cold: {len(cold_hits)}), e.g. {warm_hits[:10]}")
    slider = page.locator("[role=slider]").first
    cell = pagekit.cell_of(slider)
    before = pagekit.signature(page, cell)
    moved_from, moved_to = pagekit.move_by_keyboard("slider", slider)
    assert moved_from != moved_to
    pagekit.wait_changed(page, before, cell)
    assert not pagekit.state(page)["errors"]
    assert g.outside == []
