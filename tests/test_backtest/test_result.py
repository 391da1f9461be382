"""BacktestResult: metric definitions, text summary and exports."""

import dataclasses
import json

import numpy as np
import pytest

import replicator as rp


@pytest.fixture(scope="module")
def bt(mkt, model_factory):
    return rp.backtest.run(
        model_factory(rp.costs.ProportionalFee(bps=4)),
        mkt.returns,
        mkt.weights,
        schedule=15,
        lookback=60,
        nav=1e8,
    )


def test_metrics_match_their_definitions(bt):
    m = bt.metrics()
    d = bt.daily
    a = d["active_return"].to_numpy()[1:]
    n = len(a)
    years = n / 252
    assert m["n_days"] == n == len(d) - 1
    assert m["te_ex_post"] == pytest.approx(np.std(a, ddof=1) * np.sqrt(252), rel=1e-12)
    assert m["te_ex_post_rms"] == pytest.approx(np.sqrt(np.mean(a**2) * 252), rel=1e-12)
    gp = np.prod(1 + d["portfolio_return"])
    gb = np.prod(1 + d["benchmark_return"])
    assert m["tracking_difference_cumulative"] == pytest.approx(gp - gb, rel=1e-12)
    assert m["tracking_difference_cumulative"] == pytest.approx(
        d["nav"].iloc[-1] / bt.initial_nav - gb, rel=1e-10
    )
    assert m["tracking_difference_annualized"] == pytest.approx(
        gp ** (1 / years) - gb ** (1 / years), rel=1e-12
    )
    assert m["te_ex_ante_mean"] == pytest.approx(bt.rebalances["ex_ante_te"].mean())
    ongoing = bt.costs.iloc[1:].to_numpy().sum()
    assert m["cost_bp_per_year"] == pytest.approx(ongoing * 1e4 / years, rel=1e-12)
    assert m["formation_cost_bp"] == pytest.approx(4.0, rel=1e-9)  # 4 bp x turnover 1
    assert m["total_cost_bp"] == pytest.approx(bt.costs.to_numpy().sum() * 1e4)
    name = bt.costs.columns[0]
    assert m["costs_bp_per_year"][name] == pytest.approx(m["cost_bp_per_year"])
    assert m["turnover_per_year"] == pytest.approx(d["turnover"].iloc[1:].sum() / years)
    assert m["formation_turnover"] == pytest.approx(1.0)
    assert m["avg_n_holdings"] == pytest.approx(d["n_holdings"].mean())
    assert m["n_rebalances"] == len(bt.rebalances) == d["rebalanced"].sum()
    w = bt.rebalances["wall_time"]
    assert m["solve_time_median"] == pytest.approx(w.median())
    assert m["solve_time_max"] == pytest.approx(w.max())
    assert m["final_nav"] == pytest.approx(d["nav"].iloc[-1])
    # baselines have no solver
    assert bt.baselines["full"].metrics()["solve_time_median"] is None


def test_series_accessors(bt):
    assert bt.portfolio_returns.equals(bt.daily["portfolio_return"])
    assert bt.nav.equals(bt.daily["nav"])
    assert bt.ex_ante_tracking_error.index.equals(bt.rebalances.index)
    assert bt.weights.index.equals(bt.rebalances.index)
    np.testing.assert_allclose(bt.weights.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(
        bt.active_returns, bt.portfolio_returns - bt.benchmark_returns, atol=0
    )
    assert bt.benchmark_returns.iloc[0] == 0.0


def test_summary_and_comparison(bt):
    text = bt.summary()
    for label in (
        "Optimized",
        "Full replication",
        "Top 50",
        "Ex-post TE (sd, ann.)",
        "Tracking difference (ann.)",
        "Costs by type",
        "ProportionalFee(4)",
    ):
        assert label in text
    assert str(bt) == text
    table = bt.comparison()
    assert list(table.columns) == ["Optimized", "Full replication", "Top 50"]
    assert table.loc["n_compilations", "Optimized"] == 1


def test_exports(bt):
    frame = bt.to_frame()
    assert "cost:ProportionalFee(4)" in frame.columns
    assert len(frame) == len(bt.daily)
    data = json.loads(bt.to_json())
    assert data["metrics"]["n_rebalances"] == len(bt.rebalances)
    assert set(data["baselines"]) == {"full", "top_k"}
    assert data["config"]["schedule"]["calendar"] == 15
    assert "daily" not in data
    full = json.loads(bt.to_json(series=True))
    assert len(full["daily"]["date"]) == len(bt.daily)
    assert full["daily"]["rebalanced"][0] is True
    assert len(full["baselines"]["full"]["daily"]["nav"]) == len(bt.daily)


def test_result_is_frozen(bt):
    with pytest.raises(dataclasses.FrozenInstanceError):
        bt.name = "other"
