"""load_holdings: weights, or quantities valued at prices (NAV computed)."""

from __future__ import annotations

import pandas as pd
import pytest

from replicator.data import Holdings, load_holdings


def test_weights_with_implicit_cash(io, ext):
    table = pd.DataFrame({"ticker": ["A", "B"], "weight": [0.6, 0.3]})
    out = load_holdings(io.write(table, f"h.{ext}"), nav=1e6)
    assert isinstance(out, Holdings)
    assert out.weights.to_dict() == {"A": 0.6, "B": 0.3}
    assert out.cash == pytest.approx(0.1)
    assert out.nav == 1e6
    assert out.values.to_dict() == pytest.approx({"A": 6e5, "B": 3e5})


def test_weights_with_cash_row(io):
    table = pd.DataFrame({"ticker": ["A", "cash"], "weight": [0.9, 0.1]})
    out = load_holdings(io.write(table, "h.csv"))
    assert list(out.weights.index) == ["A"]
    assert out.cash == pytest.approx(0.1)
    assert out.nav is None and out.values is None


def test_quantities_with_price_column(io, ext):
    table = pd.DataFrame(
        {
            "ticker": ["A", "B", "CASH"],
            "quantity": [10, 20, 500.0],
            "price": [100, 25, None],
        }
    )
    out = load_holdings(io.write(table, f"h.{ext}"))
    assert out.nav == pytest.approx(10 * 100 + 20 * 25 + 500)
    assert out.weights.to_dict() == pytest.approx({"A": 0.5, "B": 0.25})
    assert out.cash == pytest.approx(0.25)
    assert out.quantities.to_dict() == {"A": 10, "B": 20}


def test_quantities_with_prices_argument_and_nav(io):
    table = pd.DataFrame({"ticker": ["A", "B"], "quantity": [10, 20]})
    prices = pd.DataFrame({"A": [90.0, 100.0], "B": [20.0, 25.0]})  # last row used
    out = load_holdings(io.write(table, "h.csv"), prices=prices, nav=2000.0)
    assert out.weights.to_dict() == pytest.approx({"A": 0.5, "B": 0.25})
    assert out.cash == pytest.approx(0.25)
    assert out.prices.to_dict() == {"A": 100.0, "B": 25.0}
