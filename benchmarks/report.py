"""Write benchmark results: CSV, a markdown report, plots, the environment.

Accuracy: ``rel_gap = (f(w) - f_ref) / |f_ref|`` with ``f`` the numpy objective
of :mod:`benchmarks.variants` and ``f_ref`` that of the tight Clarabel
reference on the same problem; when the reference did not solve to optimality
(or violates a constraint by more than ``FEAS_TOL``), ``f_ref`` is the best
objective among the solutions of that problem within ``FEAS_TOL``. A negative
gap with a violation above ``FEAS_TOL`` means the solution is infeasible.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.cells import REFERENCE
from benchmarks.targets import suite_targets

__all__ = ["FEAS_TOL", "add_gaps", "environment", "write_results"]

FEAS_TOL = 1e-6
PACKAGES = (
    "replicator", "numpy", "scipy", "pandas", "cvxpy", "osqp", "clarabel",
    "scs", "highspy", "piqp", "skfolio", "pyportfolioopt", "cvxportfolio",
)  # fmt: skip


def _num(row: dict[str, Any], key: str) -> float:
    v = row.get(key)
    try:
        return float(v) if v is not None and v != "" else math.nan
    except (TypeError, ValueError):
        return math.nan


def environment() -> dict[str, Any]:
    """Date, versions, CPU and core count of this machine."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    env: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "nproc": len(os.sched_getaffinity(0)),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    for pkg in PACKAGES:
        try:
            env[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            env[pkg] = "not installed"
    return env


def add_gaps(rows: list[dict[str, Any]]) -> None:
    """Set ``reference``, ``rel_gap`` and ``raw_rel_gap`` on every row."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("kind", "cell") == "cell":
            groups.setdefault((str(r.get("variant")), str(r.get("size"))), []).append(r)
    for members in groups.values():
        ref = next((r for r in members if r.get("solver") == REFERENCE), None)
        f_ref, label = math.nan, ""
        if (
            ref is not None
            and ref.get("status") == "optimal"
            and _num(ref, "max_violation") <= FEAS_TOL
        ):
            f_ref, label = _num(ref, "objective"), REFERENCE
        else:
            cands = [
                _num(r, key)
                for r in members
                for key, vkey in (
                    ("objective", "max_violation"),
                    ("raw_objective", "raw_max_violation"),
                )
                if _num(r, vkey) <= FEAS_TOL and math.isfinite(_num(r, key))
            ]
            if cands:
                f_ref, label = min(cands), "best feasible"
        for r in members:
            r["reference"] = label
            for key, out in (
                ("objective", "rel_gap"),
                ("raw_objective", "raw_rel_gap"),
            ):
                v = _num(r, key)
                if math.isfinite(v) and math.isfinite(f_ref) and f_ref != 0:
                    r[out] = (v - f_ref) / abs(f_ref)


def read_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of a previous results.csv (empty cells dropped); [] if missing."""
    if not path.exists():
        return []
    with path.open(newline="") as fh:
        return [{k: v for k, v in r.items() if v != ""} for r in csv.DictReader(fh)]


def merge_rows(
    old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Old rows, with those re-run in ``new`` replaced.

    Rows match on (kind, variant, size, solver); gaps are recomputed later.
    """

    def key(r: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(r.get(k, "")) for k in ("kind", "variant", "size", "solver"))

    fresh = {key(r) for r in new}
    for r in old:
        for derived in ("rel_gap", "raw_rel_gap", "reference"):
            r.pop(derived, None)
    return [r for r in old if key(r) not in fresh] + new


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """All rows, union of keys, first-seen column order."""
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys and k != "traceback")
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in keys})


def _fmt(v: float, spec: str = "{:.3g}") -> str:
    return "" if not math.isfinite(v) else spec.format(v)


def _size_key(s: str) -> float:
    return 386.0 if s == "sp500" else float(s) if s.replace(".", "").isdigit() else 1e9


def summary_tables(rows: list[dict[str, Any]]) -> list[str]:
    """Per variant: solver x N, cell = cold s / warm s / rel gap."""
    out: list[str] = []
    cells = [
        r for r in rows if r.get("kind", "cell") == "cell" and r.get("size") != "*"
    ]
    for variant in dict.fromkeys(r["variant"] for r in cells):
        vr = [r for r in cells if r["variant"] == variant]
        sizes = sorted({str(r["size"]) for r in vr}, key=_size_key)
        solvers = list(dict.fromkeys(r["solver"] for r in vr))
        out += [
            f"### {variant}: cold s / warm re-solve s / rel. objective gap",
            "",
            "| solver | " + " | ".join(f"N={s}" for s in sizes) + " |",
            "|---" * (len(sizes) + 1) + "|",
        ]
        for solver in solvers:
            line = [solver]
            for s in sizes:
                r = next(
                    (x for x in vr if x["solver"] == solver and str(x["size"]) == s),
                    None,
                )
                if r is None:
                    line.append("")
                elif r.get("status") in ("optimal", "optimal_inaccurate"):
                    flag = "" if r["status"] == "optimal" else " (inacc.)"
                    if _num(r, "max_violation") > FEAS_TOL:
                        flag += f" viol {_num(r, 'max_violation'):.0e}"
                    line.append(
                        f"{_fmt(_num(r, 'cold_wall'))} / {_fmt(_num(r, 'warm_wall'))}"
                        f" / {_fmt(_num(r, 'rel_gap'), '{:+.1e}')}{flag}"
                    )
                else:
                    line.append(f"{r.get('status')}")
            out.append("| " + " | ".join(line) + " |")
        out.append("")
    return out


def detail_table(rows: list[dict[str, Any]]) -> list[str]:
    """Every cell with its breakdown."""
    cols = [
        ("variant", None), ("size", None), ("solver", None), ("status", None),
        ("cold_wall", "{:.3g}"), ("cold_compile", "{:.3g}"), ("cold_solver", "{:.3g}"),
        ("cold_iterations", "{:.0f}"), ("warm_wall", "{:.3g}"),
        ("warm_prepare", "{:.3g}"), ("warm_cvxpy", "{:.3g}"), ("warm_solver", "{:.3g}"),
        ("warm_iterations", "{:.0f}"),
        ("peak_rss_mb", "{:.0f}"), ("rel_gap", "{:+.1e}"), ("max_violation", "{:.1e}"),
        ("tracking_error", "{:.5f}"), ("raw_warm_wall", "{:.3g}"),
        ("overhead_ratio", "{:.2f}"), ("raw_rel_gap", "{:+.1e}"), ("note", None),
    ]  # fmt: skip
    out = [
        "| " + " | ".join(c for c, _ in cols) + " |",
        "|---" * len(cols) + "|",
    ]
    for r in rows:
        if r.get("kind", "cell") != "cell":
            continue
        vals = []
        for c, spec in cols:
            vals.append(_fmt(_num(r, c), spec) if spec else str(r.get(c, "") or ""))
        out.append("| " + " | ".join(v.replace("|", "/") for v in vals) + " |")
    return out


def write_results(
    rows: list[dict[str, Any]], out: Path, args: Any, seconds: float
) -> list[Path]:
    """Write CSV, markdown and plots into ``out``; return the paths."""
    from benchmarks.peers import peer_table
    from benchmarks.plots import plot_all

    out.mkdir(parents=True, exist_ok=True)
    add_gaps(rows)
    env = environment()
    csv_path = out / "results.csv"
    write_csv(rows, csv_path)
    log = out / "commands.txt"
    command = " ".join(getattr(args, "argv", []) or [])
    entry = f"{env['date']}: python -m benchmarks {command} ({seconds:.0f} s)\n"
    history = log.read_text() if getattr(args, "append", False) and log.exists() else ""
    log.write_text(history + entry)
    md = [
        "# replicator solver benchmark",
        "",
        "Runs (later runs replace the cells they re-ran, `--append`):",
        "",
        *(f"* `{line}`" for line in (history + entry).splitlines()),
        "",
        "| " + " | ".join(env) + " |",
        "|---" * len(env) + "|",
        "| " + " | ".join(str(v) for v in env.values()) + " |",
        "",
        "Timings are wall-clock medians on a shared 2-core machine (other jobs ran",
        "concurrently): treat differences below ~30 % as noise. cold = fresh",
        "Replicator, validation + compilation + solve; warm = re-solve of a new",
        "rebalance on the compiled model (median after a warm-up); gap vs "
        f"{REFERENCE} (see report.py).",
        "",
        "## Targets",
        "",
        *suite_targets(rows),
        "",
        "## Summary",
        "",
        *summary_tables(rows),
        "## Peers",
        "",
        *peer_table(rows),
        "",
        "## All cells",
        "",
        *detail_table(rows),
        "",
    ]
    md_path = out / "results.md"
    md_path.write_text("\n".join(md))
    paths = [csv_path, md_path, log]
    paths.extend(plot_all(rows, out))
    return paths
