"""QP solvers called directly on a :class:`~replicator.qp.QPData`.

Each adapter keeps its solver object between calls. When the sparsity pattern
of the new data equals the last one, only the changed numbers are passed to the
solver (``update``); otherwise it is set up again.

* **DUAL_NEWTON** (:mod:`replicator.solvers.dual_newton`, the default for QPs
  whose layout record it reads: separable per asset plus at most 160 coupling
  rows, every weight with curvature): exact, certified by the duality gap,
  warm-started. Engine benchmark problem: ~1 ms at N=500, ~5 ms at N=5,000.
* **PIQP** (proximal interior point, the default for the other QPs): 10-15
  iterations whatever the conditioning; re-solves reuse the symbolic
  factorization. Engine benchmark problem (k=10 factor model, budget, long-only,
  caps, turnover, 5 bp fee): 3-4.5 ms at N=500, ~0.07 s at N=5,000, objective
  within 1e-6 of a tight Clarabel solve.
* **OSQP** (ADMM, warm-started): needs eps ~ 2.5e-2/N^2 for a 1e-4 objective
  gap, hence hundreds to thousands of iterations on these problems.
* **Clarabel** (interior point, no warm start): the only native solver of
  problems with cones (power impact, AMM, TE cap); a re-solve with the same
  pattern updates the data in place and keeps the symbolic factorization.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from replicator.exceptions import ConfigError
from replicator.solvers._base import DEFAULT_OPTIONS, Status, osqp_tolerance
from replicator.solvers._outcome import NativeOutcome
from replicator.solvers.dual_newton import DualNewton

__all__ = ["NATIVE_SOLVERS", "NativeOutcome", "make_native_solver"]

INF = 1e30  # OSQP's infinity


def _pattern(M: sp.csc_matrix) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    return (M.shape, M.indptr, M.indices)


def _same_pattern(a: Any, b: Any) -> bool:
    """Equal shapes and index arrays (the builder reuses the arrays: ``is``)."""
    return (
        a is not None
        and b is not None
        and a[0] == b[0]
        and (a[1] is b[1] or np.array_equal(a[1], b[1]))
        and (a[2] is b[2] or np.array_equal(a[2], b[2]))
    )


def _apply(settings: Any, options: dict[str, Any], solver: str) -> None:
    for key, value in options.items():
        if not hasattr(settings, key):
            raise ConfigError(
                f"solver_options: {solver} has no setting {key!r}. See the "
                f"{solver} documentation for its settings."
            )
        setattr(settings, key, value)


def _not_conic(name: str) -> NativeOutcome:
    """Outcome of a QP solver handed a conic problem (never routed there)."""
    return NativeOutcome(None, Status.FAILED, f"{name} cannot solve cones", 0, 0.0, 0.0)


#: PIQP status -> (Status, raw name), filled on first use (``str`` of a
#: pybind11 enum costs tens of microseconds per call).
_PIQP_STATUS: dict[Any, tuple[Status, str]] = {}


def _piqp_status(status: Any) -> tuple[Status, str]:
    """Map a PIQP status to ours and to its raw name (``PIQP_SOLVED``, ...)."""
    if not _PIQP_STATUS:
        import piqp

        mapped = {
            piqp.PIQP_SOLVED: Status.OPTIMAL,
            piqp.PIQP_PRIMAL_INFEASIBLE: Status.INFEASIBLE,
            piqp.PIQP_DUAL_INFEASIBLE: Status.UNBOUNDED,
        }
        for member in type(piqp.PIQP_SOLVED).__members__.values():
            name = str(member).split(".")[-1]
            _PIQP_STATUS[member] = (mapped.get(member, Status.FAILED), name)
    hit = _PIQP_STATUS.get(status)
    if hit is None:  # not a member: never cached
        return Status.FAILED, str(status).split(".")[-1]
    return hit


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.array_equal`` of two float vectors, without its conversions."""
    return a.shape == b.shape and bool((a == b).all())


class _PIQP:
    name = "PIQP"

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = {**DEFAULT_OPTIONS.get("PIQP", {}), **options}
        self.solver: Any = None
        self.key: Any = None
        #: Copies of the numbers of P, A_eq and A_in the solver holds.
        self.last: tuple[np.ndarray, ...] = ()

    def _setup(self, d: Any) -> None:
        import piqp

        s = piqp.SparseSolver()
        s.settings.verbose = False
        _apply(s.settings, self.options, self.name)
        s.setup(d.P, d.q, d.A_eq, d.b_eq, d.A_in, d.l_in, d.u_in, d.x_lower, d.x_upper)
        self.solver = s

    def solve(self, d: Any) -> NativeOutcome:
        if d.is_conic:
            return _not_conic(self.name)

        mats = (d.P, d.A_eq, d.A_in)
        key = tuple(_pattern(M) for M in mats)
        t0 = time.perf_counter()
        same = self.solver is not None and all(
            _same_pattern(a, b) for a, b in zip(key, self.key or (), strict=False)
        )
        if not same:
            self._setup(d)
            self.last = tuple(M.data.copy() for M in mats)
        else:
            # Vectors are cheap to pass; a matrix only when its numbers changed
            # (PIQP then rescales the problem). The copies of unchanged
            # matrices are kept.
            kw: dict[str, Any] = {}
            last = list(self.last)
            for i, (k, M) in enumerate(zip(("P", "A", "G"), mats, strict=True)):
                if not _same_values(M.data, last[i]):
                    kw[k] = M
                    last[i] = M.data.copy()
            self.solver.update(
                c=d.q,
                b=d.b_eq,
                h_l=d.l_in,
                h_u=d.u_in,
                x_l=d.x_lower,
                x_u=d.x_upper,
                **kw,
            )
            self.last = tuple(last)
        self.key = key
        t1 = time.perf_counter()
        status = self.solver.solve()
        t2 = time.perf_counter()
        result = self.solver.result
        mapped, raw = _piqp_status(status)
        x = np.array(result.x, dtype=float) if mapped.usable else None
        iterations = int(result.info.iter)
        if mapped is not Status.OPTIMAL:
            self.solver = None  # start afresh after a failure
        return NativeOutcome(x, mapped, raw, iterations, t2 - t1, t1 - t0)


class _OSQP:
    name = "OSQP"

    def __init__(self, options: dict[str, Any], n_assets: int) -> None:
        tol = osqp_tolerance(n_assets)
        self.options = {
            **DEFAULT_OPTIONS.get("OSQP", {}),
            "eps_abs": tol,
            "eps_rel": tol,
            "verbose": False,
            **options,
        }
        self.solver: Any = None
        self.key: Any = None
        self.last: dict[str, np.ndarray] = {}

    @staticmethod
    def _stack(d: Any) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
        bounded = np.flatnonzero(np.isfinite(d.x_lower) | np.isfinite(d.x_upper))
        eye = sp.identity(d.n_variables, format="csr")[bounded]
        A = sp.vstack([d.A_eq, d.A_in, eye], format="csc")
        A.sort_indices()
        lo = np.concatenate([d.b_eq, d.l_in, d.x_lower[bounded]])
        hi = np.concatenate([d.b_eq, d.u_in, d.x_upper[bounded]])
        return A, np.clip(lo, -INF, INF), np.clip(hi, -INF, INF)

    def solve(self, d: Any) -> NativeOutcome:
        import osqp

        if d.is_conic:
            return _not_conic(self.name)

        A, lo, hi = self._stack(d)
        key = (_pattern(d.P), _pattern(A))
        t0 = time.perf_counter()
        same = self.solver is not None and all(
            _same_pattern(a, b) for a, b in zip(key, self.key or (), strict=False)
        )
        if not same:
            self.solver = osqp.OSQP()
            try:
                self.solver.setup(d.P, d.q, A, lo, hi, **self.options)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"solver_options: OSQP rejected them: {exc}") from exc
        else:
            kw: dict[str, Any] = {"q": d.q, "l": lo, "u": hi}
            if not np.array_equal(d.P.data, self.last["P"]):
                kw["Px"] = d.P.data
            if not np.array_equal(A.data, self.last["A"]):
                kw["Ax"] = A.data
            self.solver.update(**kw)
        self.key, self.last = key, {"P": d.P.data.copy(), "A": A.data.copy()}
        t1 = time.perf_counter()
        res = self.solver.solve(raise_error=False)
        t2 = time.perf_counter()
        raw = str(res.info.status)
        mapped = {
            "solved": Status.OPTIMAL,
            "solved inaccurate": Status.OPTIMAL_INACCURATE,
            "primal infeasible": Status.INFEASIBLE,
            "primal infeasible inaccurate": Status.INFEASIBLE,
            "dual infeasible": Status.UNBOUNDED,
            "dual infeasible inaccurate": Status.UNBOUNDED,
        }.get(raw, Status.FAILED)
        x = np.array(res.x, dtype=float) if mapped.usable else None
        if mapped is not Status.OPTIMAL:
            self.solver = None
        return NativeOutcome(x, mapped, raw, int(res.info.iter), t2 - t1, t1 - t0)


class _Clarabel:
    """Clarabel, kept between calls: a re-solve updates the data in place.

    Clarabel cannot warm start an interior point, but when the new problem has
    the sparsity pattern and cones of the last one, ``DefaultSolver.update``
    rewrites ``P, q, A, b`` and keeps the symbolic factorization of the KKT
    system and its allocations. Updates need ``presolve_enable = False`` (the
    assembly never passes an infinite bound, the only rows Clarabel's presolve
    removes) and ``input_sparse_dropzeros = False`` (the default).

    The duality-gap tolerances are 1e-10 (Clarabel's default: 1e-8): at 1e-8
    the 3/2-power benchmark (``benchmarks/conic.py``) ended up to 3e-6 above
    a tight reference at N=200; at 1e-10 within 7e-8, for about two more
    iterations. A problem that stalls at 1e-10 (``InsufficientProgress``,
    ``AlmostSolved``, ...) is solved again at Clarabel's defaults; tolerances
    given in ``solver_options`` are used as given.
    """

    #: Tolerances tighter than Clarabel's defaults (see above).
    TIGHT: ClassVar[dict[str, float]] = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10}

    name = "CLARABEL"

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = {
            "presolve_enable": False,
            **DEFAULT_OPTIONS.get("CLARABEL", {}),
            **options,
        }
        #: True when the tight tolerances are ours (none given by the user).
        self.tight = not any(k in self.options for k in self.TIGHT)
        self.solver: Any = None
        self.key: Any = None

    @staticmethod
    def _assemble(
        d: Any,
    ) -> tuple[sp.csc_matrix, np.ndarray, list[Any], tuple[Any, ...]]:
        """Stack rows and cones: ``A x + s = b``, ``s`` in the cones."""
        import clarabel

        lo_b, hi_b = np.isfinite(d.x_lower), np.isfinite(d.x_upper)
        lo_r, hi_r = np.isfinite(d.l_in), np.isfinite(d.u_in)
        eye = sp.identity(d.n_variables, format="csr")
        blocks = [d.A_eq, d.A_in[hi_r], -d.A_in[lo_r], eye[hi_b], -eye[lo_b]]
        rhs = [d.b_eq, d.u_in[hi_r], -d.l_in[lo_r], d.x_upper[hi_b], -d.x_lower[lo_b]]
        n_in = int(sum(r.size for r in rhs[1:]))
        cones = [clarabel.ZeroConeT(int(d.b_eq.size))]
        if n_in:
            cones.append(clarabel.NonnegativeConeT(n_in))
        spec: tuple[Any, ...] = (int(d.b_eq.size), n_in)
        if d.is_conic:
            blocks.append(d.A_cone)
            rhs.append(d.b_cone)
            for kind, dim, param, count in d.cones:
                if kind == "soc":
                    cones.extend(clarabel.SecondOrderConeT(dim) for _ in range(count))
                else:
                    cones.extend(clarabel.PowerConeT(param) for _ in range(count))
            spec += tuple(d.cones)
        A = sp.vstack(blocks, format="csc")
        A.sort_indices()
        return A, np.concatenate(rhs), cones, spec

    def solve(self, d: Any) -> NativeOutcome:
        t0 = time.perf_counter()
        A, b, cones, spec = self._assemble(d)
        P = sp.triu(d.P, format="csc")
        P.sort_indices()
        key = (_pattern(P), _pattern(A), spec)
        same = (
            self.solver is not None
            and self.key[2] == spec
            and all(
                _same_pattern(x, y) for x, y in zip(key[:2], self.key[:2], strict=True)
            )
        )
        if same:
            self.solver.update(P=P.data, q=d.q, A=A.data, b=b)
        else:
            self.solver = self._new(P, d.q, A, b, cones, self.tight)
        self.key = key
        t1 = time.perf_counter()
        sol = self.solver.solve()
        raw = str(sol.status)
        mapped = _CLARABEL_STATUS.get(raw, Status.FAILED)
        iterations = int(sol.iterations)
        retried = False
        if self.tight and mapped in (Status.FAILED, Status.OPTIMAL_INACCURATE):
            first = raw
            self.solver = self._new(P, d.q, A, b, cones, False)
            sol = self.solver.solve()
            raw = f"{sol.status} (at Clarabel's tolerances; at 1e-10: {first})"
            mapped = _CLARABEL_STATUS.get(str(sol.status), Status.FAILED)
            iterations += int(sol.iterations)
            retried = True  # the next call sets up with the tight tolerances
        t2 = time.perf_counter()
        x = np.array(sol.x, dtype=float) if mapped.usable else None
        if retried or mapped is not Status.OPTIMAL:
            self.solver = None  # start afresh after a failure
        elif not self.solver.is_data_update_allowed():
            self.solver = None
        return NativeOutcome(x, mapped, raw, iterations, t2 - t1, t1 - t0)

    def _new(self, P: Any, q: Any, A: Any, b: Any, cones: Any, tight: bool) -> Any:
        import clarabel

        settings = clarabel.DefaultSettings()
        settings.verbose = False
        _apply(settings, {**(self.TIGHT if tight else {}), **self.options}, self.name)
        return clarabel.DefaultSolver(P, q, A, b, cones, settings)


#: Clarabel status -> ours.
_CLARABEL_STATUS = {
    "Solved": Status.OPTIMAL,
    "AlmostSolved": Status.OPTIMAL_INACCURATE,
    "PrimalInfeasible": Status.INFEASIBLE,
    "AlmostPrimalInfeasible": Status.INFEASIBLE,
    "DualInfeasible": Status.UNBOUNDED,
    "AlmostDualInfeasible": Status.UNBOUNDED,
}

#: Solvers the native QP path can call.
NATIVE_SOLVERS = ("DUAL_NEWTON", "PIQP", "OSQP", "CLARABEL")


def make_native_solver(name: str, options: dict[str, Any] | None, n_assets: int) -> Any:
    """Return a stateful adapter for ``name`` (one of :data:`NATIVE_SOLVERS`)."""
    opts = dict(options or {})
    if name == "DUAL_NEWTON":
        return DualNewton(opts)
    if name == "PIQP":
        return _PIQP(opts)
    if name == "OSQP":
        return _OSQP(opts, n_assets)
    if name == "CLARABEL":
        return _Clarabel(opts)
    raise ValueError(name)
