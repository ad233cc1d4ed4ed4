"""Text that is safe to write anywhere (terminal, CSV, JSON, Markdown, HTML) whatever the input held.

Submission data and file names can hold lone surrogates (``"\\ud800"`` in JSON, or a file name that
is not valid UTF-8, which Python carries as surrogate escapes), control characters (terminal escape
sequences, carriage returns that forge a summary line) and bidi/zero-width characters (text that
reads differently from what it is). :func:`shown` replaces each of them by a visible escape
(``\\x1b``, ``\\u202e``, ``\\udcff``) so the output is valid UTF-8 and says what the input was.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any

__all__ = ["shown", "path_shown", "clean_tree"]

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(c: str) -> str:
    o = ord(c)
    return f"\\x{o:02x}" if o < 0x100 else (f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")


def shown(text: Any, limit: int | None = None, *, keep_newlines: bool = False) -> str:
    """``text`` (any value; non-strings via ``str``) with every control, format (bidi, zero-width),
    surrogate, private-use, unassigned and line-separator character escaped; cut to ``limit``
    characters with "…"."""
    s = text if isinstance(text, str) else str(text)
    if limit is not None and len(s) > limit:
        s = s[:limit] + "…"
    if s.isascii() and s.isprintable():
        return s
    out = []
    for c in s:
        if c == "\n" and keep_newlines:
            out.append(c)
        elif (c.isascii() and c.isprintable()) or unicodedata.category(c) not in _ESCAPED_CATEGORIES:
            out.append(c)
        else:
            out.append(_escape(c))
    return "".join(out)


def path_shown(path: Any, limit: int | None = 300) -> str:
    """A file name for display: bytes that were not UTF-8 (surrogate escapes) become ``\\xNN``."""
    s = os.fspath(path) if not isinstance(path, str) else path
    if isinstance(s, bytes):
        s = s.decode("utf-8", "backslashreplace")
    elif not s.isascii():
        try:
            s = os.fsencode(s).decode("utf-8", "backslashreplace")
        except UnicodeError:
            pass
    return shown(s, limit)


def clean_tree(obj: Any, *, keep_newlines: bool = True) -> Any:
    """``obj`` (JSON-like) with every string (keys too) passed through :func:`shown`."""
    if isinstance(obj, str):
        return shown(obj, keep_newlines=keep_newlines)
    if isinstance(obj, dict):
        return {shown(k): clean_tree(v, keep_newlines=keep_newlines) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_tree(v, keep_newlines=keep_newlines) for v in obj]
    return obj
