import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")

# A new lab, in six steps (docs/labkit-contract.md, "Write a lab"):
#  1. copy this file to labs/NN_topic.py; its file stem is the lab id, typed once below (LAB_ID);
#  2. write labkit/mlsys_labs/banks/lab_NN_topic.py: LAB = LabSpec(...) with variant_space and questions,
#     plus the plain functions this notebook calls (every engine call lives there);
#  3. every control takes `starts=starts, key=<variant parameter or a name>` (your variant first, restored
#     on reload) and every slider a unit;
#  4. "why" panels name resolver classes, never type an equation;
#  5. list every control in the last cell's `ui.finish(...)` (saved and restored);
#  6. run `pytest tests/labs` (static rules, CPython run, state restore).
# This template runs as it is, on lab 00's bank.


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.catalog import get_lab

    LAB_ID = "00_hello_roofline"  # ← the file stem of your lab
    LAB = get_lab(LAB_ID)
    return LAB, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro="One paragraph: the question this lab answers, in the student's words.")
    return


@app.cell
def _(progress, ui):
    student = ui.student_input(progress)
    student
    return (student,)


@app.cell
def _(LAB, progress, student, ui):
    variant = ui.variant_for(LAB, student.value)
    ui.variant_banner(LAB, variant, progress)
    return (variant,)


@app.cell
def _(LAB, mo, progress, ui, variant):
    pred = ui.prediction("What do you expect, before touching anything?", ["Compute (wall 1)", "Memory (wall 2)"],
                         lab=LAB, variant=variant, progress=progress)
    mo.vstack([ui.step("predict", "one sentence"), pred])
    return (pred,)


@app.cell
def _(LAB, progress, ui, variant):
    starts = ui.starts(LAB, variant, progress)
    return (starts,)


@app.cell
def _(core, mo, starts, ui):
    hw = ui.zoo_dropdown({h: core.Hardware.get(h) for h in ("H100", "A100", "B200", "MI300X")}, label="Accelerator",
                         value="H100", starts=starts, key="accelerator")
    batch = ui.slider(steps=[1, 4, 16, 64, 256], value=1, label="Batch size", unit="samples", starts=starts,
                      key="batch")
    mo.vstack([ui.step("act"), ui.row(hw, batch)])
    return batch, hw


@app.cell
def _(batch, core, hw):
    # in a real lab this line is a call into the lab's bank module
    res = core.SingleNodeModel().solve(model=core.Models.get("Llama3_8B"), hardware=hw.value, batch_size=batch.value)
    return (res,)


@app.cell
def _(mo, pred, res, ui):
    mo.stop(*ui.prediction_gate(pred))
    mo.vstack([ui.step("observe"), ui.metrics([("Latency per step", res.latency, f"{res.bottleneck}-bound", "ms")]),
               ui.status(res)])
    return


@app.cell
def _(core, res, ui):
    ui.why_panel(core.SingleNodeModel, results=[res], explanation="What the equation means, in words.")
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body="The question to think about."), reflect])
    return (reflect,)


@app.cell
def _(LAB, mo, progress, ui, variant):
    mo.stop(*ui.student_gate(variant))
    answers = ui.answer_inputs(LAB, variant, progress)
    return (answers,)


@app.cell
def _(ui):
    reset = ui.reset_control()
    return (reset,)


@app.cell
async def _(LAB, answers, progress, ui, variant):
    graded = await ui.grade(LAB, variant, answers, progress)
    ui.graded_questions(LAB, variant, answers, graded)
    return (graded,)


@app.cell
async def _(LAB, batch, graded, hw, mo, pred, progress, reflect, reset, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, accelerator=hw, batch=batch)
    _footer
    return


if __name__ == "__main__":
    app.run()
