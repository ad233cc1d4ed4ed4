import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="11 · Reliability and checkpoints: the Young–Daly U-curve")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_11_reliability_checkpoints as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("11_reliability_checkpoints")
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
            "A DGX H100 server fails about once every half a year. A fleet of 64 of them fails **every two and a "
            "half days**, and a 512-server fleet several times a day. Training survives by writing "
            "**checkpoints**: every checkpoint stalls the job for δ seconds, and every failure throws away the "
            "work done since the last one. Checkpoint too often and the writes eat the run; too rarely and "
            "failures do. Between the two sits an optimum — the **Young–Daly interval**."
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
    ui.step("predict", "double the fleet")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "A job runs on 64 DGX H100 servers and checkpoints at the Young–Daly optimum. You double the fleet to "
        "128 servers (same checkpoint cost δ). What happens to the best checkpoint interval τ*?",
        ["It halves", "It shrinks by about 30 % (÷√2)", "It stays the same", "It doubles"],
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
    nodes = ui.slider(1, 1024, steps=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], value=64,
                      label="Fleet size, DGX H100 servers with 8 GPUs each", unit="servers", starts=starts, key="nodes")
    delta = ui.slider(5, 600, step=5, value=60, label="Checkpoint stall δ", unit="s", starts=starts, key="delta_s")
    recovery = ui.slider(0, 1800, step=30, value=300, label="Restart after a failure R", unit="s", starts=starts, key="recovery")
    days = ui.slider(1, 90, step=1, value=30, label="Job length", unit="days", starts=starts, key="days")
    interval = ui.slider(5, 720, step=5, value=240, label="Your checkpoint interval τ", unit="min", starts=starts, key="interval_min")
    mo.vstack([ui.step("act", "size the fleet, then pick your own interval"), nodes,
               ui.row(delta, recovery), ui.row(days, interval)])
    return days, delta, interval, nodes, recovery


@app.cell
def _(bank, days, delta, interval, nodes, recovery):
    best = bank.reliability(nodes.value, days.value, delta.value, None, recovery.value)
    mine = bank.reliability(nodes.value, days.value, delta.value, interval.value * 60.0, recovery.value)
    curve = bank.goodput_curve(nodes.value, days.value, delta.value, recovery.value)
    return best, curve, mine


@app.cell
def _(bank, best, core, mine, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _t64 = bank.reliability(64, 30, 60).optimal_checkpoint_interval.to("min").magnitude
    _t128 = bank.reliability(128, 30, 60).optimal_checkpoint_interval.to("min").magnitude
    _ratio = _t128 / _t64
    _answer = ("It halves" if _ratio < 0.6 else "It shrinks by about 30 % (÷√2)" if _ratio < 0.85
               else "It stays the same" if _ratio < 1.2 else "It doubles")
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _answer, f"At δ = 60 s, τ* goes from {_t64:.0f} min (64 servers) to {_t128:.0f} min "
                                 f"(128 servers): × {_ratio:.2f}. MTBF halves, and τ* ∝ √MTBF."),
        ui.metrics([
            ("Fleet MTBF", best.fleet_mtbf, f"one server: {ui.fmt(best.node_mtbf, 'day')}", "hour"),
            ("Expected failures", f"{best.expected_failures:.1f}", f"P(≥ 1) = {best.failure_probability:.1%}"),
            ("Young–Daly τ*", best.optimal_checkpoint_interval, "best interval", "min"),
            ("Goodput at τ*", f"{best.goodput_ratio:.1%}", f"job takes {ui.fmt(best.effective_job_time, 'day')}"),
            ("Goodput at your τ", f"{mine.goodput_ratio:.1%}",
             f"{(mine.goodput_ratio - best.goodput_ratio) * 100:+.2f} points vs τ*"),
        ]),
        ui.status(mine, ok="The job makes progress at your interval."),
    ])
    return


@app.cell
def _(best, charts, curve, interval, mine, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _tau = best.optimal_checkpoint_interval.to("min").magnitude
    mo.vstack([
        charts.u_curve(
            curve, "interval_min", "goodput_pct",
            optimum={"x": _tau, "y": 100 * best.goodput_ratio, "label": f"τ* = {_tau:.0f} min"},
            current={"x": interval.value, "y": 100 * mine.goodput_ratio, "label": "your τ"},
            x_title="checkpoint interval τ (min, log)", y_title="goodput (% of wall-clock)", log_x=True,
            title="Young–Daly: goodput peaks where checkpoint cost meets expected rework",
        ),
        ui.trace(mine),
    ])
    return


@app.cell
def _(mo, starts, ui):
    ckpt_model = ui.zoo_dropdown({"Llama-3-8B": "Llama3_8B", "Llama-3-70B": "Llama3_70B",
                                  "Llama-3-405B": "Llama3_405B"}, label="Model being trained (Adam)",
                                 value="Llama-3-70B", starts=starts, key="model")
    writers = ui.slider(1, 512, steps=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512], value=8,
                        label="Checkpoint writers, one NVMe each", unit="writers", starts=starts, key="writers")
    ckpt_hours = ui.slider(0.25, 8, step=0.25, value=4, label="Checkpoint every", unit="h", starts=starts, key="interval_h")
    mo.vstack([ui.step("act", "the checkpoint wall: how big is δ really?"),
               ui.row(ckpt_model, writers), ckpt_hours])
    return ckpt_hours, ckpt_model, writers


@app.cell
def _(bank, charts, ckpt_hours, ckpt_model, mo, pred, ui, writers):
    mo.stop(*ui.prediction_gate(pred))
    _c = bank.checkpoint(ckpt_model.value, ckpt_hours.value, writers.value)
    _rows = []
    for _w in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512):
        _r = bank.checkpoint(ckpt_model.value, ckpt_hours.value, _w)
        _rows.append({"writers": _w, "write_s": _r.write_time.to("s").magnitude})
    mo.vstack([
        ui.metrics([
            ("Checkpoint size", _c.checkpoint_size, "fp16 weights + fp32 Adam state", "GB"),
            ("Write time (= δ)", _c.write_time, f"at {ui.fmt(_c.effective_bandwidth, 'GB/s')} ({_c.limiting_path})",
             "s"),
            ("MFU penalty", f"{_c.mfu_penalty:.2%}", f"every {ckpt_hours.value:g} h"),
        ]),
        ui.status(_c, ok="The write finishes well within the interval."),
        charts.sweep(_rows, "writers", "write_s", log_x=True, log_y=True, x_title="parallel writers (log)",
                     y_title="checkpoint write time δ (s, log)",
                     marker={"x": writers.value, "y": _c.write_time.to("s").magnitude, "label": "you"},
                     title="More writers shrink δ until the parallel filesystem caps the bandwidth"),
    ])
    return


@app.cell
def _(core, mine, ui):
    ui.why_panel(
        core.ReliabilityModel, core.CheckpointModel,
        results=[mine],
        explanation=(
            "Every interval τ pays the checkpoint stall δ once (the falling term δ/τ). A failure arrives on "
            "average halfway through an interval, so it wastes τ/2 of work plus the restart R (the rising term). "
            "Setting the derivative to zero gives τ*; because MTBF shrinks as 1/N, τ* shrinks only as 1/√N — "
            "but goodput at τ* still falls as the fleet grows. A checkpoint's own cost is size ÷ write "
            "bandwidth: P × 14 B for Adam (wall 19), MFU penalty = T_write / τ."
        ),
        source="Young, CACM 1974; Daly, FGCS 2006; seed paper §4 walls 15 and 19",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Why does the optimum move only with the square root of the fleet size? Which would you buy for a "
        "512-server run: faster storage (smaller δ) or more reliable servers (larger MTBF)? Both enter τ* the "
        "same way — but only one also shrinks the restart term."
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
async def _(LAB, ckpt_hours, ckpt_model, days, delta, graded, interval, mo, nodes, pred, progress, recovery, reflect, reset, ui, variant, writers):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, nodes=nodes, delta_s=delta, recovery=recovery, days=days, interval_min=interval, model=ckpt_model, writers=writers, interval_h=ckpt_hours)
    _footer
    return


if __name__ == "__main__":
    app.run()
