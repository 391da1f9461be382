"""Known answers: spot or perp, margin binding, a perfect hedge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp

D = rp.derivatives
TOL = 1e-6


def two_coins(seed=3, n_days=200, basis_vol=0.0):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", periods=n_days, freq="D")
    m = rng.normal(0, 0.03, n_days)
    R = pd.DataFrame(
        {
            "BTC": m + rng.normal(0, 0.01, n_days),
            "ETH": 1.2 * m + rng.normal(0, 0.015, n_days),
        },
        index=dates,
    )
    perps = [D.Perp("BTC-PERP", "BTC"), D.Perp("ETH-PERP", "ETH")]
    basis = None
    if basis_vol:
        basis = pd.DataFrame(
            rng.normal(0, basis_vol, (n_days, 2)),
            index=dates,
            columns=["BTC-PERP", "ETH-PERP"],
        )
    return D.with_perps(R, perps, basis), perps


def model_for(frame, perps, costs, extra=(), **kw):
    kw.setdefault("risk_aversion", 100.0)  # written for the earlier default
    return rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        costs=costs,
        constraints=[
            D.spot_long_only(frame.columns, perps),
            D.MarginRequirement(perps),
            *extra,
        ],
        periods_per_year=365,
        **kw,
    )


BENCH = pd.Series({"BTC": 0.6, "ETH": 0.4})


@pytest.mark.parametrize("backend", ["auto", "cvxpy"])
def test_perp_is_chosen_when_spot_fees_are_high(backend):
    frame, perps = two_coins()
    fee = pd.Series({"BTC": 150.0, "ETH": 2.0, "BTC-PERP": 5.0, "ETH-PERP": 5.0})
    model = model_for(
        frame,
        perps,
        [rp.costs.ProportionalFee(bps=fee), D.FundingCarry(perps, rate_8h=0.0)],
        backend=backend,
    )
    res = model.solve(frame, BENCH, date=frame.index[-1])
    w = res.weights
    assert w["BTC-PERP"] == pytest.approx(0.6, abs=1e-3)
    assert w["BTC"] == pytest.approx(0.0, abs=1e-4)
    assert w["ETH"] == pytest.approx(0.4, abs=1e-3)  # cheap spot is kept
    assert abs(w["ETH-PERP"]) < 1e-3
    split = D.spot_perp_split(w, perps)
    assert split.loc["BTC", "perp"] == pytest.approx(0.6, abs=1e-3)
    assert split["exposure"].to_numpy() == pytest.approx([0.6, 0.4], abs=2e-3)


def test_perp_is_chosen_when_spot_is_illiquid():
    frame, perps = two_coins()
    adv = pd.Series({"BTC": 1e5, "ETH": 1e9, "BTC-PERP": 1e10, "ETH-PERP": 1e10})
    model = model_for(
        frame,
        perps,
        [rp.costs.ProportionalFee(bps=5), D.FundingCarry(perps)],
        extra=[rp.constraints.LiquidityLimit(0.1)],
    )
    res = model.solve(frame, BENCH, nav=1e8, adv=adv, date=frame.index[-1])
    w = res.weights
    assert w["BTC"] <= 0.1 * 1e5 / 1e8 + 1e-9  # spot trade capped by its ADV
    assert w["BTC-PERP"] == pytest.approx(0.6, abs=5e-3)


def test_spot_is_chosen_with_positive_funding_and_cheap_spot():
    frame, perps = two_coins()
    model = model_for(
        frame, perps, [rp.costs.ProportionalFee(bps=5), D.FundingCarry(perps)]
    )
    res = model.solve(frame, BENCH, date=frame.index[-1])
    w = res.weights
    assert w["BTC"] == pytest.approx(0.6, abs=1e-3)
    assert w["ETH"] == pytest.approx(0.4, abs=1e-3)
    # at most a sliver of cash-and-carry (short perp, long spot) fits the margin
    assert np.abs(w[["BTC-PERP", "ETH-PERP"]]).max() < 2e-3


def test_with_negative_funding_the_perp_is_preferred():
    """Shorts pay when funding is negative: a long perp is then paid to hold."""
    frame, perps = two_coins()
    carry = D.FundingCarry(perps, rate_8h=-1e-4)
    model = model_for(frame, perps, [rp.costs.ProportionalFee(bps=5), carry])
    res = model.solve(frame, BENCH, date=frame.index[-1])
    assert res.weights[["BTC-PERP", "ETH-PERP"]].sum() > 0.5


def locked_coin(seed=3):
    """BTC, ETH and a coin X held at 95 % of NAV that may not be traded."""
    frame, _ = two_coins(seed)
    rng = np.random.default_rng(seed + 1)
    spot = frame[["BTC", "ETH"]].assign(
        X=frame["BTC"] * 1.5 + rng.normal(0, 0.02, len(frame))
    )
    return spot, pd.Series({"X": 0.95})


def hedge_perps(rate):
    return [
        D.Perp(f"{t}-PERP", t, maintenance_margin=rate) for t in ("BTC", "ETH", "X")
    ]


@pytest.mark.parametrize("backend", ["auto", "cvxpy"])
def test_margin_holds_and_binds_when_leverage_is_cheap(backend):
    """Free perps: the hedge would use 1.95 of notional; 5 % margin allows 1."""
    spot, book = locked_coin()
    perps = hedge_perps(0.05)
    res = D.hedge(
        spot, BENCH, book, perps, risk=rp.risk.SampleCovariance(), backend=backend
    )
    w = res.weights
    margin = D.MarginRequirement(perps)
    model = rp.Replicator(
        risk_aversion=100.0, risk=rp.risk.SampleCovariance(), periods_per_year=365
    )
    snap = model.prepare(D.with_perps(spot, perps), BENCH, book)
    lhs, rhs = margin.evaluate(w.to_numpy(), w.to_numpy(), snap)
    assert lhs[0] <= rhs[0] + TOL
    assert margin.report(w.to_numpy(), w.to_numpy(), snap).binding
    used, collateral = D.margin_used(w.to_numpy(), snap, perps)
    assert collateral == pytest.approx(0.05, abs=1e-8)
    assert used == pytest.approx(0.05, abs=1e-6)
    summary = D.perp_summary(w, perps)
    assert summary["margin_used"] == pytest.approx(used, rel=1e-12)
    assert summary["margin_free"] == pytest.approx(0.0, abs=1e-6)
    assert summary["gross_leverage"] == pytest.approx(np.abs(w).sum(), rel=1e-12)
    assert res.tracking_error > 0.01  # the full hedge is out of reach


def test_margin_is_slack_when_rates_are_low():
    spot, book = locked_coin()
    perps = hedge_perps(0.01)  # the full hedge needs 1.95 % < 5 % of cash
    res = D.hedge(spot, BENCH, book, perps, risk=rp.risk.SampleCovariance())
    w = res.weights
    assert w["X-PERP"] == pytest.approx(-0.95, abs=1e-5)
    assert w["BTC-PERP"] == pytest.approx(0.6, abs=1e-5)
    assert w["ETH-PERP"] == pytest.approx(0.4, abs=1e-5)
    assert res.tracking_error < 1e-5


def test_gross_leverage_binds():
    spot, book = locked_coin()
    perps = hedge_perps(0.01)
    res = D.hedge(
        spot, BENCH, book, perps, risk=rp.risk.SampleCovariance(), leverage=2.0
    )
    assert np.abs(res.weights).sum() == pytest.approx(2.0, abs=1e-6)
    assert res.tracking_error > 0.01


def test_net_perp_exposure_binds():
    frame, perps = two_coins()
    net = D.NetPerpExposure(perps, lower=-0.1, upper=0.3)
    fee = pd.Series({"BTC": 150.0, "ETH": 150.0, "BTC-PERP": 5.0, "ETH-PERP": 5.0})
    model = model_for(frame, perps, [rp.costs.ProportionalFee(bps=fee)], extra=[net])
    res = model.solve(frame, BENCH, date=frame.index[-1])
    assert res.weights[["BTC-PERP", "ETH-PERP"]].sum() == pytest.approx(0.3, abs=1e-5)


def test_perfect_hedge_has_zero_ex_post_te():
    """Zero basis, zero funding: book + perps equals the benchmark exactly."""
    rng = np.random.default_rng(5)
    dates = pd.date_range("2021-01-01", periods=150, freq="D")
    m = rng.normal(0, 0.03, len(dates))
    R = pd.DataFrame(
        {
            t: b * m + rng.normal(0, 0.02, len(dates))
            for t, b in {"BTC": 1.0, "ETH": 1.2, "SOL": 1.5, "ADA": 1.4}.items()
        },
        index=dates,
    )
    perps = [D.Perp(f"{t}-PERP", t) for t in R.columns]
    bench = pd.Series({"BTC": 0.6, "ETH": 0.4})
    book = pd.Series({"SOL": 0.5, "ADA": 0.4})  # 10 % cash as collateral
    fit, test = R.iloc[:100], R.iloc[100:]
    res = D.hedge(
        fit,
        bench,
        book,
        perps,
        risk=rp.risk.SampleCovariance(),
        costs=[D.FundingCarry(perps, rate_8h=0.0)],
        date=fit.index[-1],
    )
    w = res.weights
    assert w[["SOL", "ADA"]].to_numpy() == pytest.approx([0.5, 0.4], abs=1e-8)
    assert res.tracking_error < 1e-5
    realized = D.with_perps(test, perps)[w.index] @ w.to_numpy()
    te = (realized - test[bench.index] @ bench.to_numpy()).std() * np.sqrt(365)
    assert te < 1e-5


def test_hedge_of_a_long_tail_basket_with_btc_and_eth_perps(crypto):
    """Against the cap-weighted index, BTC/ETH perps cut the book's TE."""
    fit = crypto.returns.iloc[:120]
    tail = ["SOL", "ADA", "DOT", "LINK"]
    book = pd.Series([0.25, 0.2, 0.2, 0.15], index=tail)
    res = D.hedge(
        fit,
        crypto.benchmark,
        book,
        crypto.perps,
        risk=rp.risk.SampleCovariance(),
        costs=[D.FundingCarry(crypto.perps, rates=crypto.funding)],
        date=fit.index[-1],
        risk_aversion=100.0,  # written for the earlier default
    )
    w = res.weights
    assert w[tail].to_numpy() == pytest.approx(book.to_numpy(), abs=1e-8)
    frame = D.with_perps(fit, crypto.perps)
    cov = frame.cov().to_numpy() * 365
    b = crypto.benchmark.reindex(frame.columns, fill_value=0.0).to_numpy()
    w0 = book.reindex(frame.columns, fill_value=0.0).to_numpy()
    te_book = np.sqrt((w0 - b) @ cov @ (w0 - b))
    assert res.tracking_error < te_book
    # the market exposure is hedged: active beta to the index near 0
    index = fit[crypto.benchmark.index] @ crypto.benchmark.to_numpy()

    def active_beta(weights):
        active = frame.to_numpy() @ (weights - b)
        return np.cov(active, index)[0, 1] / index.var()

    beta_book, beta_hedged = active_beta(w0), active_beta(w.to_numpy())
    assert beta_book > 0.2
    assert abs(beta_hedged) < 0.1 * beta_book
    # the high-beta book is hedged by shorting market exposure
    assert w[["BTC-PERP", "ETH-PERP"]].sum() < -0.1


def test_perp_is_shorted_where_spot_cannot_be():
    """Selling costly spot X is replaced by a short X perp; spot stays long."""
    spot, _ = locked_coin()
    perps = hedge_perps(0.01)
    frame = D.with_perps(spot, perps)
    fee = D.perp_fees(frame.columns, perps, pd.Series({"BTC": 5, "ETH": 5, "X": 1000}))
    model = rp.Replicator(
        risk_aversion=100.0,
        risk=D.PerpRisk(rp.risk.SampleCovariance(), perps),
        costs=[rp.costs.ProportionalFee(bps=fee), D.FundingCarry(perps, rate_8h=0.0)],
        constraints=[D.SpotLongOnly(perps), D.MarginRequirement(perps)],
        periods_per_year=365,
    )
    res = model.solve(frame, BENCH, pd.Series({"X": 0.5}))
    w = res.weights
    assert w["X"] == pytest.approx(0.5, abs=1e-4)  # too costly to sell
    assert w["X-PERP"] == pytest.approx(-0.5, abs=1e-3)  # hedged by a short perp
    spot_w = w[["BTC", "ETH", "X"]]
    assert (spot_w >= -1e-9).all()
    assert res.tracking_error < 1e-3
