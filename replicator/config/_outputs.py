"""Write a run's outputs atomically, with a manifest that makes it reproducible.

All files are written into a staging directory next to the output directory
and published as one set only when every file is complete (see
:mod:`replicator.config._atomic`), so a failed or killed run never leaves a
half-written set of outputs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from replicator.config._atomic import atomic_outputs, not_a_dir
from replicator.exceptions import ConfigError

__all__ = [
    "VERSIONED_PACKAGES",
    "atomic_outputs",
    "build_manifest",
    "check_out_dir",
    "check_outputs_spare_inputs",
    "package_versions",
    "sha256_file",
    "trades_frame",
    "weights_frame",
]

VERSIONED_PACKAGES = (
    "replicator",
    "cvxpy",
    "osqp",
    "clarabel",
    "numpy",
    "pandas",
    "scipy",
    "pydantic",
)


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that determine a run's numbers."""
    out: dict[str, str | None] = {}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def now() -> str:
    """Return the current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def build_manifest(
    config_path: str | Path,
    input_files: dict[str, str],
    *,
    started: str,
    command: str,
    dataset: str | None = None,
    provenance: Any = None,
) -> dict[str, Any]:
    """Everything needed to reproduce a run.

    Parameters
    ----------
    config_path : str or Path
        The config file (its SHA-256 is recorded).
    input_files : dict
        Config field -> file path of every input file read.
    started : str
        ISO timestamp of the start of the run.
    command : str
        The CLI command ("run", "frontier").
    dataset, provenance : optional
        Bundled dataset name and its provenance record.
    """
    inputs = {}
    for field, path in input_files.items():
        p = Path(path)
        inputs[field] = {
            "path": str(p),
            "sha256": sha256_file(p) if p.is_file() else None,
        }
    return {
        "command": command,
        "config": str(Path(config_path).resolve()),
        "config_sha256": sha256_file(config_path),
        "inputs": inputs,
        "dataset": dataset,
        "dataset_provenance": _plain(provenance),
        "versions": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started_at": started,
        "finished_at": now(),
    }


def _plain(x: Any) -> Any:
    """Make a provenance record JSON-friendly."""
    if x is None or isinstance(x, (str, int, float, bool)):
        return x
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, pd.Series):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, pd.DataFrame):
        return x.astype(str).to_dict(orient="records")
    if hasattr(x, "__dataclass_fields__"):
        return {k: _plain(getattr(x, k)) for k in x.__dataclass_fields__}
    return str(x)


def weights_frame(result: Any) -> pd.DataFrame:
    """Per-asset table written to ``weights.csv`` (fractions of NAV)."""
    frame = result.to_frame()
    frame.index.name = "ticker"
    return frame


def trades_frame(result: Any, tol: float = 1e-10) -> pd.DataFrame:
    """Non-zero trades, largest first, written to ``trades.csv``.

    Columns: ``trade`` (fraction of NAV), ``value`` (currency, ``trade *
    nav``), ``side`` and ``adv_usage`` (``|value| / ADV``, when known).
    """
    t = result.trades[result.trades.abs() > tol]
    t = t.reindex(t.abs().sort_values(ascending=False).index)
    frame = pd.DataFrame(
        {
            "trade": t,
            "value": t * result.nav,
            "side": ["buy" if x > 0 else "sell" for x in t],
        }
    )
    if len(result.liquidity_usage):
        frame["adv_usage"] = result.liquidity_usage.reindex(t.index)
    frame.index.name = "ticker"
    return frame


def check_out_dir(out_dir: str | Path) -> Path:
    """Fail early (before a long solve) when ``out_dir`` cannot be a directory.

    Raises
    ------
    ConfigError
        ``out_dir`` is an existing file.
    """
    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise not_a_dir(out)
    return out


def check_outputs_spare_inputs(
    out_dir: Path, names: list[str], inputs: dict[str, str], config_path: str | Path
) -> None:
    """Refuse an output set that would write over an input file or the config.

    Raises
    ------
    ConfigError
        Naming the output file, the config field that reads it and what to do.
    """
    read = {str(Path(p).resolve()): field for field, p in inputs.items()}
    read[str(Path(config_path).resolve())] = "the config file"
    for name in names:
        target = str((out_dir / name).resolve())
        if target in read:
            raise ConfigError(
                f"output.dir: writing {name} to {str(out_dir)!r} would overwrite "
                f"the input file {target!r} ({read[target]}). Choose another "
                "output directory with --out (or output.dir), e.g. a new folder "
                "of its own."
            )
