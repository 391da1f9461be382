"""The weighting interface every index methodology implements."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from replicator.indices._capping import cap_weights, check_cap_floor

__all__ = ["Weighting"]


@dataclass(frozen=True, kw_only=True)
class Weighting:
    """Base class: weights proportional to a point-in-time signal, capped.

    A weighting turns the market caps into a *signal* panel (dates x assets;
    the value on date ``t`` uses data up to ``t`` only) and the signal of the
    constituents on a decision date into weights.

    Parameters
    ----------
    cap : float, optional
        Maximum weight of one constituent, in (0, 1].
    floor : float, optional
        Minimum weight of one constituent, in [0, 1).
    """

    cap: float | None = None
    floor: float | None = None

    def __post_init__(self) -> None:
        check_cap_floor(self.cap, self.floor, 0)

    @property
    def label(self) -> str:
        """Short description, e.g. ``"market cap, cap 25 %"``."""
        parts = [self._kind()]
        if self.cap is not None:
            parts.append(f"cap {self.cap:.4g}")
        if self.floor:
            parts.append(f"floor {self.floor:.4g}")
        return ", ".join(parts)

    def _kind(self) -> str:
        return type(self).__name__

    def signal(self, market_caps: pd.DataFrame) -> pd.DataFrame:
        """Return the values the weights are proportional to, by date."""
        return market_caps

    def weigh(self, values: np.ndarray) -> np.ndarray:
        r"""Return the constituents' weights from their signal on the decision date.

        Notes
        -----
        :math:`w = \operatorname{clip}(s\,v, f, c)` with one scale ``s`` so
        that the weights sum to 1 (see :func:`cap_weights`).
        """
        return cap_weights(values, self.cap, self.floor)
