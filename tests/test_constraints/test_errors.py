"""Every user-triggerable error of the constraints, with its message."""

from __future__ import annotations

import dataclasses

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import ConfigError, DataError, ModelError
from replicator.terms import Variables

C = rp.constraints
SF = rp.risk.StatisticalFactor


def solve(u, constraints, **kw):
    model = rp.Replicator(risk=SF(n_factors=2), constraints=constraints)
    bench = kw.pop("benchmark", u.benchmark)
    return model.solve(u.returns, bench, **kw)


def test_fully_invested_band_order():
    with pytest.raises(ConfigError, match=r"min_cash <= max_cash; got min_cash=0\.1"):
        C.FullyInvested(min_cash=0.1, max_cash=0.05).validate_params()


def test_weight_bounds_crossed(small):
    k = C.WeightBounds(lower=pd.Series({"A0001": 0.3}), upper=0.2)
    with pytest.raises(
        ConfigError, match=r"WeightBounds has lower > upper for 1 tickers: 'A0001'"
    ):
        solve(small, [k])


def test_weight_bounds_unknown_ticker(small):
    k = C.WeightBounds(upper=pd.Series({"ZZZ": 0.1, "A0001": 0.2}))
    with pytest.raises(
        DataError,
        match=r"WeightBounds\.upper names 1 tickers that are not in the "
        r"universe: 'ZZZ'",
    ):
        solve(small, [k])


def test_active_weight_bounds_need_benchmark_weights(small):
    with pytest.raises(ModelError, match=r"returns-only mode.*Pass the benchmark as "):
        solve(small, [C.ActiveWeightBounds(upper=0.02)], benchmark=small.index_returns)


def test_group_bounds_need_groups(small):
    with pytest.raises(
        DataError,
        match=r"GroupBounds\(upper=0\.5\) needs a group "
        r"label for every asset, but no groups were given",
    ):
        solve(small, [C.GroupBounds(upper=0.5)])


def test_group_bounds_missing_labels(small):
    partial = small.sectors.iloc[:3]
    with pytest.raises(
        DataError,
        match=r"2 assets have no group label: 'A0003', "
        r"'A0004'",
    ):
        solve(small, [C.GroupBounds(upper=0.5, groups=partial)])


def test_group_bounds_duplicate_tickers(small):
    dup = pd.concat([small.sectors, small.sectors.iloc[:1]])
    with pytest.raises(DataError, match=r"groups has duplicate tickers 'A0000'"):
        solve(small, [C.GroupBounds(upper=0.5, groups=dup)])


def test_group_bounds_unknown_labels(small):
    k = C.GroupBounds(upper={"S0": 0.5, "Energy": 0.1, "Tech": 0.2})
    with pytest.raises(
        ConfigError,
        match=r"names 2 unknown groups: 'Energy', 'Tech'\. The groups are 'S0', "
        r"'S1', 'S2', 'S3'\.",
    ):
        solve(small, [k], groups=small.sectors)


def test_group_bounds_crossed(small):
    k = C.GroupBounds(lower={"S1": 0.4}, upper=0.3)
    with pytest.raises(ConfigError, match=r"lower > upper for groups 'S1'"):
        solve(small, [k], groups=small.sectors)


@pytest.mark.parametrize(
    ("bound", "message"),
    [
        ({"S0": "high"}, r"Got bad values for 'S0'"),
        ({"S0": np.inf}, r"Got bad values for 'S0'"),
        ({}, r"Got an empty mapping"),
    ],
)
def test_group_bounds_bad_mapping(bound, message):
    with pytest.raises(
        ConfigError,
        match=r"The 'upper' parameter of GroupBounds must map group "
        r"labels to finite floats in \[-10, 10\]\. " + message,
    ):
        C.GroupBounds(upper=bound).validate_params()


def test_group_bounds_bad_groups_type():
    with pytest.raises(
        ConfigError,
        match=r"'groups' parameter of GroupBounds must "
        r"be a Series of group labels by ticker or None",
    ):
        C.GroupBounds(upper=0.3, groups={"A": "x"}).validate_params()


def test_active_group_bounds_need_benchmark_weights(small):
    k = C.GroupBounds(upper=0.01, active=True)
    with pytest.raises(ModelError, match=r"active group weights.*returns-only mode"):
        solve(small, [k], benchmark=small.index_returns, groups=small.sectors)


def test_group_membership_change_is_detected(small, harness):
    k = C.GroupBounds(upper=0.6)
    # k.update writes the cvxpy Parameters of the compiled cvxpy problem
    model = rp.Replicator(risk=SF(n_factors=2), constraints=[k], backend="cvxpy")
    snap = model.prepare(small.returns, small.benchmark, groups=small.sectors)
    harness(model, snap)
    assert not k.needs_rebind(snap)
    moved = small.sectors.copy()
    moved["A0002"] = "S0"
    snap2 = dataclasses.replace(snap, groups=moved)
    assert k.needs_rebind(snap2)
    with pytest.raises(
        ModelError,
        match=r"compiled for other group labels: 1 assets changed group \('A0002'\)",
    ):
        k.update(snap2)


def test_group_membership_change_recompiles(small):
    k = C.GroupBounds(upper=0.6)
    model = rp.Replicator(risk=SF(n_factors=2), constraints=[C.FullyInvested(), k])
    model.solve(small.returns, small.benchmark, groups=small.sectors)
    moved = small.sectors.copy()
    moved["A0002"] = "S0"
    model.solve(small.returns, small.benchmark, groups=moved)
    assert model.n_compilations_ == 2


def test_liquidity_needs_adv(small):
    with pytest.raises(
        DataError,
        match=r"LiquidityLimit\(0\.1\) needs the average "
        r"daily traded value of every asset, but no ADV was given",
    ):
        solve(small, [C.LiquidityLimit(0.1)])


def test_liquidity_missing_adv_names_tickers(small):
    adv = small.adv.drop(["A0001", "A0003"])
    with pytest.raises(
        DataError,
        match=r"adv is missing for 2 tradable assets: 'A0001', 'A0003'\. Supply "
        r"their ADV, or choose missing='no_trade'",
    ):
        solve(small, [C.LiquidityLimit(0.1)], adv=adv)


def test_liquidity_missing_adv_ignored_for_untradable(small):
    """A constituent outside the universe and not held never trades."""
    adv = small.adv.drop(["A0004"])
    res = solve(
        small,
        [C.FullyInvested(), C.LiquidityLimit(1.0)],
        adv=adv,
        nav=1e6,
        universe=list(small.benchmark.index[:4]),
    )
    assert res.weights["A0004"] == 0.0


def test_tracking_error_limit_needs_tracking_variance():
    k = C.TrackingErrorLimit(0.01)
    w, t = cp.Variable(2), cp.Variable(2)
    v = Variables(w, t, cp.Parameter(2), cp.Parameter(2))
    with pytest.raises(ModelError, match=r"needs the risk model's tracking variance"):
        k.rows(v)


def test_tracking_error_limit_evaluate_before_compile(small):
    k = C.TrackingErrorLimit(0.01)
    model = rp.Replicator(risk=SF(n_factors=2))
    snap = model.prepare(small.returns, small.benchmark)
    with pytest.raises(ModelError, match=r"not part of a compiled problem yet"):
        k.report(snap.benchmark, snap.benchmark, snap)


@pytest.mark.parametrize("cls", [C.Restricted, C.NoTrade])
def test_masks_unknown_tickers(small, cls):
    k = cls(["A0001", "XYZ", "QQQ"])
    with pytest.raises(
        DataError,
        match=rf"{cls.__name__}\('A0001', 'XYZ', 'QQQ'\) names 2 tickers that are not "
        rf"in the universe: 'QQQ', 'XYZ'\. .*unknown='ignore'",
    ):
        solve(small, [k])
    k.unknown = "ignore"
    res = solve(small, [C.FullyInvested(), k], holdings=small.holdings)
    assert res.status is rp.Status.OPTIMAL


@pytest.mark.parametrize("cls", [C.Restricted, C.NoTrade])
def test_masks_non_string_tickers(cls):
    with pytest.raises(
        ConfigError,
        match=r"must hold ticker strings \(ints are read as strings\); "
        r"got 1\.5, None \(float\)",
    ):
        cls(["A0001", 1.5, None]).validate_params()
    cls(["A0001", 7203]).validate_params()  # ints are tickers too


def test_soft_of_soft():
    inner = C.Soft(C.TurnoverLimit(0.1))
    with pytest.raises(
        ConfigError,
        match=r"Soft wraps a hard constraint, but got "
        r"Soft\(TurnoverLimit\(0\.1\), penalty=1\)",
    ):
        C.Soft(inner).validate_params()


def test_soft_validates_the_wrapped_constraint():
    with pytest.raises(ConfigError, match=r"'limit' parameter of TurnoverLimit"):
        C.Soft(C.TurnoverLimit(-1)).validate_params()


def test_soft_needs_a_constraint():
    with pytest.raises(
        ConfigError,
        match=r"'constraint' parameter of Soft must be "
        r"an instance of Constraint",
    ):
        C.Soft("TurnoverLimit").validate_params()
