"""Index-build performance: 10 years of daily data for 500 coins, monthly reviews.

Run ``python benchmarks/index_build.py`` (``--repeats N``). Target (issue 15):
building the index takes <= 2 s. Three methodologies are timed on the same
synthetic long table (7-day calendar, coins listing over time, gaps): capped
market cap with a floor, CCi30-like (sqrt of 30-day EWMA caps, top 30 with a
buffer, liquidity and age screens, monthly reweight, quarterly
reconstitution) and equal weight of the top 100. Reported: the median of the
repeats for the build from the long table (pivot included) and from wide
panels, and, as a same-process reference, the median time of a pandas
``pivot`` of the table alone. Writes ``benchmarks/results/index_build.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import replicator as rp
from replicator.exceptions import DataWarning

# a few early reviews have fewer eligible coins than top-N: expected here
warnings.simplefilter("ignore", DataWarning)

RESULTS = Path(__file__).resolve().parent / "results" / "index_build.json"
TARGET_S = 2.0


def synthetic_table(n_coins: int = 500, years: int = 10, seed: int = 0) -> pd.DataFrame:
    """Long table date, asset, price, market_cap, volume, tag on a 7-day week."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2014-01-01", periods=365 * years, freq="D")
    n = len(dates)
    r = rng.normal(0.0005, 0.04, (n, n_coins)) + rng.normal(0, 0.03, (n, 1))
    prices = 1.0 * np.exp(np.cumsum(r, axis=0))
    supply = rng.lognormal(18, 2.0, n_coins)
    caps = prices * supply
    volumes = caps * rng.uniform(0.005, 0.1, (n, n_coins))
    listed = rng.integers(0, n - 200, n_coins)
    listed[:150] = 0
    alive = np.arange(n)[:, None] >= listed[None, :]
    gaps = rng.random((n, n_coins)) < 0.002
    for a in (prices, caps, volumes):
        a[~alive | gaps] = np.nan
    assets = [f"X{i:03d}" for i in range(n_coins)]
    panels = {
        "price": pd.DataFrame(prices, index=dates, columns=assets),
        "market_cap": pd.DataFrame(caps, index=dates, columns=assets),
        "volume": pd.DataFrame(volumes, index=dates, columns=assets),
    }
    long = pd.concat(panels, axis=1).stack(future_stack=True)
    long = long.rename_axis(["date", "asset"]).reset_index().dropna(subset=["price"])
    long["tag"] = np.where(long["asset"].isin(assets[5:10]), "stablecoin", "")
    return long


def methodologies() -> dict[str, rp.indices.Methodology]:
    ix = rp.indices
    common = {"lag": 1, "on_missing": "drop"}
    return {
        "capped_floor_top50": ix.Methodology(
            ix.CappedMarketCap(cap=0.1, floor=0.005),
            ix.Selection(top=50, exclude_tags=("stablecoin",)),
            reweight="M", **common,
        ),
        "cci30_like": ix.Methodology(
            ix.PowerMarketCap(exponent=0.5, half_life=30),
            ix.Selection(top=30, buffer=3, exclude_tags=("stablecoin",),
                         min_volume=1e5, volume_window=30, min_age=90),
            reweight="M", reconstitute="Q", **common,
        ),
        "equal_top100": ix.Methodology(
            ix.EqualWeight(), ix.Selection(top=100), reweight="M", **common
        ),
    }  # fmt: skip


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    table = synthetic_table()
    panels = {
        "market_caps": table.pivot(index="date", columns="asset", values="market_cap"),
        "prices": table.pivot(index="date", columns="asset", values="price"),
        "volumes": table.pivot(index="date", columns="asset", values="volume"),
    }
    tags = table.drop_duplicates("asset").set_index("asset")["tag"]
    pivot_s = _median_time(
        lambda: table.pivot(index="date", columns="asset"), args.repeats
    )
    rows = {}
    for name, m in methodologies().items():
        h = m.build(table)
        long_s = _median_time(lambda m=m: m.build(table), args.repeats)
        wide_s = _median_time(lambda m=m: m.build(**panels, tags=tags), args.repeats)
        rows[name] = {
            "build_from_long_s": long_s,
            "build_from_panels_s": wide_s,
            "ratio_to_pivot": long_s / pivot_s,
            "n_reviews": len(h.reviews),
            "n_changes": len(h.changes),
            "pass": long_s <= TARGET_S,
        }
        verdict = "PASS" if long_s <= TARGET_S else "MISS"
        print(f"{name:20s} long {long_s:6.3f} s  panels {wide_s:6.3f} s  "
              f"({long_s / pivot_s:4.1f}x a pivot; {len(h.reviews)} reviews, "
              f"{len(h.changes)} changes)  {verdict}")  # fmt: skip
    out = {
        "case": "500 coins x 10 years daily (3650 dates), monthly reviews",
        "rows": len(table),
        "target_s": TARGET_S,
        "pivot_reference_s": pivot_s,
        "repeats": args.repeats,
        "results": rows,
        "python": platform.python_version(),
        "pandas": pd.__version__,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"pandas pivot of the table alone: {pivot_s:.3f} s ({len(table)} rows)")
    return out


if __name__ == "__main__":
    main()
