"""Run configurations: YAML files -> validated models -> public objects.

A config file describes a whole run (data, benchmark, portfolio, risk, costs,
constraints, solver, output); see ``configs/README.md`` for every key.

>>> from replicator.config import load_config, load_inputs, build_model
>>> config = load_config("configs/sp500.yaml")            # doctest: +SKIP
>>> inputs = load_inputs(config)                          # doctest: +SKIP
>>> model = build_model(config, inputs.refs)              # doctest: +SKIP
>>> result = model.solve(**inputs.solve_kwargs())          # doctest: +SKIP
"""

from replicator.config._backtest import run_backtest_config
from replicator.config._build import build_model, check_config
from replicator.config._index_run import run_index_config
from replicator.config._inputs import InputProblems, RunInputs, load_inputs
from replicator.config._load import ConfigProblems, load_config, parse_config
from replicator.config._outputs import atomic_outputs, build_manifest, package_versions
from replicator.config._run import RunOutcome, prepare_run, run_config, run_frontier
from replicator.config._schema import (
    BenchmarkConfig,
    DataConfig,
    FrontierConfig,
    OutputConfig,
    PortfolioConfig,
    RunConfig,
    SolverConfig,
    UniverseConfig,
)
from replicator.config._terms import build_term, term_classes

__all__ = [
    "BenchmarkConfig",
    "ConfigProblems",
    "DataConfig",
    "FrontierConfig",
    "InputProblems",
    "OutputConfig",
    "PortfolioConfig",
    "RunConfig",
    "RunInputs",
    "RunOutcome",
    "SolverConfig",
    "UniverseConfig",
    "atomic_outputs",
    "build_manifest",
    "build_model",
    "build_term",
    "check_config",
    "load_config",
    "load_inputs",
    "package_versions",
    "parse_config",
    "prepare_run",
    "run_backtest_config",
    "run_config",
    "run_frontier",
    "run_index_config",
    "term_classes",
]
