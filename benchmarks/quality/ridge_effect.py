"""Returns-only StatisticalFactor: joint ridge against single-asset regressions.

``python -m benchmarks.quality.ridge_effect`` backtests ``StatisticalFactor(10)``
(fully invested, long-only, 10 bp, monthly, walk-forward) on the shared S&P 500
data with the benchmark's specific exposure estimated (a) by one regression
per asset (the estimate before issue 14, re-implemented here) and (b) jointly
by ridge with the penalty chosen by GCV (the current estimate), and prints, per
case and risk aversion:

* in sample: the mean ex-ante TE at the rebalances and the TE of the chosen
  portfolios over their own training windows;
* out of sample: the realized TE and the ratio realized / ex-ante.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import replicator as rp
from benchmarks.quality.data import sp500_2006_2012, sp500_2010_2011
from replicator.risk._base import RiskFactors
from replicator.risk._sample import centred_factor
from replicator.risk._statistical_factor import principal_factors


class SingleAssetStatisticalFactor(rp.risk.StatisticalFactor):
    """The previous estimate: the benchmark a column of the PCA, one
    regression of its residual on each asset's residual."""

    def _fit_factors(self, returns, benchmark_returns, periods_per_year):
        data = np.column_stack([returns.to_numpy(), benchmark_returns.to_numpy()])
        G = centred_factor(data, periods_per_year)
        U, E = principal_factors(G, self.n_factors)
        resid = G - U @ E
        s2 = np.maximum(np.sum(resid**2, axis=0), 1e-20)
        b_s = resid[:, :-1].T @ resid[:, -1] / s2[:-1]
        c0 = max(float(s2[-1] - np.sum(b_s**2 * s2[:-1])), 0.0)
        return RiskFactors(
            returns.columns, E[:, :-1], np.sqrt(s2[:-1]), E[:, -1], c0, b_s
        )

    def fit(self, returns, benchmark_returns=None, *, periods_per_year=252.0):
        return rp.risk.RiskModel.fit(
            self, returns, benchmark_returns, periods_per_year=periods_per_year
        )


def in_sample_te(bt, case) -> float:
    """Mean TE of each rebalance's target over its own lookback window."""
    out = []
    for date, w in bt.weights.iterrows():
        window = case.returns.loc[:date].iloc[-case.lookback :]
        active = window.fillna(0.0) @ w.reindex(window.columns).fillna(0.0)
        active -= case.index.loc[window.index]
        out.append(active.std() * np.sqrt(case.periods_per_year))
    return float(np.mean(out))


def main() -> int:
    rows = []
    for case in (sp500_2006_2012(), sp500_2010_2011()):
        first = pd.Timestamp(case.periods[0][1])
        start = case.returns.index[case.returns.index >= first][0]
        for lam in (100.0, 1.0):
            for label, risk in (
                ("single-asset", SingleAssetStatisticalFactor(n_factors=10)),
                ("joint ridge (GCV)", rp.risk.StatisticalFactor(n_factors=10)),
            ):
                model = rp.Replicator(
                    risk=risk,
                    costs=[rp.costs.ProportionalFee(bps=10)],
                    constraints=[
                        rp.constraints.FullyInvested(),
                        rp.constraints.LongOnly(),
                    ],
                    risk_aversion=lam,
                )
                bt = rp.backtest.run(
                    model, case.returns, case.index, schedule="M",
                    lookback=case.lookback, start=start, baselines=None,
                )  # fmt: skip
                m = bt.metrics()
                rows.append(
                    {
                        "case": case.name,
                        "risk_aversion": lam,
                        "estimate": label,
                        "ex-ante TE %": 100 * m["te_ex_ante_mean"],
                        "in-sample TE %": 100 * in_sample_te(bt, case),
                        "out-of-sample TE %": 100 * m["te_ex_post"],
                        "realized / ex-ante": m["te_realized_over_ex_ante"],
                        "bias statistic": m["te_bias_statistic"],
                    }
                )
    table = pd.DataFrame(rows).set_index(["case", "risk_aversion", "estimate"])
    print(table.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
