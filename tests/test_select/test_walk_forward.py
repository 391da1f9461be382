"""rp.select.walk_forward: validation-based selection without look-ahead."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import ConfigError, DataError


@pytest.fixture(scope="module")
def market():
    rng = np.random.default_rng(7)
    n_dates, n_assets = 420, 25
    dates = pd.bdate_range("2019-01-01", periods=n_dates)
    f = rng.normal(0, 0.01, (n_dates, 2))
    B = rng.normal(1, 0.3, (n_assets, 2)) * [1.0, 0.4]
    R = pd.DataFrame(
        f @ B.T + rng.normal(0, 0.012, (n_dates, n_assets)),
        dates,
        [f"S{i:02d}" for i in range(n_assets)],
    )
    w = rng.dirichlet(np.full(n_assets, 2.0))
    index = (R @ w + rng.normal(0, 4e-4, n_dates)).rename("IDX")
    return R, index


BASE = rp.Replicator(
    costs=[rp.costs.ProportionalFee(bps=10)],
    constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
)
GRID = {
    "risk": [rp.risk.StatisticalFactor(n_factors=3), rp.risk.SampleCovariance()],
    "risk_aversion": [0.01, 1.0, 100.0],
}


def select(R, index, until):
    return rp.select.walk_forward(
        GRID, R, index, model=BASE, until=until, validation=100, lookback=120
    )


def test_the_winner_has_the_lowest_validation_tracking_error(market):
    R, index = market
    sel = select(R, index, R.index[300])
    t = sel.table
    assert len(t) == 6 and t["te_ex_post"].is_monotonic_increasing
    assert sel.until == R.index[300]
    assert sel.validation == (R.index[201], R.index[300])
    assert sel.settings["risk_aversion"] == t.loc[0, "risk_aversion"]
    assert sel.settings["risk"].name == t.loc[0, "risk"]
    assert sel.model.risk_aversion == sel.settings["risk_aversion"]
    assert sel.model.costs[0].bps == 10  # the base model's costs are kept
    # The table's score is the backtest's own: rerun the winner independently.
    bt = rp.backtest.run(
        sel.model.clone(),
        R.iloc[:301],
        index.iloc[:301],
        schedule="M",
        lookback=120,
        start=R.index[201],
        baselines=None,
    )
    assert bt.metrics()["te_ex_post"] == pytest.approx(t.loc[0, "te_ex_post"], rel=1e-6)
    assert "Selected" in sel.summary()


def test_perturbing_returns_after_the_selection_date_changes_nothing(market):
    R, index = market
    until = R.index[300]
    sel = select(R, index, until)
    rng = np.random.default_rng(0)
    R2, index2 = R.copy(), index.copy()
    after = R2.index > until
    R2.loc[after] = rng.normal(0, 0.2, (after.sum(), R.shape[1]))
    index2.loc[after] = -index2.loc[after] * 5
    sel2 = select(R2, index2, until)
    pd.testing.assert_frame_equal(sel.table, sel2.table)
    assert sel2.settings["risk"].name == sel.settings["risk"].name
    # ... while perturbing the validation period does change the table.
    R3 = R.copy()
    R3.iloc[250:300] = rng.normal(0, 0.05, (50, R.shape[1]))
    sel3 = select(R3, index, until)
    assert not np.allclose(
        sel3.table["te_ex_post"].sort_values(), sel.table["te_ex_post"].sort_values()
    )


def test_plot_is_a_matplotlib_figure(market):
    R, index = market
    fig = select(R, index, R.index[300]).plot()
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_xscale() == "log"


def test_bad_grids_and_short_histories_are_named(market):
    R, index = market
    with pytest.raises(ConfigError, match=r"unknown grid keys .*'n_factors'"):
        rp.select.walk_forward({"n_factors": [3]}, R, index)
    with pytest.raises(ConfigError, match="non-empty list"):
        rp.select.walk_forward({"risk_aversion": []}, R, index)
    with pytest.raises(
        DataError, match=r"61 rows of returns up to .* 120 \+ 100 = 220"
    ):
        select(R, index, R.index[60])
    with pytest.raises(ConfigError, match="score"):
        rp.select.walk_forward(GRID, R, index, score="sharpe")


def test_a_list_of_models_is_a_grid(market):
    R, index = market
    models = [BASE.clone(), BASE.clone()]
    models[1].risk_aversion = 0.01
    sel = rp.select.walk_forward(models, R, index, validation=100, lookback=120)
    assert len(sel.table) == 2
    assert isinstance(sel.plot(), matplotlib.figure.Figure)


def test_reselecting_backtest_with_one_candidate_is_the_plain_backtest(market):
    # The segments' accounting (drifted holdings, NAV, formation costs) chains
    # into the same daily returns as one continuous backtest.
    R, index = market
    kw = {"schedule": "M", "lookback": 120, "validation": 100}
    grid = {"risk": [rp.risk.StatisticalFactor(n_factors=3)], "risk_aversion": [1.0]}
    res = rp.select.reselecting_backtest(grid, R, index, model=BASE, every=3, **kw)
    assert len(res.segments) >= 3 and len(res.choices) == len(res.segments)
    plain_model = BASE.clone()
    plain_model.risk = rp.risk.StatisticalFactor(n_factors=3)
    plain_model.risk_aversion = 1.0
    plain = rp.backtest.run(
        plain_model,
        R,
        index,
        schedule="M",
        lookback=120,
        start=res.daily.index[1],
        baselines=None,
    )
    pd.testing.assert_index_equal(res.daily.index, plain.daily.index)
    np.testing.assert_allclose(
        res.daily["portfolio_return"], plain.daily["portfolio_return"], atol=1e-7
    )
    np.testing.assert_allclose(res.daily["nav"], plain.daily["nav"], rtol=1e-6)
    assert res.tracking_error == pytest.approx(plain.metrics()["te_ex_post"], rel=1e-4)


def test_reselecting_backtest_chooses_at_each_segment(market):
    R, index = market
    res = rp.select.reselecting_backtest(
        GRID, R, index, model=BASE, every=4, schedule="M", lookback=120, validation=100
    )
    for sel, seg in zip(res.selections, res.segments, strict=True):
        assert sel.until == seg.daily.index[0]  # chosen with data up to formation
        assert seg.config["model"] == repr(sel.model)
