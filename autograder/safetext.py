"""Text that is safe to write anywhere (terminal, CSV, JSON, Markdown, HTML) whatever the input held.

Submission data and file names can hold lone surrogates (``"\\ud800"`` in JSON, or a file name that
is not valid UTF-8, which Python carries as surrogate escapes), control characters (terminal escape
sequences, carriage returns that forge a summary line) and bidi/zero-width characters (text that
reads differently from what it is). :func:`shown` replaces each of them by a visible escape
(``\\x1b``, ``\\u202e``, ``\\udcff``) so the output is valid UTF-8 and says what the input was;
:func:`json_text` does the same inside a JSON document in one pass over the serialised text.

Escaped: Unicode categories Cc (controls), Cf (format: bidi embeddings/overrides/isolates, zero-width
characters, BOM, tags), Cs (surrogates), Co (private use), Zl/Zp (line/paragraph separators).
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

__all__ = ["shown", "path_shown", "clean_tree", "json_text"]

# Code point ranges escaped: Cc (C0, DEL, C1), Cf of the BMP and the astral format characters and tags
# (Unicode 15 list), Cs, Co (BMP and the private-use planes), Zl, Zp. Listed rather than derived from
# unicodedata at import time (a scan of the BMP costs ~0.3 s per process).
_RANGES = [(0x00, 0x09), (0x0B, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD),
           (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E),
           (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xDFFF), (0xE000, 0xF8FF), (0xFEFF, 0xFEFF),
           (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
           (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF), (0xF0000, 0x10FFFF)]


def _char_class(ranges) -> str:
    return "[" + "".join(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
                         for lo, hi in ranges) + "]"


_BMP = [r for r in _RANGES if r[1] < 0x10000]
_BAD_KEEP_NL = re.compile(_char_class(_BMP))
_BAD = re.compile(_char_class([(0x0A, 0x0A), *_BMP]))
# inside serialised JSON, ASCII controls are already \u00XX escapes: only the others need escaping
_BAD_IN_JSON = re.compile(_char_class([r for r in _BMP if r[0] > 0x7E]))
# astral ranges make a character class ~10x slower: applied only to text that has astral characters
_BAD_ASTRAL = re.compile(_char_class([r for r in _RANGES if r[0] >= 0x10000]))


def _has_astral(s: str) -> bool:
    """Whether ``s`` holds a character beyond the BMP (exact: only those take 4 bytes in UTF-16; lone
    surrogates take 2 with ``surrogatepass``). Much faster than ``max(s)``, which builds one object per
    character; checked in slices so that a large document never needs a second full-size copy."""
    step = 1 << 20
    for i in range(0, len(s), step):
        part = s[i:i + step] if len(s) > step else s
        if len(part.encode("utf-16-le", "surrogatepass")) > 2 * len(part):
            return True
    return False


def _escape(c: str) -> str:
    o = ord(c)
    return f"\\x{o:02x}" if o < 0x100 else (f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")


def _sub(m: re.Match) -> str:
    return _escape(m.group())


def shown(text: Any, limit: int | None = None, *, keep_newlines: bool = False) -> str:
    """``text`` (any value; non-strings via ``str``) with every character of the escaped categories
    replaced by a visible escape; cut to ``limit`` characters with "…"."""
    s = text if isinstance(text, str) else str(text)
    if limit is not None and len(s) > limit:
        s = s[:limit] + "…"
    if s.isascii() and s.isprintable():
        return s
    s = (_BAD_KEEP_NL if keep_newlines else _BAD).sub(_sub, s)
    return _BAD_ASTRAL.sub(_sub, s) if not s.isascii() and _has_astral(s) else s


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


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)  # what json.dumps builds for these options


def json_text(obj: Any, **kw) -> str:
    """``json.dumps(obj, ensure_ascii=False)`` in which every escaped-category character inside a
    string becomes the visible text ``\\uXXXX`` (a literal backslash in the decoded string)."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, **kw) if kw else _ENCODER.encode(obj)
    if text.isascii():
        return text
    text = _BAD_IN_JSON.sub(_json_sub, text)
    return _BAD_ASTRAL.sub(_json_sub, text) if _has_astral(text) else text


def _json_sub(m: re.Match) -> str:
    return "\\" + _escape(m.group())


def clean_tree(obj: Any, *, keep_newlines: bool = True) -> Any:
    """``obj`` (JSON-like) with every string (keys too) passed through :func:`shown`."""
    if isinstance(obj, str):
        return shown(obj, keep_newlines=keep_newlines)
    if isinstance(obj, dict):
        return {shown(k): clean_tree(v, keep_newlines=keep_newlines) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_tree(v, keep_newlines=keep_newlines) for v in obj]
    return obj


if sys.maxunicode < 0x10FFFF:  # pragma: no cover - every supported CPython is wide
    raise ImportError("a wide-unicode Python is required")
