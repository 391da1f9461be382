"""The conic path: 3/2-power impact on the default route, seed after seed.

Issue 16 ("the conic path must not fail"). For each universe size and seed
the script builds a realistic replication problem
(:func:`benchmarks.problems.make_problem`: a 10-factor ``FactorModel``,
``FullyInvested``, ``LongOnly``, per-asset caps, a binding ``TurnoverLimit``,
a 10 %-of-ADV ``LiquidityLimit``, a 5 bp ``ProportionalFee`` and
``PowerImpact(coef=0.5, exponent=1.5)``), solves it with
``solver="auto"`` (the native conic route: Clarabel) and records the status,
the solver that answered, the wall time and the objective. ``--warm`` also
times re-solves of the next rebalances against cold solves of the same
problems.

Usage::

    PYTHONPATH=$PWD python -m benchmarks.conic                # 20 seeds
    PYTHONPATH=$PWD python -m benchmarks.conic --seeds 5 --sizes 200 1000
    PYTHONPATH=$PWD python -m benchmarks.conic --warm --sizes 1000 --seeds 3
    PYTHONPATH=$PWD python -m benchmarks.conic --gap --sizes 200 1000 --seeds 5
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

import replicator as rp
from benchmarks import terms
from benchmarks.problems import BenchProblem, make_problem

__all__ = [
    "build",
    "gap",
    "inputs",
    "main",
    "objective",
    "reference",
    "run_seed",
    "violation",
]

SIZES = (200, 1000, 3000, 10000)
RISK_AVERSION = 100.0


def build(problem: BenchProblem, **kwargs: Any) -> rp.Replicator:
    """The replicator of the conic benchmark (not yet solved)."""
    k = problem.exposures.shape[1]
    factors = [f"F{i}" for i in range(k)]
    risk = rp.risk.FactorModel(
        pd.DataFrame(problem.exposures, index=problem.tickers, columns=factors),
        pd.DataFrame(problem.factor_cov, index=factors, columns=factors),
        pd.Series(problem.specific_var, index=problem.tickers),
        periods_per_year=252.0,
    )
    upper = pd.Series(problem.upper, index=problem.tickers)
    return rp.Replicator(
        risk=risk,
        costs=[
            rp.costs.ProportionalFee(bps=problem.fee_bps),
            terms.power_impact(problem),
        ],
        constraints=[
            rp.constraints.FullyInvested(),
            rp.constraints.LongOnly(),
            rp.constraints.WeightBounds(upper=upper),
            rp.constraints.TurnoverLimit(problem.turnover),
            terms.liquidity_limit(problem),
        ],
        risk_aversion=RISK_AVERSION,
        **kwargs,
    )


def inputs(problem: BenchProblem, j: int = 0) -> dict[str, Any]:
    """Keyword arguments of ``solve`` for rebalance ``j``."""
    reb = problem.rebalance(j)
    t = problem.tickers
    return {
        "holdings": pd.Series(reb.holdings, index=t),
        "benchmark": pd.Series(reb.benchmark, index=t),
        "nav": problem.nav,
        "adv": pd.Series(problem.adv, index=t),
        "volatility": pd.Series(problem.volatility, index=t),
        "universe": t,
    }


def run_seed(n: int, seed: int) -> dict[str, Any]:
    """Solve one cold problem on the default route."""
    problem = make_problem(n, seed=seed)
    model = build(problem)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = model.solve(**inputs(problem))
        except rp.exceptions.ReplicatorError as exc:
            return {
                "n": n,
                "seed": seed,
                "status": f"error: {type(exc).__name__}",
                "solver": "",
                "raw": str(exc)[:80],
                "time": time.perf_counter() - t0,
                "objective": float("nan"),
            }
    wall = time.perf_counter() - t0
    st = res.stats
    return {
        "n": n,
        "seed": seed,
        "status": st.status.value if hasattr(st.status, "value") else str(st.status),
        "solver": st.solver,
        "raw": st.raw_status,
        "attempts": "; ".join(st.attempts),
        "time": wall,
        "objective": float(res.objective),
    }


def objective(problem: BenchProblem, w: np.ndarray, j: int = 0) -> float:
    """``TE^2(w) + C(w - w0) / lambda`` in numpy, from the math (not our twins)."""
    reb = problem.rebalance(j)
    d = w - reb.benchmark
    t = w - reb.holdings
    te2 = np.sum((problem.G @ d) ** 2) + np.sum((problem.s * d) ** 2)
    k = terms.POWER_COEF * problem.volatility * np.sqrt(problem.nav / problem.adv)
    cost = problem.fee_bps / 1e4 * np.abs(t).sum() + k @ np.abs(t) ** 1.5
    return float(te2 + cost / RISK_AVERSION)


def violation(problem: BenchProblem, w: np.ndarray, j: int = 0) -> float:
    """Largest violation of the benchmark's constraints at ``w`` (numpy)."""
    reb = problem.rebalance(j)
    t = w - reb.holdings
    caps = problem.participation * problem.adv / problem.nav
    return float(
        max(
            abs(w.sum() - 1.0),
            (-w).max(),
            (w - problem.upper).max(),
            0.5 * (np.abs(t).sum() + abs(t.sum())) - problem.turnover,
            (np.abs(t) - caps).max(),
        )
    )


def reference(problem: BenchProblem, j: int = 0) -> tuple[np.ndarray, str]:
    """Tight cvxpy + Clarabel solve of the benchmark problem, written from the math.

    ``|t_i|^{3/2}`` is written ``u_i^{3/2} |t_i/u_i|^{3/2}`` with ``u_i`` the
    rebalance trade (floored at 0.01/N): unscaled, cvxpy's cones stall
    (``optimal_inaccurate`` or a solver error). Returns the weights and
    cvxpy's status.
    """
    import cvxpy as cp

    reb = problem.rebalance(j)
    n = problem.n_assets
    u = np.maximum(np.abs(reb.benchmark - reb.holdings), 0.01 / n)
    w = cp.Variable(n)
    t = w - reb.holdings
    d = w - reb.benchmark
    k = terms.POWER_COEF * problem.volatility * np.sqrt(problem.nav / problem.adv)
    impact = (k * u**1.5) @ cp.power(cp.abs(cp.multiply(1.0 / u, t)), 1.5)
    cost = problem.fee_bps / 1e4 * cp.sum(cp.abs(t)) + impact
    te2 = cp.sum_squares(problem.G @ d) + cp.sum_squares(cp.multiply(problem.s, d))
    cons = [
        cp.sum(w) == 1.0,
        w >= 0,
        w <= problem.upper,
        0.5 * (cp.sum(cp.abs(t)) + cp.abs(cp.sum(t))) <= problem.turnover,
        cp.abs(t) <= problem.participation * problem.adv / problem.nav,
    ]
    prob = cp.Problem(cp.Minimize(1e4 * (te2 + cost / RISK_AVERSION)), cons)
    tight = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve(solver="CLARABEL", max_iter=500, **tight)
    return np.asarray(w.value, dtype=float), str(prob.status)


def gap(n: int, seed: int) -> dict[str, Any]:
    """Objective gaps of the default route against two tight references.

    ``cvxpy``: :func:`reference` (independent); ``tight``: the default route
    with Clarabel at 1e-12 gap tolerances. The gap is taken against the
    lowest objective among the references whose violation is <= 1e-8.
    """
    problem = make_problem(n, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = build(problem).solve(**inputs(problem)).weights.to_numpy()
        tight = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12}
        w_tight = (
            build(problem, solver="CLARABEL", solver_options=tight)
            .solve(**inputs(problem))
            .weights.to_numpy()
        )
    w_cvx, status = reference(problem)
    ours = objective(problem, w)
    refs = {"cvxpy": w_cvx, "tight": w_tight}
    row: dict[str, Any] = {"n": n, "seed": seed, "ours": ours, "cvxpy_status": status}
    row["viol"] = violation(problem, w)
    for name, x in refs.items():
        row[name] = objective(problem, x)
        row[f"{name}_viol"] = violation(problem, x)
    ok = [row[k] for k in refs if row[f"{k}_viol"] <= 1e-8]
    best = min(ok) if ok else float("nan")
    row["gap"] = (ours - best) / best
    row["gap_cvxpy"] = (ours - row["cvxpy"]) / row["cvxpy"]
    return row


def warm_vs_cold(n: int, seed: int, n_rebalances: int = 4) -> dict[str, float]:
    """Median seconds of re-solves (one model) against cold solves (new models)."""
    problem = make_problem(n, seed=seed)
    warm_model = build(problem)
    warm, cold = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm_model.solve(**inputs(problem, 0))
        for j in range(1, n_rebalances + 1):
            kw = inputs(problem, j)
            t0 = time.perf_counter()
            warm_model.solve(**kw)
            warm.append(time.perf_counter() - t0)
            model = build(problem)
            t0 = time.perf_counter()
            model.solve(**kw)
            cold.append(time.perf_counter() - t0)
    w, c = statistics.median(warm), statistics.median(cold)
    return {"n": n, "seed": seed, "warm": w, "cold": c, "ratio": c / w}


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--seeds", type=int, default=20, help="seeds per size")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--warm", action="store_true", help="time re-solves")
    ap.add_argument("--gap", action="store_true", help="gap to a tight reference")
    args = ap.parse_args(argv)
    if args.gap:
        for n in args.sizes:
            for s in range(args.first_seed, args.first_seed + args.seeds):
                r = gap(n, s)
                print(
                    f"N={n:>6} seed={s:>2} gap={r['gap']:+.2e} "
                    f"vs cvxpy ({r['cvxpy_status']}) {r['gap_cvxpy']:+.2e} "
                    f"viol ours {r['viol']:.1e} cvxpy {r['cvxpy_viol']:.1e} "
                    f"tight {r['tight_viol']:.1e}",
                    flush=True,
                )
        return
    if args.warm:
        for n in args.sizes:
            for s in range(args.first_seed, args.first_seed + args.seeds):
                r = warm_vs_cold(n, s)
                print(
                    f"N={n:>6} seed={s:>2} warm={r['warm']:.3f}s "
                    f"cold={r['cold']:.3f}s cold/warm={r['ratio']:.2f}",
                    flush=True,
                )
        return
    for n in args.sizes:
        rows = []
        for s in range(args.first_seed, args.first_seed + args.seeds):
            r = run_seed(n, s)
            rows.append(r)
            print(
                f"N={n:>6} seed={s:>2} {r['status']:<20} {r['solver']:<10} "
                f"{r['raw']:<22} {r['time']:7.2f}s obj={r['objective']:.10g}",
                flush=True,
            )
        ok = sum(r["status"] == "optimal" for r in rows)
        times = [r["time"] for r in rows]
        print(
            f"== N={n}: optimal {ok}/{len(rows)}, median {np.median(times):.2f}s, "
            f"max {max(times):.2f}s",
            flush=True,
        )


if __name__ == "__main__":
    main()
