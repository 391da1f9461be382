"""The bad-input table: every input a new user gets wrong, and the error it gets.

Each row is one bad input (to a loader, to ``Replicator.solve`` or in a config
file) with the exception type, a pattern naming the culprit (file, column,
ticker, date or config field) and a pattern for what the message tells the
user to do. Config rows also run through ``replicator run``: exit code 1, a
one-paragraph ``Error (...)`` and no traceback. ``docs/bad-inputs.md`` lists
every row (checked below).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import replicator as rp
import replicator.data as rd
from replicator.cli import cli
from replicator.config import load_config, run_config
from replicator.config._backtest_args import backtest_kwargs
from replicator.exceptions import (
    ConfigError,
    DataError,
    MisalignedIndexError,
    MissingAssetsError,
    NaNError,
)

TICKERS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
DATES = pd.bdate_range("2021-01-04", periods=60, name="date")
DOC = Path(__file__).resolve().parents[1] / "docs" / "bad-inputs.md"


def _returns() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    common = rng.normal(0, 0.01, (len(DATES), 1))
    values = common + rng.normal(0, 0.005, (len(DATES), len(TICKERS)))
    return pd.DataFrame(values, index=DATES, columns=TICKERS)


RETURNS = _returns()
WEIGHTS = pd.Series([0.3, 0.25, 0.2, 0.15, 0.1], index=TICKERS, name="weight")
INDEX = (RETURNS * WEIGHTS).sum(axis=1).rename("index")


# --- files -----------------------------------------------------------------------


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    RETURNS.to_csv(folder / "returns.csv")
    WEIGHTS.rename_axis("ticker").to_csv(folder / "weights.csv")
    (WEIGHTS * 0 + 0.2).rename_axis("ticker").to_csv(folder / "holdings.csv")
    INDEX.to_csv(folder / "index.csv")
    return folder


def _text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _returns_text(values: pd.DataFrame) -> str:
    return values.to_csv()


BASE = {
    "name": "bad inputs",
    "data": {"returns": "returns.csv", "benchmark_weights": "weights.csv"},
    "risk": {"type": "StatisticalFactor", "n_factors": 2},
    "constraints": [{"type": "FullyInvested"}, {"type": "LongOnly"}],
}


def _config(folder: Path, **sections) -> Path:
    cfg = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


# --- the table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad input: ``make(folder)`` returns a call (API/loader) or a config."""

    id: str
    layer: str  # "loader", "api" or "config"
    make: Callable[[Path], object]
    error: type[Exception]
    culprit: str  # regex: the file, column, ticker, date or field named
    advice: str  # regex: what the message tells the user to do
    out: str | None = None  # config rows: --out in the folder ("": output.dir)


def _load(name: str, text: str, **kwargs) -> Callable[[Path], Callable]:
    def make(folder: Path) -> Callable:
        path = _text(folder, name, text)
        return lambda: rd.load_returns(path, **kwargs)

    return make


def _loader(fn: Callable, name: str, text: str, **kw) -> Callable[[Path], Callable]:
    def make(folder: Path) -> Callable:
        path = _text(folder, name, text)
        return lambda: fn(path, **kw)

    return make


MODEL = {
    "risk": rp.risk.StatisticalFactor(n_factors=2),
    "constraints": [rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
}


def _solve(**kwargs) -> Callable[[Path], Callable]:
    def make(folder: Path) -> Callable:
        args = {"returns": RETURNS, "benchmark": WEIGHTS, **kwargs}
        return lambda: rp.Replicator(**copy.deepcopy(MODEL)).solve(**args)

    return make


def _cfg(**sections) -> Callable[[Path], Path]:
    return lambda folder: _config(folder, **sections)


def _cfg_file(name: str, text: str, **sections) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        _text(folder, name, text)
        return _config(folder, **sections)

    return make


def _cfg_text(text: str) -> Callable[[Path], Path]:
    return lambda folder: _text(folder, "config.yaml", text)


def _shifted(frame: pd.DataFrame, factor: float = 1.0, add: float = 0.0) -> str:
    return _returns_text(frame * factor + add)


def _cell(value: float, row: int = 3, col: str = "BBB") -> pd.DataFrame:
    out = RETURNS.copy()
    out.iloc[row, out.columns.get_loc(col)] = value
    return out


WIDE = "date,AAA,BBB\n2021-01-04,0.01,0.02\n2021-01-05,0.00,-0.01\n"
PERCENT = _shifted(RETURNS, 100)
PRICES = _returns_text((1 + RETURNS).cumprod() * 100)
TEXT_DATES = RETURNS.set_axis(RETURNS.index.strftime("%Y-%m-%d"))
IPO = RETURNS.copy()
IPO.iloc[:20, IPO.columns.get_loc("EEE")] = np.nan

CASES = [
    # --- loaders (replicator.data) ---------------------------------------------
    Case("loader-percent-returns", "loader", _load("r.csv", PERCENT), DataError,
         r"File '.*r\.csv': the median absolute return",
         r"divide percent values by 100"),
    Case("loader-prices-as-returns", "loader", _load("r.csv", PRICES), DataError,
         r"File '.*r\.csv': the median absolute return", r"kind='prices'"),
    Case("loader-return-below-minus-1", "loader", _load("r.csv", _cell(-1.5).to_csv()),
         DataError, r"column 'BBB', line 5 \(date 2021-01-07\): return -1\.5",
         r"divide percents by 100"),
    Case("loader-return-1e300", "loader", _load("r.csv", _cell(1e300).to_csv()),
         DataError, r"column 'BBB', line 5 \(date 2021-01-07\): the return 1e\+300",
         r"Fix the cell"),
    Case("loader-infinite-return", "loader", _load("r.csv", _cell(np.inf).to_csv()),
         DataError, r"column 'BBB', line 5.*infinite", r"Replace it with a finite"),
    Case("loader-mixed-utc-offsets", "loader",
         _load("r.csv", "date,A\n2021-01-04T00:00:00-05:00,0.01\n"
                        "2021-01-05T00:00:00+00:00,0.02\n"),
         DataError, r"column 'date'.*mix time zones.*line 3", r"one time zone"),
    Case("loader-naive-and-aware-dates", "loader",
         _load("r.csv", "date,A\n2021-01-04,0.01\n2021-01-05T00:00:00-05:00,0.02\n"),
         DataError, r"column 'date': line 3 has a time zone", r"plain dates"),
    Case("loader-semicolon-csv", "loader",
         _load("r.csv", WIDE.replace(",", ";")), DataError,
         r"File '.*r\.csv' is not comma-separated.*'date;AAA;BBB'", r"with commas"),
    Case("loader-tab-separated", "loader",
         _load("r.csv", WIDE.replace(",", "\t")), DataError,
         r"File '.*r\.csv' is not comma-separated", r"with commas"),
    Case("loader-directory-as-file", "loader",
         lambda folder: lambda: rd.load_returns(folder), DataError,
         r"'.*' is a directory, not a file", r"Give the path of the asset returns"),
    Case("loader-missing-relative-file", "loader",
         lambda folder: lambda: rd.load_returns("no/such/returns.csv"), DataError,
         r"File 'no/such/returns\.csv' not found", r"current directory"),
    Case("loader-unsupported-extension", "loader", _load("r.xlsx", WIDE), DataError,
         r"File '.*r\.xlsx' has an unsupported extension", r"Save the .* as CSV"),
    Case("loader-header-only", "loader", _load("r.csv", "date,AAA\n"), DataError,
         r"File '.*r\.csv' is empty", r"need at least one row"),
    Case("loader-duplicate-columns", "loader",
         _load("r.csv", "date,AAA,AAA\n2021-01-04,0.01,0.02\n"), DataError,
         r"duplicate column names.*'AAA'", r"merge or rename"),
    Case("loader-unsorted-dates", "loader",
         _load("r.csv", "date,A\n2021-01-05,0.01\n2021-01-04,0.02\n"), DataError,
         r"column 'date': dates are not in increasing order; line 3",
         r"sort_dates=True \(data\.sort_dates: true in a config\)"),
    Case("loader-duplicate-dates", "loader",
         _load("r.csv", "date,A\n2021-01-04,0.01\n2021-01-04,0.02\n"), DataError,
         r"date 2021-01-04 appears more than once \(line 2, line 3\)",
         r"remove or merge"),
    Case("loader-row-with-extra-field", "loader",
         _load("r.csv", "date,A\n2021-01-04,0.01\n2021-01-05,1,5\n"), DataError,
         r"File '.*r\.csv' could not be read as CSV.*Expected 2 fields in line 3",
         r"valid CSV file \(comma-separated, one header line\)"),
    Case("loader-not-a-number", "loader",
         _load("r.csv", "date,A\n2021-01-04,0.01\n2021-01-05,abc\n"), DataError,
         r"column 'A': line 3 \(date 2021-01-05\) has 'abc'", r"Fix the cell"),
    Case("loader-not-a-date", "loader",
         _load("r.csv", "date,A\n2021-01-04,0.01\nyesterday,0.02\n"), DataError,
         r"column 'date': line 3 has 'yesterday'", r"ISO dates"),
    Case("loader-missing-return", "loader",
         _load("r.csv", "date,A,B\n2021-01-04,0.01,\n2021-01-05,0.02,0.01\n"),
         NaNError, r"column 'B'.*missing", r"nan_policy='drop_assets'"),
    Case("loader-bad-nan-policy", "loader", _load("r.csv", WIDE, nan_policy="drop"),
         ConfigError, r"'nan_policy' argument", r"one of 'error', 'drop_assets'"),
    Case("loader-weights-sum-0.9", "loader",
         _loader(rd.load_benchmark_weights, "w.csv", "ticker,weight\nA,0.5\nB,0.4\n"),
         DataError, r"File '.*w\.csv'.*sum to 0\.9",
         r"normalize=True \(benchmark\.normalize: true in a config\)"),
    Case("loader-negative-weight", "loader",
         _loader(rd.load_benchmark_weights, "w.csv", "ticker,weight\nA,1.1\nB,-0.1\n"),
         DataError, r"File '.*w\.csv'.*-0\.1",
         r"allow_negative=True \(benchmark\.allow_negative: true in a config\)"),
    Case("loader-benchmark-needs-column", "loader",
         _loader(rd.load_benchmark_returns, "i.csv", WIDE), DataError,
         r"File '.*i\.csv' has 2 value columns \('AAA', 'BBB'\)", r"column='<name>'"),
    Case("loader-nonpositive-price", "loader",
         _load("p.csv", "date,A\n2021-01-04,10\n2021-01-05,0\n", kind="prices"),
         DataError, r"column 'A', line 3.*price 0 is not positive",
         r"Prices must be > 0"),
    # --- the API (Replicator.solve) ----------------------------------------------
    Case("api-percent-returns", "api", _solve(returns=RETURNS * 100), DataError,
         r"returns: the median absolute return", r"divide percent values by 100"),
    Case("api-prices-as-returns", "api", _solve(returns=(1 + RETURNS).cumprod() * 50),
         DataError, r"returns: the median absolute return", r"pct_change\(\)"),
    Case("api-return-below-minus-1", "api", _solve(returns=_cell(-1.2)), DataError,
         r"returns: the return of 'BBB' on 2021-01-07.* is -1\.2", r"divide percent"),
    Case("api-return-1e300", "api", _solve(returns=_cell(1e300)), DataError,
         r"returns: the return of 'BBB' on 2021-01-07.*1e\+300", r"Fix or remove"),
    Case("api-benchmark-returns-percent", "api", _solve(benchmark=INDEX * 100),
         DataError, r"benchmark returns:.*(percents|median absolute)",
         r"divide percent values by 100"),
    Case("api-benchmark-return-below-minus-1", "api",
         _solve(benchmark=INDEX.where(INDEX.index != DATES[5], -2.0)), DataError,
         r"benchmark returns: the return on 2021-01-11.* is -2", r"Fix or remove"),
    Case("api-nan-return", "api", _solve(returns=_cell(np.nan)), NaNError,
         r"returns has 1 NaN or infinite values.*'BBB'", r"nan_policy='drop_assets'"),
    Case("api-unsorted-dates", "api", _solve(returns=RETURNS.iloc[::-1]), DataError,
         r"returns dates are not sorted", r"\.sort_index\(\)"),
    Case("api-duplicate-tickers", "api",
         _solve(returns=RETURNS.set_axis(["AAA", "AAA", "CCC", "DDD", "EEE"], axis=1)),
         DataError, r"returns has duplicate tickers: 'AAA'", r"aggregate or drop"),
    Case("api-weights-sum-1.1", "api", _solve(benchmark=WEIGHTS * 1.1), DataError,
         r"benchmark weights must sum to 1.*1\.1", r"Normalize them"),
    Case("api-holdings-dict", "api", _solve(holdings={"AAA": 1.0}),
         DataError, r"holdings must be a pandas Series; got dict",
         r"Wrap it as pd\.Series\(values, index=tickers\)"),
    Case("api-holdings-unknown-ticker", "api",
         _solve(holdings=pd.Series({"ZZZ": 0.5})), DataError,
         r"holdings has 1 tickers.*'ZZZ'", r"Add their returns"),
    Case("api-empty-universe", "api", _solve(universe=[]), DataError,
         r"universe: the universe is empty", r"universe=None"),
    Case("api-universe-unknown-ticker", "api", _solve(universe=["AAA", "XYZ"]),
         MissingAssetsError,
         r"universe has 1 tickers that are not in the returns: 'XYZ'",
         r"Add their data or remove them"),
    Case("api-text-dates-vs-datetime", "api",
         _solve(returns=TEXT_DATES, benchmark=INDEX), MisalignedIndexError,
         r"returns is indexed by '2021-01-04'", r"pd\.to_datetime"),
    Case("api-benchmark-text-dates", "api",
         _solve(benchmark=INDEX.set_axis(INDEX.index.strftime("%Y-%m-%d"))),
         MisalignedIndexError, r"benchmark is indexed by '2021-01-04'",
         r"pd\.to_datetime\(benchmark\.index\)"),
    Case("api-misaligned-benchmark-dates", "api", _solve(benchmark=INDEX.iloc[1:]),
         MisalignedIndexError, r"returns and benchmark have different dates: 1 only",
         r"Align them"),
    Case("api-negative-nav", "api", _solve(nav=-5.0), DataError,
         r"nav must be a positive number; got -5", r"Pass the portfolio's value"),
    Case("api-groups-missing-label", "api",
         _solve(groups=pd.Series({"AAA": "Tech"})), DataError,
         r"groups has no label for 4 assets", r"'Other'"),
    Case("api-negative-adv", "api", _solve(adv=pd.Series(-1.0, index=TICKERS)),
         DataError, r"adv must be non-negative.*'AAA'", r"sign convention"),
    Case("api-benchmark-ticker-without-returns", "api",
         _solve(benchmark=pd.Series({"AAA": 0.5, "QQQ": 0.5})), MissingAssetsError,
         r"benchmark weights has 1 tickers that are not in the returns: 'QQQ'",
         r"Add their data"),
    # --- config files (replicator run) ---------------------------------------------
    Case("config-duplicate-key", "config",
         _cfg_text("data:\n  returns: returns.csv\n  benchmark_weights: weights.csv\n"
                   "solver:\n  risk_aversion: 10\n  risk_aversion: 20\n"),
         ConfigError, r"key 'risk_aversion' appears twice.*line 5 and at line 6",
         r"Delete one of them"),
    Case("config-unknown-key", "config", _cfg(solver={"risk_aversoin": 5}),
         ConfigError, r"solver\.risk_aversoin: unknown key",
         r"did you mean 'risk_aversion'"),
    Case("config-invalid-yaml", "config", _cfg_text("data:\n  returns: [a\n"),
         ConfigError, r"is not valid YAML at line", r"indentation and quoting"),
    Case("config-empty-file", "config", _cfg_text(""), ConfigError,
         r"Config file '.*config\.yaml' is empty", r"Start from one of the examples"),
    Case("config-start-after-end", "config",
         _cfg(data={"start": "2021-03-01", "end": "2021-02-01"}), ConfigError,
         r"data: 'start' \(2021-03-01\) is after 'end'", r"swap them"),
    Case("config-negative-risk-aversion", "config", _cfg(solver={"risk_aversion": -1}),
         ConfigError, r"solver\.risk_aversion: must be a positive finite number, "
         r"got -1\.0$", r"positive finite number"),
    Case("config-unknown-solver", "config", _cfg(solver={"name": "gurobee"}),
         ConfigError, r"solver\.name: unknown or uninstalled solver 'gurobee'",
         r"use 'auto'"),
    Case("config-unknown-term", "config",
         _cfg(constraints=[{"type": "FullyInvestd"}]), ConfigError,
         r"constraints\[0\]", r"did you mean 'FullyInvested'"),
    Case("config-missing-data-file", "config",
         _cfg(data={"returns": "data/missing.csv"}), DataError,
         r"data\.returns: File '.*data/missing\.csv' not found",
         r"from the config file's folder"),
    Case("config-directory-as-returns", "config",
         _cfg(data={"returns": "."}),
         DataError, r"data\.returns: '.*' is a directory", r"Give the path"),
    Case("config-percent-returns-file", "config",
         _cfg_file("pct.csv", PERCENT, data={"returns": "pct.csv"}), DataError,
         r"data\.returns: File '.*pct\.csv': the median absolute return",
         r"divide percent values by 100"),
    Case("config-return-1e300", "config",
         _cfg_file("huge.csv", _cell(1e300).to_csv(), data={"returns": "huge.csv"}),
         DataError, r"data\.returns: File '.*huge\.csv', column 'BBB'.*1e\+300",
         r"Fix the cell"),
    Case("config-semicolon-returns", "config",
         _cfg_file("semi.csv", RETURNS.to_csv(sep=";"), data={"returns": "semi.csv"}),
         DataError, r"data\.returns: File '.*semi\.csv' is not comma-separated",
         r"with commas"),
    Case("config-benchmark-percent-returns", "config",
         _cfg_file("idx.csv", (INDEX * 100).to_csv(),
                   data={"benchmark_weights": None, "benchmark_returns": "idx.csv"}),
         DataError, r"idx\.csv", r"divide percent values by 100"),
    Case("config-weights-sum-0.9", "config",
         _cfg_file("w9.csv", (WEIGHTS * 0.9).rename_axis("ticker").to_csv(),
                   data={"benchmark_weights": "w9.csv"}),
         DataError, r"data\.benchmark_weights: File '.*w9\.csv'.*sum to 0\.9",
         r"benchmark\.normalize: true"),
    Case("config-unsorted-returns", "config",
         _cfg_file("rev.csv", RETURNS.iloc[::-1].to_csv(), data={"returns": "rev.csv"}),
         DataError, r"data\.returns: File '.*rev\.csv', column 'date'",
         r"data\.sort_dates: true"),
    Case("config-universe-excludes-all", "config",
         _cfg(universe={"exclude": TICKERS}), DataError,
         r"universe\.exclude: the universe is empty", r"Remove tickers from"),
    Case("config-drift-beyond-window", "config",
         _cfg(portfolio={"holdings": "holdings.csv", "drift_periods": 500}), DataError,
         r"portfolio\.drift_periods: 500 periods is beyond the returns window, "
         r"which has 60 dates", r"Lower drift_periods to at most 60"),
    Case("config-n-factors-above-assets", "config",
         _cfg(risk={"type": "StatisticalFactor", "n_factors": 8}), DataError,
         r"risk\.n_factors: 8 factors for 5 assets", r"at most 5"),
    Case("config-drop-assets-drops-ipo", "config",
         _cfg_file("ipo.csv", IPO.to_csv(),
                   data={"returns": "ipo.csv", "nan_policy": "drop_assets"}),
         DataError,
         r"data\.nan_policy: drop_assets dropped 1 benchmark constituents.*'EEE'",
         r"nan_policy: fill_zero"),
    Case("config-out-over-input", "config",
         _cfg(portfolio={"holdings": "weights.csv"}), ConfigError,
         r"writing weights\.csv to .* would overwrite the input file .*weights\.csv",
         r"Choose another output directory", out="."),
    Case("config-out-is-a-file", "config", _cfg(output={"dir": "returns.csv"}),
         ConfigError, r"output\.dir: '.*returns\.csv' exists and is not a directory",
         r"Choose another path with --out", out=""),
    Case("config-backtest-unknown-key", "config",
         _cfg(backtest={"lookbak": 20}), ConfigError,
         r"backtest\.lookbak: unknown key", r"did you mean 'lookback'"),
    Case("config-backtest-progress-not-bool", "config",
         _cfg(backtest={"progress": 3}), ConfigError,
         r"backtest\.progress: must be true or false; got 3", r"true or false"),
    Case("config-backtest-sets-returns", "config",
         _cfg(backtest={"returns": "x.csv"}), ConfigError,
         r"backtest\.returns: is set from the other sections", r"remove it here"),
]  # fmt: skip

IDS = [c.id for c in CASES]
BACKTEST_ONLY = {"config-backtest-unknown-key", "config-backtest-progress-not-bool",
                 "config-backtest-sets-returns"}  # fmt: skip


def test_the_table_is_large_and_distinct():
    assert len(set(IDS)) == len(IDS) >= 50
    assert {c.layer for c in CASES} == {"loader", "api", "config"}


def _check_message(case: Case, text: str) -> None:
    flat = " ".join(text.split())
    assert re.search(case.culprit, flat), f"culprit {case.culprit!r} not in: {flat}"
    assert re.search(case.advice, flat), f"advice {case.advice!r} not in: {flat}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.layer != "config"], ids=lambda c: c.id
)
def test_bad_input_api_and_loaders(case, tmp_path):
    call = case.make(_write(tmp_path))
    with pytest.raises(case.error) as info:
        call()
    _check_message(case, str(info.value))


def _cli(command: str, config: Path, out: Path | None) -> object:
    more = [] if out is None else ["--out", str(out)]
    return CliRunner().invoke(cli, [command, str(config), *more])


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.layer == "config"], ids=lambda c: c.id
)
def test_bad_input_config_and_cli(case, tmp_path):
    folder = _write(tmp_path / "in")
    config = case.make(folder)
    out = tmp_path / "out" if case.out is None else folder / case.out
    out = None if case.out == "" else out
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with pytest.raises(case.error) as info:
        if case.id in BACKTEST_ONLY:
            backtest_kwargs(dict(load_config(config).backtest))
        else:
            run_config(config, out)
    _check_message(case, str(info.value))
    command = "backtest" if case.id in BACKTEST_ONLY else "run"
    res = _cli(command, config, out)
    assert res.exit_code == 1, res.output
    assert isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    assert res.output.startswith("Error (") and res.output.count("\n") == 1
    _check_message(case, res.output)
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before  # no input file was written over
    if case.out is None:
        assert not out.exists()  # nothing written


def test_docs_list_every_row():
    text = DOC.read_text(encoding="utf-8")
    missing = [i for i in IDS if f"`{i}`" not in text]
    assert not missing, f"docs/bad-inputs.md lacks {missing}"


# --- inputs that are handled correctly (no error) -------------------------------


def test_quantities_holdings_without_nav(tmp_path):
    folder = _write(tmp_path)
    _text(folder, "q.csv", "ticker,quantity,price\nAAA,10,50\nBBB,5,100\n")
    config = _config(folder, portfolio={"holdings": "q.csv"})
    outcome = run_config(config, tmp_path / "out")
    assert outcome.inputs.nav == pytest.approx(1000.0)
    assert outcome.inputs.holdings.to_dict() == pytest.approx({"AAA": 0.5, "BBB": 0.5})


def test_integer_tickers_come_back_as_integers():
    returns = RETURNS.set_axis([1011, 1012, 1013, 1014, 1015], axis=1)
    bench = WEIGHTS.set_axis(returns.columns)
    model = rp.Replicator(**copy.deepcopy(MODEL))
    result = model.solve(returns=returns, benchmark=bench)
    assert result.weights[1011] == pytest.approx(0.3, abs=1e-6)
    assert list(result.trades.index) == [1011, 1012, 1013, 1014, 1015]
    again = model.solve(returns=returns, benchmark=bench, holdings=result.weights)
    assert again.weights.index.equals(result.weights.index)


def test_backtest_progress_is_a_config_option():
    assert backtest_kwargs({"progress": True}) == {"progress": True}


def test_out_dot_beside_inputs_keeps_them(tmp_path):
    folder = _write(tmp_path)
    (folder / "weights.csv").rename(folder / "bench.csv")
    config = _config(folder, data={"benchmark_weights": "bench.csv"})
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    res = _cli("run", config, folder)
    assert res.exit_code == 0, res.output
    names = {p.name for p in folder.iterdir()}
    assert names == set(before) | {"weights.csv", "trades.csv", "summary.json",
                                   "report.html"}  # fmt: skip
    assert {n: (folder / n).read_bytes() for n in before} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("section", "flag", "expected"),
    [({"progress": True}, [], True), ({}, ["--progress"], True),
     ({"progress": True}, ["--no-progress"], False)],
)  # fmt: skip
def test_backtest_progress_reaches_the_engine(tmp_path, monkeypatch, section, flag,
                                              expected):  # fmt: skip
    import types

    import replicator.config._backtest as bt

    seen = {}

    def run(*args, **kwargs):
        seen.update(kwargs)
        raise DataError("stop here")

    monkeypatch.setattr(bt, "backtest_engine", lambda: types.SimpleNamespace(run=run))
    config = _config(_write(tmp_path), backtest=section)
    res = CliRunner().invoke(cli, ["backtest", str(config), *flag])
    assert res.exit_code == 1 and "stop here" in res.output
    assert seen["progress"] is expected
