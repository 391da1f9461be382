"""Command-line interface: ``replicator run|validate|frontier|backtest|index|datasets``.

A thin layer: config file -> :mod:`replicator.config` (public objects) ->
solve -> outputs. Exit codes: 0 success, 1 bad input (config or data), 2 the
solver failed.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from replicator.exceptions import ReplicatorError, SolveError

__all__ = ["cli", "main"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_SOLVE_FAILED = 0, 1, 2

EXIT_CODES = """\b
Exit codes:
  0  success
  1  bad input: config, data or model (ConfigError, DataError, ModelError)
  2  the solver failed: infeasible, unbounded or every solver failed
     (SolveError)
"""

EPILOG = (
    EXIT_CODES
    + """
\b
Examples:
  replicator datasets
  replicator validate configs/sp500.yaml
  replicator run configs/sp500.yaml --out out/sp500
  replicator frontier configs/sp500.yaml --out out/sp500-frontier
  replicator backtest configs/sp500.yaml --out out/sp500-backtest
  replicator index configs/crypto_cci30_like.yaml --out out/cci30-index

Config reference: configs/README.md.
"""
)

logger = logging.getLogger("replicator")


def _version() -> str:
    from replicator import __version__

    return __version__


class _Group(click.Group):
    """A group whose usage errors exit with 1 ("bad input"), not click's 2."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = EXIT_BAD_INPUT
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = EXIT_BAD_INPUT
            raise


def _fail(exc: BaseException, code: int, verbose: bool) -> NoReturn:
    if verbose:
        logger.exception("details")
    import replicator.exceptions as errors

    kind = next(
        c.__name__
        for c in type(exc).__mro__
        if getattr(errors, c.__name__, None) is c or c is Exception
    )
    text = " ".join(str(exc).split())  # one paragraph
    click.echo(f"Error ({kind}): {text}", err=True)
    sys.exit(code)


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Map replicator errors to exit codes and a one-paragraph message."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = click.get_current_context().find_root().params.get("verbose", 0) > 0
        try:
            return fn(*args, **kwargs)
        except SolveError as exc:
            _fail(exc, EXIT_SOLVE_FAILED, verbose)
        except ReplicatorError as exc:
            _fail(exc, EXIT_BAD_INPUT, verbose)

    return wrapper


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.DEBUG if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def _print(renderable: Any) -> None:
    from rich.console import Console

    Console(file=sys.stdout, soft_wrap=False).print(renderable)


def _outputs(outcome: Any) -> None:
    names = ", ".join(f.name for f in outcome.files)
    click.echo(f"Wrote {names} to {outcome.out_dir}")


def _quiet() -> bool:
    return bool(click.get_current_context().find_root().params.get("quiet"))


@click.group(
    cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(_version(), "-V", "--version", prog_name="replicator")
@click.option(
    "-v", "--verbose", count=True, help="More log output; -v also shows tracebacks."
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no summary table.")
def cli(verbose: int, quiet: bool) -> None:
    """Replicate an index: minimize ex-ante tracking error net of trading costs.

    Each command reads a YAML config that names the data, the benchmark, the
    starting portfolio, the risk model, the costs, the constraints and the
    solver. Outputs go to --out (default: output.dir of the config, else
    ./runs/<config name>).
    """
    _setup_logging(verbose, quiet)


CONFIG = click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
OUT = click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory (overrides output.dir of the config).",
)


@cli.command(epilog=EXIT_CODES, short_help="Solve CONFIG and write the outputs.")
@CONFIG
@OUT
@_guarded
def run(config: Path, out: Path | None) -> None:
    """Solve CONFIG and write weights.csv, trades.csv, summary.json, report.html.

    Outputs are written atomically: a failed run leaves the output directory
    untouched.
    """
    from replicator import report
    from replicator.config import run_config

    outcome = run_config(config, out)
    if not _quiet():
        title = outcome.config.name or f"Replicating {outcome.inputs.benchmark_name}"
        _print(report.summary_table(outcome.result, title=title))
        _outputs(outcome)


@cli.command(epilog=EXIT_CODES, short_help="Check CONFIG and its data without solving.")
@CONFIG
@_guarded
def validate(config: Path) -> None:
    """Check CONFIG and its data without solving; list every problem found.

    Checks the schema, every term and its parameters, every input file, the
    alignment of the data and the risk-model fit, and compiles the problem.
    """
    from replicator.config import check_config

    problems, _ = check_config(config)
    if problems:
        click.echo(f"{config}: {len(problems)} problem(s) found:", err=True)
        for p in problems:
            click.echo(f"  - {' '.join(p.split())}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if not _quiet():
        click.echo(f"{config}: OK (config and data are valid; not solved).")


@cli.command(epilog=EXIT_CODES, short_help="Tracking error vs cost frontier.")
@CONFIG
@OUT
@_guarded
def frontier(config: Path, out: Path | None) -> None:
    """Sweep the tracking-error vs cost frontier of CONFIG.

    Solves once per risk aversion (frontier.risk_aversions in the config,
    default 12 values from 0.1 to 1e5) and writes frontier.csv,
    frontier.png and frontier.json.
    """
    from replicator import report
    from replicator.config import run_frontier

    outcome = run_frontier(config, out)
    if not _quiet():
        _print(report.frontier_table(outcome.frontier))
        _outputs(outcome)


@cli.command(epilog=EXIT_CODES, short_help="List the bundled datasets.")
@click.argument("name", required=False)
@_guarded
def datasets(name: str | None) -> None:
    """List the bundled datasets, or print the provenance note of NAME.

    Each dataset is listed with its period, size, license, a one-line
    description and its source. Use one in a config with data.dataset: NAME.
    """
    from replicator import datasets as bundled
    from replicator import report

    if name is None:
        click.echo(report.datasets_text(bundled.list_datasets()))
        click.echo("\nFull provenance: replicator datasets NAME")
    else:
        click.echo(bundled.provenance(name))


@cli.command(epilog=EXIT_CODES, short_help="Walk-forward backtest of CONFIG.")
@CONFIG
@OUT
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (overrides backtest.progress of the config).",
)
@_guarded
def backtest(config: Path, out: Path | None, progress: bool | None) -> None:
    """Walk-forward backtest of CONFIG: backtest.csv, backtest.json, report.html.

    The backtest section of the config holds the keyword arguments of
    replicator.backtest.run (schedule, lookback, start, end, baselines, ...);
    data, benchmark and portfolio come from the other sections.
    """
    from replicator.config import run_backtest_config

    outcome = run_backtest_config(config, out, progress=progress)
    if not _quiet():
        click.echo(outcome.result.summary())
        info = outcome.result.config.get("benchmark") or {}
        te = (info.get("te_tracked") or {}).get("optimized")
        line = f"Benchmark: {info.get('name', 'benchmark')} (TE tracked "
        line += "n/a" if te is None else f"{100 * te:.3f} %"
        if info.get("te_scored"):
            scored = info["te_scored"]["optimized"]
            line += f"; vs {info['scored_against']}: {100 * scored:.3f} %"
        click.echo(line + ")")
        _outputs(outcome)


@cli.command(epilog=EXIT_CODES, short_help="Build the index of CONFIG.")
@CONFIG
@OUT
@_guarded
def index(config: Path, out: Path | None) -> None:
    """Build the point-in-time index of CONFIG (benchmark.kind: index).

    Writes weights.csv (by effective date), changes.csv (constituent-change
    log), level.csv, reviews.csv, index.json and index.png.
    """
    from replicator.config import run_index_config

    outcome = run_index_config(config, out)
    if not _quiet():
        h = outcome.result
        click.echo(f"{h.name}: {h.methodology}")
        click.echo(
            f"{len(h.reviews)} reviews, {len(h.changes)} constituent changes, "
            f"level {h.level.iloc[0]:.6g} on {h.level.index[0].date()} -> "
            f"{h.level.iloc[-1]:.6g} on {h.level.index[-1].date()}"
        )
        _outputs(outcome)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``replicator``)."""
    cli.main(args=argv, prog_name="replicator")


if __name__ == "__main__":  # pragma: no cover
    main()
