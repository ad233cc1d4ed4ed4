"""Lab 04 — the data pipeline: ingestion and transformation (walls 8, 9). Values from mlsysim_core only.

The helpers take plain values (zoo keys, numbers) so the lab notebook calls them with its widgets' values
and the graded questions below use the same functions; single solves and sweeps are cached by their
inputs (the sweep behind a chart is not re-solved when only its highlighted point moves).
"""

from __future__ import annotations

from functools import lru_cache

from mlsys_labs.questions import LabSpec, Question

#: accelerators the lab offers (Hardware keys): each brings its own storage and host link
HARDWARE = ("H100", "A100", "H200", "L4", "JetsonOrinNX")
#: CPU preprocessing throughputs (GB/s) of the wall-9 sweep: 0.5 … 16 GB/s in steps of 0.5
CPU_SWEEP_GBPS = tuple(0.5 * k for k in range(1, 33))


@lru_cache(maxsize=256)
def ingest(hardware: str, samples_per_s: float, sample_mb: float):
    """DataModel result (wall 8) of ``samples_per_s`` samples of ``sample_mb`` MB each on ``hardware``.

    BW_demand = samples/s × sample size;  ρ = BW_demand / min(BW_storage, BW_host link);  stalled ⇔ ρ > 1.
    """
    from mlsysim_core import Q_, DataModel, Hardware

    return DataModel().solve(workload_data_rate=Q_(samples_per_s * sample_mb, "MB/s"),
                             hardware=Hardware.get(hardware))


@lru_cache(maxsize=1024)
def transform(batch: int, sample_mb: float, cpu_gbps: float, step_ms: float):
    """TransformationModel result (wall 9): CPUs at ``cpu_gbps`` GB/s prepare a batch of ``batch`` samples
    of ``sample_mb`` MB while the accelerator computes a step of ``step_ms`` ms.

    T_transform = B·S / C;  T_step = max(T_transform, T_accel) (overlapped);  busy = T_accel / T_step.
    """
    from mlsysim_core import Q_, TransformationModel

    return TransformationModel().solve(batch_size=batch, sample_size=Q_(sample_mb, "MB"),
                                       cpu_throughput=Q_(cpu_gbps, "GB/s"),
                                       accelerator_step_time=Q_(step_ms, "ms"))


def busy_percent(result) -> float:
    """The accelerator's busy share of a TransformationModel result, in % (T_accel / T_step)."""
    from mlsysim_core import Q_
    from mlsys_labs.charts import magnitude

    return magnitude(Q_(result.accelerator_utilization, ""), "%")


@lru_cache(maxsize=256)
def data_paths(hardware: str, samples_per_s: float, sample_mb: float) -> tuple:
    """Chart rows (GB/s) of wall 8: the demand, then each supply path of ``hardware`` (storage, host link)."""
    from mlsys_labs.charts import magnitude

    r = ingest(hardware, samples_per_s, sample_mb)
    return ({"path": "demand", "GB/s": magnitude(r.demand_bw, "GB/s")},
            {"path": "storage (NVMe)", "GB/s": magnitude(r.storage_bw, "GB/s")},
            {"path": "host link (PCIe)", "GB/s": magnitude(r.host_link_bw, "GB/s")})


@lru_cache(maxsize=256)
def cpu_sweep(batch: int, sample_mb: float, step_ms: float) -> tuple:
    """Chart rows of wall 9: accelerator busy (%) against CPU throughput over ``CPU_SWEEP_GBPS`` (GB/s),
    for a fixed batch, sample size and accelerator step (the CPU slider only moves the marker)."""
    return tuple({"cpu": c, "busy": busy_percent(transform(batch, sample_mb, c, step_ms))} for c in CPU_SWEEP_GBPS)


def _data(v):
    return ingest(v["hardware"], v["samples_per_s"], v["sample_mb"])


def _transform(v):
    return transform(v["batch"], v["sample_mb"], v["cpu_gbps"], v["step_ms"])


LAB = LabSpec(
    id="04_data_pipeline",
    title="04 · Feeding the beast: the data pipeline",
    version="1",
    walls=(8, 9),
    minutes=35,
    summary="Storage, the host link and CPU preprocessing must keep up, or the fastest GPU waits for data.",
    variant_space={
        "hardware": ("H100", "A100", "L4"),
        "samples_per_s": (2000, 5000, 12000),
        "sample_mb": (0.5, 1.0, 2.0),
        "batch": (128, 256, 512),
        "cpu_gbps": (2.0, 4.0, 8.0),
        "step_ms": (150, 250, 400),
    },
    questions=(
        Question(
            id="q_rho",
            prompt="A {hardware} trains on {samples_per_s} samples/s of {sample_mb} MB each. What is the ingestion "
                   "utilization ρ = demand / supply? (a plain number)",
            unit="", expected=lambda v: _data(v).utilization, rel_tol=0.02,
            explain="ρ = BW_demand / min(BW_storage, BW_host).",
        ),
        Question(
            id="q_stalled",
            prompt="Is that data path stalled (ρ > 1) or does it keep up?",
            kind="choice", choices=("stalled", "keeps up"),
            expected=lambda v: "stalled" if _data(v).is_stalled else "keeps up",
        ),
        Question(
            id="q_transform",
            prompt="The CPUs preprocess at {cpu_gbps} GB/s. How long does it take to prepare one batch of {batch} "
                   "samples of {sample_mb} MB?",
            unit="ms", expected=lambda v: _transform(v).transform_time, rel_tol=0.02,
        ),
        Question(
            id="q_step",
            prompt="The accelerator needs {step_ms} ms per step. What is the effective step time with "
                   "preprocessing overlapped?",
            unit="ms", expected=lambda v: _transform(v).effective_step_time, rel_tol=0.02,
            explain="T_step = max(T_transform, T_accel): overlap hides the faster of the two.",
        ),
    ),
)
