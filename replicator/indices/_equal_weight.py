"""Equal weighting: w_i = 1/N."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from replicator.indices._weighting import Weighting

__all__ = ["EqualWeight"]


@dataclass(frozen=True, kw_only=True)
class EqualWeight(Weighting):
    r"""Equal weights of the constituents.

    Notes
    -----
    .. math:: w_i = 1 / N

    for the :math:`N` constituents selected on the decision date.
    """

    def _kind(self) -> str:
        return "equal weight"

    def signal(self, market_caps: pd.DataFrame) -> pd.DataFrame:
        """1 wherever a market cap is known."""
        return pd.DataFrame(
            np.where(np.isfinite(market_caps.to_numpy(dtype=float)), 1.0, np.nan),
            index=market_caps.index,
            columns=market_caps.columns,
        )
