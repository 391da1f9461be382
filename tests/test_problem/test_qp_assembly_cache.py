"""The QP assembly's pattern cache and the PIQP adapter's warm updates.

A re-solve rebuilds the numbers of the standard-form QP on a cache kept by the
compiled problem: the CSC sort of each row family (and the diagonal ``P``) is
reused while its sparsity pattern is the same, recognized piece by piece.
Whatever changes between builds (rows dropped because they are unbounded,
soft slacks, fixed names, in-place edits of a term's arrays), a build on a
warm cache must equal, bit for bit, a build without one.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import replicator as rp
from replicator.qp import QPBuilder, QPData, diagonal
from replicator.solvers import Status
from replicator.solvers import _native as native_solvers

C = rp.constraints
N = 6
MATRICES = ("P", "A_eq", "A_in", "A_cone")


def assert_same_qp(a: QPData, b: QPData) -> None:
    """Every field equal, values and dtypes (``-0.0`` and ``0.0`` differ)."""
    for f in dataclasses.fields(QPData):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name in MATRICES:
            assert (x is None) == (y is None), f.name
            if x is None:
                continue
            assert type(x) is type(y) and x.shape == y.shape, f.name
            for part in ("data", "indices", "indptr"):
                u, v = getattr(x, part), getattr(y, part)
                assert u.dtype == v.dtype, (f.name, part)
                assert u.tobytes() == v.tobytes(), (f.name, part)
        elif isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.dtype == y.dtype, f.name
            assert x.shape == y.shape and x.tobytes() == y.tobytes(), f.name
        else:
            assert x == y, f.name


def assemble(step: int, cache: dict | None) -> QPData:
    """A small QP whose numbers and pattern change with ``step``."""
    rng = np.random.default_rng(step)
    qp = QPBuilder(N, rng.uniform(0, 0.3, N), 1e4, cache)
    with qp.weighted(0.5):
        y = qp.block("y", 2)
        qp.equal({"w": rng.normal(size=(2, N)), y: diagonal(-1.0, 2)}, 0.0)
        qp.quadratic(y, 1.0)
        qp.linear(y, rng.normal(size=2))
        qp.quadratic("w", rng.uniform(size=N))
        qp.linear("buy", rng.uniform(size=N))
        qp.constant(1.5)
    # an equality on even steps, a two-sided row on odd ones
    qp.between({"w": np.ones(N)}, 0.9 if step % 2 else 1.0, 1.0)
    # rows unbounded on both sides are dropped: which ones depends on values
    hi = np.where(rng.uniform(size=N) < 0.5, np.inf, 0.3)
    qp.at_most({"w": diagonal(1.0, N)}, hi)
    lo = np.where(rng.uniform(size=N) < 0.5, -np.inf, 0.01)
    if step % 3 == 0:
        with qp.softened(2.0):  # a slack block per kept row, priced
            qp.at_least({"w": diagonal(1.0, N)}, lo)
            qp.upper_bound("buy", np.full(N, 0.2))
    else:
        qp.lower_bound("w", lo)
    mask = rng.uniform(size=N) < 0.4
    if mask.any():
        if step % 4 == 1:
            with qp.softened(3.0):
                qp.fix("sell", mask, 0.0)  # soft: two rows per fixed name
        else:
            qp.fix("w", mask, 0.0)  # hard: bounds only
    # a sparse coefficient whose pattern (not its shape) changes
    k = 1 + step % 3
    pick = sp.random(k, N, density=0.5, random_state=step, format="csr")
    pick.data[:] = 1.0
    if pick.nnz:
        qp.at_most({"buy": pick, "sell": pick}, rng.uniform(0.1, 0.5, k))
    if step % 5 == 2:
        qp.structural_at_most({"w": np.ones(N)}, 1.5)
    return qp.build()


def test_warm_cache_builds_equal_fresh_builds():
    cache: dict = {}
    for step in [0, 0, 1, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11, 0, 1]:
        assert_same_qp(assemble(step, cache), assemble(step, None))


def test_values_only_rebuilds_share_the_pattern():
    cache: dict = {}
    first = assemble(4, cache)
    again = assemble(4, cache)
    for name in ("P", "A_eq", "A_in"):
        a, b = getattr(first, name), getattr(again, name)
        assert a.indices is b.indices and a.indptr is b.indptr, name
        assert a.data is not b.data, name
    assert_same_qp(again, assemble(4, None))


def test_in_place_edit_of_a_terms_pattern_is_seen():
    """A COO coefficient is used as given: editing its rows must not be missed."""
    M = sp.coo_matrix(([1.0, 2.0, 3.0], ([0, 1, 1], [0, 2, 4])), shape=(2, N))

    def build(cache: dict | None) -> QPData:
        qp = QPBuilder(N, np.zeros(N), 1.0, cache)
        qp.at_most({"w": M}, [0.5, 0.6])
        return qp.build()

    cache: dict = {}
    build(cache)
    M.row[:] = [1, 0, 0]  # same shape, entry count and columns: other rows
    assert_same_qp(build(cache), build(None))


def test_same_pieces_at_other_rows():
    """Pieces equal one by one but starting at other rows are another pattern."""

    def build(cache: dict | None, first_rows: int) -> QPData:
        qp = QPBuilder(N, np.zeros(N), 1.0, cache)
        top = sp.csr_matrix(([1.0, 1.0], ([0, 0], [0, 1])), shape=(first_rows, N))
        qp.at_most({"buy": top}, 0.5)  # entries in its first row only
        rows, cols = np.zeros(N, dtype=int), np.arange(N)
        rest = sp.csr_matrix((np.ones(N), (rows, cols)), shape=(3 - first_rows, N))
        qp.at_most({"sell": rest}, 0.7)
        return qp.build()

    cache: dict = {}
    for first_rows in (2, 1, 2):
        assert_same_qp(build(cache, first_rows), build(None, first_rows))


def test_rows_appearing_and_vanishing():
    def build(cache: dict | None, rows: int) -> QPData:
        qp = QPBuilder(N, np.zeros(N), 1.0, cache)
        for i in range(rows):
            qp.at_most({"buy": np.ones(N)}, 0.1 * (i + 1))
        qp.at_most({"sell": np.ones(N)}, np.inf)  # dropped: unbounded
        return qp.build()

    cache: dict = {}
    for rows in (0, 0, 2, 2, 1, 0, 3):
        data = build(cache, rows)
        assert data.A_in.shape == (rows, 3 * N)
        assert_same_qp(data, build(None, rows))


def test_cones_on_a_warm_cache():
    def build(cache: dict | None, step: int) -> QPData:
        rng = np.random.default_rng(step)
        qp = QPBuilder(N, np.zeros(N), 1.0, cache)
        k = 2 + step % 2
        rows = np.sort(rng.choice(N, size=k, replace=False))
        pick = sp.csr_matrix((np.ones(k), (np.arange(k), rows)), shape=(k, N))
        tau = qp.new_block("tau", k)
        qp.cones(
            "soc",
            [({tau: diagonal(-1.0, k)}, 0.0), ({"buy": -2.0 * pick}, rng.uniform())],
            count=k,
        )
        qp.cone("soc", [({}, 0.3), ({"w": diagonal(-1.0, N)}, -rng.uniform(size=N))])
        return qp.build()

    cache: dict = {}
    for step in (0, 0, 1, 2, 2, 3):
        assert_same_qp(build(cache, step), build(None, step))


def test_unset_blocks_have_the_defaults():
    qp = QPBuilder(2, np.array([0.1, 0.2]), 10.0)
    z = qp.block("z", 3)
    qp.lower_bound(z, np.array([-1.0, -np.inf, 0.0]))
    qp.quadratic(z, 2.0)
    data = qp.build()
    inf = np.inf
    np.testing.assert_array_equal(data.x_lower, [-inf, -inf, 0, 0, 0, 0, -1, -inf, 0])
    np.testing.assert_array_equal(data.x_upper, np.full(9, inf))
    np.testing.assert_array_equal(data.q, np.zeros(9))
    np.testing.assert_array_equal(data.P.diagonal(), [0] * 6 + [40.0] * 3)
    np.testing.assert_array_equal(data.b_eq, [0.1, 0.2])
    assert data.blocks["z"] == slice(6, 9)
    with pytest.raises(KeyError):
        qp.linear("nope", 1.0)
    with pytest.raises(ValueError):
        qp.linear(z, np.ones(2))  # does not broadcast to the block


def test_weighted_and_softened_restore_on_exit():
    qp = QPBuilder(2, np.zeros(2), 1.0)
    with qp.weighted(2.0), qp.weighted(3.0):
        qp.linear("w", 1.0)
        with pytest.raises(RuntimeError), qp.softened(5.0):
            assert qp.soft_price == 5.0
            raise RuntimeError
        assert qp.soft_price is None
    qp.linear("w", 1.0)
    np.testing.assert_array_equal(qp.build().q[:2], [7.0, 7.0])


# ------------------------------------------------------------- engine level
def test_term_changes_between_solves_equal_fresh_builds(medium):
    """Parameters that change the pattern on one compiled problem."""
    tickers = medium.benchmark.index
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        costs=[rp.costs.ProportionalFee(bps=5)],
        constraints=[
            C.FullyInvested(),
            C.LongOnly(),
            C.GroupBounds(upper=pd.Series({"S0": 0.5, "S2": 0.4})),
            C.Soft(C.WeightBounds(upper=pd.Series({tickers[0]: 0.1})), penalty=1e-2),
            C.Soft(C.NoTrade(list(tickers[:3])), penalty=1e-3),
        ],
        backend="native",
    )
    data = {
        "returns": medium.returns,
        "benchmark": medium.benchmark,
        "holdings": medium.holdings,
        "groups": medium.sectors,
    }
    changes = [
        lambda ks: None,
        lambda ks: setattr(ks[2], "upper", pd.Series({"S1": 0.45})),
        lambda ks: setattr(ks[3].constraint, "upper", 0.2),
        lambda ks: setattr(ks[4].constraint, "tickers", list(tickers[5:9])),
        lambda ks: setattr(ks[2], "upper", 0.6),
    ]
    shapes = set()
    for change in changes:
        change(model.constraints)
        snap = model.prepare(**data)
        problem = model.compiled_for(snap)
        with snap.solving():
            warm = problem.build(snap)
            cache, problem._cache = problem._cache, {}
            try:
                fresh = problem.build(snap)
            finally:
                problem._cache = cache
        assert_same_qp(warm, fresh)
        shapes.add((warm.A_in.shape, warm.A_in.nnz))
    assert model.n_compilations_ == 1 and len(shapes) >= 4


# ------------------------------------------------------------ PIQP adapter
def small_qp(step: int, scale_rows: float = 1.0) -> QPData:
    rng = np.random.default_rng(0)
    G = rng.normal(size=(2, N)) * scale_rows
    qp = QPBuilder(N, np.full(N, 1.0 / N), 1e4)
    y = qp.block("y", 2)
    qp.equal({"w": G, y: diagonal(-1.0, 2)}, 0.0)
    qp.quadratic(y, 1.0)
    qp.quadratic("w", 0.1)
    qp.linear("w", -0.2 * np.random.default_rng(step).uniform(size=N))
    qp.linear("buy", np.full(N, 1e-3))
    qp.linear("sell", np.full(N, 1e-3))
    qp.between({"w": np.ones(N)}, 1.0, 1.0)
    qp.lower_bound("w", 0.0)
    qp.at_most({"buy": np.ones(N)}, 0.5)
    return qp.build()


def test_piqp_passes_only_changed_matrices(monkeypatch):
    import piqp

    updates: list[set[str]] = []

    class Counting(piqp.SparseSolver):
        def update(self, *args, **kwargs):
            updates.append({k for k in ("P", "A", "G") if k in kwargs})
            return super().update(*args, **kwargs)

    monkeypatch.setattr(piqp, "SparseSolver", Counting)
    adapter = native_solvers.make_native_solver("PIQP", None, N)
    sequence = [small_qp(0), small_qp(1), small_qp(2, scale_rows=2.0), small_qp(3)]
    outs = [adapter.solve(d) for d in sequence]
    assert updates == [set(), {"A"}, {"A"}]
    for d, out in zip(sequence, outs, strict=True):
        assert out.status is Status.OPTIMAL and out.raw_status == "PIQP_SOLVED"
        cold = native_solvers.make_native_solver("PIQP", None, N).solve(d)
        np.testing.assert_allclose(out.x, cold.x, atol=1e-7)


def test_piqp_sees_in_place_edits_of_the_numbers():
    """The adapter compares numbers, not objects: an edited matrix is passed."""
    adapter = native_solvers.make_native_solver("PIQP", None, N)
    d = small_qp(0)
    adapter.solve(d)
    doubled = small_qp(0, scale_rows=2.0)
    d.A_eq.data[:] = doubled.A_eq.data  # the rows y = G w, edited in place
    out = adapter.solve(d)
    cold = native_solvers.make_native_solver("PIQP", None, N).solve(doubled)
    np.testing.assert_allclose(out.x, cold.x, atol=1e-7)


def test_piqp_status_names():
    import piqp

    status = native_solvers._piqp_status
    assert status(piqp.PIQP_SOLVED) == (Status.OPTIMAL, "PIQP_SOLVED")
    assert status(piqp.PIQP_PRIMAL_INFEASIBLE) == (
        Status.INFEASIBLE,
        "PIQP_PRIMAL_INFEASIBLE",
    )
    assert status(piqp.PIQP_DUAL_INFEASIBLE)[0] is Status.UNBOUNDED
    assert status(piqp.PIQP_MAX_ITER_REACHED) == (
        Status.FAILED,
        "PIQP_MAX_ITER_REACHED",
    )
