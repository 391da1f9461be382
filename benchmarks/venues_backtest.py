"""Backtest of issue 16 on the bundled crypto data: routed trades against one CEX.

A monthly-rebalanced top-20 cap-weighted index (ex stablecoins, 25 % cap),
2019-10 to 2021-10 (``rp.datasets.load_crypto``), $50M NAV, replicated

(a) **routed**: the optimizer chooses the weights and each coin's split across
    two CEXs (Coinbase-like: 8 bp taker at the $75M tier, 2 bp half-spread;
    Kraken-like: 10 bp taker, 3 bp half-spread; 3/2-power impact on their
    share of the ADV, 10 % and 5 %) and three Uniswap pools (ETH, BTC, LINK:
    exact constant product, $50 gas a swap, 50 bp cap on one trade's price
    move), venue parameters of ``configs/crypto_venues.yaml``; gas through
    :func:`rp.venues.solve_with_gas`'s convex stage (amortized; the ledger
    charges it exactly, per swap made);
(b) **naive**: trade everything to the target at every rebalance on the
    Coinbase-like CEX alone at its taker fee (the ``"full"`` baseline of a
    model whose only venue is that CEX).

Both start fully invested at the first target (no formation trade). Costs
are charged by the numpy twin (exact split, gas per swap made). Cost by venue
of (a) is the twin's split of each rebalance's trade, as the ledger priced it.
Risk: StatisticalFactor(3) on 90 days; horizon one month; risk aversion 100
(the configs' default) and 1e4 (tracks as closely as trading to the target).

    PYTHONPATH=$PWD python -m benchmarks.venues_backtest

Writes ``benchmarks/results/venues_backtest.txt``.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

import replicator as rp

RESULTS = Path(__file__).resolve().parent / "results" / "venues_backtest.txt"
NAV = 5e7
LOOKBACK = 90
#: Risk aversions of the routed strategy: the default of the configs, and one
#: high enough to track at least as closely as trading to the target.
RISK_AVERSIONS = (100.0, 1e4)
NOTES = """
TE ex post: annualized, of daily active returns net of costs. TD: annualized
return minus the benchmark's. costs bp/yr: every rebalance's cost (the first
one too: both start from the first target's weights) over the years; by venue
the twin's split of each charged trade. 2019-10-01 to 2021-10-17, monthly,
NAV $50M. Venue parameters are the assumptions of configs/crypto_venues.yaml.
"""
V = rp.venues

COINBASE = (
    V.FeeTier("$0", 0, 40, 60),
    V.FeeTier("$10K", 1e4, 25, 40),
    V.FeeTier("$1M", 1e6, 10, 20),
    V.FeeTier("$75M", 7.5e7, 0, 8),
    V.FeeTier("$400M", 4e8, 0, 5),
)
KRAKEN = (V.FeeTier("<$50K", 0, 16, 26), V.FeeTier(">$10M", 1e7, 0, 10))


def coinbase() -> V.CEXVenue:
    return V.CEXVenue(
        "coinbase", COINBASE, volume_30d=1e8, half_spread_bps=2, adv_share=0.10
    )


def venues() -> list:
    """The routed venues (crypto_venues.yaml, without participation caps)."""
    kraken = V.CEXVenue(
        "kraken", KRAKEN, volume_30d=2e7, half_spread_bps=3, adv_share=0.05
    )
    pools = [
        V.DEXPool("uniswap", "ETH", reserves=5e7, fee=0.0005, gas=50.0,
                  max_impact_bps=50),
        V.DEXPool("uniswap", "BTC", reserves=2e7, fee=0.003, gas=50.0,
                  max_impact_bps=50),
        V.DEXPool("uniswap", "LINK", reserves=5e6, fee=0.003, gas=50.0,
                  max_impact_bps=50),
    ]  # fmt: skip
    return [coinbase(), kraken, *pools]


class LedgerVenueCost(V.VenueCost):
    """VenueCost that keeps the last trade it priced on each date.

    The ledger prices a rebalance after the solve of that date, so the last
    trade priced per date is the one charged.
    """

    def evaluate(self, trades, snapshot) -> float:  # type: ignore[no-untyped-def]
        self.charged = getattr(self, "charged", {})
        self.charged[snapshot.date] = (np.array(trades, dtype=float), snapshot)
        return super().evaluate(trades, snapshot)


def index_weights(data) -> pd.DataFrame:
    """Top-20 ex-stablecoin cap weights (25 % cap) on each month start."""
    dates = pd.date_range("2019-10-01", "2021-10-01", freq="MS")
    rows = {
        d: data.cap_weights(date=d, cap=0.25, top=20, exclude=data.stablecoins)
        for d in dates
    }
    return pd.DataFrame(rows).T.fillna(0.0)


def model_for(term, risk_aversion: float = 100.0) -> rp.Replicator:  # type: ignore[no-untyped-def]
    return rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        costs=[term],
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        periods_per_year=365,
        risk_aversion=risk_aversion,
        horizon=1 / 12,
    )


def run(model, data, bench, baselines):  # type: ignore[no-untyped-def]
    return rp.backtest.run(
        model,
        data.returns,
        bench,
        schedule="M",
        lookback=LOOKBACK,
        start="2019-10-01",
        holdings=bench.iloc[0][bench.iloc[0] > 0],
        nav=NAV,
        volumes=data.volumes,
        adv_window=30,
        universe="constituents",
        baselines=baselines,
    )


def row(label: str, bt, by_venue: pd.Series) -> dict:  # type: ignore[no-untyped-def]
    m = bt.metrics()
    years = m["years"]
    out = {
        "strategy": label,
        "TE ex post %": 100 * m["te_ex_post"],
        "TD %/yr": 100 * m["tracking_difference_annualized"],
        "costs bp/yr": m["total_cost_bp"] / years,
        "turnover/yr": float(bt.turnover.sum() / years),
    }
    for venue, value in by_venue.items():
        out[f"{venue} bp/yr"] = 1e4 * value / years
    return out


def main() -> pd.DataFrame:
    data = rp.datasets.load_crypto()
    bench = index_weights(data)
    rows = []
    for aversion in RISK_AVERSIONS:
        routed = LedgerVenueCost(venues())
        bt_a = run(model_for(routed, aversion), data, bench, None)
        by_venue = pd.Series(0.0, index=["coinbase", "kraken", "uniswap"])
        for trades, snap in routed.charged.values():
            if np.any(trades):
                priced = SimpleNamespace(trades=pd.Series(trades, index=snap.assets))
                by_venue += (
                    rp.venues.venue_costs(priced, routed, snap)
                    .sum()
                    .reindex(by_venue.index, fill_value=0.0)
                )
        rows.append(row(f"(a) routed, optimized, lambda={aversion:g}", bt_a, by_venue))
    naive_term = V.VenueCost([coinbase()])
    bt_n = run(model_for(naive_term), data, bench, ["full"])
    naive = bt_n.baselines["full"]
    spent = float(naive.costs.to_numpy().sum())
    rows.append(
        row("(b) naive: target, one CEX, taker", naive, pd.Series({"coinbase": spent}))
    )
    return pd.DataFrame(rows).set_index("strategy").fillna(0.0)


if __name__ == "__main__":
    t = main()
    text = t.to_string(float_format=lambda x: f"{x:.3f}")
    print(text)
    RESULTS.write_text(__doc__.split("\n\n")[0] + "\n\n" + text + "\n" + NOTES)
