"""Constituent selection: eligibility screens and top-N with a buffer."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from replicator.exceptions import ConfigError

__all__ = ["Selection", "select_top"]


@dataclass(frozen=True)
class Selection:
    """Which assets are eligible and how many the index holds.

    Parameters
    ----------
    top : int, optional
        Number of constituents (the largest eligible market caps). None: every
        eligible asset.
    buffer : int, default 0
        Buffer ``b`` around rank ``top``: an asset enters at rank <= top - b, a
        constituent leaves at rank > top + b.
    exclude : tuple of str
        Assets never eligible (e.g. stablecoins, wrapped and pegged tokens).
    exclude_tags : tuple of str
        Tags (a column of the data, see ``tag_column``) never eligible.
    min_volume : float, optional
        Minimum median daily traded value over ``volume_window`` rows.
    volume_window : int, default 30
        Rows of the liquidity screen (all of them must have a volume).
    min_age : int, default 0
        Minimum listing age in calendar days: days since the first market cap.
    """

    top: int | None = None
    buffer: int = 0
    exclude: tuple[str, ...] = field(default_factory=tuple)
    exclude_tags: tuple[str, ...] = field(default_factory=tuple)
    min_volume: float | None = None
    volume_window: int = 30
    min_age: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude", tuple(str(x) for x in self.exclude))
        object.__setattr__(
            self, "exclude_tags", tuple(str(x) for x in self.exclude_tags)
        )
        for name in ("top", "volume_window"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, np.integer)) or v < 1):
                raise ConfigError(
                    f"The {name!r} parameter must be a positive int; got {v!r}."
                )
        for name in ("buffer", "min_age"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 0:
                raise ConfigError(
                    f"The {name!r} parameter must be an int >= 0; got {v!r}."
                )
        if self.top is not None and self.buffer >= self.top:
            raise ConfigError(
                f"The 'buffer' ({self.buffer}) must be below 'top' ({self.top}): an "
                f"asset enters at rank <= top - buffer."
            )
        if self.min_volume is not None and not self.min_volume >= 0:
            raise ConfigError(
                f"The 'min_volume' parameter must be >= 0; got {self.min_volume!r}."
            )


def select_top(
    ranked: np.ndarray, members: np.ndarray, top: int | None, buffer: int
) -> np.ndarray:
    """Constituents after a reconstitution with buffer rules.

    Parameters
    ----------
    ranked : ndarray of int
        Eligible asset positions, largest market cap first (rank 1 first).
    members : ndarray of bool
        Current constituents (all False at the first review).
    top, buffer : int
        Target count ``N`` and buffer ``b``.

    Returns
    -------
    ndarray of int
        The new constituents, in rank order.

    Notes
    -----
    A constituent stays while its rank is at most ``N + b``; a non-constituent
    enters when its rank is at most ``N - b``. If that leaves fewer than
    ``N``, the best-ranked remaining eligible assets fill the index; if more,
    the worst-ranked are dropped. At the first review (no constituents) the
    index is the top ``N``.
    """
    if top is None:
        return ranked
    if not members.any():
        return ranked[:top]
    rank = np.arange(1, len(ranked) + 1)
    current = members[ranked]
    keep = (current & (rank <= top + buffer)) | (~current & (rank <= top - buffer))
    chosen = ranked[keep]
    if len(chosen) < top:
        chosen = ranked[keep | (np.cumsum(~keep) <= top - len(chosen))]
    return chosen[:top]
