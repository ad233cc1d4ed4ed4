import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="05 · Topology and collectives")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.banks import lab_05_topology_collectives as bank
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("05_topology_collectives")
    return LAB, bank, charts, core, mo, ui


@app.cell
async def _(LAB, ui):
    progress = await ui.load_progress(LAB)
    return (progress,)


@app.cell
def _(LAB, ui):
    ui.lab_header(LAB, intro=(
        "Inside a node, GPUs talk over NVLink; between nodes, over a scale-out fabric whose **topology** "
        "decides how much of each link's bandwidth survives when everyone talks at once (wall 10). Data-parallel "
        "training all-reduces every gradient every step over that fabric (wall 14). Here you wire the network "
        "and watch the all-reduce and the scaling efficiency respond."
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
    ui.step("predict", "twice the GPUs, same gradients")
    return


@app.cell
def _(LAB, progress, ui, variant):
    pred = ui.prediction(
        "Data-parallel training of Llama-3-8B: every step all-reduces 16 GB of bf16 gradients with a ring. "
        "Going from 16 to 32 DGX H100 nodes on the same InfiniBand NDR fabric, the all-reduce time…",
        ["about halves", "stays about the same", "about doubles"],
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
    fabric = ui.choice(bank.FABRICS, label="Scale-out fabric", value="InfiniBand_NDR", starts=starts, key="fabric")
    topology = ui.choice(bank.TOPOLOGIES, value="fat_tree", label="Topology", starts=starts, key="topology")
    oversub = ui.slider(1.0, 4.0, step=0.5, value=1.0, label="Oversubscription", unit="to 1", starts=starts, key="oversub")
    nodes = ui.slider(steps=bank.NODE_COUNTS, value=16, label="DGX H100 nodes, 8 GPUs each", unit="nodes", starts=starts, key="nodes")
    model = ui.choice(bank.MODELS, label="Model (gradient size)", value="Llama3_8B", starts=starts, key="model")
    overlap = mo.ui.checkbox(value=bool(starts.value("overlap", False)), label="Overlap the all-reduce with backward compute")
    zero = ui.zoo_dropdown({"none: every GPU holds everything": 0, "ZeRO-1: shard optimizer state": 1,
                           "ZeRO-2: + gradients": 2, "ZeRO-3 / FSDP: + weights": 3},
                          value="none: every GPU holds everything", label="Memory sharding", starts=starts, key="zero")
    mo.vstack([ui.step("act", "wire the network, then train on it"), ui.row(fabric, topology, model), oversub, nodes, ui.row(zero, overlap)])
    return fabric, model, nodes, overlap, oversub, topology, zero


@app.cell
def _(bank, fabric, model, nodes, overlap, oversub, topology, zero):
    topo = bank.wire(fabric.value, topology.value, oversub.value, nodes.value)
    dist = bank.train(model.value, nodes.value, fabric.value, topology.value, oversub.value, overlap.value, zero.value)
    return dist, topo


@app.cell
def _(bank, dist, mo, pred, topo, ui):
    mo.stop(*ui.prediction_gate(pred))
    _ratio = bank.allreduce_ratio(16, 32, "Llama3_8B", "InfiniBand_NDR")
    _ans = "about halves" if _ratio < 0.7 else "stays about the same" if _ratio < 1.4 else "about doubles"
    mo.vstack([
        ui.step("observe"),
        ui.reveal(pred, _ans, f"Ratio {_ratio:.2f}: each GPU sends and receives 2(N−1)/N of the gradients, "
                              "almost independent of N — only the latency term grows."),
        ui.metrics([
            ("Link bandwidth", topo.link_bw, "per endpoint, per direction"),
            ("Effective bandwidth", topo.effective_bw, f"β = {topo.bisection_fraction:.2f}, "
                                                       f"{topo.oversubscription:g}:1"),
            ("Bisection", topo.bisection_bw, f"{topo.num_nodes} nodes", "TB/s"),
            ("DP all-reduce", dist.dp_communication_latency, f"exposed {ui.fmt(dist.exposed_communication_latency)}"),
            ("Scaling efficiency", f"{dist.scaling_efficiency:.0%}", "T_compute / T_step"),
            ("Memory per GPU", dist.memory_per_accelerator, f"of {ui.capacity(dist.memory_capacity)}", "GB"),
        ]),
        ui.status(topo, ok="Full bandwidth: no topology penalty."),
        ui.status(dist, ok="The training state fits on every GPU."),
    ])
    return


@app.cell
def _(bank, charts, fabric, mo, nodes, oversub, pred, topology, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = bank.every_topology(fabric.value, oversub.value, nodes.value)  # cached per network
    charts.bars(list(_rows), "topology", "GB/s", highlight=topology.value, value_title="effective GB/s per endpoint",
                title=f"Wall 10: what survives each topology at {nodes.value} nodes")
    return


@app.cell
def _(bank, charts, dist, fabric, mo, model, nodes, oversub, pred, topology, ui):
    mo.stop(*ui.prediction_gate(pred))
    # cached per network and model: the node slider and the overlap/ZeRO controls only move the marker
    _rows = bank.scaling_sweep(model.value, fabric.value, topology.value, oversub.value)
    charts.sweep(list(_rows), "GPUs", "efficiency", series="all-reduce", log_x=True, x_title="GPUs (log)",
                 y_title="scaling efficiency (%)",
                 marker={"x": 8 * nodes.value, "y": bank.efficiency_percent(dist), "label": "you"},
                 title="Wall 14: communication eats into every step")
    return


@app.cell
def _(core, dist, topo, ui):
    ui.why_panel(
        core.TopologyModel, core.DistributedModel,
        results=[topo, dist],
        explanation=(
            "$\\beta$ is the fraction of link bandwidth a topology delivers between arbitrary endpoints "
            "(1 for a non-blocking fat tree, less for dragonfly, torus and ring). In a ring all-reduce each "
            "participant sends and receives about twice the message size, so the bandwidth term hardly depends "
            "on $N$; the latency term $2(N-1)\\alpha$ does. Hierarchical all-reduce uses NVLink inside a node "
            "and the fabric between nodes. Overlap hides about 85 % of the all-reduce behind backward compute."
        ),
        source="Patarasuk & Yuan 2009 (ring all-reduce); seed paper §4.2 (wall 10), §4.4 (wall 14)",
    )
    return


@app.cell
def _(LAB, mo, progress, ui, variant):
    reflect = ui.reflection(LAB, variant, progress)
    mo.vstack([ui.step("reflect", body=(
        "Which costs you more at 128 nodes: 2:1 oversubscription or switching from InfiniBand NDR to 100 G "
        "Ethernet? Why does overlap help less when the all-reduce is longer than the backward pass?"
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
async def _(LAB, fabric, graded, mo, model, nodes, overlap, oversub, pred, progress, reflect, reset, topology, ui, variant, zero):
    mo.stop(variant is None)  # no student id yet: nothing to save or report
    _footer = await ui.finish(LAB, variant, progress, graded, reset, prediction=pred,
                              reflections={"reflect": reflect}, fabric=fabric, topology=topology, oversub=oversub, nodes=nodes, model=model, overlap=overlap, zero=zero)
    _footer
    return


if __name__ == "__main__":
    app.run()
