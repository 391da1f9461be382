r"""A risk model that ties each perp to its underlying, in factor form.

A k-factor model estimated on a frame where the perp is one more column gives
the perp a specific risk of its own, independent of the spot's, so holding
the perp against a spot benchmark weight shows a tracking error that does not
exist. :class:`PerpRisk` fits any returns-based model on the spot columns
only and maps each perp onto its underlying: same factor loadings, the
underlying's specific risk shared (moved into one factor per underlying), and
the basis as the perp's own specific risk.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from replicator.constraints._base import Kind
from replicator.derivatives._funding import PERPS_RULE
from replicator.derivatives._perp import Perp, as_perps
from replicator.exceptions import ConfigError, DataError
from replicator.risk._base import RiskFactors, RiskModel

__all__ = ["PerpRisk"]


class PerpRisk(RiskModel):
    r"""Tie perps to their underlyings in any returns-based risk model.

    Parameters
    ----------
    risk : RiskModel
        The spot model (estimated from returns), fitted on the spot columns.
    perps : Perp or list of Perp
        The perps; their columns hold the underlying's return plus the basis
        (see :func:`~replicator.derivatives.with_perps`).

    Notes
    -----
    With the spot model ``TE^2 = ||G w_S - g||^2 + ||s o (w_S - b_s)||^2`` and
    ``u(p)`` the underlying of perp ``p``, the perp gets the loadings
    ``G[:, u(p)]``; for each underlying ``u`` with perps one factor row
    ``s_u (w_u + sum_{p: u(p)=u} w_p) - s_u b_{s,u}`` replaces ``u``'s specific
    term; the perp's specific volatility is the annualized standard deviation
    of its basis return ``r_p - r_u`` (zero at zero basis). So

    .. math::

        \Sigma_{pp} = \Sigma_{uu} + \sigma^2_{b,p},\quad
        \Sigma_{pu} = \Sigma_{uu},\quad \Sigma_{pj} = \Sigma_{uj}

    The basis is taken independent of every return (an approximation: the
    premium co-moves with the market, He, Manela, Ross & von Wachter 2022).
    The model has ``k`` plus one factor per underlying with perps.

    Examples
    --------
    >>> import replicator as rp
    >>> btc = rp.derivatives.Perp("BTC-PERP", "BTC")
    >>> rp.derivatives.PerpRisk(rp.risk.StatisticalFactor(n_factors=3), btc).name
    'PerpRisk(StatisticalFactor(3))'
    """

    _parameter_constraints = {
        "risk": Kind(RiskModel, what="a returns-based RiskModel"),
        "perps": PERPS_RULE,
    }

    def __init__(self, risk: RiskModel, perps: Perp | Iterable[Perp]) -> None:
        self.risk = risk
        self.perps = perps

    @property
    def name(self) -> str:
        """Label, e.g. ``PerpRisk(StatisticalFactor(3))``."""
        inner = getattr(self.risk, "name", type(self.risk).__name__)
        return f"PerpRisk({inner})"

    def validate_params(self) -> None:
        """Check the parameters; the inner model must be estimated from returns."""
        super().validate_params()
        if not self.risk.needs_returns:
            raise ConfigError(
                f"PerpRisk needs a model estimated from returns; {self.risk.name} is "
                "given directly. Add the perps to its matrix instead."
            )

    def _fit_factors(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None,
        periods_per_year: float,
    ) -> RiskFactors:
        assert returns is not None  # needs_returns: checked by fit
        specs = as_perps(self.perps)
        cols = returns.columns.map(str)
        symbols = {p.symbol for p in specs}
        missing = [p.symbol for p in specs if p.symbol not in cols]
        missing += [p.underlying for p in specs if p.underlying not in cols]
        if missing:
            raise DataError(
                f"PerpRisk: the returns have no column for {sorted(set(missing))}; "
                "build them with rp.derivatives.with_perps."
            )
        spot = [c for c in cols if c not in symbols]
        frame = returns.set_axis(cols, axis=1)
        self.risk.fit(frame[spot], benchmark_returns, periods_per_year=periods_per_year)
        f = self.risk.factors_
        pos = {a: i for i, a in enumerate(f.assets)}
        under = sorted({p.underlying for p in specs}, key=pos.__getitem__)
        n_s, k = len(f.assets), f.n_factors
        perp_cols = [pos[p.underlying] for p in specs]
        basis = (
            frame[[p.symbol for p in specs]].to_numpy()
            - frame[[p.underlying for p in specs]].to_numpy()
        )
        basis_vol = np.nanstd(basis, axis=0, ddof=1) * np.sqrt(periods_per_year)
        basis_vol = np.nan_to_num(basis_vol, nan=0.0)
        s = np.asarray(f.specific, dtype=float)
        extra = np.zeros((len(under), n_s + len(specs)))
        for r, u in enumerate(under):
            j = pos[u]
            extra[r, j] = s[j]
            for c, p in enumerate(specs):
                if p.underlying == u:
                    extra[r, n_s + c] = s[j]
        exposures = np.vstack(
            [np.hstack([f.exposures, f.exposures[:, perp_cols]]), extra]
        )
        specific = np.concatenate([s, basis_vol])
        tied = np.array([pos[u] for u in under], dtype=int)
        specific[tied] = 0.0
        bench_exp, bench_spec = f.benchmark_exposure, f.benchmark_specific
        if bench_exp is not None:
            b_s = np.zeros(n_s) if bench_spec is None else np.asarray(bench_spec)
            bench_exp = np.concatenate([bench_exp, s[tied] * b_s[tied]])
            b_s = b_s.copy()
            b_s[tied] = 0.0
            bench_spec = np.concatenate([b_s, np.zeros(len(specs))])
        assert exposures.shape == (k + len(under), n_s + len(specs))
        return RiskFactors(
            assets=pd.Index([*f.assets, *(p.symbol for p in specs)], dtype=object),
            exposures=exposures,
            specific=specific,
            benchmark_exposure=bench_exp,
            benchmark_specific_var=f.benchmark_specific_var,
            benchmark_specific=bench_spec,
        )
