"""Run the solver benchmark suite: ``python -m benchmarks [options]``.

Examples
--------
``python -m benchmarks --quick --out /tmp/bench``
``python -m benchmarks --sizes 500,5000 --solvers OSQP,CLARABEL --variants qp``
``python -m benchmarks --peers``  (needs the ``bench-peers`` extra)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.cells import REFERENCE, CellSpec, run_isolated, warm_up
from benchmarks.problems import SIZES

DEFAULT_SOLVERS = ("auto", "OSQP", "CLARABEL", "SCS", "HIGHS", "PIQP")
QP_ONLY = {"OSQP", "HIGHS", "PIQP"}
DENSE_MAX = 2000
#: Largest N at which cells also time the hand-written OSQP loop.
RAW_MAX = 5000
QUICK_SIZES = ("50", "200")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--sizes", help="comma list of N (or 'sp500'); default all")
    p.add_argument("--solvers", help=f"comma list; default {','.join(DEFAULT_SOLVERS)}")
    p.add_argument(
        "--variants", default="qp,socp,dense", help="qp,socp,dense,engine,peer"
    )
    p.add_argument(
        "--quick", action="store_true", help="small sizes, 1 repeat (< ~60 s)"
    )
    p.add_argument(
        "--repeats", type=int, default=None, help="timed repeats (default 3)"
    )
    p.add_argument("--out", default=str(Path(__file__).parent / "results"))
    p.add_argument("--peers", action="store_true", help="also run peer libraries")
    p.add_argument("--timeout", type=float, default=None, help="seconds per cell")
    p.add_argument(
        "--cell-budget",
        type=float,
        default=None,
        help="skip larger N for a solver once a cell took longer than this (s)",
    )
    p.add_argument(
        "--append",
        action="store_true",
        help="merge into an existing OUT/results.csv (re-run cells replace old rows)",
    )
    p.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite results.md and plots from OUT/results.csv; run nothing",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-factors", type=int, default=10)
    return p.parse_args(argv)


def _solvers(requested: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """Installed solvers among ``requested``, and skip rows for the others."""
    import replicator as rp

    have = {*rp.available_solvers(), "AUTO"}
    ok, skipped = [], []
    for s in requested:
        if s == "AUTO":
            ok.append("auto")
        elif s in have:
            ok.append(s)
        else:
            extra = {"PIQP": "piqp", "HIGHS": "highs", "SCS": "scs"}.get(s, s.lower())
            skipped.append(
                {
                    "variant": "*",
                    "size": "*",
                    "solver": s,
                    "status": "skipped",
                    "note": f"{s} is not installed (pip install 'replicator[{extra}]')",
                }
            )
    return ok, skipped


def _size_key(size: str) -> float:
    return 386.0 if size == "sp500" else float(size)


def _log(line: str) -> None:
    print(line, flush=True)


def run_suite(args: argparse.Namespace, log: Any = _log) -> list[dict[str, Any]]:
    """Run every cell; return the rows."""
    sizes = (
        args.sizes.split(",")
        if args.sizes
        else list(QUICK_SIZES if args.quick else (*map(str, SIZES), "sp500"))
    )
    sizes = sorted(sizes, key=_size_key)
    requested = [
        s.strip().upper()
        for s in (args.solvers.split(",") if args.solvers else DEFAULT_SOLVERS)
    ]
    solvers, rows = _solvers(requested)
    repeats = args.repeats or (1 if args.quick else 3)
    warm = 1 if args.quick else 5
    timeout = args.timeout or (6.0 if args.quick else 300.0)
    budget = args.cell_budget or (3.0 if args.quick else 120.0)
    given_up: dict[tuple[str, str], str] = {}
    variants = args.variants.split(",")
    warm_up(variants, [REFERENCE, *solvers], args.n_factors)

    for variant in variants:
        for size in sizes:
            if variant == "dense" and (size == "sp500" or int(size) > DENSE_MAX):
                continue
            ref_spec = CellSpec(
                variant, size, REFERENCE, 1, 1, args.seed, args.n_factors, warmup=False
            )
            rows.append(_run(ref_spec, timeout, budget, given_up))
            log(_line(rows[-1]))
            for solver in solvers:
                spec = CellSpec(
                    variant,
                    size,
                    solver,
                    repeats,
                    warm,
                    args.seed,
                    args.n_factors,
                    # Raw OSQP at replicator's tolerance takes ~16 s per solve
                    # at N=5,000 and minutes beyond: it would eat the cell
                    # budget and skip the engine's own larger cells.
                    raw=solver in ("OSQP", "auto")
                    and (size == "sp500" or int(size) <= RAW_MAX),
                    warmup=False,
                )
                if variant == "socp" and solver in QP_ONLY:
                    note = f"{solver} is QP-only"
                    row = {**asdict(spec), "status": "n/a", "note": note}
                else:
                    row = _run(spec, timeout, budget, given_up)
                rows.append(row)
                log(_line(row))
    if args.peers:
        from benchmarks.peers import run_peers

        peer_sizes = [s for s in sizes if s != "sp500" and int(s) <= 5000]
        rows.extend(run_peers(peer_sizes, repeats, timeout, args.seed, log=log))
    return rows


def _run(
    spec: CellSpec, timeout: float, budget: float, given_up: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Run a cell unless its solver already blew the budget at a smaller N."""
    key = (spec.variant, spec.solver)
    if key in given_up:
        return {**asdict(spec), "status": "skipped", "note": given_up[key]}
    row = run_isolated(spec, timeout)
    took = row.get("cell_seconds", 0.0)
    # The real-data problem refits its risk model at every rebalance: it says
    # nothing about how a solver scales with N, so it never triggers a skip.
    if spec.size != "sp500" and (row.get("status") == "timeout" or took > budget):
        why = "timed out" if row.get("status") == "timeout" else f"took {took:.0f} s"
        given_up[key] = (
            f"N={spec.size} {why} (cell budget {budget:.0f} s): larger N skipped"
        )
    return row


def _line(row: dict[str, Any]) -> str:
    def f(key: str, fmt: str = "{:.4g}") -> str:
        v = row.get(key)
        return "-" if v is None else fmt.format(v)

    return (
        f"{row.get('variant', ''):6s} {row.get('size', ''):>6s} "
        f"{row.get('solver', ''):16s}"
        f" {row.get('status', ''):18s} cold {f('cold_wall')} s  warm {f('warm_wall')} s"
        f"  obj {f('objective')}  viol {f('max_violation', '{:.1e}')}"
        f"  rss {f('peak_rss_mb', '{:.0f}')} MB  {row.get('note', '') or ''}"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    from benchmarks.report import write_results

    args = parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    t0 = time.perf_counter()
    from benchmarks.report import merge_rows, read_csv

    if args.report_only:
        args.append = True
        rows = merge_rows(read_csv(Path(args.out) / "results.csv"), [])
    else:
        rows = run_suite(args)
    if args.append and not args.report_only:
        rows = merge_rows(read_csv(Path(args.out) / "results.csv"), rows)
    out = write_results(rows, Path(args.out), args, time.perf_counter() - t0)
    print(f"wrote {', '.join(str(p) for p in out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
