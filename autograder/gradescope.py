"""Gradescope mode (``run_autograder``) and packaging of the Gradescope autograder zip.

Gradescope copies the student's upload to ``/autograder/submission/`` and reads
``/autograder/results/results.json``. This module grades every submission file found there (zips
included), keeps the latest valid one, and *always* writes a results.json — also when nothing could
be graded (score 0 and the reason) or when the grader itself fails.
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

__all__ = ["run_gradescope", "run_autograder", "build_package"]

DEFAULT_SUBMISSION_DIR = "/autograder/submission"
DEFAULT_RESULTS = "/autograder/results/results.json"
HERE = Path(__file__).resolve().parent


def _write_atomic(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1, allow_nan=False)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _results_for(submission_dir: str, *, expect_lab: str | None, reveal: bool, visibility: str) -> dict:
    from mlsys_labs.catalog import LABS

    max_score = LABS[expect_lab].max_score if expect_lab in LABS else 0.0
    items = list(collect([submission_dir]))
    if not items:
        return {"score": 0.0, "max_score": max_score, "visibility": visibility, "tests": [],
                "output": "No submission file found. Upload the .json file that the lab's "
                          "'download submission' button saved (or a .zip containing it)."}
    batch = grade_items(items, total=len(items), progress=False, expect_lab=expect_lab)
    graded = [r for r in batch.kept if r.status == "graded"]
    if not graded:
        lines = ["No gradable submission:"] + [f"  {r.source}: {r.error}" for r in batch.rejected[:20]]
        best_max = max([r.max_score for r in batch.rejected] + [max_score])
        return {"score": 0.0, "max_score": best_max, "visibility": visibility, "tests": [], "output": "\n".join(lines)}
    from .batch import _EPOCH

    chosen = max(graded, key=lambda r: r.created_at or _EPOCH)
    res = chosen.to_gradescope(reveal=reveal, visibility=visibility)
    notes = [f"other file {r.source}: {r.error or r.status}" for r in batch.entries
             if r is not chosen]
    if notes:
        res["output"] += "\n" + "\n".join(notes[:20])
    return res


def run_gradescope(submission_dir: str = DEFAULT_SUBMISSION_DIR, results: str = DEFAULT_RESULTS, *,
                   expect_lab: str | None = None, reveal: bool = False, visibility: str = "visible") -> int:
    t0 = time.perf_counter()
    try:
        res = _results_for(submission_dir, expect_lab=expect_lab, reveal=reveal, visibility=visibility)
    except Exception as e:  # noqa: BLE001 - Gradescope must always get a results.json
        res = {"score": 0.0, "visibility": visibility, "tests": [],
               "output": f"The autograder failed ({type(e).__name__}: {e}). Please tell your instructor."}
        print(f"autograder error: {type(e).__name__}: {e}", file=sys.stderr)
    res["execution_time"] = round(time.perf_counter() - t0, 3)
    _write_atomic(Path(results), res)
    print(f"score {res['score']:g} / {res.get('max_score', 0):g} -> {results}")
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
                  visibility: str = "visible") -> list[str]:
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
    cfg = {"lab": lab, "reveal_expected": reveal, "visibility": visibility}
    with zipfile.ZipFile(out, "w") as zf:
        _add(zf, "setup.sh", (HERE / "setup.sh").read_bytes(), executable=True)
        _add(zf, "run_autograder", (HERE / "run_autograder").read_bytes(), executable=True)
        _add(zf, "gradescope.json", json.dumps(cfg, indent=1).encode())
        for src in sorted(HERE.glob("*.py")):
            _add(zf, f"autograder/{src.name}", src.read_bytes())
        for w in wheels:
            _add(zf, f"wheels/{w.name}", w.read_bytes())
        return zf.namelist()
