"""Collect submission files from paths: files, folders (recursive) and zip archives — safely.

Nothing is extracted to disk. Every limit is per file or per archive, so one hostile archive can
never use up a budget that later students' files need:

* every file is size-checked *before* it is read (``stat`` / the zip directory) and read with a hard
  cap (``read(limit + 1)``), so a lying zip header cannot inflate memory either;
* zip archives: the entry count and the central directory's size are read from the end-of-central-
  directory record *before* the directory is parsed (:data:`MAX_ZIP_MEMBERS` entries at most), and the
  declared sizes of the ``.json`` members must add up to at most :data:`MAX_ARCHIVE_BYTES`; otherwise
  the whole archive is one rejected item. Entry names that are absolute, contain ``..`` or drive
  letters are refused (reported, not read); encrypted, corrupt or unsupported entries become
  per-file errors; nested archives are not opened;
* folders: walked without following symlinks. Symlinks, hidden files, ``__MACOSX`` and files that are
  neither ``.json`` nor ``.zip`` are *skipped*: counted and listed (``skipped=`` list), not graded.

Each item is an :class:`InputItem` with a display ``source`` (e.g. ``batch.zip!week1/ada.json``;
file names that are not UTF-8 are shown with ``\\xNN`` escapes), the bytes, or a ``(code, message)``
error. Display names are only shown, never used as output paths.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from mlsys_labs.submission import MAX_BYTES

from .safetext import path_shown, shown

__all__ = ["InputItem", "collect", "MAX_ZIP_MEMBERS", "MAX_ARCHIVE_BYTES", "MAX_FILES", "MAX_SKIPPED_LISTED"]

MAX_ZIP_MEMBERS = 50_000
MAX_ARCHIVE_BYTES = 256 * 1024**2  # declared uncompressed size of an archive's .json members
MAX_CENTRAL_DIRECTORY = 64 * 1024**2
MAX_FILES = 200_000
MAX_SKIPPED_LISTED = 1000
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


@dataclass
class InputItem:
    source: str
    data: bytes | None = None
    error: tuple[str, str] | None = None


class _Count:
    def __init__(self, skipped: list | None):
        self.files = 0
        self.skipped = skipped

    def skip(self, source: str, reason: str) -> None:
        if self.skipped is not None:
            self.skipped.append((source, reason))


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _too_large(limit: int) -> tuple[str, str]:
    return ("too_large", f"the file is larger than {limit // 1024} KiB")


_ZIP_MAGIC = b"PK\x03\x04"
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0))


_READ_CHUNK = 64 * 1024


def _read_upto(fd: int, n: int, expected: int | None = None) -> bytes:
    """Up to ``n`` bytes from ``fd`` (fewer only at the end of the file). ``expected``: the size ``fstat``
    gave; the first read asks for one byte more than that, later ones for at most 64 KiB, so that a small
    file does not cost two buffers of ``n`` bytes (allocated, then shrunk or dropped)."""
    chunks = []
    want = n if expected is None else min(n, expected + 1)
    while n > 0:
        b = os.read(fd, want)
        if not b:
            break
        chunks.append(b)
        n -= len(b)
        want = min(n, _READ_CHUNK)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _unreadable(e: OSError) -> tuple[str, str]:
    return ("unreadable", f"cannot read the file ({shown(e.strerror or e, 200)})")


def _iter_file(path: Path, source: str, limit: int, count: "_Count") -> Iterator[InputItem]:
    """A regular file that is not named ``*.zip``: a zip archive if its content starts like one (read as an
    archive), else one submission — opened once, size-checked on the open file (``fstat``) *before* it is
    read, and read with a hard cap of ``limit + 1`` bytes (none at all past :data:`MAX_FILES`)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        err = _unreadable(e)
    else:
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                err = ("unreadable", "not a regular file")
            elif st.st_size > limit or count.files >= MAX_FILES:
                data, err = None, None
                head = _read_upto(fd, 4)
            else:
                data = _read_upto(fd, limit + 1, st.st_size)
                head, err = data[:4], None
        except OSError as e:
            err = _unreadable(e)
        finally:
            os.close(fd)
        if err is None and head == _ZIP_MAGIC:
            yield from _iter_zip(path, source, limit, count)
            return
    count.files += 1
    if count.files > MAX_FILES:
        yield InputItem(source, error=("batch_too_large", f"more than {MAX_FILES} files in one run; not read"))
    elif err is not None:
        yield InputItem(source, error=err)
    elif data is None or len(data) > limit:
        yield InputItem(source, error=_too_large(limit))
    else:
        yield InputItem(source, data=data)


def _unsafe_member(name: str) -> bool:
    if not name or "\x00" in name:
        return True
    n = name.replace("\\", "/")
    if n.startswith("/") or (len(n) > 1 and n[1] == ":"):
        return True
    return ".." in PurePosixPath(n).parts


def zip_directory_size(path: Path) -> tuple[int, int] | None:
    """(entry count, central directory bytes) from the end-of-central-directory record (zip64 aware),
    read from the last 64 KiB of the file only; None when there is no such record."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        tail_len = min(size, 65_535 + 22 + 20)
        f.seek(size - tail_len)
        tail = f.read(tail_len)
        i = tail.rfind(_EOCD)
        if i < 0 or len(tail) - i < 22:
            return None
        entries, cd_size = struct.unpack("<HI", tail[i + 10: i + 16])
        if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
            j = i - 20
            if j >= 0 and tail[j: j + 4] == _EOCD64_LOCATOR:
                (off,) = struct.unpack("<Q", tail[j + 8: j + 16])
                f.seek(off)
                rec = f.read(56)
                if rec[:4] == b"PK\x06\x06" and len(rec) == 56:
                    entries, cd_size = struct.unpack("<QQ", rec[32:48])
        return entries, cd_size


def _open_zip(path: Path, source: str) -> tuple[zipfile.ZipFile | None, InputItem | None]:
    try:
        dims = zip_directory_size(path)
    except OSError as e:
        return None, InputItem(source, error=("unreadable", f"cannot read the archive ({shown(e.strerror or e, 200)})"))
    if dims is not None:
        entries, cd_size = dims
        if entries > MAX_ZIP_MEMBERS or cd_size > MAX_CENTRAL_DIRECTORY:
            return None, InputItem(source, error=("archive_too_large", f"the archive lists {entries} entries "
                                                  f"(at most {MAX_ZIP_MEMBERS} are read); not read"))
    try:
        return zipfile.ZipFile(path), None
    except Exception as e:  # noqa: BLE001 - BadZipFile, OSError, ValueError, struct/overflow errors
        return None, InputItem(source, error=("bad_zip", f"not a readable zip archive ({shown(e, 200)})"))


def _iter_zip(path: Path, source: str, limit: int, count: _Count) -> Iterator[InputItem]:
    zf, err = _open_zip(path, source)
    if err is not None:
        yield err
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            yield InputItem(source, error=("archive_too_large", f"the archive has more than {MAX_ZIP_MEMBERS} "
                                           "entries; not read"))
            return
        declared = sum(i.file_size for i in infos if i.filename.lower().endswith(".json"))
        if declared > MAX_ARCHIVE_BYTES:
            yield InputItem(source, error=("archive_too_large", f"the archive's .json files add up to "
                                           f"{declared // 1024**2} MiB (at most {MAX_ARCHIVE_BYTES // 1024**2} MiB "
                                           "per archive); not read — split it into smaller archives"))
            return
        for info in infos:
            yield from _zip_member(zf, info, source, limit, count)


def _zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, limit: int,
                count: _Count) -> Iterator[InputItem]:
    name = info.filename
    shown_name = f"{source}!{shown(name, 200)}"
    if info.is_dir():
        return
    if _unsafe_member(name):
        yield InputItem(shown_name, error=("unsafe_path", "unsafe file name in the archive (absolute or '..'); not read"))
        return
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if any(_is_hidden(p) for p in parts):
        count.skip(shown_name, "hidden")
        return
    low = name.lower()
    if low.endswith(".zip"):
        yield InputItem(shown_name, error=("nested_zip", "archives inside archives are not opened; unzip it first"))
        return
    if not low.endswith(".json"):
        count.skip(shown_name, "not a .json file")
        return
    count.files += 1
    if count.files > MAX_FILES:
        yield InputItem(shown_name, error=("batch_too_large", f"more than {MAX_FILES} files in one run; not read"))
        return
    if info.flag_bits & 0x1:
        yield InputItem(shown_name, error=("bad_zip", "encrypted archive entry; not read"))
        return
    if info.file_size > limit:
        yield InputItem(shown_name, error=_too_large(limit))
        return
    try:
        with zf.open(info) as f:
            data = f.read(limit + 1)
    except Exception as e:  # noqa: BLE001 - BadZipFile, NotImplementedError (method), zlib.error, EOFError …
        yield InputItem(shown_name, error=("bad_zip", f"cannot read this archive entry ({type(e).__name__})"))
        return
    if len(data) > limit:
        yield InputItem(shown_name, error=_too_large(limit))
        return
    yield InputItem(shown_name, data=data)


def _iter_path(p: Path | str, limit: int, count: _Count, *, explicit: bool) -> Iterator[InputItem]:
    """``p``: a path given on the command line (a Path), or a file found in a folder (plain text, already
    joined: no per-file Path objects)."""
    source = path_shown(str(p))
    try:
        st = os.lstat(p)
    except (OSError, ValueError) as e:
        yield InputItem(source, error=("not_found", f"no such file or folder ({shown(getattr(e, 'strerror', None) or e, 200)})"))
        return
    if stat.S_ISLNK(st.st_mode):
        if not explicit:
            count.skip(source, "symbolic link (not followed)")
            return
        try:
            st = os.stat(p)  # a link given on the command line is followed
        except (OSError, ValueError):
            st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        for root, dirs, files in os.walk(p, followlinks=False):
            hidden = sorted(d for d in dirs if _is_hidden(d))
            for d in hidden:
                count.skip(path_shown(os.path.join(root, d)), "hidden folder")
            dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
            for name in sorted(files):
                full = os.path.join(root, name)
                if _is_hidden(name):
                    count.skip(path_shown(full), "hidden")
                elif not name.lower().endswith((".json", ".zip")):
                    count.skip(path_shown(full), "not a .json or .zip file")
                else:
                    yield from _iter_path(full, limit, count, explicit=False)
        return
    if st is None or not stat.S_ISREG(st.st_mode):
        yield InputItem(source, error=("unreadable", "not a regular file"))
        return
    if os.path.splitext(p)[1].lower() == ".zip":  # the same test as Path.suffix
        yield from _iter_zip(p, source, limit, count)
        return
    yield from _iter_file(p, source, limit, count)


def collect(paths, *, limit: int = MAX_BYTES, skipped: list | None = None) -> Iterator[InputItem]:
    """Yield one :class:`InputItem` per submission file found under ``paths`` (in a stable order).
    Files skipped on purpose are appended to ``skipped`` as ``(source, reason)`` when it is given."""
    count = _Count(skipped)
    for raw in paths:
        yield from _iter_path(Path(raw), limit, count, explicit=True)
