r"""The replication QP without cvxpy: assembled by the terms, solved directly.

Used when every term is linear or quadratic and describes itself to a
:class:`~replicator.qp.QPBuilder` (its ``qp`` method). The problem is
the one :class:`~replicator.problem._builder.CompiledProblem` builds with
cvxpy, term for term:

.. math::

    \min_{w}\; S \Big( \mathrm{TE}^2(w)
        + \frac{1}{\lambda H} \sum_k C_k(w - w_0) + \sum_j P_j(w) \Big)

Compiling is assembling the sparse matrices once; a re-solve rebuilds the
numbers from the snapshot (vector operations only, no canonicalization) and
passes the changed ones to the warm solver. The tests check that both paths
reach the same optimum on every supported term.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import numpy as np

from replicator.constraints._base import Constraint
from replicator.costs._base import Cost
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError
from replicator.problem._builder import OBJECTIVE_SCALE
from replicator.qp import QPBuilder, QPData
from replicator.risk._base import RiskModel
from replicator.solvers import SolverStats, Status, fall_back
from replicator.solvers._native import make_native_solver
from replicator.solvers._routing import (
    DENSE_MIN_ASSETS,
    DUAL_NEWTON_REASON,
    PIQP_REASON,
    native_fallbacks,
    native_route,
)
from replicator.terms import Term, is_conic, tracking_weight

__all__ = [
    "DUAL_NEWTON_REASON",
    "PIQP_REASON",
    "NativeProblem",
    "native_route",
    "supports_native",
]


#: Slack of one row (its own units) above which the native elastic check names
#: the limit.
ELASTIC_TOL = 1e-7
#: Weight of TE^2 in the native elastic check: far below any elastic price (>= 1
#: per unit of violation), so it only picks the least violating point nearest
#: the benchmark.
ELASTIC_TE_WEIGHT = 1e-6


def supports_native(terms: Sequence[Term]) -> bool:
    """Return True when every term can describe itself to a :class:`QPBuilder`."""
    return all(t.supports_qp for t in terms)


class NativeProblem:
    """The replication QP for one universe, assembled without cvxpy.

    Parameters
    ----------
    risk : RiskModel
        Fitted risk model.
    costs : sequence of Cost
    constraints : sequence of Constraint
    snapshot : MarketSnapshot
        Fixes the universe (asset order) and the mode.
    n_factors : int
        Factor rows of the risk model (as on the cvxpy path).
    cost_weight : float
        ``1 / (risk_aversion * horizon)``.
    """

    #: Assembled without cvxpy (the :class:`~replicator.problem.Problem` flag).
    native = True

    def __init__(
        self,
        risk: RiskModel,
        costs: Sequence[Cost],
        constraints: Sequence[Constraint],
        snapshot: MarketSnapshot,
        *,
        n_factors: int,
        cost_weight: float,
    ) -> None:
        self.risk = risk
        self.costs = list(costs)
        self.constraint_terms = list(constraints)
        self.assets = snapshot.assets
        self.returns_only = snapshot.returns_only
        self.cost_weight = float(cost_weight)
        conic = is_conic((risk, *self.costs, *self.constraint_terms))
        #: Weight of TE^2 in the objective (fixed per compiled problem).
        self.te_weight = tracking_weight(
            self.constraint_terms, bool(self.costs), self.cost_weight
        )
        #: Rows of the risk factor ``G`` (``N`` for a dense covariance).
        self.n_factor_rows = int(n_factors)
        #: "qp" or "socp" (power, AMM or TE-cap cones), as on the cvxpy path.
        self.problem_class = "socp" if conic else "qp"
        self.is_qp = not conic
        self.scale = OBJECTIVE_SCALE
        # Binding validates the parameters and fixes per-universe structure
        # (group membership, factor capacity) exactly as on the cvxpy path.
        risk.bind(snapshot, n_factors)
        for k in self.constraint_terms:
            k.attach_risk(risk)
        for term in (*self.costs, *self.constraint_terms):
            term.bind(snapshot)
        self._solvers: dict[tuple[str, str], object] = {}
        self._cache: dict[str, object] = {}
        self.data: QPData | None = None
        self._x: np.ndarray | None = None
        self._holdings: np.ndarray | None = None

    def _builder(self, snapshot: MarketSnapshot, cache: dict | None) -> QPBuilder:
        """Return a builder for ``snapshot``, non-investable weights fixed at 0."""
        qp = QPBuilder(snapshot.n_assets, snapshot.holdings, self.scale, cache)
        investable = np.asarray(snapshot.investable, dtype=bool)
        if not investable.all():
            qp.fix("w", ~investable, 0.0)
        return qp

    def build(self, snapshot: MarketSnapshot) -> QPData:
        """Assemble the standard-form QP of ``snapshot``."""
        qp = self._builder(snapshot, self._cache)
        with qp.weighted(self.te_weight):
            self.risk.qp(qp, snapshot)  # type: ignore[attr-defined]
        with qp.weighted(self.cost_weight):
            for c in self.costs:
                c.qp(qp, snapshot)  # type: ignore[attr-defined]
        for k in self.constraint_terms:
            k.qp(qp, snapshot)  # type: ignore[attr-defined]
        return qp.build()

    def update(self, snapshot: MarketSnapshot) -> None:
        """Assemble the numbers of ``snapshot`` (the pattern is unchanged)."""
        self.data = self.build(snapshot)
        self._holdings = np.asarray(snapshot.holdings, dtype=float)

    def _solve_with(self, name: str, reason: str, options: dict | None) -> SolverStats:
        assert self.data is not None
        t0 = time.perf_counter()
        key = (name, repr(sorted((options or {}).items())))
        solver = self._solvers.get(key)
        if solver is None:  # one warm adapter per solver and options
            try:
                solver = make_native_solver(name, options, len(self.assets))
            except (TypeError, ValueError) as exc:
                if isinstance(exc, ConfigError):
                    raise
                raise ConfigError(
                    f"solver_options: {name} refused {options!r}: {exc}. Check "
                    "each setting's type and range in the solver's documentation."
                ) from None
            self._solvers[key] = solver
        out = solver.solve(self.data)  # type: ignore[attr-defined]
        if out.x is not None:
            self._x = out.x
        return SolverStats(
            status=out.status,
            raw_status=out.raw_status,
            solver=name,
            reason=reason,
            iterations=out.iterations,
            solve_time=out.solve_time,
            setup_time=out.setup_time,
            compile_time=0.0,
            wall_time=time.perf_counter() - t0,
            attempts=(f"{name}: {out.raw_status}",),
        )

    def solve(
        self,
        solver: str = "auto",
        options: dict | None = None,
        *,
        fallback: bool = True,
    ) -> SolverStats:
        """Solve, falling back to the other native solvers before giving up.

        With ``solver="auto"`` a QP goes to the dual Newton method first; when
        it declines (a structure it does not handle, or no certified optimum
        within its iteration limit) PIQP solves it, and both attempts are
        recorded. The decline is not a failure: nothing warns. ``options``
        under ``"auto"`` are PIQP's, so with options a QP goes to PIQP.
        """
        assert self.data is not None
        conic = self.data.is_conic
        n = len(self.assets)
        dense = self.n_factor_rows >= n >= DENSE_MIN_ASSETS
        name, reason = native_route(solver, conic, dense)
        auto = solver.upper() == "AUTO"
        first = None
        if name == "DUAL_NEWTON" and auto and options:
            name, reason = "PIQP", f"{PIQP_REASON} (solver_options are PIQP's)"
        elif name == "DUAL_NEWTON" and auto:
            first = self._solve_with(name, reason, None)
            if first.status is Status.OPTIMAL:
                return first
            name, reason = "PIQP", f"{PIQP_REASON} (dual Newton {first.raw_status})"
        stats = self._solve_with(name, reason, options)
        if first is not None:
            stats = replace(stats, attempts=(*first.attempts, *stats.attempts))
        if stats.status is Status.OPTIMAL or not fallback:
            return stats
        tried = {name} if first is None else {name, first.solver}
        alternatives = native_fallbacks(conic, tried)
        return fall_back(
            stats,
            [
                (alt, partial(self._solve_with, alt, options=None))
                for alt in alternatives
            ],
        )

    def elastic_violations(
        self, snapshot: MarketSnapshot
    ) -> tuple[dict[str, float], np.ndarray] | None:
        """Phase 1 of elastic mode, natively: how much each hard limit must give.

        Every hard constraint is softened with its ``elastic_price`` per unit of
        violation (slacks per row, shared where the term's soft form shares
        them); the tracking error gets a negligible weight and the costs are left
        out (they never bind, and their power and AMM cones are what made the
        full problem hard), so Clarabel minimizes the priced violations. That
        problem is always feasible.

        Returns
        -------
        (dict, ndarray) or None
            Constraint name -> total slack of its rows (rows' own units), for
            the constraints that must be relaxed (empty when every constraint can
            hold: the failure was numerical), and the weights of the least
            violating point; None when this check fails too.
        """
        terms = self.constraint_terms
        prices = {i: float(k.elastic_price) for i, k in enumerate(terms)}
        data, owners = self._elastic_qp(snapshot, prices)
        out = make_native_solver("CLARABEL", None, snapshot.n_assets).solve(data)
        if out.x is None:
            return None
        found: dict[str, float] = {}
        for i, blocks in owners.items():
            if not blocks:
                continue
            rows = np.concatenate([out.x[data.blocks[b]] for b in blocks])
            # a limit gives when one of its rows does: the interior point's
            # ~1e-10 per row would add up past the tolerance over N rows
            if rows.max() > ELASTIC_TOL:
                name = terms[i].name
                found[name] = found.get(name, 0.0) + float(rows.sum())
        return found, np.asarray(out.x[data.blocks["w"]], dtype=float)

    def _elastic_qp(
        self,
        snapshot: MarketSnapshot,
        prices: dict[int, float],
        skip: int | None = None,
    ) -> tuple[QPData, dict[int, list[str]]]:
        """Assemble an elastic problem of the hard constraints.

        Constraint ``i`` in ``prices`` gets a slack per row priced ``prices[i]``
        (shared where its soft form shares them); the other hard constraints
        stay hard, except ``skip``, left out; soft constraints are left out (they
        never make the problem infeasible), and so are the costs (they never
        bind; their cones are what made the full problem hard). Returns the QP
        and the slack blocks of each softened constraint.
        """
        qp = self._builder(snapshot, None)
        # y = G w and z = s w, for a TE limit's cone; the tiny weight on TE^2
        # regularizes (with none, Clarabel declared the problem dual infeasible)
        with qp.weighted(ELASTIC_TE_WEIGHT):
            self.risk.qp(qp, snapshot)  # type: ignore[attr-defined]
        owners: dict[int, list[str]] = {}
        for i, k in enumerate(self.constraint_terms):
            if i == skip or k.is_soft:
                continue
            if i not in prices:
                k.qp(qp, snapshot)  # type: ignore[attr-defined]
                continue
            before = set(qp.block_names)
            with qp.softened(prices[i]):
                k.qp(qp, snapshot)  # type: ignore[attr-defined]
            owners[i] = [
                b for b in qp.block_names if b not in before and b.startswith("slack")
            ]
        return qp.build(), owners

    def smallest_relaxation(
        self, snapshot: MarketSnapshot, culprit: int, skip: int | None = None
    ) -> float | None:
        """Phase 2 of elastic mode, natively: how much one constraint must give.

        Constraint ``culprit`` (an index into the constraint terms) gets a slack
        per row (as in :meth:`elastic_violations`, at a price of 1); every other
        hard constraint stays hard, except ``skip``, which is left out; the
        costs are left out and the tracking error gets the same negligible
        weight. Comparing the result with and without each other constraint
        tells which ones the culprit conflicts with.

        Returns
        -------
        float or None
            The culprit's least total slack (its rows' own units); None when
            this problem fails too (e.g. the other constraints conflict among
            themselves).
        """
        data, owners = self._elastic_qp(snapshot, {culprit: 1.0}, skip)
        out = make_native_solver("CLARABEL", None, snapshot.n_assets).solve(data)
        if out.x is None or not out.status.usable:  # "AlmostSolved" is usable
            return None
        blocks = owners.get(culprit, [])
        return sum(float(np.sum(out.x[data.blocks[b]])) for b in blocks)

    @property
    def objective_value(self) -> float:
        """Scaled objective of the last solution (``OBJECTIVE_SCALE`` units)."""
        assert self._x is not None and self.data is not None
        d, x = self.data, self._x
        # P holds the upper triangle: x'(P + P' - diag P)x / 2, without P'.
        # Elementwise products and sums, not BLAS dot: a threaded ddot took
        # 25-45 ms per call at N=5,000 on a loaded 2-core machine.
        Px = d.P @ x - 0.5 * d.P.diagonal() * x
        return float(np.sum(x * Px) + np.sum(d.q * x) + d.constant)

    def solution(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(weights, trades)`` of the last solve as numpy arrays."""
        assert self._x is not None and self.data is not None
        assert self._holdings is not None
        w = self._x[self.data.blocks["w"]].copy()
        return w, w - self._holdings
