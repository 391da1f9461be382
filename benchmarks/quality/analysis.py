"""Tables and plot of the quality study (from ``results.csv``).

``python -m benchmarks.quality.analysis`` rewrites ``summary.md`` and the plot
from an existing ``results.csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

#: The defaults of ``rp.Replicator()`` checked against the acceptance.
DEFAULT = ("EWMA(63)", 1.0)
BASELINES = ("LS tracker", "Equal weight")


def _pct(x: float) -> str:
    return "" if not np.isfinite(x) else f"{100 * x:.2f}"


def _md(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = [
        "| " + " | ".join([df.index.name or "", *cols]) + " |",
        "|" + "---|" * (len(cols) + 1),
    ]
    for idx, row in df.iterrows():
        label = " ".join(map(str, idx)) if isinstance(idx, tuple) else str(idx)
        lines.append("| " + " | ".join([label, *map(str, row.tolist())]) + " |")
    return "\n".join(lines)


def fixed_settings(res: pd.DataFrame) -> pd.DataFrame:
    """Optimizer rows with their TE relative to the best setting of the period."""
    opt = res[~res["method"].isin(BASELINES)].copy()
    best = opt.groupby(["case", "freq", "period"])["te"].transform("min")
    opt["rel"] = opt["te"] / best
    return opt


def auto_selection(opt: pd.DataFrame, periods: dict[str, list[str]]) -> pd.DataFrame:
    """Walk-forward choice: the best setting over all previous periods, held.

    The previous periods' returns of a walk-forward backtest are out of sample
    and known at the start of the period: this is ``rp.select.walk_forward``
    with ``until`` the day before the period and ``validation`` every day of
    the backtest before it.
    """
    rows = []
    for (case, freq), part in opt.groupby(["case", "freq"]):
        order = periods[case]
        te = part.pivot_table(
            index=["method", "risk_aversion"], columns="period", values="te"
        )[order]
        scored = order[1:]
        fixed_mean = te[scored].mean(axis=1)
        best = fixed_mean.idxmin()
        for j, cur in enumerate(scored, start=1):
            pick = te[order[:j]].mean(axis=1).idxmin()
            rows.append(
                {
                    "case": case,
                    "freq": freq,
                    "period": cur,
                    "auto": f"{pick[0]}, {pick[1]:g}",
                    "te_auto": te.loc[pick, cur],
                    "best_fixed": f"{best[0]}, {best[1]:g}",
                    "te_best_fixed_mean": fixed_mean[best],
                }
            )
    return pd.DataFrame(rows)


def write_summary(res: pd.DataFrame, out: Path, elapsed: float | None = None) -> None:
    """Write ``summary.md`` and ``te_vs_risk_aversion.png``."""
    periods = {
        c: list(dict.fromkeys(p["period"])) for c, p in res.groupby("case", sort=False)
    }
    opt = fixed_settings(res)
    parts = []
    if elapsed is not None:
        parts.append(f"Study wall time: {elapsed / 60:.1f} min.\n")
    # 1. Every fixed setting: mean TE by case (monthly) and the overall score.
    score = (
        opt.groupby(["freq", "method", "risk_aversion"])["rel"].mean().unstack("freq")
    )
    te_m = (
        opt[opt["freq"] == "M"]
        .groupby(["method", "risk_aversion", "case"])["te"]
        .mean()
        .unstack("case")
    )
    table = te_m.map(_pct)
    for f in score.columns:
        table[f"score {f}"] = score[f].reindex(te_m.index).map("{:.3f}".format)
    table.index.name = "risk model, risk_aversion"
    parts.append(
        "### Every fixed setting: mean out-of-sample TE (%, monthly) by case; "
        "score = mean over cases and periods of TE / best TE of that period "
        "(1 = always best)\n"
    )
    parts.append(_md(table))
    best_m = score["M"].idxmin()
    parts.append(
        f"\nBest fixed setting by score (monthly): {best_m[0]}, "
        f"risk_aversion={best_m[1]:g} "
        f"(score {score['M'].min():.3f}); the defaults {DEFAULT[0]}, "
        f"risk_aversion={DEFAULT[1]:g}: score {score['M'].get(DEFAULT, np.nan):.3f}.\n"
    )
    # 2. The defaults against the baselines, every period (monthly).
    base = res[res["method"].isin(BASELINES)]
    rows = []
    for (case, freq), part in res.groupby(["case", "freq"], sort=False):
        for period in periods[case]:
            sel = part[part["period"] == period]
            d = sel[
                (sel["method"] == DEFAULT[0]) & (sel["risk_aversion"] == DEFAULT[1])
            ]["te"]
            ls = base[
                (base["case"] == case)
                & (base["freq"] == freq)
                & (base["period"] == period)
            ]
            te_ls = float(ls[ls["method"] == "LS tracker"]["te"].iloc[0])
            te_ew = float(ls[ls["method"] == "Equal weight"]["te"].iloc[0])
            te_d = float(d.iloc[0])
            rows.append(
                {
                    "case, freq, period": f"{case} {freq} {period}",
                    "defaults": _pct(te_d),
                    "LS tracker": _pct(te_ls),
                    "equal weight": _pct(te_ew),
                    "defaults / LS": f"{te_d / te_ls:.2f}",
                    "beats both": "yes" if te_d < min(te_ls, te_ew) else "NO",
                }
            )
    dft = pd.DataFrame(rows).set_index("case, freq, period")
    parts.append(
        f"### The defaults ({DEFAULT[0]}, risk_aversion={DEFAULT[1]:g}) against the "
        "least-squares tracker and equal weight: TE (%) in each disjoint test period\n"
    )
    parts.append(_md(dft))
    # 3. Auto selection against the best fixed setting (hindsight).
    auto = auto_selection(opt, periods)
    agg = auto.groupby(["case", "freq"]).agg(
        te_auto=("te_auto", "mean"),
        te_best=("te_best_fixed_mean", "first"),
        best_fixed=("best_fixed", "first"),
        picks=("auto", lambda s: "; ".join(s)),
    )
    agg["auto / best"] = (agg["te_auto"] / agg["te_best"]).map("{:.3f}".format)
    dflt = opt[(opt["method"] == DEFAULT[0]) & (opt["risk_aversion"] == DEFAULT[1])]
    dflt = dflt.merge(auto[["case", "freq", "period"]], on=["case", "freq", "period"])
    d_mean = dflt.groupby(["case", "freq"])["te"].mean()
    agg["defaults / best"] = (d_mean / agg["te_best"]).map("{:.3f}".format)
    agg["te_auto"] = agg["te_auto"].map(_pct)
    agg["te_best"] = agg["te_best"].map(_pct)
    agg.index.name = "case, freq"
    parts.append(
        "\n### Walk-forward auto selection (expanding validation) against the best "
        "fixed setting in hindsight "
        "(mean TE % over the periods after the first)\n"
    )
    cols = ["te_auto", "te_best", "auto / best", "defaults / best", "best_fixed"]
    parts.append(_md(agg[[*cols, "picks"]]))
    (out / "summary.md").write_text("\n".join(parts) + "\n")
    plot(res, out / "te_vs_risk_aversion.png")


def plot(res: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = list(dict.fromkeys(res["case"]))
    fig, axes = plt.subplots(
        1, len(cases), figsize=(4.2 * len(cases), 3.8), squeeze=False
    )
    for ax, case in zip(axes[0], cases, strict=True):
        sub = res[(res["case"] == case) & (res["freq"] == "M")]
        for method, part in sub[~sub["method"].isin(BASELINES)].groupby("method"):
            m = part.groupby("risk_aversion")["te"].mean()
            ax.plot(m.index, 100 * m.to_numpy(), marker="o", label=method)
        for method, style in zip(BASELINES, ("--", ":"), strict=True):
            v = sub[sub["method"] == method]["te"].mean()
            ax.axhline(100 * v, color="k", ls=style, label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(case, fontsize="small")
        ax.set_xlabel("risk_aversion x horizon")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("mean out-of-sample TE (%, log), monthly")
    axes[0][0].legend(fontsize="x-small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    write_summary(pd.read_csv(out / "results.csv"), out)
    print((out / "summary.md").read_text())
