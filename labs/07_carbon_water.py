import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="07 · The geography of AI: carbon and water")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_07_carbon_water as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("07_carbon_water")
    return LAB, bank, charts, core, mo, ui


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
def _(bank, core, mo, starts, ui):
    grid = ui.choice(core.Grids.names(), label="Grid region", value="Poland", starts=starts, key="grid")
    cluster = ui.choice(bank.CLUSTERS, label="Fleet", value="Research_256", starts=starts,
                              key="cluster")
    days = ui.slider(1, 120, step=1, value=30, label="Training duration", unit="days", starts=starts, key="days")
    busy = ui.slider(0.1, 1.0, step=0.05, value=1.0, label="Busy fraction, share of the run the chips compute",
                     unit="fraction of time", starts=starts, key="busy")
    mo.vstack([ui.step("act", "pick a place and a workload"), ui.row(grid, cluster),
               days, busy])
    return busy, cluster, days, grid


@app.cell
def _(bank, busy, cluster, days, grid):
    sus = bank.footprint(cluster.value, days.value, grid.value, busy.value)
    return (sus,)


@app.cell
def _(bank, mo, pred, sus, ui):
    mo.stop(*ui.prediction_gate(pred))
    _ratio = bank.carbon_ratio("Poland", "Quebec", "Research_256", 30)
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
def _(bank, busy, charts, cluster, days, grid, mo, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = bank.every_grid(cluster.value, days.value, busy.value)
    mo.vstack([
        charts.bars(_rows, "grid", "tCO2", highlight=grid.value, value_title="operational tCO₂",
                    title=f"The same {days.value}-day run on every grid"),
        charts.bars(_rows, "grid", "water m³", highlight=grid.value, value_title="water (m³)",
                    title="…and the water it consumes (zero for hydro/geothermal with liquid cooling)"),
    ])
    return


@app.cell
def _(core, sus, ui):
    ui.why_panel(
        core.SustainabilityModel,
        results=[sus],
        explanation=(
            "A node draws its accelerators' power — about 30 % of TDP idle, rising to TDP while busy, whatever "
            "the MFU — plus its host (CPUs, NICs, fans). The facility multiplies IT energy by its PUE (cooling, "
            "power conversion). The grid's carbon intensity $CI$ (gCO₂/kWh) spans almost two orders of magnitude "
            "between coal and hydro; water use (WUE, litres per IT kWh) depends on cooling and climate."
        ),
        source="Patterson et al. 2021 (carbon of ML training); seed paper §4.5 (wall 18)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "If you could move only one thing — the region, or the busy fraction (less idle time) — which cuts more CO₂ for "
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
async def _(LAB, busy, cluster, days, graded, grid, mo, pred, progress, reflect, reset, ui, variant):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, grid=grid, cluster=cluster, days=days, busy=busy)
    _footer
    return


if __name__ == "__main__":
    app.run()
