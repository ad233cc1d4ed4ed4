"""Static server for the built site with the types a WASM site needs (127.0.0.1 by default).

No COOP/COEP: marimo's WASM runtime does not need SharedArrayBuffer (checked in the browser tests).
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import mimetypes
import socket
import socketserver
import threading
from pathlib import Path

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
        super().end_headers()

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
