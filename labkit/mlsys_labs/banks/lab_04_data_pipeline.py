"""Lab 04 — the data pipeline: ingestion and transformation (walls 8, 9). Values from mlsysim_core only."""

from __future__ import annotations

from mlsys_labs.questions import LabSpec, Question


def _data(v):
    from mlsysim_core import Q_, DataModel, Hardware

    rate = Q_(v["samples_per_s"] * v["sample_mb"], "MB/s")
    return DataModel().solve(workload_data_rate=rate, hardware=Hardware.get(v["hardware"]))


def _transform(v):
    from mlsysim_core import Q_, TransformationModel

    return TransformationModel().solve(batch_size=v["batch"], sample_size=Q_(v["sample_mb"], "MB"),
                                       cpu_throughput=Q_(v["cpu_gbps"], "GB/s"),
                                       accelerator_step_time=Q_(v["step_ms"], "ms"))


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
