"""Choose risk model and cost aversion for a config (``replicator tune``).

The ``tune`` section of a config lists the candidates; the data, benchmark,
portfolio, costs and constraints come from the other sections, and the
validation backtest reuses ``backtest.schedule`` and ``backtest.lookback``.
Every key is optional::

    tune:
      risk:                             # default: the config's risk model
        - {type: StatisticalFactor, n_factors: 10}
        - {type: EWMA, halflife: 63}
      risk_aversion: [0.3, 1, 3, 10, 100]
      until: 2011-06-30                 # selection date (default: last date)
      validation: 252                   # trading days of validation
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replicator.config._backtest_args import backtest_kwargs
from replicator.config._build import capture_warnings, located
from replicator.config._load import suggest
from replicator.config._outputs import (
    atomic_outputs,
    check_out_dir,
    check_outputs_spare_inputs,
)
from replicator.config._run import out_dir_of, prepare_run
from replicator.config._terms import build_term
from replicator.exceptions import ConfigError
from replicator.select import walk_forward

__all__ = ["TUNE_FILES", "TUNE_KEYS", "run_tune_config", "tune_grid"]

TUNE_KEYS = ("risk", "risk_aversion", "until", "validation", "score")
TUNE_FILES = ("tune.csv", "tune.json", "tune.png")

#: Cost aversions tried when the config does not list any.
DEFAULT_RISK_AVERSIONS = (0.3, 1.0, 3.0, 10.0, 100.0)


def tune_grid(section: dict[str, Any], risk: Any, refs: Any = None) -> dict[str, Any]:
    """Build the grid of :func:`replicator.select.walk_forward` from ``tune``.

    Raises
    ------
    ConfigError
        Unknown keys, or a ``risk`` / ``risk_aversion`` that is not a list.
    """
    for key in section:
        if key not in TUNE_KEYS:
            raise ConfigError(
                f"tune.{key}: unknown key{suggest(key, list(TUNE_KEYS))}; valid keys "
                f"in tune are {', '.join(TUNE_KEYS)}"
            )
    risks = section.get("risk")
    if risks is None:
        models = [risk]
    elif isinstance(risks, list) and risks:
        models = [
            build_term("risk", s, f"tune.risk[{i}]", refs) for i, s in enumerate(risks)
        ]
    else:
        raise ConfigError("tune.risk: must be a non-empty list of risk models")
    lams = section.get("risk_aversion", list(DEFAULT_RISK_AVERSIONS))
    if (
        not isinstance(lams, list)
        or not lams
        or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0
            for x in lams
        )
    ):
        raise ConfigError(
            f"tune.risk_aversion: must be a non-empty list of positive numbers; got "
            f"{lams!r}"
        )
    return {"risk": models, "risk_aversion": [float(x) for x in lams]}


def run_tune_config(path: str | Path, out: str | Path | None = None) -> Any:
    """Select the settings of the config at ``path`` and write the evidence.

    Writes ``tune.csv`` (the validation table), ``tune.json`` (the chosen
    settings, the selection date and the validation period) and
    ``tune.png`` (validation TE against risk aversion).

    Returns
    -------
    selection : Selection
    out_dir : Path
    files : list of Path
    """
    (config, inputs, model), caught = capture_warnings(prepare_run, path)
    section = dict(config.tune)
    grid = tune_grid(section, model.risk, inputs.refs)
    kwargs = backtest_kwargs(dict(config.backtest))
    bt_keys = {"schedule", "lookback", "blas_threads", "min_history", "universe"}
    passed = {k: v for k, v in kwargs.items() if k in bt_keys}
    out_dir = check_out_dir(out_dir_of(config, path, out))
    check_outputs_spare_inputs(out_dir, list(TUNE_FILES), inputs.files, path)
    with located(model):
        selection, more = capture_warnings(
            walk_forward,
            grid,
            inputs.returns,
            inputs.benchmark,
            model=model,
            until=section.get("until"),
            validation=int(section.get("validation", 252)),
            score=section.get("score", "te_ex_post"),
            holdings=inputs.holdings,
            nav=inputs.nav,
            adv=inputs.adv,
            sectors=inputs.groups,
            **passed,
        )
    caught += more
    chosen = selection.settings
    payload = {
        "risk": chosen["risk"].name,
        "risk_params": chosen["risk"].get_params(),
        "risk_aversion": chosen["risk_aversion"],
        "until": str(selection.until.date()),
        "validation": [str(d.date()) for d in selection.validation],
        "score": selection.score,
        "warnings": caught,
    }
    with atomic_outputs(out_dir) as stage:
        selection.table.to_csv(stage / "tune.csv", index=False)
        (stage / "tune.json").write_text(
            json.dumps(payload, indent=2, default=str), encoding="utf-8"
        )
        selection.plot().savefig(stage / "tune.png", dpi=110)
    return selection, out_dir, [out_dir / f for f in TUNE_FILES]
