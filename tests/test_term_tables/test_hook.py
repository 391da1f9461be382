"""The generic hook: any term's ``report_tables`` reaches the result and reports."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.data._snapshot import MarketSnapshot
from replicator.report import render_html


class TaggedFee(rp.costs.ProportionalFee):
    """A fee that reports its per-asset cost and an assumption (a toy term)."""

    def report_tables(self, weights, trades, snapshot):
        cost = pd.DataFrame(
            {"buy": np.where(trades > 0, 1e-3 * trades, 0.0)}, index=snapshot.assets
        )
        cost["sell"] = np.where(trades < 0, -1e-3 * trades, 0.0)
        cost.attrs.update(title="Fee by side", unit="bp", stack=["buy", "sell"])
        notes = pd.DataFrame(
            {"value": ["10 bp"], "source": ["a toy assumption"]}, index=["fee"]
        )
        notes.attrs.update(title="Fee assumptions", unit="text")
        return {"fee_by_side": cost, "fee_assumptions": notes}


@pytest.fixture(scope="module")
def solved(small):
    model = rp.Replicator(
        risk_aversion=100.0,
        risk=rp.risk.SampleCovariance(),
        costs=[TaggedFee(bps=10), TaggedFee(bps=10)],
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    return model.solve(
        returns=small.returns, benchmark=small.benchmark, holdings=small.holdings
    )


def test_tables_reach_the_result_with_unique_names(solved):
    assert list(solved.tables) == [
        "fee_by_side",
        "fee_assumptions",
        "fee_by_side#2",
        "fee_assumptions#2",
    ]
    side = solved.tables["fee_by_side"]
    t = solved.trades
    # independent: 10 bp of each buy and of each sale
    assert side["buy"].sum() + side["sell"].sum() == pytest.approx(
        1e-3 * t.abs().sum(), rel=1e-12
    )
    assert side.sum().sum() == pytest.approx(
        next(iter(solved.costs.values())), rel=1e-12
    )
    assert solved.venue_trades is None  # no venue term
    copy = solved.table("fee_by_side")
    copy.iloc[0, 0] = 99.0
    assert solved.tables["fee_by_side"].iloc[0, 0] != 99.0


def test_tables_in_to_dict_and_html(solved):
    d = json.loads(solved.to_json())
    side = solved.tables["fee_by_side"]
    a = side.index[0]
    assert d["tables"]["fee_by_side"][a]["buy"] == pytest.approx(side.loc[a, "buy"])
    assert d["tables"]["fee_assumptions"]["fee"] == {
        "value": "10 bp",
        "source": "a toy assumption",
    }
    page = render_html(solved)
    assert '<h2 id="fee_by_side">Fee by side</h2>' in page
    assert '<img alt="Fee by side"' in page
    assert "a toy assumption" in page


def test_no_terms_tables_and_cash_unchanged(small):
    res = rp.Replicator(risk_aversion=100.0, risk=rp.risk.SampleCovariance()).solve(
        returns=small.returns, benchmark=small.benchmark
    )
    assert res.tables == {} and res.to_dict()["tables"] == {}
    assert res.cash == float(1.0 - res.weights.to_numpy().sum())
    assert 'id="fee_by_side"' not in render_html(res)


def test_tables_survive_pickling(solved):
    back = pickle.loads(pickle.dumps(solved))
    pd.testing.assert_frame_equal(
        back.tables["fee_by_side"], solved.tables["fee_by_side"]
    )
    assert back == solved


def test_soft_margin_keeps_its_tables_and_margin_positions():
    perp = rp.derivatives.Perp("X-PERP", "X", maintenance_margin=0.1)
    hard = rp.derivatives.MarginRequirement(perp, buffer=0.05)
    soft = rp.constraints.Soft(hard, penalty=1.0)
    snap = MarketSnapshot(
        assets=pd.Index(["X", "Y", "X-PERP"]),
        benchmark=np.array([0.5, 0.5, 0.0]),
        holdings=np.zeros(3),
        investable=np.ones(3, dtype=bool),
        adv=None,
        nav=1e6,
    )
    w = np.array([0.2, 0.5, -0.3])
    tables = soft.report_tables(w, w, snap)
    margin = tables["margin"]["value"]
    # by hand: collateral 1 - 0.7, margin 0.1 x 0.3, free the difference
    assert margin["collateral"] == pytest.approx(0.3)
    assert margin["margin_used"] == pytest.approx(0.03)
    assert margin["margin_free"] == pytest.approx(0.27)
    assert margin["gross_leverage"] == pytest.approx(1.0)
    assert margin["buffer"] == 0.05
    split = tables["spot_perp_split"]
    assert split.loc["X", "spot"] == 0.2 and split.loc["X", "perp"] == -0.3
    assert split.loc["X", "exposure"] == pytest.approx(-0.1)
    assert list(soft.margin_positions(snap)) == [False, False, True]
    assert "maintenance margin X-PERP" in tables["margin_assumptions"].index
