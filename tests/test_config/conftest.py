"""Synthetic input files for config tests (written from the ``medium`` universe)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


def write_files(folder: Path, u) -> Path:
    """Write returns, weights, holdings, ADV, sectors, fees and index returns."""
    folder.mkdir(parents=True, exist_ok=True)
    r = u.returns.copy()
    r.index.name = "date"
    r.to_csv(folder / "returns.csv")
    u.benchmark.rename("weight").rename_axis("ticker").to_csv(folder / "weights.csv")
    u.holdings.rename("weight").rename_axis("ticker").to_csv(folder / "holdings.csv")
    u.adv.rename("adv").rename_axis("ticker").to_csv(folder / "adv.csv")
    u.sectors.rename("sector").rename_axis("ticker").to_csv(folder / "sectors.csv")
    (u.adv * 0 + 5).rename("fee_bps").rename_axis("ticker").to_csv(folder / "fees.csv")
    u.index_returns.rename_axis("date").to_csv(folder / "index.csv")
    return folder


BASE = {
    "name": "synthetic",
    "data": {
        "returns": "returns.csv",
        "benchmark_weights": "weights.csv",
        "adv": "adv.csv",
        "sectors": "sectors.csv",
        "fees": "fees.csv",
    },
    "portfolio": {"holdings": "holdings.csv", "nav": 1e9},
    "risk": {"type": "StatisticalFactor", "n_factors": 3},
    "costs": [{"type": "ProportionalFee", "bps": "@fees"}],
    "constraints": [
        {"type": "FullyInvested"},
        {"type": "LongOnly"},
        {"type": "TurnoverLimit", "limit": 0.05},
        {"type": "LiquidityLimit", "participation": 0.1},
    ],
}


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory, medium) -> Path:
    return write_files(tmp_path_factory.mktemp("synth"), medium)


@pytest.fixture
def write_config(synth_dir):
    """Write a config (a dict) next to the synthetic data; return its path."""
    counter = iter(range(10_000))

    def write(cfg: dict, name: str | None = None) -> Path:
        path = synth_dir / (name or f"cfg{next(counter)}_{id(cfg)}.yaml")
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))
        return path

    return write
