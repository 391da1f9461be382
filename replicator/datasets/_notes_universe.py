"""Provenance note of the point-in-time crypto universe (formatted by the build)."""

__all__ = ["UNIVERSE"]

UNIVERSE = """\
# crypto_universe — point-in-time CoinGecko universe: {n_assets} coins, {start} .. {end}

**Underlying data: CoinGecko** (coingecko.com) public market data, website
exports "<sym>-usd-max.csv" (columns snapped_at, price, market_cap,
total_volume; USD). CoinGecko's terms of use apply to the data.

**Collected from these public GitHub repositories** (repo @ commit, license),
exactly as for the `crypto` dataset (see its note for which coin comes from
which repository):

1. TylerIlunga/Crypto-Historical-Volatility
   @ 1bf65329d69380dc408a008e74f822d8fd2fb2b4 — no license stated
2. maciejnems/Rebalancer
   @ 5df8eeb72134ed9b555d857c5cd267dcc3328030 — MIT
3. zy3110/ijcnn_long_only_cryptocurrency_portfolio_management
   @ 90236cd5f1c6b749756addccc87084dc6cf63f31 — no license stated
4. dylanroman03/Genetic-Algoritms-Cryptos-
   @ 9f5574aa6c54990c56e33525d764bf3f8e6379f4 — no license stated

Thanks to CoinGecko and to the authors of these repositories.

## Selection: every coin with its own history

Unlike `crypto` (26 coins, gap-free 2019-07..2021-10), this dataset keeps
**every coin of the source with its own history**, from its first CoinGecko
row, so coins enter the universe when they list: {n_rows} rows. It stops on
{end}, the last date the largest source repository covers: later rows exist
for a few coins only, because the repositories stopped downloading the others,
and a universe that shrinks for that reason would not be point in time.
Left out (no row up to {end}): {dropped}.

Nothing is filled or interpolated: a missing day is a missing row, and a
market cap or volume of 0 (CoinGecko's "unknown") is NaN. Several coins have
no market cap for part of their early history (e.g. SHIB, AR, KSM, BUSD):
a point-in-time index sees them only once CoinGecko reports a cap.

Tag column: `stablecoin` for {stablecoins} (pegged to USD), empty otherwise;
use `exclude_tags=("stablecoin",)` in an index selection.

Still **not survivorship-free**: the coins were chosen by the repositories'
authors, mostly large caps as of 2021-2023; coins that died before then are
absent.

| coin | first row | last row |
|---|---|---|
{spans}

## Conventions

* Value on date d = CoinGecko snapshot at d 00:00 UTC (about the close of d-1).
* Crypto trades every day: 365 periods per year.
* `market_cap` and `total_volume` are stored as float32 (relative precision
  6e-8, far below the data's own precision); `price` as float64.

## Files

* `crypto_universe.parquet` — long form: date, symbol, price, market_cap,
  total_volume (USD), tag; sorted by date, then market cap on the last date.
"""
