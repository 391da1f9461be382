"""Read a YAML run configuration and turn schema errors into ConfigError.

Every message names the field path (``solver.risk_aversion``,
``constraints[2].limit``), what was received and, for unknown keys, the
closest valid key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from replicator.config._schema import RunConfig
from replicator.exceptions import ConfigError

__all__ = ["ConfigProblems", "field_path", "load_config", "suggest"]


class ConfigProblems(ConfigError):
    """A ConfigError that carries every problem found, not only the first.

    Parameters
    ----------
    problems : sequence of str
        One line per problem, each starting with its field path.
    source : str, optional
        The config file, named in the message.
    """

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        self.problems = list(problems)
        where = f" {source}" if source else ""
        if len(self.problems) == 1:
            message = f"Invalid config{where}: {self.problems[0]}"
        else:
            message = (
                f"Invalid config{where} ({len(self.problems)} problems): "
                + "; ".join(self.problems)
            )
        super().__init__(message)


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or ``""``."""
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def field_path(loc: Sequence[str | int]) -> str:
    """Render a pydantic location as ``constraints[2].limit``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel]:
    """Return the pydantic model owning the last key of ``loc`` (for hints)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            break
        annotation = fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        else:
            break
    return current


def _format_error(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    path = field_path(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = _model_at(RunConfig, loc)
        known = list(getattr(owner, "model_fields", {}))
        section = field_path(loc[:-1]) if len(loc) > 1 else "the top level"
        return (
            f"{path}: unknown key{suggest(str(loc[-1]), known)}; valid keys in "
            f"{section} are {', '.join(known)}"
        )
    if kind == "missing":
        return f"{path}: required key is missing"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    shown = err.get("input")
    if kind.endswith("_type") or kind.endswith("_parsing") or "literal" in kind:
        return f"{path}: {msg[0].lower() + msg[1:]}, got {shown!r}"
    if isinstance(shown, dict) or ", got " in msg:
        return f"{path}: {msg}"
    return f"{path}: {msg[0].lower() + msg[1:]}, got {shown!r}"


def validation_problems(exc: ValidationError) -> list[str]:
    """Turn a pydantic ValidationError into one message per problem."""
    seen: list[str] = []
    for err in exc.errors():
        text = _format_error(dict(err))
        if text not in seen:
            seen.append(text)
    return seen


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__()
        self.key, self.line, self.first = key, line, first


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise _DuplicateKey(key, line, seen[key])
            except TypeError:  # an unhashable key: the base class reports it
                continue
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping with a safe loader that refuses duplicate keys.

    Raises
    ------
    ConfigError
        The file is missing, a directory, unreadable, not YAML, not a mapping,
        or a key appears twice in one mapping.
    """
    p = Path(path)
    if p.is_dir():
        raise ConfigError(
            f"Config file {str(p)!r} is a directory. Give the path of a YAML "
            "config file (see configs/ for examples)."
        )
    if not p.is_file():
        raise ConfigError(
            f"Config file {str(p)!r} not found. Check the path (relative paths "
            "are taken from the current directory)."
        )
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read config file {str(p)!r}: {exc}.") from None
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except _DuplicateKey as exc:
        raise ConfigError(
            f"Config file {str(p)!r}: key {exc.key!r} appears twice in the same "
            f"section, at line {exc.first} and at line {exc.line}; YAML would keep "
            "only the last one. Delete one of them."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"Config file {str(p)!r} is not valid YAML{where}: {problem}. Check "
            "the indentation and quoting there."
        ) from None
    if raw is None:
        raise ConfigError(
            f"Config file {str(p)!r} is empty. Start from one of the examples "
            "in configs/ (see configs/README.md)."
        )
    if not isinstance(raw, dict):
        raise ConfigError(
            f"Config file {str(p)!r} must be a YAML mapping of sections (data, "
            f"benchmark, risk, ...); got a {type(raw).__name__}."
        )
    return raw


def parse_config(
    raw: dict[str, Any], *, base: str | Path = ".", source: str | None = None
) -> RunConfig:
    """Validate a config mapping and resolve its paths against ``base``.

    Raises
    ------
    ConfigProblems
        With one entry per schema problem.
    """
    try:
        config = RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigProblems(validation_problems(exc), source) from None
    return config.resolve_paths(Path(base).resolve())


def load_config(path: str | Path) -> RunConfig:
    """Load and validate a YAML run configuration.

    Parameters
    ----------
    path : str or Path
        The YAML file. Relative paths inside it are resolved against its
        folder.

    Returns
    -------
    RunConfig
        The validated configuration. Terms and data are checked later, when
        they are built (:func:`replicator.config.build_model`,
        :func:`replicator.config.load_inputs`).

    Raises
    ------
    ConfigError
        Missing file, bad YAML, unknown keys, wrong types or values; the
        message names every field path at fault.

    Examples
    --------
    >>> from replicator.config import load_config
    >>> config = load_config("configs/sp500.yaml")  # doctest: +SKIP
    """
    raw = read_yaml(path)
    return parse_config(raw, base=Path(path).resolve().parent, source=str(path))
