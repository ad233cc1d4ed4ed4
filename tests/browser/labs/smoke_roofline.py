# Pipeline smoke lab for the browser tests (issue 3): one resolver, a dropdown, a slider, an altair chart.
# Built into the test site next to labs/*.py; never shipped in _site.
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Smoke: hello, roofline")

__lab__ = {"title": "Smoke: hello, roofline", "walls": (1, 2), "minutes": 5}


@app.cell
def _():
    import marimo as mo

    from mlsysim_core import Q_, SingleNodeModel, TransformerWorkload
    from mlsysim_core.types import ComputeCore, HardwareNode, MemoryHierarchy

    return ComputeCore, HardwareNode, MemoryHierarchy, Q_, SingleNodeModel, TransformerWorkload, mo


@app.cell
def _(ComputeCore, HardwareNode, MemoryHierarchy, Q_, TransformerWorkload):
    def _typed(name, tflops, tb_s, gb):
        return HardwareNode(
            name=name,
            compute=ComputeCore(peak_flops=Q_(tflops, "TFLOP/s")),
            memory=MemoryHierarchy(capacity=Q_(gb, "GB"), bandwidth=Q_(tb_s, "TB/s")),
        )

    HARDWARE = {  # typed on purpose: independent of the zoo's evolving entries
        "H100": _typed("H100", 989, 3.35, 80),
        "A100": _typed("A100", 312, 2.039, 80),
        "T4": _typed("T4", 65, 0.32, 16),
    }
    MODEL = TransformerWorkload(name="Llama-3-8B", parameters=8.03e9, layers=32, hidden_dim=4096, heads=32, kv_heads=8)
    return HARDWARE, MODEL


@app.cell
def _(HARDWARE, mo):
    hw = mo.ui.dropdown(options=list(HARDWARE), value="H100", label="Accelerator")
    batch = mo.ui.slider(1, 256, step=1, value=1, label="Batch size", show_value=True)
    mo.hstack([hw, batch], justify="start", gap=2)
    return batch, hw


@app.cell
def _(HARDWARE, MODEL, SingleNodeModel, batch, hw, mo):
    r = SingleNodeModel().solve(model=MODEL, hardware=HARDWARE[hw.value], batch_size=batch.value)
    latency_ms = r.latency.to("ms").magnitude
    mo.md(
        f"**{MODEL.name} on {hw.value}, batch {batch.value}:** "
        f"<span data-testid='latency'>latency = {latency_ms:.6g} ms</span> "
        f"(binding wall {r.binding_wall})"
    )
    return


@app.cell
def _(HARDWARE, MODEL, batch, hw, mo):
    import altair as alt

    _h = HARDWARE[hw.value].si
    _ridge = _h.peak / _h.mem_bw
    _pts = [{"intensity": 2.0**k, "tflops": min(_h.peak, _h.mem_bw * 2.0**k) / 1e12} for k in range(-2, 13)]
    _w = MODEL.si("fp16")
    _ai = 2.0 * batch.value * _w.params / (_w.weight_bytes * (1 + 0.1 * batch.value))
    _op = [{"intensity": _ai, "tflops": min(_h.peak, _h.mem_bw * _ai) / 1e12}]
    _x = alt.X("intensity:Q", scale=alt.Scale(type="log", base=2), title="arithmetic intensity (flop/byte)")
    _y = alt.Y("tflops:Q", scale=alt.Scale(type="log"), title="attainable TFLOP/s")
    _roof = alt.Chart(alt.Data(values=_pts)).mark_line().encode(x=_x, y=_y)
    _dot = alt.Chart(alt.Data(values=_op)).mark_point(size=120, filled=True, color="#d62728").encode(x=_x, y=_y)
    chart = mo.ui.altair_chart(
        (_roof + _dot).properties(width=420, height=240, title=f"Roofline, ridge at {_ridge:.0f} flop/B")
    )
    chart
    return


if __name__ == "__main__":
    app.run()
