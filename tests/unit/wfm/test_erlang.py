"""Erlang B/C/A: textbook values, independent formulas, properties and a simulation."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.domain.errors import Invalid
from helpline.domain.wfm.erlang import (
    Staffing,
    agents_for_service_level,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    scheduled_agents,
)

# ----------------------------------------------------------------- independent formulas


def direct_erlang_b(n: int, a: float) -> float:
    """Textbook (A^n/n!) / Σ A^k/k!, fine in floats for small n."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return terms[-1] / sum(terms)


def direct_erlang_c(n: int, a: float) -> float:
    """Textbook (A^n/n! · n/(n-A)) / (Σ_{k<n} A^k/k! + A^n/n! · n/(n-A))."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def direct_erlang_a(
    n: int, lam: float, mu: float, theta: float, t: float, max_queue: int = 25
) -> dict[str, float]:
    """M/M/n+M by plain products and the distinct-rate hypoexponential formula.

    The offered wait V of a caller with j ahead is a sum of Exp(nμ + iθ), i = 0..j (all
    distinct); f_V = Σ c_i r_i e^{-r_i t}, c_i = Π_{l≠i} r_l / (r_l - r_i). Against the
    caller's own Exp(θ) patience: P(answered within T) = Σ c_i r_i/(r_i+θ)(1-e^{-(r_i+θ)T}),
    E[V; answered] = Σ c_i r_i/(r_i+θ)². Only valid while the queue rarely exceeds ~25.
    """
    weights = [1.0]
    for k in range(1, n + max_queue + 1):
        death = min(k, n) * mu + max(k - n, 0) * theta
        weights.append(weights[-1] * lam / death)
    total = sum(weights)
    p = [w / total for w in weights]
    answered = within = sum(p[:n])  # arrivals that find a free agent
    wait_answered = queue = 0.0
    for j in range(max_queue + 1):
        pk = p[n + j]
        rates = [n * mu + i * theta for i in range(j + 1)]
        for i, r in enumerate(rates):
            c = math.prod(rl / (rl - r) for li, rl in enumerate(rates) if li != i)
            answered += pk * c * r / (r + theta)
            within += pk * c * r / (r + theta) * (1 - math.exp(-(r + theta) * t))
            wait_answered += pk * c * r / (r + theta) ** 2
        queue += pk * j
    return {
        "prob_wait": sum(p[n:]),
        "abandon_rate": 1 - answered,
        "service_level": within,
        "asa": wait_answered / answered,
        "mean_wait": queue / lam,
    }


def simulate_mmn_m(
    n: int, lam: float, mu: float, theta: float, t: float, callers: int, seed: int
) -> dict[str, float]:
    """Seeded FCFS M/M/n+M simulation.

    Callers are taken in arrival order, so each one's offered wait is the earliest time
    a server is free (earlier callers already took theirs or gave up); if the caller's
    patience runs out first they abandon and leave the server free.
    """
    rng = random.Random(seed)
    free = [0.0] * n  # heap of the times each server next becomes free
    now = 0.0
    warmup = callers // 50
    abandoned = within = answered = waited = 0
    answered_wait = 0.0
    for i in range(callers + warmup):
        now += rng.expovariate(lam)
        patience = rng.expovariate(theta)
        wait = max(0.0, free[0] - now)
        counted = i >= warmup
        if wait > patience:
            if counted:
                abandoned += 1
                waited += 1
            continue
        heapq.heapreplace(free, now + wait + rng.expovariate(mu))
        if counted:
            answered += 1
            answered_wait += wait
            waited += wait > 0
            within += wait <= t
    return {
        "abandon_rate": abandoned / callers,
        "service_level": within / callers,
        "prob_wait": waited / callers,
        "asa": answered_wait / answered,
    }


# ----------------------------------------------------------------- Erlang B and C


def test_erlang_b_textbook_value() -> None:
    assert erlang_b(10, 5.0) == pytest.approx(0.018384570, abs=1e-8)
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(5, 0.0) == 0.0


def test_erlang_c_textbook_values() -> None:
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)
    # 200 calls/h at 180 s = 10 Erlangs on 11 agents: the classic 68.21 % chance of waiting.
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=1e-4)
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.5) == 1.0
    assert erlang_c(3, 0.0) == 0.0


@pytest.mark.parametrize(("n", "a"), [(1, 0.5), (2, 1.5), (10, 5.0), (30, 24.0), (60, 55.5)])
def test_erlang_b_and_c_match_direct_formulas(n: int, a: float) -> None:
    assert erlang_b(n, a) == pytest.approx(direct_erlang_b(n, a), rel=1e-10)
    assert erlang_c(n, a) == pytest.approx(direct_erlang_c(n, a), rel=1e-10)


def test_erlang_c_metrics_classic_example() -> None:
    # 200 calls/h, AHT 180 s (10 Erlangs), 80 % in 20 s: 13 agents give 79.6 %, 14 give 88.8 %.
    published = [(11, 0.3896, 122.78), (13, 0.7956, 17.12), (14, 0.8884, 7.84)]
    for n, expected_sl, expected_asa in published:
        s = erlang_c_metrics(n, 200, 180, 20)
        c = direct_erlang_c(n, 10.0)
        assert s.prob_wait == pytest.approx(c, rel=1e-10)
        assert s.service_level == pytest.approx(1 - c * math.exp(-(n - 10) * 20 / 180), rel=1e-10)
        assert s.service_level == pytest.approx(expected_sl, abs=1e-4)
        assert s.asa_seconds == pytest.approx(expected_asa, abs=0.01)
        assert s.occupancy == pytest.approx(10 / n)
        assert s.abandon_rate == 0.0
        assert s.model == "erlang_c"
    assert agents_for_service_level(200, 180, 0.8, 20).agents == 14


def test_erlang_c_metrics_360_calls_per_hour() -> None:
    # 360 calls/h × 240 s = 24 Erlangs, checked against the plain factorial formula.
    s = agents_for_service_level(360, 240, 0.8, 20)
    for n in (s.agents - 1, s.agents):
        c = direct_erlang_c(n, 24.0)
        sl = 1 - c * math.exp(-(n - 24) * 20 / 240)
        assert erlang_c_metrics(n, 360, 240, 20).service_level == pytest.approx(sl, rel=1e-10)
        assert (sl >= 0.8) == (n == s.agents)
    assert s.load == pytest.approx(24.0)


def test_unstable_erlang_c() -> None:
    s = erlang_c_metrics(15, 300, 180, 20)  # 15 Erlangs on 15 agents
    assert (s.service_level, s.asa_seconds, s.prob_wait, s.occupancy) == (0.0, math.inf, 1.0, 1.0)


def test_no_traffic() -> None:
    s = erlang_c_metrics(3, 0, 180, 20)
    assert (s.service_level, s.asa_seconds, s.occupancy, s.prob_wait) == (1.0, 0.0, 0.0, 0.0)
    assert agents_for_service_level(0, 180, 0.8, 20).agents == 0
    assert agents_for_service_level(0, 180, 0.8, 20, patience_seconds=60).agents == 0


# ----------------------------------------------------------------- Erlang A


@pytest.mark.parametrize(
    ("n", "cph", "aht", "patience", "t"),
    [(4, 3 * 3600, 1.0, 1.0, 0.3), (3, 2 * 3600, 1.0, 0.5, 1.0), (6, 360, 60.0, 30.0, 20.0)],
)
def test_erlang_a_matches_direct_hypoexponential_formula(
    n: int, cph: float, aht: float, patience: float, t: float
) -> None:
    s = erlang_a_metrics(n, cph, aht, patience, t)
    d = direct_erlang_a(n, cph / 3600, 1 / aht, 1 / patience, t)
    assert s.prob_wait == pytest.approx(d["prob_wait"], rel=1e-8)
    assert s.abandon_rate == pytest.approx(d["abandon_rate"], rel=1e-8)
    assert s.service_level == pytest.approx(d["service_level"], rel=1e-8)
    assert s.asa_seconds == pytest.approx(d["asa"], rel=1e-8)
    assert s.mean_wait_seconds == pytest.approx(d["mean_wait"], rel=1e-8)


@pytest.mark.parametrize(
    ("n", "lam", "patience", "t", "seed"),
    [(10, 9.5, 1.0, 0.2, 1), (5, 6.0, 2.0, 0.5, 2)],  # aht = 1 s; the second is overloaded
)
def test_erlang_a_matches_simulation(n: int, lam: float, patience: float, t: float, seed: int) -> None:
    s = erlang_a_metrics(n, lam * 3600, 1.0, patience, t)
    sim = simulate_mmn_m(n, lam, 1.0, 1 / patience, t, 200_000, seed)
    # Across seeds the simulated figures spread by ~0.003-0.006; allow about 3-4 sigma.
    assert s.abandon_rate == pytest.approx(sim["abandon_rate"], abs=0.012)
    assert s.service_level == pytest.approx(sim["service_level"], abs=0.02)
    assert s.prob_wait == pytest.approx(sim["prob_wait"], abs=0.02)
    assert s.asa_seconds == pytest.approx(sim["asa"], rel=0.06)
    assert s.abandon_rate > 0.1  # the check means something


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    c = erlang_c_metrics(10, 8 * 20, 180, 20)  # 8 Erlangs on 10 agents
    a = erlang_a_metrics(10, 8 * 20, 180, 1e8, 20)
    assert a.model == "erlang_a"
    assert a.abandon_rate < 1e-5
    for field in ("service_level", "asa_seconds", "prob_wait", "occupancy"):
        assert getattr(a, field) == pytest.approx(getattr(c, field), rel=1e-4)
    inf = erlang_a_metrics(10, 8 * 20, 180, math.inf, 20)
    assert inf.service_level == c.service_level


def test_erlang_a_needs_fewer_agents_than_erlang_c() -> None:
    c = agents_for_service_level(300, 180, 0.8, 20)
    a = agents_for_service_level(300, 180, 0.8, 20, patience_seconds=60)
    assert (c.agents, a.agents) == (19, 16)
    assert a.abandon_rate > 0


def test_erlang_a_stable_when_overloaded() -> None:
    s = erlang_a_metrics(10, 15 * 20, 180, 60, 20)  # 15 Erlangs on 10 agents
    assert 0.3 < s.abandon_rate < 1
    assert math.isfinite(s.asa_seconds)
    # Whatever is not abandoned is carried: occupancy = A(1 - abandoned)/n, and below 1.
    assert s.occupancy == pytest.approx(15 * (1 - s.abandon_rate) / 10, rel=1e-9)


# ----------------------------------------------------------------- large staffs


def test_large_staff_does_not_overflow() -> None:
    assert 0 < erlang_b(500, 480.0) < 1
    assert 0 < erlang_c(500, 480.0) < 1
    c = erlang_c_metrics(500, 480 * 20, 180, 20)
    a = erlang_a_metrics(500, 480 * 20, 180, 120, 20)
    for s in (c, a):
        assert all(math.isfinite(v) for v in (s.service_level, s.asa_seconds, s.occupancy))
        assert 0 < s.service_level < 1
    assert a.service_level > c.service_level
    big = agents_for_service_level(1000 * 20, 180, 0.8, 20)  # 1000 Erlangs
    assert 1000 < big.agents < 1100
    assert erlang_c_metrics(big.agents - 1, 1000 * 20, 180, 20).service_level < 0.8
    big_a = agents_for_service_level(1000 * 20, 180, 0.8, 20, patience_seconds=120, max_occupancy=0.97)
    assert big_a.occupancy <= 0.97
    assert erlang_c(2000, 1999.0) < 1


# ----------------------------------------------------------------- properties

loads = st.floats(min_value=0.2, max_value=40.0)
ahts = st.floats(min_value=10.0, max_value=600.0)
sls = st.floats(min_value=0.0, max_value=120.0)
patiences = st.floats(min_value=5.0, max_value=900.0)


@settings(max_examples=60, deadline=None)
@given(load=loads, aht=ahts, t=sls)
def test_erlang_c_more_agents_is_better(load: float, aht: float, t: float) -> None:
    cph = load * 3600 / aht
    n0 = math.floor(load) + 1
    runs = [erlang_c_metrics(n, cph, aht, t) for n in range(n0, n0 + 6)]
    for fewer, more in itertools.pairwise(runs):
        assert more.service_level >= fewer.service_level - 1e-12
        assert more.asa_seconds <= fewer.asa_seconds + 1e-9
        assert more.prob_wait <= fewer.prob_wait + 1e-12


@settings(max_examples=40, deadline=None)
@given(load=loads, aht=ahts, t=sls, patience=patiences)
def test_erlang_a_more_agents_is_better(load: float, aht: float, t: float, patience: float) -> None:
    cph = load * 3600 / aht
    n0 = max(1, math.floor(load) - 2)
    runs = [erlang_a_metrics(n, cph, aht, patience, t) for n in range(n0, n0 + 6)]
    for s in runs:
        # θ·E[queue]/λ is the abandonment fraction: two exact routes must agree.
        assert s.abandon_rate == pytest.approx(s.mean_wait_seconds / patience, rel=1e-7, abs=1e-10)
        assert s.occupancy == pytest.approx(load * (1 - s.abandon_rate) / s.agents, rel=1e-7)
        assert 0 <= s.service_level <= 1 - s.abandon_rate + 1e-10
    for fewer, more in itertools.pairwise(runs):
        assert more.service_level >= fewer.service_level - 1e-10
        assert more.asa_seconds <= fewer.asa_seconds + 1e-9
        assert more.abandon_rate <= fewer.abandon_rate + 1e-10


@settings(max_examples=40, deadline=None)
@given(
    load=loads,
    aht=ahts,
    t=sls,
    target=st.floats(min_value=0.05, max_value=0.99),
    patience=st.none() | patiences,
)
def test_agents_for_service_level_is_minimal(
    load: float, aht: float, t: float, target: float, patience: float | None
) -> None:
    cph = load * 3600 / aht
    s = agents_for_service_level(cph, aht, target, t, patience_seconds=patience)
    assert s.service_level >= target - 1e-12

    def at(n: int) -> Staffing:
        if patience is None:
            return erlang_c_metrics(n, cph, aht, t)
        return erlang_a_metrics(n, cph, aht, patience, t)

    assert at(s.agents - 1).service_level < target


def test_agents_for_service_level_extra_targets() -> None:
    base = agents_for_service_level(300, 180, 0.8, 20)
    by_asa = agents_for_service_level(300, 180, 0.8, 20, max_asa=3.0)
    assert by_asa.asa_seconds <= 3.0 < erlang_c_metrics(by_asa.agents - 1, 300, 180, 20).asa_seconds
    assert by_asa.agents > base.agents
    # A cap on occupancy never adds agents here (19 agents are 79 % busy) but is honoured.
    assert agents_for_service_level(300, 180, 0.8, 20, max_occupancy=0.9).agents == base.agents
    capped = agents_for_service_level(300, 180, 0.5, 20, max_occupancy=0.7)
    assert capped.occupancy <= 0.7 < erlang_c_metrics(capped.agents - 1, 300, 180, 20).occupancy


def test_scheduled_agents() -> None:
    assert scheduled_agents(8, 0.2) == 10
    assert scheduled_agents(19, 0.3) == 28
    assert scheduled_agents(19, 0.0) == 19
    assert scheduled_agents(0, 0.5) == 0


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: erlang_b(-1, 1.0), "invalid_servers"),
        (lambda: erlang_c(3, -0.5), "invalid_load"),
        (lambda: erlang_c(3, math.nan), "invalid_load"),
        (lambda: erlang_c_metrics(-2, 100, 180, 20), "invalid_agents"),
        (lambda: erlang_c_metrics(5, -1, 180, 20), "invalid_rate"),
        (lambda: erlang_c_metrics(5, 100, 0, 20), "invalid_aht"),
        (lambda: erlang_c_metrics(5, 100, 180, -1), "invalid_sl_seconds"),
        (lambda: erlang_a_metrics(5, 100, 180, 0, 20), "invalid_patience"),
        (lambda: erlang_a_metrics(5, 100, 180, -3, 20), "invalid_patience"),
        (lambda: agents_for_service_level(100, 180, 0.0, 20), "invalid_target"),
        (lambda: agents_for_service_level(100, 180, 1.2, 20), "invalid_target"),
        (lambda: agents_for_service_level(100, 180, 0.8, 20, max_occupancy=0), "invalid_occupancy"),
        (lambda: agents_for_service_level(100, 180, 0.8, 20, max_asa=-1), "invalid_asa"),
        (lambda: scheduled_agents(10, 1.0), "invalid_shrinkage"),
        (lambda: scheduled_agents(10, -0.1), "invalid_shrinkage"),
        (lambda: scheduled_agents(-1, 0.1), "invalid_required"),
    ],
)
def test_bad_input_raises_invalid(call: Callable[[], object], code: str) -> None:
    with pytest.raises(Invalid) as info:
        call()
    assert info.value.code == code
