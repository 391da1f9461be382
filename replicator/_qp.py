r"""Standard-form QP assembled directly from the terms (no cvxpy).

A term that is linear or quadratic can describe itself to a :class:`QPBuilder`
through a ``qp(builder, snapshot)`` method. When every term of a model can, the
engine skips cvxpy and hands the data to a QP solver itself: the numbers are
rebuilt from the snapshot on every solve (a few vector operations), the
sparsity pattern is fixed per universe, and the solver is set up once and then
only updated (see :mod:`replicator.problem._native`).

The variables are named blocks of one vector ``x``:

* ``w`` post-trade weights, ``buy`` and ``sell`` the positive and negative
  parts of the trades (``w - buy + sell = w0``, both ``>= 0``);
* ``y = G w`` the factor exposures and ``z = s * w`` the scaled weights of the
  risk model (auxiliaries that make the Hessian diagonal);
* any block a term adds (a cash-leg bound, soft-constraint slacks, ...).

Notes
-----
The form handed to the solvers is

.. math::

    \min_x\; \tfrac12 x^T P x + q^T x + c
    \quad\text{s.t.}\quad A_{eq} x = b_{eq},\;
    l \le A_{in} x \le u,\; x_l \le x \le x_u

with the objective multiplied by ``OBJECTIVE_SCALE`` (see
:mod:`replicator.problem._builder`). A term adds ``weight * f(x)`` to the
objective, ``weight`` being 1 for the tracking variance and soft penalties and
``1 / (lambda H)`` for costs (:meth:`QPBuilder.weighted`).

Inside :meth:`QPBuilder.softened` every bound and inequality row a term adds
gets a non-negative slack priced in the objective, which is exactly the
``penalty * sum(pos(lhs - rhs))`` of :class:`~replicator.constraints.Soft`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from replicator.typing import FloatArray

__all__ = ["Diag", "QPBuilder", "QPData", "diagonal"]

Coefs = Mapping[str, "FloatArray | Diag | sp.spmatrix | sp.sparray | float"]


@dataclass
class QPData:
    """One QP in standard form (see the module notes).

    Attributes
    ----------
    P : csc_matrix
        Upper triangle of the (scaled) Hessian, ``(nx, nx)``.
    q : ndarray
        Linear term.
    constant : float
        Objective constant (scaled).
    A_eq, b_eq : csc_matrix, ndarray
        Equality rows.
    A_in, l_in, u_in : csc_matrix, ndarray, ndarray
        Inequality rows (``-inf`` / ``inf`` for a missing side).
    x_lower, x_upper : ndarray
        Variable bounds.
    blocks : dict
        Block name -> ``slice`` of ``x``.
    A_cone, b_cone : csc_matrix, ndarray or None
        Conic rows: ``b_cone - A_cone x`` lies in the product of ``cones``.
    cones : list of (kind, dim, parameter, count)
        ``count`` consecutive cones of ``kind`` ``"soc"`` (second-order,
        dimension ``dim``) or ``"pow"`` (3-d power cone of exponent
        ``parameter``), in row order.
    """

    P: sp.csc_matrix
    q: FloatArray
    constant: float
    A_eq: sp.csc_matrix
    b_eq: FloatArray
    A_in: sp.csc_matrix
    l_in: FloatArray
    u_in: FloatArray
    x_lower: FloatArray
    x_upper: FloatArray
    blocks: dict[str, slice] = field(default_factory=dict)
    A_cone: sp.csc_matrix | None = None
    b_cone: FloatArray | None = None
    cones: list[tuple[str, int, float, int]] = field(default_factory=list)

    @property
    def is_conic(self) -> bool:
        """True when the problem has second-order or power cones."""
        return bool(self.cones)

    @property
    def n_variables(self) -> int:
        """Length of ``x``."""
        return int(self.q.size)

    def objective(self, x: FloatArray) -> float:
        """Scaled objective at ``x`` (``P`` holds the upper triangle only)."""
        Px = self.P @ x + self.P.T @ x - self.P.diagonal() * x
        return float(0.5 * x @ Px + self.q @ x + self.constant)


@dataclass(frozen=True)
class Diag:
    """A diagonal coefficient block ``diag(values)`` (zeros kept in the pattern)."""

    values: FloatArray

    def __mul__(self, k: float) -> Diag:
        return Diag(self.values * float(k))

    __rmul__ = __mul__


def diagonal(values: FloatArray | float, n: int | None = None) -> Diag:
    """Return ``diag(values)``; a scalar with ``n`` gives ``values * I_n``."""
    if n is not None:
        return Diag(np.full(n, float(values)))  # type: ignore[arg-type]
    return Diag(np.asarray(values, dtype=float))


@lru_cache(maxsize=64)
def _dense_pattern(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of a dense ``rows x cols`` block (read-only)."""
    r = np.repeat(np.arange(rows), cols)
    c = np.tile(np.arange(cols), rows)
    r.flags.writeable = False
    c.flags.writeable = False
    return r, c


def _vector(x: FloatArray | float, n: int) -> np.ndarray:
    """``x`` broadcast to a float vector of length ``n``."""
    if np.ndim(x) == 0:
        return np.full(n, float(x))  # type: ignore[arg-type]
    return np.broadcast_to(np.asarray(x, dtype=float), (n,))


@lru_cache(maxsize=16)
def _diagonal_pattern(n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSC ``indices`` and ``indptr`` of an ``n x n`` diagonal.

    Shared between builds (never written; the solvers' bindings need
    writeable arrays, so they are not flagged read-only).
    """
    return np.arange(n, dtype=np.int32), np.arange(n + 1, dtype=np.int32)


class _Rows:
    """Triplets of one row family (equalities or inequalities)."""

    def __init__(self) -> None:
        self.n = 0
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []

    def add(
        self,
        pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        n_rows: int,
        lo: FloatArray,
        hi: FloatArray,
    ) -> None:
        for r, c, v in pieces:
            self.rows.append(r + self.n)
            self.cols.append(c)
            self.vals.append(v)
        self.lo.append(_vector(lo, n_rows))
        self.hi.append(_vector(hi, n_rows))
        self.n += n_rows

    def matrix(
        self, nx: int, cache: dict[str, Any] | None = None, key: str = ""
    ) -> tuple[sp.csc_matrix, FloatArray, FloatArray]:
        """Assemble the CSC matrix and the bounds.

        Entries never repeat a (row, column) pair (each row is added once,
        each block of a row once), so CSC is a sort by (column, row); the
        sort is reused while the pattern is the same as in ``cache``.
        """
        if not self.n:
            empty = np.zeros(0)
            return sp.csc_matrix((0, nx)), empty, empty
        r = np.concatenate(self.rows)
        c = np.concatenate(self.cols)
        v = np.concatenate(self.vals)
        hit = None if cache is None else cache.get(key)
        if (
            hit is not None
            and hit[0] == (self.n, nx)
            and np.array_equal(hit[1], r)
            and np.array_equal(hit[2], c)
        ):
            # Same pattern: a shallow copy of the last matrix with new numbers
            # (its index arrays are shared, never written).
            perm, template = hit[3], hit[4]
            A = copy.copy(template)
            A.data = v[perm]
        else:
            perm = np.lexsort((r, c))
            indices = r[perm].astype(np.int32)
            counts = np.bincount(c, minlength=nx)
            indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
            A = sp.csc_matrix((v[perm], indices, indptr), shape=(self.n, nx))
            A.has_sorted_indices = True
            if cache is not None:
                cache[key] = ((self.n, nx), r, c, perm, A)
        lo = np.concatenate(self.lo)
        hi = np.concatenate(self.hi)
        return A, lo, hi


class QPBuilder:
    """Collect the terms' contributions to one standard-form QP.

    Parameters
    ----------
    n_assets : int
        Universe size (the length of ``w``, ``buy`` and ``sell``).
    holdings : ndarray
        Pre-trade weights ``w0``.
    scale : float
        Objective scale (``OBJECTIVE_SCALE``).
    cache : dict, optional
        Kept by the caller across builds of the same problem: the sparsity
        pattern's sort is reused while it does not change.
    """

    def __init__(
        self,
        n_assets: int,
        holdings: FloatArray,
        scale: float,
        cache: dict[str, Any] | None = None,
    ) -> None:
        self.n = n_assets
        self.scale = scale
        self._cache = cache
        self._sizes: dict[str, int] = {}
        self._offsets: dict[str, int] = {}
        self._nx = 0
        self._lower: dict[str, np.ndarray] = {}
        self._upper: dict[str, np.ndarray] = {}
        self._diag: dict[str, np.ndarray] = {}
        self._lin: dict[str, np.ndarray] = {}
        self._constant = 0.0
        self._weight = 1.0
        self._soft: float | None = None
        self._eq = _Rows()
        self._in = _Rows()
        self._cone = _Rows()
        self._cones: list[tuple[str, int, float, int]] = []
        for name in ("w", "buy", "sell"):
            self.block(name, n_assets)
        self.lower_bound("buy", 0.0)
        self.lower_bound("sell", 0.0)
        eye, minus = diagonal(1.0, n_assets), diagonal(-1.0, n_assets)
        self.equal({"w": eye, "buy": minus, "sell": eye}, holdings)

    # --------------------------------------------------------------- blocks
    def block(self, name: str, size: int) -> str:
        """Declare a variable block (free unless bounded); return its name."""
        if name in self._sizes:
            raise ValueError(f"QP block {name!r} declared twice")
        self._sizes[name] = int(size)
        self._offsets[name] = self._nx
        self._nx += int(size)
        self._lower[name] = np.full(size, -np.inf)
        self._upper[name] = np.full(size, np.inf)
        self._diag[name] = np.zeros(size)
        self._lin[name] = np.zeros(size)
        return name

    def new_block(self, prefix: str, size: int) -> str:
        """Declare a block under a fresh name starting with ``prefix``."""
        i = 0
        while f"{prefix}{i}" in self._sizes:
            i += 1
        return self.block(f"{prefix}{i}", size)

    @property
    def block_names(self) -> list[str]:
        """Names of the declared blocks, in order."""
        return list(self._sizes)

    def has_block(self, name: str) -> bool:
        """Return True when ``name`` was declared."""
        return name in self._sizes

    # ------------------------------------------------------------ contexts
    @contextmanager
    def weighted(self, weight: float) -> Iterator[QPBuilder]:
        """Multiply every objective contribution made inside by ``weight``."""
        old, self._weight = self._weight, self._weight * float(weight)
        try:
            yield self
        finally:
            self._weight = old

    @contextmanager
    def softened(self, price: float) -> Iterator[QPBuilder]:
        """Give every bound and inequality added inside a slack priced ``price``."""
        old, self._soft = self._soft, float(price)
        try:
            yield self
        finally:
            self._soft = old

    # ----------------------------------------------------------- objective
    def quadratic(self, name: str, coef: FloatArray | float) -> None:
        """Add ``weight * sum_i coef_i x_i^2`` (``coef >= 0``)."""
        self._diag[name] = self._diag[name] + self._weight * np.asarray(coef)

    def linear(self, name: str, coef: FloatArray | float) -> None:
        """Add ``weight * coef @ x``."""
        self._lin[name] = self._lin[name] + self._weight * np.asarray(coef)

    def constant(self, value: float) -> None:
        """Add ``weight * value``."""
        self._constant += self._weight * float(value)

    # --------------------------------------------------------- constraints
    def upper_bound(self, name: str, values: FloatArray | float) -> None:
        """``x <= values`` elementwise (``inf`` means unbounded)."""
        if self._soft is not None:
            self.at_most({name: diagonal(1.0, self._sizes[name])}, values)
            return
        self._upper[name] = np.minimum(self._upper[name], values)

    def lower_bound(self, name: str, values: FloatArray | float) -> None:
        """``x >= values`` elementwise (``-inf`` means unbounded)."""
        if self._soft is not None:
            self.at_least({name: diagonal(1.0, self._sizes[name])}, values)
            return
        self._lower[name] = np.maximum(self._lower[name], values)

    def fix(self, name: str, mask: np.ndarray, values: FloatArray | float) -> None:
        """``x_i = values_i`` where ``mask`` (both sides soft inside softened)."""
        v = np.broadcast_to(np.asarray(values, dtype=float), mask.shape)
        up = np.where(mask, v, np.inf)
        lo = np.where(mask, v, -np.inf)
        if self._soft is not None:
            rows = np.flatnonzero(mask)
            pick = sp.identity(self._sizes[name], format="csr")[rows]
            self.at_most({name: pick}, v[rows])
            self.at_least({name: pick}, v[rows])
            return
        self.upper_bound(name, up)
        self.lower_bound(name, lo)

    def at_most(self, coefs: Coefs, rhs: FloatArray | float) -> None:
        """``sum_b M_b x_b <= rhs`` (one row per entry of ``rhs``)."""
        self._inequality(coefs, -np.inf, rhs, upper=True)

    def at_least(self, coefs: Coefs, rhs: FloatArray | float) -> None:
        """``sum_b M_b x_b >= rhs``."""
        self._inequality(coefs, rhs, np.inf, upper=False)

    def between(
        self, coefs: Coefs, lo: FloatArray | float, hi: FloatArray | float
    ) -> None:
        """``lo <= sum_b M_b x_b <= hi``; an equality when ``lo == hi`` (hard)."""
        if self._soft is not None:
            self.at_most(coefs, hi)
            self.at_least(coefs, lo)
            return
        if np.array_equal(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)):
            self.equal(coefs, lo)
            return
        self._inequality(coefs, lo, hi, upper=True)

    def equal(self, coefs: Coefs, rhs: FloatArray | float) -> None:
        """``sum_b M_b x_b = rhs``: structural, never softened."""
        pieces, n_rows = self._pieces(coefs)
        self._eq.add(pieces, n_rows, rhs, rhs)

    @property
    def soft_price(self) -> float | None:
        """Price of slack inside :meth:`softened` (None when hard)."""
        return self._soft

    def slack(self, size: int, price: float) -> str:
        """Declare a non-negative block priced ``price`` per unit (unweighted)."""
        name = self.new_block("slack", size)
        self._lower[name] = np.zeros(size)
        self._lin[name] = np.full(size, float(price))
        return name

    def cones(
        self,
        kind: str,
        components: list[tuple[Coefs, FloatArray | float]],
        count: int,
        parameter: float = 0.0,
    ) -> None:
        """Add ``count`` cones, component by component.

        Component ``j`` of cone ``i`` is ``rhs_j[i] - (sum_b M_b x_b)[i]``
        (``M_b`` with ``count`` rows; an empty mapping for a constant).
        ``kind`` is ``"soc"`` (the first component bounds the norm of the
        others) or ``"pow"`` (``x^a y^(1-a) >= |z|``, ``a = parameter``).
        """
        dim = len(components)
        for j, (coefs, _) in enumerate(components):
            pieces, n_rows = self._pieces(coefs) if coefs else ([], count)
            if n_rows != count:
                raise ValueError("every cone component needs one row per cone")
            moved = [(r * dim + j, c, v) for r, c, v in pieces]
            for r, c, v in moved:
                self._cone.rows.append(r + self._cone.n)
                self._cone.cols.append(c)
                self._cone.vals.append(v)
        rhs_all = np.empty(count * dim)
        for j, (_, rhs) in enumerate(components):
            rhs_all[j::dim] = np.broadcast_to(np.asarray(rhs, dtype=float), (count,))
        self._cone.lo.append(rhs_all)
        self._cone.hi.append(rhs_all)
        self._cone.n += count * dim
        self._cones.append((kind, dim, float(parameter), int(count)))

    def cone(self, kind: str, parts: list[tuple[Coefs, FloatArray | float]]) -> None:
        """Add one cone whose rows are ``rhs_p - sum_b M_b x_b`` part after part.

        A part with an empty mapping is a constant (one row per entry of its
        ``rhs``). ``kind`` is ``"soc"``: the first row bounds the norm of the
        others.
        """
        start = self._cone.n
        for coefs, rhs in parts:
            rhs = np.atleast_1d(np.asarray(rhs, dtype=float))
            if coefs:
                pieces, n_rows = self._pieces(coefs)
                rhs = np.broadcast_to(rhs, (n_rows,))
            else:
                pieces, n_rows = [], rhs.size
            for r, c, v in pieces:
                self._cone.rows.append(r + self._cone.n)
                self._cone.cols.append(c)
                self._cone.vals.append(v)
            self._cone.lo.append(rhs)
            self._cone.hi.append(rhs)
            self._cone.n += n_rows
        self._cones.append((kind, self._cone.n - start, 0.0, 1))

    def structural_at_most(self, coefs: Coefs, rhs: FloatArray | float) -> None:
        """Add an epigraph row ``<= rhs`` that stays hard inside :meth:`softened`."""
        soft, self._soft = self._soft, None
        try:
            self.at_most(coefs, rhs)
        finally:
            self._soft = soft

    def _inequality(
        self, coefs: Coefs, lo: FloatArray | float, hi: FloatArray | float, upper: bool
    ) -> None:
        pieces, n_rows = self._pieces(coefs)
        lo = _vector(lo, n_rows)
        hi = _vector(hi, n_rows)
        keep = np.isfinite(lo) | np.isfinite(hi)
        if not keep.all():
            # A row unbounded on both sides constrains nothing: drop it (the
            # solvers would warn about it, and a soft one would get a slack).
            if not keep.any():
                return
            new = np.cumsum(keep) - 1
            kept = []
            for r, c, v in pieces:
                sel = keep[r]
                kept.append((new[r[sel]], c[sel], v[sel]))
            pieces, n_rows, lo, hi = kept, int(keep.sum()), lo[keep], hi[keep]
        if self._soft is not None:
            # lhs - slack <= hi  (or lhs + slack >= lo), slack >= 0, priced.
            name = self.new_block("slack", n_rows)
            self._lower[name] = np.zeros(n_rows)
            self._lin[name] = np.full(n_rows, self._soft)
            off = self._offsets_for(name)
            r = np.arange(n_rows)
            pieces.append((r, off + r, np.full(n_rows, -1.0 if upper else 1.0)))
        self._in.add(pieces, n_rows, lo, hi)

    # ------------------------------------------------------------- assembly
    def _offsets_for(self, name: str) -> int:
        return self._offsets[name]

    def _pieces(
        self, coefs: Coefs
    ) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], int]:
        pieces = []
        n_rows = None
        for name, M in coefs.items():
            size = self._sizes[name]
            off = self._offsets_for(name)
            if isinstance(M, Diag):
                rows = M.values.size
                r = c = np.arange(rows)
                v = M.values
            elif sp.issparse(M):
                coo = M.tocoo()
                r, c, v = coo.row, coo.col, coo.data
                rows = coo.shape[0]
            else:
                arr = np.asarray(M, dtype=float)
                if arr.ndim == 0:
                    arr = np.full((1, size), float(arr))
                elif arr.ndim == 1:
                    arr = arr.reshape(1, -1)
                rows = arr.shape[0]
                r, c = _dense_pattern(rows, arr.shape[1])
                v = arr.ravel()
            if n_rows is not None and rows != n_rows:
                raise ValueError("row blocks of one constraint differ in height")
            n_rows = rows
            pieces.append((np.asarray(r), np.asarray(c) + off, np.asarray(v, float)))
        assert n_rows is not None
        return pieces, n_rows

    def build(self) -> QPData:
        """Return the assembled, scaled standard form."""
        names = list(self._sizes)
        blocks, off = {}, 0
        for b in names:
            blocks[b] = slice(off, off + self._sizes[b])
            off += self._sizes[b]
        nx = off
        S = self.scale
        diag = np.concatenate([self._diag[b] for b in names])
        P = sp.csc_matrix((2.0 * S * diag, *_diagonal_pattern(nx)), shape=(nx, nx))
        q = S * np.concatenate([self._lin[b] for b in names])
        A_eq, b_eq, _ = self._eq.matrix(nx, self._cache, "eq")
        A_in, l_in, u_in = self._in.matrix(nx, self._cache, "in")
        A_cone = b_cone = None
        if self._cones:
            A_cone, b_cone, _ = self._cone.matrix(nx, self._cache, "cone")
        return QPData(
            P=P,
            q=q,
            constant=S * self._constant,
            A_eq=A_eq,
            b_eq=np.asarray(b_eq, dtype=float),
            A_in=A_in,
            l_in=np.asarray(l_in, dtype=float),
            u_in=np.asarray(u_in, dtype=float),
            x_lower=np.concatenate([self._lower[b] for b in names]),
            x_upper=np.concatenate([self._upper[b] for b in names]),
            blocks=blocks,
            A_cone=A_cone,
            b_cone=b_cone,
            cones=list(self._cones),
        )
