"""Browser-test fixtures: a built test site, local static servers, Debian Chromium driven by Playwright.

The test site is labs/*.py plus tests/browser/labs/ (a smoke lab), built once per session into
``.cache/test-site`` (or taken from $MLSYS_TEST_SITE if that folder already holds a build).
Every context aborts and records any request that leaves the local origin; tests assert none did.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wasm_build.serve import SiteHandler, make_server  # noqa: E402

CHROMIUM = os.environ.get("MLSYS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SMOKE_LABS = Path(__file__).parent / "labs"
LOAD_TIMEOUT_MS = int(os.environ.get("MLSYS_LOAD_TIMEOUT_MS", "180000"))


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------- site

@pytest.fixture(scope="session")
def site_dir() -> Path:
    given = os.environ.get("MLSYS_TEST_SITE")
    if given:
        path = Path(given)
        assert (path / "manifest.json").exists(), f"MLSYS_TEST_SITE={given} holds no built site"
        return path
    from wasm_build.build import build

    out = ROOT / ".cache" / "test-site"
    build(out, [ROOT / "labs", SMOKE_LABS])
    return out


@pytest.fixture(scope="session")
def manifest(site_dir) -> dict:
    import json

    return json.loads((site_dir / "manifest.json").read_text())


class Throttle:
    """A shared link: ``rate`` bytes/s for all connections together, plus ``latency`` s per request."""

    def __init__(self, rate: float, latency: float):
        self.rate, self.latency, self.lock, self.next_free = rate, latency, threading.Lock(), 0.0

    def wait_for(self, nbytes: int) -> None:
        with self.lock:
            start = max(time.monotonic(), self.next_free)
            self.next_free = start + nbytes / self.rate
            until = self.next_free
        delay = until - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class ThrottledHandler(SiteHandler):
    throttle: Throttle | None = None
    quiet = True

    def copyfile(self, source, outputfile):
        t = self.throttle
        if t is None:
            return super().copyfile(source, outputfile)
        time.sleep(t.latency)
        while chunk := source.read(64 * 1024):
            t.wait_for(len(chunk))
            outputfile.write(chunk)


class LocalServer:
    """The built site on 127.0.0.1 (ephemeral port); ``stop()`` takes it down for offline tests."""

    def __init__(self, root: Path, throttle: Throttle | None = None):
        import functools

        handler = type("H", (ThrottledHandler,), {"throttle": throttle})
        self.srv = make_server(root, port=0, quiet=True)
        self.srv.RequestHandlerClass = functools.partial(handler, directory=str(root))
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/"
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture(scope="session")
def server(site_dir):
    s = LocalServer(site_dir)
    yield s
    s.stop()


@pytest.fixture
def make_server_fixture(site_dir):
    servers = []

    def make(throttle: Throttle | None = None) -> LocalServer:
        s = LocalServer(site_dir, throttle)
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


class Guarded:
    """A browser context whose requests outside ``origin`` are aborted and recorded in ``outside``."""

    def __init__(self, browser, origin: str, **kw):
        self.origin, self.outside, self.errors = origin, [], []
        self.ctx = browser.new_context(viewport=kw.pop("viewport", {"width": 1366, "height": 768}), **kw)
        self.ctx.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def new_page(self):
        page = self.ctx.new_page()
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    def close(self):
        self.ctx.close()


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


# --------------------------------------------------------------------------- page helpers (used by tests and bench)

MARIMO_ERROR_SELECTOR = ".marimo-error, [data-testid='marimo-error'], .mo-error, [data-mime-type='application/vnd.marimo+error']"


def wait_interactive(page, timeout_ms: int = LOAD_TIMEOUT_MS) -> None:
    """The kernel has run: every cell finished (no running/queued marker) and some control or output exists."""
    page.wait_for_function(
        """() => {
          const cells = document.querySelectorAll('[data-cell-id]');
          if (!cells.length) return false;
          const busy = document.querySelector('[data-status="running"], [data-status="queued"], .marimo-cell.running');
          const shown = document.querySelector('.output-area, [data-cell-role="output"], .marimo-output');
          return !busy && !!shown && !document.querySelector('marimo-wasm-loading, .marimo-loading');
        }""",
        timeout=timeout_ms,
    )
