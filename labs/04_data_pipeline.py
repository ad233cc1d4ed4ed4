import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="04 · Feeding the beast: the data pipeline")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("04_data_pipeline")
    return LAB, charts, core, mo, ui


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
def _(core, mo, starts, ui):
    _hw = {h: core.Hardware.get(h) for h in ("H100", "A100", "H200", "L4", "JetsonOrinNX")}
    hw = ui.zoo_dropdown(_hw, label="Accelerator (its storage and host link)", value="H100", starts=starts, key="hardware")
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
def _(batch, core, cpu, hw, rate, size, step_ms):
    data = core.DataModel().solve(workload_data_rate=core.Q_(rate.value * size.value, "MB/s"), hardware=hw.value)
    xf = core.TransformationModel().solve(batch_size=batch.value, sample_size=core.Q_(size.value, "MB"),
                                          cpu_throughput=core.Q_(cpu.value, "GB/s"),
                                          accelerator_step_time=core.Q_(step_ms.value, "ms"))
    return data, xf


@app.cell
def _(core, data, mo, pred, ui, xf):
    mo.stop(*ui.prediction_gate(pred))
    _d = core.DataModel().solve(workload_data_rate=core.Q_(5, "GB/s"), hardware=core.Hardware.get("H100"))
    _ans = ("No, the GPU stalls" if _d.is_stalled else
            "Barely (more than 80 % used)" if _d.utilization > 0.8 else "Yes, with room to spare")
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _ans, f"Demand 5 GB/s against a supply of {ui.fmt(_d.supply_bw)} "
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
def _(charts, data, hw, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = [{"path": "demand", "GB/s": float(data.demand_bw.to("GB/s").magnitude)}]
    if data.storage_bw is not None:
        _rows.append({"path": "storage (NVMe)", "GB/s": float(data.storage_bw.to("GB/s").magnitude)})
    if data.host_link_bw is not None:
        _rows.append({"path": "host link (PCIe)", "GB/s": float(data.host_link_bw.to("GB/s").magnitude)})
    charts.bars(_rows, "path", "GB/s", highlight="demand", value_title="GB/s",
                title=f"Wall 8 on the {hw.selected_key}: demand vs each supply path")
    return


@app.cell
def _(batch, charts, core, cpu, mo, pred, size, step_ms, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = []
    for _k in range(1, 33):
        _c = 0.5 * _k
        _r = core.TransformationModel().solve(batch_size=batch.value, sample_size=core.Q_(size.value, "MB"),
                                              cpu_throughput=core.Q_(_c, "GB/s"),
                                              accelerator_step_time=core.Q_(step_ms.value, "ms"))
        _rows.append({"cpu": _c, "busy": 100 * _r.accelerator_utilization})
    _cur = core.TransformationModel().solve(batch_size=batch.value, sample_size=core.Q_(size.value, "MB"),
                                            cpu_throughput=core.Q_(cpu.value, "GB/s"),
                                            accelerator_step_time=core.Q_(step_ms.value, "ms"))
    charts.sweep(_rows, "cpu", "busy", x_title="CPU preprocessing throughput (GB/s)",
                 y_title="accelerator busy (%)",
                 marker={"x": cpu.value, "y": 100 * _cur.accelerator_utilization, "label": "you"},
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
