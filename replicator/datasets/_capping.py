"""Single-date capped market-cap weights (the ``cap_weighted`` benchmark kind).

A thin wrapper of :func:`replicator.indices.cap_weights`; point-in-time
histories are built by :class:`replicator.indices.Methodology`.
"""

from __future__ import annotations

import pandas as pd

from replicator.exceptions import ConfigError, DataError
from replicator.indices import cap_weights

__all__ = ["capped_weights"]


def capped_weights(
    market_caps: pd.Series, cap: float | None = None, top: int | None = None
) -> pd.Series:
    r"""Market-cap weights with an optional top-N selection and per-asset cap.

    Parameters
    ----------
    market_caps : Series
        Market capitalization by asset (positive).
    cap : float, optional
        Maximum weight of any asset, in (0, 1]. Requires ``cap * n >= 1``.
    top : int, optional
        Keep only the ``top`` largest assets.

    Returns
    -------
    Series
        Weights summing to 1, sorted from largest to smallest.

    Notes
    -----
    Start from :math:`w_i = m_i / \sum_j m_j`. While some :math:`w_i > c`, set
    those weights to :math:`c` and give the excess to the uncapped assets in
    proportion to their weights:

    .. math:: w_j \leftarrow w_j + E \, \frac{w_j}{\sum_{k \in U} w_k},
              \quad j \in U,

    where :math:`E` is the excess and :math:`U` the uncapped set. This ends
    after at most :math:`n` rounds.
    """
    m = market_caps.astype(float).dropna()
    m = m[m > 0].sort_values(ascending=False)
    if m.empty:
        raise DataError("No asset has a positive market cap; cannot weight them.")
    if top is not None:
        m = m.iloc[:top]
    try:
        w = cap_weights(m.to_numpy(dtype=float), cap=cap)
    except ConfigError as exc:
        raise ConfigError(
            str(exc).replace("'cap' parameter", "'cap' argument")
        ) from None
    return pd.Series(w, index=m.index, name="weight")
