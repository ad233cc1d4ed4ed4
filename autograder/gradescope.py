"""Gradescope mode (``run_autograder``) and packaging of the Gradescope autograder zip.

Gradescope copies the student's upload to ``/autograder/submission/`` and reads
``/autograder/results/results.json``. This module grades every submission file found there (zips
included), keeps the latest valid one, and *always* writes a results.json — also when nothing could
be graded (score 0 and the reason) or when the grader itself fails.

Identity and time come from Gradescope, not from the student's file
(``/autograder/submission_metadata.json``, see gradescope/autograder_samples
``docs/submission_metadata.md``; ignored when absent):

* the file's ``student`` must equal (after NFKC + casefold) the ``email`` (or ``sid`` / ``id``,
  ``--id-field``) of one of ``users[]`` — a friend's downloaded file scores 0 with both ids named
  (``--on-id-mismatch flag`` only reports it);
* lateness is ``created_at`` (Gradescope's server time) against ``assignment.due_date`` and
  ``assignment.late_due_date``; ``--late-policy none`` reports it, ``zero`` scores a late submission
  0, ``percent-per-day=N`` multiplies the score by ``max(0, 1 − N/100 · ⌈days late⌉)``. After the
  late due date the score is 0 under ``zero`` and ``percent-per-day``.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .batch import grade_items
from .inputs import collect
from .roster import identity_key
from .safetext import json_text, path_shown, shown

__all__ = ["run_gradescope", "run_autograder", "build_package"]

DEFAULT_SUBMISSION_DIR = "/autograder/submission"
DEFAULT_RESULTS = "/autograder/results/results.json"
DEFAULT_METADATA = "/autograder/submission_metadata.json"
ID_FIELDS = ("email", "sid", "id")
MAX_METADATA_BYTES = 4 * 1024**2
HERE = Path(__file__).resolve().parent


def parse_late_policy(text: str) -> tuple[str, float]:
    """``none`` | ``zero`` | ``percent-per-day=N`` → (kind, N)."""
    t = (text or "none").strip()
    if t in ("none", "zero"):
        return t, 0.0
    if t.startswith("percent-per-day="):
        try:
            n = float(t.split("=", 1)[1])
        except ValueError:
            n = -1.0
        if 0 < n <= 100:
            return "percent-per-day", n
    raise ValueError(f"--late-policy {t!r}: use none, zero or percent-per-day=N with 0 < N <= 100")


def load_metadata(path: str | None) -> tuple[dict | None, str | None]:
    """(metadata, note): None and no note when the file is absent; None and a note when unreadable."""
    if not path:
        return None, None
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_METADATA_BYTES + 1)
    except FileNotFoundError:
        return None, None
    except OSError as e:
        return None, f"submission metadata {path_shown(path)} unreadable ({shown(e.strerror or e)}): identity and lateness not checked"
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, f"submission metadata {path_shown(path)} is not valid JSON: identity and lateness not checked"
    if not isinstance(obj, dict) or len(raw) > MAX_METADATA_BYTES:
        return None, f"submission metadata {path_shown(path)} has an unexpected shape: identity and lateness not checked"
    return obj, None


def _submitter_ids(meta: dict, field: str) -> list[str]:
    users = meta.get("users")
    out = []
    for u in users if isinstance(users, list) else []:
        if isinstance(u, dict) and u.get(field) not in (None, ""):
            out.append(str(u[field]))
    return out


def check_identity(res: dict, student: str | None, meta: dict, *, id_field: str, on_mismatch: str) -> list[str]:
    """Compare the graded file's student id with the Gradescope submitters; zero the score on a
    mismatch unless ``on_mismatch == "flag"``. Returns output lines."""
    ids = _submitter_ids(meta, id_field)
    if not ids:
        return [f"identity: no submitter {id_field} in Gradescope's metadata; not checked"]
    if student is not None and identity_key(student) in {identity_key(i) for i in ids}:
        return [f"identity: the file's student id matches the Gradescope submitter ({id_field})"]
    who = ", ".join(repr(shown(i, 80)) for i in ids)
    line = (f"IDENTITY MISMATCH: the file is for student {shown(student or '?', 80)!r}, but it was submitted by "
            f"{who} (Gradescope {id_field})")
    if on_mismatch == "flag":
        return [line + "; flagged for the instructor, score kept"]
    res["score"] = 0.0
    for t in res.get("tests", []):
        t["score"] = 0.0
    return [line + "; score set to 0 — download your own submission from the lab and upload it"]


def apply_lateness(res: dict, meta: dict, policy: tuple[str, float]) -> list[str]:
    """Lateness from Gradescope's ``created_at`` against the assignment's due dates."""
    from mlsys_labs.submission import parse_utc

    assignment = meta.get("assignment") if isinstance(meta.get("assignment"), dict) else {}
    created = parse_utc(meta.get("created_at"))
    due = parse_utc(assignment.get("due_date"))
    late_due = parse_utc(assignment.get("late_due_date"))
    if created is None or due is None:
        return ["lateness: no submission time or due date in Gradescope's metadata; not checked"]
    if created <= due:
        res.setdefault("extra_data", {})["late_days"] = 0
        return ["on time"]
    seconds = (created - due).total_seconds()
    days = -(-seconds // 86400)
    res.setdefault("extra_data", {})["late_days"] = int(days)
    kind, n = policy
    after_late = late_due is not None and created > late_due
    head = f"late by {seconds / 3600:.1f} h ({int(days)} day{'s' if days != 1 else ''})" + (
        " — after the late due date" if after_late else "")
    if kind == "none":
        return [head + "; no late penalty applied"]
    factor = 0.0 if (kind == "zero" or after_late) else max(0.0, 1.0 - n / 100.0 * days)
    res["score"] = round(float(res.get("score", 0.0)) * factor, 6)
    return [head + f"; late policy {kind}{'=' + format(n, 'g') if kind != 'zero' else ''}: score × {factor:g}"]


def _write_atomic(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(json_text(obj, indent=1))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _results_for(submission_dir: str, *, expect_lab: str | None, reveal: bool, visibility: str,
                 trust: dict | None = None) -> dict:
    res, student = _graded_upload(submission_dir, expect_lab=expect_lab, reveal=reveal, visibility=visibility)
    trust = trust or {}
    meta, note = load_metadata(trust.get("metadata"))
    lines = [note] if note else []
    if meta is not None:
        if student is not None:
            lines += check_identity(res, student, meta, id_field=trust.get("id_field", "email"),
                                    on_mismatch=trust.get("on_id_mismatch", "zero"))
        lines += apply_lateness(res, meta, trust.get("late_policy", ("none", 0.0)))
    if lines:
        res["output"] = "\n".join(lines) + "\n" + res.get("output", "")
    return res


def _graded_upload(submission_dir: str, *, expect_lab: str | None, reveal: bool,
                   visibility: str) -> tuple[dict, str | None]:
    from mlsys_labs.catalog import LABS

    max_score = LABS[expect_lab].max_score if expect_lab in LABS else 0.0
    items = list(collect([submission_dir]))
    if not items:
        return {"score": 0.0, "max_score": max_score, "visibility": visibility, "tests": [],
                "output": "No submission file found. Upload the .json file that the lab's "
                          "'download submission' button saved (or a .zip containing it)."}, None
    batch = grade_items(items, total=len(items), progress=False, expect_lab=expect_lab)
    graded = [r for r in batch.kept if r.status == "graded"]
    if not graded:
        lines = ["No gradable submission:"] + [f"  {shown(r.source, 200)}: {shown(r.error, 300)}"
                                               for r in batch.rejected[:20]]
        best_max = max([r.max_score for r in batch.rejected] + [max_score])
        return {"score": 0.0, "max_score": best_max, "visibility": visibility, "tests": [],
                "output": "\n".join(lines)}, None
    from .batch import _EPOCH

    chosen = max(graded, key=lambda r: r.created_at or _EPOCH)
    res = chosen.to_gradescope(reveal=reveal, visibility=visibility)
    notes = [f"other file {shown(r.source, 200)}: {shown(r.error or r.status, 300)}" for r in batch.entries
             if r is not chosen]
    if notes:
        res["output"] += "\n" + "\n".join(notes[:20])
    return res, chosen.student


def run_gradescope(submission_dir: str = DEFAULT_SUBMISSION_DIR, results: str = DEFAULT_RESULTS, *,
                   expect_lab: str | None = None, reveal: bool = False, visibility: str = "visible",
                   metadata: str | None = None, id_field: str = "email", on_id_mismatch: str = "zero",
                   late_policy: str = "none") -> int:
    """Grade the upload and write results.json (always). ``metadata``: Gradescope's
    submission_metadata.json (None: not checked)."""
    t0 = time.perf_counter()
    try:
        trust = {"metadata": metadata, "id_field": id_field, "on_id_mismatch": on_id_mismatch,
                 "late_policy": parse_late_policy(late_policy)}
        res = _results_for(submission_dir, expect_lab=expect_lab, reveal=reveal, visibility=visibility, trust=trust)
    except Exception as e:  # noqa: BLE001 - Gradescope must always get a results.json
        res = {"score": 0.0, "visibility": visibility, "tests": [],
               "output": f"The autograder failed ({type(e).__name__}: {shown(e, 300)}). Please tell your instructor."}
        print(f"autograder error: {type(e).__name__}: {shown(e, 300)}", file=sys.stderr)
    res["execution_time"] = round(time.perf_counter() - t0, 3)
    try:
        _write_atomic(Path(results), res)
    except Exception as e:  # noqa: BLE001 - last resort: a minimal, plain-ASCII results.json
        _write_atomic(Path(results), {"score": 0.0, "tests": [], "output": f"The autograder could not write its "
                                      f"results ({type(e).__name__}). Please tell your instructor."})
    print(f"score {res['score']:g} / {res.get('max_score', 0):g} -> {path_shown(str(results))}")
    return 0


def _load_config(path: str | None) -> dict:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
        return cfg if isinstance(cfg, dict) else {}
    except (OSError, ValueError):
        return {}


def run_autograder(argv: list[str] | None = None) -> int:
    """Entry point with Gradescope defaults (what the ``run_autograder`` script calls)."""
    from .cli import main

    return main(["gradescope", *(argv or [])])


# --------------------------------------------------------------------------------------------
# Packaging: the zip uploaded to Gradescope ("Configure Autograder" → zip file upload)
# --------------------------------------------------------------------------------------------
def _add(zf: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    zf.writestr(info, data)


def build_package(wheels_dir: str, out: str, *, lab: str | None = None, reveal: bool = False,
                  visibility: str = "visible", trust: dict | None = None) -> list[str]:
    """Write the Gradescope autograder zip: setup.sh, run_autograder, gradescope.json, autograder/,
    wheels/ (mlsysim_core + mlsys_labkit wheels from ``wheels_dir``). Returns the archive's names."""
    wheels = sorted(Path(wheels_dir).glob("*.whl"))
    names = [w.name.lower() for w in wheels]
    for need in ("mlsysim_core", "mlsys_labkit"):
        if not any(n.startswith(need) for n in names):
            raise FileNotFoundError(
                f"no {need} wheel in {wheels_dir}; build them with: "
                "pip wheel --no-deps . ./labkit -w " + str(wheels_dir))
    if lab is not None:
        from mlsys_labs.catalog import get_lab

        get_lab(lab)  # KeyError listing known labs
    cfg = {"lab": lab, "reveal_expected": reveal, "visibility": visibility, **(trust or {})}
    with zipfile.ZipFile(out, "w") as zf:
        _add(zf, "setup.sh", (HERE / "setup.sh").read_bytes(), executable=True)
        _add(zf, "run_autograder", (HERE / "run_autograder").read_bytes(), executable=True)
        _add(zf, "gradescope.json", json.dumps(cfg, indent=1).encode())
        for src in sorted(HERE.glob("*.py")):
            _add(zf, f"autograder/{src.name}", src.read_bytes())
        for w in wheels:
            _add(zf, f"wheels/{w.name}", w.read_bytes())
        return zf.namelist()
