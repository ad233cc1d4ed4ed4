import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="13 · Efficiency, multi-tenancy and privacy")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_13_efficiency_tenancy_privacy as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("13_efficiency_tenancy_privacy")
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
            "The datasheet peak is what a chip could do. Three taxes stand between it and your job: "
            "**software** (wall 3 — kernels reach a fraction of peak; FlashAttention recovers much of it), "
            "**sharing** (wall 16 — on a busy shared cluster jobs wait in a queue that explodes as utilization "
            "approaches 100 %), and **responsibility** (wall 20 — differentially private training pays a "
            "slowdown of roughly 1 + 2/ε, and fairness for rare groups needs more data)."
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
    ui.step("predict", "a busier cluster")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "A shared cluster runs one job at a time; jobs arrive at random and each holds it for 6 hours. More teams "
        "join and utilization goes from 60 % to 90 %. What happens to the average time a job waits in the queue?",
        ["It grows ~1.5× (like the utilization)", "It roughly doubles", "It grows about 6×",
         "It grows more than 20×"],
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
    hw = ui.zoo_dropdown({h: h for h in ("H100", "A100", "B200", "MI300X", "H200", "L4")}, label="Accelerator",
                         value="H100", starts=starts, key="hardware")
    kernel = ui.choice(["attention", "ffn", "conv", "other"], value="attention", label="Kernel class", starts=starts, key="kernel")
    flash = mo.ui.checkbox(value=bool(starts.value("flash", False)), label="Use FlashAttention (attention kernels)")
    eta = ui.slider(0.1, 1.0, step=0.05, value=0.5, label="Framework efficiency η on plain GEMMs", unit="fraction of peak", starts=starts, key="eta")
    mo.vstack([ui.step("act", "wall 3 — software: how much of peak do kernels reach?"),
               ui.row(hw, kernel, flash), eta])
    return eta, flash, hw, kernel


@app.cell
def _(bank, charts, eta, flash, hw, kernel, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _q1 = bank.queue(0.6 / 0.25, 0.25).avg_wait_time
    _q2 = bank.queue(0.9 / 0.25, 0.25).avg_wait_time
    _x = float((_q2 / _q1).to("").magnitude)
    _answer = ("It grows ~1.5× (like the utilization)" if _x < 1.75 else "It roughly doubles" if _x < 3.5
               else "It grows about 6×" if _x < 12 else "It grows more than 20×")
    _e = bank.efficiency(hw.value, kernel.value, flash.value, eta.value)
    _rows = []
    for _k, _f, _lab in (("attention", False, "attention (naive)"), ("attention", True, "attention + Flash"),
                         ("ffn", False, "FFN / GEMM"), ("conv", False, "convolution"), ("other", False, "other")):
        _r = bank.efficiency(hw.value, _k, _f, eta.value)
        _rows.append({"kernel": _lab, "tflops": _r.achievable_flops.to("TFLOP/s").magnitude})
    _cur = ("attention + Flash" if flash.value else "attention (naive)") if kernel.value == "attention" else \
        {"ffn": "FFN / GEMM", "conv": "convolution", "other": "other"}[kernel.value]
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _answer, f"M/D/1: the wait goes from {ui.fmt(_q1, 'hour')} to {ui.fmt(_q2, 'hour')} "
                                 f"(× {_x:.1f}) — it scales with ρ/(1 − ρ), not with ρ."),
        ui.metrics([
            ("Achieved MFU", f"{_e.mfu:.0%}", f"{kernel.value}{' + Flash' if flash.value else ''}"),
            ("Achievable", _e.achievable_flops, f"of {ui.fmt(_e.peak_flops, 'TFLOP/s')} peak", "TFLOP/s"),
            ("Occupancy loss", f"{_e.occupancy_loss:.0%}", "idle SMs, launch gaps"),
            ("Memory stall", f"{_e.memory_stall:.0%}", "waiting on data"),
        ]),
        charts.bars(_rows, "kernel", "tflops", highlight=_cur, value_title="achievable TFLOP/s",
                    title=f"Same {hw.value}, very different throughput per kernel class"),
    ])
    return


@app.cell
def _(mo, starts, ui):
    jobs = ui.slider(0.1, 5.0, step=0.1, value=2.0, label="Job arrivals", unit="jobs/day", starts=starts, key="jobs_per_day")
    job_days = ui.slider(0.05, 1.0, step=0.05, value=0.25, label="Each job holds the cluster", unit="days", starts=starts, key="job_days")
    mo.vstack([ui.step("act", "wall 16 — multi-tenancy: queueing for a shared cluster"),
               ui.row(jobs, job_days)])
    return job_days, jobs


@app.cell
def _(bank, charts, job_days, jobs, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _q = bank.queue(jobs.value, job_days.value)
    _rows = []
    for _i in range(1, 20):
        _rho = _i / 20
        _x = bank.queue(_rho / job_days.value, job_days.value)
        _rows.append({"utilization_pct": 100 * _rho, "wait_h": _x.avg_wait_time.to("hour").magnitude})
    _chart = charts.sweep(
        _rows, "utilization_pct", "wait_h", log_y=True, x_title="cluster utilization ρ (%)",
        y_title="average queue wait (hours, log)",
        marker={"x": 100 * _q.utilization, "y": _q.avg_wait_time.to("hour").magnitude, "label": "you"}
        if _q.is_stable else None,
        title="The hockey stick: waits explode as ρ → 1",
    )
    mo.vstack([
        ui.metrics([
            ("Utilization ρ", f"{_q.utilization:.0%}", "λ · D"),
            ("Average wait", _q.avg_wait_time if _q.is_stable else "∞", "before the job starts", "hour"),
            ("Jobs in queue", f"{_q.avg_queue_length:.2f}" if _q.is_stable else "∞", "on average"),
            ("Turnaround", _q.avg_turnaround_time if _q.is_stable else "∞", "wait + run", "day"),
        ]),
        ui.status(_q, ok="Stable: the cluster finishes jobs faster than they arrive."),
        _chart,
    ])
    return


@app.cell
def _(mo, starts, ui):
    base_h = ui.slider(10, 2000, step=10, value=240, label="Training time without privacy", unit="hours", starts=starts, key="base_hours")
    eps = ui.slider(0.1, 10.0, step=0.1, value=1.0, label="Privacy budget ε, smaller is more private", unit="ε", starts=starts, key="epsilon")
    prev = ui.slider(0.001, 0.2, step=0.001, value=0.01, label="Smallest subgroup's share of the data", unit="fraction", starts=starts, key="prevalence")
    mo.vstack([ui.step("act", "wall 20 — responsibility: the price of privacy and fairness"),
               ui.row(base_h, eps), prev])
    return base_h, eps, prev


@app.cell
def _(bank, base_h, charts, eps, mo, pred, prev, ui):
    mo.stop(*ui.prediction_gate(pred))
    _p = bank.privacy(base_h.value, eps.value, prev.value)
    _rows = []
    for _e in (0.1, 0.2, 0.5, 1, 2, 4, 8, 16):
        _x = bank.privacy(base_h.value, _e, prev.value)
        for _lab, _v in (("central 1 + 2/ε", _x.dp_slowdown_factor), ("low 1 + 1/ε", _x.dp_slowdown_low),
                         ("high 1 + 4/ε", _x.dp_slowdown_high)):
            _rows.append({"epsilon": _e, "slowdown": _v, "estimate": _lab})
    mo.vstack([
        ui.metrics([
            ("DP-SGD slowdown", f"{_p.dp_slowdown_factor:.2f}×",
             f"range {_p.dp_slowdown_low:.2f}–{_p.dp_slowdown_high:.2f}×"),
            ("Training time", _p.effective_training_time, f"from {base_h.value:g} h", "hour"),
            ("Noise multiplier σ", f"{_p.noise_multiplier:.2f}", f"Gaussian mechanism, δ = {_p.delta:g}"),
            ("Extra data for fairness", f"{_p.additional_data_factor:,.0f}×", f"subgroup at {prev.value:.1%}"),
        ]),
        charts.sweep(_rows, "epsilon", "slowdown", series="estimate", log_x=True, log_y=True,
                     x_title="privacy budget ε (log)", y_title="training slowdown (×, log)",
                     marker={"x": eps.value, "y": _p.dp_slowdown_factor, "label": "you"},
                     title="Strong privacy (small ε) multiplies training time"),
    ])
    return


@app.cell
def _(core, ui):
    ui.why_panel(
        core.EfficiencyModel, core.OrchestrationModel, core.ResponsibleEngineeringModel,
        explanation=(
            "Kernel efficiency scales with how well the framework feeds the chip, capped per kernel class "
            "(FlashAttention tiles attention into SRAM: up to 85 % of peak instead of ~30 %). A shared cluster is "
            "an M/D/1 queue: the wait grows as ρ/(1 − ρ), so the last 10 % of utilization costs more than the "
            "first 80 %. DP-SGD clips per-example gradients and adds noise: more steps and slower steps, roughly "
            "1 + 2/ε (the model reports the 1 + 1/ε … 1 + 4/ε band)."
        ),
        source="seed paper §4 walls 3, 16, 20; Dao 2023 (FlashAttention-2); Abadi et al. 2016 (DP-SGD)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "A team runs its cluster at 95 % utilization to 'get its money's worth'. Using the hockey stick, argue "
        "what utilization you would target instead, and what that means for the TCO per useful GPU-hour."
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
async def _(LAB, base_h, eps, eta, flash, graded, hw, job_days, jobs, kernel, mo, pred, prev, progress, reflect, reset, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, hardware=hw, kernel=kernel, flash=flash, eta=eta, jobs_per_day=jobs, job_days=job_days, base_hours=base_h, epsilon=eps, prevalence=prev)
    _footer
    return


if __name__ == "__main__":
    app.run()
