"""Engine behaviour: problem reuse, re-estimation, timing, universe changes."""

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.backtest._policies import sum_to_one_least_squares
from replicator.exceptions import InfeasibleError
from replicator.measures import active_share


def _effective_rows(mkt):
    R, w = mkt.returns, mkt.weights
    w2 = w.copy()
    w2.iloc[:3] *= 3.0
    return pd.DataFrame([w, w2 / w2.sum()], index=[R.index[0], R.index[100]])


def test_problem_compiles_once_and_is_reestimated_every_k(mkt, model_factory):
    model = model_factory(rp.costs.ProportionalFee(bps=5))
    bt = rp.backtest.run(
        model,
        mkt.returns,
        _effective_rows(mkt),
        schedule=10,
        lookback=60,
        reestimate_every=3,
    )
    assert model.n_compilations_ == 1
    assert bt.n_compilations == 1
    assert bt.metrics()["n_compilations"] == 1
    n = len(bt.rebalances)
    assert n == 8
    assert bt.rebalances["refit"].tolist() == [k % 3 == 0 for k in range(n)]
    assert (bt.rebalances["status"] == "optimal").all()
    # a second backtest on the same universe reuses the compiled problem
    rp.backtest.run(model, mkt.returns, mkt.weights, schedule="M", lookback=60)
    assert model.n_compilations_ == 1


def test_factors_are_reused_between_reestimations(mkt, model_factory):
    model = model_factory()
    seen = []
    fit = model.risk.fit

    def spy(*args, **kwargs):
        seen.append(args[0].index[-1])
        return fit(*args, **kwargs)

    model.risk.fit = spy
    bt = rp.backtest.run(
        model, mkt.returns, mkt.weights, schedule=10, lookback=60, reestimate_every=2
    )
    assert seen == list(bt.rebalances.index[::2])


def _decisions(model_factory, R, idx, end=None):
    bt = rp.backtest.run(
        model_factory(rp.costs.ProportionalFee(bps=5)),
        R,
        idx,
        schedule=10,
        lookback=60,
        end=end,
    )
    return bt


def test_no_look_ahead(mkt, model_factory):
    """Returns after date d cannot change the decision taken at d."""
    R, idx = mkt.returns, mkt.index_returns
    base = _decisions(model_factory, R, idx)
    d = base.rebalances.index[3]
    rng = np.random.default_rng(9)
    R2, idx2 = R.copy(), idx.copy()
    after = R.index > d
    R2.loc[after] += rng.normal(0, 0.05, R2.loc[after].shape)
    idx2.loc[after] += rng.normal(0, 0.05, after.sum())
    other = _decisions(model_factory, R2, idx2)
    upto = base.weights.index <= d
    pd.testing.assert_frame_equal(
        base.weights[upto], other.weights[upto], rtol=0, atol=0
    )
    for name in ("optimized", "ls"):
        a = base if name == "optimized" else base.baselines[name]
        b = other if name == "optimized" else other.baselines[name]
        pd.testing.assert_frame_equal(
            a.daily[a.daily.index <= d], b.daily[b.daily.index <= d]
        )
    assert not np.allclose(base.weights.iloc[4], other.weights.iloc[4])
    # the test can fail: perturbing the returns *of* d changes the decision at d
    R3 = R.copy()
    R3.loc[d] += rng.normal(0, 0.05, R.shape[1])
    third = _decisions(model_factory, R3, idx)
    assert not np.allclose(base.weights.loc[d], third.weights.loc[d], atol=1e-6)
    pd.testing.assert_frame_equal(
        base.weights[base.weights.index < d], third.weights[third.weights.index < d]
    )


def test_returns_only_mode_uses_the_least_squares_tracker(mkt, model_factory):
    bt = rp.backtest.run(
        model_factory(),
        mkt.returns,
        mkt.index_returns,
        schedule="M",
        lookback=60,
        baselines=("full", "top_k", "ls"),
    )
    assert bt.returns_only
    assert list(bt.baselines) == ["ls"]
    assert any("'full' is not available" in n for n in bt.notes)
    assert not any("universe" in n for n in bt.notes)
    assert any("'top_k' is not available" in n for n in bt.notes)
    np.testing.assert_allclose(bt.baselines["ls"].weights.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(
        bt.benchmark_returns.iloc[1:], mkt.index_returns.iloc[60:]
    )
    # the index is a constant mix of the assets: LS recovers its weights
    ls = bt.baselines["ls"].weights
    np.testing.assert_allclose(ls, np.tile(mkt.weights, (len(ls), 1)), atol=1e-10)
    auto = rp.backtest.run(model_factory(), mkt.returns, mkt.index_returns, lookback=60)
    assert list(auto.baselines) == ["ls"]


def test_sum_to_one_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 0.01, (200, 6))
    w = np.array([0.5, 0.3, -0.1, 0.2, 0.0, 0.1])
    np.testing.assert_allclose(sum_to_one_least_squares(X, X @ w), w, atol=1e-12)
    # more assets than dates: an exact fit, summing to one, of minimum norm
    X = rng.normal(0, 0.01, (5, 12))
    y = rng.normal(0, 0.01, 5)
    x = sum_to_one_least_squares(X, y)
    np.testing.assert_allclose(X @ x, y, atol=1e-14)
    assert x.sum() == pytest.approx(1.0, abs=1e-14)
    z = rng.normal(size=12)
    z -= z.mean()
    null = z - np.linalg.pinv(X - X.mean(axis=1, keepdims=True)) @ (X @ z)
    assert np.linalg.norm(x) <= np.linalg.norm(x + null) + 1e-12


def test_entering_and_leaving_names(mkt, model_factory):
    R, w = mkt.returns.copy(), mkt.weights
    R.loc[R.index[:40], "T07"] = np.nan  # listed on day 40: no history before
    w1 = w.copy()
    w1["T07"] = 0.0
    w2 = w.copy()
    w2["T00"] = 0.0  # T00 leaves at the reconstitution effective on day 100
    rows = pd.DataFrame(
        [w1 / w1.sum(), w2 / w2.sum()], index=[R.index[0], R.index[100]]
    )
    bt = rp.backtest.run(
        model_factory(),
        R,
        rows,
        schedule=[R.index[70], R.index[99], R.index[120]],
        lookback=60,
        min_history=0.9,
    )
    for res in (bt, bt.baselines["full"]):
        wts = res.weights
        assert list(wts.index) == [R.index[59], R.index[70], R.index[99], R.index[120]]
        assert (wts.loc[: R.index[70], "T07"] == 0).all()  # not a constituent
        assert wts.loc[R.index[99], "T00"] == 0  # sold when it leaves
        assert wts.loc[R.index[59], "T00"] > 0.01
    # T07 joins on day 100 with 60 of 60 days of history: bought at the close of 99
    assert bt.baselines["full"].weights.loc[R.index[99], "T07"] > 0.01
    assert bt.n_compilations == 1


def test_short_history_is_not_investable(mkt, model_factory):
    R, w = mkt.returns.copy(), mkt.weights
    R.loc[R.index[:75], "T03"] = np.nan  # 25 of 60 days of history at day 99
    bt = rp.backtest.run(
        model_factory(),
        R,
        w,
        schedule=[R.index[99], R.index[130]],
        lookback=60,
        start=R.index[100],
        baselines=["full"],
    )
    full = bt.baselines["full"]
    assert full.weights.loc[R.index[99], "T03"] == 0
    assert full.weights.loc[R.index[130], "T03"] > 0  # 55/60 >= 0.9 by day 130
    assert bt.weights.loc[R.index[99], "T03"] == 0


def test_a_held_name_without_a_price_keeps_its_position(mkt, model_factory):
    R, w = mkt.returns.copy(), mkt.weights
    halt = R.index[80]
    R.loc[halt, "T02"] = np.nan
    bt = rp.backtest.run(
        model_factory(), R, w, schedule=[halt], lookback=60, baselines=["full"],
        benchmark_mix="constant",
    )  # fmt: skip
    for res in (bt, res_full := bt.baselines["full"]):
        pre = res.weights.loc[halt] - res.trades.loc[halt]
        assert res.trades.loc[halt, "T02"] == 0.0
        assert res.weights.loc[halt, "T02"] == pytest.approx(pre["T02"], abs=0)
        assert res.weights.loc[halt].sum() == pytest.approx(1.0, abs=1e-7)
    # the others are the target scaled by (1 - frozen weight)
    b = w.drop("T02")
    f = res_full.weights.loc[halt, "T02"]
    np.testing.assert_allclose(
        res_full.weights.loc[halt].drop("T02"), b / b.sum() * (1 - f), atol=1e-14
    )
    # a missing return counts as 0 for the held name that day
    d = res_full.daily
    i = d.index.get_loc(halt)
    w_prev = res_full.weights.iloc[0] * (1 + R.iloc[60:80].fillna(0)).prod()
    w_prev /= w_prev.sum()
    r = R.loc[halt].fillna(0.0)
    assert d["portfolio_return"].iloc[i] == pytest.approx(float(w_prev @ r), rel=1e-10)


def test_drift_threshold_schedule(mkt, model_factory):
    sched = rp.backtest.Schedule(calendar=None, max_drift=0.02)
    bt = rp.backtest.run(
        model_factory(), mkt.returns, mkt.weights, schedule=sched, lookback=60
    )
    full = bt.baselines["full"]
    triggers = full.rebalances["trigger"]
    assert triggers.iloc[0] == "formation"
    assert (triggers.iloc[1:] == "drift").all() and len(triggers) > 2
    prev_target = full.weights.to_numpy()[:-1]
    pre = (full.weights - full.trades).to_numpy()[1:]
    drifts = [active_share(a, b) for a, b in zip(pre, prev_target, strict=True)]
    assert min(drifts) > 0.02
    never = rp.backtest.run(
        model_factory(),
        mkt.returns,
        mkt.weights,
        lookback=60,
        schedule=rp.backtest.Schedule(calendar=None, max_drift=0.9),
    )
    assert len(never.rebalances) == 1


def test_tracking_error_threshold_schedule(mkt, model_factory):
    model = model_factory()
    sched = rp.backtest.Schedule(calendar=None, max_tracking_error=0.002)
    bt = rp.backtest.run(
        model,
        mkt.returns,
        mkt.weights,
        schedule=sched,
        lookback=60,
        baselines=["top_k"],
        top_k=4,
    )
    top = bt.baselines["top_k"]
    assert (top.rebalances["trigger"].iloc[1:] == "tracking_error").all()
    assert len(top.rebalances) == len(top.daily) - 1  # 4 names: TE always above 0.2 %
    assert top.metrics()["te_ex_ante_mean"] > 0.002
    assert len(bt.rebalances) < len(top.rebalances)


def test_on_error_hold_keeps_the_holdings(mkt, model_factory):
    bad = model_factory(
        constraints=[
            rp.constraints.FullyInvested(),
            rp.constraints.WeightBounds(upper=0.05),
        ]
    )
    with pytest.raises(InfeasibleError) as info:
        rp.backtest.run(bad, mkt.returns, mkt.weights, lookback=60)
    assert info.value.date == mkt.returns.index[59]
    bt = rp.backtest.run(bad, mkt.returns, mkt.weights, lookback=60, on_error="hold")
    assert bt.rebalances["status"].str.startswith("failed (InfeasibleError)").all()
    assert (bt.daily["turnover"] == 0).all()
    np.testing.assert_allclose(bt.daily["cash"], 1.0)


def test_progress_bar_runs(mkt, model_factory):
    bt = rp.backtest.run(
        model_factory(),
        mkt.returns,
        mkt.weights,
        lookback=60,
        end=mkt.returns.index[70],
        progress=True,
    )
    assert len(bt.daily) == 12


def test_inaccurate_solutions_give_one_summary_warning(mkt, model_factory):
    import dataclasses
    import warnings as _w

    from replicator.exceptions import InaccurateSolutionWarning
    from replicator.solvers import Status

    model = model_factory()
    solve = model.solve_snapshot

    def inaccurate(snapshot):
        res = solve(snapshot)
        _w.warn("inaccurate", InaccurateSolutionWarning, stacklevel=2)
        stats = dataclasses.replace(res.stats, status=Status.OPTIMAL_INACCURATE)
        return dataclasses.replace(res, stats=stats)

    model.solve_snapshot = inaccurate
    with pytest.warns(InaccurateSolutionWarning) as record:
        bt = rp.backtest.run(model, mkt.returns, mkt.weights, lookback=60, schedule=20)
    assert len(record) == 1
    assert str(record[0].message).startswith(f"{len(bt.rebalances)} of ")
    assert (bt.rebalances["status"] == "optimal_inaccurate").all()


def test_universe_rules(mkt, model_factory):
    R, w = mkt.returns, mkt.weights
    w2 = w.copy()
    w2["T05"] = 0.0  # T05 leaves the index on day 100
    rows = pd.DataFrame([w, w2 / w2.sum()], index=[R.index[0], R.index[100]])
    kw = dict(schedule=[R.index[99]], lookback=60, baselines=None)
    fee = rp.costs.ProportionalFee(bps=200)
    members = rp.backtest.run(model_factory(fee), R, rows, **kw)
    assert members.weights.loc[R.index[99], "T05"] == 0.0  # sold
    # any asset with data may be held: with a 2 % fee the optimizer keeps some
    anything = rp.backtest.run(model_factory(fee), R, rows, universe="all", **kw)
    assert anything.weights.loc[R.index[99], "T05"] > 1e-3
    names = ["T00", "T01", "T02"]
    fixed = rp.backtest.run(model_factory(), R, w, universe=names, **kw)
    assert (fixed.weights.iloc[0].drop(names).abs() < 1e-9).all()
    assert fixed.weights.iloc[0].sum() == pytest.approx(1.0, abs=1e-6)
    only = rp.backtest.run(
        model_factory(), R, mkt.index_returns, universe="constituents", **kw
    )
    text = "universe='constituents' needs benchmark weights"
    assert any(text in n for n in only.notes)


@pytest.mark.parametrize("mode", ["weights", "returns"])
def test_fast_snapshot_equals_prepare_without_fit(mkt, model_factory, mode):
    """Between re-estimations the engine's snapshot is prepare(fit=False)'s."""
    import dataclasses

    from replicator.backtest._engine import Engine

    R = mkt.returns
    bench = mkt.weights if mode == "weights" else mkt.index_returns
    model = model_factory()
    kw = dict(
        schedule=5, lookback=60, reestimate_every=100, start=None, end=None,
        holdings=None, nav=1e7, adv=pd.Series(1e9, index=R.columns), volumes=None,
        adv_window=20, prices=None, sectors=pd.Series("S", index=R.columns),
        flows=None, cash_return=0.0, universe=None, min_history=0.9,
        baselines=None, top_k=50, on_error="raise",
    )  # fmt: skip
    eng = Engine(model, R, bench, **kw)
    for i in range(eng.first, eng.first + 12):
        eng.step(i)
    i = eng.first + 12
    opt = eng.strategies[0]
    w0, nav = opt.book.weights(), opt.book.nav
    investable, _ = eng._investable(i)
    arrays = eng._market_arrays(i)
    fast = eng._snapshot(i, w0, nav, investable, arrays)
    lo = i - 59
    window = R.iloc[lo : i + 1]
    b = (
        pd.Series(eng.market.bench.weights[i], index=R.columns)
        if mode == "weights"
        else mkt.index_returns.iloc[lo : i + 1]
    )
    slow = model.prepare(
        window, b, pd.Series(w0, index=R.columns), nav=nav,
        adv=pd.Series(arrays["adv"], index=R.columns),
        volatility=pd.Series(arrays["volatility"], index=R.columns),
        groups=eng.market.groups, universe=R.columns, date=R.index[i], fit=False,
    )  # fmt: skip
    slow = dataclasses.replace(slow, investable=investable)
    for f in dataclasses.fields(fast):
        a, b_ = getattr(fast, f.name), getattr(slow, f.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b_, err_msg=f.name)
        elif isinstance(a, (pd.Index, pd.Series)):
            assert a.equals(b_), f.name
        else:
            assert a == b_, f.name
    # and the computed volatility is the window's
    np.testing.assert_allclose(arrays["volatility"], window.std(ddof=1), rtol=1e-12)


def test_blas_threads_are_limited_during_the_run_only(mkt, model_factory):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"]  # fmt: skip

    before = blas_threads()
    seen = []
    model = model_factory()
    fit = model.risk.fit

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return fit(*args, **kwargs)

    model.risk.fit = spy
    rp.backtest.run(model, mkt.returns, mkt.weights, lookback=60, schedule=40)
    assert seen and all(all(n == 1 for n in s) for s in seen)
    assert blas_threads() == before


def test_least_squares_gram_path_matches_the_pseudo_inverse():
    rng = np.random.default_rng(1)
    X = rng.normal(0, 0.01, (60, 90))
    y = X @ rng.dirichlet(np.ones(90)) + rng.normal(0, 1e-3, 60)
    x = sum_to_one_least_squares(X, y)
    A = X - X.mean(axis=1, keepdims=True)
    n = X.shape[1]
    z = np.linalg.pinv(A) @ (y - X @ np.full(n, 1 / n))
    np.testing.assert_allclose(x, 1 / n + z - z.mean(), atol=1e-10)
    # a singular Gram matrix (duplicated dates) falls back to the SVD
    Xd = np.vstack([X, X[:5]])
    yd = np.r_[y, y[:5]]
    xd = sum_to_one_least_squares(Xd, yd)
    np.testing.assert_allclose(xd, x, atol=1e-8)
