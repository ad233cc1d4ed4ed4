"""Student identity: the keys ids are compared by, and the course roster (``--roster FILE.csv``).

* :func:`identity_key` — NFKC + casefold of the stripped id (Unicode's compatibility-caseless
  match, The Unicode Standard §3.13, D146): ``"Ada "``, ``"ADA"`` and ``"ada"`` are one student.
* :func:`spelling_key` — the stripped id with only ASCII letters lower-cased. Two ids with the same
  identity key but different spellings (``straße`` / ``strasse``, ``Kim`` with the Kelvin sign
  U+212A) are a **collision**: reported, never merged.

Roster CSV: a header row with ``id`` (required), and optionally ``email``, ``name``, ``section``
(UTF-8, a BOM is accepted, header names are case-insensitive). Submissions are matched by id or by
email, both compared by :func:`identity_key`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

from .safetext import shown

__all__ = ["identity_key", "spelling_key", "RosterEntry", "Roster", "RosterError", "load_roster", "parse_roster"]

MAX_ROSTER_BYTES = 16 * 1024**2
COLUMNS = ("id", "email", "name", "section")


def identity_key(student: str) -> str:
    s = student.strip()
    return s.lower() if s.isascii() else unicodedata.normalize("NFKC", s).casefold()


def spelling_key(student: str) -> str:
    s = student.strip()
    return s.lower() if s.isascii() else "".join(c.lower() if c.isascii() else c for c in s)


class RosterError(ValueError):
    """A malformed roster file; the message names the line and the field."""


@dataclass(frozen=True)
class RosterEntry:
    id: str
    email: str = ""
    name: str = ""
    section: str = ""


class Roster:
    def __init__(self, entries: list[RosterEntry]):
        self.entries = list(entries)
        self._by_key: dict[str, RosterEntry] = {}
        for e in self.entries:
            self._by_key[identity_key(e.id)] = e
        for e in self.entries:  # an email never shadows another student's id
            if e.email:
                self._by_key.setdefault(identity_key(e.email), e)

    def find(self, student: str | None) -> RosterEntry | None:
        return self._by_key.get(identity_key(student)) if student else None

    def __len__(self) -> int:
        return len(self.entries)


def parse_roster(text: str, source: str = "roster") -> Roster:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise RosterError(f"{source}: the file is empty (expected a header row with an 'id' column)") from None
    except csv.Error as e:
        raise RosterError(f"{source}: not a CSV file ({e})") from None
    cols = [h.strip().casefold() for h in header]
    if "id" not in cols:
        raise RosterError(f"{source}: no 'id' column in the header {shown(header, 200)} "
                          f"(expected columns {', '.join(COLUMNS)}; 'id' is required)")
    idx = {c: cols.index(c) for c in COLUMNS if c in cols}
    entries, seen = [], {}
    try:
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            get = {c: (row[i].strip() if i < len(row) else "") for c, i in idx.items()}
            sid = get.get("id", "")
            if not sid:
                raise RosterError(f"{source} line {line}: field 'id' is empty")
            key = identity_key(sid)
            if key in seen:
                raise RosterError(f"{source} line {line}: id {shown(sid, 80)!r} is the same student as line "
                                  f"{seen[key]} (ids are compared after NFKC + casefold)")
            seen[key] = line
            entries.append(RosterEntry(sid, get.get("email", ""), get.get("name", ""), get.get("section", "")))
    except csv.Error as e:
        raise RosterError(f"{source}: malformed CSV ({e})") from None
    return Roster(entries)


def load_roster(path: str) -> Roster:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_ROSTER_BYTES + 1)
    except OSError as e:
        raise RosterError(f"cannot read the roster {shown(path)} ({e.strerror or e})") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise RosterError(f"the roster {shown(path)} is larger than {MAX_ROSTER_BYTES // 1024**2} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RosterError(f"the roster {shown(path)} is not UTF-8 (bad byte at offset {e.start})") from None
    return parse_roster(text, shown(path))
