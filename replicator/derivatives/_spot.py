"""Long-only spot, free perps: weight bounds whose mask comes from the perp specs."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from replicator.constraints import WeightBounds
from replicator.data._snapshot import MarketSnapshot
from replicator.derivatives._funding import PERPS_RULE, perp_positions
from replicator.derivatives._perp import Perp, as_perps
from replicator.typing import BoolArray, FloatArray

__all__ = ["SpotLongOnly"]


class SpotLongOnly(WeightBounds):
    r"""Hold no short spot position; perps may be short.

    Parameters
    ----------
    perps : Perp or list of Perp
        The perps: every other asset of the universe is spot.

    Notes
    -----
    .. math:: w_j \ge 0 \quad \forall j \in spot

    The :class:`~replicator.constraints.WeightBounds` rows ``-w <= -l`` with
    ``l = 0`` on the spot assets and no bound on the perps (nor any upper
    bound: the margin requirement caps the spot weights). Unlike
    :func:`spot_long_only`, the spot tickers are found at the solve, so a
    config can name it before the data are loaded.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.derivatives.SpotLongOnly(rp.derivatives.Perp("BTC-PERP", "BTC")).name
    'SpotLongOnly(1 perps)'
    """

    _parameter_constraints = {"perps": PERPS_RULE}

    def __init__(self, perps: Perp | Iterable[Perp]) -> None:
        self.perps = perps

    @property
    def name(self) -> str:
        """Label, e.g. ``SpotLongOnly(2 perps)``."""
        try:
            n = len(as_perps(self.perps))
        except Exception:
            n = 0
        return f"SpotLongOnly({n} perps)"

    def _new_bounds(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        _, perps = perp_positions(self, snapshot, as_perps(self.perps), self.name)
        lo = np.where(perps, -np.inf, 0.0)
        return lo, np.full(snapshot.n_assets, np.inf)

    def _bounded(self, snapshot: MarketSnapshot) -> BoolArray:
        """Only the spot assets are bounded."""
        _, perps = perp_positions(self, snapshot, as_perps(self.perps), self.name)
        return ~perps
