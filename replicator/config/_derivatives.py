"""The ``derivatives:`` section of a run config: perps, funding, margin, leverage.

.. code-block:: yaml

    derivatives:
      perps:                      # one perp per underlying (symbol: U-PERP)
        - {underlying: BTC, maintenance_margin: 0.01, taker_bps: 5}
        - {underlying: ETH}
      funding:                    # assumption (default) or a rate file
        rate_8h: 0.0001           # 0.01 % per 8 h: the Binance/BitMEX anchor
        file: funding.csv         # timestamps x perp symbols, per settlement
        lookback_days: 30
      margin_buffer: 0.02         # collateral kept free (fraction of NAV)
      leverage: 1.5               # gross leverage limit (>= 1)
      net_perp: {lower: -0.5, upper: 0.5}
      spot_long_only: true
      freeze: [SOL, ADA]          # hedge mode: spot held fixed (NoTrade)
      perp_adv_multiple: 1.0      # perp ADV = multiple x the spot's ADV
      tie_risk: true              # wrap the risk model in PerpRisk

Every default is an assumption sourced in
``/work/shared/research/crypto-markets.md`` (see :mod:`replicator.derivatives`):
funding 0.01 %/8 h (§3), maintenance margin 1 % (Binance BTCUSDT tier
<= 1M notional, §3), perp fees 2 bp maker / 5 bp taker (Binance USDⓈ-M, §2.1).
The perp ADV multiple is not sourced (an assumption of this config: 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

import replicator as rp
from replicator.exceptions import DataError

__all__ = ["DerivativesConfig", "derivative_terms", "extend_inputs"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerpConfig(_Part):
    """One perp: its underlying, symbol, margin rate and fees."""

    underlying: str
    symbol: str | None = None
    maintenance_margin: float = Field(0.01, ge=0, le=1)
    maker_bps: float = Field(2.0, ge=0, le=10_000)
    taker_bps: float = Field(5.0, ge=0, le=10_000)

    def spec(self) -> rp.derivatives.Perp:
        """Return the :class:`~replicator.derivatives.Perp`."""
        return rp.derivatives.Perp(
            self.symbol or f"{self.underlying}-PERP",
            self.underlying,
            maintenance_margin=self.maintenance_margin,
            maker_bps=self.maker_bps,
            taker_bps=self.taker_bps,
        )


class FundingConfig(_Part):
    """Funding: a rate file, or the assumed rate per 8-hour settlement."""

    rate_8h: float = Field(rp.derivatives.ANCHOR_RATE_8H, ge=-0.05, le=0.05)
    file: str | None = None
    lookback_days: int = Field(30, ge=1)


class NetPerpConfig(_Part):
    """Bounds of the net perp exposure."""

    lower: float = -1.0
    upper: float = 1.0


class DerivativesConfig(_Part):
    """The ``derivatives:`` section (see the module docstring)."""

    perps: list[PerpConfig] = Field(min_length=1)
    funding: FundingConfig = Field(default_factory=FundingConfig)
    margin_buffer: float = Field(0.0, ge=0, lt=1)
    margin_penalty: float | None = Field(None, gt=0)
    leverage: float | None = Field(None, ge=1)
    net_perp: NetPerpConfig | None = None
    spot_long_only: bool = True
    freeze: list[str] = Field(default_factory=list)
    perp_adv_multiple: float = Field(1.0, gt=0)
    tie_risk: bool = True

    @model_validator(mode="after")
    def _unique_symbols(self) -> DerivativesConfig:
        symbols = [p.symbol or f"{p.underlying}-PERP" for p in self.perps]
        dups = sorted({s for s in symbols if symbols.count(s) > 1})
        if dups:
            raise ValueError(f"perps lists the symbols {dups} more than once")
        return self

    def specs(self) -> list[rp.derivatives.Perp]:
        """Return the perp specs."""
        return [p.spec() for p in self.perps]

    def resolve_paths(self, base: Path) -> DerivativesConfig:
        """Return a copy with the funding file made absolute against ``base``."""
        if self.funding.file is None:
            return self
        path = Path(self.funding.file).expanduser()
        path = path if path.is_absolute() else (base / path).resolve()
        funding = self.funding.model_copy(update={"file": str(path)})
        return self.model_copy(update={"funding": funding})


def _read_rates(path: str) -> pd.DataFrame:
    try:
        rates = pd.read_csv(path, index_col=0, parse_dates=True)
    except (OSError, ValueError) as exc:
        raise DataError(
            f"derivatives.funding.file: cannot read {path} ({exc}); give a CSV of "
            "settlement timestamps (first column) x perp symbols."
        ) from None
    return rates


def derivative_terms(
    cfg: DerivativesConfig,
    risk: Any,
    costs: list[Any],
    constraints: list[Any],
    horizon: float,
) -> tuple[Any, list[Any], list[Any]]:
    """Add the funding carry and the perp constraints to a config's terms.

    With ``tie_risk`` (and a risk model estimated from returns) the risk
    model is wrapped in :class:`~replicator.derivatives.PerpRisk`.
    """
    perps = cfg.specs()
    if cfg.tie_risk and risk.needs_returns:
        risk = rp.derivatives.PerpRisk(risk, perps)
    f = cfg.funding
    rates = None if f.file is None else _read_rates(f.file)
    costs = [
        *costs,
        rp.derivatives.FundingCarry(
            perps,
            rates=rates,
            rate_8h=f.rate_8h,
            horizon=horizon,
            lookback_days=f.lookback_days,
        ),
    ]
    margin: Any = rp.derivatives.MarginRequirement(perps, buffer=cfg.margin_buffer)
    if cfg.margin_penalty is not None:
        margin = rp.constraints.Soft(margin, penalty=cfg.margin_penalty)
    extra: list[Any] = [margin]
    if cfg.spot_long_only:
        extra.append(rp.derivatives.SpotLongOnly(perps))
    if cfg.leverage is not None:
        extra.append(rp.derivatives.GrossLeverage(cfg.leverage))
    if cfg.net_perp is not None:
        extra.append(
            rp.derivatives.NetPerpExposure(
                perps, lower=cfg.net_perp.lower, upper=cfg.net_perp.upper
            )
        )
    if cfg.freeze:
        extra.append(rp.constraints.NoTrade(list(cfg.freeze)))
    return risk, costs, [*constraints, *extra]


def extend_inputs(
    cfg: DerivativesConfig,
    returns: pd.DataFrame,
    universe: list[str] | None,
    adv: pd.Series | None,
) -> tuple[pd.DataFrame, list[str] | None, pd.Series | None]:
    """Add the perp columns to the returns, the universe and the ADV.

    The perp's returns are its underlying's (zero basis: no perp prices are
    loaded); its ADV is ``perp_adv_multiple`` times the underlying's.
    """
    perps = cfg.specs()
    frame = rp.derivatives.with_perps(returns, perps)
    if universe is not None:
        universe = [*universe, *(p.symbol for p in perps if p.symbol not in universe)]
    if adv is not None:
        missing = [p.underlying for p in perps if p.underlying not in adv.index]
        if missing:
            raise DataError(
                f"derivatives.perps: no ADV for the underlyings {missing}; the perp "
                "ADV is derived from the spot's."
            )
        extra = pd.Series(
            {p.symbol: cfg.perp_adv_multiple * float(adv[p.underlying]) for p in perps}
        )
        adv = pd.concat([adv, extra])
    return frame, universe, adv
