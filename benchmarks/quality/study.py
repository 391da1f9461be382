"""Defaults from evidence: every risk model x risk_aversion x rebalance frequency.

``python -m benchmarks.quality.study`` (about 10 minutes on 2 cores) backtests
``Replicator(risk, costs=[ProportionalFee(10)], constraints=[FullyInvested(),
LongOnly()], risk_aversion=lam)`` walk-forward on every case of
:mod:`benchmarks.quality.data`, beside the least-squares tracker (the
backtest's ``ls`` baseline) and equal weight, and scores the annualized ex-post
tracking error in each disjoint test period. It writes ``results.csv`` (one
row per run and period), ``summary.md`` (the tables of the README) and
``te_vs_risk_aversion.png`` next to this file.

Auto selection: in test period ``j`` the setting with the lowest TE in period
``j - 1`` of the same walk-forward backtests, i.e. ``rp.select.walk_forward``
with ``until`` = the last day of period ``j - 1`` and ``validation`` = its
length (a backtest's return on a day uses only data up to that day). The one
switching trade at the start of a period is not charged.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

import replicator as rp
from benchmarks.quality.data import Case, equal_weight_active, load_cases

HERE = Path(__file__).resolve().parent
BPS = 10.0
FREQS = ("M", "Q")
LAMBDAS = (0.3, 1.0, 3.0, 10.0, 100.0)
RISKS = {
    "SampleCovariance": lambda: rp.risk.SampleCovariance(),
    "LedoitWolf": lambda: rp.risk.LedoitWolf(),
    "EWMA(63)": lambda: rp.risk.EWMA(halflife=63),
    "StatisticalFactor(10)": lambda: rp.risk.StatisticalFactor(n_factors=10),
}


@functools.cache
def _case(name: str) -> Case:
    return load_cases([name])[name]


def period_te(active: pd.Series, case: Case) -> dict[str, float]:
    """Annualized sd of the daily active return within each test period."""
    out = {}
    for label, first, last in case.periods:
        a = active.loc[first:last]
        out[label] = float(a.std(ddof=1) * np.sqrt(case.periods_per_year))
    return out


def run_one(job: tuple[str, str, str, float]) -> list[dict]:
    """One walk-forward backtest; rows of (method, period, te)."""
    name, freq, risk, lam = job
    case = _case(name)
    model = rp.Replicator(
        risk=RISKS[risk](),
        costs=[rp.costs.ProportionalFee(bps=BPS)],
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        risk_aversion=lam,
        periods_per_year=case.periods_per_year,
    )
    first = min(pd.Timestamp(p[1]) for p in case.periods)
    start = case.returns.index[case.returns.index >= first][0]
    with_ls = risk == "StatisticalFactor(10)" and lam == LAMBDAS[0]
    t0 = time.perf_counter()
    bt = rp.backtest.run(
        model,
        case.returns,
        case.index,
        schedule=freq,
        lookback=case.lookback,
        start=start,
        baselines=("ls",) if with_ls else None,
    )
    wall = time.perf_counter() - t0
    m = bt.metrics()
    rows = []
    series = {f"{risk}|{lam:g}": bt.active_returns}
    if with_ls:
        series["LS tracker|"] = bt.baselines["ls"].active_returns
        series["Equal weight|"] = equal_weight_active(case, start, freq, BPS)
    for key, active in series.items():
        method, lam_s = key.split("|")
        for period, te in period_te(active, case).items():
            rows.append(
                {
                    "case": name,
                    "freq": freq,
                    "method": method,
                    "risk_aversion": float(lam_s) if lam_s else np.nan,
                    "period": period,
                    "te": te,
                    "te_ex_ante_mean": m["te_ex_ante_mean"] if lam_s else np.nan,
                    "calibration": m["te_realized_over_ex_ante"] if lam_s else np.nan,
                    "turnover_per_year": m["turnover_per_year"] if lam_s else np.nan,
                    "wall_s": wall if lam_s else np.nan,
                }
            )
    return rows


def jobs(cases: list[str]) -> list[tuple[str, str, str, float]]:
    out = list(itertools.product(cases, FREQS, RISKS, LAMBDAS))
    # Heaviest first (dense risk models, monthly, the long S&P 500 case).
    return sorted(
        out,
        key=lambda j: (
            j[2] == "StatisticalFactor(10)",
            j[1] != "M",
            j[0] != "sp500_0612",
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cases", nargs="*", default=None)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    names = args.cases or list(load_cases())
    t0 = time.perf_counter()
    rows: list[dict] = []
    with ProcessPoolExecutor(args.workers) as pool:
        for part in pool.map(run_one, jobs(names)):
            rows.extend(part)
    results = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out / "results.csv", index=False)
    elapsed = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"wall {elapsed / 60:.1f} min, CPU of the workers "
        f"{(usage.ru_utime + usage.ru_stime) / 60:.1f} min"
    )
    from benchmarks.quality.analysis import write_summary

    write_summary(results, args.out, elapsed)
    print((args.out / "summary.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
