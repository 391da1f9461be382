"""Values derived once per solve (``MarketSnapshot.solving``/``solve_memo``).

The assembly, the result and the reports of one solve share a term's derived
arrays (e.g. WeightBounds' per-asset bounds). Between solves a term's
parameters may change, so nothing may be reused across solves, nor outside one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.data._snapshot import MarketSnapshot

C = rp.constraints


def snapshot() -> MarketSnapshot:
    return MarketSnapshot(
        assets=pd.Index(["A", "B", "C"]),
        benchmark=np.array([0.5, 0.3, 0.2]),
        holdings=np.zeros(3),
        investable=np.ones(3, dtype=bool),
    )


def test_memo_is_shared_inside_a_solve_and_read_only():
    snap, bounds = snapshot(), C.WeightBounds(upper=0.4)
    with snap.solving():
        _, hi = bounds._bounds(snap)
        assert bounds._bounds(snap)[1] is hi
        with pytest.raises(ValueError, match="read-only"):
            hi[0] = 1.0
    assert bounds._bounds(snap)[1] is not hi  # outside a solve: fresh


def test_memo_is_per_term_and_per_solve():
    snap = snapshot()
    a, b = C.WeightBounds(upper=0.4), C.WeightBounds(upper=0.3)
    with snap.solving():
        assert a._bounds(snap)[1].max() == pytest.approx(0.4)
        assert b._bounds(snap)[1].max() == pytest.approx(0.3)
    a.upper = 0.2  # a parameter changed between solves of the same snapshot
    with snap.solving():
        assert a._bounds(snap)[1].max() == pytest.approx(0.2)


def test_changed_bound_between_solves_of_one_snapshot_is_used(medium):
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=0.2)],
    )
    snap = model.prepare(returns=medium.returns, benchmark=medium.benchmark)
    first = model.solve_snapshot(snap)
    cap = 0.5 * float(first.weights.max())
    model.constraints[2].upper = cap
    second = model.solve_snapshot(snap)
    assert second.weights.max() <= cap + 1e-7
    [rep] = [r for r in second.constraints if r.name.startswith("WeightBounds")]
    assert rep.limit == pytest.approx(cap) and rep.binding
