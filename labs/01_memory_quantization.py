import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="01 · The memory wall and quantization")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_01_memory_quantization as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("01_memory_quantization")
    return LAB, bank, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro=(
        "A model must first **fit** in memory, then its weights must **stream** through the memory system "
        "once per decoding step. Quantization attacks both: fewer bits per weight means a smaller footprint "
        "and fewer bytes to move. The price is *fidelity* (wall 13): accuracy can drop, and the hardware "
        "must support the narrow format to compute faster."
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
    ui.step("predict", "squeeze Llama-3-70B onto one H100")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "Llama-3-70B needs about 141 GB at fp16; an H100 has 80 GB. Quantize it to int4. What happens to "
        "batch-1 decoding on one H100?",
        ["Still does not fit", "Fits, and each token is about 4× faster", "Fits, but no faster"],
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
    hw = ui.zoo_dropdown({k: k for k in bank.HARDWARE}, label="Accelerator", value="H100", starts=starts,
                         key="hardware")
    model = ui.zoo_dropdown({k: k for k in bank.MODELS}, label="Model", value="Llama3_70B", starts=starts,
                            key="model")
    target = ui.choice(bank.TARGETS, value="int4", label="Quantize fp16 weights to", starts=starts, key="target")
    batch = ui.slider(steps=list(bank.SWEEP_BATCHES), value=1, label="Batch size", unit="samples", starts=starts,
                      key="batch")
    mo.vstack([ui.step("act", "pick a model, a device and a bit width"),
               ui.row(hw, model, target), batch])
    return batch, hw, model, target


@app.cell
def _(bank, batch, hw, model, target):
    comp = bank.compress(model.value, hw.value, target.value, batch.value)
    return (comp,)


@app.cell
def _(bank, comp, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _c = bank.compress("Llama3_70B", "H100", "int4", 1)  # the prediction's case
    _ans = ("Still does not fit" if not _c.fits_after else
            "Fits, and each token is about 4× faster" if _c.speedup > 2 else "Fits, but no faster")
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _ans, f"int4 stores {ui.fmt(_c.compressed_size)} of weights; speedup {_c.speedup:.2f}×."),
        ui.metrics([
            ("fp16 weights", comp.original_size, "fits" if comp.fits_before else "does NOT fit"),
            (f"{comp.target_bitwidth:g}-bit weights", comp.compressed_size,
             "fits" if comp.fits_after else "does NOT fit"),
            ("Compression ratio", f"{comp.compression_ratio:.2f}×", "r = b_base / b"),
            ("Speedup per step", f"{comp.speedup:.2f}×", f"{comp.regime_before} → {comp.regime_after}"),
            ("Accuracy change (literature range)",
             f"{comp.accuracy_delta_low * 100:+.1f} … {comp.accuracy_delta_high * 100:+.1f} pts",
             "native support" if comp.hardware_supported else "no native math: emulated"),
        ]),
        ui.status(comp, ok="The compressed model fits in memory."),
    ])
    return


@app.cell
def _(bank, charts, hw, mo, model, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _weights, _cap = bank.footprints(model.value, hw.value)
    _rows = [*_weights, {"what": f"{hw.value} memory ({ui.capacity(_cap)})", "GB": charts.magnitude(_cap, "GB")}]
    charts.bars(_rows, "what", "GB", highlight=_rows[-1]["what"], value_title="GB",
                title=f"Does {model.value} fit? Footprint per precision vs device memory")
    return


@app.cell
def _(bank, batch, hw, mo, model, pred, target, ui):
    mo.stop(*ui.prediction_gate(pred))
    _steps = bank.steps(model.value, hw.value, batch.value, target.value)
    ui.metrics([
        (f"Step at batch {batch.value}, {_r.precision}", _r.latency,
         f"{_r.bottleneck.lower()}-bound" if _r.feasible else "does NOT fit: weights spill off-device", "ms")
        for _r in _steps
    ])
    return


@app.cell
def _(bank, batch, charts, hw, mo, model, pred, target, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = bank.latency_sweep(model.value, hw.value, target.value)  # cached: the slider moves the marker
    _cur = next(r for r in _rows if r["batch"] == batch.value and r["precision"] == target.value)
    charts.sweep(list(_rows), "batch", "latency_ms", series="precision", log_x=True, log_y=True,
                 x_title="batch size (log)", y_title="time per decoding step (ms, log)",
                 marker={"x": batch.value, "y": _cur["latency_ms"], "label": "you"},
                 title="Quantization helps most where the step is memory-bound")
    return


@app.cell
def _(comp, core, ui):
    ui.why_panel(
        core.CompressionModel,
        results=[comp],
        explanation=(
            "In the memory-bound regime the step time is $|W|/BW$, so shrinking the weights by $r$ makes "
            "each step $r$ times faster. Once the batch is large enough to be compute-bound, only a faster "
            "narrow-precision math unit helps (the ratio of the two peaks); without native support "
            "the speedup is 1. Feasibility is the memory wall: the weights must fit in the capacity."
        ),
        source="seed paper §4.3 (wall 13), §4.1 (wall 2); Williams 2009 roofline",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Where does the fp16 curve meet the quantized curve as the batch grows, and why? Which devices in the "
        "dropdown gain nothing in compute-bound steps? Write down one accuracy risk you would test before "
        "shipping the int4 model."
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
async def _(LAB, batch, graded, hw, mo, model, pred, progress, reflect, reset, target, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, hardware=hw, model=model, target=target, batch=batch)
    _footer
    return


if __name__ == "__main__":
    app.run()
