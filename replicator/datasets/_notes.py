"""Templates of the provenance notes written by ``_build.py``.

Filled with ``str.format`` from the numbers measured at build time, so the
notes always match the shipped files.
"""

from __future__ import annotations

__all__ = ["CRYPTO", "DOW30", "SP500"]

SP500 = """\
# sp500 — S&P 500 constituents and index, daily returns 2010-01-04 .. 2011-12-30

**Source.** Benidis & Palomar, R package *sparseIndexTracking*
(github.com/dppalomar/sparseIndexTracking), file `data/data_2010_2011.RData`
@ commit 42f7c6c35051acbac956230b6818c0b9a1bcff41 (2018-05-16; removed from the
repository later), and `data/stock_sector_database.rda`
@ 3fb4c950153c3217629ebb8e10d8e220367dfdf1 (2018-04-25).
The package documentation names Yahoo! Finance as the source; the column names
are Bloomberg tickers and the paper (Benidis, Feng, Palomar, IEEE TSP 66(1),
2018) says Bloomberg.

**License.** GPL-3 (package DESCRIPTION: "GPL-3 | file LICENSE").

## Data (as published)

* `sp500_returns.parquet`: {n_dates} dates x ({n_assets} stocks + `SP500`).
  Daily simple (linear) net returns, as fractions. Column `SP500` is the index
  return; the other columns are the stocks that were in the index during the
  *whole* period (survivors only, so the universe has survivorship bias). No
  missing values. The values are bit-identical to the source; the first 252
  rows are also bit-identical to the package's `data(INDEX_2010)`.
* Tickers: the Bloomberg id with the exchange and "Equity" suffix removed
  ("AAPL UW Equity" -> "AAPL"). Cleaned tickers clashing: {n_clash} (a clash
  would keep the full Bloomberg id). {n_numeric} columns are Bloomberg ids of
  later-delisted or renamed companies (e.g. "1436513D") and are kept as they
  are; `BF/B` keeps Bloomberg's share-class slash. The original id of every
  column is in `sp500_constituents.csv`, column `bloomberg_id`.
* `sector` (in `sp500_constituents.csv`): GICS sector from the package's
  `stock_sector_database` (566 symbols, matched on the cleaned ticker).
  Unmatched -> "Unknown": {n_unknown} tickers ({unknown}). The sector table is
  a later snapshot (it has the 2016 "Real Estate" sector), so a few sectors may
  differ from 2010 classifications.

## Derived model outputs (NOT data)

The source has **no index weights and no volumes**. The two columns below are
outputs of a model, computed by `replicator/datasets/_build.py`, and must not be
read as the true S&P 500 weights or real trading volumes.

### `implied_weight`: constrained regression of the index on its constituents

Over all {n_dates} days (in sample; using them in a backtest is look-ahead):

    minimize    || R w - r ||_2^2 + alpha * || w - 1/N ||_2^2
    subject to  w >= 0,  sum(w) = 1

R = constituent returns (dates x N, N = {n_assets}), r = `SP500` returns;
cvxpy + Clarabel. alpha is the smallest value (2 significant digits, found by
bisection on log10 alpha) for which *every* weight is at least 1 bp
(1e-4), i.e. the weights are dense and all names are held.

* alpha = {alpha:g}
* in-sample daily tracking RMSE = {rmse_bps:.2f} bps ({rmse_ann:.2%} annualized
  with sqrt(252))
* min weight = {min_w:.2e}, max weight = {max_w:.4f} ({max_w_ticker})
* for comparison: alpha = 0 (pure non-negative least squares) gives
  {rmse0_bps:.2f} bps with {zeros0} zero weights; equal weights give
  {rmse_ew_bps:.2f} bps.

The shrinkage towards 1/N that makes every weight positive also flattens the
weights: they are far more equal than real capitalization weights (the real
index had single names above 3 %). Treat them as a plausible dense benchmark
for examples, not as the S&P 500.

### `adv_proxy_usd`: an average-daily-traded-value proxy, in USD

    ADV_i = daily_turnover * implied_weight_i * total_cap

Assumptions (not data): the total market capitalization of the S&P 500 at
end-2010 is about USD {sp_total_cap_tn:g} tn; the {n_assets} survivors hold a
share of it proportional to their count ({n_assets}/500, i.e. total_cap =
USD {cap_survivors_tn:.2f} tn); average daily turnover is 0.5 % of market cap.
Result: total ADV USD {adv_total_bn:.1f} bn/day, per name USD
{adv_min_m:.0f} m .. {adv_max_m:.0f} m. Use it only to demonstrate liquidity
(participation) constraints.

## Files

* `sp500_returns.parquet` — index `date`; columns `SP500`, then the tickers.
* `sp500_constituents.csv` — ticker, bloomberg_id, sector, implied_weight,
  adv_proxy_usd.
"""

CRYPTO = """\
# crypto — daily price, market cap, volume of {n_assets} coins, {start} .. {end}

**Underlying data: CoinGecko** (coingecko.com) public market data, website
exports "<sym>-usd-max.csv" (columns snapped_at, price, market_cap,
total_volume; USD). CoinGecko's terms of use apply to the data.

**Collected from these public GitHub repositories** (repo @ commit, license):

1. TylerIlunga/Crypto-Historical-Volatility
   @ 1bf65329d69380dc408a008e74f822d8fd2fb2b4 — no license stated
2. maciejnems/Rebalancer
   @ 5df8eeb72134ed9b555d857c5cd267dcc3328030 — MIT
3. zy3110/ijcnn_long_only_cryptocurrency_portfolio_management
   @ 90236cd5f1c6b749756addccc87084dc6cf63f31 — no license stated
4. dylanroman03/Genetic-Algoritms-Cryptos-
   @ 9f5574aa6c54990c56e33525d764bf3f8e6379f4 — no license stated

Rows of each asset in this dataset come from (one repository per asset):
{by_source}

Where the repositories overlap, the more recent download was used; on every
overlapping date the values were bit-identical. Thanks to CoinGecko and to the
authors of these repositories.

## Selection

The window {start} .. {end} ({n_days} consecutive calendar days) and the
asset set were chosen so that there are **no gaps**: every asset below has a
price, a market cap and a 24h volume on every day of the window. These are the
coins of the source with complete data over the window (the source note counts
27 with complete *prices* from 2019-07-01; LUNA is left out because its market
cap is missing for the first 86 days). Nothing is filled or interpolated.

Assets (by market cap on {end}): {coins}.

Stablecoins: USDT, USDC (exclude them from a cap-weighted benchmark with
`cap_weights(exclude=data.stablecoins)`). KNCL = Kyber Network legacy token.
The set is **not survivorship-free**: the coins were chosen by the repositories'
authors, mostly large caps as of 2021-2023.

## Conventions

* Value on date d = CoinGecko snapshot at d 00:00 UTC (about the close of d-1).
* Crypto trades every day: annualize daily statistics with **365** periods per
  year (`CryptoData.periods_per_year`), not 252.
* `total_volume` is CoinGecko's aggregated 24h traded value across exchanges,
  in USD. Reported exchange volumes may be inflated on some venues, so treat an
  ADV computed from it as an upper bound of the liquidity one can access.
* Returns are simple returns computed from prices; the first date is dropped.

## Files

* `crypto_daily.parquet` — long form: date, symbol, price, market_cap,
  total_volume (USD), sorted by date then market cap on the last date.
"""

DOW30 = """\
# dow30 — {n_assets} Dow-30 stocks, 2014: daily returns, dollar volumes, volatility

**Source.** cvxportfolio 1.5.1 (PyPI wheel), test data
`cvxportfolio/tests/{{returns,volumes,sigmas}}.csv` (shipped here gzip-compressed,
byte-identical to the shared copies). Authors: Enzo Busseti, Stephen Boyd et
al. (github.com/cvxgrp/cvxportfolio).

**License.** GPL-3 (wheel METADATA).

## Data

* `dow30_returns.csv.gz` — {n_dates} dates (2014-01-03 .. 2014-12-31) x
  ({n_assets} stocks + `cash`): daily simple returns. `cash` is the risk-free
  return, loaded separately as `Dow30Data.cash_returns`.
* `dow30_volumes.csv.gz` — 252 dates (2014-01-02 .. 2014-12-31) x {n_assets}:
  real daily traded volume **in USD** (traded value, not shares), used for ADV
  and participation (liquidity) constraints.
* `dow30_sigmas.csv.gz` — 252 x {n_assets}: daily volatility estimates used by
  cvxportfolio's market-impact model.

Tickers: AAPL AXP BA CAT CSCO CVX DD DIS GS HD IBM INTC JNJ JPM KO MCD MMM MRK
MSFT NKE PFE PG TRV UNH UTX V VZ WMT (28 of the 30 members; no index level or
index weights are included).

`Dow30Data.adv(window)` is the mean daily traded value over the trailing
`window` dates, in USD.
"""
