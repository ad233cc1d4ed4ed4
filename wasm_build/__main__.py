"""CLI: ``python -m wasm_build [build] [--out DIR] [--labs DIR ...]``, ``python -m wasm_build serve
[--host ADDR] [--port N]`` and ``python -m wasm_build steps`` (the build's steps, in order)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m wasm_build", description=__doc__)
    ap.add_argument("command", nargs="?", default="build", choices=["build", "serve", "steps"])
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: _site)")
    ap.add_argument("--labs", type=Path, action="append", default=None,
                    help="folder of lab notebooks (repeatable; default: labs/)")
    ap.add_argument("--host", default="127.0.0.1",
                    help="serve: address to listen on (default 127.0.0.1; 0.0.0.0 = every interface, for a "
                         "classroom network: see the README for what plain HTTP cannot do there)")
    ap.add_argument("--port", type=int, default=8000, help="serve: port (default 8000; 0 = any)")
    ap.add_argument("--no-build", action="store_true", help="serve: serve the existing folder without rebuilding")
    args = ap.parse_args(argv)

    from .build import DEFAULT_OUT, BuildError, build, describe_steps
    from .fetch import FetchError

    if args.command == "steps":
        print(describe_steps())
        return 0

    out = args.out or DEFAULT_OUT
    if not (args.command == "serve" and args.no_build):
        try:
            build(out, args.labs)
        except (BuildError, FetchError) as e:
            print(f"\nbuild failed: {e}", file=sys.stderr)
            return 1
    if args.command == "serve":
        from .serve import is_loopback, make_server, site_urls

        if not (out / "index.html").exists():
            print(f"{out} has no index.html: build first", file=sys.stderr)
            return 1
        srv = make_server(out, host=args.host, port=args.port)
        print(f"\nServing {out} at {site_urls(args.host, srv.server_address[1])}  (Ctrl+C to stop)", flush=True)
        if not is_loopback(args.host):
            print("note: over plain HTTP, browsers on other machines run the labs but do not install the service "
                  "worker (it needs HTTPS or localhost), so the labs will not work offline there", flush=True)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
