"""The crypto index configs: replicator index / run / backtest, and every config."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from replicator.cli import cli

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CRYPTO = ["crypto_cci30_like", "crypto_capped25"]


def _cli(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("name", CRYPTO)
def test_index_command_writes_history_changes_level_and_plot(name, tmp_path):
    res = _cli("index", CONFIGS / f"{name}.yaml", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    weights = pd.read_csv(tmp_path / "weights.csv", index_col=0, parse_dates=True)
    assert weights.index.name == "effective_date"
    assert ((weights.sum(axis=1) - 1).abs() < 1e-12).all()
    assert not {"USDT", "USDC", "BUSD", "DAI"} & set(weights.columns)
    changes = pd.read_csv(tmp_path / "changes.csv")
    assert {"enter", "leave"} <= set(changes["change"])
    level = pd.read_csv(tmp_path / "level.csv", index_col=0, parse_dates=True)
    assert level["level"].iloc[0] == 1000.0
    assert (tmp_path / "index.png").stat().st_size > 10_000
    summary = json.loads((tmp_path / "index.json").read_text())["index"]
    assert summary["last_effective_date"] <= "2021-10-17"


def test_index_command_needs_an_index_config(tmp_path):
    res = _cli("index", CONFIGS / "sp500.yaml", "--out", tmp_path)
    assert res.exit_code == 1
    assert "benchmark.kind: 'replicator index' builds an index" in res.output


@pytest.mark.slow
@pytest.mark.parametrize("name", CRYPTO)
def test_run_and_backtest_the_crypto_configs(name, tmp_path):
    res = _cli("run", CONFIGS / f"{name}.yaml", "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    res = _cli("backtest", CONFIGS / f"{name}.yaml", "--out", tmp_path / "bt")
    assert res.exit_code == 0, res.output
    assert re.search(r"Benchmark: .+ \(TE tracked \d\.\d{3} %; vs .+ \(index level\): ",
                     res.output)  # fmt: skip
    payload = json.loads((tmp_path / "bt" / "backtest.json").read_text())
    info = payload["config"]["benchmark"]
    assert info["mix"] == "buy_and_hold"
    assert info["scored_against"].endswith("(index level)")
    assert (
        0 < info["te_tracked"]["full"] < 0.02 and 0 < info["te_scored"]["full"] < 0.02
    )
    assert not any("LookAheadWarning" in w for w in payload["warnings"])
    page = (tmp_path / "bt" / "report.html").read_text()
    assert "<h2>Benchmark</h2>" in page and "TE vs scored:" in page
    assert payload["config"]["benchmark"]["name"] in page


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_config_backtests_or_says_why_in_one_line(path, tmp_path):
    res = _cli("-q", "backtest", path, "--out", tmp_path)
    if res.exit_code != 0:
        assert res.exit_code == 1
        lines = [x for x in res.output.strip().splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error ("), res.output


def test_a_dated_weights_file_is_used_by_effective_date_in_a_backtest(tmp_path):
    import numpy as np
    import yaml

    import replicator as rp

    (tmp_path / "w.csv").write_text(
        "date,BTC,ETH\n2020-10-01,0.5,0.5\n2021-06-01,0.8,0.2\n", encoding="utf-8"
    )
    config = {
        "name": "dated",
        "data": {"dataset": "crypto", "start": "2020-10-01", "end": "2021-07-31",
                 "benchmark_weights": "w.csv"},
        "benchmark": {"kind": "weights", "name": "two coins"},
        "universe": {"tickers": ["BTC", "ETH"]},
        "risk": {"type": "SampleCovariance"},
        "backtest": {"schedule": "M", "lookback": 60, "start": "2021-02-01",
                     "baselines": ["full"]},
    }  # fmt: skip
    path = tmp_path / "dated.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    res = _cli("backtest", path, "--out", tmp_path / "bt")
    assert res.exit_code == 0, res.output
    daily = pd.read_csv(tmp_path / "bt" / "backtest.csv", index_col=0, parse_dates=True)
    r = rp.datasets.load_crypto().returns.loc["2020-10-01":"2021-07-31", ["BTC", "ETH"]]
    b, hand = np.array([0.5, 0.5]), {}
    for date, row in r.iterrows():  # buy-and-hold, reset at the close of May 31
        hand[date] = float(b @ row.to_numpy())
        b = b * (1 + row.to_numpy()) / (1 + hand[date])
        if date == pd.Timestamp("2021-05-31"):
            b = np.array([0.8, 0.2])
    perf = daily["benchmark_return"].iloc[1:]
    np.testing.assert_allclose(perf, pd.Series(hand).reindex(perf.index), atol=1e-14)


@pytest.mark.slow
def test_a_backtest_tracks_the_proxy_and_is_scored_against_a_published_level(
    tmp_path,
):
    import numpy as np
    import yaml

    res = _cli("index", CONFIGS / "crypto_capped25.yaml", "--out", tmp_path / "ix")
    assert res.exit_code == 0, res.output
    level = pd.read_csv(tmp_path / "ix" / "level.csv", index_col=0)["level"]
    noise = np.random.default_rng(0).normal(0, 1e-3, len(level))
    published = (level * np.exp(np.cumsum(noise))).rename("published")
    published.to_csv(tmp_path / "published.csv", index_label="date")
    config = yaml.safe_load((CONFIGS / "crypto_capped25.yaml").read_text())
    config["benchmark"]["score_against"] = str(tmp_path / "published.csv")
    path = tmp_path / "scored.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    res = _cli("backtest", path, "--out", tmp_path / "bt")
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "bt" / "backtest.json").read_text())["config"][
        "benchmark"
    ]
    assert info["scored_against"] == "published"
    # the extra noise (1e-3 a day) shows in the scored TE only
    te_noise = 1e-3 * np.sqrt(365)
    assert info["te_scored"]["full"] == pytest.approx(
        np.hypot(info["te_tracked"]["full"], te_noise), rel=0.25
    )
    assert info["te_tracked"]["full"] < 0.01
