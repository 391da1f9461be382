"""Loading a config's inputs: files, datasets, windows, universe, drift."""
# ruff: noqa: E501 (expected messages are long regexes)

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.config import (
    build_model,
    check_config,
    load_config,
    load_inputs,
    parse_config,
)
from replicator.exceptions import ConfigError, DataError

from .conftest import BASE


def base(**sections) -> dict:
    out = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def test_files_load_into_solve_arguments(write_config, medium):
    inputs = load_inputs(load_config(write_config(base())))
    kw = inputs.solve_kwargs()
    assert kw["returns"].shape == medium.returns.shape
    pd.testing.assert_series_equal(
        kw["benchmark"],
        medium.benchmark,
        check_names=False,
        check_index_type=False,
        check_index=False,
    )
    assert kw["nav"] == 1e9
    assert kw["adv"].index.equals(medium.adv.index)
    assert set(inputs.refs) == {"adv", "sectors", "fees"}
    assert inputs.refs["fees"].eq(5.0).all()
    assert kw["date"] == medium.returns.index[-1]
    assert set(inputs.files) == {
        "data.returns",
        "data.benchmark_weights",
        "data.adv",
        "data.sectors",
        "data.fees",
        "portfolio.holdings",
    }


def test_date_window_and_rebalance_date(write_config, medium):
    dates = medium.returns.index
    cfg = base(data={"start": str(dates[10].date()), "end": str(dates[99].date())})
    inputs = load_inputs(load_config(write_config(cfg)))
    assert len(inputs.returns) == 90
    assert inputs.date == dates[99]


def test_window_outside_the_data(write_config):
    cfg = base(data={"start": "1990-01-01", "end": "1990-12-31"})
    with pytest.raises(
        DataError, match=r"data\.start: returns has no dates in the window"
    ):
        load_inputs(load_config(write_config(cfg)))


def test_universe_list_and_exclude(write_config, medium):
    tickers = list(medium.returns.columns[:20])
    cfg = base(universe={"tickers": tickers, "exclude": tickers[:2]})
    inputs = load_inputs(load_config(write_config(cfg)))
    assert inputs.universe == tickers[2:]


def test_universe_unknown_tickers_are_named(write_config):
    cfg = base(universe={"exclude": ["A0001", "ZZZZ"]})
    with pytest.raises(
        DataError, match=r"universe\.exclude: 1 tickers are not in the returns: 'ZZZZ'"
    ):
        load_inputs(load_config(write_config(cfg)))


def test_universe_from_file(write_config, synth_dir):
    (synth_dir / "tickers.txt").write_text("ticker\nA0001\nA0002\n\nA0003\n")
    inputs = load_inputs(
        load_config(write_config(base(universe={"tickers": "tickers.txt"})))
    )
    assert inputs.universe == ["A0001", "A0002", "A0003"]


def test_drifted_holdings(write_config, medium):
    cfg = base(portfolio={"holdings": "benchmark", "drift_periods": 21, "nav": 1e9})
    inputs = load_inputs(load_config(write_config(cfg)))
    growth = (1 + medium.returns.tail(21)).prod()
    expected = medium.benchmark * growth / (medium.benchmark * growth).sum()
    np.testing.assert_allclose(
        inputs.holdings.to_numpy(), expected.reindex(inputs.holdings.index).to_numpy()
    )
    assert inputs.holdings.sum() == pytest.approx(1.0)


def test_returns_mode_from_files(write_config):
    cfg = base(
        data={"benchmark_returns": "index.csv"},
        benchmark={"kind": "returns"},
        portfolio={"holdings": "cash"},
        constraints=[{"type": "FullyInvested"}, {"type": "LongOnly"}],
    )
    inputs = load_inputs(load_config(write_config(cfg)))
    assert isinstance(inputs.benchmark.index, pd.DatetimeIndex)
    res = build_model(load_config(write_config(cfg)), inputs.refs).solve(
        **inputs.solve_kwargs()
    )
    assert res.returns_only


def test_every_data_problem_is_collected(write_config):
    cfg = base(
        data={"returns": "missing.csv", "adv": "nope.csv", "sectors": "gone.csv"},
        portfolio={"holdings": "absent.csv"},
    )
    problems, _ = check_config(write_config(cfg))
    fields = [p.split(":")[0] for p in problems]
    assert fields == ["data.returns", "portfolio.holdings", "data.adv", "data.sectors"]
    assert all("not found" in p for p in problems)


def test_check_config_finds_terms_and_data_problems_together(write_config):
    cfg = base(
        data={"adv": "nope.csv"}, constraints=[{"type": "TurnoverLimt", "limit": 0.1}]
    )
    problems, _ = check_config(write_config(cfg))
    assert any(p.startswith("data.adv: File") for p in problems)
    assert any(
        p.startswith("constraints[0].type: unknown constraint 'TurnoverLimt'")
        for p in problems
    )


def test_check_config_compiles_the_problem(write_config):
    cfg = base(data={"adv": None})
    del cfg["data"]["adv"]
    problems, _ = check_config(write_config(cfg))
    assert len(problems) == 1
    assert (
        problems[0].startswith("constraints[3]: ") and "LiquidityLimit" in problems[0]
    )


def test_check_config_ok(write_config):
    problems, config = check_config(write_config(base()))
    assert problems == []
    assert config.name == "synthetic"


def test_unknown_solver_is_a_config_error(write_config):
    with pytest.raises(
        ConfigError,
        match=r"solver\.name: unknown or uninstalled solver 'osqpp' \(did you mean 'OSQP'\?\)",
    ):
        build_model(load_config(write_config(base(solver={"name": "osqpp"}))))


def test_model_matches_the_config(write_config):
    config = load_config(write_config(base(solver={"risk_aversion": 7, "horizon": 2})))
    model = build_model(config, load_inputs(config).refs)
    assert isinstance(model, rp.Replicator)
    assert (model.risk_aversion, model.horizon) == (7, 2)
    assert [type(k).__name__ for k in model.constraints] == [
        "FullyInvested",
        "LongOnly",
        "TurnoverLimit",
        "LiquidityLimit",
    ]


# ------------------------------------------------------------- bundled data
def test_unknown_dataset_suggests_the_closest():
    config = parse_config({"data": {"dataset": "sp5000"}})
    with pytest.raises(
        DataError,
        match=r"data\.dataset: unknown dataset 'sp5000' \(did you mean 'sp500'\?\); available: sp500, crypto, crypto_universe, dow30",
    ):
        load_inputs(config)


def test_sp500_dataset_weights_and_returns_modes():
    config = parse_config({"data": {"dataset": "sp500", "end": "2010-12-31"}})
    inputs = load_inputs(config)
    assert inputs.benchmark.sum() == pytest.approx(1.0)
    assert inputs.returns.index[-1] <= pd.Timestamp("2010-12-31")
    assert inputs.groups is not None and inputs.adv is not None
    config = parse_config(
        {"data": {"dataset": "sp500"}, "benchmark": {"kind": "returns"}}
    )
    inputs = load_inputs(config)
    assert inputs.benchmark.index.equals(inputs.returns.index)


def test_crypto_cap_weighted_benchmark():
    config = parse_config(
        {
            "data": {"dataset": "crypto", "end": "2021-06-30"},
            "benchmark": {
                "kind": "cap_weighted",
                "top": 5,
                "cap": 0.3,
                "exclude": "stablecoins",
            },
            "universe": {"tickers": "benchmark"},
        }
    )
    inputs = load_inputs(config)
    assert len(inputs.benchmark) == 5
    assert inputs.benchmark.max() <= 0.3 + 1e-12
    assert not {"USDT", "USDC"} & set(inputs.benchmark.index)
    assert list(inputs.returns.columns) == list(inputs.benchmark.index)
    assert inputs.periods_per_year == 365


def test_cap_weighted_needs_market_caps(write_config):
    cfg = base(benchmark={"kind": "cap_weighted", "top": 3})
    with pytest.raises(
        DataError,
        match=r"benchmark\.kind: 'cap_weighted' needs a dataset with market caps",
    ):
        load_inputs(load_config(write_config(cfg)))
