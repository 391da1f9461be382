"""Solved results to report on (module scope: solved once)."""

from __future__ import annotations

import pytest

import replicator as rp


@pytest.fixture(scope="module")
def result(medium):
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        costs=[rp.costs.ProportionalFee(bps=5)],
        constraints=[
            rp.constraints.FullyInvested(),
            rp.constraints.LongOnly(),
            rp.constraints.TurnoverLimit(0.01),
        ],
    )
    return model.solve(
        returns=medium.returns,
        benchmark=medium.benchmark,
        holdings=medium.holdings,
        adv=medium.adv,
        groups=medium.sectors,
        nav=1e9,
        date=medium.returns.index[-1],
    )


@pytest.fixture(scope="module")
def returns_only_result(small):
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    return model.solve(returns=small.returns, benchmark=small.index_returns)
