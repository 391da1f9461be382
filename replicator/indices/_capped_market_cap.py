"""Capped market-cap weighting with iterative redistribution and a floor."""

from __future__ import annotations

from dataclasses import dataclass

from replicator.exceptions import ConfigError
from replicator.indices._weighting import Weighting

__all__ = ["CappedMarketCap"]


@dataclass(frozen=True, kw_only=True)
class CappedMarketCap(Weighting):
    r"""Market-cap weights capped at ``cap`` and floored at ``floor``.

    Examples: DPI caps at 25 %, Bloomberg Galaxy Crypto at 35-40 % with a
    1 % floor, CF Digital 80 at 5 %.

    Parameters
    ----------
    cap : float
        Maximum weight of one constituent, in (0, 1]; at least 1/N.
    floor : float, optional
        Minimum weight of one constituent; at most 1/N.

    Notes
    -----
    The excess over the cap is given to the uncapped constituents pro rata,
    and constituents below the floor are raised to it, funded pro rata, in
    rounds until nothing is out of bounds. The fixed point is

    .. math:: w_i = \min\bigl(c, \max(f, s\, m_i)\bigr), \quad \sum_i w_i = 1.
    """

    def __post_init__(self) -> None:
        if self.cap is None:
            raise ConfigError(
                "CappedMarketCap needs a 'cap' (e.g. 0.25); use MarketCap for "
                "uncapped weights."
            )
        super().__post_init__()

    def _kind(self) -> str:
        return "capped market cap"
