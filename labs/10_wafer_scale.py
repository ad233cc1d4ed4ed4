import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="10 · GPU vs wafer-scale: streaming the weights")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_10_wafer_scale as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("10_wafer_scale")
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
            "A wafer-scale engine (the zoo's **Cerebras CS-3**) is one chip the size of a dinner plate: about "
            "125 PFLOP/s and 44 GB of on-wafer SRAM at 21 PB/s. In **weight-streaming** mode the activations and "
            "KV cache stay on the wafer while the weights live in an external store and flow in **one layer at "
            "a time** through the system I/O. A GPU does the opposite: weights sit in HBM and are re-read for "
            "every decode step. Which design wins depends on one number: the batch B* at which the wafer's "
            "compute finally takes as long as the weight injection (wall 6)."
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
    ui.step("predict", "125 PFLOP/s against one B200")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "Llama-3-8B decodes at batch 1. The CS-3 (125 PFLOP/s) streams its weights in at 150 GB/s; a B200 "
        "(2.25 PFLOP/s) reads them from 7.7 TB/s HBM. Which generates tokens faster?",
        ["The wafer, by ~50× (it has ~50× the FLOP/s)", "The wafer, by a little", "About the same",
         "The B200, by a wide margin"],
        lab=LAB, variant=variant, progress=progress,
    )
    pred
    return (pred,)


@app.cell
def _(LAB, progress, ui, variant):
    starts = ui.starts(LAB, variant, progress)
    return (starts,)


@app.cell
def _(mo, starts, ui):
    model = ui.zoo_dropdown({m: m for m in ("Llama3_8B", "Llama2_13B", "Llama3_70B", "GPT2_Small")},
                            label="Model", value="Llama3_8B", starts=starts, key="model")
    gpu = ui.zoo_dropdown({g: g for g in ("B200", "H200", "H100", "MI300X")}, label="GPU to compare", value="B200", starts=starts, key="gpu")
    phase = ui.choice(["decode", "prefill"], value="decode", label="Phase", starts=starts, key="phase")
    batch = ui.slider(1, 1024, steps=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], value=1, label="Batch size", unit="samples", starts=starts, key="batch")
    seq = ui.slider(256, 8192, steps=[256, 512, 1024, 2048, 4096, 8192], value=2048, label="Context length",
                    unit="tokens", starts=starts, key="seq_len")
    inject = ui.slider(75, 4800, steps=[75, 150, 300, 600, 1200, 2400, 4800], value=150,
                       label="Weight-injection bandwidth", unit="GB/s", starts=starts, key="inject_gbs")
    mo.vstack([ui.step("act", "feed the wafer"), ui.row(model, gpu, phase),
               ui.row(batch, seq), inject])
    return batch, gpu, inject, model, phase, seq


@app.cell
def _(bank, batch, gpu, inject, model, phase, seq):
    wafer = bank.stream(model.value, batch.value, seq.value, inject.value, phase.value)
    gpu_res, gpu_tps = bank.gpu_decode(model.value, gpu.value, batch.value, seq.value)
    max_b = bank.max_wafer_batch(model.value, seq.value)
    return gpu_res, gpu_tps, max_b, wafer


@app.cell
def _(bank, gpu, gpu_res, gpu_tps, max_b, mo, phase, pred, ui, wafer):
    mo.stop(*ui.prediction_gate(pred))
    _w1 = bank.stream("Llama3_8B", 1, 2048, 150).throughput_tokens_per_sec.to("token/s").magnitude
    _g1 = bank.gpu_decode("Llama3_8B", "B200", 1, 2048)[1]
    _r = _w1 / _g1
    _answer = ("The wafer, by ~50× (it has ~50× the FLOP/s)" if _r > 10 else "The wafer, by a little" if _r > 1.25
               else "About the same" if _r > 0.8 else "The B200, by a wide margin")
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _answer, f"At batch 1 the wafer makes {_w1:.1f} token/s, the B200 {_g1:.0f} token/s: "
                                 "the wafer waits for every layer's weights, its compute idles."),
        ui.metrics([
            (f"Wafer ({phase.value})", wafer.throughput_tokens_per_sec, wafer.bottleneck, "token/s"),
            ("Per layer: inject", wafer.layer_injection_time, f"compute {ui.fmt(wafer.layer_compute_time, 'ms')}",
             "ms"),
            ("B* (decode)", f"{wafer.optimal_batch_size_exact:,.0f}", "compute = injection"),
            ("On-wafer KV", f"{wafer.wafer_memory_utilization:.0%}", f"of 44 GB; max batch {max_b}"),
            (f"One {gpu.value} (decode)", gpu_tps, f"ITL {ui.fmt(gpu_res.itl, 'ms')}", "token/s"),
        ]),
        ui.status(wafer, ok="The KV cache fits in on-wafer SRAM."),
        ui.status(gpu_res, ok=f"The model and its KV cache fit in the {gpu.value}'s HBM."),
    ])
    return


@app.cell
def _(bank, batch, charts, gpu, inject, mo, model, pred, seq, ui, wafer):
    mo.stop(*ui.prediction_gate(pred))
    _bstar = wafer.optimal_batch_size_exact
    _rows = []
    _b = 1
    while _b <= 4 * _bstar:
        _s = bank.stream(model.value, int(_b), seq.value, inject.value)
        _rows.append({"batch": int(_b), "ms": _s.layer_compute_time.to("ms").magnitude, "time": "compute per layer"})
        _rows.append({"batch": int(_b), "ms": _s.layer_injection_time.to("ms").magnitude,
                      "time": "weight injection per layer"})
        _b *= 4
    _tp = []
    for _bb in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
        _w = bank.stream(model.value, _bb, seq.value, inject.value).throughput_tokens_per_sec.to("token/s").magnitude
        _g = bank.gpu_decode(model.value, gpu.value, _bb, seq.value)[1]
        if _w > 0:
            _tp.append({"batch": _bb, "tokens_s": _w, "system": "CS-3 (weight streaming)"})
        if _g > 0:
            _tp.append({"batch": _bb, "tokens_s": _g, "system": f"one {gpu.value}"})
    _cur = wafer.throughput_tokens_per_sec.to("token/s").magnitude
    mo.vstack([
        charts.sweep(_tp, "batch", "tokens_s", series="system", log_x=True, log_y=True, x_title="batch (log)",
                     y_title="decode tokens/s (log; points stop where memory runs out)",
                     marker={"x": batch.value, "y": _cur, "label": "you (wafer)"} if _cur > 0 else None,
                     title="Decode throughput vs batch: the wafer grows linearly but starts far below"),
        charts.sweep(_rows, "batch", "ms", series="time", log_x=True, log_y=True, x_title="decode batch (log)",
                     y_title="time per layer (ms, log)",
                     marker={"x": _bstar, "y": wafer.layer_injection_time.to("ms").magnitude,
                             "label": f"B* ≈ {_bstar:,.0f}"},
                     title="Compute catches up with injection only at B* — far beyond what the KV cache allows"),
    ])
    return


@app.cell
def _(core, ui, wafer):
    ui.why_panel(
        core.WeightStreamingModel,
        results=[wafer],
        explanation=(
            "Below B* every layer waits for its weights, so throughput is B / (L·t_inject): linear in the batch "
            "and independent of the wafer's FLOP/s. B* does not depend on the model at all — only on bytes per "
            "parameter b, the peak and the pipe. The batch you can actually run is capped by the KV cache that "
            "must fit in 44 GB of SRAM, which is why the wafer stays interconnect-bound in decode and why prefill "
            "(S tokens per sequence per pass) is where it shines. A GPU re-reads the weights from HBM at ~10–50× "
            "the injection bandwidth."
        ),
        source="seed paper §4.1 wall 6 (WeightStreamingModel); Cerebras CS-3 / MemoryX architecture notes",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Switch the phase to prefill: why does the same wafer become compute-bound at a tiny batch? What "
        "injection bandwidth would make decode at batch 64 compute-bound, and is that realistic?"
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
async def _(LAB, batch, gpu, graded, inject, mo, model, phase, pred, progress, reflect, reset, seq, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, model=model, gpu=gpu, phase=phase, batch=batch, seq_len=seq, inject_gbs=inject)
    _footer
    return


if __name__ == "__main__":
    app.run()
