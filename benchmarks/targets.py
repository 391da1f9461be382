"""Targets of the benchmark suite, checked on result rows (PASS / MISS).

Each target is read on replicator's default, ``solver="auto"`` (the ``auto``
cells; the route they took, e.g. OSQP for small QPs and Clarabel for conic
problems or large N, is shown):

* N=500: warm re-solve <= 5 ms;
* N=5000: cold solve <= 1 s with relative objective gap <= 1e-4;
* N=20000: cold solve <= 5 s with peak RSS <= 2 GB;
* warm re-solve <= 1.5 x raw OSQP update+solve (same process, same settings);
* peers (N >= 1000) at least 10 x slower than replicator's cold solve, at equal
  or better tracking error for replicator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["FEAS_TOL", "VARIANTS", "find", "suite_targets", "verdict"]

#: Variants whose targets are reported (all of them, on their ``auto`` cells).
VARIANTS = ("engine", "peer", "qp", "socp", "dense")
FEAS_TOL = 1e-6


def _num(row: dict[str, Any] | None, key: str) -> float:
    if row is None:
        return math.nan
    try:
        return float(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def find(
    rows: list[dict[str, Any]], variant: str, size: str, solver: str
) -> dict | None:
    """The cell row of (variant, size, solver), if it ran."""
    for r in rows:
        if (
            r.get("kind", "cell") == "cell"
            and r.get("variant") == variant
            and str(r.get("size")) == size
            and r.get("solver") == solver
        ):
            return r
    return None


def find_any(rows: list[dict[str, Any]], variant: str, solver: str) -> bool:
    """True when some cell of (variant, solver) exists."""
    return any(r.get("variant") == variant and r.get("solver") == solver for r in rows)


def verdict(ok: bool | None) -> str:
    """PASS / MISS / n/a."""
    return "n/a" if ok is None else ("PASS" if ok else "**MISS**")


def _check(
    row: dict | None, test: Callable[[dict], bool | None], show: Callable[[dict], str]
) -> tuple[str, str]:
    if row is None:
        return "not run", "n/a"
    if row.get("status") not in ("optimal", "optimal_inaccurate"):
        return f"{row.get('status')}: {row.get('note', '')}"[:80], "**MISS**"
    return show(row), verdict(test(row))


def suite_targets(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown table of the suite targets on the default solver route."""
    out = [
        "| target | variant (solver) | measured | verdict |",
        "|---|---|---|---|",
    ]
    variants = list(
        dict.fromkeys(str(r.get("variant")) for r in rows if "variant" in r)
    )
    for variant in (v for v in variants if v in VARIANTS):
        solver = "auto" if find_any(rows, variant, "auto") else "OSQP"

        def where(r: dict | None, variant: str = variant, solver: str = solver) -> str:
            used = (r or {}).get("solver_used")
            return f"{variant} ({solver}{' -> ' + used if used else ''})"

        r = find(rows, variant, "500", solver)
        m, v = _check(
            r,
            lambda r: _num(r, "warm_wall") <= 0.005,
            lambda r: f"warm {1e3 * _num(r, 'warm_wall'):.2f} ms",
        )
        out.append(f"| N=500 re-solve <= 5 ms | {where(r)} | {m} | {v} |")
        r = find(rows, variant, "5000", solver)
        m, v = _check(
            r,
            lambda r: (
                _num(r, "cold_wall") <= 1.0
                and abs(_num(r, "rel_gap")) <= 1e-4
                and _num(r, "max_violation") <= FEAS_TOL
            ),
            lambda r: (
                f"cold {_num(r, 'cold_wall'):.3g} s, gap {_num(r, 'rel_gap'):+.1e}, "
                f"viol {_num(r, 'max_violation'):.0e}"
            ),
        )
        out.append(f"| N=5000 cold <= 1 s, gap <= 1e-4 | {where(r)} | {m} | {v} |")
        r = find(rows, variant, "20000", solver)
        m, v = _check(
            r,
            lambda r: _num(r, "cold_wall") <= 5.0 and _num(r, "peak_rss_mb") <= 2048,
            lambda r: (
                f"cold {_num(r, 'cold_wall'):.3g} s, "
                f"peak RSS {_num(r, 'peak_rss_mb'):.0f} MB"
            ),
        )
        out.append(f"| N=20000 cold <= 5 s, RSS <= 2 GB | {where(r)} | {m} | {v} |")
        ratios = [
            (str(x.get("size")), _num(x, "overhead_ratio"))
            for x in rows
            if x.get("variant") == variant
            and x.get("solver") == solver
            and math.isfinite(_num(x, "overhead_ratio"))
        ]
        if ratios:
            worst = max(q for _, q in ratios)
            shown = ", ".join(f"N={s}: {q:.2f}x" for s, q in ratios)
            out.append(
                f"| re-solve <= 1.5x raw OSQP | {variant} ({solver}) | {shown} | "
                f"{verdict(worst <= 1.5)} |"
            )
    return out
