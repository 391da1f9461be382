"""Contract checks run on every cost exported from ``rp.costs``.

The list of costs is read from ``rp.costs.__all__``, so a new cost is checked
automatically (and fails until it has an example in ``conftest.py``).
"""

from __future__ import annotations

import inspect

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import replicator as rp
from replicator.costs import Cost
from replicator.exceptions import ConfigError
from replicator.terms import Interval, Variables

COST_NAMES = sorted(
    name
    for name in rp.costs.__all__
    if isinstance(getattr(rp.costs, name), type)
    and issubclass(getattr(rp.costs, name), Cost)
    and getattr(rp.costs, name) is not Cost
)


def test_all_exported_costs_are_collected():
    expected = {"ProportionalFee", "Spread", "QuadraticImpact", "PowerImpact"}
    assert expected | {"ConstantProductAMM"} <= set(COST_NAMES)
    assert len(set(rp.costs.__all__)) == len(rp.costs.__all__)


def make(name, cost_examples):
    if name not in cost_examples:
        pytest.fail(f"rp.costs.{name} has no example in tests/test_costs/conftest.py")
    kwargs = cost_examples[name]()
    return getattr(rp.costs, name)(**kwargs), kwargs


def variables(n):
    return Variables(
        weights=cp.Variable(n),
        trades=cp.Variable(n),
        benchmark=cp.Parameter(n),
        holdings=cp.Parameter(n),
    )


def bound(cost, snapshot):
    cost.bind(snapshot)
    cost.update(snapshot)
    v = variables(snapshot.n_assets)
    return v, cost.expression(v)


def solve_at(cost, snapshot, trades):
    """Optimal value of ``min cost(v)`` with the trades fixed (epigraphs tight)."""
    v, expr = bound(cost, snapshot)
    problem = cp.Problem(
        cp.Minimize(1e4 * expr), [v.trades == trades, *cost.auxiliary()]
    )
    problem.solve(solver="CLARABEL")
    assert problem.status == cp.OPTIMAL
    return problem.value / 1e4, problem


def invalid_value(rule):
    """A value that ``rule`` rejects (sklearn's generate_invalid_param_val)."""
    candidates: list = ["invalid", -1e9, -1, 1e9, object()]
    if isinstance(rule, Interval):
        for edge in (rule.low, rule.high):
            if edge is not None:
                candidates.insert(0, edge - 1 if edge is rule.low else edge + 1)

    def accepts(value):
        if isinstance(rule, type):
            return isinstance(value, rule)
        if isinstance(rule, tuple):
            return any(r.accepts(value) for r in rule)
        return rule.accepts(value)

    for value in candidates:
        if not accepts(value):
            return value
    raise AssertionError(f"no invalid value for {rule!r}")


@pytest.mark.parametrize("name", COST_NAMES)
def test_parameters_are_stored_verbatim(name, cost_examples):
    cost, kwargs = make(name, cost_examples)
    cls = type(cost)
    signature = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert signature == set(cls._parameter_constraints)
    for key, value in kwargs.items():
        assert getattr(cost, key) is value
    assert set(cost.get_params()) == set(cls._parameter_constraints)
    assert name in cost.name and name in repr(cost)
    assert cls.problem_class in ("qp", "socp")


@pytest.mark.parametrize("name", COST_NAMES)
def test_bind_update_shapes_and_dpp(name, cost_examples, snapshot):
    cost, _ = make(name, cost_examples)
    v, expr = bound(cost, snapshot)
    n = snapshot.n_assets
    assert expr.shape == ()
    assert expr.is_dcp(dpp=True) and expr.is_convex()
    for c in cost.auxiliary():
        assert c.is_dcp(dpp=True)
    for p in expr.parameters():
        assert p.value is not None, p.name()
        assert p.shape in ((), (n,)), (p.name(), p.shape)
    # The declared problem class matches the canonical form.
    problem = cp.Problem(cp.Minimize(expr), [v.trades == 0, *cost.auxiliary()])
    assert problem.is_qp() == (type(cost).problem_class == "qp")
    # Re-updating with the same snapshot changes no structure.
    cost.update(snapshot)
    assert cost.expression(v).is_dcp(dpp=True)


@pytest.mark.parametrize("name", COST_NAMES)
def test_expression_equals_evaluate(name, cost_examples, snapshot):
    cost, _ = make(name, cost_examples)
    rng = np.random.default_rng(11)
    for scale in (0.002, 0.03):
        t = rng.uniform(-scale, scale, snapshot.n_assets)
        value, _ = solve_at(cost, snapshot, t)
        expected = cost.evaluate(t, snapshot)
        assert expected > 0
        assert value == pytest.approx(expected, rel=1e-6)
        per = cost.per_asset(t, snapshot)
        assert per.shape == (snapshot.n_assets,)
        assert per.sum() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", COST_NAMES)
def test_zero_trade_costs_nothing(name, cost_examples, snapshot):
    cost, _ = make(name, cost_examples)
    zero = np.zeros(snapshot.n_assets)
    assert cost.evaluate(zero, snapshot) == 0.0
    value, _ = solve_at(cost, snapshot, zero)
    assert value == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("name", COST_NAMES)
def test_invalid_parameters_give_the_standard_message(name, cost_examples, snapshot):
    cost, kwargs = make(name, cost_examples)
    cls = type(cost)
    for pname, rule in cls._parameter_constraints.items():
        wrong = cls(**dict(kwargs, **{pname: invalid_value(rule)}))
        pattern = f"The '{pname}' parameter of {name} must be"
        with pytest.raises(ConfigError, match=pattern):
            wrong.validate_params()
        with pytest.raises(ConfigError, match=pattern):
            wrong.bind(snapshot)


@pytest.mark.parametrize("name", COST_NAMES)
def test_cost_is_nonnegative_and_convex(name, cost_examples, snapshot):
    cost, _ = make(name, cost_examples)
    n = snapshot.n_assets
    trade = arrays(np.float64, n, elements=st.floats(-0.04, 0.04))

    @settings(max_examples=40, deadline=None)
    @given(trade, trade, st.floats(0, 1))
    def check(a, b, theta):
        ca, cb = cost.evaluate(a, snapshot), cost.evaluate(b, snapshot)
        mid = cost.evaluate(theta * a + (1 - theta) * b, snapshot)
        assert ca >= 0 and cb >= 0
        assert mid <= theta * ca + (1 - theta) * cb + 1e-15

    check()
