"""Contract checks on every term exported by ``rp.derivatives``.

The derivative terms are exported from ``rp.derivatives`` only: the carry is
not a trading cost (it is not zero at zero trade and may be negative), so
the checks of ``rp.costs`` that say so do not apply. These checks mirror
``tests/test_costs/test_cost_conformance.py`` and
``tests/test_constraints/test_conformance.py``; the list of terms is read
from ``rp.derivatives.__all__``, so a new term fails until it has examples.
"""

from __future__ import annotations

import inspect

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.constraints import Constraint, ConstraintReport
from replicator.constraints._base import BIG
from replicator.costs import Cost
from replicator.exceptions import ConfigError
from replicator.terms import Variables

D = rp.derivatives
PERPS = [
    D.Perp("BTC-PERP", "BTC", maintenance_margin=0.05),
    D.Perp("ETH-PERP", "ETH", maintenance_margin=0.1),
]
TERMS = sorted(
    name
    for name in D.__all__
    if inspect.isclass(getattr(D, name))
    and issubclass(getattr(D, name), (Cost, Constraint))
)

EXAMPLES = {
    "FundingCarry": lambda f: [
        D.FundingCarry(PERPS),
        D.FundingCarry(PERPS, rates=f, horizon=0.25, lookback_days=10),
        D.FundingCarry(PERPS, rate_8h=-2e-4),
    ],
    "GrossLeverage": lambda f: [D.GrossLeverage(1.0), D.GrossLeverage(3.0)],
    "MarginRequirement": lambda f: [
        D.MarginRequirement(PERPS),
        D.MarginRequirement(PERPS[0], buffer=0.1),
    ],
    "NetPerpExposure": lambda f: [D.NetPerpExposure(PERPS, lower=-0.2, upper=0.1)],
    "SpotLongOnly": lambda f: [D.SpotLongOnly(PERPS)],
}
INVALID = {
    "FundingCarry": ("horizon", 0.0),
    "GrossLeverage": ("limit", 0.5),
    "MarginRequirement": ("buffer", 1.0),
    "NetPerpExposure": ("upper", "high"),
    "SpotLongOnly": ("perps", "BTC-PERP"),
}


def test_every_term_has_examples():
    assert set(TERMS) == set(EXAMPLES) == set(INVALID)


@pytest.fixture(scope="module")
def snap(crypto):
    frame = D.with_perps(crypto.returns.iloc[:100], PERPS)
    w0 = pd.Series(np.linspace(0.05, 0.15, frame.shape[1]), index=frame.columns)
    model = rp.Replicator(
        risk_aversion=100.0, risk=rp.risk.SampleCovariance(), periods_per_year=365
    )
    return model.prepare(frame, crypto.benchmark, w0, date=frame.index[-1])


def variables(n):
    return Variables(
        weights=cp.Variable(n),
        trades=cp.Variable(n),
        benchmark=cp.Parameter(n),
        holdings=cp.Parameter(n),
    )


CASES = [
    (name, i) for name in sorted(EXAMPLES) for i in range(len(EXAMPLES[name](None)))
]


@pytest.mark.parametrize(("name", "i"), CASES)
def test_contract(name, i, snap, crypto):
    term = EXAMPLES[name](crypto.funding)[i]
    cls = type(term)
    assert set(inspect.signature(cls.__init__).parameters) - {"self"} == set(
        cls._parameter_constraints
    )
    for key, value in term.get_params().items():
        assert getattr(term, key) is value
    assert term.name.startswith(name) and repr(term).startswith(name)
    assert term.supports_qp
    term.bind(snap)
    term.update(snap)
    n = snap.n_assets
    v = variables(n)
    rng = np.random.default_rng(i)
    if isinstance(term, Cost):
        expr = term.expression(v)
        assert expr.is_dcp(dpp=True) and expr.shape == ()
        assert cp.Problem(cp.Minimize(expr), [v.weights == 0]).is_qp()
        for _ in range(4):
            w = rng.normal(0.1, 0.3, n)
            v.weights.value = w
            t = w - snap.holdings
            assert expr.value == pytest.approx(term.evaluate(t, snap), rel=1e-12)
            assert term.per_asset(t, snap).sum() == pytest.approx(
                term.evaluate(t, snap), rel=1e-12
            )
        return
    rows = term.rows(v)
    for lhs, rhs in rows:
        assert lhs.is_dcp(dpp=True) and lhs.is_convex()
        assert (-rhs).is_dcp(dpp=True) and rhs.is_concave()
    for _ in range(4):
        w = rng.normal(0.1, 0.3, n)
        v.weights.value, v.trades.value = w, w - snap.holdings
        cl = np.concatenate([np.atleast_1d(lhs.value) for lhs, _ in rows])
        cr = np.concatenate([np.atleast_1d(rhs.value) for _, rhs in rows])
        cr[cr >= BIG], cr[cr <= -BIG] = np.inf, -np.inf  # as the twin
        tl, tr = term.evaluate(w, w - snap.holdings, snap)
        np.testing.assert_allclose(cl, tl, rtol=1e-12)
        np.testing.assert_allclose(cr, tr, rtol=1e-12)
        rep = term.report(w, w - snap.holdings, snap)
        assert isinstance(rep, ConstraintReport)
        assert (rep.max_violation <= 1e-9) == bool(np.all(tl <= tr + 1e-9))


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_parameter_message(name, crypto):
    term = EXAMPLES[name](crypto.funding)[0]
    param, bad = INVALID[name]
    wrong = type(term)(**{**term.get_params(), param: bad})
    with pytest.raises(ConfigError, match=f"The '{param}' parameter of {name} must be"):
        wrong.validate_params()


@pytest.mark.parametrize(("name", "i"), CASES)
def test_native_and_cvxpy_paths_agree(name, i, snap, crypto):
    """Each term alone (with long-only spot) reaches one optimum on both paths."""
    term = EXAMPLES[name](crypto.funding)[i]
    base = [D.spot_long_only(snap.assets, PERPS), D.MarginRequirement(PERPS)]
    costs = [rp.costs.ProportionalFee(bps=10)]
    if isinstance(term, Cost):
        costs.append(term)
    else:
        base.append(term)
    frame = D.with_perps(crypto.returns.iloc[:100], PERPS)
    w0 = pd.Series(snap.holdings, index=snap.assets)
    values = []
    for backend in ("native", "cvxpy"):
        model = rp.Replicator(
            risk_aversion=100.0,
            risk=rp.risk.SampleCovariance(),
            costs=costs,
            constraints=base,
            periods_per_year=365,
            backend=backend,
        )
        res = model.solve(frame, crypto.benchmark, w0, date=frame.index[-1])
        values.append(res.objective)
    assert values[0] == pytest.approx(values[1], rel=1e-6)
