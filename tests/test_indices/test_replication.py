"""Full replication of a built index, zero costs: ex-post TE below 1e-10."""

from __future__ import annotations

import pandas as pd

import replicator as rp
from tests.test_indices.conftest import make_panels

I = rp.indices


def _model(ppy: float) -> rp.Replicator:
    return rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        periods_per_year=ppy,
    )


def _replicate(h: rp.indices.IndexHistory, ppy: float, lookback: int):
    held = h.weights.columns[(h.weights > 0).any()]
    start = h.weights.index[0] + pd.Timedelta(days=1)
    return rp.backtest.run(
        _model(ppy), h.returns[held], h.weights[held], schedule="reconstitution",
        lookback=lookback, start=start, baselines=["full"],
        score_against=h.index_returns, benchmark_name=h.name,
    )  # fmt: skip


def test_cap_weighted_equity_index_is_replicated_exactly():
    prices, caps, _ = make_panels(
        n_assets=12, n_dates=260, seed=5, freq="B", spread=0.2
    )
    m = I.Methodology(I.MarketCap(), I.Selection(top=8, buffer=1), reweight="M",
                      reconstitute="Q", lag=1, name="equity cap-weighted")  # fmt: skip
    h = m.build(market_caps=caps, prices=prices)
    assert len(h.changes[h.changes["change"] == "leave"]) > 0  # membership changes
    bt = _replicate(h, 252.0, lookback=20)
    info = bt.config["benchmark"]
    assert info["name"] == "equity cap-weighted"
    assert info["te_tracked"]["full"] < 1e-10
    assert info["te_scored"]["full"] < 1e-10
    assert bt.baselines["full"].metrics()["te_ex_post"] < 1e-10


def test_crypto_index_is_replicated_exactly():
    u = rp.datasets.load_crypto_universe(start="2019-01-01")
    m = I.Methodology(
        I.CappedMarketCap(cap=0.25),
        I.Selection(top=10, exclude_tags=("stablecoin",), min_age=90),
        reweight="M", lag=1, on_missing="drop", name="crypto top-10 capped",
    )  # fmt: skip
    h = m.build(u.table)
    assert (h.changes["change"] == "leave").any()
    bt = _replicate(h, 365.0, lookback=60)
    info = bt.config["benchmark"]
    assert info["te_tracked"]["full"] < 1e-10
    assert info["te_scored"]["full"] < 1e-10
