"""One benchmark cell (variant x size x solver), run in its own process.

A cell solves the rebalance-0 problem cold (a fresh Replicator: validation,
compilation and solve) ``repeats`` times, then re-solves rebalances 1, 2, ...
on the last model (the first re-solve is a warm-up) and takes medians. The
cold solution is scored against the reference objective. For QPs solved with
OSQP on the factor form, the same rebalances also go through
:class:`benchmarks.raw_osqp.RawOSQP` in the same process, which gives the
re-solve overhead ratio.

:func:`run_isolated` forks a child per cell, so its peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss`` read in the child) is the cell's own.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import statistics
import time
import traceback
import warnings
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["CellSpec", "run_cell", "run_isolated"]

REFERENCE = "CLARABEL-tight"
TIGHT_CLARABEL = {
    "tol_gap_abs": 1e-10,
    "tol_gap_rel": 1e-10,
    "tol_feas": 1e-10,
    "tol_ktratio": 1e-8,
    "max_iter": 1000,
}
TIGHT_SCS = {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 1_000_000}
#: A cell stops repeating once its cold (or warm) solves took this long.
SLOW_SECONDS = 15.0
#: Resident-memory limit of a cell (bytes): the parent kills a child whose RSS
#: passes it, so a runaway compilation cannot wake the OOM killer on a shared
#: machine. Override with the environment variable ``BENCH_MEMORY_GB``.
MEMORY_LIMIT = int(float(os.environ.get("BENCH_MEMORY_GB", "8")) * 2**30)


@dataclass(frozen=True)
class CellSpec:
    """What to run in one cell."""

    variant: str
    size: str
    solver: str
    repeats: int = 3
    warm_repeats: int = 5
    seed: int = 0
    n_factors: int = 10
    raw: bool = False
    warmup: bool = True


def peak_rss_mb() -> float:
    """High-water mark of this process's resident set, in MB (Linux: KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Current resident set size in MB."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover
        return float("nan")


def make(size: str, n_factors: int, seed: int):  # type: ignore[no-untyped-def]
    """Build the problem of a size label."""
    from benchmarks.problems import make_problem, make_sp500_problem

    if size == "sp500":
        return make_sp500_problem(seed)
    return make_problem(int(size), n_factors=n_factors, seed=seed)


def _solver_args(solver: str) -> tuple[str, dict | None]:
    if solver == REFERENCE:
        return "CLARABEL", dict(TIGHT_CLARABEL)
    if solver == "SCS-tight":
        return "SCS", dict(TIGHT_SCS)
    return solver, None


def _timed_solve(setup, j: int) -> tuple[Any, dict[str, float]]:  # type: ignore[no-untyped-def]
    """Solve rebalance ``j`` through the public API; time its parts.

    Returns ``(result or exception, times)``: a solver failure is a result
    too (its time counts), any other exception propagates.
    """
    from replicator.exceptions import SolveError

    kw = setup.inputs(j)
    model = setup.model
    t0 = time.perf_counter()
    snap = model.prepare(**kw)
    t1 = time.perf_counter()
    try:
        res = model.solve_snapshot(snap)
    except (SolveError, MemoryError) as exc:
        # MemoryError: the cell's address-space limit (a runaway compilation)
        return exc, {"wall": time.perf_counter() - t0, "prepare": t1 - t0}
    t2 = time.perf_counter()
    st = res.stats
    return res, {
        "wall": t2 - t0,
        "prepare": t1 - t0,
        "cvxpy": st.wall_time,
        "solver": st.solve_time,
        "compile": st.compile_time,
        "iterations": float(st.iterations or 0),
    }


def warm_up(variants: list[str], solvers: list[str], n_factors: int = 10) -> None:
    """Solve a tiny problem per (variant, solver): lazy imports and code paths.

    Run once in the parent, every forked cell inherits the warmed-up state.
    Iterations are capped: only the code paths matter, not convergence.
    """
    from benchmarks.variants import build

    caps = {
        "OSQP": {"max_iter": 50},
        "SCS": {"max_iters": 50},
        "CLARABEL": {"max_iter": 5},
    }
    tiny = make("20", min(n_factors, 3), 99)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for variant in variants:
            for solver in solvers:
                name, _ = _solver_args(solver)
                opts = caps.get(name)
                try:
                    setup = build(tiny, variant, name, opts, fallback=False)
                    setup.model.solve(**setup.inputs(0))
                except Exception:
                    pass


def _median(rows: list[dict[str, float]], key: str) -> float:
    vals = [r[key] for r in rows if key in r]
    return statistics.median(vals) if vals else float("nan")


def run_cell(spec: CellSpec) -> dict[str, Any]:
    """Run one cell in this process and return its row."""
    from benchmarks.variants import QP_VARIANTS, build

    row: dict[str, Any] = asdict(spec)
    rss0 = current_rss_mb()
    problem = make(spec.size, spec.n_factors, spec.seed)
    row["n_assets"] = problem.n_assets
    row["base_rss_mb"] = current_rss_mb()
    name, opts = _solver_args(spec.solver)
    warnings.simplefilter("ignore")

    fallback = spec.solver == "auto"  # the default user path; named solvers alone
    if spec.warmup:
        warm_up([spec.variant], [spec.solver], spec.n_factors)

    cold: list[dict[str, float]] = []
    setup = res = None
    for _ in range(max(1, spec.repeats)):
        setup = build(
            problem,
            spec.variant,
            name,
            opts,
            fallback=fallback,
            # The reference is the cvxpy formulation: independent of the
            # natively assembled QP it scores.
            backend="cvxpy" if spec.solver == REFERENCE else "auto",
        )
        res, times = _timed_solve(setup, 0)
        cold.append(times)
        if sum(c["wall"] for c in cold) > SLOW_SECONDS:
            break  # slow cell: fewer repeats (the count is recorded)
    row["n_cold"] = len(cold)
    assert setup is not None and res is not None
    for key in ("wall", "prepare", "cvxpy", "solver", "compile", "iterations"):
        row[f"cold_{key}"] = _median(cold, key)
    if isinstance(res, Exception):
        row["status"] = "out of memory" if isinstance(res, MemoryError) else "failed"
        row["note"] = f"{type(res).__name__}: {str(res)[:200]}"
        row["peak_rss_mb"] = peak_rss_mb()
        return row
    row["status"] = str(res.stats.status)
    row["solver_status"] = res.stats.raw_status
    row["solver_used"] = res.stats.solver
    w = res.weights.reindex(problem.tickers).to_numpy(dtype=float)
    ev = setup.evaluate(w, 0)
    row.update(
        objective=ev.objective,
        tracking_error=ev.tracking_error,
        total_cost=ev.total_cost,
        max_violation=ev.max_violation,
        te_cap=setup.te_cap,
    )

    warm: list[dict[str, float]] = []
    n_warm = min(spec.warm_repeats, 11) if problem.returns_only else spec.warm_repeats
    spent = 0.0
    for j in range(1, n_warm + 2):
        _, times = _timed_solve(setup, j)
        spent += times["wall"]
        if j > 1:
            warm.append(times)
            if spent > SLOW_SECONDS:
                break
    n_warm = len(warm)
    row["n_warm"] = n_warm
    for key in ("wall", "prepare", "cvxpy", "solver", "iterations"):
        row[f"warm_{key}"] = _median(warm, key)
    row["warm_failures"] = sum("cvxpy" not in c for c in warm)
    row["n_compilations"] = setup.model.n_compilations_
    row["peak_rss_mb"] = peak_rss_mb()
    row["rss_at_start_mb"] = rss0

    if spec.raw and spec.variant in QP_VARIANTS and spec.variant != "dense":
        row.update(_raw_osqp(setup, n_warm))
        if row.get("raw_warm_wall"):
            row["overhead_ratio"] = row["warm_wall"] / row["raw_warm_wall"]
        if getattr(setup.model._compiled, "native", False):
            row.update(_raw_piqp(setup, n_warm))
            if row.get("raw_piqp_warm_wall"):
                row["piqp_overhead_ratio"] = (
                    row["warm_wall"] / row["raw_piqp_warm_wall"]
                )
    return row


def _raw_piqp(setup, n_warm: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """PIQP ``update`` + ``solve`` on the engine's own assembled matrices.

    The QP of each rebalance is assembled by replicator (untimed); only the
    solver calls are timed: the floor under replicator's native re-solve.
    """
    import piqp

    from replicator.solvers import DEFAULT_OPTIONS

    model = setup.model
    datas = []
    for j in range(n_warm + 2):
        snap = model.prepare(**setup.inputs(j))
        datas.append(model.compiled_for(snap).build(snap))
    solver = piqp.SparseSolver()
    solver.settings.verbose = False
    for key, value in DEFAULT_OPTIONS.get("PIQP", {}).items():
        setattr(solver.settings, key, value)
    d = datas[0]
    t0 = time.perf_counter()
    solver.setup(d.P, d.q, d.A_eq, d.b_eq, d.A_in, d.l_in, d.u_in, d.x_lower, d.x_upper)
    solver.solve()
    out: dict[str, Any] = {"raw_piqp_cold_wall": time.perf_counter() - t0}
    times, iters = [], []
    for j, d in enumerate(datas[1:], start=1):
        t0 = time.perf_counter()
        solver.update(
            c=d.q, b=d.b_eq, h_l=d.l_in, h_u=d.u_in, x_l=d.x_lower, x_u=d.x_upper
        )
        solver.solve()
        if j > 1:
            times.append(time.perf_counter() - t0)
            iters.append(solver.result.info.iter)
    out["raw_piqp_warm_wall"] = statistics.median(times)
    out["raw_piqp_warm_iterations"] = statistics.median(iters)
    return out


def _raw_osqp(setup, n_warm: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Same rebalances through hand-built OSQP, in this process."""
    from benchmarks.raw_osqp import RawOSQP

    raw_in = setup.raw_inputs(0)
    rawp = RawOSQP(**raw_in.matrices)
    t_setup = rawp.setup(raw_in.g, raw_in.sb, raw_in.w0)
    sol = rawp.solve()
    out: dict[str, Any] = {
        "raw_osqp_status": sol.status,
        "raw_cold_wall": t_setup + sol.wall_time,
        "raw_iterations": sol.iterations,
    }
    ev = setup.evaluate(sol.weights, 0)
    out["raw_objective"] = ev.objective
    out["raw_max_violation"] = ev.max_violation
    times, iters = [], []
    for j in range(1, n_warm + 2):
        nxt = setup.raw_inputs(j)
        t0 = time.perf_counter()
        rawp.update(nxt.g, nxt.sb, nxt.w0, G=nxt.G_changed, s=nxt.s_changed)
        s = rawp.solve()
        if j > 1:
            times.append(time.perf_counter() - t0)
            iters.append(s.iterations)
    out["raw_warm_wall"] = statistics.median(times)
    out["raw_warm_iterations"] = statistics.median(iters)
    return out


def wait_for(proc: Any, conn: Any, timeout: float) -> tuple[Any, str]:
    """Wait for a child's message, killing it on timeout or when RSS > limit.

    Returns ``(message or None, reason)``.
    """
    import psutil

    t0 = time.perf_counter()
    peak = 0
    while time.perf_counter() - t0 < timeout:
        if conn.poll(0.2):
            try:
                return conn.recv(), ""
            except EOFError:
                return None, f"child died (exit code {proc.exitcode})"
        try:
            rss = psutil.Process(proc.pid).memory_info().rss
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        if rss > MEMORY_LIMIT:
            proc.kill()
            return None, (
                f"killed: RSS {rss / 2**30:.1f} GB > {MEMORY_LIMIT / 2**30:.0f} GB "
                "limit (BENCH_MEMORY_GB)"
            )
        if not proc.is_alive() and not conn.poll(0):
            return None, f"child died (exit code {proc.exitcode})"
    return None, f"timeout after {timeout:.0f} s (RSS seen {peak / 2**20:.0f} MB)"


def _child(spec: CellSpec, conn: Any) -> None:
    try:
        conn.send(run_cell(spec))
    except BaseException as exc:
        conn.send(
            {
                **asdict(spec),
                "status": "error",
                "note": f"{type(exc).__name__}: {str(exc)[:300]}",
                "traceback": traceback.format_exc()[-2000:],
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    finally:
        conn.close()


def run_isolated(spec: CellSpec, timeout: float) -> dict[str, Any]:
    """Run a cell in a forked child with a timeout; return its row."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(spec, child), daemon=True)
    t0 = time.perf_counter()
    proc.start()
    child.close()
    row, reason = wait_for(proc, parent, timeout)
    if row is None and proc.is_alive():
        proc.kill()
    proc.join(10)
    if proc.is_alive():  # pragma: no cover - a child that ignores the pipe close
        proc.kill()
        proc.join()
    elapsed = time.perf_counter() - t0
    if row is None:
        status = "out of memory" if reason.startswith("killed") else "timeout"
        row = {**asdict(spec), "status": status, "note": reason}
    row["cell_seconds"] = elapsed
    return row
