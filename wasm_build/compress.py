"""Precompressed copies of the site's files (``x.js`` → ``x.js.gz``) and the choice of which one to send.

A static host sends a lab's JavaScript, CSS and the Pyodide runtime (``pyodide.asm.wasm``) gzip-compressed
when it has them that way: ``python -m wasm_build serve`` looks for the ``.gz`` beside the file (as nginx's
``gzip_static`` does), most HTTPS hosts compress such types themselves. Wheels, the standard-library zip,
fonts and images are compressed already and get no copy. Level 9, no name and mtime 0 in the header: two
builds give the same bytes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

SUFFIX = ".gz"
# file types worth compressing (text and WebAssembly); everything else is compressed already or tiny in number
TYPES = frozenset({".js", ".mjs", ".css", ".html", ".json", ".wasm", ".svg", ".ico", ".ttf", ".txt", ".map"})
MIN_SIZE = 1024  # below this the response headers outweigh what compression saves
MAX_RATIO = 0.9  # a copy must save at least 10 % to be kept


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def precompress_one(path: Path) -> Path | None:
    """Write ``<path>.gz`` when the file is of a compressible type and shrinks by ≥ 10 %; returns the copy."""
    if path.suffix.lower() not in TYPES:
        return None
    data = path.read_bytes()
    if len(data) < MIN_SIZE:
        return None
    packed = gzip_bytes(data)
    if len(packed) > MAX_RATIO * len(data):
        return None
    copy = path.with_name(path.name + SUFFIX)
    copy.write_bytes(packed)
    return copy


def precompress(site: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """:func:`precompress_one` for every file of the site but ``skip`` (site-relative POSIX paths); returns
    {compressed copy: original}, site-relative."""
    out = {}
    for p in sorted(site.rglob("*")):
        rel = p.relative_to(site).as_posix()
        if p.is_file() and rel not in skip and (copy := precompress_one(p)) is not None:
            out[copy.relative_to(site).as_posix()] = rel
    return out


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (RFC 9110 §12.5.3): ``gzip`` (or ``x-gzip``) with a
    weight above 0, or, when gzip is not named, ``*`` with a weight above 0."""
    weights = {}
    for item in (accept_encoding or "").split(","):
        name, *params = (s.strip().lower() for s in item.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if name:
            weights[name] = q
    for name in ("gzip", "x-gzip", "*"):
        if name in weights:
            return weights[name] > 0
    return False
