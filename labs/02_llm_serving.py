import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="02 · LLM serving and the KV cache")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_02_llm_serving as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("02_llm_serving")
    return LAB, bank, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro=(
        "An LLM answers in two phases. **Prefill** reads the whole prompt at once: lots of math, so it is "
        "compute-bound and sets the *time to first token* (TTFT). **Decode** emits one token at a time and "
        "re-reads every weight plus the growing **KV cache** each step: memory-bound, it sets the "
        "*inter-token latency* (ITL). The KV cache also decides how many requests fit at once (wall 5)."
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
    ui.step("predict", "double the prompt")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "Llama-3-8B on an H100, one request. The prompt grows from 4,096 to 8,192 tokens. The time to first "
        "token…",
        ["barely changes", "about doubles", "more than doubles"],
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
    model = ui.zoo_dropdown({k: k for k in bank.MODELS}, label="Model", value="Llama3_8B", starts=starts,
                            key="model")
    seq = ui.slider(steps=list(bank.SEQ_LENS), value=4096,
                    label="Tokens per request, prompt + output", unit="tokens", starts=starts, key="seq_len")
    batch = ui.slider(steps=list(bank.BATCHES), value=8, label="Concurrent requests (batch size)", unit="requests",
                      starts=starts, key="batch")
    tp = ui.slider(steps=list(bank.TP_SIZES), value=1, label="Tensor-parallel group inside one NVLink node",
                   unit="GPUs", starts=starts, key="tp_size")
    mo.vstack([ui.step("act", "grow the context, grow the batch, split the model"),
               ui.row(hw, model), seq, batch, tp])
    return batch, hw, model, seq, tp


@app.cell
def _(bank, batch, hw, model, seq, tp):
    srv = bank.serving(model.value, hw.value, seq.value, batch.value, tp.value)
    srv_long = bank.serving(model.value, hw.value, 2 * seq.value, batch.value, tp.value)
    cb = bank.batching(model.value, hw.value, seq.value, tp.value)
    return cb, srv, srv_long


@app.cell
def _(bank, batch, cb, hw, mo, model, pred, seq, srv, srv_long, tp, ui):
    mo.stop(*ui.prediction_gate(pred))
    _t4, _t8, _ratio = bank.ttft_ratio("Llama3_8B", "H100", 4096, 8192)  # the prediction's case: one request
    _ans = "barely changes" if _ratio < 1.5 else "about doubles" if _ratio < 2.05 else "more than doubles"
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _ans, f"For the question's case (one request on an H100) TTFT goes from "
                              f"{ui.fmt(_t4, 'ms')} to {ui.fmt(_t8, 'ms')} ({_ratio:.2f}×): the attention term grows "
                              f"with the square of the prompt. At your settings ({model.value} on "
                              f"{hw.value}, {batch.value} requests of {seq.value:,} tokens) the TTFT card "
                              f"below shows {ui.fmt(srv.ttft, 'ms')}; doubling the prompt to {2 * seq.value:,} "
                              f"tokens gives {ui.fmt(srv_long.ttft, 'ms')} "
                              f"({float(srv_long.ttft / srv.ttft):.2f}×)."),
        ui.metrics([
            ("TTFT (prefill)", srv.ttft, "compute-bound", "ms"),
            ("ITL (one decode step)", srv.itl, f"{srv.itl_bottleneck}", "ms"),
            ("KV cache", srv.kv_cache_size, f"weights {ui.fmt(srv.model_weights_size)}"),
            ("Memory used", f"{srv.memory_utilization:.0%}", f"of {ui.capacity(srv.memory_capacity)}"),
            ("Requests that fit (paged)", cb.max_active_requests, f"static: {cb.static_max_active_requests}"),
            ("TP all-reduces per decode step", srv.tp_communication_time, f"TP = {tp.value}", "ms"),
        ]),
        ui.status(srv, ok="Weights and KV cache fit in memory."),
    ])
    return


@app.cell
def _(batch, charts, mo, pred, srv, ui):
    mo.stop(*ui.prediction_gate(pred))
    _out = 256
    charts.waterfall([("prefill → first token (TTFT)", srv.ttft),
                      (f"decode {_out} more tokens ({_out} × ITL)", srv.itl * _out)],
                     unit="s", title=f"One response of {_out} output tokens while serving {batch.value} requests")
    return


@app.cell
def _(bank, batch, charts, hw, mo, model, pred, seq, srv, tp, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = bank.memory_sweep(model.value, hw.value, seq.value, tp.value)  # cached: the slider moves the marker
    _cur = next(r for r in _rows if r["batch"] == batch.value)
    charts.sweep(list(_rows), "batch", "GB", log_x=True, x_title="concurrent requests (log)",
                 y_title="weights + KV cache per GPU (GB)", marker={"x": batch.value, "y": _cur["GB"], "label": "you"},
                 threshold=(charts.magnitude(srv.memory_capacity, "GB"), f"{hw.value} memory"),
                 title=f"The KV cache grows with every request of {seq.value} tokens")
    return


@app.cell
def _(cb, charts, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    charts.bars([{"allocation": "static (reserve max length)", "requests": cb.static_max_active_requests},
                 {"allocation": f"paged ({cb.page_size}-token pages)", "requests": cb.max_active_requests}],
                "allocation", "requests", highlight=f"paged ({cb.page_size}-token pages)",
                value_title="requests that fit in the KV budget",
                title=f"PagedAttention: {cb.speedup_vs_static:.1f}× more throughput than static allocation")
    return


@app.cell
def _(cb, core, srv, ui):
    ui.why_panel(
        core.ServingModel, core.ContinuousBatchingModel,
        results=[srv, cb],
        explanation=(
            "Prefill does $2P$ FLOPs per token plus attention that grows with $S^2$, so TTFT is a "
            "compute-bound, super-linear function of the prompt. Decode must read all weights $|W|$ and the "
            "KV cache every step, so ITL is memory-bound and grows with batch × context. Static allocation "
            "reserves $S_{max}$ tokens per request; paging reserves only what a request uses (rounded up to a "
            "page of $p$ tokens), so more requests fit in the same memory $M_{KV}$."
        ),
        source="seed paper §4.1 (walls 4–5); Kwon et al. 2023 (PagedAttention); Yu et al. 2022 (Orca)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Which phase would you run on a compute-rich chip and which on a bandwidth-rich one (disaggregated "
        "serving)? At what batch does your configuration run out of memory, and which wall do you hit first: "
        "serving latency (4) or batching capacity (5)?"
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
async def _(LAB, batch, graded, hw, mo, model, pred, progress, reflect, reset, seq, tp, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, hardware=hw, model=model, seq_len=seq, batch=batch, tp_size=tp)
    _footer
    return


if __name__ == "__main__":
    app.run()
