"""Load current holdings: weights, or quantities valued at prices."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from replicator.data._assets import (
    check_nonnegative_column,
    numeric_column,
    ticker_column,
)
from replicator.data._io import PathLike, find_column, read_table, row_ref
from replicator.data._validate import WEIGHT_SUM_TOL, format_items
from replicator.exceptions import ConfigError, DataError, MissingAssetsError, NaNError

__all__ = ["Holdings", "load_holdings"]

SHORT_HINT = (
    "Short positions are not supported; set the position to 0 or remove the row."
)


@dataclass(frozen=True)
class Holdings:
    r"""Current holdings of the replicating portfolio.

    Parameters
    ----------
    weights : Series
        Position values as fractions of NAV, by ticker (cash excluded).
    cash : float
        Cash as a fraction of NAV, ``1 - weights.sum()``.
    nav : float or None
        Net asset value in currency (None if the file gave weights and no
        ``nav`` was passed).
    quantities : Series or None
        Units held, when the file gave quantities.
    prices : Series or None
        Prices used to value ``quantities``.
    source : str
        The file read.

    Notes
    -----
    From quantities :math:`q_i`, prices :math:`p_i` and cash :math:`c`:

    .. math:: \mathrm{NAV} = \sum_i q_i p_i + c, \qquad
              w_i = q_i p_i / \mathrm{NAV}.
    """

    weights: pd.Series
    cash: float
    nav: float | None
    quantities: pd.Series | None = None
    prices: pd.Series | None = None
    source: str = ""

    @property
    def values(self) -> pd.Series | None:
        """Market value of each position in currency (None without a NAV)."""
        if self.nav is None:
            return None
        return self.weights * self.nav


def load_holdings(
    path: PathLike,
    *,
    prices: pd.Series | pd.DataFrame | None = None,
    nav: float | None = None,
    ticker_col: str = "ticker",
    weight_col: str = "weight",
    quantity_col: str = "quantity",
    price_col: str = "price",
    cash_ticker: str = "CASH",
    tol: float = WEIGHT_SUM_TOL,
) -> Holdings:
    """Load holdings as weights, or as quantities valued at prices.

    Parameters
    ----------
    path : str or PathLike
        CSV or Parquet file with ``ticker_col`` and either ``weight_col``
        (fractions of NAV) or ``quantity_col`` (units). A row whose ticker is
        ``cash_ticker`` holds cash (a weight, or an amount in currency).
    prices : Series or DataFrame, optional
        Prices by ticker for a quantity file (a DataFrame uses its last row).
        Overrides a ``price_col`` column of the file.
    nav : float, optional
        Net asset value. For a quantity file without a cash row, cash is
        ``nav`` minus the value of the positions; by default NAV is the value
        of the positions plus the cash row.
    ticker_col, weight_col, quantity_col, price_col : str
        Column names, matched case-insensitively.
    cash_ticker : str, default "CASH"
        Ticker of the cash row (case-insensitive).
    tol : float, default 1e-4
        Tolerance of the budget checks, as a fraction of NAV.

    Returns
    -------
    Holdings
    """
    if nav is not None and not (np.isfinite(nav) and nav > 0):
        raise ConfigError(f"The 'nav' argument must be a positive number; got {nav!r}.")
    raw, p = read_table(path, "holdings", (ticker_col,))
    tcol = find_column(raw, ticker_col)
    wcol, qcol = find_column(raw, weight_col), find_column(raw, quantity_col)
    if tcol is None or (wcol is None) == (qcol is None):
        both = wcol is not None and qcol is not None
        raise DataError(
            f"File '{p}' must have a '{ticker_col}' column and exactly one of "
            f"'{weight_col}' (fractions of NAV) or '{quantity_col}' (units, valued "
            f"at prices); {'it has both' if both else 'columns found'}: "
            f"{format_items(raw.columns, limit=12)}. Rename the columns or pass "
            "ticker_col=, weight_col=, quantity_col=."
        )
    tickers = ticker_column(raw, p, tcol)
    is_cash = (tickers.str.upper() == cash_ticker.upper()).to_numpy()
    column = str(wcol or qcol)
    amounts = numeric_column(raw, p, column, tickers)
    check_nonnegative_column(amounts[~is_cash], p, column, SHORT_HINT)
    positions = amounts[~is_cash]
    cash_in_file = float(amounts[is_cash].sum()) if is_cash.any() else None
    if wcol is not None:
        return _from_weights(positions, cash_in_file, nav, p, wcol, tol)
    return _from_quantities(
        raw, p, tcol, positions, cash_in_file, prices, nav, price_col, tol
    )


def _from_weights(
    weights: pd.Series,
    cash: float | None,
    nav: float | None,
    p: Path,
    column: str,
    tol: float,
) -> Holdings:
    total = float(weights.sum())
    if cash is not None and abs(total + cash - 1.0) > tol:
        raise DataError(
            f"File '{p}', column '{column}': positions ({total:.6g}) plus the cash "
            f"row ({cash:.6g}) sum to {total + cash:.6g}, not 1. Fix the weights or "
            "remove the cash row (cash is then 1 - sum of weights)."
        )
    if total > 1.0 + tol:
        raise DataError(
            f"File '{p}', column '{column}': the weights sum to {total:.6g}, more "
            "than 1 (leverage is not supported). Weights are fractions of NAV; "
            "rescale them so that they sum to at most 1."
        )
    weights = weights.rename("weight")
    return Holdings(weights, 1.0 - total, nav, source=str(p))


def _from_quantities(
    raw: pd.DataFrame,
    p: Path,
    tcol: str,
    quantities: pd.Series,
    cash: float | None,
    prices: pd.Series | pd.DataFrame | None,
    nav: float | None,
    price_col: str,
    tol: float,
) -> Holdings:
    if prices is not None:
        px = prices.iloc[-1] if isinstance(prices, pd.DataFrame) else prices
        px = pd.Series(px, dtype=float)
        px.index = px.index.map(str)
        source = "the prices argument"
    else:
        pcol = find_column(raw, price_col)
        if pcol is None:
            raise DataError(
                f"File '{p}' gives quantities but no prices: add a '{price_col}' "
                f"column or pass prices=. Columns found: {format_items(raw.columns)}."
            )
        tickers = ticker_column(raw, p, tcol)
        all_px = numeric_column(raw, p, pcol, tickers, allow_nan=True)
        px = all_px.reindex(quantities.index)
        missing_px = px[~np.isfinite(px.to_numpy())]
        if len(missing_px):
            pos = int(np.flatnonzero(tickers == missing_px.index[0])[0])
            raise NaNError(
                f"File '{p}', column '{pcol}': {row_ref(p, pos)} (ticker "
                f"{missing_px.index[0]!r}) has no price. Fill it in, or pass "
                "prices=."
            )
        source = f"column '{pcol}' of '{p}'"
    missing = quantities.index.difference(px.dropna().index)
    if len(missing):
        raise MissingAssetsError(
            f"File '{p}': {len(missing)} held tickers have no price in {source}: "
            f"{format_items(missing)}. Add their prices."
        )
    px = px.reindex(quantities.index)
    bad = px[~(px > 0)]
    if len(bad):
        raise DataError(
            f"File '{p}': ticker {bad.index[0]!r} has price {bad.iloc[0]:.6g} in "
            f"{source}; prices must be positive."
        )
    values = quantities * px
    invested = float(values.sum())
    if nav is None:
        nav = invested + (cash or 0.0)
        if nav <= 0:
            raise DataError(
                f"File '{p}': the positions and cash are worth {nav:.6g}, so the NAV "
                "is not positive. Pass nav= or add positions."
            )
    elif cash is not None and abs(invested + cash - nav) > tol * nav:
        raise DataError(
            f"File '{p}': positions ({invested:.6g}) plus the cash row ({cash:.6g}) "
            f"are worth {invested + cash:.6g}, not nav={nav:.6g}. Drop the cash row "
            "or the nav argument, or fix one of them."
        )
    elif invested > nav * (1.0 + tol):
        raise DataError(
            f"File '{p}': the positions are worth {invested:.6g}, more than "
            f"nav={nav:.6g}. Pass the correct NAV (leverage is not supported)."
        )
    weights = (values / nav).rename("weight")
    return Holdings(
        weights,
        1.0 - float(weights.sum()),
        float(nav),
        quantities=quantities.rename("quantity"),
        prices=px.rename("price"),
        source=str(p),
    )
