"""Browser-test fixtures: a built test site, local static servers, Debian Chromium driven by Playwright.

The test site is labs/*.py plus tests/browser/labs/ (a smoke lab), built once per session into
``.cache/test-site`` (or taken from $MLSYS_TEST_SITE if that folder already holds a build).
Every context aborts and records any request that leaves the local origin; tests assert none did.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).parent))

from guard import Guarded  # noqa: E402,F401
from siteserver import LocalServer, Throttle  # noqa: E402,F401

CHROMIUM = os.environ.get("MLSYS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SMOKE_LABS = Path(__file__).parent / "labs"
LOAD_TIMEOUT_MS = int(os.environ.get("MLSYS_LOAD_TIMEOUT_MS", "180000"))


def pytest_collection_modifyitems(items):
    """Mark the browser tests and run them last (stable order): with several pytest-xdist workers the others
    keep running the fast suites while the first browser test builds the test site."""
    browser = []
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            browser.append(item)
    if browser:
        marked = set(map(id, browser))
        items[:] = [i for i in items if id(i) not in marked] + browser


# --------------------------------------------------------------------------- site

@pytest.fixture(scope="session")
def site_dir() -> Path:
    given = os.environ.get("MLSYS_TEST_SITE")
    if given:
        path = Path(given)
        assert (path / "manifest.json").exists(), f"MLSYS_TEST_SITE={given} holds no built site"
        return path
    out = ROOT / ".cache" / "test-site"
    build_test_site_once(out)
    return out


def build_test_site_once(out: Path) -> None:
    """Build the test site once per test run, also when pytest-xdist runs several workers.

    Without xdist this simply builds. With it, every worker asks under one file lock; the first builds and
    writes the run's id (``PYTEST_XDIST_TESTRUNUID``, shared by all workers of a run) next to the site, the
    others find that id and reuse the build.
    """
    import fcntl

    from wasm_build.build import build

    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        build(out, [ROOT / "labs", SMOKE_LABS])
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = out.parent / f"{out.name}.run-id"
    with open(out.parent / f"{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the build raises
        if stamp.exists() and stamp.read_text() == run_id and (out / "manifest.json").exists():
            return
        stamp.unlink(missing_ok=True)
        build(out, [ROOT / "labs", SMOKE_LABS])
        stamp.write_text(run_id)


@pytest.fixture(scope="session")
def manifest(site_dir) -> dict:
    import json

    return json.loads((site_dir / "manifest.json").read_text())


@pytest.fixture(scope="session")
def server(site_dir):
    s = LocalServer(site_dir)
    yield s
    s.stop()


@pytest.fixture
def make_server_fixture(site_dir):
    servers = []

    def make(throttle: Throttle | None = None, prefix: str = "/") -> LocalServer:
        s = LocalServer(site_dir, throttle, prefix)
        servers.append(s)
        return s

    yield make
    for s in servers:
        try:
            s.stop()
        except Exception:
            pass


# --------------------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` (as root) or set MLSYS_CHROMIUM",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def guarded(browser):
    made = []

    def make(origin: str, **kw) -> Guarded:
        g = Guarded(browser, origin, **kw)
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()


@pytest.fixture(scope="session")
def warm_context(browser, server):
    """One browser context per worker for the per-lab sessions, as one student's browser: after the first lab the
    runtime and wheels come from its HTTP cache and the site's service worker (as on a student's second lab).
    Requests are watched, not routed (routing turns the HTTP cache off): any request outside the local origin
    is recorded in ``outside`` and each test asserts there is none."""
    g = Guarded(browser, server.url, intercept=False)
    yield g
    g.close()
