"""Run a config end to end: load, build, solve, write outputs.

These functions are what ``replicator run`` and ``replicator frontier`` call;
they are usable from Python too.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import replicator as rp
from replicator import report
from replicator._periods import infer_periods_per_year
from replicator.config._build import build_model, capture_warnings, located
from replicator.config._inputs import RunInputs, load_inputs
from replicator.config._load import load_config
from replicator.config._outputs import (
    atomic_outputs,
    build_manifest,
    check_out_dir,
    check_outputs_spare_inputs,
    now,
    trades_frame,
    weights_frame,
)
from replicator.config._schema import RunConfig

__all__ = ["RunOutcome", "prepare_run", "run_config", "run_frontier"]

logger = logging.getLogger("replicator")

OUTPUT_NAMES = {
    "weights": "weights.csv",
    "trades": "trades.csv",
    "summary": "summary.json",
    "report": "report.html",
}

FRONTIER_FILES = ("frontier.csv", "frontier.png", "frontier.json")


@dataclass
class RunOutcome:
    """What a run produced."""

    config: RunConfig
    inputs: RunInputs
    out_dir: Path
    files: list[Path]
    manifest: dict[str, Any]
    result: rp.ReplicationResult | None = None
    frontier: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)


def prepare_run(path: str | Path) -> tuple[RunConfig, RunInputs, rp.Replicator]:
    """Load a config, its inputs and its model (everything but the solve).

    A bundled dataset's ``periods_per_year`` (365 for crypto) applies unless
    ``solver.periods_per_year`` is set; otherwise it is inferred from the
    calendar of the returns (a 7-day week: 365; business days: 252).

    Raises
    ------
    ConfigError, DataError
        With every problem of the failing stage.
    """
    config = load_config(path)
    inputs = load_inputs(config)
    model = build_model(config, inputs.refs)
    if inputs.periods_per_year and "periods_per_year" not in (
        config.solver.model_fields_set
    ):
        model.periods_per_year = float(inputs.periods_per_year)
    if model.periods_per_year is None and inputs.returns is not None:
        model.periods_per_year = infer_periods_per_year(inputs.returns.index)
    return config, inputs, model


def out_dir_of(config: RunConfig, path: str | Path, out: str | Path | None) -> Path:
    """Output folder: ``out``, else ``output.dir``, else ``./runs/<config name>``."""
    if out is not None:
        return Path(out).expanduser().resolve()
    if config.output.dir is not None:
        return Path(config.output.dir)
    return (Path.cwd() / "runs" / Path(path).stem).resolve()


def _title(config: RunConfig, inputs: RunInputs) -> str:
    return config.output.title or config.name or f"Replicating {inputs.benchmark_name}"


def run_config(path: str | Path, out: str | Path | None = None) -> RunOutcome:
    """Solve the config at ``path`` and write its outputs into a directory.

    Parameters
    ----------
    path : str or Path
        YAML config file.
    out : str or Path, optional
        Output directory; default ``output.dir`` of the config, else
        ``./runs/<config name>``.

    Returns
    -------
    RunOutcome

    Raises
    ------
    ConfigError, DataError, ModelError
        Bad input (nothing is written).
    SolveError
        The solve failed (nothing is written).

    Notes
    -----
    Files (``output.files`` selects them): ``weights.csv`` (per asset:
    benchmark, holdings, weight, trade, active, TE contribution, liquidity
    usage), ``trades.csv`` (non-zero trades, largest first), ``summary.json``
    (``ReplicationResult.to_dict()`` plus ``manifest``, ``warnings`` and the
    resolved ``config``) and ``report.html``. They are staged and moved into
    place together (:func:`atomic_outputs`).
    """
    started = now()
    (config, inputs, model), caught = capture_warnings(prepare_run, path)
    out_dir = check_out_dir(out_dir_of(config, path, out))
    wanted = config.output.files
    names = [OUTPUT_NAMES[k] for k in wanted]
    check_outputs_spare_inputs(out_dir, names, inputs.files, path)
    with located(model):
        result, more = capture_warnings(model.solve, **inputs.solve_kwargs())
    caught += more
    manifest = build_manifest(
        path,
        inputs.files,
        started=started,
        command="run",
        dataset=inputs.dataset,
        provenance=inputs.provenance,
    )
    with atomic_outputs(out_dir) as stage:
        if "weights" in wanted:
            weights_frame(result).to_csv(stage / OUTPUT_NAMES["weights"])
        if "trades" in wanted:
            trades_frame(result).to_csv(stage / OUTPUT_NAMES["trades"])
        if "summary" in wanted:
            summary = {
                **result.to_dict(),
                "benchmark_name": inputs.benchmark_name,
                "warnings": caught,
                "manifest": manifest,
                "config": config.model_dump(mode="json"),
            }
            (stage / OUTPUT_NAMES["summary"]).write_text(
                json.dumps(summary, indent=2, default=str), encoding="utf-8"
            )
        if "report" in wanted:
            report.to_html(
                result,
                stage / OUTPUT_NAMES["report"],
                title=_title(config, inputs),
                benchmark_name=inputs.benchmark_name,
                manifest=manifest,
            )
    files = [out_dir / n for n in names]
    return RunOutcome(config, inputs, out_dir, files, manifest, result=result,
                      warnings=caught)  # fmt: skip


def run_frontier(path: str | Path, out: str | Path | None = None) -> RunOutcome:
    """Sweep the TE-versus-cost frontier of a config and write it.

    Writes ``frontier.csv`` (one row per risk aversion: tracking error, total
    cost, turnover, holdings, status, cost of each term), ``frontier.png`` and
    ``frontier.json`` (the rows plus the run manifest), atomically.
    """
    started = now()
    (config, inputs, model), caught = capture_warnings(prepare_run, path)
    out_dir = check_out_dir(out_dir_of(config, path, out))
    check_outputs_spare_inputs(out_dir, list(FRONTIER_FILES), inputs.files, path)
    kwargs = inputs.solve_kwargs()
    with located(model):
        frontier, more = capture_warnings(
            model.frontier,
            kwargs.pop("returns"),
            kwargs.pop("benchmark"),
            kwargs.pop("holdings"),
            risk_aversions=config.frontier.risk_aversions,
            **kwargs,
        )
    caught += more
    manifest = build_manifest(
        path,
        inputs.files,
        started=started,
        command="frontier",
        dataset=inputs.dataset,
        provenance=inputs.provenance,
    )
    fig = report.plot_frontier(frontier)
    with atomic_outputs(out_dir) as stage:
        frontier.to_csv(stage / "frontier.csv")
        (stage / "frontier.png").write_bytes(report.figure_to_png(fig))
        payload = {
            "frontier": json.loads(frontier.reset_index().to_json(orient="records")),
            "warnings": caught,
            "manifest": manifest,
        }
        (stage / "frontier.json").write_text(
            json.dumps(payload, indent=2, default=str), encoding="utf-8"
        )
    files = [out_dir / n for n in FRONTIER_FILES]
    return RunOutcome(config, inputs, out_dir, files, manifest, frontier=frontier,
                      warnings=caught)  # fmt: skip
