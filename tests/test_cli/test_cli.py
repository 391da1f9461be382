"""The command line: exit codes, one-paragraph errors, outputs."""
# ruff: noqa: E501 (expected messages are long regexes)

from __future__ import annotations

import copy
import json
import re

import pytest
from click.testing import CliRunner

import replicator as rp
from replicator.cli import cli

from .conftest import BASE


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def base(**sections) -> dict:
    out = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def test_version():
    res = invoke("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"replicator, version {rp.__version__}"


def test_help_lists_commands_and_exit_codes():
    res = invoke("--help")
    assert res.exit_code == 0
    for word in (
        "run",
        "validate",
        "frontier",
        "datasets",
        "tune",
        "Exit codes:",
        "1  bad input",
        "2  the solver failed",
        "--verbose",
        "--quiet",
    ):
        assert word in res.stdout
    res = invoke("run", "--help")
    assert res.exit_code == 0 and "--out" in res.stdout and "atomically" in res.stdout


def test_usage_error_is_bad_input():
    res = invoke("run")
    assert res.exit_code == 1
    assert "Missing argument 'CONFIG'" in res.stderr
    assert invoke("no-such-command").exit_code == 1


def test_run_writes_every_output(write_config, tmp_path):
    out = tmp_path / "out"
    res = invoke("run", write_config(base()), "--out", out)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html",
        "summary.json",
        "trades.csv",
        "weights.csv",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["tracking_error"] > 0
    assert {c["name"] for c in summary["constraints"]} >= {"TurnoverLimit(0.05)"}
    assert summary["manifest"]["config_sha256"]
    assert "data.returns" in summary["manifest"]["inputs"]
    assert summary["solver"]["solver"] == "DUAL_NEWTON"
    assert "Tracking error" in res.stdout and "Wrote" in res.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_output_files_selection_and_config_output_dir(write_config, synth_dir):
    cfg = base(output={"dir": "sel_out", "files": ["weights", "summary"]})
    res = invoke("-q", "run", write_config(cfg))
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert sorted(p.name for p in (synth_dir / "sel_out").iterdir()) == [
        "summary.json",
        "weights.csv",
    ]


def test_validate_ok(write_config):
    res = invoke("validate", write_config(base()))
    assert res.exit_code == 0
    assert "OK" in res.stdout


def test_validate_reports_every_problem(write_config):
    cfg = base(
        data={"adv": "nope.csv", "sectors": "gone.csv"},
        costs=[{"type": "ProportionalFe"}],
        constraints=[{"type": "TurnoverLimit", "limt": 0.1}],
        solver={"name": "osqpp"},
    )
    res = invoke("validate", write_config(cfg))
    assert res.exit_code == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("  - ")]
    assert len(lines) == 5, res.stderr
    assert "5 problem(s) found" in res.stderr
    for field in (
        "data.adv:",
        "data.sectors:",
        "costs[0].type:",
        "constraints[0].limt:",
        "solver.name:",
    ):
        assert any(ln[4:].startswith(field) for ln in lines), field
    assert "Traceback" not in res.output


def test_validate_reports_schema_problems_together(write_config):
    res = invoke("validate", write_config(base(solvr={}, portfolio={"nva": 3})))
    assert res.exit_code == 1
    assert "2 problem(s) found" in res.stderr


def test_frontier(write_config, tmp_path):
    cfg = base(frontier={"risk_aversions": [1, 100, 10000]})
    out = tmp_path / "fr"
    res = invoke("frontier", write_config(cfg), "--out", out)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "frontier.csv",
        "frontier.json",
        "frontier.png",
    ]
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = json.loads((out / "frontier.json").read_text())["frontier"]
    te = [r["tracking_error"] for r in rows]
    assert te == sorted(te, reverse=True)  # more risk aversion, less TE
    assert "frontier" in res.stdout


def test_datasets_lists_bundled_data():
    res = invoke("datasets")
    assert res.exit_code == 0
    for name in ("sp500", "crypto", "dow30", "GPL-3", "source: "):
        assert name in res.stdout
    res = invoke("datasets", "sp500")
    assert res.exit_code == 0 and res.stdout.startswith("# sp500")
    res = invoke("datasets", "sp5000")
    assert res.exit_code == 1
    assert "Unknown dataset 'sp5000'" in res.stderr


def test_infeasible_is_a_solve_failure(write_config):
    cfg = base(portfolio={"holdings": "cash"})  # TurnoverLimit 0.05 from cash
    res = invoke("run", write_config(cfg))
    assert res.exit_code == 2
    assert res.stderr.startswith("Error (InfeasibleError): The problem is infeasible")
    assert "TurnoverLimit(0.05)" in res.stderr
    assert "Traceback" not in res.output


def test_verbose_shows_the_traceback(write_config):
    res = invoke("-v", "run", write_config(base(solver={"name": "osqpp"})))
    assert res.exit_code == 1
    assert "Traceback" in res.stderr


# ------------------------------------------------------------- bad input
def _bad_returns(d):
    text = (d / "returns.csv").read_text().splitlines()
    cells = text[4].split(",")
    cells[3] = "abc"
    text[4] = ",".join(cells)
    (d / "bad_returns.csv").write_text("\n".join(text) + "\n")
    return {"data": {"returns": "bad_returns.csv"}}


def _bad_weights(d):
    (d / "bad_weights.csv").write_text("ticker,weight\nA0001,0.5\nA0002,0.3\n")
    return {"data": {"benchmark_weights": "bad_weights.csv"}}


def _unknown_weight_ticker(d):
    text = (d / "weights.csv").read_text().replace("A0001,", "ZZZZ,")
    (d / "ghost_weights.csv").write_text(text)
    return {"data": {"benchmark_weights": "ghost_weights.csv"}}


def _short_holdings(d):
    text = (d / "holdings.csv").read_text().splitlines()
    ticker, w = text[1].split(",")
    text[1] = f"{ticker},-{w}"
    (d / "short_holdings.csv").write_text("\n".join(text) + "\n")
    return {"portfolio": {"holdings": "short_holdings.csv"}}


def _nan_returns(d):
    text = (d / "returns.csv").read_text().splitlines()
    cells = text[7].split(",")
    cells[2] = ""
    text[7] = ",".join(cells)
    (d / "nan_returns.csv").write_text("\n".join(text) + "\n")
    return {"data": {"returns": "nan_returns.csv"}}


def _out_is_file(d):
    (d / "a_file").write_text("x")
    return {"output": {"dir": "a_file"}}


BAD = [
    (
        "no_config",
        None,
        r"Error \(ConfigError\): Config file '.*missing\.yaml' not found",
    ),
    ("yaml", "data: [oops\n", r"is not valid YAML at line 2"),
    ("empty", "", r"Config file '.*' is empty"),
    ("list", "- 1\n", r"must be a YAML mapping of sections"),
    (
        "unknown_section",
        {"solvr": {}},
        r"solvr: unknown key \(did you mean 'solver'\?\)",
    ),
    (
        "unknown_data_key",
        {"data": {"retuns": "x.csv"}},
        r"data\.retuns: unknown key \(did you mean 'returns'\?\)",
    ),
    (
        "negative_risk_aversion",
        {"solver": {"risk_aversion": -1}},
        r"solver\.risk_aversion: must be a positive finite number, got -1",
    ),
    (
        "nav_not_number",
        {"portfolio": {"nav": "lots"}},
        r"portfolio\.nav: input should be a valid number",
    ),
    (
        "nan_policy",
        {"data": {"nan_policy": "skip"}},
        r"data\.nan_policy: input should be 'error', 'drop_assets' or 'fill_zero', got 'skip'",
    ),
    (
        "window",
        {"data": {"start": "2021-01-01", "end": "2020-01-01"}},
        r"data: 'start' \(2021-01-01\) is after 'end'",
    ),
    (
        "unknown_constraint",
        {"constraints": [{"type": "TurnoverLimt"}]},
        r"constraints\[0\]\.type: unknown constraint 'TurnoverLimt' \(did you mean 'TurnoverLimit'\?\)",
    ),
    (
        "unknown_param",
        {"constraints": [{"type": "TurnoverLimit", "limt": 0.1}]},
        r"constraints\[0\]\.limt: unknown parameter of TurnoverLimit \(did you mean 'limit'\?\)",
    ),
    (
        "bad_value",
        {
            "constraints": [
                {"type": "FullyInvested"},
                {"type": "TurnoverLimit", "limit": -0.5},
            ]
        },
        r"constraints\[1\]\.limit: must be a float in the range \(0, inf\), got -0\.5",
    ),
    (
        "soft_penalty",
        {"constraints": [{"type": "TurnoverLimit", "soft": {"penalty": 0}}]},
        r"constraints\[0\]\.soft\.penalty: must be a float in the range \(0, inf\), got 0",
    ),
    (
        "risk_type",
        {"risk": {"type": "StatisticalFactors"}},
        r"risk\.type: unknown risk model 'StatisticalFactors' \(did you mean 'StatisticalFactor'\?\)",
    ),
    (
        "n_factors",
        {"risk": {"type": "StatisticalFactor", "n_factors": 2.5}},
        r"risk\.n_factors: must be an int in the range",
    ),
    (
        "solver",
        {"solver": {"name": "osqpp"}},
        r"solver\.name: unknown or uninstalled solver 'osqpp' \(did you mean 'OSQP'\?\)",
    ),
    (
        "bad_reference",
        {"costs": [{"type": "ProportionalFee", "bps": "@fess"}]},
        r"costs\[0\]\.bps: unknown data reference '@fess' \(did you mean 'fees'\?\)",
    ),
    (
        "returns_missing",
        {"data": {"returns": "nothere.csv"}},
        r"Error \(DataError\): data\.returns: File '.*nothere\.csv' not found",
    ),
    (
        "returns_not_number",
        _bad_returns,
        r"data\.returns: File '.*bad_returns\.csv', column 'A0002': line 5 .* has 'abc', which is not a number",
    ),
    ("returns_nan", _nan_returns, r"data\.returns: .*nan_returns\.csv.*(missing|NaN)"),
    ("weights_sum", _bad_weights, r"data\.benchmark_weights: .*sum to 0\.8"),
    (
        "weights_unknown_ticker",
        _unknown_weight_ticker,
        r"Error \(MissingAssetsError\): benchmark weights has 1 tickers that are not in the returns: 'ZZZZ'",
    ),
    (
        "short_holdings",
        _short_holdings,
        r"portfolio\.holdings: .*negative.*Short positions are not supported",
    ),
    (
        "exclude_unknown",
        {"universe": {"exclude": ["QQQQ"]}},
        r"universe\.exclude: 1 tickers are not in the returns: 'QQQQ'",
    ),
    (
        "cap_weighted_without_dataset",
        {"benchmark": {"kind": "cap_weighted"}},
        r"benchmark\.kind: 'cap_weighted' needs a dataset with market caps",
    ),
    (
        "unknown_dataset",
        {
            "data": {
                "dataset": "sp5000",
                "returns": None,
                "benchmark_weights": None,
                "adv": None,
                "sectors": None,
                "fees": None,
            },
            "portfolio": {"holdings": "cash"},
        },
        r"data\.dataset: unknown dataset 'sp5000' \(did you mean 'sp500'\?\)",
    ),
    (
        "no_adv_for_liquidity",
        {"data": {"adv": None}},
        r"Error \(DataError\): constraints\[3\]: .*LiquidityLimit",
    ),
    (
        "unknown_group",
        {
            "constraints": [
                {"type": "FullyInvested"},
                {"type": "GroupBounds", "upper": {"S9": 0.3}},
            ]
        },
        r"Error \(ConfigError\): constraints\[1\]: The 'upper' parameter of "
        r"GroupBounds.* names 1 unknown groups: 'S9'",
    ),
    (
        "output_is_file",
        _out_is_file,
        r"output\.dir: '.*a_file' exists and is not a directory",
    ),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_1_with_one_paragraph(
    case, change, message, synth_dir, write_config
):
    if change is None:
        path = synth_dir / "missing.yaml"
    elif isinstance(change, str):
        path = synth_dir / f"{case}.yaml"
        path.write_text(change)
    else:
        cfg = base(**(change(synth_dir) if callable(change) else change))
        for section in ("data",):
            cfg[section] = {k: v for k, v in cfg[section].items() if v is not None}
        path = write_config(cfg, f"{case}.yaml")
    res = invoke("run", path)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert res.stdout == ""
    err = res.stderr.strip()
    assert "\n" not in err, err  # one paragraph
    assert err.startswith("Error (")
    assert re.search(message, err), err


# ------------------------------------------------------------ atomic writes
def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_failed_report_leaves_previous_outputs_untouched(
    write_config, tmp_path, monkeypatch
):
    import replicator.report

    out = tmp_path / "out"
    assert invoke("run", write_config(base()), "--out", out).exit_code == 0
    before = _snapshot(out)

    def boom(*args, **kwargs):
        raise RuntimeError("report failed")

    monkeypatch.setattr(replicator.report, "to_html", boom)
    res = invoke("run", write_config(base(solver={"risk_aversion": 5})), "--out", out)
    assert res.exit_code != 0
    assert isinstance(res.exception, RuntimeError)
    assert _snapshot(out) == before  # weights/trades/summary not replaced either
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left


def test_failed_report_creates_no_output_dir(write_config, tmp_path, monkeypatch):
    import replicator.report

    monkeypatch.setattr(replicator.report, "to_html", lambda *a, **k: 1 / 0)
    res = invoke("run", write_config(base()), "--out", tmp_path / "new")
    assert isinstance(res.exception, ZeroDivisionError)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- backtest
def test_backtest_command(write_config, tmp_path):
    cfg = base(
        portfolio={"holdings": "cash", "nav": 1e8},
        constraints=[{"type": "FullyInvested"}, {"type": "LongOnly"}],
        backtest={"schedule": "M", "lookback": 120, "baselines": None},
    )
    out = tmp_path / "bt"
    res = invoke("backtest", write_config(cfg), "--out", out)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "backtest.csv",
        "backtest.json",
        "report.html",
    ]
    payload = json.loads((out / "backtest.json").read_text())
    assert payload["manifest"]["command"] == "backtest"
    assert payload["metrics"]
    assert "Ex-post TE" in res.stdout


def test_backtest_section_keys_are_checked(write_config):
    cfg = base(backtest={"shedule": "M"})
    res = invoke("backtest", write_config(cfg))
    assert res.exit_code == 1
    assert re.search(
        r"backtest\.shedule: unknown key \(did you mean 'schedule'\?\)", res.stderr
    )
    res = invoke("validate", write_config(base(backtest={"returns": "x.csv"})))
    assert res.exit_code == 1
    assert "backtest.returns: is set from the other sections" in res.stderr


# --------------------------------------------------------------------- tune
def test_tune_command(write_config, tmp_path):
    cfg = base(
        portfolio={"holdings": "cash", "nav": 1e8},
        constraints=[{"type": "FullyInvested"}, {"type": "LongOnly"}],
        backtest={"schedule": "M", "lookback": 60},
        tune={
            "risk": [
                {"type": "StatisticalFactor", "n_factors": 2},
                {"type": "StatisticalFactor", "n_factors": 4},
            ],
            "risk_aversion": [0.1, 100],
            "validation": 60,
        },
    )
    out = tmp_path / "tune"
    res = invoke("tune", write_config(cfg), "--out", out)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "tune.csv",
        "tune.json",
        "tune.png",
    ]
    payload = json.loads((out / "tune.json").read_text())
    assert payload["risk"].startswith("StatisticalFactor")
    assert payload["risk_aversion"] in (0.1, 100)
    table = (out / "tune.csv").read_text().splitlines()
    assert len(table) == 5 and table[0].startswith("candidate,risk,risk_aversion")
    assert "Selected" in res.stdout


def test_tune_section_keys_are_checked(write_config):
    res = invoke("tune", write_config(base(tune={"risk_aversions": [1]})))
    assert res.exit_code == 1
    assert re.search(
        r"tune\.risk_aversions: unknown key \(did you mean 'risk_aversion'\?\)",
        res.stderr,
    )
    res = invoke("tune", write_config(base(tune={"risk_aversion": [0, 1]})))
    assert res.exit_code == 1
    assert "tune.risk_aversion: must be a non-empty list of positive numbers" in (
        res.stderr
    )
