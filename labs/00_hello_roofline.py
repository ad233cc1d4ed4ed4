import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="00 · Hello, roofline")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_00_hello_roofline as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("00_hello_roofline")
    return LAB, bank, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(
        LAB,
        intro=(
            "Every accelerator has two ceilings: how fast it can **compute** (FLOP/s) and how fast it can "
            "**move bytes** from memory (B/s). A workload hits whichever comes first. The *roofline* draws "
            "both on one picture; its x-axis, **arithmetic intensity** (FLOP per byte moved), tells you which "
            "wall you are standing against."
        ),
    )
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
    ui.step("predict", "decode one token of Llama-3-8B on an H100")
    return


@app.cell
def _(LAB, bank, progress, ui, variant):
    _peak, _bw = bank.roof("H100", "fp16")
    _options = ["Compute (wall 1)", "Memory (wall 2)"]
    pred = ui.prediction(
        f"Llama-3-8B (fp16, {ui.fmt(bank.weights('Llama3_8B', 'fp16'), 'GB')} of weights) "
        f"generates one token at batch 1 on an H100 ({ui.fmt(_peak, 'TFLOP/s')}, "
        f"{ui.fmt(_bw, 'TB/s')}). Which wall sets the time per token?",
        _options, value=ui.saved_prediction(LAB, variant, progress, _options),
    )
    pred
    return (pred,)


@app.cell
def _(LAB, progress, ui, variant):
    starts = ui.starts(LAB, variant, progress)
    return (starts,)


@app.cell
def _(bank, mo, starts, ui):
    hw = ui.zoo_dropdown({k: k for k in bank.HARDWARE}, label="Accelerator", value="H100", starts=starts,
                         key="accelerator")
    model = ui.zoo_dropdown({k: k for k in bank.MODELS}, label="Model", value="Llama3_8B", starts=starts,
                            key="model")
    precision = ui.choice(bank.PRECISIONS, value="fp16", label="Precision", starts=starts, key="precision")
    batch = ui.slider(steps=list(bank.BATCHES), value=1, label="Batch size", unit="samples", starts=starts,
                      key="batch")
    mo.vstack([ui.step("act", "move one control at a time"), ui.row(hw, model, precision),
               batch])
    return batch, hw, model, precision


@app.cell
def _(bank, batch, hw, model, precision):
    res = bank.step(model.value, hw.value, batch.value, precision.value)
    return (res,)


@app.cell
def _(bank, batch, mo, pred, res, ui):
    mo.stop(*ui.prediction_gate(pred))
    _base = bank.step("Llama3_8B", "H100", 1, "fp16")  # the prediction's case
    _answer = "Memory (wall 2)" if _base.binding_wall == 2 else "Compute (wall 1)"
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _answer, f"At batch 1 the H100 needs {ui.fmt(_base.latency_memory, 'ms')} to stream the "
                                 f"weights but only {ui.fmt(_base.latency_compute, 'ms')} to do the math."),
        ui.metrics([
            ("Latency per step", res.latency, f"{res.bottleneck}-bound", "ms"),
            ("Throughput", f"{res.throughput.magnitude:,.0f}", f"{res.sample_unit}s per second"),
            ("Arithmetic intensity", res.arithmetic_intensity, f"batch {batch.value}"),
            ("MFU", f"{res.mfu:.1%}", "fraction of peak used"),
            ("Memory footprint", res.memory_footprint, f"of {ui.capacity(res.memory_capacity)}"),
        ]),
        ui.status(res),
    ])
    return


@app.cell
def _(bank, batch, charts, hw, mo, model, precision, pred, res, ui):
    mo.stop(*ui.prediction_gate(pred))
    _peak, _bw = bank.roof(hw.value, precision.value)
    _point = bank.operating_point(model.value, hw.value, batch.value, precision.value)
    mo.vstack([
        charts.roofline(_peak, _bw, [_point], device=hw.value,
                        title=f"Roofline of {hw.value} ({precision.value}) with your operating point"),
        charts.waterfall([
            (f"{res.bottleneck.lower()} time (overlaps the other)", max(res.latency_compute, res.latency_memory)),
            ("dispatch + framework overhead", res.latency_overhead),
        ], unit="ms", title="Where one step's time goes"),
    ])
    return


@app.cell
def _(bank, batch, charts, hw, mo, model, precision, pred, res, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = bank.batch_sweep(model.value, hw.value, precision.value)  # cached: the slider moves the marker
    _cur = next(r for r in _rows if r["batch"] == batch.value)
    charts.sweep(list(_rows), "batch", "throughput", log_x=True, log_y=True,
                 x_title="batch size (log)", y_title=f"throughput ({res.sample_unit}s/s, log)",
                 marker={"x": batch.value, "y": _cur["throughput"], "label": f"you: {_cur['bound']}-bound"},
                 title="Batching buys throughput until the compute roof")
    return


@app.cell
def _(core, res, ui):
    ui.why_panel(
        core.SingleNodeModel,
        results=[res],
        explanation=(
            "Below the ridge point $I^*$ the memory term is larger: the chip waits for bytes (wall 2). "
            "Above it the compute term dominates (wall 1). Batching reuses every weight byte for $B$ samples, "
            "so intensity grows roughly linearly with $B$ until the activation traffic (the B·A term) catches up. "
            "The model must also **fit**: footprint ≤ memory capacity, or the design is infeasible."
        ),
        source="Williams, Waterman & Patterson, *Roofline* (CACM 2009); seed paper §4.1, walls 1–2",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Why does a larger batch barely change the latency of a memory-bound step, yet multiply throughput? "
        "Find the batch size where your model crosses the ridge point on your accelerator, then check your "
        "numbers below."
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
async def _(LAB, batch, graded, hw, mo, model, precision, pred, progress, reflect, reset, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, accelerator=hw, model=model, precision=precision, batch=batch)
    _footer
    return


if __name__ == "__main__":
    app.run()
