import numpy as np
import pytest

import replicator as rp


def test_feasible_benchmark_no_costs_gives_benchmark(medium):
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.status is rp.Status.OPTIMAL
    np.testing.assert_allclose(res.weights, medium.benchmark, atol=1e-5)
    assert res.tracking_error == pytest.approx(0.0, abs=1e-4)
