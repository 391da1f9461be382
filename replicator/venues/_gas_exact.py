r"""The exact gas path for small problems: every on/off choice of the gas pools.

With gas ``G_p`` per swap, the true problem is
:math:`F^* = \min_w \mathrm{TE}^2(w) + C(w - w_0)/(\lambda H)` where the venue
cost :math:`C` pays :math:`G_p` for every pool it uses. For a set ``S`` of
pools allowed to trade, let :math:`F_S` be the convex optimum with the other
gas pools removed and gas left out. Then

.. math::

    F^* = \min_S \; F_S + \sum_{p \in S} G_p / (\lambda H)

(``S`` the pools used at the true optimum attains it, and every ``S`` gives a
feasible point that costs at most that). :func:`solve_exact_gas` solves all
``2^k`` convex problems of ``k`` gas pools: exact, with no mixed-integer
solver (no MISOCP solver ships with replicator: HiGHS is MILP/MIQP only), for
``k`` up to ``max_pools`` (default 10, i.e. 1,024 convex solves).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from replicator.exceptions import ConfigError, ReplicatorError
from replicator.venues._models import DEXPool
from replicator.venues._term import VenueCost

__all__ = ["ExactGasSolution", "solve_exact_gas"]


@dataclass(frozen=True)
class ExactGasSolution:
    """Outcome of :func:`solve_exact_gas`.

    Attributes
    ----------
    result : ReplicationResult
        The best solve; its objective prices the trades exactly, gas included.
    term : VenueCost
        The venue term of that solve (the chosen gas pools only).
    pools_on : tuple of (asset, venue)
        The gas pools allowed to trade in the best solve.
    solves : int
        Number of convex solves (``2^k``).
    """

    result: Any
    term: VenueCost
    pools_on: tuple[tuple[str, str], ...]
    solves: int


def solve_exact_gas(
    model: Any, term: VenueCost, max_pools: int = 10, **inputs: Any
) -> ExactGasSolution:
    """Solve exactly with gas by enumerating the on/off choices of the gas pools.

    Parameters
    ----------
    model : replicator.Replicator
        A model whose costs include ``term``.
    term : VenueCost
        The venue term.
    max_pools : int, default 10
        Largest number of gas pools (the work is ``2^k`` convex solves).
    **inputs
        The keyword arguments of :meth:`Replicator.solve`.

    Raises
    ------
    ConfigError
        The term is not among the model's costs, or it has more than
        ``max_pools`` pools with gas (use
        :func:`~replicator.venues.solve_with_gas`).
    """
    index = [i for i, c in enumerate(model.costs) if c is term]
    if not index:
        raise ConfigError("solve_exact_gas: the model's costs must include the term.")
    gas = [v for v in term.venues if isinstance(v, DEXPool) and v.gas > 0]
    fixed = [v for v in term.venues if not (isinstance(v, DEXPool) and v.gas > 0)]
    if len(gas) > max_pools:
        raise ConfigError(
            f"solve_exact_gas: {len(gas)} pools have gas, more than max_pools="
            f"{max_pools} (2^{len(gas)} convex solves); use solve_with_gas, or "
            "raise max_pools."
        )
    best: tuple[float, Any, VenueCost, tuple] | None = None
    solves = 0
    for mask in itertools.product((False, True), repeat=len(gas)):
        chosen = [v for v, on in zip(gas, mask, strict=True) if on]
        candidate = VenueCost([*fixed, *chosen], gas_mode="fixed")
        clone = model.clone()
        clone.costs[index[0]] = candidate
        try:
            result = clone.solve(**inputs)
        except ConfigError:
            raise
        except ReplicatorError:  # an asset left without a venue, or infeasible
            continue
        solves += 1
        if best is None or result.objective < best[0]:
            pools = tuple((v.asset, v.name) for v in chosen)
            best = (result.objective, result, candidate, pools)
    if best is None:
        raise ConfigError("solve_exact_gas: no choice of gas pools gave a solution.")
    return ExactGasSolution(
        result=best[1], term=best[2], pools_on=best[3], solves=solves
    )
