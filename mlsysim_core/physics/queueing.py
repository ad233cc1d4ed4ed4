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
* Response time R = W + S (Gross & Harris, Fundamentals of Queueing Theory, §2.3 for M/M/c). With exponential
  service (rate μ) and the wait above (atom 1 − P_wait at 0, Exp(δ) tail, δ = cμ − λ), W and S are independent and

      P(R > t) = (1 − P_wait)·e^{−μt} + P_wait·(δ·e^{−μt} − μ·e^{−δt})/(δ − μ)      (δ ≠ μ)
               = (1 − P_wait)·e^{−μt} + P_wait·(1 + μt)·e^{−μt}                    (δ = μ)

  exact for M/M/c. Other service-time variability (coefficient of variation cv ≠ 1) uses a documented
  approximation: the wait keeps its Erlang-C atom with the Allen–Cunneen/Kingman-scaled mean (δ' = δ/((1+cv²)/2)),
  and S is replaced by a distribution with the same mean and variance built from exponentials —
  cv < 1: a shift (1 − cv)/μ plus Exp(μ/cv) (cv = 0: deterministic); cv > 1: a balanced-means two-phase
  hyperexponential (Whitt 1982: p₁ = ½(1 + √((cv²−1)/(cv²+1))), μᵢ = 2pᵢμ) — so the CCDF stays a closed-form sum
  of the exponential-pair terms above and the percentile is found by bisection.
* M/D/1-style mean wait (used for cluster queues, wall 16): W = ρ/(2μ(1−ρ)), L_q = ρ²/(2(1−ρ)).

Unstable queues (ρ ≥ 1, or μ = 0) return ``math.inf`` waits — never raise.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = [
    "MMCWaits",
    "MMCResponse",
    "mmc_response",
    "erlang_c",
    "erlang_c_recurrence",
    "wait_quantile",
    "kingman_factor",
    "mmc_waits",
    "calc_queue_latency_mmc",
    "md1_wait",
    "md1_queue_length",
    "response_ccdf",
    "response_quantile",
    "service_phases",
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


class MMCResponse(NamedTuple):
    rho: float
    p_wait: float
    mean_wait: float
    p50_wait: float
    p99_wait: float
    mean_response: float
    p50_response: float
    p99_response: float


def mmc_response(lam: float, mu: float, c: int, cv: float = 1.0) -> MMCResponse:
    """:func:`mmc_waits` plus the mean, median and 99th percentile of the response time R = W + S
    (:func:`response_quantile`; exact for cv = 1, the documented two-moment approximation otherwise).
    Unstable → infinite waits and responses."""
    w = mmc_waits(lam, mu, c, cv)
    if not math.isfinite(w.p99_wait):
        return MMCResponse(*w, INF, INF, INF)
    ts = 1.0 / mu
    if w.p_wait == 0.0:
        drain = INF
    else:
        drain = (c * mu - lam) / kingman_factor(cv)
    if math.isinf(drain):  # no queueing: R = S
        p50 = response_quantile(0.5, 0.0, 1.0, mu, cv)
        p99 = response_quantile(0.01, 0.0, 1.0, mu, cv)
    else:
        p50 = response_quantile(0.5, w.p_wait, drain, mu, cv)
        p99 = response_quantile(0.01, w.p_wait, drain, mu, cv)
    return MMCResponse(*w, ts + w.mean_wait, p50, p99)


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


def service_phases(mu: float, cv: float) -> tuple[float, tuple[tuple[float, float], ...]]:
    """(shift, ((p_i, rate_i), …)): a service time with mean 1/μ and coefficient of variation ``cv`` written as
    shift + a mixture of exponentials. cv = 1 → Exp(μ); cv < 1 → (1−cv)/μ + Exp(μ/cv); cv = 0 → the constant
    1/μ; cv > 1 → balanced-means H2 (p₁ = ½(1 + √((cv²−1)/(cv²+1))), μ₁ = 2p₁μ, μ₂ = 2p₂μ)."""
    if cv == 1.0:
        return 0.0, ((1.0, mu),)
    if cv < 1.0:
        if cv == 0.0:
            return 1.0 / mu, ()
        return (1.0 - cv) / mu, ((1.0, mu / cv),)
    c2 = cv * cv
    p1 = 0.5 * (1.0 + math.sqrt((c2 - 1.0) / (c2 + 1.0)))
    p2 = 1.0 - p1
    return 0.0, ((p1, 2.0 * p1 * mu), (p2, 2.0 * p2 * mu))


def _exp_pair_ccdf(rate_s: float, rate_w: float, x: float) -> float:
    """P(X + Y > x) for independent X ~ Exp(rate_s), Y ~ Exp(rate_w)."""
    if abs(rate_w - rate_s) <= 1e-12 * max(rate_w, rate_s):
        return (1.0 + rate_s * x) * math.exp(-rate_s * x)
    return (rate_w * math.exp(-rate_s * x) - rate_s * math.exp(-rate_w * x)) / (rate_w - rate_s)


def response_ccdf(t: float, p_wait: float, drain_rate: float, mu: float, cv: float = 1.0) -> float:
    """P(R > t), R = W + S: W has an atom 1 − p_wait at 0 and an Exp(drain_rate) tail, S as :func:`service_phases`
    (exact for M/M/c with cv = 1 and drain_rate = cμ − λ; see the module note for cv ≠ 1)."""
    shift, phases = service_phases(mu, cv)
    x = t - shift
    if x < 0.0:
        return 1.0
    if not phases:  # deterministic service: only the wait is random
        return p_wait * math.exp(-drain_rate * x)
    total = 0.0
    for p, rate in phases:
        total += p * ((1.0 - p_wait) * math.exp(-rate * x) + p_wait * _exp_pair_ccdf(rate, drain_rate, x))
    return total


def response_quantile(q: float, p_wait: float, drain_rate: float, mu: float, cv: float = 1.0) -> float:
    """t with P(R > t) = q (e.g. q = 0.01 → P99 of the response time) by bisection on the monotone CCDF;
    ∞ for an unstable queue (drain_rate ≤ 0)."""
    if drain_rate <= 0.0 or mu <= 0.0:
        return INF
    lo, hi = 0.0, max(1.0 / mu, 1.0 / drain_rate)
    while response_ccdf(hi, p_wait, drain_rate, mu, cv) > q:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if response_ccdf(mid, p_wait, drain_rate, mu, cv) > q:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return 0.5 * (lo + hi)
