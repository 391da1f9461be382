"""Result assembly: constraint reports and the fields build_result packs.

Pins what the fast paths of :meth:`Constraint.report` and
:func:`replicator._attribution.build_result` rely on: the reported row, its
label, the binding count and the violation on hand-made cases; the numpy and
the few-row (Python float) paths against a plain definition; shared (cached)
row descriptions that follow the universe and the masks; eagerly computed,
picklable results; and the non-investable names. The lazily built per-asset
Series are pinned in ``test_result_lazy.py``.
"""

from __future__ import annotations

import math
import pickle
import warnings
from dataclasses import FrozenInstanceError

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import replicator as rp
from replicator._attribution import build_result
from replicator.constraints._base import ConstraintReport, RowInfo, _new_report
from replicator.data._snapshot import MarketSnapshot

C = rp.constraints
TICKERS = ["A", "B", "C"]


def snapshot(
    tickers: list[str] = TICKERS,
    *,
    investable: list[bool] | None = None,
    benchmark: list[float] | None = None,
    holdings: list[float] | None = None,
    adv: list[float] | None = None,
    nav: float = 1.0,
) -> MarketSnapshot:
    n = len(tickers)
    return MarketSnapshot(
        assets=pd.Index(tickers),
        benchmark=np.asarray(benchmark if benchmark is not None else [1 / n] * n),
        holdings=np.asarray(holdings if holdings is not None else [0.0] * n),
        investable=np.asarray(
            investable if investable is not None else [True] * n, dtype=bool
        ),
        adv=None if adv is None else np.asarray(adv, dtype=float),
        nav=nav,
    )


def report(k, weights, snap):
    w = np.asarray(weights, dtype=float)
    return k.report(w, w - snap.holdings, snap)


# ================================================================ reports
def test_violated_row_is_reported():
    snap = snapshot()
    rep = report(C.WeightBounds(upper=0.4), [0.5, 0.4, 0.1], snap)
    assert rep.where == "'A' (upper)"
    assert (rep.value, rep.limit) == (0.5, 0.4)
    assert rep.max_violation == pytest.approx(0.1, abs=1e-15)
    # A is past its bound, B at it; no weight is at its lower bound 0
    assert rep.binding and rep.n_binding == 2
    assert isinstance(rep.binding, bool) and isinstance(rep.n_binding, int)


def test_binding_row_with_largest_value_is_reported():
    snap = snapshot()
    rep = report(C.WeightBounds(upper=0.4), [0.4, 0.3, 0.0], snap)
    # A at its upper bound, C at its lower bound: A has the larger |value|
    assert rep.where == "'A' (upper)"
    assert (rep.value, rep.limit, rep.n_binding) == (0.4, 0.4, 2)
    assert rep.max_violation == 0.0 and rep.binding


def test_lower_bound_row_is_shown_in_weight_units():
    snap = snapshot()
    rep = report(C.WeightBounds(lower=0.1, upper=1.0), [0.05, 0.45, 0.5], snap)
    assert rep.where == "'A' (lower)"
    assert (rep.value, rep.limit) == (0.05, 0.1)  # sign * lhs, sign * rhs
    assert rep.max_violation == pytest.approx(0.05, abs=1e-15)


def test_slack_rows_report_the_closest_row():
    snap = snapshot()
    rep = report(C.WeightBounds(upper=0.5), [0.3, 0.3, 0.4], snap)
    assert rep.where == "'C' (upper)"
    assert (rep.value, rep.limit) == (0.4, 0.5)
    assert not rep.binding and rep.n_binding == 0 and rep.max_violation == 0.0


def test_infinite_bounds_are_ignored():
    snap = snapshot()
    k = C.WeightBounds(lower=-1.0, upper=pd.Series({"B": 0.2}))
    rep = report(k, [0.9, 0.25, -0.15], snap)
    # A's 0.9 has no upper bound; B breaks its cap
    assert rep.where == "'B' (upper)"
    assert rep.max_violation == pytest.approx(0.05, abs=1e-15)
    assert rep.n_binding == 1


def test_inactive_rows_are_ignored_and_no_rows_give_nan():
    snap = snapshot()
    rep = report(C.Restricted(["B"]), [0.5, 0.1, 0.4], snap)
    assert rep.where == "'B'"
    assert rep.max_violation == pytest.approx(0.1) and rep.n_binding == 1
    empty = report(C.Restricted([]), [0.5, 0.1, 0.4], snap)
    assert math.isnan(empty.value) and math.isnan(empty.limit)
    assert (empty.binding, empty.n_binding, empty.max_violation) == (False, 0, 0.0)
    assert empty.where == ""


def test_scaled_rows_are_reported_in_participation_units():
    # caps: 0.1 * adv / nav = 0.1, 0.01, unlimited (no ADV, missing="unlimited")
    snap = snapshot(adv=[1.0, 0.1, np.nan], nav=1.0)
    k = C.LiquidityLimit(0.1, missing="unlimited")
    rep = report(k, [0.05, 0.02, 0.93], snap)
    assert rep.where == "'B'"
    assert rep.value == pytest.approx(0.2) and rep.limit == pytest.approx(0.1)
    assert rep.max_violation == pytest.approx(0.1)  # in participation units


def test_single_row_constraints_have_no_label():
    snap = snapshot(holdings=[0.2, 0.3, 0.5])
    rep = report(C.TurnoverLimit(0.1), [0.3, 0.3, 0.4], snap)
    assert rep.where == ""
    assert rep.value == pytest.approx(0.1) and rep.binding
    band = report(C.FullyInvested(max_cash=0.1), [0.3, 0.3, 0.2], snap)
    assert band.where == "lower"
    assert (band.value, band.limit) == pytest.approx((0.8, 0.9))
    assert band.max_violation == pytest.approx(0.1)


def test_reports_never_show_negative_zeros():
    snap = snapshot()
    rep = report(C.LongOnly(), [0.0, 0.5, 0.5], snap)
    assert rep.where == "'A'" and rep.binding
    assert math.copysign(1.0, rep.value) == 1.0
    assert math.copysign(1.0, rep.limit) == 1.0


# ==================================================== shared row descriptions
def test_row_info_follows_the_universe():
    k = C.WeightBounds(upper=0.4)
    first = snapshot()
    assert report(k, [0.5, 0.4, 0.1], first).where == "'A' (upper)"
    # same object: the description is shared; a new universe gets new labels
    assert k.row_info(first, 6) is k.row_info(first, 6)
    other = snapshot(["X", "Y", "Z"])
    assert report(k, [0.5, 0.4, 0.1], other).where == "'X' (upper)"
    assert k.row_info(other, 6) is not k.row_info(first, 6)
    assert report(C.LongOnly(), [-0.1, 0.6, 0.5], other).where == "'X'"


def test_shared_row_info_follows_the_bounded_assets():
    k = C.ActiveWeightBounds(upper=0.05)
    snap = snapshot(benchmark=[0.3, 0.3, 0.4])
    w = [0.2, 0.38, 0.42]  # active weights -0.1, 0.08, 0.02
    assert report(k, w, snap).where == "'A' (lower)"
    # A not investable: its active weight is not bounded any more
    blocked = MarketSnapshot(
        assets=snap.assets,  # the same Index object
        benchmark=snap.benchmark,
        holdings=snap.holdings,
        investable=np.array([False, True, True]),
    )
    rep = report(k, w, blocked)
    np.testing.assert_array_equal(k.row_info(blocked, 6).active, [0, 1, 1] * 2)
    assert rep.where == "'B' (upper)"
    assert rep.max_violation == pytest.approx(0.03)
    assert report(k, w, snap).where == "'A' (lower)"
    assert k.row_info(snap, 6).active.all()


def test_shared_row_info_is_read_only():
    snap = snapshot()
    for k in (C.LongOnly(), C.WeightBounds(), C.FullyInvested(), C.TurnoverLimit()):
        lhs, _ = k.evaluate(np.zeros(3), np.zeros(3), snap)
        info = k.row_info(snap, np.atleast_1d(lhs).size)
        with pytest.raises(ValueError, match="read-only"):
            info.sign[0] = 2.0


def test_report_scale():
    ones = RowInfo(["a", "b"], np.ones(2), np.ones(2), np.ones(2, dtype=bool))
    assert ones.report_scale is None
    mixed = RowInfo(
        ["a", "b", "c", "d"],
        np.ones(4),
        np.array([2.0, np.inf, 0.0, np.nan]),
        np.ones(4, dtype=bool),
    )
    np.testing.assert_array_equal(mixed.report_scale, [2.0, 1.0, 1.0, 1.0])


# ================================================================= results
@pytest.fixture(scope="module")
def solved():
    """A model without three benchmark names, and its result."""
    tickers = ["A", "B", "C", "D", "E", "F"]
    exposures = pd.DataFrame(
        [[1.0], [0.8], [1.2], [0.9], [1.1], [1.0]], index=tickers, columns=["m"]
    )
    risk = rp.risk.FactorModel(
        exposures,
        pd.DataFrame([[0.04]], index=["m"], columns=["m"]),
        pd.Series([0.01, 0.02, 0.015, 0.03, 0.02, 0.01], index=tickers),
    )
    model = rp.Replicator(
        risk=risk,
        costs=[rp.costs.ProportionalFee(bps=5)],
        constraints=[C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=0.5)],
    )
    benchmark = pd.Series([0.3, 0.2, 0.2, 0.1, 0.2, 0.0], index=tickers)
    holdings = pd.Series([0.25, 0.25, 0.2, 0.1, 0.1, 0.1], index=tickers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.solve(
            benchmark=benchmark,
            holdings=holdings,
            universe=["A", "B", "C", "D"],
            adv=pd.Series(1e9, index=tickers),
            nav=1e7,
        )
    return model, result, benchmark, holdings


def test_unreplicable_names(solved):
    res = solved[1]
    # E and F cannot be held; F has no benchmark weight
    assert res.unreplicable == ("E",)
    assert res.unreplicated_weight == pytest.approx(0.2, abs=1e-15)
    assert type(res.unreplicated_weight) is float
    assert res.weights[["E", "F"]].eq(0.0).all()
    assert res.trades["F"] == pytest.approx(-0.1)


def test_fully_investable_universe_has_nothing_unreplicable():
    snap = snapshot(benchmark=[0.5, 0.5, 0.0])
    res = _build(snap)
    assert res.unreplicable == () and res.unreplicated_weight == 0.0
    assert type(res.unreplicated_weight) is float


def test_result_fields(solved):
    model, res, benchmark, holdings = solved
    for series, name in (
        (res.weights, "weight"),
        (res.trades, "trade"),
        (res.holdings, "holdings"),
        (res.benchmark, "benchmark"),
        (res.te_by_asset, None),
        (res.liquidity_usage, None),
    ):
        assert series.name == name and series.dtype == np.float64
        assert list(series.index) == list(benchmark.index)
    np.testing.assert_array_equal(res.holdings, holdings.to_numpy())
    np.testing.assert_allclose(res.trades, res.weights - res.holdings, atol=0)
    usage = (res.trades.abs() * 1e7 / 1e9).where(res.trades.abs() >= 1e-12, 0.0)
    pd.testing.assert_series_equal(res.liquidity_usage, usage, check_names=False)
    # no groups: an empty float Series on a RangeIndex
    assert res.te_by_group.empty and res.te_by_group.dtype == np.float64
    assert isinstance(res.te_by_group.index, pd.RangeIndex)
    assert [c.name for c in res.constraints] == [k.name for k in model.constraints]
    assert all(isinstance(c.where, str) for c in res.constraints)


def test_results_do_not_share_mutable_data():
    snap = snapshot(benchmark=[0.5, 0.5, 0.0])
    first, second = _build(snap), _build(snap)
    by_group, weights, holdings = first.te_by_group, first.weights, first.holdings
    by_group.loc["x"] = 1.0
    weights.iloc[0] = 9.0
    holdings.iloc[0] = 9.0
    for res in (first, second):
        assert res.te_by_group.empty
        assert res.weights.iloc[0] != 9.0
        assert res.holdings.iloc[0] == 0.0
    assert snap.holdings[0] == 0.0


def test_result_is_eager_frozen_and_picklable(solved):
    model, res, *_ = solved
    before = [(c.name, c.value, c.where) for c in res.constraints]
    model.constraints[2].upper = 0.01  # changes the name and the bounds
    try:
        assert [(c.name, c.value, c.where) for c in res.constraints] == before
    finally:
        model.constraints[2].upper = 0.5
    with pytest.raises(FrozenInstanceError):
        res.cash = 0.0  # type: ignore[misc]
    clone = pickle.loads(pickle.dumps(res))
    assert clone.constraints == res.constraints
    pd.testing.assert_series_equal(clone.weights, res.weights)


def _build(snap: MarketSnapshot):
    """build_result on a hand-made snapshot (specific risk only, no solve)."""
    risk = rp.risk.FactorModel(
        pd.DataFrame(np.zeros((snap.n_assets, 1)), index=snap.assets, columns=["m"]),
        pd.DataFrame([[0.0]], index=["m"], columns=["m"]),
        pd.Series(0.01, index=snap.assets),
    )
    model = rp.Replicator(risk=risk, constraints=[C.FullyInvested(), C.LongOnly()])
    model.prepare(
        benchmark=pd.Series(snap.benchmark, index=snap.assets),
        holdings=pd.Series(snap.holdings, index=snap.assets),
    )
    w = np.where(snap.investable, snap.benchmark, 0.0)
    stats = rp.solvers.SolverStats(
        status=rp.solvers.Status.OPTIMAL,
        raw_status="optimal",
        solver="none",
        reason="test",
        iterations=0,
        solve_time=0.0,
        setup_time=0.0,
        compile_time=0.0,
        wall_time=0.0,
    )
    return build_result(model, None, snap, w, w - snap.holdings, stats)


# ============================================ fast report == plain definition
class _Rows(rp.constraints.Constraint):
    """A constraint whose rows and row description are given arrays."""

    def __init__(self, lhs, rhs, info):
        self.lhs, self.rhs, self.info = lhs, rhs, info

    @property
    def name(self) -> str:
        return "Rows()"

    def evaluate(self, weights, trades, snapshot):
        return self.lhs, self.rhs

    def row_info(self, snapshot, n_rows):
        return self.info


def _fields(rep):
    """The reported fields of a ConstraintReport, in _reference_report's order."""
    return (
        rep.value,
        rep.limit,
        rep.binding,
        rep.n_binding,
        rep.max_violation,
        rep.where,
    )


def _reference_report(lhs, rhs, info, tol=1e-6):
    """The report, written plainly (every row, every array)."""
    ok = info.active & np.isfinite(rhs)
    if not ok.any():
        return (float("nan"), float("nan"), False, 0, 0.0, "")
    scale = np.where(np.isfinite(info.scale) & (info.scale > 0), info.scale, 1.0)
    safe_rhs = np.where(ok, rhs, 0.0)
    gap = np.where(ok, (lhs - safe_rhs) * scale, -np.inf)
    slack = tol * (1.0 + np.abs(safe_rhs * scale))
    at_bound = ok & (gap >= -slack)
    value_all = info.sign * scale * lhs
    violated = ok & (gap > slack)
    if violated.any() or not at_bound.any():
        r = int(np.argmax(gap))
    else:
        r = int(np.argmax(np.where(at_bound, np.abs(value_all), -np.inf)))
    return (
        float(value_all[r]) + 0.0,
        float(info.sign[r] * scale[r] * rhs[r]) + 0.0,
        bool(at_bound.any()),
        int(at_bound.sum()),
        max(float(gap.max()), 0.0) + 0.0,  # never -0.0
        info.labels[r],
    )


@pytest.mark.parametrize("n", [1, 2, 7, 300])
def test_report_matches_the_plain_definition(n):
    rng = np.random.default_rng(n)
    snap = snapshot()
    for trial in range(200):
        rhs = rng.choice([0.0, 0.1, -0.2, 1.0], n) + (trial % 2) * rng.normal(0, 1, n)
        lhs = rhs + rng.choice([0.0, -1e-7, 1.2e-6, -1.2e-6, 0.3, -0.3, -0.0], n)
        if trial % 5 == 1:
            rhs[rng.random(n) < 0.3] = np.inf
        if trial % 7 == 2:
            lhs[rng.random(n) < 0.2] = np.nan
        scale = np.ones(n)
        if trial % 3 == 0:
            scale = rng.choice([1.0, 2.5, 0.0, np.inf, 1e-3], n)
        active = rng.random(n) < (0.7 if trial % 4 == 3 else 1.1)
        info = RowInfo(
            labels=[f"row{i}" for i in range(n)],
            sign=rng.choice([1.0, -1.0], n),
            scale=scale,
            active=active,
        )
        rep = _Rows(lhs, rhs, info).report(np.zeros(3), np.zeros(3), snap)
        got = _fields(rep)
        want = _reference_report(lhs, rhs, info)
        assert repr(got) == repr(want), (trial, got, want)
        assert [type(x) for x in got] == [type(x) for x in want]


# ---------------------------------------------- few rows: the Python-float path
_VALUES = [0.0, -0.0, 1e-7, -1e-7, 2e-6, -2e-6, 0.1, -0.1, 0.5, 1.0]
_SPECIAL = [math.nan, math.inf, -math.inf]
_BOUNDS = [0.0, -0.0, 0.1, -0.1, 0.5, 1.0, 1e12, *_SPECIAL]
_DELTAS = [0.0, -0.0, 1e-7, -1e-7, 1.2e-6, -1.2e-6, 0.3, -0.3]
_SCALES = [1.0, 2.5, 1e-3, 0.0, -1.0, *_SPECIAL]


def _check_report(lhs, rhs, sign, scale, active, tol=1e-6):
    """Report of given rows == the plain definition, to the bit and the type."""
    n = len(lhs)
    info = RowInfo(
        labels=[f"row{i}" for i in range(n)],
        sign=np.asarray(sign, dtype=float),
        scale=np.asarray(scale, dtype=float),
        active=np.asarray(active, dtype=bool),
    )
    lhs, rhs = np.asarray(lhs, dtype=float), np.asarray(rhs, dtype=float)
    rep = _Rows(lhs, rhs, info).report(np.zeros(3), np.zeros(3), snapshot(), tol)
    got = _fields(rep)
    want = _reference_report(lhs, rhs, info, tol)
    assert repr(got) == repr(want), (got, want)
    assert [type(x) for x in got] == [type(x) for x in want]
    assert type(rep) is ConstraintReport and not rep.soft


@st.composite
def _row_sets(draw, max_rows: int):
    """1 to ``max_rows`` rows: bounds, values near them or anywhere, ties."""
    n = draw(st.integers(1, max_rows))
    rhs = draw(st.lists(st.sampled_from(_BOUNDS), min_size=n, max_size=n))
    lhs = [
        b + draw(st.sampled_from(_DELTAS))
        if draw(st.booleans())
        else draw(st.sampled_from(_VALUES + _SPECIAL))
        for b in rhs
    ]
    sign = draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=n, max_size=n))
    scale = (
        [1.0] * n
        if draw(st.booleans())
        else draw(st.lists(st.sampled_from(_SCALES), min_size=n, max_size=n))
    )
    active = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if draw(st.booleans()):
        active = [True] * n
    tol = draw(st.sampled_from([1e-6, 1e-6, 0.0, 0.05, -1e-3]))
    return lhs, rhs, sign, scale, active, tol


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(_row_sets(max_rows=2))
def test_few_row_report_matches_the_plain_definition(rows):
    # one and two rows take the Python-float path
    _check_report(*rows)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_row_sets(max_rows=5))
def test_report_paths_agree_near_the_switch(rows):
    # three rows and more take the numpy path; any tolerance, even negative
    _check_report(*rows)


@pytest.mark.parametrize(
    ("lhs", "rhs", "sign", "scale", "active"),
    [
        # one row: slack, binding, violated, NaN value, NaN/inf bound, inactive
        ([0.5], [1.0], [1.0], [1.0], [True]),
        ([1.0], [1.0], [1.0], [1.0], [True]),
        ([1.5], [1.0], [-1.0], [2.5], [True]),
        ([math.nan], [1.0], [1.0], [1.0], [True]),
        ([0.5], [math.nan], [1.0], [1.0], [True]),
        ([0.5], [math.inf], [1.0], [1.0], [True]),
        ([0.5], [-math.inf], [1.0], [1.0], [True]),
        ([0.5], [1.0], [1.0], [1.0], [False]),
        ([math.inf], [1.0], [1.0], [1.0], [True]),
        ([-math.inf], [1.0], [1.0], [1.0], [True]),
        # signed zeros: values, limits and a zero gap of either sign
        ([-0.0], [0.0], [1.0], [1.0], [True]),
        ([0.0], [-0.0], [-1.0], [1.0], [True]),
        ([0.0, -0.0], [0.0, 0.0], [1.0, -1.0], [1.0, 1.0], [True, True]),
        ([-0.0, 0.0], [0.0, 0.0], [-1.0, 1.0], [1.0, 1.0], [True, True]),
        ([-0.0, -0.0], [0.0, -0.0], [1.0, 1.0], [1.0, 1.0], [True, True]),
        # ties: equal violations, equal |values| at the bound -> the first row
        ([1.5, 1.5], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [True, True]),
        ([1.0, -1.0], [1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [True, True]),
        ([0.2, 0.2], [0.5, 0.5], [1.0, 1.0], [1.0, 1.0], [True, True]),
        # a violation beats a binding row with a larger value
        ([0.9, -0.2], [0.9, -0.3], [1.0, -1.0], [1.0, 1.0], [True, True]),
        # a NaN gap is the "largest" (np.argmax), NaN max_violation
        ([0.5, math.nan], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [True, True]),
        ([math.nan, 2.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [True, True]),
        # ignored rows: the other row is reported, or the first if all are -inf
        ([9.0, 0.5], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [False, True]),
        ([9.0, 0.5], [math.inf, 1.0], [1.0, 1.0], [1.0, 1.0], [True, True]),
        ([9.0, -math.inf], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [False, True]),
        ([9.0, 0.5], [1.0, math.nan], [1.0, 1.0], [1.0, 1.0], [False, True]),
        # scaled rows, and scales read as 1 (zero, negative, inf, NaN)
        ([0.3, 0.5], [0.2, 0.5], [1.0, 1.0], [10.0, 1.0], [True, True]),
        ([0.3, 0.5], [0.2, 0.5], [1.0, 1.0], [0.0, math.nan], [True, True]),
        ([0.3, 0.5], [0.2, 0.5], [1.0, 1.0], [-1.0, math.inf], [True, True]),
    ],
)
def test_few_row_edge_cases(lhs, rhs, sign, scale, active):
    for tol in (1e-6, 0.0):
        _check_report(lhs, rhs, sign, scale, active, tol)
    # the same rows through the numpy path (padded with an ignored row)
    _check_report(
        [*lhs, 0.0], [*rhs, math.inf], [*sign, 1.0], [*scale, 1.0], [*active, True]
    )


def test_zero_dimensional_rows_are_one_row():
    info = RowInfo([""], np.ones(1), np.ones(1), np.ones(1, dtype=bool))
    rep = _Rows(np.float64(0.3), 0.2, info).report(np.zeros(3), np.zeros(3), snapshot())
    assert (rep.value, rep.limit, rep.n_binding, rep.where) == (0.3, 0.2, 1, "")
    assert rep.max_violation == pytest.approx(0.1)


def test_fast_reports_equal_constructed_ones():
    fast = _new_report("K(1)", 0.5, 1.0, True, 2, 0.0, "'A'")
    slow = ConstraintReport(
        name="K(1)",
        value=0.5,
        limit=1.0,
        binding=True,
        n_binding=2,
        max_violation=0.0,
        where="'A'",
    )
    assert fast == slow and repr(fast) == repr(slow)
    assert list(vars(fast).items()) == list(vars(slow).items())
    assert pickle.loads(pickle.dumps(fast)) == slow
    with pytest.raises(FrozenInstanceError):
        fast.value = 0.0  # type: ignore[misc]


def test_max_violation_is_never_negative_zero():
    """A row exactly at its bound (gap -0.0) reports max_violation +0.0."""
    for n in (1, 2, 5):  # the Python-float path and the numpy path
        lhs = np.full(n, -0.0)
        rhs = np.zeros(n)
        info = RowInfo(
            labels=[f"row{i}" for i in range(n)],
            sign=np.ones(n),
            scale=np.ones(n),
            active=np.ones(n, dtype=bool),
        )
        rep = _Rows(lhs, rhs, info).report(np.zeros(3), np.zeros(3), snapshot())
        assert math.copysign(1.0, rep.max_violation) == 1.0, n
