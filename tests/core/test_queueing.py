"""physics.queueing: Erlang C (log space), wait quantiles, Kingman, M/D/1 — hand-derived values."""

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mlsysim_core.physics import queueing as q


def test_erlang_c_textbook_values():
    # M/M/1: P_wait = ρ
    assert q.erlang_c(1, 0.7) == pytest.approx(0.7)
    # c = 2, a = 1 (ρ = 0.5): [a²/2!·1/(1−ρ)] / [1 + a + a²/2!·1/(1−ρ)] = 1 / (1 + 1 + 1) = 1/3
    assert q.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # c = 3, a = 2: T = 8/6·3 = 4; Σ = 1 + 2 + 2 = 5 → 4/9
    assert q.erlang_c(3, 2.0) == pytest.approx(4 / 9)


def test_erlang_c_edges():
    assert q.erlang_c(4, 0.0) == 0.0
    assert q.erlang_c(4, 4.0) == 1.0 and q.erlang_c(4, 9.0) == 1.0
    with pytest.raises(ValueError):
        q.erlang_c(0, 1.0)


def test_erlang_c_large_c_no_overflow():
    # a^c/c! overflows floats for c = 2000 in linear space; log space stays finite
    for c, a in [(1000, 900.0), (2000, 1990.0), (5000, 100.0), (100_000, 99_000.0), (3, 1e-300)]:
        p = q.erlang_c(c, a)
        assert 0.0 <= p <= 1.0 and math.isfinite(p)
        assert p == pytest.approx(q.erlang_c_recurrence(c, a), rel=1e-9, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(c=st.integers(1, 300), rho=st.floats(0.001, 0.999))
@example(c=300, rho=0.999)  # near saturation, many servers
def test_log_space_matches_recurrence(c, rho):
    a = rho * c
    assert q.erlang_c(c, a) == pytest.approx(q.erlang_c_recurrence(c, a), rel=1e-9, abs=1e-15)


def test_wait_quantile():
    # P(W > t) = P_wait·e^{−r t}: P_wait = 0.5, r = 5/s → t_0.01 = ln(50)/5
    assert q.wait_quantile(0.01, 0.5, 5.0) == pytest.approx(math.log(50) / 5)
    assert q.wait_quantile(0.5, 0.5, 5.0) == 0.0  # tail does not reach the median
    assert q.wait_quantile(0.01, 0.005, 5.0) == 0.0
    assert math.isinf(q.wait_quantile(0.01, 1.0, 0.0))


def test_kingman_factor():
    assert q.kingman_factor(1.0) == 1.0  # exponential service
    assert q.kingman_factor(0.0) == 0.5  # deterministic
    assert q.kingman_factor(2.0) == 2.5


def test_mmc_waits_and_upstream_helper():
    # M/M/1 λ = 5, μ = 10: ρ = 0.5, E[Wq] = ρ/(μ−λ) = 0.1 s, P99 = ln 50 / 5
    w = q.mmc_waits(5.0, 10.0, 1)
    assert w.rho == pytest.approx(0.5) and w.mean_wait == pytest.approx(0.1)
    assert w.p99_wait == pytest.approx(math.log(50) / 5) and w.p50_wait == 0.0
    assert q.calc_queue_latency_mmc(5.0, 10.0, 1) == pytest.approx((0.5, 0.0, math.log(50) / 5))
    # unstable and degenerate
    assert q.calc_queue_latency_mmc(20.0, 10.0, 1) == (1.0, math.inf, math.inf)
    assert q.calc_queue_latency_mmc(1.0, 0.0, 4) == (1.0, math.inf, math.inf)
    z = q.mmc_waits(0.0, 10.0, 3)
    assert z.p99_wait == 0.0 and z.rho == 0.0
    u = q.mmc_waits(30.0, 10.0, 2)
    assert u.rho == pytest.approx(1.5) and math.isinf(u.mean_wait)


def test_md1():
    # λ = 0.5, μ = 1: ρ = 0.5 → W = 0.5/(2·1·0.5) = 0.5; L_q = 0.25/(2·0.5) = 0.25
    assert q.md1_wait(0.5, 1.0) == pytest.approx(0.5)
    assert q.md1_queue_length(0.5, 1.0) == pytest.approx(0.25)
    # per-day units: λ = 2 jobs/day, μ = 4 jobs/day: ρ = 0.5 → W = 0.5/(8·0.5) = 0.125 day
    assert q.md1_wait(2.0, 4.0) == pytest.approx(0.125)
    # M/D/1 waits are half of M/M/1: ρ/(μ−λ) = 0.5/0.5 = 1.0 vs 0.5
    assert q.md1_wait(0.5, 1.0) == pytest.approx(0.5 * q.mmc_waits(0.5, 1.0, 1).mean_wait)
    assert math.isinf(q.md1_wait(1.0, 1.0)) and math.isinf(q.md1_queue_length(2.0, 1.0))
    assert math.isinf(q.md1_wait(1.0, 0.0)) and math.isinf(q.md1_queue_length(1.0, 0.0))


@settings(max_examples=200, deadline=None)
@given(lam=st.floats(0.0, 100.0), mu=st.floats(0.1, 50.0), c=st.integers(1, 40), cv=st.floats(0, 3))
@example(lam=10.0, mu=10.0, c=1, cv=1.0)  # ρ = 1 exactly
def test_waits_ordered_and_more_servers_help(lam, mu, c, cv):
    w = q.mmc_waits(lam, mu, c, cv)
    assert w.p99_wait >= w.p50_wait >= 0.0
    assert 0.0 <= w.p_wait <= 1.0
    w2 = q.mmc_waits(lam, mu, c + 1, cv)
    assert w2.p99_wait <= w.p99_wait * (1 + 1e-9) or math.isinf(w.p99_wait)
    assert w2.p_wait <= w.p_wait + 1e-12
