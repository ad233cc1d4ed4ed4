"""Static server for the built site with the types a WASM site needs (127.0.0.1 by default).

No COOP/COEP: marimo's WASM runtime does not need SharedArrayBuffer (checked in the browser tests).
"""

from __future__ import annotations

import email.utils
import functools
import http.server
import ipaddress
import mimetypes
import os
import socket
import socketserver
import threading
from pathlib import Path

from . import compress

TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html",
}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**mimetypes.types_map, **TYPES, "": "application/octet-stream"}
    quiet = False

    def end_headers(self):
        # revalidate everything (Last-Modified → 304): file names such as pyodide-lock.json do not change
        # between builds; the service worker is the cache that keeps the site offline
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        if getattr(self, "vary", False):  # the file has a gzip copy: caches must key on Accept-Encoding
            self.send_header("Vary", "Accept-Encoding")
        super().end_headers()

    def send_head(self):
        """The file's precompressed copy (``x.js.gz``, written by the build's ``compress`` step) when the
        client accepts gzip, with the original's type and Last-Modified (so 304s work as for the original);
        otherwise the file itself."""
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")  # what the base class sends for a folder URL
        packed = path + compress.SUFFIX
        self.vary = os.path.isfile(path) and os.path.isfile(packed)  # per request: a connection is reused
        if not self.vary or not compress.accepts_gzip(self.headers.get("Accept-Encoding")):
            return super().send_head()
        try:
            f = open(packed, "rb")
        except OSError:
            return super().send_head()
        try:
            mtime = int(os.stat(path).st_mtime)
            since = self.headers.get("If-Modified-Since")
            if since and not self.headers.get("If-None-Match"):
                try:
                    if mtime <= int(email.utils.parsedate_to_datetime(since).timestamp()):
                        self.send_response(304)
                        self.end_headers()
                        f.close()
                        return None
                except (TypeError, ValueError, IndexError, OverflowError):
                    pass
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
            self.send_header("Last-Modified", self.date_time_string(mtime))
            self.end_headers()
            return f
        except Exception:
            f.close()
            raise

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the browser went away mid-response (page closed or reloaded)
        super().handle_error(request, client_address)


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False) -> Server:
    handler = functools.partial(type("H", (SiteHandler,), {"quiet": quiet}), directory=str(root))
    return Server((host, port), handler)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def site_urls(host: str, port: int) -> str:
    """The URL(s) a browser would use: every address of this machine when listening on all interfaces."""
    if host not in ("0.0.0.0", "::", ""):
        return f"http://{host}:{port}/"
    addrs = {"127.0.0.1"}
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this picks the interface of the default route
            addrs.add(s.getsockname()[0])
    except OSError:
        pass
    return "  ".join(f"http://{a}:{port}/" for a in sorted(addrs))


def serve_in_thread(root: Path, port: int = 0, quiet: bool = True) -> tuple[Server, str]:
    """Start a server on an ephemeral port in a daemon thread; returns (server, base URL with '/')."""
    srv = make_server(root, port=port, quiet=quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"
