"""Queueing formulas on plain floats (rates in 1/s, times in s).

* M/M/c (Erlang C, A. K. Erlang 1917): with offered load a = λ/μ and utilisation ρ = a/c < 1,

      P_wait = [a^c / (c!·(1−ρ))] / [Σ_{k<c} a^k/k! + a^c / (c!·(1−ρ))]

  evaluated in log space (terms normalised by the largest one, lgamma for its magnitude) so c in the
  thousands neither overflows nor underflows.
  The wait of a queued request is exponential with rate cμ − λ, so

      P(W > t) = P_wait·e^{−(cμ−λ)t},   t_q = ln(P_wait/q)/(cμ−λ) if P_wait > q else 0,
      E[W] = P_wait/(cμ − λ).

* Kingman's approximation (Kingman 1961) for general service times with Poisson arrivals scales
  waits by (c_a² + c_s²)/2 = (1 + cv²)/2.
* M/D/1-style mean wait (used for cluster queues, wall 16): W = ρ/(2μ(1−ρ)), L_q = ρ²/(2(1−ρ)).

Unstable queues (ρ ≥ 1, or μ = 0) return ``math.inf`` waits — never raise.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = [
    "MMCWaits",
    "erlang_c",
    "erlang_c_recurrence",
    "wait_quantile",
    "kingman_factor",
    "mmc_waits",
    "calc_queue_latency_mmc",
    "md1_wait",
    "md1_queue_length",
]

INF = math.inf


def erlang_c(c: int, a: float) -> float:
    """P(an arrival waits) in M/M/c with ``c`` servers and offered load ``a = λ/μ`` (needs a < c).

    Log space: T_k = a^k/k!. The sum Σ_{k<c} T_k is taken relative to its largest term T_m
    (m = min(⌊a⌋, c−1), log T_m = m·ln a − lgamma(m+1)) by walking ratios T_{k−1}/T_k = k/a ≤ 1 down and
    T_{k+1}/T_k = a/(k+1) < 1 up from the mode (stopping once terms are < 1e-17 of the sum), so nothing
    overflows or underflows for c in the thousands; log T_c' = c·ln a − lgamma(c+1) − ln(1−ρ) and
    P_wait = 1/(1 + exp(log Σ − log T_c')). Returns 1.0 for an unstable system (a ≥ c), 0.0 for a = 0.
    """
    if c < 1:
        raise ValueError("c must be ≥ 1")
    if a <= 0.0:
        return 0.0
    if a >= c:
        return 1.0
    rho = a / c
    la = math.log(a)
    m = min(int(a), c - 1)
    total = 1.0
    r = 1.0
    for k in range(m, 0, -1):  # T_{k-1}/T_k = k/a
        r *= k / a
        total += r
        if r < 1e-17 * total:
            break
    r = 1.0
    for k in range(m + 1, c):  # T_k/T_{k-1} = a/k
        r *= a / k
        total += r
        if r < 1e-17 * total:
            break
    log_sum = m * la - math.lgamma(m + 1.0) + math.log(total)
    log_tc = c * la - math.lgamma(c + 1.0) - math.log1p(-rho)
    x = log_sum - log_tc
    p = 0.0 if x > 700.0 else 1.0 / (1.0 + math.exp(x))
    return min(1.0, max(0.0, p))


def erlang_c_recurrence(c: int, a: float) -> float:
    """Same quantity via the Erlang-B recurrence B_k = a·B_{k−1}/(k + a·B_{k−1}),
    C = B_c / (1 − ρ(1 − B_c)). Independent oracle for tests."""
    if a <= 0.0:
        return 0.0
    if a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def wait_quantile(q: float, p_wait: float, drain_rate: float) -> float:
    """t such that P(W > t) = q for W with an atom P(W=0)=1−p_wait and an Exp(drain_rate) tail.

    ``drain_rate`` = cμ − λ. 0 if p_wait ≤ q (the q-tail does not reach into the queue)."""
    if drain_rate <= 0.0:
        return INF
    if p_wait <= q:
        return 0.0
    return math.log(p_wait / q) / drain_rate


def kingman_factor(cv: float) -> float:
    """(c_a² + c_s²)/2 with Poisson arrivals (c_a = 1) and service-time coefficient of variation ``cv``:
    1 for exponential service, 1/2 for deterministic service (Kingman 1961)."""
    return (1.0 + cv * cv) / 2.0


class MMCWaits(NamedTuple):
    rho: float
    p_wait: float
    mean_wait: float
    p50_wait: float
    p99_wait: float


def mmc_waits(lam: float, mu: float, c: int, cv: float = 1.0) -> MMCWaits:
    """Utilisation, P(wait), mean/P50/P99 queueing delay [s] for M/M/c, Kingman-scaled by (1+cv²)/2.

    Unstable (λ ≥ cμ or μ ≤ 0) → (ρ, 1, ∞, ∞, ∞) with ρ = λ/(cμ) (∞ when μ = 0)."""
    if mu <= 0.0:
        return MMCWaits(INF, 1.0, INF, INF, INF)
    rho = lam / (c * mu)
    if rho >= 1.0:
        return MMCWaits(rho, 1.0, INF, INF, INF)
    if lam <= 0.0:
        return MMCWaits(0.0, 0.0, 0.0, 0.0, 0.0)
    pw = erlang_c(c, lam / mu)
    drain = c * mu - lam
    k = kingman_factor(cv)
    return MMCWaits(
        rho,
        pw,
        k * pw / drain,
        k * wait_quantile(0.5, pw, drain),
        k * wait_quantile(0.01, pw, drain),
    )


def calc_queue_latency_mmc(lam: float, mu: float, c: int) -> tuple[float, float, float]:
    """Upstream-named helper: (ρ, P50 wait, P99 wait) [s] for M/M/c; unstable → (1.0, ∞, ∞)."""
    w = mmc_waits(lam, mu, c)
    if not math.isfinite(w.p99_wait):
        return 1.0, INF, INF
    return w.rho, w.p50_wait, w.p99_wait


def md1_wait(lam: float, mu: float) -> float:
    """Mean queueing delay W = ρ/(2μ(1−ρ)) [s] (Pollaczek–Khinchine with deterministic service);
    ∞ when ρ = λ/μ ≥ 1. Rates in any consistent unit (1/s → seconds, 1/day → days)."""
    if mu <= 0.0:
        return INF
    rho = lam / mu
    if rho >= 1.0:
        return INF
    return rho / (2.0 * mu * (1.0 - rho))


def md1_queue_length(lam: float, mu: float) -> float:
    """Mean number waiting L_q = ρ²/(2(1−ρ)); ∞ when ρ ≥ 1."""
    if mu <= 0.0:
        return INF
    rho = lam / mu
    if rho >= 1.0:
        return INF
    return rho * rho / (2.0 * (1.0 - rho))
