"""Lab 03 — tail latency and the batching optimizer (wall 7). Expected values from mlsysim_core only."""

from __future__ import annotations

from functools import lru_cache

from mlsys_labs.questions import LabSpec, Question


@lru_cache(maxsize=2048, typed=True)
def tail(qps: float, service_ms: float, replicas: int, slo_ms: float):
    """TailLatencyModel result of ``replicas`` M/M/c servers at ``qps`` requests/s, ``service_ms`` mean service
    time and a P99 SLO of ``slo_ms`` (cached by these values: a batch of students shares the solves)."""
    from mlsysim_core import Q_, TailLatencyModel

    return TailLatencyModel().solve(arrival_rate=Q_(qps, "request/s"), service_latency=Q_(service_ms, "ms"),
                                    num_replicas=replicas, slo_latency=Q_(slo_ms, "ms"))


@lru_cache(maxsize=256, typed=True)
def min_replicas(qps: float, service_ms: float, slo_ms: float) -> int:
    """The fewest replicas (1 … 256) whose P99 meets the SLO."""
    for c in range(1, 257):
        if tail(qps, service_ms, c, slo_ms).meets_slo:
            return c
    raise ValueError("no replica count up to 256 meets the SLO")


def _tail(v, replicas=None):
    return tail(v["qps"], v["service_ms"], replicas or v["replicas"], v["slo_ms"])


def _min_replicas(v):
    return min_replicas(v["qps"], v["service_ms"], v["slo_ms"])


LAB = LabSpec(
    id="03_tail_latency",
    title="03 · Tail latency and batching",
    version="1",
    walls=(7,),
    minutes=40,
    summary="Queues make the slowest 1 % of users wait far longer than the average: size the fleet for P99.",
    variant_space={
        "qps": (150, 200, 250),
        "service_ms": (20, 25, 30),
        "replicas": (8, 10, 12),
        # P99 of the response time is ≥ ln(100) ≈ 4.6 × the mean service time with exponential service, so every
        # SLO is above 4.6 × 30 ms: a large enough fleet can always meet it
        "slo_ms": (150, 200, 250),
    },
    questions=(
        Question(
            id="q_rho",
            prompt="{qps} requests/s arrive at {replicas} replicas that each take {service_ms} ms per request on average. "
                   "What is the utilization ρ? (a fraction or a percentage)",
            unit="", expected=lambda v: _tail(v).utilization, rel_tol=0.01,
            explain="ρ = λ / (c · μ) with μ = 1 / t_service.",
        ),
        Question(
            id="q_p99",
            prompt="What is the P99 latency of that system (service + queueing)?",
            unit="ms", expected=lambda v: _tail(v).p99_latency, rel_tol=0.03,
            hint="If ρ ≥ 1 the queue is unstable; otherwise use Erlang C for the wait and add the random service time: "
                 "P99 is the 99th percentile of the response time (wait + service), not service + P99 wait.",
        ),
        Question(
            id="q_min_replicas",
            prompt="What is the smallest number of replicas that keeps P99 within a {slo_ms} ms SLO? (a count)",
            unit="", expected=lambda v: _min_replicas(v), rel_tol=0.0, abs_tol="0.5",
        ),
    ),
)
