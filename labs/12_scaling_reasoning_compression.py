import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="12 · Scaling laws, reasoning and compression")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_12_scaling_reasoning_compression as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("12_scaling_reasoning_compression")
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
            "Three algorithm choices decide how much hardware a model needs. **How big** to train it for a "
            "compute budget (wall 11, Chinchilla: C = 6PD, D* = 20P). **How long it thinks** at inference "
            "(wall 12: every reasoning step is decode time). **How many bits** its weights keep (wall 13: "
            "quantization shrinks bytes and, when decode is memory-bound, time — at some risk to accuracy)."
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
    ui.step("predict", "spend 10²⁴ FLOP")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "You can afford 10²⁴ FLOP of training (about 1,000 H100s for a month). Spent compute-optimally, how many "
        "parameters should the model have?",
        ["About 7 billion", "About 30 billion", "About 90 billion", "About 300 billion"],
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
    budget = ui.slider(20, 26, step=0.25, value=24, label="Training budget log₁₀ C, C in FLOP (24 means 10²⁴)", unit="log₁₀ FLOP", starts=starts, key="log_budget")
    fixed = ui.zoo_dropdown({m: m for m in ("Llama3_8B", "Llama2_13B", "Llama3_70B", "Llama3_405B", "GPT3")},
                            label="…or train this fixed model with it", value="Llama3_70B", starts=starts, key="fixed_model")
    mo.vstack([ui.step("act", "wall 11 — complexity: size the model for the budget"),
               ui.row(budget, fixed)])
    return budget, fixed


@app.cell
def _(bank, budget, charts, fixed, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _ref = bank.scaling(1e24).optimal_parameters.to("Gparam").magnitude
    _answer = min(((7, "About 7 billion"), (30, "About 30 billion"), (90, "About 90 billion"),
                   (300, "About 300 billion")), key=lambda t: abs(t[0] - _ref))[1]
    _c = bank.budget_of(budget.value)
    _opt = bank.scaling(_c)
    _fix = bank.scaling(_c, fixed.value)
    _tpp = _fix.tokens_per_parameter
    _rows = []
    for _r in bank.frontier([bank.budget_of(_x) for _x in bank.FRONTIER_LOG10]):
        _rows.append({"C": _r["compute_flop"], "billions": _r["params_b"], "quantity": "parameters P*"})
        _rows.append({"C": _r["compute_flop"], "billions": _r["tokens_b"], "quantity": "tokens D*"})
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _answer, f"P* = √(10²⁴/120) ≈ {_ref:.0f} B parameters, trained on 20× as many tokens."),
        ui.metrics([
            ("Budget C", f"{_c:.3g} FLOP", f"10^{budget.value:g} FLOP"),
            ("Compute-optimal P*", _opt.optimal_parameters, "√(C/120)", "Gparam"),
            ("Compute-optimal D*", _opt.optimal_tokens, "20 · P*", "Ttoken"),
            (f"{fixed.value}: tokens", _fix.optimal_tokens, "D = C/(6P)", "Ttoken"),
            ("Tokens per parameter", f"{_tpp:,.1f}",
             "over-trained (> 20)" if _tpp > 20 else "under-trained (< 20)" if _tpp < 20 else "optimal"),
        ]),
        charts.sweep(_rows, "C", "billions", series="quantity", log_x=True, log_y=True,
                     x_title="training compute C (FLOP, log)", y_title="billions (log)",
                     marker={"x": _c, "y": _opt.optimal_parameters.to("Gparam").magnitude,
                             "label": "your P*"},
                     title="The Chinchilla frontier: P* and D* both grow as √C"),
    ])
    return


@app.cell
def _(mo, starts, ui):
    hw = ui.zoo_dropdown({h: h for h in ("H100", "H200", "B200", "A100", "MI300X", "L4")}, label="Accelerator",
                         value="H100", starts=starts, key="hardware")
    r_model = ui.zoo_dropdown({m: m for m in ("Llama3_8B", "Llama2_13B", "Llama3_70B")}, label="Reasoning model",
                              value="Llama3_8B", starts=starts, key="r_model")
    steps = ui.slider(1, 64, steps=[1, 2, 4, 8, 16, 32, 64], value=8, label="Reasoning steps K, 50 tokens each", unit="steps", starts=starts, key="steps")
    context = ui.slider(256, 16384, steps=[256, 512, 1024, 2048, 4096, 8192, 16384], value=2048,
                        label="Prompt length", unit="tokens", starts=starts, key="context")
    mo.vstack([ui.step("act", "wall 12 — reasoning: what does thinking cost per query?"),
               ui.row(r_model, hw), ui.row(steps, context)])
    return context, hw, r_model, steps


@app.cell
def _(bank, charts, context, hw, mo, pred, r_model, steps, ui):
    mo.stop(*ui.prediction_gate(pred))
    _r = bank.reasoning(hw.value, steps.value, r_model.value, context.value)
    _rows = []
    for _k in (1, 2, 4, 8, 16, 32, 64):
        _x = bank.reasoning(hw.value, _k, r_model.value, context.value)
        _rows.append({"K": _k, "seconds": _x.total_reasoning_time.to("s").magnitude})
    _base = _rows[0]["seconds"]
    mo.vstack([
        ui.metrics([
            ("Time per query", _r.total_reasoning_time, f"{_r.total_reasoning_time.to('s').magnitude / _base:.1f}× K = 1",
             "s"),
            ("Prefill (TTFT)", _r.ttft, "paid once", "ms"),
            ("Per reasoning step", _r.time_per_step, f"ITL {ui.fmt(_r.itl, 'ms')} × 50", "ms"),
            ("Energy per query", _r.energy_per_query, f"MFU {_r.mfu:.1%}", "kJ"),
        ]),
        ui.status(_r, ok="Weights and the growing KV cache fit on the accelerator."),
        ui.row(
            charts.waterfall([("prefill (TTFT)", _r.ttft), (f"{steps.value} reasoning steps",
                                                            _r.total_reasoning_time - _r.ttft)],
                             unit="s", title="Where one query's time goes"),
            charts.sweep(_rows, "K", "seconds", log_x=True, x_title="reasoning steps K (log)",
                         y_title="time per query (s)",
                         marker={"x": steps.value, "y": _r.total_reasoning_time.to("s").magnitude, "label": "you"},
                         title="Latency grows linearly in K"),
        min_width="22rem"),
    ])
    return


@app.cell
def _(mo, starts, ui):
    c_model = ui.zoo_dropdown({m: m for m in ("Llama3_8B", "Llama2_13B", "Llama3_70B", "Llama3_405B")},
                              label="Model to compress", value="Llama3_70B", starts=starts, key="comp_model")
    bits = ui.slider(2, 16, steps=[2, 3, 4, 8, 16], value=4, label="Weight bits, from fp16", unit="bits", starts=starts, key="bits")
    c_batch = ui.slider(1, 512, steps=[1, 4, 16, 64, 128, 256, 512], value=1, label="Decode batch", unit="sequences", starts=starts, key="comp_batch")
    mo.vstack([ui.step("act", "wall 13 — fidelity: what do fewer bits buy?"),
               ui.row(c_model, bits, c_batch)])
    return bits, c_batch, c_model


@app.cell
def _(bank, bits, c_batch, c_model, charts, hw, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _c = bank.compression(c_model.value, hw.value, bits.value, c_batch.value)
    _rows = []
    for _bits in (8, 4):
        for _b in (1, 4, 16, 64, 128, 256, 512):
            _x = bank.compression(c_model.value, hw.value, _bits, _b)
            _rows.append({"batch": _b, "speedup": _x.speedup, "format": f"{_bits}-bit"})
    mo.vstack([
        ui.metrics([
            ("Weights", _c.compressed_size, f"from {ui.fmt(_c.original_size, 'GB')} (× {_c.compression_ratio:g})",
             "GB"),
            ("Decode speedup", f"{_c.speedup:.2f}×", f"{_c.regime_before} → {_c.regime_after}"),
            ("Accuracy change (literature)", f"{_c.accuracy_delta_low:+.1%} … {_c.accuracy_delta_high:+.1%}",
             "a range, not a prediction"),
            ("Native math", "yes" if _c.hardware_supported else "no", f"on {hw.value}"),
        ]),
        ui.status(_c, ok=f"The compressed model fits on one {hw.value}."),
        charts.sweep(_rows, "batch", "speedup", series="format", log_x=True, x_title="decode batch (log)",
                     y_title="speedup vs fp16 (roofline)",
                     marker={"x": c_batch.value, "y": _c.speedup, "label": f"you ({bits.value}-bit)"},
                     title=f"Memory-bound decode gains the full ratio; compute-bound gains need native math on {hw.value}"),
    ])
    return


@app.cell
def _(core, ui):
    ui.why_panel(
        core.ScalingModel, core.InferenceScalingModel, core.CompressionModel,
        explanation=(
            "Chinchilla (Hoffmann et al. 2022) balances parameters and tokens: doubling compute grows both by √2. "
            "Reasoning multiplies the memory-bound decode phase, so it scales cost with K. Quantization divides "
            "the bytes per weight by r: decode (memory-bound) speeds up by r, but a compute-bound step only "
            "speeds up if the accelerator has faster low-precision math — and accuracy risk grows as bits fall."
        ),
        source="Hoffmann et al. 2022 (Chinchilla); seed paper §4.3 walls 11–13",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Llama-3-8B was trained on ~15 T tokens — far beyond its Chinchilla point. Why might a team deliberately "
        "over-train a small model, given what you saw about reasoning cost and quantization at inference?"
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
async def _(LAB, bits, budget, c_batch, c_model, context, fixed, graded, hw, mo, pred, progress, r_model, reflect, reset, steps, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, log_budget=budget, fixed_model=fixed, hardware=hw, r_model=r_model, steps=steps, context=context, comp_model=c_model, bits=bits, comp_batch=c_batch)
    _footer
    return


if __name__ == "__main__":
    app.run()
