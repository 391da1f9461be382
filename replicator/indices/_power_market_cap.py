"""Power of smoothed market cap (CCi30: the square root of EWMA caps)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from replicator.exceptions import ConfigError
from replicator.indices._weighting import Weighting

__all__ = ["PowerMarketCap"]


@dataclass(frozen=True, kw_only=True)
class PowerMarketCap(Weighting):
    r"""Weights proportional to a power of exponentially smoothed market caps.

    Parameters
    ----------
    exponent : float, default 0.5
        Power applied to the smoothed caps (CCi30 uses the square root).
    half_life : float, optional
        Half-life of the exponential smoothing, in rows of the data (days for
        daily data). None: no smoothing.
    cap, floor : float, optional
        Bounds on each weight, as in :class:`CappedMarketCap`.

    Notes
    -----
    The smoothed cap of asset :math:`i` on date :math:`t` is the EWMA of its
    observed caps up to :math:`t`,

    .. math:: \bar m_{i,t} = \frac{\sum_{k \ge 0} \lambda^k m_{i,t-k}}
                                 {\sum_{k \ge 0} \lambda^k},
              \qquad \lambda = 2^{-1/h},

    over the dates where :math:`m_i` is observed (a missing day still decays
    the older ones: pandas' ``ewm(halflife=h, ignore_na=False)``), and

    .. math:: w_i = \frac{\bar m_{i,t}^{\,p}}{\sum_{j \in S} \bar m_{j,t}^{\,p}}.
    """

    exponent: float = 0.5
    half_life: float | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.exponent) and self.exponent > 0):
            raise ConfigError(
                f"The 'exponent' parameter must be positive; got {self.exponent!r}."
            )
        if self.half_life is not None and not (
            np.isfinite(self.half_life) and self.half_life > 0
        ):
            raise ConfigError(
                f"The 'half_life' parameter must be positive; got {self.half_life!r}."
            )
        super().__post_init__()

    def _kind(self) -> str:
        smooth = f", EWMA half-life {self.half_life:g}" if self.half_life else ""
        return f"market cap^{self.exponent:g}{smooth}"

    def signal(self, market_caps: pd.DataFrame) -> pd.DataFrame:
        """Smoothed caps raised to ``exponent`` (each date uses data up to it)."""
        caps = market_caps.to_numpy(dtype=float)
        if self.half_life is not None:
            caps = _ewma(caps, 2.0 ** (-1.0 / self.half_life))
        return pd.DataFrame(
            caps**self.exponent, index=market_caps.index, columns=market_caps.columns
        )


def _ewma(x: np.ndarray, decay: float) -> np.ndarray:
    """Row-wise EWMA of the observed values (NaN before an asset's first one)."""
    out = np.empty_like(x)
    num = np.zeros(x.shape[1])
    den = np.zeros(x.shape[1])
    for t in range(x.shape[0]):
        seen = np.isfinite(x[t])
        num = decay * num + np.where(seen, x[t], 0.0)
        den = decay * den + seen
        out[t] = num / np.where(den > 0, den, np.nan)
    return out
