"""Build the bundled datasets from the shared source data (run by hand).

Usage::

    python -m replicator.datasets._build /work/shared/data

Writes the data files and one provenance note ``<name>.md`` per dataset into
this package directory. Not imported at run time. Deterministic: re-running on
the same sources reproduces the same files (the implied S&P 500 weights come
from a convex program solved by Clarabel).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import cvxpy as cp
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from replicator.datasets import _notes

OUT = Path(__file__).resolve().parent

SP500_DIR = "sparseIndexTracking_sp500"
CRYPTO_DIR = "crypto_coingecko_daily"
DOW30_DIR = "cvxportfolio_dow30_2014"

#: Assumptions of the ADV proxy (documented in sp500.md).
SP500_TOTAL_CAP_USD = 11.4e12
SP500_N_MEMBERS = 500
DAILY_TURNOVER = 0.005
#: Density rule of the implied weights: every name held at >= 1 bp.
MIN_IMPLIED_WEIGHT = 1e-4

CRYPTO_START, CRYPTO_END = "2019-07-01", "2021-10-17"


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


def clean_ticker(bloomberg_id: str) -> str:
    """Strip the exchange and "Equity" suffix: "AAPL UW Equity" -> "AAPL"."""
    return bloomberg_id.split()[0]


class ImpliedWeights:
    r"""Constrained regression of index returns on constituent returns.

    Solves, for a shrinkage strength ``alpha``,

    .. math:: \min_w \|R w - r\|_2^2 + \alpha \|w - \mathbf{1}/N\|_2^2
              \quad \text{s.t.}\quad w \ge 0,\ \mathbf{1}^T w = 1,

    with one DPP-compiled cvxpy problem re-solved over ``alpha``.
    """

    def __init__(self, R: np.ndarray, r: np.ndarray) -> None:
        self.R, self.r = R, r
        n = R.shape[1]
        self.w = cp.Variable(n)
        self.alpha = cp.Parameter(nonneg=True)
        objective = cp.sum_squares(R @ self.w - r) + self.alpha * cp.sum_squares(
            self.w - 1.0 / n
        )
        self.problem = cp.Problem(
            cp.Minimize(objective), [self.w >= 0, cp.sum(self.w) == 1]
        )

    def solve(self, alpha: float) -> np.ndarray:
        """Return the weights for one ``alpha``."""
        self.alpha.value = alpha
        self.problem.solve(solver=cp.CLARABEL)
        if self.problem.status != cp.OPTIMAL:
            raise RuntimeError(f"implied weights: status {self.problem.status}")
        w = np.clip(np.asarray(self.w.value, dtype=float), 0.0, None)
        return w / w.sum()

    def rmse(self, w: np.ndarray) -> float:
        """In-sample daily tracking RMSE of weights ``w``."""
        return float(np.sqrt(np.mean((self.R @ w - self.r) ** 2)))

    def smallest_dense_alpha(self, floor: float) -> float:
        """Smallest alpha (2 significant digits) with every weight >= floor."""
        lo, hi = -3.0, 2.0  # log10 bounds
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            if self.solve(10**mid).min() >= floor:
                hi = mid
            else:
                lo = mid
        alpha = float(f"{10**hi:.2g}")
        while self.solve(alpha).min() < floor:
            alpha = float(f"{alpha * 1.05:.2g}")
        return alpha


def build_sp500(src: Path) -> dict[str, object]:
    """Write sp500_returns.parquet, sp500_constituents.csv and sp500.md."""
    raw = pd.read_parquet(src / SP500_DIR / "data_2010_2011_returns.parquet")
    ids = [c for c in raw.columns if c != "SP500"]
    tickers = [clean_ticker(c) for c in ids]
    counts = pd.Series(tickers).value_counts()
    tickers = [t if counts[t] == 1 else b for t, b in zip(tickers, ids, strict=True)]
    returns = raw[ids].set_axis(tickers, axis=1)
    index = raw["SP500"]
    sector_db = pd.read_csv(src / SP500_DIR / "stock_sector_database.csv")
    sectors = (
        pd.Series(tickers, index=tickers)
        .map(sector_db.set_index("symbol")["sector"])
        .fillna("Unknown")
    )
    model = ImpliedWeights(returns.to_numpy(), index.to_numpy())
    alpha = model.smallest_dense_alpha(MIN_IMPLIED_WEIGHT)
    w = model.solve(alpha)
    w0 = model.solve(0.0)
    cap_survivors = SP500_TOTAL_CAP_USD * len(tickers) / SP500_N_MEMBERS
    adv = DAILY_TURNOVER * w * cap_survivors
    out = pd.concat([index.rename("SP500"), returns], axis=1)
    out.index = pd.DatetimeIndex(out.index, name="date")
    _write_parquet(out, OUT / "sp500_returns.parquet")
    meta = pd.DataFrame(
        {
            "ticker": tickers,
            "bloomberg_id": ids,
            "sector": sectors.to_numpy(),
            "implied_weight": w,
            "adv_proxy_usd": adv,
        }
    )
    meta.to_csv(OUT / "sp500_constituents.csv", index=False, float_format="%.17g")
    stats = {
        "n_assets": len(tickers),
        "n_dates": len(out),
        "n_unknown": int((sectors == "Unknown").sum()),
        "unknown": ", ".join(sectors.index[sectors == "Unknown"]),
        "n_clash": int((counts > 1).sum()),
        "alpha": alpha,
        "rmse_bps": model.rmse(w) * 1e4,
        "rmse_ann": model.rmse(w) * np.sqrt(252),
        "min_w": float(w.min()),
        "max_w": float(w.max()),
        "max_w_ticker": tickers[int(np.argmax(w))],
        "rmse0_bps": model.rmse(w0) * 1e4,
        "zeros0": int((w0 < 1e-6).sum()),
        "rmse_ew_bps": model.rmse(np.full(len(w), 1 / len(w))) * 1e4,
        "cap_survivors_tn": cap_survivors / 1e12,
        "sp_total_cap_tn": SP500_TOTAL_CAP_USD / 1e12,
        "n_numeric": sum(t[0].isdigit() for t in tickers),
        "adv_total_bn": adv.sum() / 1e9,
        "adv_min_m": adv.min() / 1e6,
        "adv_max_m": adv.max() / 1e6,
    }
    (OUT / "sp500.md").write_text(_notes.SP500.format(**stats))
    return stats


def build_crypto(src: Path) -> dict[str, object]:
    """Write crypto_daily.parquet and crypto.md (gap-free coins only)."""
    raw = pd.read_csv(src / CRYPTO_DIR / "coingecko_daily_long.csv.gz")
    raw["date"] = pd.to_datetime(raw["date"])
    window = raw[(raw["date"] >= CRYPTO_START) & (raw["date"] <= CRYPTO_END)]
    days = pd.date_range(CRYPTO_START, CRYPTO_END, freq="D")
    fields = ["price", "market_cap", "total_volume"]
    complete = [
        sym
        for sym, g in window.groupby("symbol")
        if len(g) == len(days) and g[fields].notna().all().all()
    ]
    keep = window[window["symbol"].isin(complete)]
    caps_end = keep[keep["date"] == CRYPTO_END].set_index("symbol")["market_cap"]
    order = list(caps_end.sort_values(ascending=False).index)
    keep = keep.assign(symbol=pd.Categorical(keep["symbol"], categories=order))
    keep = keep.sort_values(["date", "symbol"])
    sources = keep.groupby("source", observed=True)["symbol"].unique()
    tidy = keep[["date", "symbol", *fields]].reset_index(drop=True)
    tidy["symbol"] = tidy["symbol"].astype(str)
    _write_parquet(tidy.set_index("date"), OUT / "crypto_daily.parquet")
    stats = {
        "start": CRYPTO_START,
        "end": CRYPTO_END,
        "n_days": len(days),
        "n_assets": len(order),
        "coins": ", ".join(order),
        "by_source": "\n".join(
            f"  - {src_}: {', '.join(sorted(map(str, syms)))}"
            for src_, syms in sources.items()
        ),
    }
    (OUT / "crypto.md").write_text(_notes.CRYPTO.format(**stats))
    return stats


def build_dow30(src: Path) -> dict[str, object]:
    """Copy cvxportfolio's Dow-30 test files and write dow30.md."""
    for name in ("returns", "volumes", "sigmas"):
        shutil.copyfile(
            src / DOW30_DIR / f"{name}.csv.gz", OUT / f"dow30_{name}.csv.gz"
        )
    returns = pd.read_csv(OUT / "dow30_returns.csv.gz", index_col=0)
    stats = {"n_assets": returns.shape[1] - 1, "n_dates": len(returns)}
    (OUT / "dow30.md").write_text(_notes.DOW30.format(**stats))
    return stats


def main(argv: list[str] | None = None) -> None:
    """Build every dataset from the source directory given on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m replicator.datasets._build SOURCE_DIR")
    src = Path(args[0])
    for name, build in (
        ("sp500", build_sp500),
        ("crypto", build_crypto),
        ("dow30", build_dow30),
    ):
        stats = build(src)
        print(name, {k: v for k, v in stats.items() if k not in ("by_source",)})
    total = sum(
        f.stat().st_size
        for f in OUT.iterdir()
        if f.suffix in {".parquet", ".csv", ".gz"}
    )
    print(f"total data size: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
