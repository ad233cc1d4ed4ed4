"""Nothing forgotten, your variant first: start values and the saved page state (CPython, no browser).

The progress object is a stand-in with the state API the page uses (``lab_state`` / ``save_state``)."""

from __future__ import annotations

import copy
import importlib.util

import pytest

from conftest import lab_files

from mlsys_labs import pagestate

REMEMBERING = [p for p in lab_files() if "ui.finish(" in p.read_text(encoding="utf-8")]


class FakeProgress:
    def __init__(self, lab_id: str, states: dict | None = None):
        self.lab_id, self.states, self.saves_made = lab_id, copy.deepcopy(states or {}), []
        self.error, self.store, self.saves, self.save_error = None, None, 0, None

    def last_student(self, lab_id):
        return next(iter(self.states), "")

    def answers_for(self, lab_id, student):
        return dict(self.lab_state(lab_id, student).get("answers", {}))

    async def record(self, lab_id, student, answers):
        self.states.setdefault(student, {})["answers"] = dict(answers)

    def lab_state(self, lab_id, student):
        base = {"answers": {}, "attempts": {}, "prediction": None, "controls": {}, "reflections": {}}
        base.update(self.states.get(student, {}))
        return base

    async def save_state(self, lab_id, student, **parts):
        self.saves_made.append(parts)
        self.states.setdefault(student, {}).update(copy.deepcopy(parts))
        return None


class Fake:
    def __init__(self, value):
        self.value = value


def _app(path):
    spec = importlib.util.spec_from_file_location(f"lab_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.app


class V:
    def __init__(self, params):
        self.params, self.student_id = params, "ada"


def test_start_value_order_saved_then_variant_then_default():
    s = pagestate.Starts({"batch": 16, "model": "Llama2_7B"}, {"batch": 64})
    assert s.value("batch", 1, choices=[1, 16, 64]) == 64  # saved wins
    assert s.value("model", "Llama3_8B", choices=["Llama3_8B", "Llama2_7B"]) == "Llama2_7B"  # variant next
    assert s.value("precision", "fp16", choices=["fp16"]) == "fp16"  # default
    # a saved or variant value outside the control's choices is skipped, never a crash
    assert s.value("batch", 1, choices=[1, 2]) == 1
    assert pagestate.Starts({"x": 500.0}).value("x", 10, choices=(0, 100)) == 10
    assert pagestate.Starts({"x": 50.0}).value("x", 10, choices=(0, 100)) == 50.0
    assert s.label("Batch size", "batch") == "Batch size · your variant: 16"
    assert s.label("Precision", "precision") == "Precision"


def test_no_state_api_or_no_student_means_defaults_and_no_save():
    import asyncio

    lab = type("L", (), {"id": "x"})()
    assert pagestate.starts(lab, None, object()).value("batch", 1) == 1
    assert asyncio.run(pagestate.remember(lab, None, FakeProgress("x"), batch=Fake(4))) is None
    assert asyncio.run(pagestate.remember(lab, V({}), object(), batch=Fake(4))) is None


def test_remember_writes_only_what_changed():
    import asyncio

    lab = type("L", (), {"id": "x"})()
    p = FakeProgress("x")
    v = V({})
    asyncio.run(pagestate.remember(lab, v, p, prediction=Fake("a"), batch=Fake(4)))
    asyncio.run(pagestate.remember(lab, v, p, prediction=Fake("a"), batch=Fake(4)))
    asyncio.run(pagestate.remember(lab, v, p, prediction=Fake("a"), batch=Fake(8)))
    assert [sorted(s) for s in p.saves_made] == [["controls", "prediction"], ["controls"]]
    assert p.saves_made[0]["prediction"]["choice"] == "a" and p.saves_made[1] == {"controls": {"batch": 8}}


def test_remember_reports_a_failed_save():
    import asyncio

    class Broken(FakeProgress):
        async def save_state(self, *a, **k):
            raise OSError("quota exceeded")

    lab = type("L", (), {"id": "x"})()
    err = asyncio.run(pagestate.remember(lab, V({}), Broken("x"), batch=Fake(4)))
    assert err and "quota exceeded" in err


@pytest.mark.parametrize("path", REMEMBERING, ids=lambda p: p.stem)
def test_lab_saves_prediction_controls_reflection_and_restores_them(path):
    from mlsys_labs.catalog import get_lab

    lab = get_lab(path.stem)
    app = _app(path)
    _, defs0 = app.run()
    option = list(defs0["pred"].options)[-1]
    progress = FakeProgress(lab.id)
    _, defs = app.run(defs={"progress": progress, "student": Fake("ada"), "pred": Fake(option),
                            "reflect": Fake("batching reuses weights")})
    st = progress.lab_state(lab.id, "ada")
    assert st["prediction"]["choice"] == option and st["prediction"]["time"]
    assert st["reflections"] == {"reflect": "batching reuses weights"}
    controls = st["controls"]
    assert len(controls) >= 3, controls
    # the variant's values are where the controls opened (for every variant parameter a control shows)
    params = lab.variant("ada").params
    shown = {k: v for k, v in controls.items() if k in params}
    off = {k: (controls[k], params[k]) for k in shown if not _same(controls[k], params[k])}
    assert shown and not off, f"controls not at the variant's value (saved, variant): {off}"
    # a reload with the saved state: prediction, controls and reflection come back
    _, defs2 = app.run(defs={"progress": progress, "student": Fake("ada")})
    assert defs2["pred"].value == option
    assert defs2["reflect"].value == "batching reuses weights"


def _same(a, b) -> bool:
    try:
        return float(a) == float(b)  # a slider's 2.0, a dropdown's "8" for the variant's 8
    except (TypeError, ValueError):
        return str(a) == str(b)


def test_lab_00_opens_at_a_moved_position_after_reload():
    path = next(p for p in lab_files() if p.stem.startswith("00_"))
    from mlsys_labs.catalog import get_lab

    lab = get_lab(path.stem)
    app = _app(path)
    progress = FakeProgress(lab.id, {"ada": {"controls": {"batch": 256, "accelerator": "B200", "model": "Llama3_70B",
                                                         "precision": "fp8"},
                                                 "prediction": {"question": "q", "choice": "Memory (wall 2)", "time": "t"}}})
    _, defs = app.run(defs={"progress": progress, "student": Fake("ada")})
    assert defs["batch"].value == 256 and defs["hw"].selected_key == "B200"
    assert defs["model"].selected_key == "Llama3_70B" and defs["precision"].value == "fp8"
    assert defs["pred"].value == "Memory (wall 2)"
    assert defs["res"].batch_size == 256  # the results follow the restored controls
