"""Config -> ``rp.Replicator``, and the config-plus-data checks of ``validate``."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import replicator as rp
from replicator.config._backtest_args import backtest_kwargs
from replicator.config._derivatives import derivative_terms
from replicator.config._inputs import RunInputs, load_inputs
from replicator.config._load import ConfigProblems, load_config, suggest
from replicator.config._outputs import check_out_dir
from replicator.config._schema import RunConfig
from replicator.config._terms import build_terms
from replicator.exceptions import (
    ConfigError,
    DataError,
    ReplicatorError,
    ReplicatorWarning,
)

__all__ = ["build_model", "capture_warnings", "check_config", "located"]

logger = logging.getLogger("replicator")


def capture_warnings(
    fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, list[str]]:
    """Call ``fn``, log the replicator warnings it issues, return them as text.

    Other libraries' warnings (e.g. solver deprecations) are silenced.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")  # third-party noise (deprecations)
        warnings.simplefilter("always", ReplicatorWarning)
        value = fn(*args, **kwargs)
    texts = [f"{w.category.__name__}: {w.message}" for w in caught]
    for text in texts:
        logger.warning(text)
    return value, texts


def _term_paths(model: rp.Replicator) -> list[tuple[str, Any]]:
    paths: list[tuple[str, Any]] = [("risk", model.risk)]
    paths += [(f"costs[{i}]", t) for i, t in enumerate(model.costs)]
    paths += [(f"constraints[{i}]", t) for i, t in enumerate(model.constraints)]
    return paths


@contextlib.contextmanager
def located(model: rp.Replicator) -> Iterator[None]:
    """Prefix a term's ConfigError/DataError with the term's config field path.

    Errors raised when a term meets the data (at compile or solve time) name
    the term, e.g. ``GroupBounds(upper=...)``; this adds ``constraints[3]: ``.
    """
    try:
        yield
    except (ConfigError, DataError) as exc:
        text = str(exc)
        hits = [p for p, t in _term_paths(model) if t.name in text]
        if not hits:
            hits = [p for p, t in _term_paths(model) if f"{type(t).__name__}(" in text]
        if len(hits) != 1 or text.startswith(hits[0]) or hasattr(exc, "problems"):
            raise
        try:
            new = type(exc)(f"{hits[0]}: {text}")
        except TypeError:  # an exception class with another signature
            raise exc from None
        raise new from None


def _solver_name(name: str) -> str:
    if name.lower() == "auto":
        return "auto"
    installed = rp.available_solvers()
    if name.upper() not in installed:
        raise ConfigError(
            f"solver.name: unknown or uninstalled solver {name!r}"
            f"{suggest(name.upper(), installed)}; use 'auto' or one of "
            f"{', '.join(installed)}"
        )
    return name.upper()


def build_model(
    config: RunConfig,
    refs: Mapping[str, Any] | None = None,
    *,
    resolve_refs: bool = True,
) -> rp.Replicator:
    """Build the :class:`~replicator.Replicator` a config describes.

    Parameters
    ----------
    config : RunConfig
        A validated config.
    refs : mapping, optional
        Loaded data that term values may reference (``"@fees"``); see
        :attr:`RunInputs.refs`.
    resolve_refs : bool, default True
        False when the data could not be loaded: references are then left
        unresolved and only the terms' structure is checked.

    Returns
    -------
    Replicator

    Raises
    ------
    ConfigError
        Unknown term types or parameters, invalid values or solver; every
        problem is listed, each with its field path.
    """
    problems: list[str] = []
    terms = None
    try:
        terms = build_terms(
            config.risk,
            config.costs,
            config.constraints,
            (refs or {}) if resolve_refs else None,
        )
    except ConfigError as exc:
        problems.extend(getattr(exc, "problems", [str(exc)]))
    try:
        solver = _solver_name(config.solver.name)
    except ConfigError as exc:
        problems.append(str(exc))
    if problems or terms is None:
        raise ConfigProblems(problems)
    risk, costs, constraints = terms
    costs = [t for t in costs if t is not None]  # unresolved (resolve_refs=False)
    constraints = [t for t in constraints if t is not None]
    s = config.solver
    if config.derivatives is not None:
        try:
            risk, costs, constraints = derivative_terms(
                config.derivatives, risk, costs, constraints, s.horizon
            )
        except (ConfigError, DataError) as exc:
            raise ConfigProblems([str(exc)]) from None
    return rp.Replicator(
        risk=risk,
        costs=costs,
        constraints=constraints,
        risk_aversion=s.risk_aversion,
        horizon=s.horizon,
        periods_per_year=s.periods_per_year,
        solver=solver,
        solver_options=dict(s.options) or None,
        fallback=s.fallback,
        backend=s.backend,
    )


def check_config(path: str | Path) -> tuple[list[str], RunConfig | None]:
    """Check a config file and its data without solving (warnings are logged).

    See :func:`_check_config` for the stages.
    """
    result, _ = capture_warnings(_check_config, path)
    return result


def _check_config(path: str | Path) -> tuple[list[str], RunConfig | None]:
    """Check a config file and its data without solving.

    Runs every stage that can fail before the solver: the schema, the terms,
    loading each input, :meth:`Replicator.prepare` (alignment, NaNs, the risk
    fit) and compiling the problem (term binding: ADV present, groups
    labelled, per-ticker values known).

    Returns
    -------
    problems : list of str
        Every problem found, each naming its field, file, ticker or term;
        empty when the config is ready to run.
    config : RunConfig or None
        The parsed config (None when the schema itself failed).
    """
    try:
        config = load_config(path)
    except ConfigError as exc:
        return list(getattr(exc, "problems", [str(exc)])), None
    problems: list[str] = []
    if config.output.dir is not None:
        try:
            check_out_dir(config.output.dir)
        except ConfigError as exc:
            problems.append(str(exc))
    inputs: RunInputs | None = None
    try:
        inputs = load_inputs(config)
    except ReplicatorError as exc:
        problems.extend(getattr(exc, "problems", [str(exc)]))
    model = None
    try:
        model = build_model(
            config,
            inputs.refs if inputs is not None else None,
            resolve_refs=inputs is not None,
        )
    except ConfigError as exc:
        problems.extend(getattr(exc, "problems", [str(exc)]))
    if config.backtest:
        try:
            backtest_kwargs(dict(config.backtest))
        except ConfigError as exc:
            problems.append(str(exc))
    if model is not None and inputs is not None:
        try:
            with located(model):
                snapshot = model.prepare(**inputs.solve_kwargs())
                compiled = model.compiled_for(snapshot)
                compiled.update(snapshot)
        except ReplicatorError as exc:
            text = str(exc)
            paths = [p for p, _ in _term_paths(model)]
            problems.append(text if text.startswith(tuple(paths)) else f"data: {text}")
    return problems, config
