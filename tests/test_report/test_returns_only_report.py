"""Issue 12 item 7: the returns-only report keeps the benchmark's own leg.

With the benchmark given as a return series, the per-asset Euler contributions
to TE² leave out the benchmark's own leg (its variance minus its covariance
with the portfolio): every sector came out negative, summing to -62 % of TE²
on this market. The report now shows that leg, so the TE² table adds up, and
says n/a for the benchmark weight and the active weight it does not know.
"""

from __future__ import annotations

import numpy as np
import pytest

import replicator as rp
from replicator.report import _text, to_html

from ..conftest import make_universe


@pytest.fixture(scope="module")
def returns_only():
    u = make_universe(50, n_dates=250, n_factors=3, seed=2)
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    return model.solve(
        returns=u.returns,
        benchmark=u.index_returns,
        groups=u.sectors,
        holdings=u.holdings,
    )


def _share(text: str) -> float:
    return float(text.split(" %")[0])


def test_group_rows_and_benchmark_leg_sum_to_te2(returns_only):
    res = returns_only
    assert res.te_by_group.sum() < 0  # the asset legs alone: the old figure
    _, rows = _text.te_group_table(res)
    parts = [r for r in rows if r[0].startswith(("Group:", "Benchmark"))]
    assert parts[-1][0] == "Benchmark (return series)"
    total = sum(float(r[1]) for r in parts)
    assert total == pytest.approx(res.tracking_variance, rel=1e-3)  # 4 digits shown
    assert sum(_share(r[2]) for r in parts) == pytest.approx(100.0, abs=0.3)


def test_benchmark_leg_is_the_part_no_asset_carries(returns_only):
    res = returns_only
    leg = _text.benchmark_leg(res)
    assert leg + res.te_by_asset.sum() == pytest.approx(res.tracking_variance)
    assert leg > 0


def test_positions_table_says_na_for_benchmark_and_active(returns_only):
    header, rows = _text.active_table(returns_only, 5)
    bench, active = header.index("Benchmark"), header.index("Active")
    assert rows
    for row in rows:
        assert row[bench] == "n/a"
        assert row[active] == "n/a"
        assert row[header.index("Weight")] != "n/a"


def test_weights_mode_is_unchanged(medium):
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    res = model.solve(medium.returns, medium.benchmark, groups=medium.sectors)
    assert _text.benchmark_leg(res) is None
    _, rows = _text.te_group_table(res)
    assert not any(r[0].startswith("Benchmark") for r in rows)
    groups = [float(r[1]) for r in rows if r[0].startswith("Group:")]
    assert sum(groups) == pytest.approx(res.tracking_variance, rel=1e-3)
    header, rows = _text.active_table(res, 3)
    assert all(r[header.index("Benchmark")] != "n/a" for r in rows)


def test_html_report_shows_the_leg(returns_only):
    page = to_html(returns_only, None)
    assert "Benchmark (return series)" in page
    assert np.isfinite(_text.benchmark_leg(returns_only))
