"""Every shipped example config runs end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replicator.cli import cli

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))


def test_there_are_example_configs():
    assert {p.name for p in CONFIGS} >= {
        "sp500.yaml",
        "sp500_returns_only.yaml",
        "crypto_top10_capped.yaml",
    }


@pytest.mark.parametrize("config", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_example_config_runs(config, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["validate", str(config)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["run", str(config), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    for name in ("weights.csv", "trades.csv", "summary.json", "report.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert 0 <= summary["tracking_error"] < 0.05
    assert summary["manifest"]["dataset"] or summary["manifest"]["inputs"]
    assert summary["warnings"] == []
