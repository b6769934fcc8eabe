"""Staffing mathematics: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M).

Pure standard-library Python so the web layer, the CLI and the simulator can all use
it without numpy. Everything is computed by recursions or in log space, never with
factorials of large numbers, so staffs of thousands of agents and offered loads of
~1000 Erlangs neither overflow nor lose precision.

Conventions (one place, so every caller reads the numbers the same way):

* ``load`` is the offered load in Erlangs: calls per second × mean handle time.
* ``service_level`` is the fraction of *offered* calls that are answered within
  ``sl_seconds``; callers who abandon (Erlang A) count as not answered in time, even
  when they hang up before ``sl_seconds``.
* ``asa_seconds`` (average speed of answer) is the mean wait of *answered* calls,
  including the ones answered at once with zero wait.
* ``occupancy`` is carried load / agents (the fraction of staffed time spent talking).
* A system that cannot keep up (Erlang C with load >= agents) reports
  ``service_level`` 0, ``asa_seconds`` inf, ``prob_wait`` 1 and ``occupancy`` 1.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

from helpline.domain.errors import Invalid

Model = Literal["erlang_c", "erlang_a"]

# Erlang A truncates the birth-death chain once the weights have fallen this far (in
# natural-log units) below the peak and keep falling: e^-40 ≈ 4e-18 relative.
_LOG_NEGLIGIBLE = 40.0
# A guard against pathological inputs (patience a million times the handle time) that
# would need a queue of millions of states; Erlang C is the right model there.
_MAX_STATES = 2_000_000
# Service-level comparisons tolerate rounding so that target 1.0 is reachable.
_SL_EPS = 1e-12


@dataclass(frozen=True, slots=True)
class Staffing:
    """The steady-state performance of one staffing level.

    Frozen so a result can be cached and shared between the table and the JSON.
    """

    agents: int
    load: float  # offered load, Erlangs
    service_level: float  # answered within T / offered
    asa_seconds: float  # mean wait of answered calls
    prob_wait: float  # probability an arriving caller finds every agent busy
    occupancy: float  # carried load / agents
    abandon_rate: float  # abandoned / offered (always 0 under Erlang C)
    mean_wait_seconds: float  # mean wait of all offered callers, abandoners included
    model: Model = "erlang_c"


# --------------------------------------------------------------------------- checks


def _check_agents(agents: int, name: str = "agents") -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise Invalid(f"invalid_{name}", f"{name} must be a whole number >= 0", value=agents)


def _check_nonneg(value: float, code: str, what: str) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise Invalid(code, f"{what} must be a finite number >= 0", value=value)


def _check_positive(value: float, code: str, what: str) -> None:
    if not (math.isfinite(value) and value > 0):
        raise Invalid(code, f"{what} must be a finite number > 0", value=value)


def _check_common(calls_per_hour: float, aht_seconds: float, sl_seconds: float) -> None:
    _check_nonneg(calls_per_hour, "invalid_rate", "calls per hour")
    _check_positive(aht_seconds, "invalid_aht", "average handle time")
    _check_nonneg(sl_seconds, "invalid_sl_seconds", "service-level threshold")


def _check_patience(patience_seconds: float) -> None:
    if math.isnan(patience_seconds) or patience_seconds <= 0:
        raise Invalid("invalid_patience", "mean patience must be > 0 seconds", value=patience_seconds)


# --------------------------------------------------------------------------- B and C


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/n/n (Erlang loss formula).

    Uses the recursion B(k) = A·B(k-1) / (k + A·B(k-1)), B(0) = 1: every step stays in
    [0, 1], so it is exact to rounding for any n, where A^n/n! would overflow near n=170.
    """
    _check_agents(servers, "servers")
    _check_nonneg(load, "invalid_load", "offered load")
    b = 1.0
    for k in range(1, servers + 1):
        ab = load * b
        b = ab / (k + ab)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability that a caller has to wait in M/M/n (Erlang delay formula).

    Derived from Erlang B as C = n·B / (n - A·(1 - B)), which inherits B's stability.
    Returns 1.0 when load >= servers (the queue grows without bound, everyone waits)
    and 0.0 when there is no traffic at all.
    """
    _check_agents(servers, "servers")
    _check_nonneg(load, "invalid_load", "offered load")
    if load == 0:
        return 0.0
    if load >= servers:
        return 1.0
    b = erlang_b(servers, load)
    return min(1.0, servers * b / (servers - load * (1.0 - b)))


def erlang_c_metrics(agents: int, calls_per_hour: float, aht_seconds: float, sl_seconds: float) -> Staffing:
    """Service level, ASA, P(wait) and occupancy of M/M/n with FCFS and no abandonment.

    Waiting time tail: P(W > t) = C·exp(-(n - A)·t / AHT), so SL = 1 - C·e^{-(n-A)T/AHT}
    and ASA = C·AHT / (n - A). With load >= agents the queue is unstable: SL 0, ASA inf.
    """
    _check_agents(agents)
    _check_common(calls_per_hour, aht_seconds, sl_seconds)
    load = calls_per_hour / 3600.0 * aht_seconds
    if load == 0:
        return Staffing(agents, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, "erlang_c")
    if load >= agents:
        return Staffing(agents, load, 0.0, math.inf, 1.0, 1.0, 0.0, math.inf, "erlang_c")
    c = erlang_c(agents, load)
    spare = agents - load
    sl = 1.0 - c * math.exp(-spare * sl_seconds / aht_seconds)
    asa = c * aht_seconds / spare
    return Staffing(
        agents=agents,
        load=load,
        service_level=min(1.0, max(0.0, sl)),
        asa_seconds=asa,
        prob_wait=c,
        occupancy=load / agents,
        abandon_rate=0.0,
        mean_wait_seconds=asa,
        model="erlang_c",
    )


# --------------------------------------------------------------------------- Erlang A


def _log_stationary(agents: int, lam: float, mu: float, theta: float) -> list[float]:
    """Unnormalised log-weights of the number in system of M/M/n+M, truncated.

    Birth rate λ; death rate min(k, n)·μ + max(k - n, 0)·θ. Death rates never decrease,
    so once λ < death(k+1) the weights fall for ever: we stop there as soon as they are
    e^-40 below the peak.
    """
    log_lam = math.log(lam)
    logs = [0.0]
    peak = 0.0
    k = 0
    while True:
        nxt = k + 1
        death_next = min(nxt, agents) * mu + max(nxt - agents, 0) * theta
        if lam < death_next and logs[k] < peak - _LOG_NEGLIGIBLE:
            return logs
        if nxt > _MAX_STATES:
            raise Invalid(
                "state_space_too_large",
                "patience is too long relative to handle time for exact Erlang A; "
                "use Erlang C (omit patience)",
            )
        w = logs[k] + log_lam - math.log(death_next)
        logs.append(w)
        peak = max(peak, w)
        k = nxt


@dataclass(slots=True)
class _ArrivalSums:
    """Sums over the states an arrival may find, weighted by their unnormalised probability."""

    total: float = 0.0
    answered: float = 0.0
    within: float = 0.0  # answered within the service-level threshold
    wait_answered: float = 0.0
    queue: float = 0.0
    busy: float = 0.0
    waiting: float = 0.0


def _arrival_sums(logs: list[float], agents: int, mu: float, theta: float, sl_seconds: float) -> _ArrivalSums:
    """What an arrival at each state k meets (PASTA: arrivals see the stationary law).

    An arrival at k >= n has j = k - n callers ahead. While i callers are ahead it moves
    up at rate nμ + iθ (a service ends or one of them abandons); at the head it is served
    at rate nμ. Its own patience kills it at rate θ. So the *offered* wait V is
    hypoexponential with rates a + iθ (a = nμ, i = 0..j), whose density has the closed form
    ∏(a+iθ)/(j!θ^j) · e^{-at}(1-e^{-θt})^j.

    * P(answered | j) = P(V < patience) = a / (a + (j+1)θ) (the product telescopes).
    * P(answered and wait <= T | j) = ∫₀ᵀ f_V(v) e^{-θv} dv; substituting x = e^{-θv}
      gives P(answered | j) · I_y(j+1, a/θ + 1) with y = 1 - e^{-θT}, a regularised
      incomplete beta whose first argument is an integer, i.e. one minus a negative
      binomial sum of non-negative terms. Those terms are accumulated in log space as j
      grows, so every arrival state costs O(1) and nothing cancels catastrophically
      (unlike the alternating distinct-rate hypoexponential formula).
    * Given answered, the phase sojourns are independent Exp(a + (i+1)θ), so
      E[wait; answered | j] = P(answered | j) · Σᵢ 1/(a + (i+1)θ).
    """
    peak = max(logs)
    a = agents * mu
    a_over_theta = a / theta
    # Negative-binomial terms for I_y(j+1, a/θ+1): term_0 = (1-y)^(a/θ+1) = e^{-(a+θ)T}.
    y = -math.expm1(-theta * sl_seconds)
    log_y = math.log(y) if y > 0 else -math.inf
    log_term = -(a + theta) * sl_seconds
    nb_cdf = 0.0  # Σ_{m<=j} term_m
    h = 0.0  # Σ_{i<=j} 1/(a + (i+1)θ)
    s = _ArrivalSums()
    for k, lw in enumerate(logs):
        p = math.exp(lw - peak)
        s.total += p
        if k < agents:
            s.answered += p
            s.within += p
            s.busy += p * k
            continue
        j = k - agents
        if j > 0:
            log_term += math.log((a_over_theta + j) / j) + log_y
        nb_cdf += math.exp(log_term)
        rate = a + (j + 1) * theta
        h += 1.0 / rate
        p_ans = a / rate
        s.waiting += p
        s.busy += p * agents
        s.queue += p * j
        s.answered += p * p_ans
        s.within += p * p_ans * max(0.0, 1.0 - nb_cdf)
        s.wait_answered += p * p_ans * h
    return s


def erlang_a_metrics(
    agents: int,
    calls_per_hour: float,
    aht_seconds: float,
    patience_seconds: float,
    sl_seconds: float,
) -> Staffing:
    """Exact steady-state metrics of the Erlang A (Palm, M/M/n+M) queue.

    Model: Poisson arrivals λ, exponential service μ = 1/AHT on n agents, FCFS queue,
    each waiting caller hangs up after an exponential patience of rate θ = 1/patience.

    Method (no simulation, no numeric integration): the number in system k is a
    birth-death chain (birth λ, death min(k,n)μ + (k-n)⁺θ); its stationary law p_k is built
    in log space and truncated where the weights are < e^-40 of the peak
    (:func:`_log_stationary`). What an arrival at each k meets is summed in closed form
    (:func:`_arrival_sums`). Abandonment = 1 - P(answered) (equal to θ·E[queue]/λ), mean
    wait of all callers = E[queue]/λ (Little), occupancy = E[busy agents]/n.

    Cost is O(states) ≈ n + the queue length that matters. Checked against a
    50-digit reference: ~1e-15 absolute error for ordinary inputs, ~1e-12 when the
    queue holds thousands of callers.
    """
    _check_agents(agents)
    _check_common(calls_per_hour, aht_seconds, sl_seconds)
    _check_patience(patience_seconds)
    if math.isinf(patience_seconds):
        return dataclasses.replace(
            erlang_c_metrics(agents, calls_per_hour, aht_seconds, sl_seconds), model="erlang_a"
        )
    lam = calls_per_hour / 3600.0
    mu = 1.0 / aht_seconds
    theta = 1.0 / patience_seconds
    load = lam * aht_seconds
    if lam == 0:
        return Staffing(agents, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, "erlang_a")
    if agents == 0:
        # Nobody ever answers; every caller waits out their patience.
        return Staffing(0, load, 0.0, math.inf, 1.0, 1.0, 1.0, patience_seconds, "erlang_a")

    s = _arrival_sums(_log_stationary(agents, lam, mu, theta), agents, mu, theta, sl_seconds)
    answered = s.answered / s.total
    mean_queue = s.queue / s.total
    return Staffing(
        agents=agents,
        load=load,
        service_level=min(1.0, max(0.0, s.within / s.total)),
        asa_seconds=s.wait_answered / s.total / answered,
        prob_wait=s.waiting / s.total,
        occupancy=s.busy / s.total / agents,
        abandon_rate=max(0.0, 1.0 - answered),
        mean_wait_seconds=mean_queue / lam,
        model="erlang_a",
    )


# --------------------------------------------------------------------------- staffing


def agents_for_service_level(
    calls_per_hour: float,
    aht_seconds: float,
    target_sl: float,
    sl_seconds: float,
    patience_seconds: float | None = None,
    max_occupancy: float | None = None,
    max_asa: float | None = None,
) -> Staffing:
    """The smallest staff whose metrics meet every given target.

    Erlang A when ``patience_seconds`` is given (callers abandon), else Erlang C. SL and
    ASA improve and occupancy falls as agents are added, so the answer is bracketed by
    a doubling step search and then bisected: O(log n) evaluations even at 1000 Erlangs.
    No traffic needs no agents.
    """
    _check_common(calls_per_hour, aht_seconds, sl_seconds)
    if not (math.isfinite(target_sl) and 0 < target_sl <= 1):
        raise Invalid("invalid_target", "target service level must be in (0, 1]", value=target_sl)
    if patience_seconds is not None:
        _check_patience(patience_seconds)
    if max_occupancy is not None and not (math.isfinite(max_occupancy) and 0 < max_occupancy <= 1):
        raise Invalid("invalid_occupancy", "max occupancy must be in (0, 1]", value=max_occupancy)
    if max_asa is not None:
        _check_positive(max_asa, "invalid_asa", "max ASA")

    def evaluate(n: int) -> Staffing:
        if patience_seconds is None:
            return erlang_c_metrics(n, calls_per_hour, aht_seconds, sl_seconds)
        return erlang_a_metrics(n, calls_per_hour, aht_seconds, patience_seconds, sl_seconds)

    def meets(s: Staffing) -> bool:
        if s.service_level < target_sl - _SL_EPS:
            return False
        if max_occupancy is not None and s.occupancy > max_occupancy + _SL_EPS:
            return False
        return max_asa is None or s.asa_seconds <= max_asa

    load = calls_per_hour / 3600.0 * aht_seconds
    if load == 0:
        return evaluate(0)
    # lo always fails. Erlang C is unstable at n <= A. Under Erlang A at most n·μ calls
    # per second are answered, so SL <= P(answered) <= n / A and n < target·A fails.
    lo = math.floor(load) if patience_seconds is None else max(0, math.ceil(target_sl * load - 1e-9) - 1)
    hi = max(lo + 1, math.ceil(load))
    limit = 10 * math.ceil(load) + 10_000
    step = max(1, math.isqrt(math.ceil(load)))
    best = evaluate(hi)
    while not meets(best):
        if hi > limit:
            raise Invalid("target_unreachable", "no staffing level meets the targets")
        lo, hi, step = hi, hi + step, step * 2
        best = evaluate(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        s = evaluate(mid)
        if meets(s):
            hi, best = mid, s
        else:
            lo = mid
    return best


def scheduled_agents(required: int, shrinkage: float) -> int:
    """Headcount to schedule so ``required`` agents are actually on the phones.

    Shrinkage is the fraction of paid time lost to breaks, training, absence:
    ceil(required / (1 - shrinkage)). A hair of tolerance keeps 8 / 0.8 at 10, not 11.
    """
    _check_agents(required, "required")
    if not (math.isfinite(shrinkage) and 0 <= shrinkage < 1):
        raise Invalid("invalid_shrinkage", "shrinkage must be in [0, 1)", value=shrinkage)
    return math.ceil(required / (1.0 - shrinkage) - 1e-9)
