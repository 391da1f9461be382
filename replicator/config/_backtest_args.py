"""Check the ``backtest`` section of a config against ``rp.backtest.run``.

The section is passed to :func:`replicator.backtest.run` as keyword
arguments, checked against that function's signature like the terms are
(unknown key -> did-you-mean). The market data, benchmark, holdings and NAV
come from the other sections.
"""

from __future__ import annotations

import inspect
from typing import Any

from replicator.config._load import suggest
from replicator.exceptions import ConfigError

__all__ = ["FROM_CONFIG", "backtest_engine", "backtest_kwargs"]

#: Arguments of ``rp.backtest.run`` filled from the other config sections.
FROM_CONFIG = (
    "model", "returns", "benchmark", "holdings", "nav", "adv", "volumes",
    "adv_window", "prices", "sectors", "score_against", "benchmark_name",
)  # fmt: skip


def backtest_engine() -> Any:
    """Return :mod:`replicator.backtest` (imported on first use)."""
    import replicator.backtest as backtest

    return backtest


def backtest_kwargs(section: dict[str, Any]) -> dict[str, Any]:
    """Check the ``backtest`` section against ``rp.backtest.run``'s signature.

    ``progress: true`` shows a progress bar (as ``replicator backtest
    --progress`` does).

    Raises
    ------
    ConfigError
        A key that is not a parameter (with the closest one), or one that is
        set from another section.
    """
    params = inspect.signature(backtest_engine().run).parameters
    allowed = [k for k in params if k not in FROM_CONFIG]
    out = {}
    for key, value in section.items():
        if key in FROM_CONFIG:
            raise ConfigError(
                f"backtest.{key}: is set from the other sections (data, benchmark, "
                "portfolio); remove it here"
            )
        if key not in params:
            raise ConfigError(
                f"backtest.{key}: unknown key{suggest(key, allowed)}; valid keys in "
                f"backtest are {', '.join(allowed)}"
            )
        if key == "progress" and not isinstance(value, bool):
            raise ConfigError(
                f"backtest.progress: must be true or false; got {value!r}"
            )
        out[key] = value
    return out
