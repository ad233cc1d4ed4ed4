"""Question bank of lab 13 — efficiency, multi-tenancy and privacy (walls 3, 16, 20).

Three taxes on the peak number: software efficiency (EfficiencyModel: how much of peak a kernel class
reaches, and what FlashAttention recovers), sharing (OrchestrationModel: M/D/1 queueing for a shared
cluster) and responsibility (ResponsibleEngineeringModel: DP-SGD slowdown ≈ 1 + 2/ε, and the data a
rare subgroup needs).
"""

from __future__ import annotations

from functools import lru_cache

from mlsysim_core import (EfficiencyModel, Hardware, OrchestrationModel, Q_, ResponsibleEngineeringModel,
                          Systems)

from ..questions import LabSpec, Question

PRECISION = "fp16"
CLUSTER = "Lab_64_H100"
KERNELS = ("attention", "ffn", "conv", "other")


@lru_cache(maxsize=1024, typed=True)
def efficiency(hardware: str, kernel: str = "attention", flash: bool = False, eta: float = 0.5):
    return EfficiencyModel().solve(hardware=Hardware.get(hardware), workload_type=kernel,
                                   use_flash_attention=flash, precision=PRECISION, efficiency=eta)


@lru_cache(maxsize=1024, typed=True)
def flash_gain(hardware: str, eta: float) -> float:
    """FlashAttention speed-up of attention kernels: achievable FLOP/s with ÷ without."""
    on = efficiency(hardware, "attention", True, eta)
    off = efficiency(hardware, "attention", False, eta)
    return float((on.achievable_flops / off.achievable_flops).to("").magnitude)


@lru_cache(maxsize=1024, typed=True)
def queue(jobs_per_day: float, job_days: float, cluster: str = CLUSTER):
    return OrchestrationModel().solve(fleet=Systems.Clusters.get(cluster), arrival_rate_jobs_per_day=jobs_per_day,
                                      avg_job_duration_days=job_days)


@lru_cache(maxsize=1024, typed=True)
def privacy(base_hours: float, epsilon: float, prevalence: float = 0.01):
    return ResponsibleEngineeringModel().solve(base_training_time=Q_(base_hours, "hour"), epsilon=epsilon,
                                               min_subgroup_prevalence=prevalence)


LAB = LabSpec(
    id="13_efficiency_tenancy_privacy",
    title="13 · Efficiency, multi-tenancy and privacy: the taxes on peak",
    version="1",
    walls=(3, 16, 20),
    minutes=45,
    summary="Peak FLOP/s is never what a job gets: kernels reach a fraction of it, shared clusters make jobs "
            "queue, and differential privacy multiplies training time.",
    variant_space={
        "hardware": ("H100", "A100", "B200", "MI300X"),
        "eta": (0.4, 0.5, 0.6),
        "jobs_per_day": (0.5, 1.0, 2.0, 3.0),
        "job_days": (0.2, 0.25, 0.3),
        "epsilon": (0.5, 1.0, 2.0, 4.0, 8.0),
        "base_hours": (100, 240, 720),
        "prevalence": (0.005, 0.01, 0.02, 0.05),
    },
    questions=(
        Question(
            id="q_flash",
            prompt="Your framework reaches η = {eta} of peak on ordinary GEMMs. What attention throughput does the "
                   "{hardware} (fp16) achieve with FlashAttention? (e.g. 740 TFLOP/s)",
            unit="TFLOP/s", expected=lambda v: efficiency(v["hardware"], "attention", True, v["eta"]).achievable_flops,
            rel_tol=0.02,
            explain="attention + FlashAttention: η' = min(0.75·η/0.5, 0.85); achievable = Peak·η'.",
        ),
        Question(
            id="q_flash_gain",
            prompt="How many times faster are attention kernels with FlashAttention than without, at η = {eta}? "
                   "(a ratio)",
            unit="", expected=lambda v: flash_gain(v["hardware"], v["eta"]), rel_tol=0.02,
            explain="Naive attention is memory-bound on the S×S score matrix: η' = 0.30·η/0.5; tiling keeps it in SRAM.",
        ),
        Question(
            id="q_wait",
            prompt="A shared 64-GPU cluster runs one job at a time. Jobs arrive at {jobs_per_day} per day (Poisson) "
                   "and each holds the cluster for {job_days} days. How long does a job wait in the queue on "
                   "average? (e.g. 1.5 h)",
            unit="hour", expected=lambda v: queue(v["jobs_per_day"], v["job_days"]).avg_wait_time, rel_tol=0.02,
            explain="M/D/1: ρ = λ·D, W_q = ρ / (2μ(1 − ρ)) — it explodes as ρ → 1.",
        ),
        Question(
            id="q_dp_time",
            prompt="A model takes {base_hours} h to train. With DP-SGD at ε = {epsilon}, how long does training take "
                   "(central estimate)? (e.g. 720 h)",
            unit="hour", expected=lambda v: privacy(v["base_hours"], v["epsilon"]).effective_training_time,
            rel_tol=0.02,
            explain="slowdown ≈ 1 + 2/ε (a rule of thumb; the model reports the range 1 + 1/ε … 1 + 4/ε).",
        ),
        Question(
            id="q_data",
            prompt="Fairness: the smallest subgroup is {prevalence} of the data. How many times more data must you "
                   "collect to see it as often as a balanced subgroup? (a ratio)",
            unit="", expected=lambda v: privacy(v["base_hours"], v["epsilon"], v["prevalence"]).additional_data_factor,
            rel_tol=0.02,
            explain="data factor = 1 / p_min.",
        ),
    ),
)
