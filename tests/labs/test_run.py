"""Headless CPython runs of every lab: as a script, and through app.run() with the prediction made,
a student id typed and every question answered (right, then wrong), with progress in a temp dir."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, lab_files

LABS = lab_files()


class Fake:
    """Stands in for a widget in app.run(defs=...): only ``.value`` is read."""

    def __init__(self, value):
        self.value = value

    def __getitem__(self, k):
        return Fake(self.value[k])


def _load(path):
    spec = importlib.util.spec_from_file_location(f"lab_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.app


def _env(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "labkit"), env.get("PYTHONPATH", "")])
    env["MLSYS_LABS_HOME"] = str(tmp_path)
    return env


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_lab_runs_as_script(path, tmp_path):
    r = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=_env(tmp_path), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    assert "Traceback" not in r.stderr, r.stderr[-4000:]


def _pred_value(app):
    """The first option of the lab's prediction radio (any option unlocks the gated cells)."""
    _, defs = app.run()
    return defs["pred"], defs


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_lab_full_path(path, progress_home):
    from mlsys_labs.catalog import get_lab

    app = _load(path)
    pred, _ = _pred_value(app)
    option = next(iter(pred.options))
    lab = get_lab(path.stem)
    student = "test.student@example.edu"
    variant = lab.variant(student)
    right = {q.id: q.expected_text(variant) for q in lab.questions}
    outputs, defs = app.run(defs={"pred": Fake(option), "student": Fake(student), "answers": Fake(right)})
    graded = defs["graded"]
    assert graded.score == pytest.approx(graded.total), {k: f.message for k, f in graded.feedback.items()}
    assert graded.save_error is None
    saved = json.loads((progress_home / "progress.json").read_text())
    assert any(e["answers"] == right for e in saved["entries"].values())
    # a reload (fresh run, no answers typed) restores the saved answers and the student id
    _, defs2 = app.run(defs={"pred": Fake(option)})
    assert defs2["student"].value == student
    assert defs2["graded"].answers == right
    # wrong answers are marked wrong, with a dimension message for a wrong unit
    q0 = next(q for q in lab.questions if q.kind == "quantity")
    wrong_dim = "3 kg" if q0.unit_kind != "mass" else "3 s"
    _, defs3 = app.run(defs={"pred": Fake(option), "student": Fake(student), "answers": Fake({q0.id: wrong_dim})})
    fb = defs3["graded"].feedback[q0.id]
    assert not fb.correct and fb.message.startswith("wrong dimension"), fb.message


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_corrupt_store_shows_message_and_keeps_answers(path, progress_home):
    (progress_home / "progress.json").write_text("{not json")
    app = _load(path)
    pred, _ = _pred_value(app)
    from mlsys_labs.catalog import get_lab

    lab = get_lab(path.stem)
    v = lab.variant("ada")
    ans = {lab.questions[0].id: lab.questions[0].expected_text(v)}
    _, defs = app.run(defs={"pred": Fake(next(iter(pred.options))), "student": Fake("ada"),
                            "answers": Fake(ans)})
    assert defs["progress"].error
    assert defs["graded"].answers == ans
    assert defs["graded"].save_error is None  # the corrupt file is moved aside, the new state saved
