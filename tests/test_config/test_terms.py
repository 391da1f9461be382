"""Generic term mapping: type lookup, signature checks, validate_params paths."""
# ruff: noqa: E501 (expected messages are long regexes)

from __future__ import annotations

import inspect

import pandas as pd
import pytest

import replicator as rp
from replicator.config import build_term, term_classes
from replicator.config._terms import build_terms
from replicator.exceptions import ConfigError, DataError


def test_term_classes_are_the_exported_concrete_terms():
    cons = term_classes("constraints")
    assert "TurnoverLimit" in cons and "FullyInvested" in cons
    assert not {"Constraint", "ConstraintReport", "Soft"} & set(cons)
    assert "Cost" not in term_classes("costs")
    assert not {"RiskModel", "RiskFactors"} & set(term_classes("risk"))
    for name in rp.constraints.__all__:
        obj = getattr(rp.constraints, name)
        if isinstance(obj, type) and issubclass(obj, rp.constraints.Constraint):
            assert name in cons or name in ("Constraint", "Soft")


@pytest.mark.parametrize("family", ["risk", "costs", "constraints"])
def test_every_term_without_required_parameters_builds_from_a_bare_spec(family):
    built = 0
    for name, cls in term_classes(family).items():
        params = inspect.signature(cls.__init__).parameters.values()
        if any(
            p.default is p.empty
            and p.name != "self"
            and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            for p in params
        ):
            continue
        try:
            term = build_term(family, {"type": name}, f"{family}[0]")
        except ConfigError as exc:  # a term whose defaults need a choice
            assert str(exc).startswith(f"{family}[0]")
            continue
        assert type(term) is cls
        built += 1
    assert built >= 1


def test_parameters_are_passed_verbatim():
    term = build_term("constraints", {"type": "TurnoverLimit", "limit": 0.2}, "c[0]")
    assert isinstance(term, rp.constraints.TurnoverLimit)
    assert term.limit == 0.2


def test_yaml11_exponent_strings_become_numbers():
    term = build_term("constraints", {"type": "TurnoverLimit", "limit": "5e-2"}, "c")
    assert term.limit == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("family", "spec", "message"),
    [
        (
            "constraints",
            {"type": "TurnoverLimt"},
            r"^constraints\[2\]\.type: unknown constraint 'TurnoverLimt' \(did you mean 'TurnoverLimit'\?\); available: ",
        ),
        (
            "risk",
            {"type": "StatisticalFactors"},
            r"^constraints\[2\]\.type: unknown risk model 'StatisticalFactors' \(did you mean 'StatisticalFactor'\?\)",
        ),
        ("costs", {"type": "Soft"}, r"unknown cost 'Soft'"),
        (
            "constraints",
            {"limit": 0.1},
            r"^constraints\[2\]\.type: required key is missing; name the constraint",
        ),
        (
            "constraints",
            {"type": "TurnoverLimit", "limt": 0.1},
            r"^constraints\[2\]\.limt: unknown parameter of TurnoverLimit \(did you mean 'limit'\?\); TurnoverLimit takes limit$",
        ),
        (
            "constraints",
            {"type": "TurnoverLimit", "limit": -0.5},
            r"^constraints\[2\]\.limit: must be a float in the range \(0, inf\), got -0\.5$",
        ),
        (
            "constraints",
            {"type": "TurnoverLimit", "limit": "lots"},
            r"^constraints\[2\]\.limit: must be a float in the range \(0, inf\), got 'lots'$",
        ),
        (
            "risk",
            {"type": "StatisticalFactor", "n_factors": 2.5},
            r"^constraints\[2\]\.n_factors: must be an int in the range \[1, inf\], got 2\.5$",
        ),
        (
            "constraints",
            {"type": "TurnoverLimit", "limit": 0.1, "soft": {"penalty": -1}},
            r"^constraints\[2\]\.soft\.penalty: must be a float in the range \(0, inf\), got -1$",
        ),
        (
            "constraints",
            {"type": "TurnoverLimit", "soft": {"penalti": 1}},
            r"^constraints\[2\]\.soft\.penalti: unknown key \(did you mean 'penalty'\?\)",
        ),
        (
            "constraints",
            {"type": "TurnoverLimit", "soft": 3},
            r"^constraints\[2\]\.soft: must be a mapping",
        ),
        (
            "costs",
            {"type": "ProportionalFee", "soft": {"penalty": 1}},
            r"^constraints\[2\]\.soft: only constraints can be soft",
        ),
        (
            "risk",
            {"type": "Covariance"},
            r"^constraints\[2\]: Covariance needs 'matrix'; add matrix: \.\.\.",
        ),
        (
            "constraints",
            {"type": "LongOnly", "strict": True},
            r"^constraints\[2\]\.strict: unknown parameter of LongOnly; LongOnly takes no parameters$",
        ),
        (
            "costs",
            "ProportionalFee",
            r"^constraints\[2\]: must be a mapping like \{type: \.\.\., <parameters>\}",
        ),
        (
            "costs",
            {"type": "ProportionalFee", "bps": {"AAA": "x"}},
            r"^constraints\[2\]\.bps: a per-ticker mapping must map tickers to numbers",
        ),
    ],
)
def test_term_errors_name_the_field(family, spec, message):
    with pytest.raises(ConfigError, match=message):
        build_term(family, spec, "constraints[2]")


def test_soft_wraps_the_constraint():
    term = build_term(
        "constraints",
        {"type": "TurnoverLimit", "limit": 0.1, "soft": {"penalty": 0.01}},
        "c",
    )
    assert isinstance(term, rp.constraints.Soft)
    assert isinstance(term.constraint, rp.constraints.TurnoverLimit)
    assert term.penalty == 0.01


def test_ticker_mapping_becomes_series_when_the_rule_wants_a_series():
    term = build_term(
        "costs", {"type": "ProportionalFee", "bps": {"AAA": 1, "BBB": 2}}, "c"
    )
    assert isinstance(term.bps, pd.Series)
    assert term.bps.to_dict() == {"AAA": 1.0, "BBB": 2.0}


def test_group_mapping_stays_a_dict_when_the_rule_takes_a_dict():
    term = build_term(
        "constraints", {"type": "GroupBounds", "upper": {"Tech": 0.3}}, "c"
    )
    assert term.upper == {"Tech": 0.3}


def test_data_references():
    fees = pd.Series({"AAA": 3.0, "BBB": 4.0}, name="fee_bps")
    term = build_term(
        "costs", {"type": "ProportionalFee", "bps": "@fees"}, "c", {"fees": fees}
    )
    assert term.bps is fees
    frame = pd.DataFrame({"buy": [1.0], "sell": [2.0]}, index=["AAA"])
    term = build_term(
        "costs",
        {"type": "ProportionalFee", "buy_bps": "@fees.sell"},
        "c",
        {"fees": frame},
    )
    assert term.buy_bps.to_dict() == {"AAA": 2.0}
    with pytest.raises(
        ConfigError,
        match=r"^costs\[0\]\.bps: unknown data reference '@fess' \(did you mean 'fees'\?\); available: @fees",
    ):
        build_term(
            "costs",
            {"type": "ProportionalFee", "bps": "@fess"},
            "costs[0]",
            {"fees": fees},
        )
    with pytest.raises(
        ConfigError, match=r"names no column 'buyy' of @fees \(did you mean 'buy'\?\)"
    ):
        build_term(
            "costs",
            {"type": "ProportionalFee", "bps": "@fees.buyy"},
            "c",
            {"fees": frame},
        )


def test_file_values(tmp_path):
    pd.DataFrame({"fee": [1.0, 2.0]}, index=["AAA", "BBB"]).to_csv(tmp_path / "f.csv")
    term = build_term(
        "costs",
        {"type": "ProportionalFee", "bps": {"file": str(tmp_path / "f.csv")}},
        "c",
    )
    assert term.bps.to_dict() == {"AAA": 1.0, "BBB": 2.0}
    with pytest.raises(DataError, match=r"^c\.bps\.file: cannot read '.*nope\.csv'"):
        build_term(
            "costs",
            {"type": "ProportionalFee", "bps": {"file": str(tmp_path / "nope.csv")}},
            "c",
        )
    with pytest.raises(
        DataError,
        match=r"^c\.bps\.column: '.*f\.csv' has no column 'fe' \(did you mean 'fee'\?\)",
    ):
        build_term(
            "costs",
            {
                "type": "ProportionalFee",
                "bps": {"file": str(tmp_path / "f.csv"), "column": "fe"},
            },
            "c",
        )


def test_unresolved_references_are_deferred_when_data_failed():
    term = build_term("costs", {"type": "ProportionalFee", "bps": "@fees"}, "c", None)
    assert term.bps == 0.0  # the default, structure still checked


def test_build_terms_collects_every_problem():
    with pytest.raises(ConfigError) as info:
        build_terms(
            {"type": "StatisticalFactor", "n_factors": 0},
            [{"type": "ProportionalFe"}],
            [{"type": "FullyInvested"}, {"type": "TurnoverLimit", "limit": 2j}],
        )
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "risk.n_factors",
        "costs[0].type",
        "constraints[1].limit",
    ]
