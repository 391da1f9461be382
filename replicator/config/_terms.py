"""Map config term specs (``{type: TurnoverLimit, limit: 0.2}``) to term objects.

The mapping is generic: ``type`` must be a name exported by
``rp.risk`` / ``rp.costs`` / ``rp.constraints``; the other keys are checked
against that class's ``__init__`` signature and the values by its own
``validate_params``. No term is special-cased, so a new term is usable from a
config file as soon as it is exported.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import pandas as pd

from replicator import constraints as _constraints
from replicator import costs as _costs
from replicator import risk as _risk
from replicator.config._load import suggest
from replicator.config._schema import is_file_value
from replicator.config._venues import CONVERTERS
from replicator.exceptions import ConfigError, DataError

__all__ = ["TermProblems", "build_term", "build_terms", "term_classes"]

_FAMILIES: dict[str, tuple[ModuleType, type, str]] = {
    "risk": (_risk, _risk.RiskModel, "risk model"),
    "costs": (_costs, _costs.Cost, "cost"),
    "constraints": (_constraints, _constraints.Constraint, "constraint"),
}
_RESERVED = {"type", "soft"}
_PARAM_MSG = re.compile(
    r"^The '(?P<param>\w+)' parameter of \w+ must be (?P<rule>.*)\. "
    r"Got (?P<got>.*) instead\.$",
    re.S,
)
_DEFERRED = object()  # a data reference while the data is not loaded
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class TermProblems(ConfigError):
    """Every problem found while building the term sections."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def term_classes(family: str) -> dict[str, type]:
    """Concrete term classes of ``family`` ("risk", "costs" or "constraints")."""
    module, base, _ = _FAMILIES[family]
    out = {}
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name, None)
        if (
            isinstance(obj, type)
            and issubclass(obj, base)
            and obj is not base
            and not inspect.isabstract(obj)
            and name != "Soft"
        ):
            out[name] = obj
    return out


def _signature(cls: type) -> tuple[dict[str, inspect.Parameter], bool]:
    if cls.__init__ is object.__init__:  # a term without parameters
        return {}, False
    params = dict(inspect.signature(cls.__init__).parameters)
    params.pop("self", None)
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    params = {
        k: p
        for k, p in params.items()
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }
    return params, var_kw


def _accepts(cls: type, param: str, value: Any) -> bool:
    """Return whether the term's rule for ``param`` accepts ``value``."""
    rule = getattr(cls, "_parameter_constraints", {}).get(param)
    if rule is None:
        return False
    rules = rule if isinstance(rule, tuple) else (rule,)
    for r in rules:
        if isinstance(r, type):
            if isinstance(value, r):
                return True
        elif hasattr(r, "accepts") and r.accepts(value):
            return True
    return False


def _convert(
    cls: type, param: str, value: Any, path: str, refs: Mapping[str, Any] | None
) -> Any:
    """YAML value -> parameter value (Series for ticker maps, data references).

    A mapping is passed as a dict when the term's rule accepts a dict, and
    converted to a float Series by ticker when the rule accepts only a Series.
    """
    if (cls.__name__, param) in CONVERTERS:  # structured values (venues)
        return CONVERTERS[(cls.__name__, param)](value, path)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return float(value)  # YAML 1.1 reads "1e9" as a string
    if isinstance(value, str) and value.startswith("@"):
        return _DEFERRED if refs is None else _reference(value, path, refs)
    if is_file_value(value):
        return _read_value_file(cls, param, value, path)
    if isinstance(value, Mapping) and not _accepts(cls, param, dict(value)):
        try:
            series = pd.Series(
                {str(k): float(v) for k, v in value.items()}, dtype=float
            )
        except (TypeError, ValueError):
            raise ConfigError(
                f"{path}: a per-ticker mapping must map tickers to numbers; got "
                f"{dict(value)!r}"
            ) from None
        if _accepts(cls, param, series) or param not in getattr(
            cls, "_parameter_constraints", {}
        ):
            return series
    return value


def _read_value_file(cls: type, param: str, value: Mapping[str, str], path: str) -> Any:
    """``{file: x.csv[, column: c]}`` -> DataFrame (first column = index) or Series."""
    file = value["file"]
    try:
        if file.lower().endswith((".parquet", ".pq")):
            frame = pd.read_parquet(file)
        else:
            frame = pd.read_csv(file, index_col=0)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}.file: cannot read {file!r} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). Give a CSV whose "
            "first column holds the tickers (or a Parquet file)."
        ) from None
    frame.index = frame.index.map(str)
    column = value.get("column")
    if column is not None:
        if column not in frame.columns:
            raise DataError(
                f"{path}.column: {file!r} has no column {column!r}"
                f"{suggest(str(column), map(str, frame.columns))}; columns: "
                f"{', '.join(map(str, frame.columns))}"
            )
        return frame[column]
    if frame.shape[1] == 1 and not _accepts(cls, param, frame):
        return frame.iloc[:, 0]
    return frame


def _reference(value: str, path: str, refs: Mapping[str, Any]) -> Any:
    name, _, column = value[1:].partition(".")
    if name not in refs:
        raise ConfigError(
            f"{path}: unknown data reference {value!r}{suggest(name, refs)}; "
            f"available: {', '.join('@' + k for k in refs) or 'none (load data first)'}"
        )
    data = refs[name]
    if not column:
        if isinstance(data, pd.DataFrame) and data.shape[1] == 1:
            return data.iloc[:, 0]
        return data
    if not isinstance(data, pd.DataFrame) or column not in data.columns:
        cols = list(data.columns) if isinstance(data, pd.DataFrame) else []
        raise ConfigError(
            f"{path}: data reference {value!r} names no column {column!r} of "
            f"@{name}{suggest(column, cols)}; columns: {', '.join(map(str, cols))}"
        )
    return data[column]


def _param_problem(exc: ConfigError, path: str) -> str:
    match = _PARAM_MSG.match(str(exc))
    if match:
        return f"{path}.{match['param']}: must be {match['rule']}, got {match['got']}"
    return f"{path}: {exc}"


def build_term(
    family: str, spec: Any, path: str, refs: Mapping[str, Any] | None = None
) -> Any:
    """Build one term from its config mapping.

    Parameters
    ----------
    family : {"risk", "costs", "constraints"}
        Which subpackage the ``type`` comes from.
    spec : mapping
        ``{type: Name, <param>: <value>, ..., soft: {penalty: p}}`` (``soft``
        for constraints only).
    path : str
        Field path for messages, e.g. ``constraints[2]``.
    refs : mapping, optional
        Loaded data that values may reference as ``"@name"`` or
        ``"@name.column"``. None when the data could not be loaded: such
        parameters are then left at their defaults (only the structure is
        checked) and a term that requires one is not built.

    Returns
    -------
    Term
        The term, with its parameters validated.

    Raises
    ------
    ConfigError
        Unknown type or key, missing required key, or a value its
        ``validate_params`` rejects; the message starts with the field path.
    """
    _, _, kind = _FAMILIES[family]
    classes = term_classes(family)
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"{path}: must be a mapping like {{type: ..., <parameters>}}; got {spec!r}"
        )
    if "type" not in spec:
        raise ConfigError(
            f"{path}.type: required key is missing; name the {kind}, one of "
            f"{', '.join(classes)}"
        )
    name = spec["type"]
    if not isinstance(name, str) or name not in classes:
        raise ConfigError(
            f"{path}.type: unknown {kind} {name!r}{suggest(str(name), classes)}; "
            f"available: {', '.join(classes)}"
        )
    cls = classes[name]
    params, var_kw = _signature(cls)
    given = {k: v for k, v in spec.items() if k not in _RESERVED}
    if "soft" in spec and family != "constraints":
        raise ConfigError(f"{path}.soft: only constraints can be soft")
    kwargs: dict[str, Any] = {}
    for key, value in given.items():
        if key not in params and not var_kw:
            raise ConfigError(
                f"{path}.{key}: unknown parameter of {name}"
                f"{suggest(str(key), params)}; {name} takes "
                f"{', '.join(params) or 'no parameters'}"
            )
        kwargs[key] = _convert(cls, key, value, f"{path}.{key}", refs)
    deferred = [k for k, v in kwargs.items() if v is _DEFERRED]
    for k in deferred:
        del kwargs[k]
    missing = [k for k, p in params.items() if p.default is p.empty and k not in kwargs]
    if deferred and (missing or set(deferred) & set(missing)):
        return None
    if missing:
        raise ConfigError(
            f"{path}: {name} needs {', '.join(repr(m) for m in missing)}; add "
            f"{' and '.join(f'{m}: ...' for m in missing)}"
        )
    try:
        term = cls(**kwargs)
    except ConfigError as exc:
        raise ConfigError(_param_problem(exc, path)) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot build {name}: {exc}") from None
    try:
        term.validate_params()
    except ConfigError as exc:
        raise ConfigError(_param_problem(exc, path)) from None
    if "soft" in spec:
        term = _soften(term, spec["soft"], f"{path}.soft")
    return term


def _soften(term: Any, soft: Any, path: str) -> Any:
    if soft is True or soft is None:
        soft = {}
    if not isinstance(soft, Mapping):
        raise ConfigError(
            f"{path}: must be a mapping like {{penalty: 0.01}}; got {soft!r}"
        )
    unknown = [k for k in soft if k != "penalty"]
    if unknown:
        raise ConfigError(
            f"{path}.{unknown[0]}: unknown key{suggest(str(unknown[0]), ['penalty'])}; "
            "soft takes only 'penalty'"
        )
    penalty = soft.get("penalty", 1.0)
    if isinstance(penalty, str) and _NUMBER.match(penalty.strip()):
        penalty = float(penalty)
    wrapped = _constraints.Soft(term, penalty=penalty)
    try:
        wrapped.validate_params()
    except ConfigError as exc:
        raise ConfigError(_param_problem(exc, path)) from None
    return wrapped


def build_terms(
    risk: Any,
    costs: list[Any],
    constraints: list[Any],
    refs: Mapping[str, Any] | None = None,
) -> tuple[Any, list[Any], list[Any]]:
    """Build every term section, collecting all problems before raising.

    Raises
    ------
    TermProblems
        One entry per faulty term.
    """
    problems: list[str] = []

    def attempt(family: str, spec: Any, path: str) -> Any:
        try:
            return build_term(family, spec, path, refs)
        except (ConfigError, DataError) as exc:
            problems.append(str(exc))
            return None

    risk_term = attempt("risk", risk, "risk")
    cost_terms = [attempt("costs", s, f"costs[{i}]") for i, s in enumerate(costs)]
    cons_terms = [
        attempt("constraints", s, f"constraints[{i}]")
        for i, s in enumerate(constraints)
    ]
    if problems:
        raise TermProblems(problems)
    return risk_term, cost_terms, cons_terms
