import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="07 · The geography of AI: carbon and water")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("07_carbon_water")
    return LAB, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro=(
        "Every kilowatt-hour a training run draws comes from some grid. The chips and the hours are the same "
        "everywhere, but the **carbon intensity** of electricity and the **water** a facility consumes are not. "
        "Wall 18 asks what a job emits and drinks, and where it should run."
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
    ui.step("predict", "same job, different grid")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "A 30-day training run on 256 H100s moves from a coal-heavy grid (Poland) to a hydro grid (Quebec). "
        "Its operational CO₂ drops by a factor of about…",
        ["2×", "10×", "40× or more"],
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
    grid = ui.zoo_dropdown({g: core.Grids.get(g) for g in core.Grids.names()}, label="Grid region", value="Poland", starts=starts, key="grid")
    cluster = ui.zoo_dropdown({c: core.Systems.Clusters.get(c) for c in ("Lab_64_H100", "Research_256",
                                                                         "Training_1K")},
                              label="Fleet", value="Research_256", starts=starts, key="cluster")
    days = ui.slider(1, 120, step=1, value=30, label="Training duration", unit="days", starts=starts, key="days")
    mfu = ui.slider(0.1, 1.0, step=0.05, value=0.5, label="Average MFU, drives power draw", unit="fraction of peak", starts=starts, key="mfu")
    mo.vstack([ui.step("act", "pick a place and a workload"), ui.row(grid, cluster),
               days, mfu])
    return cluster, days, grid, mfu


@app.cell
def _(cluster, core, days, grid, mfu):
    sus = core.SustainabilityModel().solve(fleet=cluster.value, duration_days=days.value, grid=grid.value,
                                           mfu=mfu.value)
    return (sus,)


@app.cell
def _(core, mo, pred, sus, ui):
    mo.stop(*ui.prediction_gate(pred))

    def _co2(g):
        return core.SustainabilityModel().solve(fleet=core.Systems.Clusters.get("Research_256"), duration_days=30,
                                                grid=core.Grids.get(g), mfu=0.5).carbon_footprint_kg
    _ratio = float(_co2("Poland") / _co2("Quebec"))
    _ans = "2×" if _ratio < 5 else "10×" if _ratio < 25 else "40× or more"
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _ans, f"Poland / Quebec = {_ratio:.0f}×: same chips, same hours, same kWh of IT "
                              "energy; only the grid's carbon intensity and the facility's PUE differ."),
        ui.metrics([
            ("Facility energy", sus.total_energy_kwh, f"IT × PUE {sus.pue:g}", "MWh"),
            ("Average power", sus.average_power_kw, "whole facility", "kW"),
            ("Operational CO₂", sus.carbon_footprint_kg, f"at {ui.fmt(sus.carbon_intensity)}", "tCO2"),
            ("Embodied CO₂ (once)", sus.embodied_carbon_kg, "manufacturing the chips", "tCO2"),
            ("Water", sus.water_usage_liters, "cooling + power generation", "m^3"),
        ]),
        ui.trace(sus),
    ])
    return


@app.cell
def _(charts, cluster, core, days, grid, mfu, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = []
    for _g in core.Grids.names():
        _r = core.SustainabilityModel().solve(fleet=cluster.value, duration_days=days.value,
                                              grid=core.Grids.get(_g), mfu=mfu.value)
        _rows.append({"grid": _g, "tCO2": float(_r.carbon_footprint_kg.to("tCO2").magnitude),
                      "water m³": float(_r.water_usage_liters.to("m^3").magnitude)})
    _rows.sort(key=lambda r: r["tCO2"])
    mo.vstack([
        charts.bars(_rows, "grid", "tCO2", highlight=grid.selected_key, value_title="operational tCO₂",
                    title=f"The same {days.value}-day run on every grid"),
        charts.bars(_rows, "grid", "water m³", highlight=grid.selected_key, value_title="water (m³)",
                    title="…and the water it consumes (zero for hydro/geothermal with liquid cooling)"),
    ])
    return


@app.cell
def _(core, sus, ui):
    ui.why_panel(
        core.SustainabilityModel,
        results=[sus],
        explanation=(
            "Accelerators idle at about 30 % of their TDP and rise linearly with utilization. The facility "
            "multiplies IT energy by its PUE (cooling, power conversion). The grid's carbon intensity $CI$ "
            "(gCO₂/kWh) spans almost two orders of magnitude between coal and hydro; water use (WUE, L/kWh) "
            "depends on cooling technology and climate."
        ),
        source="Patterson et al. 2021 (carbon of ML training); seed paper §4.5 (wall 18)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "If you could move only one thing — the region, or the MFU (better software) — which cuts more CO₂ for "
        "your fleet? Why might a low-carbon region still be a poor choice for an inference service?"
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
async def _(LAB, cluster, days, graded, grid, mfu, mo, pred, progress, reflect, reset, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, grid=grid, cluster=cluster, days=days, mfu=mfu)
    _footer
    return


if __name__ == "__main__":
    app.run()
