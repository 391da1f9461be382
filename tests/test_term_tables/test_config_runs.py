"""The venue and perp tables of a config run: result, summary.json, HTML report.

Each number is checked against the public helpers of the term's package
(``rp.venues.*``, ``rp.derivatives.*``) and against the result's own costs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import replicator as rp
from replicator.config import run_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture(scope="module")
def venues_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("venues")
    return run_config(CONFIGS / "crypto_venues.yaml", out=out)


@pytest.fixture(scope="module")
def perps_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("perps")
    raw = yaml.safe_load((CONFIGS / "crypto_perps_hedge.yaml").read_text())
    raw["portfolio"]["holdings"] = str(CONFIGS / raw["portfolio"]["holdings"])
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return run_config(path, out=tmp / "out")


def _venue_term(outcome):
    model = rp.config.build_model(outcome.config, outcome.inputs.refs)
    (term,) = [c for c in model.costs if isinstance(c, rp.venues.VenueCost)]
    snapshot = model.prepare(**outcome.inputs.solve_kwargs())
    return term, snapshot


def test_venue_fields_equal_the_helpers(venues_run):
    res = venues_run.result
    term, snap = _venue_term(venues_run)
    split = res.venue_trades
    assert list(split.columns) == ["coinbase", "kraken", "uniswap"]
    pd.testing.assert_frame_equal(split, rp.venues.venue_trades(res, term, snap))
    # every asset's venue trades add up to its trade
    np.testing.assert_allclose(split.sum(axis=1), res.trades[split.index], atol=1e-12)
    assert (split.abs().sum() > 1e-4).all()  # every venue is used
    by_venue = res.tables["cost_by_venue"]["cost"]
    by_type = res.tables["cost_by_type"]["cost"]
    pd.testing.assert_series_equal(
        by_venue, rp.venues.cost_by_venue(res, term, snap), check_names=False
    )
    pd.testing.assert_series_equal(
        by_type, rp.venues.cost_by_type(res, term, snap), check_names=False
    )
    total = res.costs[term.name]
    assert by_venue.sum() == pytest.approx(total, rel=1e-10)
    assert by_type.sum() == pytest.approx(total, rel=1e-10)


def test_venue_tables_in_summary_json(venues_run):
    summary = json.loads((venues_run.out_dir / "summary.json").read_text())
    tables = summary["tables"]
    res = venues_run.result
    assert set(tables) >= {"venue_trades", "cost_by_venue", "cost_by_type"}
    assert tables["venue_trades"]["ETH"]["uniswap"] == pytest.approx(
        res.venue_trades.loc["ETH", "uniswap"], rel=1e-12
    )
    assert tables["cost_by_type"]["gas"]["cost"] == pytest.approx(
        res.tables["cost_by_type"].loc["gas", "cost"], rel=1e-12
    )


def test_venue_sections_in_the_html_report(venues_run):
    page = (venues_run.out_dir / "report.html").read_text()
    for section in ("venue_trades", "cost_by_venue", "cost_by_type"):
        assert f'<h2 id="{section}">' in page
    assert '<img alt="Trades by venue"' in page
    assert "<th>uniswap</th>" in page


def _perps(outcome):
    model = rp.config.build_model(outcome.config, outcome.inputs.refs)
    (carry,) = [c for c in model.costs if isinstance(c, rp.derivatives.FundingCarry)]
    return carry, rp.derivatives._perp.as_perps(carry.perps)


def test_perp_fields_equal_the_helpers(perps_run):
    res = perps_run.result
    carry, perps = _perps(perps_run)
    w = res.weights
    summary = rp.derivatives.perp_summary(w, perps)
    margin = res.tables["margin"]["value"]
    for key, value in summary.items():
        assert margin[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
    assert margin["margin_free"] > 0 and margin["margin_used"] > 0
    pd.testing.assert_frame_equal(
        res.tables["spot_perp_split"], rp.derivatives.spot_perp_split(w, perps)
    )
    funding = res.tables["funding_carry"]
    assert funding["carry_horizon"].sum() == pytest.approx(
        res.costs[carry.name], rel=1e-12
    )
    # independent: H x 3 x 365 x rate_8h x weight
    expected = carry.horizon * 3 * 365 * carry.rate_8h * w[list(funding.index)]
    np.testing.assert_allclose(funding["carry_horizon"], expected, rtol=1e-12)


def test_cash_does_not_count_perp_notional(perps_run):
    res = perps_run.result
    w = res.weights
    perp = w[[t for t in w.index if t.endswith("-PERP")]]
    assert perp.abs().sum() > 0.4  # the hedge holds ~50 % of NAV in perps
    assert res.cash == pytest.approx(1.0 - w.drop(perp.index).sum(), abs=1e-12)
    assert res.cash == pytest.approx(res.tables["margin"].loc["collateral", "value"])
    assert res.cash - (1.0 - w.sum()) == pytest.approx(perp.sum(), abs=1e-12)


def test_perp_tables_in_summary_json_and_report(perps_run):
    summary = json.loads((perps_run.out_dir / "summary.json").read_text())
    res = perps_run.result
    assert summary["cash"] == pytest.approx(res.cash)
    tables = summary["tables"]
    assert tables["margin"]["margin_used"]["value"] == pytest.approx(
        res.tables["margin"].loc["margin_used", "value"], rel=1e-12
    )
    assert tables["spot_perp_split"]["BTC"]["perp"] > 0.1
    assert tables["funding_carry"]["ETH-PERP"]["underlying"] == "ETH"
    page = (perps_run.out_dir / "report.html").read_text()
    for section in (
        "funding_carry",
        "funding_assumptions",
        "margin",
        "spot_perp_split",
        "margin_assumptions",
    ):
        assert f'<h2 id="{section}">' in page
    # every assumption is labelled with its source
    assert "0.01 % per 8 h settlement" in page and "crypto-markets.md §3" in page
    assert "maintenance margin BTC-PERP" in page
