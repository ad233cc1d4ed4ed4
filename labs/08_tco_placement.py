import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="08 · The $9M GPU: TCO and placement")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_08_tco_placement as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("08_tco_placement")
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
            "Your team wants chain-of-thought reasoning in production: the model thinks for **K steps of 50 "
            "tokens** before it answers. The accuracy gain is real. But every reasoning token is a memory-bound "
            "decode step, so K multiplies the time each query occupies an accelerator, Little's law turns that "
            "time into a fleet, and the fleet into a yearly bill. Is this an algorithm decision or a capital "
            "expenditure? Then: **where** should that fleet live once carbon has a price?"
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
    ui.step("predict", "what does thinking cost?")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "A Llama-3-70B service on B200s answers 100 queries/s, one query per GPU at a time. You switch from "
        "K = 1 to K = 8 reasoning steps. How does the one-year TCO of the fleet change?",
        ["Barely changes (< 1.5×)", "Roughly doubles (1.5–4×)", "Grows 4–8×", "Grows more than 8×"],
        lab=LAB, variant=variant, progress=progress,
    )
    pred
    return (pred,)


@app.cell
def _(LAB, progress, ui, variant):
    starts = ui.starts(LAB, variant, progress)
    return (starts,)


@app.cell
def _(bank, core, mo, starts, ui):
    _names = {core.Grids.get(k).name: k for k in core.Grids.names()}
    model = ui.zoo_dropdown({"Llama-3-70B": "Llama3_70B", "Llama-3-8B": "Llama3_8B"}, label="Model",
                            value="Llama-3-70B", starts=starts, key="model")
    accel = ui.zoo_dropdown({k: k for k in bank.NODE_OF}, label="Accelerator (8 per server)", value="B200", starts=starts, key="hardware")
    steps = ui.slider(1, 32, steps=[1, 2, 4, 8, 12, 16, 24, 32], value=8, label="Reasoning steps K", unit="steps", starts=starts, key="steps")
    qps = ui.slider(5, 500, step=5, value=100, label="Traffic", unit="queries/s", starts=starts, key="qps")
    region = ui.zoo_dropdown(_names, label="Home region (grid)", value=core.Grids.get("US_Avg").name, starts=starts, key="region")
    mo.vstack([ui.step("act", "turn reasoning depth into a fleet and a bill"),
               ui.row(model, accel, region), ui.row(steps, qps)])
    return accel, model, qps, region, steps


@app.cell
def _(accel, bank, model, qps, region, steps):
    query, n_gpus, fleet, eco = bank.plan(model.value, accel.value, steps.value, qps.value, region.value)
    return eco, fleet, n_gpus, query


@app.cell
def _(bank, eco, fleet, mo, n_gpus, pred, qps, query, ui):
    mo.stop(*ui.prediction_gate(pred))
    _k1 = bank.plan("Llama3_70B", "B200", 1, 100, "US_Avg")[3].tco_usd
    _k8 = bank.plan("Llama3_70B", "B200", 8, 100, "US_Avg")[3].tco_usd
    _x = float((_k8 / _k1).to("").magnitude)
    _answer = ("Barely changes (< 1.5×)" if _x < 1.5 else "Roughly doubles (1.5–4×)" if _x < 4
               else "Grows 4–8×" if _x <= 8 else "Grows more than 8×")
    _per_query = eco.tco_usd / (qps.value * 365 * 86400)
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _answer, f"In the US-average grid the bill goes from {ui.fmt(_k1, 'MUSD')} (K = 1) to "
                                 f"{ui.fmt(_k8, 'MUSD')} (K = 8): × {_x:.1f}. The prompt (TTFT) is paid once, "
                                 "the reasoning tokens K times."),
        ui.metrics([
            ("Time per query", query.total_reasoning_time, f"TTFT {ui.fmt(query.ttft, 'ms')}", "s"),
            ("Accelerators needed", f"{n_gpus:,}", f"{fleet.count} servers = {fleet.total_accelerators} GPUs"),
            ("One-year TCO", eco.tco_usd, f"CapEx share {float((eco.capex_usd / eco.tco_usd).to('')):.0%}", "MUSD"),
            ("Cost per query", _per_query, f"serving MFU {query.mfu:.1%}", "USD"),
            ("Energy", eco.total_energy_kwh, f"PUE {eco.pue:g} · {ui.fmt(eco.kwh_price, 'USD/kWh')}", "MWh"),
        ]),
        ui.status(query, ok="The model and its KV cache fit on one accelerator."),
    ])
    return


@app.cell
def _(accel, bank, charts, model, mo, pred, qps, region, steps, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = []
    for _k in (1, 2, 4, 8, 12, 16, 24, 32):
        _e = bank.plan(model.value, accel.value, _k, qps.value, region.value)[3]
        _rows.append({"K": _k, "tco_musd": _e.tco_usd.to("MUSD").magnitude})
    _cur = next(r for r in _rows if r["K"] == steps.value)
    charts.sweep(_rows, "K", "tco_musd", x_title="reasoning steps K", y_title="one-year TCO (million USD)",
                 marker={"x": steps.value, "y": _cur["tco_musd"], "label": f"K = {steps.value}"},
                 title="Thinking longer is a capital decision: TCO grows almost linearly with K")
    return


@app.cell
def _(ui):
    ui.step("act", "place the fleet: which site, once carbon has a price?")
    return


@app.cell
def _(core, mo, starts, ui):
    tax = ui.slider(0, 1000, step=25, value=100, label="Carbon tax", unit="USD per tonne CO₂", starts=starts, key="tax")
    _mine = starts.variant_value("sites")  # "US_Avg, Iowa, …": the grid keys of your variant
    _keys = [k.strip() for k in _mine.split(",")] if isinstance(_mine, str) else ["US_Avg", "Iowa", "France", "Poland"]
    sites = mo.ui.multiselect(options={core.Grids.get(k).name: k for k in core.Grids.names()},
                              value=starts.value("candidate_sites", [core.Grids.get(k).name for k in _keys]),
                              label=starts.label("Candidate sites (your company's datacenters)", "sites"))
    ui.row(sites, tax)
    return sites, tax


@app.cell
def _(bank, charts, core, eco, fleet, mo, pred, query, sites, tax, ui):
    mo.stop(*ui.prediction_gate(pred))
    mo.stop(not sites.value, mo.callout(mo.md("Pick at least one candidate site."), kind="info"))
    _best = bank.placement(fleet, list(sites.value), tax.value, float(query.mfu))

    def _musd(usd):
        return charts.magnitude(core.Q_(usd, "USD"), "MUSD")

    _tax_of = {_c["region"]: _c["carbon_cost_usd"] for _c in _best.top_candidates}
    _rows = []
    for _key in sites.value:
        _e = bank.site_costs(fleet, _key, float(query.mfu))
        _name = _e.region_name + (" ★" if _e.region_name == _best.best_region else "")
        _tax = _tax_of.get(_e.region_name)  # the optimizer's own carbon cost for this site
        for _part, _v in (("CapEx (1 yr)", _e.capex_usd), ("energy", _e.opex_energy_usd),
                          ("maintenance", _e.opex_maintenance_usd)):
            _rows.append({"site": _name, "part": _part, "musd": _v.to("MUSD").magnitude})
        if _tax is not None:
            _rows.append({"site": _name, "part": "carbon tax", "musd": _musd(_tax)})
    _ranked = [{"rank": _i + 1, "site": _c["region"], "TCO (million USD)": _musd(_c["tco_usd"]),
                "CO₂ (t)": _c["carbon_t"], "tax (million USD)": _musd(_c["carbon_cost_usd"]),
                "objective (million USD)": _musd(_c["objective_usd"])} for _i, _c in enumerate(_best.top_candidates)]
    mo.vstack([
        mo.md(f"**Best site: {_best.best_region}** — TCO {ui.fmt(_best.lowest_tco, 'MUSD')} + carbon "
              f"{ui.fmt(_best.carbon_footprint, 'tCO2')} × {tax.value} USD/t = "
              f"{ui.fmt(_best.objective_value, 'MUSD', digits=4)}"),
        charts.stacked_bars(_rows, "site", "part", "musd", value_title="one-year cost (million USD)",
                            title="TCO + carbon tax per candidate site (★ = the optimizer's choice)"),
        ui.table(_ranked),
    ])
    return


@app.cell
def _(core, eco, query, ui):
    ui.why_panel(
        core.EconomicsModel, core.InferenceScalingModel, core.PlacementOptimizer,
        results=[eco, query],
        explanation=(
            "Little's law: if each accelerator holds one query for $T_q$ seconds, serving λ queries/s keeps "
            "λ·T_q of them busy. K multiplies the decode part of $T_q$, so it multiplies N — and CapEx scales "
            "with N. Batch-1 decode leaves the GPUs nearly idle (MFU of a few %), so energy is a small slice; "
            "placement therefore moves the bill less than the carbon: objective(r) = TCO(r) + tax·CO₂(r)."
        ),
        source="seed paper §4 wall 17 (EconomicsModel) and wall 12 (InferenceScalingModel); Little 1961",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Batching would let one GPU serve many queries at once. Which term of the TCO would that shrink, and "
        "why does the carbon tax need to be large before the site ranking flips?"
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
async def _(LAB, accel, graded, mo, model, pred, progress, qps, reflect, region, reset, sites, steps, tax, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, model=model, hardware=accel, steps=steps, qps=qps, region=region, candidate_sites=sites, tax=tax)
    _footer
    return


if __name__ == "__main__":
    app.run()
