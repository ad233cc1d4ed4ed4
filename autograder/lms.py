"""Gradebook files for LMS import: one row per student, one column per lab (the lab's score in points).

Shapes (vendors' documented CSV imports):

* **Canvas** (``grades-canvas.csv``): ``Student,ID,SIS User ID,SIS Login ID,Section`` then one column
  per lab. Canvas matches rows by ID, SIS User ID or SIS Login ID; a column title that is not an
  existing assignment creates a new one. With a roster, ``Student`` is the name, ``SIS User ID``
  the roster id, ``SIS Login ID`` the email (else the id), ``Section`` the section; without one, the
  id typed in the lab fills both SIS columns.
* **Moodle** (``grades-moodle.csv``): ``email,idnumber`` then one column per lab; in *Grade import →
  CSV* map ``email`` to ``useremail`` (or ``idnumber`` to ``useridnumber``) and each lab column to
  its grade item. Moodle compares emails case-sensitively, so the roster's spelling is used.
* **Blackboard** (``grades-blackboard.csv``): ``Username`` then one column per lab, every field
  quoted (Grade Center upload). Columns without a ``|<column id>`` suffix become new columns.

Students appear once per file even with several labs; rows without any score (e.g. a rejected file
with no identity) are not exported. Every text cell goes through :func:`outputs_cell` (escaped and
protected against spreadsheet formulas).
"""

from __future__ import annotations

import csv
import io

from .roster import identity_key
from .safetext import shown

__all__ = ["LMS_FORMATS", "lms_csv", "wide_rows", "csv_cell"]

LMS_FORMATS = ("canvas", "moodle", "blackboard", "long")


def csv_cell(v) -> str:
    """A CSV cell that is valid UTF-8, escaped (:func:`shown`) and never a spreadsheet formula."""
    if v is None:
        return ""
    s = v if type(v) is str and v.isascii() and v.isprintable() else shown(v)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        s = "'" + s
    return s


def wide_rows(kept: list) -> tuple[list[str], list[dict]]:
    """(lab ids, rows) with one row per student: ``{"id", "email", "name", "section", "scores": {lab: x}}``."""
    labs = sorted({r.lab for r in kept if r.lab})
    rows: dict[str, dict] = {}
    for r in kept:
        if not r.lab or not r.student:
            continue
        ident = r.identity or {}
        sid = ident.get("id") or r.student
        row = rows.setdefault(identity_key(sid), {"id": sid, "email": ident.get("email", ""),
                                                  "name": ident.get("name", ""), "section": ident.get("section", ""),
                                                  "scores": {}})
        row["scores"][r.lab] = r.score
    return labs, sorted(rows.values(), key=lambda x: identity_key(x["id"]))


def _fmt(x) -> str:
    return "" if x is None else f"{x:g}"


def lms_csv(kind: str, kept: list) -> str:
    labs, rows = wide_rows(kept)
    buf = io.StringIO()
    if kind == "canvas":
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *labs])
        for r in rows:
            w.writerow([csv_cell(r["name"] or r["id"]), "", csv_cell(r["id"]), csv_cell(r["email"] or r["id"]),
                        csv_cell(r["section"]), *(_fmt(r["scores"].get(lab)) for lab in labs)])
    elif kind == "moodle":
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["email", "idnumber", *labs])
        for r in rows:
            w.writerow([csv_cell(r["email"]), csv_cell(r["id"]), *(_fmt(r["scores"].get(lab)) for lab in labs)])
    elif kind == "blackboard":
        w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
        w.writerow(["Username", *labs])
        for r in rows:
            w.writerow([csv_cell(r["id"]), *(_fmt(r["scores"].get(lab)) for lab in labs)])
    else:
        raise ValueError(f"unknown LMS format {kind!r}; choose one of {', '.join(LMS_FORMATS)}")
    return buf.getvalue()
