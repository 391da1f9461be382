"""Config -> ``rp.Replicator``, and the config-plus-data checks of ``validate``."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from replicator.config._inputs import RunInputs, load_inputs
from replicator.config._load import ConfigProblems, load_config, suggest
from replicator.config._schema import RunConfig
from replicator.config._terms import build_terms
from replicator.exceptions import ConfigError, ReplicatorError, ReplicatorWarning
from replicator.replicator import Replicator
from replicator.solvers import available_solvers

__all__ = ["build_model", "capture_warnings", "check_config"]

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


def _solver_name(name: str) -> str:
    if name.lower() == "auto":
        return "auto"
    installed = available_solvers()
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
) -> Replicator:
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
    return Replicator(
        risk=risk,
        costs=costs,
        constraints=constraints,
        risk_aversion=s.risk_aversion,
        horizon=s.horizon,
        periods_per_year=s.periods_per_year,
        solver=solver,
        solver_options=dict(s.options) or None,
        fallback=s.fallback,
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
    if model is not None and inputs is not None:
        try:
            snapshot = model.prepare(**inputs.solve_kwargs())
            compiled = model.compiled_for(snapshot)
            compiled.update(snapshot)
        except ReplicatorError as exc:
            problems.append(f"data: {exc}")
    return problems, config
