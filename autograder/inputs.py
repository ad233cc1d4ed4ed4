"""Collect submission files from paths: files, folders (recursive) and zip archives — safely.

Nothing is extracted to disk. Guards:

* every file is size-checked *before* it is read (``stat`` / the zip header) and read with a hard cap
  (``read(limit + 1)``), so a lying zip header cannot inflate memory either;
* zip archives: at most ``MAX_ZIP_MEMBERS`` entries and ``MAX_TOTAL_BYTES`` read per batch; entry names
  that are absolute, contain ``..`` or drive letters are refused (reported, not read); encrypted,
  corrupt or unsupported entries become per-file errors; nested archives are not opened;
* folders: walked without following symlinks; symlinked files are skipped (reported); hidden files and
  ``__MACOSX`` are ignored.

Each item is an :class:`InputItem` with a display ``source`` (e.g. ``batch.zip!week1/ada.json``), the
bytes, or an ``(code, message)`` error. Display names are only shown, never used as output paths.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from mlsys_labs.submission import MAX_BYTES

__all__ = ["InputItem", "collect", "MAX_ZIP_MEMBERS", "MAX_TOTAL_BYTES", "MAX_FILES"]

MAX_ZIP_MEMBERS = 50_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_FILES = 200_000


@dataclass
class InputItem:
    source: str
    data: bytes | None = None
    error: tuple[str, str] | None = None


class _Budget:
    def __init__(self, total: int):
        self.left = total
        self.files = 0


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _read_file(path: Path, source: str, budget: _Budget, limit: int) -> InputItem:
    try:
        st = path.stat()
        if st.st_size > limit:
            return InputItem(source, error=("too_large", f"the file is larger than {limit // 1024} KiB"))
        if budget.left <= 0:
            return InputItem(source, error=("batch_too_large", "batch read limit reached; file not read"))
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        return InputItem(source, error=("unreadable", f"cannot read the file ({e.strerror or e})"))
    budget.left -= len(data)
    if len(data) > limit:
        return InputItem(source, error=("too_large", f"the file is larger than {limit // 1024} KiB"))
    return InputItem(source, data=data)


def _unsafe_member(name: str) -> bool:
    if not name or "\x00" in name:
        return True
    n = name.replace("\\", "/")
    if n.startswith("/") or (len(n) > 1 and n[1] == ":"):
        return True
    return ".." in PurePosixPath(n).parts


def _iter_zip(path: Path, source: str, budget: _Budget, limit: int) -> Iterator[InputItem]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        yield InputItem(source, error=("bad_zip", f"not a readable zip archive ({e})"))
        return
    with zf:
        try:
            infos = zf.infolist()
        except Exception as e:  # noqa: BLE001 - corrupt central directory
            yield InputItem(source, error=("bad_zip", f"corrupt zip archive ({e})"))
            return
        if len(infos) > MAX_ZIP_MEMBERS:
            yield InputItem(source, error=("bad_zip", f"the archive has more than {MAX_ZIP_MEMBERS} entries; not read"))
            return
        for info in infos:
            name = info.filename
            shown = f"{source}!{name[:200]}"
            if info.is_dir():
                continue
            if _unsafe_member(name):
                yield InputItem(shown, error=("unsafe_path", "unsafe file name in the archive (absolute or '..'); not read"))
                continue
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if any(_is_hidden(p) for p in parts):
                continue
            low = name.lower()
            if low.endswith(".zip"):
                yield InputItem(shown, error=("nested_zip", "archives inside archives are not opened; unzip it first"))
                continue
            if not low.endswith(".json"):
                continue
            budget.files += 1
            if budget.files > MAX_FILES:
                yield InputItem(shown, error=("batch_too_large", "too many files in the batch; not read"))
                continue
            if info.flag_bits & 0x1:
                yield InputItem(shown, error=("bad_zip", "encrypted archive entry; not read"))
                continue
            if info.file_size > limit:
                yield InputItem(shown, error=("too_large", f"the file is larger than {limit // 1024} KiB"))
                continue
            if budget.left <= 0:
                yield InputItem(shown, error=("batch_too_large", "batch read limit reached; file not read"))
                continue
            try:
                with zf.open(info) as f:
                    data = f.read(limit + 1)
            except Exception as e:  # noqa: BLE001 - BadZipFile, NotImplementedError (method), zlib.error, EOFError …
                yield InputItem(shown, error=("bad_zip", f"cannot read this archive entry ({type(e).__name__})"))
                continue
            budget.left -= len(data)
            if len(data) > limit:
                yield InputItem(shown, error=("too_large", f"the file is larger than {limit // 1024} KiB"))
                continue
            yield InputItem(shown, data=data)


def _looks_like_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _iter_path(p: Path, budget: _Budget, limit: int, *, explicit: bool) -> Iterator[InputItem]:
    source = str(p)
    try:
        st = os.lstat(p)
    except OSError as e:
        yield InputItem(source, error=("not_found", f"no such file or folder ({e.strerror or e})"))
        return
    if stat.S_ISLNK(st.st_mode) and not explicit:
        yield InputItem(source, error=("symlink", "symbolic links are not followed; not read"))
        return
    if p.is_dir():
        for root, dirs, files in os.walk(p, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
            for name in sorted(files):
                if _is_hidden(name) or not name.lower().endswith((".json", ".zip")):
                    continue
                yield from _iter_path(Path(root) / name, budget, limit, explicit=False)
        return
    if not p.is_file():
        yield InputItem(source, error=("unreadable", "not a regular file"))
        return
    if _looks_like_zip(p):
        yield from _iter_zip(p, source, budget, limit)
        return
    budget.files += 1
    if budget.files > MAX_FILES:
        yield InputItem(source, error=("batch_too_large", "too many files in the batch; not read"))
        return
    yield _read_file(p, source, budget, limit)


def collect(paths, *, limit: int = MAX_BYTES, total_limit: int = MAX_TOTAL_BYTES) -> Iterator[InputItem]:
    """Yield one :class:`InputItem` per submission file found under ``paths`` (in a stable order)."""
    budget = _Budget(total_limit)
    for raw in paths:
        yield from _iter_path(Path(raw), budget, limit, explicit=True)
