"""Ex-ante against realized TE: the bias statistic of a backtest (issue 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replicator.backtest._metrics import bias_statistic


def frames(scale: float, seed: int = 0, n_days: int = 2000):
    """Active returns drawn with sd ``scale`` x the ex-ante TE of each month."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=n_days + 1)
    month_end = dates.to_series().groupby(dates.to_period("M")).max()
    reb_dates = [dates[0], *month_end.iloc[:-1]]
    sigma = pd.Series(rng.uniform(0.002, 0.05, len(reb_dates)), reb_dates)
    per_day = sigma.reindex(dates).ffill().shift(1)  # forecast from the day before
    active = rng.standard_normal(len(dates)) * scale * per_day / np.sqrt(252)
    active.iloc[0] = 0.0
    daily = pd.DataFrame({"active_return": active}, index=dates)
    rebalances = pd.DataFrame({"ex_ante_te": sigma})
    return daily, rebalances


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
def test_bias_statistic_recovers_the_miscalibration(scale):
    daily, rebalances = frames(scale)
    b = bias_statistic(daily, rebalances, 252.0)
    assert b == pytest.approx(scale, rel=0.05)
    # The ratio of the period's TE to the mean ex-ante TE mixes the months'
    # levels; the bias statistic does not.
    te = daily["active_return"].iloc[1:].std() * np.sqrt(252)
    ratio = te / rebalances["ex_ante_te"].mean()
    assert abs(ratio - scale) > abs(b - scale)


def test_bias_statistic_is_undefined_without_forecasts():
    daily, rebalances = frames(1.0, n_days=30)
    rebalances["ex_ante_te"] = np.nan
    assert np.isnan(bias_statistic(daily, rebalances, 252.0))


def test_backtest_summary_and_report_show_the_calibration(mkt, model_factory):
    import replicator as rp
    from replicator.report._backtest import backtest_to_html

    bt = rp.backtest.run(
        model_factory(), mkt.returns, mkt.index_returns, schedule="M", lookback=60
    )
    m = bt.metrics()
    # Independently: each performance day over the last forecast before it.
    ante = bt.rebalances["ex_ante_te"]
    z = []
    for day, a in bt.active_returns.iloc[1:].items():
        sigma = ante[ante.index < day].iloc[-1]
        z.append(a / (sigma / np.sqrt(252)))
    assert m["te_bias_statistic"] == pytest.approx(np.std(z, ddof=1), rel=1e-10)
    assert m["te_realized_over_ex_ante"] == pytest.approx(
        m["te_ex_post"] / m["te_ex_ante_mean"]
    )
    assert "Bias statistic (1 = calibrated)" in bt.summary()
    assert "Realized / ex-ante TE" in bt.summary()
    html = backtest_to_html(bt)
    assert "Bias statistic (1 = calibrated)" in html
