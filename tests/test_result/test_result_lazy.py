"""The per-asset Series of a result: built on first access, owned, immutable.

:func:`replicator._attribution.build_result` computes every number eagerly
into read-only arrays the result owns; :class:`ReplicationResult` wraps them
in pandas Series on first access and keeps those. Pinned here: the lazy Series
equal what the eager code built (values, index, name, dtype); the result does
not change when the inputs, the snapshot, the model or a returned Series are
changed; each access returns a new shallow copy (so ``res.weights is
res.weights`` is False) that stays writable after the result is gone;
pickling, copying and ``dataclasses.replace`` before and after access.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import replicator as rp
import replicator.result
from replicator._attribution import _liquidity_usage, build_result
from replicator.result import PerAssetData, ReplicationResult, _copy_on_write
from replicator.solvers import Status

C = rp.constraints
NAV = 1e8
SERIES = (
    "weights",
    "trades",
    "holdings",
    "benchmark",
    "te_by_asset",
    "te_by_group",
    "liquidity_usage",
)


def _model() -> rp.Replicator:
    return rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        costs=[rp.costs.ProportionalFee(bps=5)],
        constraints=[
            C.FullyInvested(),
            C.LongOnly(),
            C.WeightBounds(upper=0.2),
            C.TurnoverLimit(0.5),
        ],
    )


def _data(u, *, groups: bool = True, adv: bool = True) -> dict:
    """Solve inputs of a universe (copies: the tests change them afterwards)."""
    data = {
        "returns": u.returns.copy(),
        "benchmark": u.benchmark.copy(),
        "holdings": u.holdings.copy(),
        "nav": NAV,
    }
    if groups:
        data["groups"] = u.sectors.copy()
    if adv:
        data["adv"] = u.adv.copy()
    return data


def _solve(model: rp.Replicator, data: dict):
    """Solve; return the result, the snapshot and the raw solver solution."""
    snap = model.prepare(**data)
    res = model.solve_snapshot(snap)
    w, t = model.compiled_for(snap).solution()
    return res, snap, np.array(w), np.array(t)


def _eager(model: rp.Replicator, snap, w: np.ndarray) -> dict[str, pd.Series]:
    """The per-asset Series as the eager build_result made them."""
    assets = snap.assets
    weights = np.where(snap.investable, w, 0.0)
    trades = weights - snap.holdings
    contrib = pd.Series(model.risk.contributions(weights, snap), index=assets)
    if snap.groups is not None:
        by_group = contrib.groupby(snap.groups.reindex(assets).to_numpy()).sum()
    else:
        by_group = pd.Series(dtype=float)
    if snap.adv is None:
        usage = pd.Series(dtype=float)
    else:
        usage = pd.Series(_liquidity_usage(trades, snap.nav, snap.adv), index=assets)
    return {
        "weights": pd.Series(weights, index=assets, name="weight"),
        "trades": pd.Series(trades, index=assets, name="trade"),
        "holdings": pd.Series(snap.holdings, index=assets, name="holdings"),
        "benchmark": pd.Series(snap.benchmark, index=assets, name="benchmark"),
        "te_by_asset": contrib,
        "te_by_group": by_group,
        "liquidity_usage": usage,
    }


def _assert_same(got: pd.Series, want: pd.Series) -> None:
    pd.testing.assert_series_equal(got, want, check_exact=True, check_index_type=True)
    assert got.name == want.name and got.dtype == want.dtype


def _assert_results_equal(a: ReplicationResult, b: ReplicationResult) -> None:
    for name in SERIES:
        _assert_same(getattr(a, name), getattr(b, name))
    assert a.to_dict() == b.to_dict()
    assert a == b


@pytest.fixture(scope="module")
def solved(medium):
    """A solve with groups and ADV: (model, data, result, snapshot, w)."""
    model, data = _model(), _data(medium)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res, snap, w, _ = _solve(model, data)
    return model, data, res, snap, w


# ================================================================ values
@pytest.mark.parametrize("groups", [True, False])
@pytest.mark.parametrize("adv", [True, False])
def test_lazy_series_equal_the_eager_ones(medium, groups, adv):
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res, snap, w, t = _solve(model, _data(medium, groups=groups, adv=adv))
        want = _eager(model, snap, w)
        with snap.solving():
            again = build_result(model, None, snap, w, t, res.stats)
    for r in (res, again):
        for name in SERIES:
            _assert_same(getattr(r, name), want[name])
    assert res.te_by_group.empty is not groups
    assert res.liquidity_usage.empty is not adv
    if not groups:  # absent diagnostics: empty float Series on a RangeIndex
        assert isinstance(res.te_by_group.index, pd.RangeIndex)
    assert res.n_holdings == int((want["weights"].abs() > 1e-6).sum())
    pd.testing.assert_series_equal(
        res.active_weights(), want["weights"] - want["benchmark"]
    )


def test_frames_and_summaries_are_unchanged(solved):
    model, _, res, snap, w = solved
    want = _eager(model, snap, w)
    frame = pd.DataFrame(
        {
            "benchmark": want["benchmark"],
            "holdings": want["holdings"],
            "weight": want["weights"],
            "trade": want["trades"],
            "active": want["weights"] - want["benchmark"],
            "te_contribution": want["te_by_asset"],
            "liquidity_usage": want["liquidity_usage"],
        }
    )
    pd.testing.assert_frame_equal(res.to_frame(), frame, check_exact=True)
    d = res.to_dict()
    assert d["te_decomposition"]["by_group"] == {
        str(k): float(v) for k, v in want["te_by_group"].items()
    }
    assert d["max_liquidity_usage"] == float(want["liquidity_usage"].max())
    assert "Ex-ante TE" in res.summary() and str(res) == res.summary()


# ============================================================= ownership
def test_result_owns_its_data(medium):
    model, data = _model(), _data(medium)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res, snap, w, _ = _solve(model, data)
    want = _eager(model, snap, w)  # before anything changes
    arrays = res._per_asset.arrays
    assert all(not a.flags.writeable for a in arrays.values())
    assert not any(
        np.shares_memory(a, b)
        for a in arrays.values()
        for b in (snap.holdings, snap.benchmark, snap.adv)
    )
    # change the inputs, the snapshot and the model before the first access
    for key in ("benchmark", "holdings", "adv"):
        data[key].iloc[:] = 0.5
    data["groups"].iloc[:] = "other"
    snap.holdings[:] = 0.5
    snap.benchmark[:] = 0.5
    snap.adv[:] = 1.0
    snap.groups.iloc[:] = "other"
    model.constraints[2].upper = 0.15
    model.costs[0].bps = 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve(**_data(medium))  # the model solves something else
    for name in SERIES:
        _assert_same(getattr(res, name), want[name])


def test_changing_a_returned_series_never_changes_the_result(solved):
    model, _, res, snap, w = solved
    want = _eager(model, snap, w)
    for name in SERIES:
        s = getattr(res, name)
        s.iloc[0] = 99.0
        s *= 2.0
        s.loc["new"] = 1.0
        s.name = "changed"
        s.index = pd.RangeIndex(len(s))
        _assert_same(getattr(res, name), want[name])
    assert res.n_holdings == int((want["weights"].abs() > 1e-6).sum())


@pytest.mark.skipif(not _copy_on_write(), reason="pandas without copy-on-write")
def test_each_access_is_a_new_shallow_copy(solved):
    res = solved[2]
    for name in SERIES:
        first, second = getattr(res, name), getattr(res, name)
        assert first is not second and first.equals(second)
        # no data copied per access: both read the Series built on first access
        assert np.shares_memory(first.to_numpy(), second.to_numpy())
        # ... which is not the result's read-only array
        owned = res._per_asset.arrays.get(name)
        if owned is not None:
            assert not np.shares_memory(first.to_numpy(), owned)


def test_without_copy_on_write_each_access_is_a_deep_copy(medium, monkeypatch):
    # pandas 2 without copy-on-write: a shallow copy would share the data
    monkeypatch.setattr(replicator.result, "_copy_on_write", lambda: False)
    model, data = _model(), _data(medium)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res, snap, w, _ = _solve(model, data)
    want = _eager(model, snap, w)
    data["groups"].iloc[:] = "other"
    snap.groups.iloc[:] = "other"
    for name in SERIES:
        first, second = getattr(res, name), getattr(res, name)
        assert not np.shares_memory(first.to_numpy(), second.to_numpy())
        first.iloc[0] = 99.0
        _assert_same(second, want[name])
        _assert_same(getattr(res, name), want[name])


def test_a_series_stays_writable_after_the_result_is_gone(medium):
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = model.solve(**_data(medium)).weights  # the result is dropped
    before = weights.iloc[0]
    weights.iloc[0] = before + 1.0
    assert weights.iloc[0] == before + 1.0


def test_results_are_frozen(solved):
    res = solved[2]
    for name in (*SERIES, "cash", "_per_asset"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(res, name, None)


# ============================================== pickling, copies, replace
@pytest.mark.parametrize("accessed", [False, True])
def test_pickle_round_trips_before_and_after_access(medium, accessed):
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res, *_ = _solve(model, _data(medium))
    size = len(pickle.dumps(res))
    if accessed:
        for name in SERIES:
            getattr(res, name)
        # the built Series are not pickled: the arrays are
        assert len(pickle.dumps(res)) == size
    clone = pickle.loads(pickle.dumps(res))
    assert all(not a.flags.writeable for a in clone._per_asset.arrays.values())
    _assert_results_equal(clone, res)
    for other in (copy.copy(res), copy.deepcopy(res)):
        _assert_results_equal(other, res)


def test_replace_keeps_the_per_asset_data(solved):
    res = solved[2]
    stats = dataclasses.replace(res.stats, status=Status.OPTIMAL_INACCURATE)
    other = dataclasses.replace(res, stats=stats)
    assert other.status is Status.OPTIMAL_INACCURATE
    assert other._per_asset is res._per_asset  # read-only: safe to share
    for name in SERIES:
        _assert_same(getattr(other, name), getattr(res, name))


def test_per_asset_data_equality():
    assets = pd.Index(["A", "B"])
    groups = pd.Series(["x", "y"], index=assets)

    def data(w: float = 0.5, g: pd.Series | None = groups) -> PerAssetData:
        return PerAssetData(assets, {"weights": np.array([w, 1 - w])}, g)

    assert data() == data() and repr(data()) == "<PerAssetData: 2 assets>"
    assert data() != data(0.4)
    assert data() != data(g=None) and data(g=None) == data(g=None)
    assert data() != PerAssetData(assets[::-1], {"weights": np.array([0.5, 0.5])})
    nan = PerAssetData(assets, {"liquidity_usage": np.array([np.nan, 0.0])})
    assert nan == pickle.loads(pickle.dumps(nan))
    with pytest.raises(TypeError, match="unhashable"):
        hash(data())
