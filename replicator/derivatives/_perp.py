r"""Perpetual futures as instruments: the spec and the returns of a perp column.

A perp on an underlying is modelled as one more asset of the universe, whose
daily return is the underlying's return plus a basis return. The risk models
then see the spot and the perp of one underlying as two highly correlated
assets, and the optimizer chooses spot, perp or both.

Assumptions (sources in ``/work/shared/research/crypto-markets.md`` §2.1, §3):

* maintenance margin rate 1 % of notional by default: Binance BTCUSDT tier
  "notional <= 1M: MM 1 %" (2021 announcement, binance.com/en/support/faq/
  360033162192); the lowest tier is 0.4 %, larger notionals 2.5 % and more;
* trading fees 2 bp maker / 5 bp taker: Binance USDⓈ-M perps lowest tier
  0.020 % / 0.050 % (Binance FAQ 360033544231 and a secondary tier table);
* basis zero when no perp price data is given, with the stated error that the
  perp's return differs from the spot's by the premium's daily change (He,
  Manela, Ross & von Wachter, arXiv 2212.06888: deviations are larger than in
  FX and shrink over time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from replicator.exceptions import ConfigError, DataError
from replicator.typing import BoolArray

__all__ = [
    "Perp",
    "as_perps",
    "perp_fees",
    "perp_mask",
    "spot_tickers",
    "with_perps",
]

#: Default maintenance margin rate (Binance BTCUSDT, notional <= 1M tier).
MAINTENANCE_MARGIN = 0.01
#: Default perp fees in bp (Binance USDⓈ-M lowest tier).
MAKER_BPS, TAKER_BPS = 2.0, 5.0


@dataclass(frozen=True)
class Perp:
    r"""A perpetual future on one underlying.

    Parameters
    ----------
    symbol : str
        The perp's ticker, its column in the returns (e.g. ``"BTC-PERP"``).
    underlying : str
        The spot ticker it tracks (a column of the returns).
    maintenance_margin : float, default 0.01
        Maintenance margin rate ``m`` in [0, 1]: margin needed per unit of
        absolute notional (Binance BTCUSDT <= 1M notional tier: 1 %).
    maker_bps, taker_bps : float, default 2, 5
        Trading fees in bp of traded notional (Binance USDⓈ-M lowest tier).

    Notes
    -----
    Holding a perp of notional ``w`` (a fraction of NAV) earns
    ``w (r_u + \Delta basis)`` a day and pays ``w F`` of funding per
    settlement of rate ``F`` (long pays when ``F > 0``, short receives). It
    needs no cash, only margin: ``m |w|`` of collateral.

    Examples
    --------
    >>> import replicator as rp
    >>> btc = rp.derivatives.Perp("BTC-PERP", "BTC")
    >>> btc.maintenance_margin, btc.taker_bps
    (0.01, 5.0)
    """

    symbol: str
    underlying: str
    maintenance_margin: float = MAINTENANCE_MARGIN
    maker_bps: float = MAKER_BPS
    taker_bps: float = TAKER_BPS

    def __post_init__(self) -> None:
        for field in ("symbol", "underlying"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value:
                raise ConfigError(
                    f"Perp.{field} must be a non-empty ticker string; got {value!r}."
                )
        if self.symbol == self.underlying:
            raise ConfigError(
                f"Perp {self.symbol!r}: the symbol must differ from the underlying "
                "(the perp is its own column next to the spot's), e.g. "
                f"'{self.underlying}-PERP'."
            )
        m = self.maintenance_margin
        if isinstance(m, bool) or not isinstance(m, (int, float)) or not 0 <= m <= 1:
            raise ConfigError(
                f"Perp {self.symbol!r}: maintenance_margin must be a rate in [0, 1] "
                f"(0.01 = 1 % of notional); got {m!r}."
            )
        for field in ("maker_bps", "taker_bps"):
            fee = getattr(self, field)
            ok = isinstance(fee, (int, float)) and not isinstance(fee, bool)
            if not ok or not (math.isfinite(fee) and 0 <= fee <= 10_000):
                raise ConfigError(
                    f"Perp {self.symbol!r}: {field} must be a fee in bp in "
                    f"[0, 10000]; got {fee!r}."
                )


def as_perps(perps: Perp | Iterable[Perp]) -> tuple[Perp, ...]:
    """Return ``perps`` as a tuple of :class:`Perp`, checking unique symbols."""
    out = (perps,) if isinstance(perps, Perp) else tuple(perps)
    for p in out:
        if not isinstance(p, Perp):
            raise ConfigError(
                f"perps must be rp.derivatives.Perp specs; got {type(p).__name__} "
                f"{p!r}."
            )
    symbols = [p.symbol for p in out]
    dups = sorted({s for s in symbols if symbols.count(s) > 1})
    if dups:
        raise ConfigError(f"perps lists the symbols {dups} more than once.")
    return out


def perp_mask(assets: pd.Index, perps: Sequence[Perp]) -> BoolArray:
    """Return True where ``assets`` holds a perp symbol."""
    return np.asarray(assets.isin([p.symbol for p in perps]), dtype=bool)


def spot_tickers(assets: Iterable[str], perps: Sequence[Perp]) -> list[str]:
    """Return the tickers of ``assets`` that are not perp symbols."""
    symbols = {p.symbol for p in perps}
    return [str(a) for a in assets if str(a) not in symbols]


def with_perps(
    returns: pd.DataFrame,
    perps: Perp | Iterable[Perp],
    basis: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Extend a returns frame with one column per perp.

    Parameters
    ----------
    returns : DataFrame
        Daily simple returns of the spot assets, dates x tickers.
    perps : Perp or iterable of Perp
        The perps; each ``underlying`` must be a column of ``returns`` and no
        ``symbol`` may be one.
    basis : DataFrame, optional
        Daily basis returns by perp symbol (the perp's return minus the
        spot's, from perp and spot prices), on the dates of ``returns``. A perp
        without a column gets a zero basis.

    Returns
    -------
    DataFrame
        ``returns`` with the perp columns appended, in the order of ``perps``.

    Notes
    -----
    .. math:: r^{perp}_{i,t} = r_{u(i),t} + \Delta b_{i,t}

    With no basis data :math:`\Delta b = 0`: the perp is modelled as the spot.
    The error of that assumption is the premium's daily change, which adds
    ``var(Delta b)`` to the perp's variance; it is neither in the risk model
    nor in the backtest's P&L unless basis data is given.

    Raises
    ------
    DataError
        A perp whose underlying is not a column of ``returns`` (the message
        names the perp), a symbol that is already a column, or basis data on
        other dates or perps.
    """
    specs = as_perps(perps)
    if not isinstance(returns, pd.DataFrame):
        raise DataError(
            f"returns must be a DataFrame (dates x tickers); got "
            f"{type(returns).__name__}."
        )
    cols = returns.columns.map(str)
    for p in specs:
        if p.underlying not in cols:
            raise DataError(
                f"Perp {p.symbol!r} has underlying {p.underlying!r}, which is not a "
                "column of the returns. Add the underlying's spot returns, or fix "
                "Perp.underlying."
            )
        if p.symbol in cols:
            raise DataError(
                f"Perp {p.symbol!r} is already a column of the returns; with_perps "
                "builds the perp columns itself (pass perp-minus-spot returns as "
                "basis=...)."
            )
    frame = returns.copy()
    frame.columns = cols
    if basis is not None:
        unknown = sorted(set(map(str, basis.columns)) - {p.symbol for p in specs})
        if unknown:
            raise DataError(
                f"basis has columns {unknown} that are not perp symbols; name its "
                "columns by perp symbol."
            )
        if not basis.index.equals(returns.index):
            raise DataError(
                "basis must have the same dates as the returns "
                f"({len(basis)} rows against {len(returns)}); reindex it and give "
                "0 where the basis did not change."
            )
        if basis.isna().to_numpy().any():
            raise DataError("basis has NaN values; give 0 where it is unknown.")
    new = {}
    for p in specs:
        r = frame[p.underlying]
        if basis is not None and p.symbol in map(str, basis.columns):
            r = r + basis[p.symbol].to_numpy(dtype=float)
        new[p.symbol] = r
    return pd.concat([frame, pd.DataFrame(new, index=frame.index)], axis=1)


def perp_fees(
    assets: Iterable[str],
    perps: Perp | Iterable[Perp],
    spot_bps: float | pd.Series,
    side: str = "taker",
) -> pd.Series:
    """Fee in bp per ticker, for :class:`~replicator.costs.ProportionalFee`.

    Parameters
    ----------
    assets : iterable of str
        The universe (spot and perp tickers).
    perps : Perp or iterable of Perp
        The perps; each gets its ``maker_bps`` or ``taker_bps``.
    spot_bps : float or Series
        The spot fee, scalar or by spot ticker (a Series must cover every spot
        ticker).
    side : {"taker", "maker"}, default "taker"
        Which perp fee to use (a rebalance that crosses the book pays taker).

    Examples
    --------
    >>> import replicator as rp
    >>> btc = rp.derivatives.Perp("BTC-PERP", "BTC")
    >>> rp.derivatives.perp_fees(["BTC", "BTC-PERP"], btc, spot_bps=10).tolist()
    [10.0, 5.0]
    """
    if side not in ("taker", "maker"):
        raise ConfigError(f"perp_fees side must be 'taker' or 'maker'; got {side!r}.")
    specs = as_perps(perps)
    names = [str(a) for a in assets]
    by_perp = {p.symbol: getattr(p, f"{side}_bps") for p in specs}
    spot = [a for a in names if a not in by_perp]
    if isinstance(spot_bps, pd.Series):
        missing = sorted(set(spot) - set(map(str, spot_bps.index)))
        if missing:
            raise DataError(
                f"spot_bps has no fee for the spot tickers {missing}; give every "
                "spot ticker a fee (0 for a free one)."
            )
        spot_fee = {a: float(spot_bps[a]) for a in spot}
    else:
        spot_fee = dict.fromkeys(spot, float(spot_bps))
    return pd.Series([by_perp.get(a, spot_fee.get(a)) for a in names], index=names)
