"""The ``derivatives:`` config section: schema errors, terms, a funding file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import replicator as rp
from replicator.config import ConfigProblems, build_model, load_config, prepare_run

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "crypto_perps_hedge.yaml"


def variant(tmp_path, **changes):
    raw = yaml.safe_load(CONFIG.read_text())
    raw["portfolio"]["holdings"] = str(CONFIG.parent / raw["portfolio"]["holdings"])
    for key, value in changes.items():
        raw["derivatives"][key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"perps": [{"underlying": "BTC", "maintenance_margin": 1.5}]},
            "derivatives.perps[0].maintenance_margin",
        ),
        ({"leverage": 0.5}, "derivatives.leverage"),
        ({"margin_buffer": -0.1}, "derivatives.margin_buffer"),
        ({"fundng": {}}, "derivatives.fundng"),
    ],
)
def test_schema_errors_name_the_field(tmp_path, change, field):
    with pytest.raises(ConfigProblems) as info:
        load_config(variant(tmp_path, **change))
    assert any(p.startswith(field) for p in info.value.problems), info.value.problems


def test_terms_are_built(tmp_path):
    model = build_model(load_config(variant(tmp_path)))
    assert isinstance(model.risk, rp.derivatives.PerpRisk)
    assert model.risk.risk.name == "StatisticalFactor(3)"
    names = [type(t).__name__ for t in model.constraints]
    assert names == [
        "MarginRequirement",
        "SpotLongOnly",
        "GrossLeverage",
        "NetPerpExposure",
        "NoTrade",
    ]
    carry = model.costs[-1]
    assert isinstance(carry, rp.derivatives.FundingCarry)
    assert carry.rate_8h == 1e-4 and carry.horizon == pytest.approx(0.0833)
    assert [p.symbol for p in carry.perps] == ["BTC-PERP", "ETH-PERP"]


def test_inputs_get_the_perp_columns(tmp_path):
    _, inputs, _ = prepare_run(variant(tmp_path))
    r = inputs.returns
    assert (r["BTC-PERP"] == r["BTC"]).all() and "ETH-PERP" in inputs.universe
    assert inputs.adv["ETH-PERP"] == inputs.adv["ETH"]  # perp_adv_multiple 1


def test_a_funding_file_relative_to_the_config(tmp_path):
    stamps = pd.date_range("2021-09-01", "2021-10-17", freq="8h")
    rates = pd.DataFrame(
        {
            "BTC-PERP": np.full(len(stamps), 2e-4),
            "ETH-PERP": np.full(len(stamps), 3e-4),
        },
        index=stamps,
    )
    rates.to_csv(tmp_path / "funding.csv")
    config, inputs, model = prepare_run(
        variant(tmp_path, funding={"file": "funding.csv"})
    )
    assert config.derivatives.funding.file == str(tmp_path / "funding.csv")
    snap = model.prepare(**inputs.solve_kwargs())
    assert model.costs[-1].annual_rates(snap) == pytest.approx([0.219, 0.3285])


def test_a_missing_funding_file_is_named(tmp_path):
    with pytest.raises(ConfigProblems, match=r"derivatives.funding.file: cannot read"):
        prepare_run(variant(tmp_path, funding={"file": "nowhere.csv"}))


def test_tie_risk_can_be_turned_off(tmp_path):
    model = build_model(load_config(variant(tmp_path, tie_risk=False)))
    assert type(model.risk).__name__ == "StatisticalFactor"
