"""Plots of the benchmark results (matplotlib, Agg backend)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = ["plot_all"]

OK = ("optimal", "optimal_inaccurate")


def _num(row: dict[str, Any], key: str) -> float:
    try:
        return float(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _n(row: dict[str, Any]) -> float:
    return _num(row, "n_assets")


def plot_time_vs_n(rows: list[dict[str, Any]], path: Path) -> Path:
    """Cold (solid) and warm (dashed) wall time vs N, log-log, per variant."""
    cells = [
        r for r in rows if r.get("kind", "cell") == "cell" and r.get("status") in OK
    ]
    variants = list(dict.fromkeys(r["variant"] for r in cells)) or ["none"]
    ncol = min(3, len(variants))
    nrow = math.ceil(len(variants) / ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(5.5 * ncol, 4.2 * nrow), squeeze=False
    )
    for ax in axes.flat[len(variants) :]:
        ax.set_visible(False)
    for ax, variant in zip(axes.flat, variants, strict=False):
        vr = [r for r in cells if r["variant"] == variant and r.get("size") != "sp500"]
        raw_drawn = False
        for i, solver in enumerate(dict.fromkeys(r["solver"] for r in vr)):
            pts = sorted(
                ((_n(r), r) for r in vr if r["solver"] == solver), key=lambda x: x[0]
            )
            xs = [n for n, _ in pts]
            color = f"C{i}"
            ax.plot(xs, [_num(r, "cold_wall") for _, r in pts], "o-", color=color,
                    label=f"{solver} cold")  # fmt: skip
            ax.plot(xs, [_num(r, "warm_wall") for _, r in pts], "s--", color=color,
                    alpha=0.6, label=f"{solver} warm")  # fmt: skip
            raw = [(n, _num(r, "raw_warm_wall")) for n, r in pts]
            raw = [(n, t) for n, t in raw if math.isfinite(t)]
            if raw and not raw_drawn:
                ax.plot(*zip(*raw, strict=True), "k:", label="raw OSQP warm")
                raw_drawn = True
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("N assets")
        ax.set_ylabel("wall time (s)")
        ax.set_title(variant)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_accuracy_vs_time(rows: list[dict[str, Any]], path: Path) -> Path:
    """|relative objective gap| vs cold time; hollow markers = infeasible."""
    cells = [
        r for r in rows if r.get("kind", "cell") == "cell" and r.get("status") in OK
    ]
    fig, ax = plt.subplots(figsize=(7, 5))
    markers = "osD^v<>p*"
    solvers = list(dict.fromkeys(r["solver"] for r in cells))
    for i, solver in enumerate(solvers):
        pts = [
            r
            for r in cells
            if r["solver"] == solver and math.isfinite(_num(r, "rel_gap"))
        ]
        for r in pts:
            gap = max(abs(_num(r, "rel_gap")), 1e-12)
            feasible = _num(r, "max_violation") <= 1e-6
            ax.scatter(
                _num(r, "cold_wall"),
                gap,
                marker=markers[i % len(markers)],
                s=15 + 8 * math.log10(max(_n(r), 10)),
                facecolors=f"C{i}" if feasible else "none",
                edgecolors=f"C{i}",
            )
        ax.scatter(
            [], [], marker=markers[i % len(markers)], color=f"C{i}", label=solver
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axhline(1e-4, color="k", lw=0.8, ls=":")
    ax.set_xlabel("cold wall time (s)")
    ax.set_ylabel("|relative objective gap| vs reference")
    ax.set_title("accuracy vs time (marker size ~ log N; hollow = violates > 1e-6)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_all(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """Write both plots into ``out``."""
    return [
        plot_time_vs_n(rows, out / "time_vs_n.png"),
        plot_accuracy_vs_time(rows, out / "accuracy_vs_time.png"),
    ]
