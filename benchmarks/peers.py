"""Peer libraries on the ``peer`` problem: min TE^2, budget, long-only, caps, turnover.

Every peer gets the same covariance ``Sigma = G'G + diag(s^2)`` and the same
constraints, written in its own API, and is scored by the same numpy code as
replicator (:meth:`benchmarks.variants.Setup.evaluate`). Timing is the wall
time of the library's own call (construction + fit/optimize), median over
``repeats`` runs after a warm-up on a 50-asset problem. A missing library is a
row with ``status="skipped"`` and the reason.

* skfolio ``BenchmarkTracker`` (variance), fitted on synthetic returns whose
  sample covariance is exactly ``Sigma`` (rows ``c [Z; -Z]``, ``Z = [G; diag s]``)
  with benchmark returns ``X b``; turnover through ``add_constraints``.
* PyPortfolioOpt ``EfficientFrontier.convex_objective(ex_ante_tracking_error)``
  on the dense ``Sigma``; caps and turnover through ``add_constraint``.
* cvxportfolio ``SinglePeriodOptimization`` with ``FullCovariance`` (dense) or
  ``FactorModelCovariance`` (factor), ``benchmark=b``, ``NoCash``,
  ``LongOnly``, ``MaxWeights``, ``TurnoverLimit`` (its turnover excludes the
  cash leg, so it gets ``tau - |cash trade| / 2``, the same set).
"""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.cells import (
    REFERENCE,
    CellSpec,
    current_rss_mb,
    make,
    peak_rss_mb,
    wait_for,
)
from benchmarks.cells import run_isolated as run_cell_isolated
from benchmarks.targets import find

__all__ = ["PEERS", "peer_table", "run_peers"]

DENSE_ONLY_MAX = 2000


def _turnover_expr(w: Any, w0: np.ndarray) -> Any:
    import cvxpy as cp

    return 0.5 * (cp.norm1(w - w0) + cp.abs(cp.sum(w - w0)))


def solve_skfolio(p: Any) -> np.ndarray:
    from skfolio import RiskMeasure
    from skfolio.optimization import BenchmarkTracker

    Z = np.vstack([p.G, np.diag(p.s)])
    c = np.sqrt((2 * Z.shape[0] - 1) / 2.0)
    X = np.vstack([Z, -Z]) * c
    y = X @ p.benchmark
    w0 = p.holdings
    model = BenchmarkTracker(
        risk_measure=RiskMeasure.VARIANCE,
        min_weights=0.0,
        max_weights=p.upper,
        add_constraints=lambda w: [_turnover_expr(w, w0) <= p.turnover],
    )
    model.fit(X, y)
    return np.asarray(model.weights_, dtype=float)


def solve_pypfopt(p: Any) -> np.ndarray:
    from pypfopt import EfficientFrontier, objective_functions

    w0, upper = p.holdings, p.upper
    ef = EfficientFrontier(None, p.sigma, weight_bounds=(0, 1))
    ef.add_constraint(lambda w: w <= upper)
    ef.add_constraint(lambda w: _turnover_expr(w, w0) <= p.turnover)
    ef.convex_objective(
        objective_functions.ex_ante_tracking_error,
        cov_matrix=p.sigma,
        benchmark_weights=p.benchmark,
    )
    return np.array([ef.weights[i] for i in range(p.n_assets)], dtype=float)


def _cvxportfolio(p: Any, factor: bool) -> np.ndarray:
    import cvxportfolio as cvx

    tick = list(p.tickers)
    if factor:
        k = p.G.shape[0]
        names = [f"F{i}" for i in range(k)]
        risk = cvx.FactorModelCovariance(
            F=pd.DataFrame(p.G, index=names, columns=tick),
            d=pd.Series(p.s**2, index=tick),
            Sigma_F=pd.DataFrame(np.eye(k), index=names, columns=names),
        )
    else:
        risk = cvx.FullCovariance(pd.DataFrame(p.sigma, index=tick, columns=tick))
    cash = 1.0 - p.holdings.sum()
    h = pd.Series(np.r_[p.holdings, cash], index=[*tick, "USDOLLAR"]) * 1e8
    policy = cvx.SinglePeriodOptimization(
        objective=-risk,
        constraints=[
            cvx.LongOnly(),
            cvx.NoCash(),
            cvx.MaxWeights(pd.Series(p.upper, index=tick)),
            cvx.TurnoverLimit(p.turnover - 0.5 * abs(cash)),
        ],
        benchmark=pd.Series(np.r_[p.benchmark, 0.0], index=h.index),
        include_cash_return=False,
    )
    u, _, _ = policy.execute(h=h, market_data=None, t=pd.Timestamp("2020-01-02"))
    post = h + u
    return (post / post.sum())[tick].to_numpy(dtype=float)


PEERS: dict[str, tuple[str, Callable[[Any], np.ndarray], int]] = {
    # name: (module to import, solve function, largest N)
    "skfolio (dense)": ("skfolio", solve_skfolio, DENSE_ONLY_MAX),
    "pypfopt (dense)": ("pypfopt", solve_pypfopt, DENSE_ONLY_MAX),
    "cvxportfolio (dense)": (
        "cvxportfolio",
        lambda p: _cvxportfolio(p, False),
        DENSE_ONLY_MAX,
    ),
    "cvxportfolio (factor)": ("cvxportfolio", lambda p: _cvxportfolio(p, True), 20000),
}


def _run_peer(name: str, size: str, seed: int, repeats: int) -> dict[str, Any]:
    from benchmarks.variants import build

    warnings.simplefilter("ignore")
    _, solve, _ = PEERS[name]
    solve(make("50", 10, seed + 1))  # warm-up: imports, cvxpy paths
    problem = make(size, 10, seed)
    base = current_rss_mb()
    times, w = [], None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        w = solve(problem)
        times.append(time.perf_counter() - t0)
    ev = build(problem, "peer").evaluate(w, 0)
    return {
        "kind": "peer",
        "variant": "peer",
        "size": size,
        "n_assets": problem.n_assets,
        "solver": name,
        "status": "ok",
        "cold_wall": statistics.median(times),
        "objective": ev.objective,
        "tracking_error": ev.tracking_error,
        "max_violation": ev.max_violation,
        "peak_rss_mb": peak_rss_mb(),
        "base_rss_mb": base,
    }


def _child(args: tuple, conn: Any) -> None:
    try:
        conn.send(_run_peer(*args))
    except BaseException as exc:
        conn.send(
            {"status": "error", "note": f"{type(exc).__name__}: {str(exc)[:200]}"}
        )
    conn.close()


def _isolated(name: str, size: str, seed: int, repeats: int, timeout: float) -> dict:
    ctx = mp.get_context("fork")
    rx, tx = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=((name, size, seed, repeats), tx), daemon=True
    )
    t0 = time.perf_counter()
    proc.start()
    tx.close()
    row, reason = wait_for(proc, rx, timeout)
    if proc.is_alive():
        proc.kill()
    proc.join()
    base = {"kind": "peer", "variant": "peer", "size": size, "solver": name}
    if row is None:
        row = {"status": "timeout", "note": reason}
    return {**base, **row, "cell_seconds": time.perf_counter() - t0}


def run_peers(
    sizes: list[str], repeats: int, timeout: float, seed: int = 0, log: Any = print
) -> list[dict[str, Any]]:
    """Replicator (reference + OSQP) and every peer on the peer problem."""
    rows: list[dict[str, Any]] = []
    given_up: dict[str, str] = {}
    for size in sizes:
        for solver in (REFERENCE, "auto"):
            ref = solver == REFERENCE
            spec = CellSpec(
                "peer", size, solver, 1 if ref else repeats, 1 if ref else 5, seed,
                raw=not ref,
            )  # fmt: skip
            rows.append(run_cell_isolated(spec, timeout))
            log(f"peer   {size:>6s} {solver:16s} {rows[-1].get('status')} "
                f"{rows[-1].get('cold_wall', float('nan')):.4g} s")  # fmt: skip
        for name, (module, _, n_max) in PEERS.items():
            base = {"kind": "peer", "variant": "peer", "size": size, "solver": name}
            if importlib.util.find_spec(module) is None:
                row = {**base, "status": "skipped", "note": f"{module} not installed "
                       "(pip install 'replicator[bench-peers]')"}  # fmt: skip
            elif int(size) > n_max:
                row = {**base, "status": "skipped", "note": f"dense Sigma, N > {n_max}"}
            elif name in given_up:
                row = {**base, "status": "skipped", "note": given_up[name]}
            else:
                row = _isolated(
                    name, size, seed, 1 if int(size) >= 1000 else repeats, timeout
                )
                if (
                    row["status"] == "timeout"
                    or row.get("cell_seconds", 0) > timeout / 2
                ):
                    given_up[name] = (
                        f"N={size} took {row['cell_seconds']:.0f} s: larger N skipped"
                    )
            rows.append(row)
            wall = row.get("cold_wall", float("nan"))
            log(f"peer   {size:>6s} {name:22s} {row.get('status')} {wall:.4g} s  "
                f"TE {row.get('tracking_error')}")  # fmt: skip
    return rows


def peer_table(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown: peers vs replicator's cold solve (``auto``) on the peer problem."""

    def num(r: dict | None, k: str) -> float:
        try:
            return float(r.get(k)) if r else float("nan")  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return float("nan")

    peers = [r for r in rows if r.get("kind") == "peer"]
    if not peers:
        return ["(peers not run: pass --peers)"]
    out = [
        "| N | library | status | wall s | TE %/yr | max viol | replicator cold s "
        "| replicator TE %/yr | speed-up | target (N>=1000: >=10x, TE <=) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in peers:
        ours = find(rows, "peer", str(r["size"]), "auto")
        speed = num(r, "cold_wall") / num(ours, "cold_wall")
        te_ok = num(ours, "tracking_error") <= num(r, "tracking_error") * (
            1 + 1e-6
        ) + 1e-9 or (num(r, "max_violation") > 1e-6)
        verdict = ""
        if r.get("status") == "ok" and int(r["size"]) >= 1000:
            verdict = "PASS" if speed >= 10 and te_ok else "**MISS**"

        def f(v: float, spec: str) -> str:
            return spec.format(v) if v == v else ""  # NaN -> blank

        out.append(
            f"| {r['size']} | {r['solver']} | "
            f"{r.get('status')} {r.get('note', '') or ''} | "
            f"{f(num(r, 'cold_wall'), '{:.3g}')} | "
            f"{f(100 * num(r, 'tracking_error'), '{:.4f}')} | "
            f"{f(num(r, 'max_violation'), '{:.0e}')} | "
            f"{f(num(ours, 'cold_wall'), '{:.3g}')} | "
            f"{f(100 * num(ours, 'tracking_error'), '{:.4f}')} | "
            f"{f(speed, '{:.1f}x')} | {verdict} |"
        )
    return out
