"""Fixtures of the risk-model tests: one example of every exported model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest


def factor_inputs(tickers: pd.Index, benchmark: pd.Series, seed: int = 0):
    """B, F, D on ``tickers`` plus a consistent row 'INDEX' for the benchmark."""
    rng = np.random.default_rng(seed)
    factors = ["mkt", "size", "value"]
    B = pd.DataFrame(
        rng.normal(0, 1, (len(tickers), 3)), index=tickers, columns=factors
    )
    A = rng.normal(0, 0.1, (3, 3))
    F = pd.DataFrame(A @ A.T + 0.01 * np.eye(3), index=factors, columns=factors)
    D = pd.Series(rng.uniform(0.01, 0.09, len(tickers)), index=tickers)
    b = benchmark.reindex(tickers).fillna(0.0)
    B.loc["INDEX"] = b @ B.loc[tickers]
    D.loc["INDEX"] = float(b**2 @ D.loc[tickers]) + 1e-4
    return B, F, D


def joint_covariance(B: pd.DataFrame, F: pd.DataFrame, D: pd.Series) -> pd.DataFrame:
    """Dense ``B F B^T + diag(D)`` over every row of ``B`` (benchmark row included)."""
    S = B @ F @ B.T + np.diag(D.reindex(B.index))
    return pd.DataFrame(S, index=B.index, columns=B.index)


@pytest.fixture
def factor_parts(small) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Fresh ``(B, F, D)`` on the small universe, with the 'INDEX' row."""
    return factor_inputs(small.returns.columns, small.benchmark)


@pytest.fixture
def joint_cov(factor_parts) -> pd.DataFrame:
    """Dense covariance of ``factor_parts``, 'INDEX' row and column included."""
    return joint_covariance(*factor_parts)


@pytest.fixture(scope="module")
def risk_examples(small) -> dict[str, Callable[[], dict[str, Any]]]:
    """Constructor keyword arguments of one valid instance of each model.

    A model exported from ``rp.risk`` without an entry here fails the
    conformance suite: add one when you add a model.
    """
    tickers = small.returns.columns
    B, F, D = factor_inputs(tickers, small.benchmark)
    S = joint_covariance(B, F, D)
    return {
        "SampleCovariance": lambda: {},
        "LedoitWolf": lambda: {"shrinkage": None},
        "EWMA": lambda: {"halflife": 30},
        "StatisticalFactor": lambda: {"n_factors": 2},
        "FactorModel": lambda: {
            "exposures": B,
            "factor_covariance": F,
            "specific_variance": D,
            "periods_per_year": None,
        },
        "Covariance": lambda: {"matrix": S, "periods_per_year": None},
    }
