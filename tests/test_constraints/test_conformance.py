"""Contract checks run on every constraint exported by rp.constraints.

A new constraint must be added to FACTORIES and INVALID, so forgetting the
contract fails loudly (sklearn ``parametrize_with_checks`` style).
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.constraints import Constraint, ConstraintReport
from replicator.exceptions import ConfigError

C = rp.constraints

EXPORTED = [
    name
    for name in C.__all__
    if inspect.isclass(getattr(C, name))
    and issubclass(getattr(C, name), Constraint)
    and getattr(C, name) is not Constraint
]

# One or more instances per class; ``t`` is the list of tickers.
FACTORIES = {
    "ActiveWeightBounds": lambda t: [
        C.ActiveWeightBounds(upper=0.02),
        C.ActiveWeightBounds(lower=pd.Series({t[0]: -0.01}), upper=0.05),
    ],
    "FullyInvested": lambda t: [
        C.FullyInvested(),
        C.FullyInvested(min_cash=0.01, max_cash=0.05),
    ],
    "GroupBounds": lambda t: [
        C.GroupBounds(lower=0.05, upper={"S0": 0.3}),
        C.GroupBounds(lower=-0.02, upper=0.02, active=True),
    ],
    "LiquidityLimit": lambda t: [C.LiquidityLimit(0.1), C.LiquidityLimit(0.2, days=3)],
    "LongOnly": lambda t: [C.LongOnly()],
    "NoTrade": lambda t: [C.NoTrade([t[0], t[2]])],
    "Restricted": lambda t: [C.Restricted(t[1])],
    "Soft": lambda t: [
        C.Soft(C.TurnoverLimit(0.05), penalty=0.5),
        C.Soft(C.WeightBounds(upper=0.2)),
        C.Soft(C.TrackingErrorLimit(0.01)),
    ],
    "TrackingErrorLimit": lambda t: [C.TrackingErrorLimit(0.02)],
    "TurnoverLimit": lambda t: [C.TurnoverLimit(0.1)],
    "WeightBounds": lambda t: [
        C.WeightBounds(upper=0.3),
        C.WeightBounds(lower=pd.Series({t[3]: 0.05}), upper=pd.Series({t[0]: 0.1})),
    ],
}

# (class, kwargs of a valid instance, bad parameter, bad value)
INVALID = [
    ("ActiveWeightBounds", {}, "upper", "wide"),
    ("FullyInvested", {}, "max_cash", 1.5),
    ("GroupBounds", {"upper": 0.3}, "active", "yes"),
    ("LiquidityLimit", {}, "participation", 0.0),
    ("NoTrade", {"tickers": ["X"]}, "unknown", "skip"),
    ("Restricted", {"tickers": ["X"]}, "tickers", 5),
    ("Soft", {"constraint": C.LongOnly()}, "penalty", -1.0),
    ("TrackingErrorLimit", {}, "max_te", -0.01),
    ("TurnoverLimit", {}, "limit", 0),
    ("WeightBounds", {}, "lower", pd.Series({"A": np.nan})),
]


def test_every_exported_constraint_is_covered():
    assert sorted(C.__all__) == C.__all__
    assert set(EXPORTED) == set(FACTORIES)
    assert {row[0] for row in INVALID} == set(EXPORTED) - {"LongOnly"}


@pytest.fixture(scope="module")
def setup(small):
    w0 = small.holdings.copy()
    w0.iloc[0] += 0.05  # a little cash short, to exercise the cash leg
    w0 = w0 / w0.sum() * 0.97
    return small, w0


TICKERS = [f"A{i:04d}" for i in range(5)]  # the tickers of the ``small`` fixture
CASES = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name in sorted(FACTORIES)
    for i in range(len(FACTORIES[name](TICKERS)))
]


@pytest.mark.parametrize(("name", "i"), CASES)
def test_contract(name, i, setup, harness):
    u, w0 = setup
    assert list(u.benchmark.index) == TICKERS
    k = FACTORIES[name](TICKERS)[i]
    # parameters are stored verbatim
    for key, value in k.get_params().items():
        assert getattr(k, key) is value
    assert isinstance(k.name, str) and k.name.startswith(name)
    assert repr(k).startswith(name)

    # the rows are checked on the cvxpy problem (its variables set by hand)
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2), constraints=[k], backend="cvxpy"
    )
    snap = model.prepare(
        u.returns, u.benchmark, w0, nav=1e8, adv=u.adv, groups=u.sectors
    )
    h = harness(model, snap)
    k.attach_risk(model.risk)  # numpy twin of the TE cap uses the risk model
    for lhs, rhs in k.rows(h.v):
        assert lhs.is_dcp(dpp=True) and lhs.is_convex()
        assert (-rhs).is_dcp(dpp=True) and rhs.is_concave()

    rng = np.random.default_rng(i)
    for trial in range(4):
        w = rng.normal(1 / len(w0), 0.1, len(w0)) if trial else snap.benchmark
        w, t = h.set(w)
        cl, cr = h.cvx_rows(k)
        tl, tr = h.twin_rows(k, w, t)
        np.testing.assert_allclose(cl, tl, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(cr, tr, rtol=1e-9, atol=1e-12)
        rep = k.report(w, t, snap)
        assert isinstance(rep, ConstraintReport)
        assert rep.max_violation >= 0
        lhs, rhs = k.evaluate(w, t, snap)
        info = k.row_info(snap, np.atleast_1d(lhs).size)
        assert len(info.labels) == np.atleast_1d(lhs).size
        active = info.active & np.isfinite(rhs)
        holds = bool(np.all((lhs <= rhs + 1e-9)[active]))
        assert (rep.max_violation <= 1e-9) == holds
        if getattr(k, "is_soft", False):
            pen = k.penalty_expression(h.v).value
            assert pen == pytest.approx(k.evaluate_penalty(w, t, snap), abs=1e-12)


@pytest.mark.parametrize(("name", "kwargs", "param", "bad"), INVALID)
def test_invalid_parameter_message(name, kwargs, param, bad):
    k = getattr(C, name)(**{**kwargs, param: bad})
    with pytest.raises(ConfigError, match=f"The '{param}' parameter of {name} must be"):
        k.validate_params()
