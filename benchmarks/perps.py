"""Re-solve time of a spot-and-perp universe (issue 17's performance target).

50 coins on one market factor, each with its spot and two perps (two venues:
different fees and maintenance margins), 150 instruments in all; fees per
instrument, funding carry, long-only spot, a margin requirement, a gross
leverage limit and a net perp exposure band. The model is compiled once; each
re-solve changes the holdings (the first solution, drifted by a day of
returns) and the benchmark weights, as in a backtest; every path solves the
same sequence, so the last objectives are comparable. Reported: the median
and quartiles of ``solve_snapshot`` wall time, which solver answered (with
the attempts before it), against the cvxpy path in the same process.

    PYTHONPATH=$PWD python -m benchmarks.perps [--n 50] [--repeats 30]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import pandas as pd

import replicator as rp

D = rp.derivatives


def universe(n: int, seed: int = 0, n_days: int = 365):
    """Spot returns of ``n`` coins, 2 perps per coin, fees and a benchmark."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", periods=n_days, freq="D")
    spot = [f"C{i:03d}" for i in range(n)]
    market = rng.normal(0.0, 0.035, n_days)
    beta = rng.uniform(0.8, 1.8, n)
    noise = rng.normal(0, 1, (n_days, n)) * rng.uniform(0.01, 0.04, n)
    returns = pd.DataFrame(np.outer(market, beta) + noise, index=dates, columns=spot)
    perps = []
    for s in spot:
        perps.append(D.Perp(f"{s}-PERP-A", s, maintenance_margin=0.01, taker_bps=5))
        perps.append(D.Perp(f"{s}-PERP-B", s, maintenance_margin=0.02, taker_bps=4))
    basis = pd.DataFrame(
        rng.normal(0, 0.002, (n_days, len(perps))),
        index=dates,
        columns=[p.symbol for p in perps],
    )
    frame = D.with_perps(returns, perps, basis)
    spot_fee = pd.Series(rng.uniform(5, 60, n), index=spot)
    fees = D.perp_fees(frame.columns, perps, spot_fee)
    caps = rng.lognormal(0, 1.5, n)
    bench = pd.Series(caps / caps.sum(), index=spot)
    return frame, perps, fees, bench


def model_for(perps, fees, backend: str, risk: str = "tied") -> rp.Replicator:
    """The benchmark's model: fees, carry, margin, leverage, net perp band."""
    models = {
        "tied": D.PerpRisk(rp.risk.StatisticalFactor(n_factors=5), perps),
        "factor": rp.risk.StatisticalFactor(n_factors=5),
        "sample": rp.risk.SampleCovariance(),
    }
    return rp.Replicator(
        risk=models[risk],
        costs=[rp.costs.ProportionalFee(bps=fees), D.FundingCarry(perps)],
        constraints=[
            D.spot_long_only(fees.index, perps),
            D.MarginRequirement(perps, buffer=0.02),
            D.GrossLeverage(1.5),
            D.NetPerpExposure(perps, lower=-0.5, upper=0.5),
        ],
        periods_per_year=365,
        backend=backend,
    )


def run(
    n: int, repeats: int, backend: str, solver: str = "auto", risk: str = "tied"
) -> dict:
    """Time ``repeats`` warm re-solves; return the timings and solver names."""
    frame, perps, fees, bench = universe(n)
    model = model_for(perps, fees, backend, risk)
    model.solver = solver
    snap = model.prepare(frame, bench, date=frame.index[-1])
    res = model.solve_snapshot(snap)  # compile + first solve
    rng = np.random.default_rng(1)
    w1 = res.weights.reindex(snap.assets).to_numpy()
    snaps = []
    for _ in range(repeats):  # the same snapshots for every path
        w = w1 * (1 + rng.normal(0, 0.03, w1.size))  # a day of drift
        b = snap.benchmark * np.exp(rng.normal(0, 0.02, snap.n_assets))
        snaps.append(replace(snap, holdings=w, benchmark=b / b.sum()))
    times, solvers, attempts = [], set(), set()
    for new in snaps:
        t0 = time.perf_counter()
        res = model.solve_snapshot(new)
        times.append(time.perf_counter() - t0)
        solvers.add(res.stats.solver)
        attempts.add(" | ".join(res.stats.attempts))
    q = np.percentile(np.array(times) * 1e3, [25, 50, 75])
    return {
        "backend": backend,
        "risk": risk,
        "solver": solver,
        "instruments": snap.n_assets,
        "median_ms": q[1],
        "q25_ms": q[0],
        "q75_ms": q[2],
        "answered_by": sorted(solvers),
        "attempts": sorted(attempts),
        "status": str(res.status),
        "objective": res.objective,
    }


def main() -> None:
    """Print the timings of the native paths against cvxpy."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50, help="coins (each: spot + 2 perps)")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument(
        "--risk",
        choices=["tied", "factor", "sample"],
        default="tied",
        help="PerpRisk(StatisticalFactor(5)) (5 + 50 factor rows), the plain "
        "StatisticalFactor(5), or SampleCovariance (365 factor rows)",
    )
    args = ap.parse_args()
    rows = [
        run(args.n, args.repeats, "auto", risk=args.risk),
        run(args.n, args.repeats, "native", "PIQP", args.risk),
        run(args.n, args.repeats, "cvxpy", "CLARABEL", args.risk),
    ]
    ref = rows[-1]["median_ms"]
    for r in rows:
        print(
            f"{r['risk']}: "
            f"{r['backend']:>6}/{r['solver']:<8} N={r['instruments']}: median "
            f"{r['median_ms']:.2f} ms (IQR {r['q25_ms']:.2f}-{r['q75_ms']:.2f}), "
            f"{ref / r['median_ms']:.1f}x the cvxpy path; answered by "
            f"{', '.join(r['answered_by'])}; {r['status']}; objective "
            f"{r['objective']:.10g}"
        )
        for a in r["attempts"]:
            print(f"        attempts: {a}")


if __name__ == "__main__":
    main()
