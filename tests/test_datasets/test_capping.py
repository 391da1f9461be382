"""capped_weights: known answers and hypothesis properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replicator.datasets._build import clean_ticker
from replicator.datasets._capping import capped_weights
from replicator.exceptions import ConfigError, DataError


def test_known_answer():
    caps = pd.Series({"A": 60.0, "B": 30.0, "C": 6.0, "D": 4.0})
    w = capped_weights(caps, cap=0.4)
    # A capped at 0.4; excess 0.2 goes to B, C, D pro rata (30:6:4) -> B = 0.45 > 0.4,
    # so B is capped too and the remaining 0.2 is split 6:4 between C and D.
    np.testing.assert_allclose(w.to_numpy(), [0.4, 0.4, 0.12, 0.08])
    assert list(w.index) == ["A", "B", "C", "D"]


def test_no_cap_and_top():
    caps = pd.Series({"A": 1.0, "B": 3.0, "C": 0.0, "D": np.nan, "E": 2.0})
    w = capped_weights(caps, top=2)
    assert w.to_dict() == {"B": 0.6, "E": 0.4}


def test_cap_exactly_one_over_n():
    w = capped_weights(pd.Series({"A": 5.0, "B": 3.0, "C": 2.0}), cap=1 / 3)
    np.testing.assert_allclose(w.to_numpy(), [1 / 3] * 3)


def test_bad_cap():
    with pytest.raises(
        ConfigError, match=r"The 'cap' argument must be in \(0, 1\]; got 1.5"
    ):
        capped_weights(pd.Series({"A": 1.0}), cap=1.5)


def test_no_positive_caps():
    with pytest.raises(DataError, match="No asset has a positive market cap"):
        capped_weights(pd.Series({"A": 0.0}))


@settings(max_examples=60, deadline=None)
@given(
    caps=st.lists(st.floats(1e-3, 1e6), min_size=2, max_size=30),
    cap_factor=st.floats(1.0, 5.0),
)
def test_capping_properties(caps, cap_factor):
    m = pd.Series(caps, index=[f"X{i}" for i in range(len(caps))])
    cap = min(1.0, cap_factor / len(caps))
    w = capped_weights(m, cap=cap)
    assert w.sum() == pytest.approx(1.0)
    assert (w <= cap + 1e-9).all()
    assert (w > 0).all()
    # order is preserved: a larger market cap never gets a smaller weight
    ordered = w.reindex(m.sort_values(ascending=False).index)
    assert (np.diff(ordered.to_numpy()) <= 1e-12).all()
    # uncapped assets keep their market-cap ratios
    free = w[w < cap - 1e-9]
    if len(free) >= 2:
        ratio = free / m[free.index]
        np.testing.assert_allclose(ratio.to_numpy(), ratio.iloc[0], rtol=1e-9)


@pytest.mark.parametrize(
    ("bloomberg", "ticker"),
    [
        ("AAPL UW Equity", "AAPL"),
        ("BF/B UN Equity", "BF/B"),
        ("1436513D UN Equity", "1436513D"),
    ],
)
def test_clean_ticker(bloomberg, ticker):
    assert clean_ticker(bloomberg) == ticker
