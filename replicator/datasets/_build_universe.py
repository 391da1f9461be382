"""Build the point-in-time crypto universe (run by hand, like ``_build``).

Usage::

    python -m replicator.datasets._build_universe /work/shared/data

Writes ``crypto_universe.parquet`` and ``crypto_universe.md``. Deterministic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from replicator.datasets._notes_universe import UNIVERSE

OUT = Path(__file__).resolve().parent
CRYPTO_DIR = "crypto_coingecko_daily"

#: Last date every coin of the largest source covers: after it the source
#: drops coins by its own coverage, not by the market, so the bundle stops.
UNIVERSE_END = "2021-10-17"
#: Tags of the coins a crypto index excludes (pegged to USD).
STABLECOINS = ("USDT", "USDC", "BUSD", "DAI")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=True)
    floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=19,
        use_dictionary=[c for c in table.column_names if c not in floats],
        use_byte_stream_split=floats,
    )


def build_universe(src: Path) -> dict[str, object]:
    """Write every coin of the source with its own history up to UNIVERSE_END."""
    raw = pd.read_csv(src / CRYPTO_DIR / "coingecko_daily_long.csv.gz")
    raw["date"] = pd.to_datetime(raw["date"])
    keep = raw[raw["date"] <= UNIVERSE_END].copy()
    last = keep.sort_values("date").groupby("symbol")["market_cap"].last()
    order = list(last.sort_values(ascending=False, na_position="last").index)
    keep["symbol"] = pd.Categorical(keep["symbol"], categories=order)
    keep = keep.sort_values(["date", "symbol"])
    keep["symbol"] = keep["symbol"].astype(str)
    keep["tag"] = keep["symbol"].map(lambda s: "stablecoin" if s in STABLECOINS else "")
    tidy = keep[["date", "symbol", "price", "market_cap", "total_volume", "tag"]]
    tidy = tidy.astype({"market_cap": "float32", "total_volume": "float32"})
    _write_parquet(
        tidy.set_index("date").rename_axis("date"), OUT / "crypto_universe.parquet"
    )
    spans = keep.groupby("symbol").agg(start=("date", "min"), end=("date", "max"))
    spans = spans.reindex(order)
    stats = {
        "n_assets": len(order),
        "n_rows": len(tidy),
        "start": str(keep["date"].min().date()),
        "end": UNIVERSE_END,
        "spans": "\n".join(
            f"| {s} | {r.start.date()} | {r.end.date()} |" for s, r in spans.iterrows()
        ),
        "dropped": ", ".join(sorted(set(raw["symbol"]) - set(order))),
        "stablecoins": ", ".join(s for s in STABLECOINS if s in order),
    }
    (OUT / "crypto_universe.md").write_text(UNIVERSE.format(**stats), encoding="utf-8")
    return stats


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(
            "usage: python -m replicator.datasets._build_universe SOURCE_DIR"
        )
    print({k: v for k, v in build_universe(Path(sys.argv[1])).items() if k != "spans"})
