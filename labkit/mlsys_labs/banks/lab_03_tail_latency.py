"""Lab 03 — tail latency and the batching optimizer (wall 7). Expected values from mlsysim_core only.

The helpers take plain arguments (zoo keys as strings, numbers): the lab notebook calls them with its
widgets' values, and the questions below call the same functions, so each number has one source. The
utilization sweep (the hockey stick) is cached by its inputs, so moving the arrival-rate or SLO slider only
moves the chart's marker and threshold.
"""

from __future__ import annotations

from functools import lru_cache

from mlsys_labs.questions import LabSpec, Question

#: the models and accelerators of part B's controls (zoo keys)
BO_MODELS = ("Llama3_8B", "Llama2_13B", "Llama2_7B")
BO_HARDWARE = ("H100", "A100", "L4", "MI300X")
#: part B's fixed request shape and search range
BO_SEQ_LEN = 2048
BO_OUTPUT_TOKENS = 128
BO_MAX_BATCH = 64
#: the hockey-stick chart samples utilization ρ = k / RHO_STEPS for k = 1 … RHO_STEPS − 1
RHO_STEPS = 50


@lru_cache(maxsize=2048)
def tail(qps: float, service_ms: float, replicas: int, slo_ms: float | None = None):
    """TailLatencyModel result: M/M/c queue of ``replicas`` servers, ``qps`` arrivals/s, mean service
    ``service_ms``.

    ρ = λ / (c·μ) with μ = 1 / t_service; P(wait) = Erlang C(c, λ/μ); P99 = the 99th percentile of the
    response time (wait + exponential service); meets_slo ⇔ stable and P99 ≤ ``slo_ms``.
    """
    from mlsysim_core import Q_, TailLatencyModel

    return TailLatencyModel().solve(arrival_rate=Q_(qps, "request/s"), service_latency=Q_(service_ms, "ms"),
                                    num_replicas=replicas,
                                    slo_latency=Q_(slo_ms, "ms") if slo_ms is not None else None)


def capacity_qps(service_ms: float, replicas: int) -> float:
    """Arrival rate at ρ = 1: c·μ = replicas / t_service, in requests/s."""
    from mlsys_labs.charts import magnitude
    from mlsysim_core import Q_

    return magnitude(Q_(replicas, "request") / Q_(service_ms, "ms"), "request/s")


def p99_wait_ratio(rho_high: float = 0.9, rho_low: float = 0.5, replicas: int = 4, service_ms: float = 20.0) -> float:
    """P99 queueing wait at utilization ``rho_high`` over the wait at ``rho_low`` (same replicas and service);
    the arrival rate at utilization ρ is ρ·c·μ."""
    cap = capacity_qps(service_ms, replicas)
    hi, lo = tail(rho_high * cap, service_ms, replicas).p99_wait, tail(rho_low * cap, service_ms, replicas).p99_wait
    return float((hi / lo).to("").magnitude)


@lru_cache(maxsize=64)
def hockey_stick(service_ms: float, replicas: int) -> tuple:
    """P50 and P99 latency (ms) at utilization ρ = k/RHO_STEPS, k = 1 … RHO_STEPS − 1 (λ = ρ·c·μ): long-format
    rows ``{"rho", "ms", "percentile"}`` for ``charts.sweep``."""
    cap = capacity_qps(service_ms, replicas)
    rows = []
    for k in range(1, RHO_STEPS):
        r = tail(cap * k / RHO_STEPS, service_ms, replicas).to_row()
        rows += [{"rho": k / RHO_STEPS, "ms": r["p50_latency"], "percentile": "P50"},
                 {"rho": k / RHO_STEPS, "ms": r["p99_latency"], "percentile": "P99"}]
    return tuple(rows)


@lru_cache(maxsize=64)
def best_batch(model: str, hardware: str, qps: float, sla_s: float):
    """BatchingOptimizer result: the largest max batch b ≤ BO_MAX_BATCH whose P99 meets ``sla_s`` at ``qps``
    arrivals/s, each request a BO_SEQ_LEN-token context answered with BO_OUTPUT_TOKENS tokens.

    Service time T(b) = TTFT(1) + n_out · ITL(b); queue M/M/c with c = b slots; feasible ⇔ fits, stable,
    P99 ≤ SLA.
    """
    from mlsysim_core import BatchingOptimizer, Hardware, Models, Q_

    return BatchingOptimizer().solve(model=Models.get(model), hardware=Hardware.get(hardware), seq_len=BO_SEQ_LEN,
                                     sla_latency=Q_(sla_s, "s"), arrival_rate_qps=qps,
                                     output_tokens=BO_OUTPUT_TOKENS, max_search_batch=BO_MAX_BATCH)


def batch_rows(model: str, hardware: str, qps: float, sla_s: float) -> list[dict]:
    """P99 (s) of every stable candidate batch of ``best_batch(...)``: rows for ``charts.sweep``."""
    from mlsys_labs.charts import magnitude
    from mlsysim_core import Q_

    return [{"batch": c["batch_size"], "p99_s": magnitude(Q_(c["p99_ms"], "ms"), "s")}
            for c in best_batch(model, hardware, qps, sla_s).candidates if c["p99_ms"] != float("inf")]


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
