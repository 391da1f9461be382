"""Venues in YAML: parsed into venue objects; errors name the field path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import replicator as rp
from replicator.config import build_term
from replicator.config._venues import parse_venues
from replicator.exceptions import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "crypto_venues.yaml"


def venue_spec():
    return yaml.safe_load(CONFIG.read_text())["costs"][0]


def test_example_config_builds_the_venue_term():
    term = build_term("costs", venue_spec(), "costs[0]")
    assert isinstance(term, rp.venues.VenueCost)
    names = [(type(v).__name__, v.name) for v in term.venues]
    assert names[:2] == [("CEXVenue", "coinbase"), ("CEXVenue", "kraken")]
    pools = {v.asset: v for v in term.venues if isinstance(v, rp.venues.DEXPool)}
    assert set(pools) == {"ETH", "BTC", "LINK"}
    assert pools["ETH"].fee == 0.0005 and pools["LINK"].fee == 0.003
    assert pools["ETH"].gas == 50 and pools["BTC"].max_impact_bps == 50
    assert len(pools["ETH"].ranges) == 1
    coinbase = term.venues[0]
    assert coinbase.fee_bps == 8  # $100M of volume reaches the $75M tier


def test_yaml11_numbers_and_defaults():
    venues = parse_venues(
        [
            {
                "type": "cex",
                "name": "x",
                "fee_tiers": [
                    {"name": "t", "min_volume": "0", "maker_bps": 1, "taker_bps": 2}
                ],
                "volume_30d": "1e6",
            },
            {
                "type": "dex",
                "name": "u",
                "fee": 0.003,
                "pools": {"ETH": {"reserves": "2e7"}},
            },
        ],
        "costs[0].venues",
    )
    assert venues[0].volume_30d == 1e6 and venues[1].reserves == 2e7


@pytest.mark.parametrize(
    ("venues", "message"),
    [
        (
            [{"type": "dex", "name": "u", "pools": {"ETH": {"reserves": 0}}}],
            r"costs\[0\]\.venues\[0\]\.pools\.ETH: DEXPool 'u' \(ETH\): 'reserves'",
        ),
        (
            [{"type": "dex", "name": "u", "pools": {"ETH": {"reserve": 1e6}}}],
            r"costs\[0\]\.venues\[0\]\.pools\.ETH\.reserve: unknown key",
        ),
        (
            [{"type": "cex", "name": "k", "volume_30d": 10,
              "fee_tiers": [{"name": "vip", "min_volume": 1e6, "maker_bps": 0,
                             "taker_bps": 2}]}],
            r"costs\[0\]\.venues\[0\]: CEXVenue 'k': no fee tier is reached",
        ),
        ([{"type": "amm", "name": "u"}], r"venues\[0\]\.type: must be 'cex' or 'dex'"),
        ([{"type": "cex", "name": "k"}], r"venues\[0\]\.fee_tiers: required"),
        ([], r"costs\[0\]\.venues: must be a non-empty list"),
    ],
)  # fmt: skip
def test_errors_name_the_field(venues, message):
    with pytest.raises(ConfigError, match=message):
        build_term("costs", {"type": "VenueCost", "venues": venues}, "costs[0]")


def test_cli_names_the_field_of_a_pool_outside_the_universe(tmp_path):
    from click.testing import CliRunner

    from replicator.cli import cli

    config = yaml.safe_load(CONFIG.read_text())
    pools = config["costs"][0]["venues"][2]["pools"]
    pools["XMR"] = {"reserves": 1e6}  # not in the top-10 universe
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    res = CliRunner().invoke(cli, ["run", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "costs[0]: VenueCost(3 venues): venue 'uniswap' names assets outside" in text
    assert "'XMR'" in text
