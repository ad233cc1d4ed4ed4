import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="09 · Sensitivity and synthesis")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_09_sensitivity_synthesis as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("09_sensitivity_synthesis")
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
            "You have budget for **one** hardware upgrade. More FLOP/s? More memory bandwidth? More memory? "
            "The honest answer is a derivative: raise each resource a little, re-solve, and see which one moves "
            "the latency (**sensitivity**, wall 21). Then turn the question around: given a latency target, what "
            "would the hardware have to be (**synthesis**, wall 22)?"
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
    ui.step("predict", "one upgrade for LLM decoding")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "Llama-3-8B generates tokens at batch 1 on an H100. You can make ONE resource 10 % better. Which one "
        "cuts the time per token the most?",
        ["Peak FLOP/s", "Memory bandwidth", "Memory capacity", "All three help about equally"],
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
    _models = ("Llama3_8B", "Llama2_13B", "Llama3_70B", "Mixtral_8x7B", "BERT_Large", "ViT_B16", "ResNet50")
    _hws = ("H100", "A100", "B200", "MI300X", "H200", "L4", "T4", "TPUv5p")
    model = ui.zoo_dropdown({m: m for m in _models}, label="Model", value="Llama3_8B", starts=starts, key="model")
    hw = ui.zoo_dropdown({h: h for h in _hws}, label="Accelerator", value="H100", starts=starts, key="hardware")
    precision = ui.choice(["fp32", "fp16", "fp8", "int8"], value="fp16", label="Precision", starts=starts, key="precision")
    batch = ui.slider(1, 512, steps=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512], value=1, label="Batch size", unit="samples", starts=starts, key="batch")
    pct = ui.slider(1, 50, step=1, value=10, label="Upgrade size", unit="%", starts=starts, key="pct")
    mo.vstack([ui.step("act", "perturb each resource and re-solve"), ui.row(model, hw, precision),
               ui.row(batch, pct)])
    return batch, hw, model, pct, precision


@app.cell
def _(bank, batch, hw, model, pct, precision):
    sens = bank.sensitivity(model.value, hw.value, batch.value, precision.value, pct.value)
    return (sens,)


@app.cell
def _(bank, charts, mo, pred, sens, ui):
    mo.stop(*ui.prediction_gate(pred))
    _ref = bank.sensitivity("Llama3_8B", "H100", 1)
    _names = {"peak_flops": "Peak FLOP/s", "memory_bandwidth": "Memory bandwidth",
              "memory_capacity": "Memory capacity"}
    _rows = [{"resource": _names[k], "elasticity": v} for k, v in sens.sensitivities.items()]
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _names[_ref.binding_constraint],
                  "Decode at batch 1 reads all 16 GB of weights per token and does only 2 FLOP per parameter: "
                  f"elasticities {', '.join(f'{_names[k]} {v:+.2f}' for k, v in _ref.sensitivities.items())}."),
        ui.metrics([
            ("Baseline latency", sens.baseline_latency, f"{sens.bottleneck}-bound", "ms"),
            ("Binding resource", _names[sens.binding_constraint], "largest |S|"),
            ("Its elasticity S", f"{sens.sensitivities[sens.binding_constraint]:+.3f}",
             f"+{sens.perturbation_pct:g} % → {sens.sensitivities[sens.binding_constraint] * sens.perturbation_pct:+.1f} % time"),
            ("Footprint", sens.memory_footprint, f"of {ui.capacity(sens.memory_capacity)}", "GB"),
        ]),
        ui.status(sens, ok="The model fits; a roofline resource binds."),
        charts.bars(_rows, "resource", "elasticity", highlight=_names[sens.binding_constraint],
                    value_title="elasticity S = (ΔT/T)/(Δx/x)  (more negative = the upgrade helps more)",
                    title="Tornado: what a +x % upgrade of each resource does to latency"),
    ])
    return


@app.cell
def _(bank, batch, charts, hw, mo, model, pred, precision, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = []
    for _b in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512):
        _s = bank.sensitivity(model.value, hw.value, _b, precision.value)
        for _k, _lab in (("peak_flops", "peak FLOP/s"), ("memory_bandwidth", "memory bandwidth")):
            _rows.append({"batch": _b, "elasticity": _s.sensitivities[_k], "resource": _lab})
    charts.sweep(_rows, "batch", "elasticity", series="resource", log_x=True, x_title="batch size (log)",
                 y_title="elasticity S", threshold=(-1.0, "pure roofline: S = −1"),
                 title=f"As the batch grows the binding resource moves (now: batch {batch.value})")
    return


@app.cell
def _(ui):
    ui.step("act", "synthesis: from a latency target to a hardware spec")
    return


@app.cell
def _(mo, starts, ui):
    s_model = ui.zoo_dropdown({m: m for m in ("Llama3_8B", "Llama2_13B", "Llama3_70B", "Llama3_405B")},
                              label="Model to serve", value="Llama3_8B", starts=starts, key="synth_model")
    target = ui.slider(1, 100, step=1, value=10, label="Target time per token", unit="ms", starts=starts, key="target_ms")
    s_batch = ui.slider(1, 256, steps=[1, 2, 4, 8, 16, 32, 64, 128, 256], value=1, label="Sequences per step", unit="sequences", starts=starts, key="synth_batch")
    ui.row(s_model, target, s_batch)
    return s_batch, s_model, target


@app.cell
def _(bank, charts, core, mo, pred, s_batch, s_model, target, ui):
    mo.stop(*ui.prediction_gate(pred))
    _syn = bank.synthesis(s_model.value, target.value, s_batch.value)
    _bw = _syn.required_bw.to("B/s").magnitude
    _fl = _syn.required_flops.to("FLOP/s").magnitude
    _mem = _syn.required_memory.to("B").magnitude
    _rows = []
    for _key in ("T4", "L4", "A100", "H100", "H200", "B200", "MI300X", "TPUv5p", "Gaudi3", "CerebrasCS3"):
        _h = core.Hardware.get(_key)
        _head = min(_h.memory.bandwidth.to("B/s").magnitude / _bw, _h.peak_si(bank.PRECISION) / _fl,
                    _h.memory.capacity.to("B").magnitude / _mem)
        _rows.append({"device": _key + (" ✓" if _h.name in _syn.candidates else ""), "headroom": _head})
    mo.vstack([
        ui.metrics([
            ("Bandwidth needed", _syn.required_bw, "|W| / T", "TB/s"),
            ("FLOP/s needed", _syn.required_flops, f"at η = 0.5, batch {s_batch.value}", "TFLOP/s"),
            ("Memory needed", _syn.required_memory, "the weights", "GB"),
            ("Design ridge point", _syn.compute_memory_ratio, "FLOP/s ÷ B/s"),
        ]),
        charts.bars(_rows, "device", "headroom", log=True,
                    value_title="headroom = min(BW, FLOP/s, capacity) ÷ requirement (log; ≥ 1 qualifies)",
                    title="Which zoo devices meet the target? (✓ = all three requirements met)"),
        ui.trace(_syn),
    ])
    return


@app.cell
def _(core, sens, ui):
    ui.why_panel(
        core.SensitivitySolver, core.SynthesisSolver,
        results=[sens],
        explanation=(
            "Sensitivity re-solves the roofline with one resource raised by p %. On the active roof the "
            "elasticity is close to −1 (10 % more bandwidth → ~9 % less time); a resource with slack scores 0. "
            "Fixed overheads (dispatch, per-layer framework tax) pull every elasticity toward 0. Synthesis "
            "inverts the same roofline: the target fixes the bandwidth (bytes per step ÷ time) independently "
            "of the batch, while the FLOP/s grow with the batch."
        ),
        source="seed paper §4.6 (walls 21–22); Williams et al. 2009 (roofline)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Find a model, accelerator and batch where the binding resource flips from bandwidth to FLOP/s. "
        "Why do synthesis requirements for LLM decoding favour bandwidth-rich devices even when the FLOP/s "
        "requirement looks tiny?"
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
async def _(LAB, batch, graded, hw, mo, model, pct, precision, pred, progress, reflect, reset, s_batch, s_model, target, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, model=model, hardware=hw, precision=precision, batch=batch, pct=pct, synth_model=s_model, target_ms=target, synth_batch=s_batch)
    _footer
    return


if __name__ == "__main__":
    app.run()
