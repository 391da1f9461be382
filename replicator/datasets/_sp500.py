"""The bundled S&P 500 dataset (sparseIndexTracking, 2010-2011)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from replicator.datasets._catalog import provenance, resource, slice_dates

__all__ = ["SP500Data", "load_sp500"]

DESCRIPTION = (
    "Daily simple returns of the 386 stocks that were S&P 500 members during "
    "all of 2010-2011 and of the index itself (column SP500), from the R "
    "package sparseIndexTracking (GPL-3). `weights` (implied by a constrained "
    "regression of the index on the stocks, in sample over 2010-2011) and "
    "`adv` (turnover x weight x assumed total cap) are derived model outputs, "
    "not data; see `provenance`."
)


@dataclass(frozen=True, eq=False)
class SP500Data:
    r"""S&P 500 constituents and index, daily returns 2010-01-04 .. 2011-12-30.

    Parameters
    ----------
    returns : DataFrame of shape (n_dates, 386)
        Daily simple returns (fractions) of the surviving constituents.
    index_returns : Series of shape (n_dates,)
        Daily simple returns of the S&P 500 index, named "SP500".
    sectors : Series
        GICS sector by ticker ("Unknown" for 5 unmatched tickers).
    weights : Series
        Implied benchmark weights by ticker (sum to 1, all > 0). A model
        output estimated over the whole 2010-2011 sample, whatever
        ``start``/``end`` were passed: using them in a backtest is look-ahead.
    adv : Series
        ADV proxy in USD by ticker, ``0.005 * weights * 8.80e12`` (assumed
        turnover and market cap; a model output).
    bloomberg_ids : Series
        Original Bloomberg id by ticker ("AAPL" -> "AAPL UW Equity").
    description : str
        One-paragraph summary.
    provenance : str
        Full provenance note (source, license, derivations).
    periods_per_year : float, default 252
        Annualization factor of daily equity returns.

    Notes
    -----
    The implied weights solve

    .. math:: \min_{w \ge 0,\ \mathbf{1}^T w = 1}
              \|R w - r\|_2^2 + \alpha \|w - \mathbf{1}/N\|_2^2

    with :math:`\alpha = 1`; the ADV proxy is
    :math:`\mathrm{ADV}_i = 0.005\, w_i\, C` with :math:`C` = USD 8.80 tn.
    """

    returns: pd.DataFrame
    index_returns: pd.Series
    sectors: pd.Series
    weights: pd.Series
    adv: pd.Series
    bloomberg_ids: pd.Series
    description: str
    provenance: str
    periods_per_year: float = 252.0


@lru_cache(maxsize=1)
def _read() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.read_parquet(resource("sp500_returns.parquet"))
    meta = pd.read_csv(
        resource("sp500_constituents.csv"),
        dtype={"ticker": str, "bloomberg_id": str, "sector": str},
        keep_default_na=False,
    ).set_index("ticker")
    return frame, meta


def load_sp500(start: object = None, end: object = None) -> SP500Data:
    """Load the bundled S&P 500 dataset.

    Parameters
    ----------
    start, end : date-like, optional
        Keep the dates with ``start <= date <= end`` (inclusive).

    Returns
    -------
    SP500Data
        Fresh copies; modifying them does not affect later calls.

    Examples
    --------
    >>> from replicator.datasets import load_sp500
    >>> data = load_sp500(end="2010-12-31")
    >>> data.returns.shape
    (252, 386)
    """
    frame, meta = _read()
    mask = slice_dates(frame.index, start, end, "sp500")
    frame = frame.loc[mask]
    returns = frame.drop(columns="SP500").rename_axis(columns="ticker").copy()
    index_returns = frame["SP500"].copy()
    meta = meta.copy()
    weights = meta["implied_weight"].rename("weight")
    # fitted on the whole 2010-2011 sample: a backtest warns of look-ahead
    weights.attrs["as_of"] = frame_end()
    return SP500Data(
        returns=returns,
        index_returns=index_returns,
        sectors=meta["sector"].rename("sector"),
        weights=weights,
        adv=meta["adv_proxy_usd"].rename("adv"),
        bloomberg_ids=meta["bloomberg_id"].rename("bloomberg_id"),
        description=DESCRIPTION,
        provenance=provenance("sp500"),
    )


def frame_end() -> pd.Timestamp:
    """Last date of the full sample (the implied weights' estimation end)."""
    return pd.Timestamp(_read()[0].index[-1])
