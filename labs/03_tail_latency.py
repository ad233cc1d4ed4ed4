import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="03 · Tail latency and batching")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_03_tail_latency as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("03_tail_latency")
    return LAB, bank, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro=(
        "Requests arrive at random. Even when the servers are busy only part of the time, some requests land "
        "behind others and wait. The **P99** latency (what the slowest 1 % of users see) explodes as "
        "utilization approaches 1, long before the servers are \"full\". Then you let an optimizer pick the "
        "largest LLM batch that still meets a latency SLA."
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
    ui.step("predict", "from 50 % to 90 % busy")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "Four replicas serve requests that take 20 ms each. Traffic grows until they are 90 % busy instead of "
        "50 %. The P99 *queueing wait* grows by about…",
        ["2×", "5×", "10× or more"],
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
    qps = ui.slider(10, 600, step=10, value=150, label="Arrival rate", unit="requests/s", starts=starts, key="qps")
    service = ui.slider(5, 100, step=5, value=20, label="Service time per request", unit="ms", starts=starts, key="service_ms")
    replicas = ui.slider(1, 32, step=1, value=4, label="Replicas", unit="replicas", starts=starts, key="replicas")
    slo = ui.slider(20, 500, step=10, value=100, label="P99 latency SLO", unit="ms", starts=starts, key="slo_ms")
    mo.vstack([ui.step("act", "load the queue"), qps, service, replicas, slo])
    return qps, replicas, service, slo


@app.cell
def _(bank, qps, replicas, service, slo):
    tail = bank.tail(qps.value, service.value, replicas.value, slo.value)
    return (tail,)


@app.cell
def _(bank, mo, pred, tail, ui):
    mo.stop(*ui.prediction_gate(pred))
    _ratio = bank.p99_wait_ratio(0.9, 0.5, replicas=4, service_ms=20)  # the prediction's case
    _ans = "2×" if _ratio < 3.5 else "5×" if _ratio < 7.5 else "10× or more"
    _stable = tail.is_stable
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _ans, f"The P99 wait grows {_ratio:.1f}×: waiting time scales like 1/(1 − ρ)."),
        ui.metrics([
            ("Utilization ρ", f"{tail.utilization:.0%}", "λ / (c·μ)"),
            ("P(wait)", f"{tail.wait_probability:.0%}", "Erlang C"),
            ("P50 latency", tail.p50_latency if _stable else "∞", "median user", "ms"),
            ("P99 latency", tail.p99_latency if _stable else "∞", f"SLO {ui.fmt(tail.slo_latency, 'ms')}", "ms"),
            ("Capacity", tail.capacity, "requests/s at ρ = 1"),
        ]),
        ui.status(tail, ok="Stable queue and the P99 meets the SLO."),
    ])
    return


@app.cell
def _(bank, charts, mo, pred, replicas, service, slo, tail, ui):
    mo.stop(*ui.prediction_gate(pred))
    _long = bank.hockey_stick(service.value, replicas.value)  # cached: the arrival-rate slider moves the marker
    _mark = ({"x": tail.utilization, "y": charts.magnitude(tail.p99_latency, "ms"), "label": "you (P99)"}
             if tail.is_stable else None)
    charts.sweep(list(_long), "rho", "ms", series="percentile", log_y=True, x_title="utilization ρ",
                 y_title="latency (ms, log)", marker=_mark, threshold=(float(slo.value), "SLO"),
                 title=f"The hockey stick: {replicas.value} replica(s), {service.value} ms per request")
    return


@app.cell
def _(bank, mo, starts, ui):
    bo_model = ui.zoo_dropdown({k: k for k in bank.BO_MODELS}, label="Model", value="Llama3_8B", starts=starts,
                               key="bo_model")
    bo_hw = ui.zoo_dropdown({k: k for k in bank.BO_HARDWARE}, label="Accelerator", value="H100", starts=starts,
                            key="bo_hw")
    bo_qps = ui.slider(1, 60, step=1, value=20, label="LLM arrival rate", unit="requests/s", starts=starts, key="bo_qps")
    bo_sla = ui.slider(1, 20, step=0.5, value=5, label="P99 SLA for a 128-token answer", unit="s", starts=starts, key="bo_sla")
    mo.vstack([mo.md("### Part B · the batching optimizer\nContinuous batching serves many requests per decode "
                     "step. Bigger batches raise capacity but slow every token. Which batch is best?"),
               ui.row(bo_model, bo_hw), bo_qps, bo_sla])
    return bo_hw, bo_model, bo_qps, bo_sla


@app.cell
def _(bank, bo_hw, bo_model, bo_qps, bo_sla, charts, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _opt = bank.best_batch(bo_model.value, bo_hw.value, bo_qps.value, bo_sla.value)
    _rows = bank.batch_rows(bo_model.value, bo_hw.value, bo_qps.value, bo_sla.value)
    _best = ({"x": _opt.best_batch_size, "y": charts.magnitude(_opt.p99_latency, "s"),
              "label": f"best: batch {_opt.best_batch_size}"} if _opt.feasible and _opt.p99_latency is not None
             else None)
    mo.vstack([
        ui.metrics([("Best max batch", _opt.best_batch_size, "largest that meets the SLA"),
                    ("P99 at best", _opt.p99_latency, "", "s"),
                    ("Capacity", _opt.max_throughput, "tokens/s"),
                    ("Utilization", f"{_opt.utilization:.0%}", "of the batch slots")]),
        ui.status(_opt, ok="A batch size meets the SLA."),
        charts.sweep(_rows, "batch", "p99_s", x_title="max batch size", y_title="P99 latency (s)",
                     marker=_best, threshold=(float(bo_sla.value), "SLA"),
                     title="Too small: the queue is unstable; too large: every token is slow")
        if _rows else mo.md("_No stable batch size: add capacity or lower the load._"),
    ])
    return


@app.cell
def _(core, tail, ui):
    ui.why_panel(
        core.TailLatencyModel, core.BatchingOptimizer,
        results=[tail],
        explanation=(
            "$C(c, a)$ is the Erlang-C probability that an arriving request must wait when $c$ servers face an "
            "offered load $a$ (arrivals per service time). The denominator $c\\mu - \\lambda$ is the spare capacity: as "
            "$\\rho \\to 1$ it goes to zero and the tail diverges. The batching optimizer applies the same queue "
            "to batch slots: service time is the time to first token plus one inter-token latency per output token at batch b, with as many servers as batch slots."
        ),
        source="Erlang (1917); Kingman (1961); seed paper §4.1 (wall 7); Yu et al. 2022 (Orca)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Why would an operator run servers at 60 % utilization on purpose? With your SLO, how much traffic can "
        "one more replica absorb, and is that more or less than its 1/c share of the capacity?"
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
async def _(LAB, bo_hw, bo_model, bo_qps, bo_sla, graded, mo, pred, progress, qps, reflect, replicas, reset, service, slo, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, qps=qps, service_ms=service, replicas=replicas, slo_ms=slo, bo_qps=bo_qps, bo_sla=bo_sla, bo_model=bo_model, bo_hw=bo_hw)
    _footer
    return


if __name__ == "__main__":
    app.run()
