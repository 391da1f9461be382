"""Capped market-cap weights (iterative capping, pro-rata redistribution)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.exceptions import ConfigError, DataError

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
    w = (m / m.sum()).to_numpy(dtype=float, copy=True)
    if cap is not None:
        if not (0 < cap <= 1):
            raise ConfigError(f"The 'cap' argument must be in (0, 1]; got {cap!r}.")
        if cap * len(w) < 1 - 1e-12:
            raise ConfigError(
                f"cap={cap:g} is infeasible for {len(w)} assets: the weights could "
                f"sum to at most {cap * len(w):.4g}. Raise the cap to at least "
                f"{1 / len(w):.4g} or include more assets."
            )
        fixed = np.zeros(len(w), dtype=bool)
        for _ in range(len(w)):
            over = (w > cap * (1 + 1e-12)) & ~fixed
            if not over.any():
                break
            excess = float((w[over] - cap).sum())
            w[over] = cap
            fixed |= over
            free = ~fixed
            if w[free].sum() > 0:
                w[free] += excess * w[free] / w[free].sum()
        w = w / w.sum()
    return pd.Series(w, index=m.index, name="weight")
