"""CLI: ``python -m wasm_build [build] [--out DIR] [--labs DIR ...]`` and ``python -m wasm_build serve``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m wasm_build", description=__doc__)
    ap.add_argument("command", nargs="?", default="build", choices=["build", "serve"])
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: _site)")
    ap.add_argument("--labs", type=Path, action="append", default=None,
                    help="folder of lab notebooks (repeatable; default: labs/)")
    ap.add_argument("--port", type=int, default=8000, help="serve: port on 127.0.0.1 (default 8000; 0 = any)")
    ap.add_argument("--no-build", action="store_true", help="serve: serve the existing folder without rebuilding")
    args = ap.parse_args(argv)

    from .build import DEFAULT_OUT, BuildError, build
    from .fetch import FetchError

    out = args.out or DEFAULT_OUT
    if not (args.command == "serve" and args.no_build):
        try:
            build(out, args.labs)
        except (BuildError, FetchError) as e:
            print(f"\nbuild failed: {e}", file=sys.stderr)
            return 1
    if args.command == "serve":
        from .serve import make_server

        if not (out / "index.html").exists():
            print(f"{out} has no index.html: build first", file=sys.stderr)
            return 1
        srv = make_server(out, port=args.port)
        print(f"\nServing {out} at http://127.0.0.1:{srv.server_address[1]}/  (Ctrl+C to stop)", flush=True)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
