"""Random replication problems for the trust campaign (numpy, seeded).

:func:`random_problem` draws a :class:`_reference.Problem` from a numpy
Generator: shapes ``N = 1..60`` and ``k = 0..N`` factors, risk numbers,
exposures and penalties across ``1e-8 .. 1e3``, random hard and soft constraint
sets, random costs; ``infeasible=True`` adds a conflict by construction
(:func:`add_conflict`). The hypothesis strategies in ``test_campaign.py`` draw
the seed and the switches, so a failure shrinks to a small seed-reproducible case.
"""

from __future__ import annotations

import numpy as np

from . import _reference as R

HARD_KINDS = (
    "budget",
    "long_only",
    "bounds",
    "active_bounds",
    "groups",
    "turnover",
    "liquidity",
    "restricted",
    "no_trade",
    "te_cap",
)
CONFLICTS = (
    "fixed_bounds",  # lower = upper, summing to 1 + delta, with FullyInvested
    "caps_too_low",  # N * upper < 1 with FullyInvested
    "short_no_trade",  # NoTrade on a name held short, with LongOnly
    "restricted_floor",  # Restricted name with a positive lower bound
    "turnover_budget",  # all cash, FullyInvested, turnover < 1
    "groups_sum",  # group floors summing above 1 with FullyInvested
)


def log_uniform(rng: np.random.Generator, lo: float, hi: float, size=None):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def random_risk(rng: np.random.Generator, n: int, k: int, scale: float, expo: float):
    """A factor model (or dense / diagonal covariance) of annualized variance ~scale."""
    kind = rng.choice(["factor", "factor", "dense"]) if k else "diag"
    spec = scale * rng.uniform(0.2, 2.0, n)
    if rng.random() < 0.15:
        spec[rng.random(n) < 0.5] = 0.0  # zero specific variance
    if kind == "diag":
        return R.Risk(spec)
    if kind == "dense":
        A = rng.normal(size=(n, n)) * np.sqrt(scale)
        return R.Risk(spec, dense=A @ A.T / n + np.diag(spec))
    B = rng.normal(size=(n, k)) * expo
    L = rng.normal(size=(k, k)) / np.sqrt(k)
    F = (L @ L.T + 0.1 * np.eye(k)) * scale / expo**2
    return R.Risk(spec, exposures=B, factor_cov=F)


def random_weights(rng, n, kind):
    if kind == "cash":
        return np.zeros(n)
    w = rng.dirichlet(np.full(n, 0.7))
    if kind == "short":
        w = w - rng.uniform(0, 0.1, n) * (rng.random(n) < 0.3)
    return w


def random_problem(
    rng: np.random.Generator,
    *,
    n: int,
    k: int,
    risk_scale: float,
    exposure_scale: float = 1.0,
    penalty_scale: float = 1.0,
    hard: tuple[str, ...] = (),
    soft: tuple[str, ...] = (),
    n_costs: int = 1,
    infeasible: str | None = None,
) -> R.Problem:
    """Draw one problem; ``hard`` and ``soft`` name kinds of :data:`HARD_KINDS`."""
    b = rng.dirichlet(np.full(n, 0.8))
    w0 = random_weights(rng, n, rng.choice(["drift", "drift", "cash", "short"]))
    risk = random_risk(rng, n, k, risk_scale, exposure_scale)
    p = R.Problem(risk, b, w0, cost_weight=float(log_uniform(rng, 1e-4, 1.0)))
    for kind in hard:
        p.constraints.append(_spec(rng, kind, p))
    for kind in soft:
        pen = float(penalty_scale * log_uniform(rng, 0.1, 10.0))
        p.constraints.append(R.Soft(_spec(rng, kind, p), pen))
    for kind in rng.choice(["fee", "spread", "impact"], size=n_costs, replace=False):
        p.costs.append(_cost(rng, str(kind), n))
    if infeasible:
        add_conflict(rng, p, infeasible)
    return p


def _spec(rng, kind: str, p: R.Problem):
    n = len(p.benchmark)
    if kind == "budget":
        if rng.random() < 0.6:
            return R.FullyInvested()
        cmax = float(rng.uniform(0, 0.1))
        return R.FullyInvested(min_cash=float(rng.uniform(0, cmax)), max_cash=cmax)
    if kind == "long_only":
        return R.LongOnly()
    if kind == "bounds":
        upper = np.full(n, max(float(rng.uniform(1.0, 4.0)) / n, 0.05))
        lower = np.zeros(n) if rng.random() < 0.7 else -upper / 4
        upper = np.minimum(upper, 10.0)
        return R.WeightBounds(lower, upper)
    if kind == "active_bounds":
        u = float(rng.uniform(0.005, 0.2))
        return R.WeightBounds(np.full(n, -u), np.full(n, u), active=True)
    if kind == "groups":
        g = int(rng.integers(1, min(n, 5) + 1))
        labels = rng.integers(0, g, n)
        labels[:g] = np.arange(g)[: min(g, n)]
        share = np.bincount(labels, weights=p.benchmark, minlength=g)
        upper = np.minimum(share + rng.uniform(0.01, 0.2, g), 10.0)
        lower = np.where(
            rng.random(g) < 0.5, share - rng.uniform(0.01, 0.2, g), -np.inf
        )
        return R.GroupBounds(labels, lower, upper)
    if kind == "turnover":
        floor = 1.0 if not p.holdings.any() else 0.01  # all cash: investing is 1
        return R.TurnoverLimit(float(log_uniform(rng, floor, 1.5)))
    if kind == "liquidity":
        adv = log_uniform(rng, 1e5, 1e9, n)
        nav = float(log_uniform(rng, 1e6, 1e9))
        for k in p.constraints:  # one ADV and NAV per problem
            inner = k.inner if isinstance(k, R.Soft) else k
            if isinstance(inner, R.LiquidityLimit):
                adv, nav = inner.adv, inner.nav
        part = float(rng.uniform(0.05, 0.5))
        return R.LiquidityLimit(part, adv, nav=nav, days=float(rng.choice([1, 3])))
    if kind == "restricted":
        return R.Restricted(rng.random(n) < min(0.2, 1 / max(n - 1, 1)))
    if kind == "no_trade":
        return R.NoTrade(rng.random(n) < min(0.2, 1 / max(n - 1, 1)))
    if kind == "te_cap":
        return R.TrackingErrorLimit(float(log_uniform(rng, 1e-3, 1.0)))
    raise ValueError(kind)


def _cost(rng, kind: str, n: int):
    if kind == "fee":
        return R.ProportionalFee(
            log_uniform(rng, 1e-5, 1e-2, n), log_uniform(rng, 1e-5, 1e-2, n)
        )
    if kind == "spread":
        return R.Spread(log_uniform(rng, 1e-5, 1e-2, n))
    return R.QuadraticImpact(log_uniform(rng, 1e-4, 1.0, n))


def add_conflict(rng, p: R.Problem, kind: str) -> None:
    """Add hard constraints that cannot all hold (a gap of at least 1e-5)."""
    n = len(p.benchmark)
    gap = float(log_uniform(rng, 1e-5, 1e-1))
    if kind == "fixed_bounds":
        x = rng.dirichlet(np.ones(n)) * (1 + gap)
        p.constraints += [R.FullyInvested(), R.WeightBounds(x, x)]
    elif kind == "caps_too_low":
        u = (1 - gap) / n
        p.constraints += [
            R.FullyInvested(),
            R.WeightBounds(np.full(n, -10.0), np.full(n, u)),
        ]
    elif kind == "short_no_trade":
        i = int(rng.integers(n))
        p.holdings = p.holdings.copy()
        p.holdings[i] = -gap
        mask = np.zeros(n, bool)
        mask[i] = True
        p.constraints += [R.LongOnly(), R.NoTrade(mask)]
    elif kind == "restricted_floor":
        i = int(rng.integers(n))
        mask = np.zeros(n, bool)
        mask[i] = True
        lower = np.full(n, -10.0)
        lower[i] = gap
        p.constraints += [R.Restricted(mask), R.WeightBounds(lower, np.full(n, 10.0))]
    elif kind == "turnover_budget":
        p.holdings = np.zeros(n)
        p.constraints += [R.FullyInvested(), R.TurnoverLimit(1 - gap)]
    elif kind == "groups_sum":
        g = min(n, 3)
        labels = np.arange(n) % g
        floors = np.full(g, (1 + gap) / g)
        p.constraints += [
            R.FullyInvested(),
            R.GroupBounds(labels, floors, np.full(g, np.inf)),
        ]
    else:
        raise ValueError(kind)
