"""Schema validation: every error names its field path, with suggestions."""
# ruff: noqa: E501 (expected messages are long regexes)

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from replicator.config import ConfigProblems, RunConfig, load_config, parse_config
from replicator.exceptions import ConfigError

from .conftest import BASE


def cfg(**changes) -> dict:
    out = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = out
        *head, last = dotted.split("__")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = value
    return out


def test_valid_config_loads_and_resolves_paths(write_config, synth_dir):
    config = load_config(write_config(cfg()))
    assert isinstance(config, RunConfig)
    assert Path(config.data.returns) == synth_dir / "returns.csv"
    assert Path(config.portfolio.holdings) == synth_dir / "holdings.csv"
    assert config.solver.risk_aversion == 1.0  # the default (issue 14's study)
    assert config.data.nan_policy == "error"


def test_relative_paths_resolve_against_config_folder(tmp_path):
    sub = tmp_path / "deep" / "folder"
    sub.mkdir(parents=True)
    (sub / "c.yaml").write_text("data: {returns: ../r.csv}\noutput: {dir: out}\n")
    config = load_config(sub / "c.yaml")
    assert Path(config.data.returns) == (tmp_path / "deep" / "r.csv").resolve()
    assert Path(config.output.dir) == (sub / "out").resolve()


def test_term_file_values_resolve(tmp_path):
    raw = {
        "data": {"returns": "r.csv"},
        "risk": {"type": "Covariance", "matrix": {"file": "cov.csv"}},
    }
    config = parse_config(raw, base=tmp_path)
    assert Path(config.risk["matrix"]["file"]) == (tmp_path / "cov.csv").resolve()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"solvr": {}}, r"solvr: unknown key \(did you mean 'solver'\?\)"),
        (
            {"data__retuns": "x.csv"},
            r"data\.retuns: unknown key \(did you mean 'returns'\?\)",
        ),
        (
            {"portfolio__nva": 5},
            r"portfolio\.nva: unknown key \(did you mean 'nav'\?\)",
        ),
        (
            {"solver__risk_aversion": -1},
            r"solver\.risk_aversion: must be a positive finite number, got -1",
        ),
        (
            {"solver__risk_aversion": "abc"},
            r"solver\.risk_aversion: input should be a valid number",
        ),
        (
            {"portfolio__nav": 0},
            r"portfolio\.nav: must be a positive finite number, got 0",
        ),
        (
            {"data__nan_policy": "drop"},
            r"data\.nan_policy: input should be 'error', 'drop_assets' or 'fill_zero', got 'drop'",
        ),
        (
            {"data__start": "2021-01-01", "data__end": "2020-01-01"},
            r"data: 'start' \(2021-01-01\) is after 'end' \(2020-01-01\)",
        ),
        ({"data__prices": "p.csv"}, r"data: give 'returns' or 'prices', not both"),
        ({"benchmark__top": 5}, r"benchmark: top only apply to kind: cap_weighted"),
        (
            {"benchmark__cap": 1.5},
            r"benchmark\.cap: input should be less than or equal to 1, got 1\.5",
        ),
        (
            {"output__files": ["weights", "pdf"]},
            r"output\.files\[1\]: input should be 'weights', 'trades', 'summary' or 'report', got 'pdf'",
        ),
        (
            {"frontier__risk_aversions": [1]},
            r"frontier\.risk_aversions: .*at least 2 values",
        ),
        (
            {"portfolio__holdings": "cash", "portfolio__drift_periods": 5},
            r"portfolio: drift_periods needs holdings",
        ),
        (
            {"costs": {"type": "ProportionalFee"}},
            r"costs: input should be a valid list",
        ),
    ],
)
def test_schema_errors_name_the_field(changes, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(cfg(**changes), source="c.yaml")


def test_missing_data_section():
    raw = cfg()
    del raw["data"]
    with pytest.raises(ConfigError, match=r"data: required key is missing"):
        parse_config(raw)


def test_data_needs_a_source():
    with pytest.raises(ConfigError, match=r"data: give a bundled 'dataset'"):
        parse_config({"data": {"start": "2020-01-01"}})


def test_every_schema_problem_is_reported_at_once():
    raw = cfg(solvr={}, data__retuns="x", solver__horizon=-2)
    with pytest.raises(ConfigProblems) as info:
        parse_config(raw, source="c.yaml")
    problems = info.value.problems
    assert len(problems) == 3
    assert "3 problems" in str(info.value)
    assert any(p.startswith("solver.horizon:") for p in problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data: [unclosed\n", r"is not valid YAML at line 2"),
        ("", r"is empty"),
        ("- a\n- b\n", r"must be a YAML mapping of sections .* got a list"),
        ("data: !!python/object:os.system {}\n", r"is not valid YAML"),
    ],
)
def test_yaml_problems(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"Config file '.*nope\.yaml' not found"):
        load_config(tmp_path / "nope.yaml")


def test_config_must_be_utf8(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xff\xfe\x00data")
    with pytest.raises(ConfigError, match=r"Cannot read config file"):
        load_config(path)
