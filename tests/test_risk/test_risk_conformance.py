"""Contract checks run on every risk model exported from ``rp.risk``.

The list of models is read from ``rp.risk.__all__``, so a new model is checked
automatically (and fails until it has an example in ``conftest.py``).
"""

from __future__ import annotations

import inspect

import cvxpy as cp
import numpy as np
import pytest

import replicator as rp
from replicator.exceptions import ConfigError, DataError
from replicator.risk import RiskModel
from replicator.terms import Interval, Options, Variables

RISK_NAMES = sorted(
    name
    for name in rp.risk.__all__
    if isinstance(getattr(rp.risk, name), type)
    and issubclass(getattr(rp.risk, name), RiskModel)
    and getattr(rp.risk, name) is not RiskModel
)


def test_all_exported_models_are_collected():
    assert {"SampleCovariance", "LedoitWolf", "EWMA", "StatisticalFactor"} <= set(
        RISK_NAMES
    )
    assert {"FactorModel", "Covariance"} <= set(RISK_NAMES)
    # Order is ruff's RUF022 (isort-style) order, checked by `ruff check`.
    assert len(set(rp.risk.__all__)) == len(rp.risk.__all__)
    assert all(hasattr(rp.risk, name) for name in rp.risk.__all__)


def make(name, risk_examples):
    if name not in risk_examples:
        pytest.fail(f"rp.risk.{name} has no example in tests/test_risk/conftest.py")
    kwargs = risk_examples[name]()
    return getattr(rp.risk, name)(**kwargs), kwargs


def fitted_snapshot(model, universe, returns_only=False):
    """Fit ``model`` and return a snapshot of ``universe`` in the chosen mode."""
    returns = universe.returns
    bench = universe.index_returns if returns_only else None
    model.fit(returns if model.needs_returns else None, bench)
    replicator = rp.Replicator(risk=model)
    benchmark = universe.index_returns if returns_only else universe.benchmark
    return replicator.prepare(
        returns=returns, benchmark=benchmark, holdings=universe.holdings, fit=False
    )


def variables(n):
    return Variables(
        weights=cp.Variable(n),
        trades=cp.Variable(n),
        benchmark=cp.Parameter(n),
        holdings=cp.Parameter(n),
    )


def invalid_value(rule):
    """A value that ``rule`` rejects (sklearn's generate_invalid_param_val)."""
    candidates = ["invalid", -1e9, 1e9, -1, 0.5, 0, None, object()]
    if isinstance(rule, Interval):
        candidates = [
            (rule.low - 1) if rule.low is not None else None,
            (rule.high + 1) if rule.high is not None else None,
            *candidates,
        ]

    def accepts(value):
        if isinstance(rule, type):
            return isinstance(value, rule)
        if isinstance(rule, tuple):
            return any(r.accepts(value) for r in rule)
        return rule.accepts(value)

    for value in candidates:
        if (value is not None or isinstance(rule, (type, Options))) and not accepts(
            value
        ):
            return value
        if value is None and not accepts(None):
            return None
    raise AssertionError(f"no invalid value found for {rule!r}")


@pytest.mark.parametrize("name", RISK_NAMES)
def test_parameters_are_stored_verbatim(name, risk_examples):
    model, kwargs = make(name, risk_examples)
    cls = type(model)
    signature = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert signature == set(cls._parameter_constraints)
    for key, value in kwargs.items():
        assert getattr(model, key) is value
    assert set(model.get_params()) == set(cls._parameter_constraints)
    assert name in repr(model)
    assert name in model.name


@pytest.mark.parametrize("name", RISK_NAMES)
def test_fit_returns_self_and_factors(name, risk_examples, small):
    model, _ = make(name, risk_examples)
    returns = small.returns if model.needs_returns else None
    assert model.fit(returns) is model
    f = model.factors_
    assert f.exposures.ndim == 2
    assert f.exposures.shape[1] == len(f.assets) == len(f.specific)
    assert np.all(np.isfinite(f.exposures)) and np.all(f.specific >= 0)
    assert set(small.returns.columns) <= set(f.assets)


@pytest.mark.parametrize("returns_only", [False, True], ids=["weights", "returns"])
@pytest.mark.parametrize("name", RISK_NAMES)
def test_bind_update_shapes_dpp_and_twin(name, returns_only, risk_examples, small):
    model, _ = make(name, risk_examples)
    snap = fitted_snapshot(model, small, returns_only)
    n = snap.n_assets
    model.bind(snap)
    model.update(snap)
    v = variables(n)
    expr = model.expression(v)
    assert expr.shape == ()
    assert expr.is_dcp(dpp=True)
    assert expr.is_convex()
    for p in expr.parameters():
        assert p.value is not None, p.name()
        assert all(d in (n, model.capacity) for d in p.shape), (p.name(), p.shape)
    rng = np.random.default_rng(7)
    for _ in range(3):
        w = rng.dirichlet(np.ones(n))
        v.weights.value = w
        model.set_auxiliary_values(w)
        expected = model.evaluate(w, snap)
        assert float(expr.value) == pytest.approx(expected, rel=1e-9, abs=1e-14)
        factor, specific = model.evaluate_parts(w, snap)
        assert factor + specific == pytest.approx(expected, rel=1e-12)
        assert factor >= 0 and specific >= 0
        assert float(model.factor_expression(v).value) == pytest.approx(
            factor, rel=1e-9
        )


@pytest.mark.parametrize("name", RISK_NAMES)
def test_contributions_sum_to_tracking_variance(name, risk_examples, small):
    model, _ = make(name, risk_examples)
    snap = fitted_snapshot(model, small)
    w = np.random.default_rng(3).dirichlet(np.ones(snap.n_assets))
    contrib = model.contributions(w, snap)
    assert contrib.sum() == pytest.approx(model.evaluate(w, snap), rel=1e-9)
    assert model.evaluate(snap.benchmark, snap) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("name", RISK_NAMES)
def test_invalid_parameters_give_the_standard_message(name, risk_examples, small):
    model, kwargs = make(name, risk_examples)
    cls = type(model)
    for pname, rule in cls._parameter_constraints.items():
        bad = dict(kwargs, **{pname: invalid_value(rule)})
        wrong = cls(**bad)
        pattern = f"The '{pname}' parameter of {name} must be"
        with pytest.raises(ConfigError, match=pattern):
            wrong.validate_params()
        returns = small.returns if cls.needs_returns else None
        with pytest.raises(ConfigError, match=pattern):
            wrong.fit(returns)


@pytest.mark.parametrize(
    "name", [n for n in RISK_NAMES if getattr(rp.risk, n).needs_returns]
)
def test_too_few_observations_is_a_data_error(name, risk_examples, small):
    model, _ = make(name, risk_examples)
    n_obs = model.min_observations - 1
    assert n_obs >= 1
    with pytest.raises(
        DataError, match=rf"needs at least {n_obs + 1} return observations; got {n_obs}"
    ):
        model.fit(small.returns.iloc[:n_obs])


@pytest.mark.parametrize(
    "name", [n for n in RISK_NAMES if getattr(rp.risk, n).needs_returns]
)
def test_returns_models_need_returns(name, risk_examples):
    model, _ = make(name, risk_examples)
    with pytest.raises(DataError, match=r"no returns were given"):
        model.fit(None)
