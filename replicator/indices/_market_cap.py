"""Market-cap weighting: w_i = m_i / sum_j m_j."""

from __future__ import annotations

from dataclasses import dataclass

from replicator.indices._weighting import Weighting

__all__ = ["MarketCap"]


@dataclass(frozen=True, kw_only=True)
class MarketCap(Weighting):
    r"""Market-capitalization weights.

    Notes
    -----
    .. math:: w_i = \frac{m_i}{\sum_{j \in S} m_j}

    over the constituents :math:`S`, with the market caps :math:`m` of the
    decision date. With ``cap``/``floor`` this is :class:`CappedMarketCap`.
    """

    def _kind(self) -> str:
        return "market cap"
