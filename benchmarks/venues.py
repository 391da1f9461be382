"""Venue routing: 100 coins x 3 venues (2 CEX + 1 DEX pool), native and cvxpy paths.

Run ``python benchmarks/venues.py`` (``--coins``, ``--repeats``, ``--out``).
Writes ``benchmarks/results/venues.json`` and prints a table.

Measures, in one process (the machine is shared and noisy: medians):

* **cold**: the first solve of a new model (bind, cvxpy compilation, Clarabel);
* **re-solve**: later solves of the same model after the benchmark and the
  holdings drift (parameters rewritten, no recompilation);
* **split**: the numpy split solver (:func:`rp.venues.exact_costs`) pricing a
  trade vector at its optimal split, as the backtest ledger does;
* **gas**: :func:`rp.venues.solve_with_gas` (relaxed solve, decision, re-solve)
  on an initial investment from cash, $50 of gas a swap.

Targets of issue 16: cold <= 100 ms, re-solve <= 20 ms. The native form of
the term (:mod:`replicator.venues._native`, Clarabel without cvxpy) and the
cvxpy path are both timed, against a reference run in the same process: the
same model with PowerImpact + ConstantProductAMM (one venue per coin) on the
native conic path (through cvxpy that reference took 50-60 s a solve on this
machine). The first run (cvxpy path only, before the native form) is kept in
``results/venues_before.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

import replicator as rp

RESULTS = Path(__file__).resolve().parent / "results" / "venues.json"
NAV = 1e8


def universe(n: int, seed: int = 0) -> dict:
    """Factor returns, a cap-weighted benchmark, drifted holdings, ADV."""
    rng = np.random.default_rng(seed)
    tickers = [f"C{i:03d}" for i in range(n)]
    dates = pd.date_range("2021-01-01", periods=365)
    B = rng.normal(0, 1, (n, 3))
    f = rng.normal(0, 0.03, (365, 3))
    R = pd.DataFrame(f @ B.T * 0.5 + rng.normal(0, 0.03, (365, n)), dates, tickers)
    caps = rng.lognormal(0, 1.5, n)
    bench = pd.Series(caps / caps.sum(), tickers)
    hold = bench * np.exp(rng.normal(0, 0.1, n))
    adv = pd.Series(caps / caps.sum() * 3e10 * rng.uniform(0.5, 1.5, n), tickers)
    return {"returns": R, "benchmark": bench, "holdings": hold / hold.sum(), "adv": adv}


def venues(data: dict) -> list:
    tiers = (rp.venues.FeeTier("base", 0, 10, 10), rp.venues.FeeTier("vip", 1e8, 2, 5))
    out = [
        rp.venues.CEXVenue(
            "cex_a", tiers, volume_30d=5e8, half_spread_bps=2, adv_share=0.2
        ),
        rp.venues.CEXVenue(
            "cex_b", tiers, tier="base", impact="quadratic", adv_share=0.1,
            participation=0.1,
        ),
    ]  # fmt: skip
    for ticker, adv in data["adv"].items():
        out.append(rp.venues.DEXPool("amm", ticker, reserves=0.2 * adv, fee=0.0005))
    return out


def drift(data: dict, k: int) -> dict:
    rng = np.random.default_rng(100 + k)
    b = data["benchmark"] * np.exp(rng.normal(0, 0.05, len(data["benchmark"])))
    return dict(data, benchmark=b / b.sum())


def model_for(costs: list, backend: str = "cvxpy") -> rp.Replicator:
    return rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        costs=costs,
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        periods_per_year=365,
        backend=backend,
    )


def time_model(make, data: dict, repeats: int) -> dict:
    cold = []
    for _ in range(max(1, repeats // 2)):
        model = make()
        t0 = time.perf_counter()
        res = model.solve(**data, nav=NAV)
        cold.append(time.perf_counter() - t0)
    warm, statuses = [], [res.stats.solver + ":" + res.status.value]
    for k in range(repeats):
        d = drift(data, k)
        t0 = time.perf_counter()
        res = model.solve(**d, nav=NAV)
        warm.append(time.perf_counter() - t0)
        statuses.append(res.stats.solver + ":" + res.status.value)
    return {
        "cold_ms": 1e3 * float(np.median(cold)),
        "resolve_ms": 1e3 * float(np.median(warm)),
        "compilations": model.n_compilations_,
        "statuses": sorted(set(statuses)),
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--coins", type=int, default=100)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    data = universe(args.coins)
    V = venues(data)
    out: dict = {"coins": args.coins, "venues": 3, "pairs": 3 * args.coins}
    out["venue_cost"] = time_model(
        lambda: model_for([rp.venues.VenueCost(V)], "native"), data, args.repeats
    )
    out["venue_cost_cvxpy"] = time_model(
        lambda: model_for([rp.venues.VenueCost(V)], "cvxpy"), data, args.repeats
    )
    out["ratio_cvxpy_over_native"] = {
        k: out["venue_cost_cvxpy"][k] / out["venue_cost"][k]
        for k in ("cold_ms", "resolve_ms")
    }
    reference = [
        rp.costs.PowerImpact(coef=1.0),
        rp.costs.ConstantProductAMM(reserves=0.2 * data["adv"], fee=0.0005),
    ]
    out["reference_power_amm"] = time_model(
        lambda: model_for(reference, "auto"), data, args.repeats
    )
    # the split solver, as the ledger prices a trade vector
    term = rp.venues.VenueCost(V)
    model = model_for([term], "native")
    res = model.solve(**data, nav=NAV)
    snap = term.last_snapshot
    t = res.trades.to_numpy()
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        term.split(t, snap)
        times.append(time.perf_counter() - t0)
    out["split_ms"] = 1e3 * float(np.median(times))
    # gas: $50 a swap (crypto-markets.md 2.7, Oct-2021 gas prices)
    gas_venues = [
        v if not isinstance(v, rp.venues.DEXPool) else rp.venues.DEXPool(
            v.name, v.asset, reserves=v.reserves, fee=v.fee, gas=50.0)
        for v in V
    ]  # fmt: skip
    gterm = rp.venues.VenueCost(gas_venues)
    gmodel = model_for([gterm], "native")
    t0 = time.perf_counter()
    initial = {k: v for k, v in data.items() if k != "holdings"}  # invest from cash
    sol = rp.venues.solve_with_gas(gmodel, gterm, **initial, nav=NAV)
    out["gas"] = {
        "total_ms": 1e3 * (time.perf_counter() - t0),
        "pools_on": int(sol.pools["on"].sum()),
        "pools": len(sol.pools),
        "gap_bound_rel": sol.gap_bound / sol.result.objective,
    }
    out["machine"] = {"python": sys.version.split()[0], "platform": platform.platform(),
                      "cpus": os.cpu_count()}  # fmt: skip
    out["targets"] = {
        "cold_ms": 100,
        "resolve_ms": 20,
        "note": "venue_cost is the native path (Clarabel, no cvxpy)",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    vc, ref, g = out["venue_cost"], out["reference_power_amm"], out["gas"]
    vx = out["venue_cost_cvxpy"]
    lines = [
        f"{args.coins} coins x 3 venues (medians of {args.repeats})",
        f"  VenueCost (native): cold {vc['cold_ms']:.1f} ms, "
        f"re-solve {vc['resolve_ms']:.1f} ms {vc['statuses']}",
        f"  VenueCost (cvxpy): cold {vx['cold_ms']:.1f} ms, "
        f"re-solve {vx['resolve_ms']:.1f} ms {vx['statuses']}",
        f"  reference (native): cold {ref['cold_ms']:.1f} ms, "
        f"re-solve {ref['resolve_ms']:.1f} ms {ref['statuses']}",
        f"  split solver (numpy twin): {out['split_ms']:.2f} ms",
        f"  solve_with_gas: {g['total_ms']:.0f} ms, {g['pools_on']}/{g['pools']} "
        f"pools on, gap bound {g['gap_bound_rel']:.2e} of the objective",
        "  targets: cold <= 100 ms, re-solve <= 20 ms (native path)",
    ]
    print("\n".join(lines))
    return out


if __name__ == "__main__":
    main()
