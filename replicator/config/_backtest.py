"""Run the walk-forward backtest a config describes (``replicator backtest``).

The ``backtest`` section is checked by :mod:`._backtest_args` and passed to
:func:`replicator.backtest.run` as keyword arguments; the market data,
benchmark, holdings and NAV come from the other sections.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replicator.config._backtest_args import backtest_engine, backtest_kwargs
from replicator.config._build import capture_warnings, located
from replicator.config._outputs import (
    atomic_outputs,
    build_manifest,
    check_out_dir,
    check_outputs_spare_inputs,
    now,
)
from replicator.config._run import RunOutcome, out_dir_of, prepare_run
from replicator.config._sources import call_loader
from replicator.exceptions import ReplicatorError

__all__ = ["BACKTEST_FILES", "backtest_kwargs", "run_backtest_config"]

BACKTEST_FILES = ("backtest.csv", "backtest.json", "report.html")


def _benchmark(inputs: Any) -> Any:
    """Weights by effective date when the config has them, else the benchmark."""
    hist = inputs.history
    if hist is None:
        return inputs.benchmark
    return hist.loc[:, (hist.fillna(0) != 0).any().to_numpy()]


def _benchmark_kwargs(config: Any, inputs: Any) -> dict[str, Any]:
    """Return the benchmark's name and the series to score against, if any.

    ``benchmark.score_against`` (a published index level or return file) comes
    first; else the level of a ``kind: index`` benchmark.
    """
    out: dict[str, Any] = {"benchmark_name": inputs.benchmark_name}
    b = config.benchmark
    if b.score_against:
        try:
            series = call_loader("load_benchmark_returns", b.score_against,
                                 kind=b.score_against_kind)  # fmt: skip
        except ReplicatorError as exc:
            raise type(exc)(f"benchmark.score_against: {exc}") from None
        out["score_against"] = series.rename(Path(b.score_against).stem)
    elif inputs.index is not None:
        level = inputs.index.index_returns
        out["score_against"] = level.rename(f"{inputs.index.name} (index level)")
    return out


def run_backtest_config(
    path: str | Path, out: str | Path | None = None, *, progress: bool | None = None
) -> Any:
    """Backtest the config at ``path`` and write its outputs atomically.

    Writes ``backtest.csv`` (the daily table), ``backtest.json`` (metrics,
    baselines, warnings and the run manifest) and ``report.html``.
    ``progress`` (``replicator backtest --progress``) overrides
    ``backtest.progress`` of the config: show a progress bar.

    Returns
    -------
    RunOutcome
        With the :class:`~replicator.backtest.BacktestResult` in ``result``.
    """
    from replicator.report import backtest_to_html

    started = now()
    (config, inputs, model), caught = capture_warnings(prepare_run, path)
    kwargs = backtest_kwargs(dict(config.backtest))
    if progress is not None:
        kwargs["progress"] = progress
    out_dir = check_out_dir(out_dir_of(config, path, out))
    check_outputs_spare_inputs(out_dir, list(BACKTEST_FILES), inputs.files, path)
    market = {
        "holdings": inputs.holdings,
        "nav": inputs.nav,
        "adv": inputs.adv,
        "sectors": inputs.groups,
    }
    market.update(_benchmark_kwargs(config, inputs))
    with located(model):
        run = backtest_engine().run
        bt, more = capture_warnings(
            run, model, inputs.returns, _benchmark(inputs), **market, **kwargs
        )
    caught += more
    manifest = build_manifest(
        path,
        inputs.files,
        started=started,
        command="backtest",
        dataset=inputs.dataset,
        provenance=inputs.provenance,
    )
    with atomic_outputs(out_dir) as stage:
        bt.to_frame().to_csv(stage / "backtest.csv")
        payload = {**bt.to_dict(), "warnings": caught, "manifest": manifest}
        (stage / "backtest.json").write_text(
            json.dumps(payload, indent=2, default=str), encoding="utf-8"
        )
        backtest_to_html(
            bt,
            stage / "report.html",
            title=config.output.title or config.name or "Backtest",
        )
    files = [out_dir / name for name in BACKTEST_FILES]
    return RunOutcome(config, inputs, out_dir, files, manifest, result=bt,
                      warnings=caught)  # fmt: skip
