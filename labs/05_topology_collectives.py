import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="05 · Topology and collectives")


@app.cell
def _():
    import marimo as mo
    import mlsysim_core as core
    from mlsys_labs import charts, ui
    from mlsys_labs.catalog import get_lab

    LAB = get_lab("05_topology_collectives")
    return LAB, charts, core, mo, ui


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
def _(core, mo, starts, ui):
    _fabrics = {f: core.Systems.Fabrics.get(f) for f in
                ("InfiniBand_NDR", "InfiniBand_HDR", "InfiniBand_XDR", "RoCE_400G", "Ethernet_100G")}
    fabric = ui.zoo_dropdown(_fabrics, label="Scale-out fabric", value="InfiniBand_NDR", starts=starts, key="fabric")
    topology = ui.choice(["fat_tree", "rail_optimized", "dragonfly", "torus_3d", "ring"], value="fat_tree",
                              label="Topology", starts=starts, key="topology")
    oversub = ui.slider(1.0, 4.0, step=0.5, value=1.0, label="Oversubscription", unit="to 1", starts=starts, key="oversub")
    nodes = ui.slider(steps=[2, 4, 8, 16, 32, 64, 128], value=16, label="DGX H100 nodes, 8 GPUs each", unit="nodes", starts=starts, key="nodes")
    model = ui.zoo_dropdown({m: core.Models.get(m) for m in ("Llama3_8B", "Llama2_7B", "Llama2_13B")},
                            label="Model (gradient size)", value="Llama3_8B", starts=starts, key="model")
    overlap = mo.ui.checkbox(value=bool(starts.value("overlap", False)), label="Overlap the all-reduce with backward compute")
    zero = ui.zoo_dropdown({"none: every GPU holds everything": 0, "ZeRO-1: shard optimizer state": 1,
                           "ZeRO-2: + gradients": 2, "ZeRO-3 / FSDP: + weights": 3},
                          value="none: every GPU holds everything", label="Memory sharding", starts=starts, key="zero")
    mo.vstack([ui.step("act", "wire the network, then train on it"), ui.row(fabric, topology, model), oversub, nodes, ui.row(zero, overlap)])
    return fabric, model, nodes, overlap, oversub, topology, zero


@app.cell
def _(core, fabric, model, nodes, overlap, oversub, topology, zero):
    net = fabric.value.model_copy(update={"topology": topology.value, "oversubscription": float(oversub.value)})
    topo = core.TopologyModel().solve(fabric=net, num_nodes=nodes.value)
    fleet = core.Fleet(name=f"{nodes.value}x DGX H100", node=core.Systems.Nodes.get("DGX_H100"), count=nodes.value,
                       fabric=net)
    dist = core.DistributedModel().solve(model=model.value, fleet=fleet, batch_size=16 * nodes.value,
                                         precision="bf16", overlap_comm=overlap.value, seq_len=2048,
                                         zero_stage=zero.value)
    return dist, net, topo


@app.cell
def _(core, dist, mo, pred, topo, ui):
    mo.stop(*ui.prediction_gate(pred))

    def _ar(n):
        _f = core.Fleet(name="f", node=core.Systems.Nodes.get("DGX_H100"), count=n,
                        fabric=core.Systems.Fabrics.get("InfiniBand_NDR"))
        return core.DistributedModel().solve(model=core.Models.get("Llama3_8B"), fleet=_f, batch_size=16 * n,
                                             precision="bf16", seq_len=2048).dp_communication_latency
    _ratio = float(_ar(32) / _ar(16))
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
def _(charts, core, mo, net, nodes, pred, topology, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = []
    for _t in ("fat_tree", "rail_optimized", "dragonfly", "torus_3d", "ring"):
        _r = core.TopologyModel().solve(fabric=net, topology=_t, num_nodes=nodes.value)
        _rows.append({"topology": _t, "GB/s": float(_r.effective_bw.to("GB/s").magnitude)})
    charts.bars(_rows, "topology", "GB/s", highlight=topology.value, value_title="effective GB/s per endpoint",
                title=f"Wall 10: what survives each topology at {nodes.value} nodes")
    return


@app.cell
def _(charts, core, dist, mo, model, net, nodes, pred, ui):
    mo.stop(*ui.prediction_gate(pred))
    _rows = []
    for _n in (2, 4, 8, 16, 32, 64, 128):
        _f = core.Fleet(name="f", node=core.Systems.Nodes.get("DGX_H100"), count=_n, fabric=net)
        for _ov in (False, True):
            _d = core.DistributedModel().solve(model=model.value, fleet=_f, batch_size=16 * _n, precision="bf16",
                                               overlap_comm=_ov, seq_len=2048)
            _rows.append({"GPUs": 8 * _n, "efficiency": 100 * _d.scaling_efficiency,
                          "all-reduce": "overlapped" if _ov else "exposed"})
    charts.sweep(_rows, "GPUs", "efficiency", series="all-reduce", log_x=True, x_title="GPUs (log)",
                 y_title="scaling efficiency (%)",
                 marker={"x": 8 * nodes.value, "y": 100 * dist.scaling_efficiency, "label": "you"},
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
