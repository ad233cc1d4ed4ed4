import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="06 · Scaling to 1000 GPUs: 3D parallelism")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_06_scaling_parallelism as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("06_scaling_parallelism")
    return LAB, bank, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro=(
        "A 70-billion-parameter model does not fit on one GPU, and one GPU would need years to train it. "
        "Three ways to split the work: **tensor** (split each layer), **pipeline** (split the layer stack) and "
        "**data** parallelism (split the batch). Each buys capacity with communication or idle time (wall 14)."
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
    ui.step("predict", "how to cut a 70B model into 1,024 pieces")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "Llama-3-70B, 1,024 H100s (128 DGX nodes on InfiniBand NDR), global batch 1,024 sequences of 4,096 "
        "tokens. Which layout gives the highest MFU?",
        ["Pure data parallel (TP 1, PP 1)", "Tensor parallel inside each node + pipeline + data parallel",
         "Tensor parallel across nodes (TP > 8)"],
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
    cluster = ui.choice(bank.CLUSTERS, label="Cluster", value="Training_1K", starts=starts, key="cluster")
    model = ui.choice(bank.MODELS, label="Model", value="Llama3_70B", starts=starts, key="model")
    tp = ui.choice(bank.TP_DEGREES, value="8", label="Tensor parallel (TP)", starts=starts, key="tp")
    pp = ui.choice(bank.PP_DEGREES, value="4", label="Pipeline parallel (PP)", starts=starts, key="pp")
    batch = ui.slider(steps=[256, 512, 1024, 2048, 4096], value=1024, label="Global batch of 4096-token sequences", unit="sequences", starts=starts, key="batch")
    overlap = mo.ui.checkbox(value=bool(starts.value("overlap", True)), label="Overlap DP all-reduce with compute")
    mo.vstack([ui.step("act", "choose TP × PP; data parallel takes the rest"),
               ui.row(cluster, model, tp, pp), batch, overlap])
    return batch, cluster, model, overlap, pp, tp


@app.cell
def _(bank, batch, cluster, mo, model, overlap, pp, tp):
    _tp, _pp = int(tp.value), int(pp.value)
    mo.stop(not bank.layout_valid(cluster.value, _tp, _pp, batch.value),
            mo.callout(mo.md(f"TP × PP = {_tp * _pp} must divide {bank.gpus(cluster.value)} GPUs, and the batch "
                             f"must be ≥ the data-parallel degree ({bank.dp_degree(cluster.value, _tp, _pp)})."),
                       kind="warn"))
    dist = bank.train(model.value, cluster.value, batch.value, _tp, _pp, overlap.value)
    return (dist,)


@app.cell
def _(dist, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _p = dist.parallelism
    mo.vstack([
        ui.step("observe"),
        ui.metrics([
            ("Step time", dist.step_latency_total, f"TP {_p.get('tp')} · PP {_p.get('pp')} · DP {_p.get('dp')}", "s"),
            ("MFU", f"{dist.mfu:.1%}", "model FLOPs delivered / peak"),
            ("Scaling efficiency", f"{dist.scaling_efficiency:.0%}", "T_compute / T_step"),
            ("Bubble", f"{dist.bubble_fraction:.1%}", f"{dist.microbatch_count} micro-batches"),
            ("Memory per GPU", dist.memory_per_accelerator, f"of {ui.capacity(dist.memory_capacity)}"),
        ]),
        ui.status(dist, ok="Every rank fits in memory."),
        ui.trace(dist),
    ])
    return


@app.cell
def _(charts, dist, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    charts.waterfall([
        ("compute", dist.compute_latency),
        ("tensor-parallel all-reduces", dist.tp_communication_latency),
        ("pipeline sends", dist.pp_communication_latency),
        ("data-parallel all-reduce (exposed)", dist.exposed_communication_latency),
        ("pipeline bubble", dist.pipeline_bubble_latency),
    ], unit="s", title="Where one training step goes")
    return


@app.cell
def _(bank, batch, cluster, mo, model):
    mo.stop(bank.gpus(cluster.value) > bank.MAX_SEARCH_GPUS, mo.md("_Cluster too large to search interactively._"))
    opt = bank.optimize(model.value, cluster.value, batch.value)
    return (opt,)


@app.cell
def _(bank, batch, charts, cluster, dist, mo, model, opt, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _best = opt.best_config
    _tp, _pp = _best.get("tp", 1), _best.get("pp", 1)
    _ans = ("Pure data parallel (TP 1, PP 1)" if _tp == 1 and _pp == 1 else
            "Tensor parallel inside each node + pipeline + data parallel" if _tp <= 8 else
            "Tensor parallel across nodes (TP > 8)")
    _rows = list(bank.top_layouts(model.value, cluster.value, batch.value))  # the same cached search as opt
    _yours = bank.layout_name(dist.parallelism)
    if _yours not in {r["layout"] for r in _rows}:
        _rows.append({"layout": _yours, "MFU %": bank.mfu_percent(dist.mfu)})
    mo.vstack([
        mo.md("### The parallelism optimizer"),
        ui.reveal(pred, _ans, f"Best: TP {_tp} · PP {_pp} · DP {_best.get('dp')} at MFU {opt.best_mfu:.1%} "
                              f"({opt.total_searched} layouts priced, {opt.memory_rejected} rejected for memory)."),
        charts.bars(_rows, "layout", "MFU %", highlight=_yours, value_title="MFU (%)",
                    title="Top layouts found by the optimizer (yours highlighted)"),
    ])
    return


@app.cell
def _(core, dist, ui):
    ui.why_panel(
        core.DistributedModel, core.ParallelismOptimizer,
        results=[dist],
        explanation=(
            "Tensor parallelism splits every layer and all-reduces activations 4× per layer per micro-batch: "
            "cheap on NVLink, ruinous across the fabric. Pipeline parallelism only sends activations at stage "
            "boundaries but idles stages while the pipeline fills and drains (the bubble, shrinking with more "
            "micro-batches $m$). Data parallelism all-reduces the gradients once per step and can overlap it."
        ),
        source="Narayanan et al. 2021 (Megatron-LM 3D parallelism); seed paper §4.4 (wall 14)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Why does the optimizer keep TP within 8? What happens to the bubble when you halve the global batch, "
        "and why? Which term would a faster fabric shrink, and which would it leave untouched?"
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
async def _(LAB, batch, cluster, graded, mo, model, overlap, pp, pred, progress, reflect, reset, tp, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, cluster=cluster, model=model, tp=tp, pp=pp, batch=batch, overlap=overlap)
    _footer
    return


if __name__ == "__main__":
    app.run()
