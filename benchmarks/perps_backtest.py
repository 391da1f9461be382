"""Backtest of issue 17 on the bundled crypto data: spot, perps, and a hedge.

A monthly-rebalanced top-10 cap-weighted index (ex stablecoins, 25 % cap),
2019-10 to 2021-10 (``rp.datasets.load_crypto``), replicated

(a) in spot only (fully invested, long-only);
(b) with perps allowed on every coin (long-only spot, margin, gross leverage
    1.5, funding carry);
(c) as a hedge: a frozen equal-weight basket of the long-tail coins outside
    the index (90 % of NAV, 10 % cash as collateral) plus BTC and ETH perps;
    beside it (c0) the same basket unhedged;
(d) with perps only (every spot frozen at 0): a derivatives-only fund.

The risk model is the sample covariance of the 90-day window: it ties a
perp's returns to its underlying's (identical columns at zero basis); a
k-factor model would give the perp a specific risk independent of the
spot's and penalize substitution.

Assumptions, all labelled (sources in crypto-markets.md): no funding series
is bundled, so funding is the 0.01 %/8 h anchor (Binance/BitMEX), expected
and realized alike; zero basis (perp return = spot return); maintenance margin
1 % (Binance BTCUSDT <= 1M tier); fees spot 10 bp (Binance spot retail),
perp 5 bp taker (Binance USDⓈ-M); half-spread 2 bp everywhere; cash earns 0.

    PYTHONPATH=$PWD python -m benchmarks.perps_backtest

TD is the difference of annualized returns: in the 2020-21 bull market a
constant drag is multiplied by about (1 + the index's return), so 11 %/yr of
funding shows as a TD of about -36 %/yr.
"""

from __future__ import annotations

import pandas as pd

import replicator as rp

D = rp.derivatives
LOOKBACK = 90
SPOT_BPS, HALF_SPREAD = 10.0, 2.0


def index_weights(data) -> pd.DataFrame:
    """Top-10 ex-stablecoin cap weights (25 % cap) on each month start."""
    dates = pd.date_range("2019-10-01", "2021-10-01", freq="MS")
    rows = {
        d: data.cap_weights(date=d, cap=0.25, top=10, exclude=data.stablecoins)
        for d in dates
    }
    return pd.DataFrame(rows).T.fillna(0.0)


def run_one(model, frame, bench, holdings=None):
    """The backtest of one model, monthly, without baselines."""
    return rp.backtest.run(
        model,
        frame,
        bench,
        schedule="M",
        lookback=LOOKBACK,
        start="2019-10-01",
        holdings=holdings,
        nav=5e7,
        universe="all",
        baselines=None,
    )


def margin_stats(bt, perps) -> tuple[float, float]:
    """Mean used margin and mean collateral at the rebalances (fractions)."""
    w = bt.weights
    symbols = [p.symbol for p in perps if p.symbol in w.columns]
    if not symbols:
        return 0.0, float((1 - w.sum(axis=1)).mean())
    rate = pd.Series({p.symbol: p.maintenance_margin for p in perps})[symbols]
    used = (w[symbols].abs() * rate).sum(axis=1)
    spot = w.drop(columns=symbols).sum(axis=1)
    return float(used.mean()), float((1 - spot).mean())


def report(label, bt, perps=()) -> dict:
    """The row of the summary table."""
    m = bt.metrics()
    funding = bt.daily["funding"].sum() if "funding" in bt.daily else 0.0
    used, collateral = margin_stats(bt, list(perps))
    w = bt.weights
    perp_cols = [p.symbol for p in perps if p.symbol in w.columns]
    return {
        "strategy": label,
        "TE ex post %": 100 * m["te_ex_post"],
        "TE ex ante %": 100 * m["te_ex_ante_mean"],
        "TD %/yr": 100 * m["tracking_difference_annualized"],
        "costs bp/yr": m["cost_bp_per_year"],
        "funding paid bp/yr": 1e4 * funding / m["years"],
        "exposure (mean)": float(w.sum(axis=1).mean()),
        "perp gross (mean)": float(w[perp_cols].abs().sum(axis=1).mean())
        if perp_cols
        else 0.0,
        "margin used %": 100 * used,
        "collateral %": 100 * collateral,
    }


def main() -> None:
    """Run the four backtests and print the table."""
    data = rp.datasets.load_crypto()
    returns = data.returns
    bench = index_weights(data)
    coins = [c for c in returns.columns if c not in data.stablecoins]
    perps = [D.Perp(f"{c}-PERP", c) for c in coins]
    frame = D.with_perps(returns, perps)
    spot_costs = [
        rp.costs.ProportionalFee(bps=SPOT_BPS),
        rp.costs.Spread(half_spread_bps=HALF_SPREAD),
    ]
    rows = []

    spot_model = rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        costs=spot_costs,
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        periods_per_year=365,
        horizon=1 / 12,
    )
    rows.append(report("(a) spot only", run_one(spot_model, returns, bench)))

    fees = D.perp_fees(frame.columns, perps, SPOT_BPS)
    perp_model = rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        costs=[
            rp.costs.ProportionalFee(bps=fees),
            rp.costs.Spread(half_spread_bps=HALF_SPREAD),
            D.FundingCarry(perps, horizon=1 / 12),
        ],
        constraints=[
            D.spot_long_only(frame.columns, perps),
            rp.constraints.Soft(D.MarginRequirement(perps, buffer=0.02)),
            D.GrossLeverage(1.5),
        ],
        periods_per_year=365,
        horizon=1 / 12,
    )
    bt_b = run_one(perp_model, frame, bench)
    rows.append(report("(b) perps allowed", bt_b, perps))

    spot_all = D.spot_tickers(frame.columns, perps)
    perps_only = rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        costs=[
            rp.costs.ProportionalFee(bps=fees),
            rp.costs.Spread(half_spread_bps=HALF_SPREAD),
            D.FundingCarry(perps, horizon=1 / 12),
        ],
        constraints=[
            rp.constraints.NoTrade(spot_all),
            rp.constraints.Soft(D.MarginRequirement(perps, buffer=0.02)),
        ],
        periods_per_year=365,
        horizon=1 / 12,
    )
    rows.append(report("(d) perps only", run_one(perps_only, frame, bench), perps))

    top = set(bench.columns[bench.max() > 0])
    tail = [c for c in coins if c not in top][:8]
    basket = pd.Series(0.9 / len(tail), index=tail)
    hedgers = [p for p in perps if p.underlying in ("BTC", "ETH")]
    hframe = D.with_perps(returns, hedgers)
    spot = D.spot_tickers(hframe.columns, hedgers)
    frozen = rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        constraints=[
            rp.constraints.NoTrade(spot),
            rp.constraints.NoTrade([p.symbol for p in hedgers]),
        ],
        periods_per_year=365,
    )
    rows.append(report("(c0) basket unhedged", run_one(frozen, hframe, bench, basket)))
    hedge = D.hedge_model(
        spot,
        hedgers,
        risk=rp.risk.SampleCovariance(),
        costs=[
            rp.costs.ProportionalFee(bps=D.perp_fees(hframe.columns, hedgers, 0.0)),
            D.FundingCarry(hedgers, horizon=1 / 12),
        ],
        horizon=1 / 12,
        margin_penalty=1.0,  # the drifting book may outgrow its collateral
    )
    bt_c = run_one(hedge, hframe, bench, basket)
    rows.append(report("(c) basket + BTC/ETH perps", bt_c, hedgers))

    table = pd.DataFrame(rows).set_index("strategy")
    with pd.option_context(
        "display.width", 200, "display.precision", 3, "display.max_columns", 20
    ):
        print(table)
    print("\nbasket:", ", ".join(tail))
    last = bt_c.weights.iloc[-1]
    print(
        "hedge at the last rebalance:",
        last[[p.symbol for p in hedgers]].round(3).to_dict(),
    )
    wb = bt_b.weights
    perp_cols = [p.symbol for p in perps]
    share = wb[perp_cols].clip(lower=0).sum(axis=1) / wb.clip(lower=0).sum(axis=1)
    print(
        f"(b) long perp share of long exposure: mean {share.mean():.3f}, "
        f"max {share.max():.3f}"
    )


if __name__ == "__main__":
    main()
