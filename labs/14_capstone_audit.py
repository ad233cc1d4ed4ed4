import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="14 · Capstone: full-stack audit of Llama-3-70B on 512 H100s")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_14_capstone_audit as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("14_capstone_audit")
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
            "The capstone of the course: one workload — **Llama-3-70B pre-training** — on one cluster — "
            "**64 DGX H100 servers (512 GPUs)** on InfiniBand NDR — audited across all six domains of the wall "
            "taxonomy. Each resolver answers one question in isolation: does it fit (node), can storage feed it "
            "(data), is the budget well spent (algorithm), how much time goes to talking and failing (fleet), what "
            "does it cost and emit (operations), and what should be upgraded (analysis). The **audit table** at "
            "the end is the systems view: no single row tells the story."
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
    ui.step("predict", "geography as an engineering variable")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "The same 30-day run moves from Quebec (hydro) to Poland (coal). Same GPUs, same code, same MFU. "
        "How much more operational CO₂ does it emit?",
        ["About 2×", "About 10×", "About 40×", "About 200×"],
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
    region = ui.zoo_dropdown({core.Grids.get(k).name: k for k in core.Grids.names()}, label="Site (grid)",
                             value=core.Grids.get("Quebec").name, starts=starts, key="region")
    days = ui.slider(1, 120, step=1, value=30, label="Run length", unit="days", starts=starts, key="days")
    nodes = ui.slider(8, 256, steps=[8, 16, 32, 64, 128, 256], value=64, label="DGX H100 servers, 8 GPUs each", unit="servers", starts=starts, key="nodes")
    mo.vstack([ui.step("act", "configure the run"), ui.row(region, days, nodes)])
    return days, nodes, region


@app.cell
def _(mo, starts, ui):
    tp = ui.slider(1, 8, steps=[1, 2, 4, 8], value=8, label="Tensor parallel TP, inside a server", unit="GPUs", starts=starts, key="tp")
    pp = ui.slider(1, 16, steps=[1, 2, 4, 8, 16], value=4, label="Pipeline parallel PP", unit="stages", starts=starts, key="pp")
    batch = ui.slider(256, 4096, steps=[256, 512, 1024, 2048, 4096], value=1024,
                      label="Global batch of 4,096-token sequences", unit="sequences", starts=starts, key="batch")
    delta = ui.slider(10, 600, step=10, value=60, label="Checkpoint stall δ", unit="s", starts=starts, key="delta_s")
    mo.vstack([ui.row(tp, pp), ui.row(batch, delta)])
    return batch, delta, pp, tp


@app.cell
def _(bank, batch, core, days, delta, nodes, pp, region, tp):
    try:
        step = bank.training_step(pp.value, batch.value, tp.value, region.value, nodes.value)
        error = None
    except core.InputError as _e:
        step, error = None, str(_e)
    rel = bank.reliability(days.value, delta.value, nodes.value)
    eco, sus = bank.operations(region.value, days.value, float(step.mfu) if step is not None else 0.4,
                               nodes.value)
    return eco, error, rel, step, sus


@app.cell
def _(bank, eco, error, mo, pred, rel, step, sus, ui):
    mo.stop(*ui.prediction_gate(pred))
    _qc = bank.operations("Quebec", 30, 0.4)[1].carbon_footprint_kg
    _pl = bank.operations("Poland", 30, 0.4)[1].carbon_footprint_kg
    _x = float((_pl / _qc).to("").magnitude)
    _answer = min(((2, "About 2×"), (10, "About 10×"), (40, "About 40×"), (200, "About 200×")),
                  key=lambda t: abs(t[0] / _x - 1) if t[0] >= _x else abs(_x / t[0] - 1))[1]
    _fleet_cards = [("Fleet", "invalid", error or "", None)] if step is None else [
        ("Step time", step.step_latency_total, f"{step.tokens_per_second.to('token/s').magnitude:,.0f} tokens/s", "s"),
        ("Scaling efficiency", f"{step.scaling_efficiency:.1%}", f"fleet MFU {step.mfu:.1%}"),
        ("Memory per GPU", step.memory_per_accelerator, f"of {ui.capacity(step.memory_capacity)}", "GB"),
    ]
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _answer, f"Quebec {ui.fmt(_qc, 'tCO2')} vs Poland {ui.fmt(_pl, 'tCO2')}: × {_x:.0f}. "
                                 "Carbon intensity × PUE differ by that much; the code does not change at all."),
        ui.metrics(_fleet_cards + [
            ("Fleet MTBF", rel.fleet_mtbf, f"{rel.expected_failures:.1f} failures expected", "hour"),
            ("Young–Daly τ*", rel.optimal_checkpoint_interval, f"goodput {rel.goodput_ratio:.1%}", "min"),
            ("TCO (period)", eco.tco_usd, f"{ui.fmt(eco.cost_per_accelerator_hour, 'USD/hour')} per GPU-hour",
             "MUSD"),
            ("Carbon", sus.carbon_footprint_kg, f"{eco.region_name}, PUE {sus.pue:g}", "tCO2"),
            ("Water", sus.water_usage_liters, "cooling + generation", "m**3"),
        ]),
        mo.callout(mo.md(f"**Configuration rejected:** {error}"), kind="danger") if error else ui.status(
            step, ok="The parallel layout fits in HBM on every GPU."),
    ])
    return


@app.cell
def _(bank, charts, core, days, mo, pred, step, ui):
    mo.stop(*ui.prediction_gate(pred))
    mo.stop(step is None, mo.md(""))
    _dp = (step.exposed_communication_latency - step.tp_communication_latency - step.pp_communication_latency
           - step.ep_communication_latency)
    _segments = [("compute", step.compute_latency), ("TP all-reduces", step.tp_communication_latency),
                 ("PP sends", step.pp_communication_latency), ("DP all-reduce (exposed)", _dp),
                 ("pipeline bubble", step.pipeline_bubble_latency)]
    _rows = []
    for _key in ("Quebec", "Norway", "France", "Iowa", "US_Avg", "Singapore", "Poland", "India"):
        _s = bank.operations(_key, days.value, float(step.mfu))[1]
        _rows.append({"site": core.Grids.get(_key).name, "tco2": _s.carbon_footprint_kg.to("tCO2").magnitude})
    ui.row(
        charts.waterfall(_segments, unit="s", title="Where one training step's time goes"),
        charts.bars(_rows, "site", "tco2", value_title=f"operational CO₂ of the {days.value}-day run (t)",
                    title="Same run, different grid"),
    min_width="22rem")
    return


@app.cell
def _(ui):
    ui.step("observe", "the audit table: six domains, one workload")
    return


@app.cell
def _(bank, batch, core, days, delta, error, mo, nodes, pp, region, tp, ui):
    mo.stop(error is not None, mo.callout(mo.md("Fix the parallel layout above to run the full audit."), kind="warn"))
    import mlsysim_core.scenario as _scenario

    _rows = _scenario.capstone_audit(core.Models.get(bank.MODEL), bank.cluster(region.value, nodes.value),
                           core.Grids.get(region.value), batch_size=batch.value, precision=bank.PRECISION,
                           tp_size=tp.value, pp_size=pp.value, seq_len=bank.SEQ_LEN, duration_days=days.value,
                           checkpoint_time_s=delta.value)
    _table = [{"Domain": r.domain, "Wall": f"{r.wall} · {core.walls[r.wall].name}", "Metric": r.metric,
               "Value": _scenario.Metric(r.metric, r.value).text()} for r in _rows]
    mo.vstack([
        ui.table(_table),
        mo.md("Every row is one resolver call (`mlsysim_core.scenario.capstone_audit`). The node row says a single "
              "H100 cannot even hold the weights; the fleet rows say where the time goes; the operations rows say "
              "what the site costs and emits; the analysis rows say which resource to buy next."),
    ])
    return


@app.cell
def _(core, eco, rel, step, sus, ui):
    ui.why_panel(
        core.DistributedModel, core.ReliabilityModel, core.EconomicsModel, core.SustainabilityModel,
        results=[step, rel, eco, sus],
        explanation=(
            "The audit composes resolvers from every domain: SingleNodeModel (walls 1–2), DataModel (8), "
            "ScalingModel (11), DistributedModel (14), ReliabilityModel (15), EconomicsModel (17), "
            "SustainabilityModel (18), SensitivitySolver (21) and SynthesisSolver (22). Each is first-order and "
            "transparent; the insight comes from reading them together — e.g. the fleet MFU from wall 14 sets "
            "the power draw that walls 17–18 price."
        ),
        source="seed paper §4–5 (capstone: full-stack audit); mlsysim_core.scenario.capstone_audit",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Double the cluster to 128 servers: which rows of the audit improve, which get worse, and which do not "
        "move? If you could change one thing — site, parallel layout or checkpoint storage — which buys the "
        "most, and by which metric?"
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
async def _(LAB, batch, days, delta, graded, mo, nodes, pp, pred, progress, reflect, region, reset, tp, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, region=region, days=days, nodes=nodes, tp=tp, pp=pp, batch=batch, delta_s=delta)
    _footer
    return


if __name__ == "__main__":
    app.run()
