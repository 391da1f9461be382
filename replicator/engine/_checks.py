"""Checks of a model before it is solved: term types, parameters, settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from replicator.constraints._base import Constraint
from replicator.costs._base import Cost
from replicator.exceptions import ConfigError
from replicator.risk._base import RiskModel

__all__ = ["check_model"]


def check_model(
    risk: RiskModel,
    costs: Sequence[Cost],
    constraints: Sequence[Constraint],
    positive: dict[str, Any],
) -> None:
    """Check the terms' types and parameters, and the model's positive floats.

    Raises
    ------
    ConfigError
        Naming the term or the Replicator parameter at fault.
    """
    if not isinstance(risk, RiskModel):
        raise ConfigError(
            f"risk must be a replicator risk model (rp.risk.*); got "
            f"{type(risk).__name__}."
        )
    for c in costs:
        if not isinstance(c, Cost):
            raise ConfigError(
                f"costs must hold rp.costs.* objects; got {type(c).__name__}."
            )
    for k in constraints:
        if not isinstance(k, Constraint):
            raise ConfigError(
                "constraints must hold rp.constraints.* objects; got "
                f"{type(k).__name__}."
            )
    for pname, value in positive.items():
        if not isinstance(value, (int, float)) or not value > 0:
            raise ConfigError(
                f"The '{pname}' parameter of Replicator must be a positive "
                f"float. Got {value!r} instead."
            )
    for term in (risk, *costs, *constraints):
        term.validate_params()
