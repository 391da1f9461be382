"""Which solver, and why: the one home of routing.

Every routing decision of the engine is made here and returns the reason with
the name, so that :class:`~replicator.solvers.SolverStats` records it:

* :func:`choose_backend`: native assembly or cvxpy;
* :func:`native_route`: the first solver of a natively assembled problem;
* :func:`choose_solver`: the first solver of a cvxpy problem (in
  :mod:`replicator.solvers._base`, re-exported here);
* :func:`native_fallbacks`, :func:`cvxpy_fallbacks`: the solvers tried after it;
* :func:`validate_options`: ``solver_options`` checked before any solver sees
  them (a bad value is a :class:`~replicator.exceptions.ConfigError` naming
  the option, never a bare error from inside a solver).

Like the rest of :mod:`replicator.solvers`, this module knows nothing about
finance: it reads flags (conic, dense, the terms lacking a native form).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from replicator.exceptions import ConfigError
from replicator.solvers._base import choose_solver
from replicator.solvers._native import NATIVE_SOLVERS

__all__ = [
    "DENSE_MIN_ASSETS",
    "DUAL_NEWTON_REASON",
    "NATIVE_SOLVERS",
    "PIQP_REASON",
    "choose_backend",
    "choose_solver",
    "cvxpy_fallbacks",
    "native_fallbacks",
    "native_route",
    "validate_options",
]

#: A QP whose risk factor has at least as many rows as assets (a dense
#: covariance's square root) and at least this many assets goes to Clarabel.
DENSE_MIN_ASSETS = 300
#: Why a QP goes to the dual Newton method (``solver="auto"``).
DUAL_NEWTON_REASON = (
    "problem is a QP, separable per asset but for a few coupling rows: dual "
    "Newton method on the directly assembled QP, exact (certified by the duality "
    "gap) and warm-started from the last multipliers"
)
#: Why a QP goes to PIQP when the dual Newton method declines it.
PIQP_REASON = (
    "problem is a QP (linear and quadratic terms only): PIQP interior point on "
    "the directly assembled QP, accurate in 10-20 iterations at any size"
)

#: Option names whose values must be positive finite numbers.
_POSITIVE = ("tol", "eps", "time_limit")
#: Option names whose values must be non-negative finite numbers.
_COUNTS = ("iter",)


def choose_backend(
    backend: str, solver: str, conic: bool, lacking: Sequence[str]
) -> tuple[bool, str]:
    """Return whether the problem is assembled natively (no cvxpy), and why.

    Parameters
    ----------
    backend : {"auto", "native", "cvxpy"}
        The user's choice.
    solver : str
        The requested solver.
    conic : bool
        Some term has a cone (power, AMM, TE cap).
    lacking : sequence of str
        Names of the terms without a native form.

    Raises
    ------
    ConfigError
        An unknown backend, or ``backend="native"`` for a problem or solver
        that needs cvxpy.
    """
    chosen = str(backend).lower()
    if chosen not in ("auto", "native", "cvxpy"):
        raise ConfigError(
            "The 'backend' parameter of Replicator must be one of 'auto', "
            f"'native', 'cvxpy'. Got {backend!r} instead."
        )
    solvers = ("AUTO", "CLARABEL") if conic else ("AUTO", *NATIVE_SOLVERS)
    able = not lacking and str(solver).upper() in solvers
    if chosen == "native" and not able:
        allowed = (
            "'auto' or 'CLARABEL' (the problem has cones)"
            if conic
            else "'auto', 'PIQP', 'OSQP' or 'CLARABEL'"
        )
        raise ConfigError(
            "backend='native' needs terms with a native form and solver "
            f"{allowed}; "
            + (
                f"{', '.join(lacking)} need cvxpy"
                if lacking
                else f"solver={solver!r} runs through cvxpy"
            )
            + ". Use backend='auto'."
        )
    if chosen == "cvxpy":
        return False, "backend='cvxpy' requested"
    if lacking:
        return False, f"{', '.join(lacking)} have no native form: cvxpy"
    if not able:
        return False, f"solver={solver!r} runs through cvxpy"
    return True, "every term has a native form: assembled directly"


def native_route(
    requested: str, conic: bool = False, dense: bool = False
) -> tuple[str, str]:
    """Return the native solver for ``requested`` and why.

    ``dense``: the risk factor has as many rows as there are assets (the
    square root of a dense covariance) and there are at least
    :data:`DENSE_MIN_ASSETS` of them. PIQP's factorization slows down on
    that dense block (N=500: 3-4 s against Clarabel's 1-2 s; N=1,000: 17-160 s
    and up to 148 iterations against ~5 s), so such QPs go to Clarabel.
    """
    name = requested.upper()
    if dense and not conic and name == "AUTO":
        return (
            "CLARABEL",
            "QP with a dense covariance factor (as many rows as assets): Clarabel "
            "interior point, faster than PIQP on dense blocks",
        )
    if conic and name == "AUTO":
        return (
            "CLARABEL",
            "problem has conic terms (power, AMM or TE cap): SOCP, Clarabel "
            "interior point on the directly assembled problem",
        )
    if name == "AUTO":
        return "DUAL_NEWTON", DUAL_NEWTON_REASON
    if name not in NATIVE_SOLVERS:
        raise ValueError(name)
    return name, f"requested solver={requested!r}"


def native_fallbacks(conic: bool, tried: set[str]) -> list[str]:
    """Return the native solvers to try, in order, after those in ``tried``.

    A conic problem has only Clarabel natively (its fallback is cvxpy).
    """
    if conic:
        return []
    return [alt for alt in ("CLARABEL", "PIQP", "OSQP") if alt not in tried]


def cvxpy_fallbacks(first: str, is_qp: bool, installed: Sequence[str]) -> list[str]:
    """Return the cvxpy solvers tried, in order, after ``first`` gave no optimum.

    OSQP only for QPs; SCS last (first-order, slow to give up).
    """
    return [
        alt
        for alt in ("CLARABEL", "OSQP", "SCS")
        if alt != first and alt in installed and (alt != "OSQP" or is_qp)
    ]


def validate_options(options: Any) -> dict[str, Any] | None:
    """Check ``solver_options`` before a solver sees them.

    Keys must be strings. Numbers must be finite; an option whose name says it
    is a tolerance or a time limit (``tol``, ``eps``, ``time_limit`` in its
    name) must be a positive number (a non-finite or non-positive tolerance
    would switch a check off), and an iteration count (``iter``) a
    non-negative one.

    Raises
    ------
    ConfigError
        Naming the option and the value, and saying what to pass instead.
    """
    if options is None:
        return None
    if not isinstance(options, dict):
        raise ConfigError(
            "The 'solver_options' parameter of Replicator must be a dict of "
            f"solver settings (or None). Got {type(options).__name__} instead."
        )
    for key, value in options.items():
        if not isinstance(key, str):
            raise ConfigError(
                f"solver_options keys must be setting names (str); got {key!r}."
            )
        positive = any(part in key.lower() for part in _POSITIVE)
        count = any(part in key.lower() for part in _COUNTS)
        if isinstance(value, bool):
            if positive or count:
                raise ConfigError(
                    f"solver_options[{key!r}] must be a positive number; got {value!r}."
                )
            continue
        if isinstance(value, numbers.Real):
            x = float(value)
            if not math.isfinite(x) or (positive and x <= 0) or (count and x < 0):
                need = (
                    "a positive finite number"
                    if positive
                    else "a non-negative number"
                    if count
                    else "a finite number"
                )
                raise ConfigError(
                    f"solver_options[{key!r}] must be {need}; got {value!r}. "
                    "Remove it to use replicator's default."
                )
            continue
        if positive or count:
            raise ConfigError(
                f"solver_options[{key!r}] must be a number; got {value!r} "
                f"({type(value).__name__}). Remove it to use replicator's default."
            )
    return options
