import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="04 · Feeding the beast: the data pipeline")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_04_data_pipeline as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("04_data_pipeline")
    return LAB, bank, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro=(
        "Training data has to be **read** from storage and across the host link (wall 8, ingestion) and "
        "**decoded and augmented** by CPUs (wall 9, transformation) before the accelerator can use it. If "
        "either path is slower than the accelerator, the expensive chip waits."
    ))
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
def _(ui):
    ui.step("predict", "images at line rate")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "One H100 consumes 5,000 images per second at 1 MB each (5 GB/s) from its local NVMe drive. "
        "Can the drive and the host link keep up?",
        ["Yes, with room to spare", "Barely (more than 80 % used)", "No, the GPU stalls"],
        lab=LAB, variant=variant, progress=progress,
    )
    pred
    return (pred,)


@app.cell
def _(LAB, progress, ui, variant):
    starts = ui.starts(LAB, variant, progress)
    return (starts,)


@app.cell
def _(bank, mo, starts, ui):
    hw = ui.choice(bank.HARDWARE, label="Accelerator (its storage and host link)", value="H100", starts=starts, key="hardware")
    rate = ui.slider(500, 20000, step=500, value=5000, label="Samples the model consumes", unit="samples/s", starts=starts, key="samples_per_s")
    size = ui.slider(0.1, 4.0, step=0.1, value=1.0, label="Sample size", unit="MB", starts=starts, key="sample_mb")
    mo.vstack([ui.step("act", "Part A · ingestion"), hw, rate, size])
    return hw, rate, size


@app.cell
def _(mo, starts, ui):
    cpu = ui.slider(0.5, 16.0, step=0.5, value=2.0, label="CPU preprocessing throughput", unit="GB/s", starts=starts, key="cpu_gbps")
    batch = ui.slider(steps=[64, 128, 256, 512, 1024], value=256, label="Batch size", unit="samples", starts=starts, key="batch")
    step_ms = ui.slider(50, 1000, step=25, value=250, label="Accelerator step time", unit="ms", starts=starts, key="step_ms")
    mo.vstack([mo.md("**Part B · transformation**"), cpu, batch, step_ms])
    return batch, cpu, step_ms


@app.cell
def _(bank, batch, cpu, hw, rate, size, step_ms):
    data = bank.ingest(hw.value, rate.value, size.value)
    xf = bank.transform(batch.value, size.value, cpu.value, step_ms.value)
    return data, xf


@app.cell
def _(bank, data, mo, pred, ui, xf):
    mo.stop(*ui.prediction_gate(pred))
    _d = bank.ingest("H100", 5000, 1.0)  # the prediction's case: 5,000 images/s of 1 MB on one H100
    _ans = ("No, the GPU stalls" if _d.is_stalled else
            "Barely (more than 80 % used)" if _d.utilization > 0.8 else "Yes, with room to spare")
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _ans, f"Demand {ui.fmt(_d.demand_bw)} against a supply of {ui.fmt(_d.supply_bw)} "
                              f"(limited by {_d.limiting_path.lower()}): ρ = {_d.utilization:.2f}."),
        ui.metrics([
            ("Demand", data.demand_bw, "samples/s × size"),
            ("Supply", data.supply_bw, f"limited by {data.limiting_path}"),
            ("Ingestion ρ", f"{data.utilization:.2f}", "stalled" if data.is_stalled else "keeps up"),
            ("Transform / batch", xf.transform_time, f"accelerator {ui.fmt(xf.accelerator_step_time)}", "ms"),
            ("Accelerator busy", f"{xf.accelerator_utilization:.0%}", f"slowdown {xf.slowdown_factor:.2f}×"),
        ]),
        ui.row(ui.status(data, ok="Ingestion keeps up."), ui.status(xf, ok="CPUs keep up."), min_width="18rem"),
    ])
    return


@app.cell
def _(bank, charts, hw, mo, pred, rate, size, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = bank.data_paths(hw.value, rate.value, size.value)
    charts.bars(list(_rows), "path", "GB/s", highlight="demand", value_title="GB/s",
                title=f"Wall 8 on the {hw.value}: demand vs each supply path")
    return


@app.cell
def _(bank, batch, charts, cpu, mo, pred, size, step_ms, ui, xf):
    mo.stop(*ui.prediction_gate(pred))
    _rows = bank.cpu_sweep(batch.value, size.value, step_ms.value)  # cached: the CPU slider moves the marker
    charts.sweep(list(_rows), "cpu", "busy", x_title="CPU preprocessing throughput (GB/s)",
                 y_title="accelerator busy (%)",
                 marker={"x": cpu.value, "y": bank.busy_percent(xf), "label": "you"},
                 title="Wall 9: the accelerator starves until the CPUs catch up")
    return


@app.cell
def _(core, data, ui, xf):
    ui.why_panel(
        core.DataModel, core.TransformationModel,
        results=[data, xf],
        explanation=(
            "The slowest link of the data path sets the supply; $\\rho > 1$ means the accelerator runs at "
            "$1/\\rho$ of its speed. Preprocessing overlaps with compute, so it costs nothing until it becomes "
            "the longer of the two; from then on every extra millisecond of CPU work is a millisecond of idle "
            "accelerator."
        ),
        source="seed paper §4.2 (walls 8–9)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Name two fixes for a stalled ingestion path and two for a starved accelerator (wall 9). Which of them "
        "cost money, and which cost accuracy (e.g. smaller images)?"
    )), reflect])
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
async def _(LAB, batch, cpu, graded, hw, mo, pred, progress, rate, reflect, reset, size, step_ms, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, hardware=hw, samples_per_s=rate, sample_mb=size, cpu_gbps=cpu, batch=batch, step_ms=step_ms)
    _footer
    return


if __name__ == "__main__":
    app.run()
