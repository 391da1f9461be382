"""Engine targets of the engine issue: ``python -m benchmarks.engine_targets``.

Problem: factor model (k=10), budget, long-only, per-asset caps, turnover limit
and a 5 bp proportional fee (the ``engine`` variant), solved with
``solver="auto"`` (natively assembled; the dual Newton method of
:mod:`replicator.solvers.dual_newton`, PIQP when it declines) and the default
fallback, each size in a fresh process.

Targets:

* N=500: first solve (validation + compilation + solve, fresh model) <= 100 ms;
  re-solve of a new rebalance on the compiled model <= 5 ms (median);
* N=5000: first solve <= 1 s; re-solve <= 0.25 s; objective within 1e-4
  (relative) of a tight Clarabel reference;
* re-solve <= 1.5 x raw OSQP ``update`` + ``solve`` on the same QP with the
  same settings (:mod:`benchmarks.raw_osqp`), measured in the same process.

The N=500 ``auto`` cell runs ``--rounds`` times (default 5, each isolated) and
the verdict uses the round with the median re-solve time, shown with the
rounds' range: on a VM whose speed drifts by +-40 % within minutes, one cell's
median is one draw (session 4, with PIQP: 4.1-7.7 ms over 26 cells, PIQP alone
3.0-5.0 ms). Raw PIQP on the same QPs is reported for comparison.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from benchmarks.cells import REFERENCE, CellSpec, run_isolated
from benchmarks.report import add_gaps
from benchmarks.targets import verdict

__all__ = ["TARGETS", "check", "main"]

#: (size, key, limit, label): value of ``key`` must be <= limit.
TARGETS = (
    ("500", "cold_wall", 0.100, "first solve (incl. compilation) <= 100 ms"),
    ("500", "warm_wall", 0.005, "re-solve <= 5 ms (median)"),
    ("500", "overhead_ratio", 1.5, "re-solve <= 1.5x raw OSQP update+solve"),
    ("5000", "cold_wall", 1.0, "first solve (incl. compilation) <= 1 s"),
    ("5000", "warm_wall", 0.25, "re-solve <= 0.25 s (median)"),
    ("5000", "abs_gap", 1e-4, "objective within 1e-4 rel. of tight Clarabel"),
    ("5000", "overhead_ratio", 1.5, "re-solve <= 1.5x raw OSQP update+solve"),
)


def _value(row: dict[str, Any], key: str) -> float:
    if key == "abs_gap":
        gap = row.get("rel_gap")
        return abs(float(gap)) if gap is not None else math.nan
    try:
        return float(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _shown(key: str, v: float, row: dict[str, Any]) -> str:
    if not math.isfinite(v):
        return f"n/a ({row.get('status')}: {str(row.get('note', ''))[:60]})"
    if key in ("cold_wall", "warm_wall"):
        extra = (
            f", {row.get('solver_used', 'solver')} "
            f"{1e3 * _value(row, key.replace('wall', 'solver')):.1f} ms"
        )
        spread = row.get("warm_wall_rounds") if key == "warm_wall" else None
        if spread:
            extra += (
                f"; median of {len(spread)} rounds, "
                f"{1e3 * min(spread):.1f}-{1e3 * max(spread):.1f} ms"
            )
        return f"{1e3 * v:.1f} ms{extra}"
    if key == "overhead_ratio":
        return f"{v:.2f}x (raw {1e3 * _value(row, 'raw_warm_wall'):.1f} ms)"
    viol = _value(row, "max_violation")
    return f"{row.get('rel_gap', math.nan):+.2e} (max viol {viol:.0e})"


#: (size, key, label): reported next to the targets, no limit.
INFO = (
    ("500", "piqp_overhead_ratio", "re-solve / raw PIQP update+solve, same QP"),
    ("5000", "piqp_overhead_ratio", "re-solve / raw PIQP update+solve, same QP"),
)


def info(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Return ``(N, what, measured)`` for the informational rows."""
    out = []
    for size, key, label in INFO:
        row = next(
            (
                r
                for r in rows
                if str(r.get("size")) == size and r.get("solver") == "auto"
            ),
            {},
        )
        v = _value(row, key)
        raw = _value(row, "raw_piqp_warm_wall")
        shown = f"{v:.2f}x (raw {1e3 * raw:.1f} ms)" if math.isfinite(v) else "n/a"
        out.append((size, label, shown))
    return out


def check(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """Return ``(N, target, measured, verdict)`` for every target."""
    add_gaps(rows)
    out = []
    for size, key, limit, label in TARGETS:
        row = next(
            (
                r
                for r in rows
                if str(r.get("size")) == size and r.get("solver") == "auto"
            ),
            None,
        )
        if row is None:
            out.append((size, label, "not run", "n/a"))
            continue
        v = _value(row, key)
        ok = None if not math.isfinite(v) else v <= limit
        if key == "abs_gap" and ok is not None:
            ok = ok and _value(row, "max_violation") <= 1e-6
        out.append((size, label, _shown(key, v, row), verdict(ok)))
    return out


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the round with the median re-solve time, with the spread added.

    Each round is one isolated ``auto`` cell. The VM's speed drifts by up to
    +-40 % within minutes, so one cell's median is one draw: the verdict uses
    the round whose ``warm_wall`` is the median (the lower middle for an even
    count), and ``warm_wall_rounds`` keeps every round's value.
    """
    timed = [r for r in rounds if math.isfinite(_value(r, "warm_wall"))]
    if not timed:
        return rounds[-1]
    timed.sort(key=lambda r: _value(r, "warm_wall"))
    row = dict(timed[(len(timed) - 1) // 2])
    row["warm_wall_rounds"] = [_value(r, "warm_wall") for r in timed]
    return row


def run(
    sizes: list[str],
    repeats: int,
    timeout: float,
    log: Any = print,
    rounds: dict[str, int] | None = None,
) -> list[dict]:
    """Reference and ``auto`` cells of the engine variant at each size.

    ``rounds`` maps a size to how many isolated ``auto`` cells to run there
    (default 1); see :func:`median_round`.
    """
    rows = []
    for size in sizes:
        for solver in (REFERENCE, "auto"):
            spec = CellSpec(
                "engine",
                size,
                solver,
                repeats=1 if solver == REFERENCE else repeats,
                warm_repeats=1 if solver == REFERENCE else 7,
                raw=solver == "auto",
            )
            n = 1 if solver == REFERENCE else max(1, (rounds or {}).get(size, 1))
            done = []
            for _ in range(n):
                row = run_isolated(spec, timeout)
                took = row.get("cell_seconds", 0)
                log(f"  N={size} {solver}: {row.get('status')} ({took:.1f} s)")
                done.append(row)
            rows.append(median_round(done) if n > 1 else done[0])
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run and print the PASS/MISS table."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.engine_targets")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="isolated N=500 auto cells; the verdict uses the median one (the "
        "VM's speed drifts, one cell is one draw)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 on any MISS")
    args = p.parse_args(argv)
    rows = run(["500", "5000"], args.repeats, args.timeout, rounds={"500": args.rounds})
    table = check(rows)
    print("\n| N | target | measured | verdict |\n|---|---|---|---|")
    for size, label, measured, v in table:
        print(f"| {size} | {label} | {measured} | {v} |")
    for size, label, measured in info(rows):
        print(f"| {size} | {label} | {measured} | info |")
    missed = any("MISS" in v for *_, v in table)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
