"""Local static servers for the built site (tests and bench): optional emulated link (bandwidth + latency),
an optional sub-path (the site at ``/course/labs/`` like a GitHub Pages project site) and a switch that makes
the server drop every connection unanswered (the network gone, as a fetch sees it)."""

from __future__ import annotations

import functools
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from wasm_build.serve import SiteHandler, make_server  # noqa: E402


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
    prefix = "/"

    def parse_request(self):
        # checked once the request has arrived: the browser opens connections ahead of its requests
        if self.server.down:  # answer nothing: the client sees a network error
            self.close_connection = True
            return False
        return super().parse_request()

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / ".not-under-the-prefix")  # 404
        return super().translate_path("/" + path[len(self.prefix):])

    def send_head(self):
        path = self.path.split("?", 1)[0]
        with self.server.count_lock:
            rule = self.server.fail.get(path)
            fail = False
            if rule is not None and all(want in (self.headers.get(h) or "") for h, want in rule["headers"].items()):
                rule["matched"] += 1
                fail = rule["matched"] <= rule["times"]
        if fail:  # an injected failure (LocalServer.fail_requests)
            self.send_error(503, "injected failure")
            return None
        return super().send_head()

    def log_request(self, code="-", size="-"):
        with self.server.count_lock:
            self.server.hits.append((self.path, int(code) if str(code).isdigit() else 0,
                                     self.headers.get("Sec-Fetch-Dest", ""), time.time()))

    def copyfile(self, source, outputfile):
        t = self.throttle
        if t is not None:
            time.sleep(t.latency)
        while chunk := source.read(64 * 1024):
            if t is not None:
                t.wait_for(len(chunk))
            outputfile.write(chunk)
            with self.server.count_lock:
                self.server.bytes_sent += len(chunk)
        with self.server.count_lock:
            self.server.requests += 1


class LocalServer:
    """The built site on 127.0.0.1 (ephemeral port); ``stop()`` takes it down for offline tests."""

    def __init__(self, root: Path, throttle: Throttle | None = None, prefix: str = "/"):
        assert prefix.startswith("/") and prefix.endswith("/"), prefix
        handler = type("H", (ThrottledHandler,), {"throttle": throttle, "prefix": prefix})
        self.srv = make_server(root, port=0, quiet=True)
        self.srv.bytes_sent, self.srv.requests, self.srv.count_lock = 0, 0, threading.Lock()
        self.srv.hits = []
        self.srv.fail = {}  # path -> injected-failure rule (fail_requests)
        self.srv.down = False
        self.srv.RequestHandlerClass = functools.partial(handler, directory=str(root))
        self.origin = f"http://127.0.0.1:{self.srv.server_address[1]}"
        self.url = self.origin + prefix
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def take_counts(self) -> tuple[int, int]:
        """(bytes, responses with a body) served since the last call."""
        with self.srv.count_lock:
            out = (self.srv.bytes_sent, self.srv.requests)
            self.srv.bytes_sent, self.srv.requests = 0, 0
        return out

    def take_hits(self) -> list[tuple[str, int, str, float]]:
        """Every request answered since the last call (304s included): (path, status, Sec-Fetch-Dest, the
        wall-clock time it was answered, ``time.time()``)."""
        with self.srv.count_lock:
            out, self.srv.hits = self.srv.hits, []
        return out

    def fail_requests(self, path: str, times: int = 1, **headers: str) -> None:
        """Answer the first ``times`` requests for ``path`` (e.g. ``"/pyodide/x.whl"``) whose headers contain the
        given values (``Cache_Control="max-age=0"``: underscores for dashes) with HTTP 503."""
        with self.srv.count_lock:
            self.srv.fail[path] = {"headers": {k.replace("_", "-"): v for k, v in headers.items()},
                                   "times": times, "matched": 0}

    def matched_requests(self, path: str) -> int:
        """How many requests for ``path`` matched its ``fail_requests`` rule (failed or not)."""
        with self.srv.count_lock:
            return self.srv.fail[path]["matched"]

    def set_down(self, down: bool) -> None:
        """While down, every connection is closed unanswered (fetch fails as with no network)."""
        self.srv.down = down

    def stop(self) -> None:
        self.srv.shutdown()
        self.srv.server_close()
