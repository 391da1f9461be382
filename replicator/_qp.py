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

import math
import weakref
from collections.abc import Mapping
from contextlib import AbstractContextManager
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
    """Return ``diag(values)``; a scalar with ``n`` gives ``values * I_n``.

    ``values * I_n`` shares one read-only array between calls.
    """
    if n is not None:
        return Diag(_constant(int(n), float(values)))  # type: ignore[arg-type]
    return Diag(np.asarray(values, dtype=float))


#: The read-only arrays shared by the caches below, by id (an entry goes with
#: its array, so an id is never mistaken for a recycled one).
_SHARED: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()


def _frozen(a: np.ndarray) -> np.ndarray:
    """Return ``a`` (owning its data) flagged read-only, for the caches below."""
    if a.base is not None:
        a = a.copy()
    a.flags.writeable = False
    _SHARED[id(a)] = a
    return a


@lru_cache(maxsize=256)
def _arange(start: int, stop: int) -> np.ndarray:
    """``np.arange(start, stop)`` (read-only, shared between builds)."""
    return _frozen(np.arange(start, stop))


@lru_cache(maxsize=64)
def _constant_cached(n: int, value: float, sign: float) -> np.ndarray:
    return _frozen(np.full(n, value))


def _constant(n: int, value: float) -> np.ndarray:
    """``np.full(n, value)`` (read-only, shared between builds)."""
    # The sign is part of the key: -0.0 == 0.0 would share an entry.
    return _constant_cached(n, value, math.copysign(1.0, value))


@lru_cache(maxsize=64)
def _dense_pattern(
    rows: int, cols: int, offset: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of a dense ``rows x cols`` block (read-only).

    The column indices start at ``offset``.
    """
    r = np.repeat(np.arange(rows), cols)
    c = np.tile(np.arange(offset, offset + cols), rows)
    return _frozen(r), _frozen(c)


def _vector(x: FloatArray | float, n: int) -> np.ndarray:
    """``x`` broadcast to a float vector of length ``n``."""
    if np.ndim(x) == 0:
        return np.full(n, float(x))  # type: ignore[arg-type]
    return np.broadcast_to(np.asarray(x, dtype=float), (n,))


def _side(x: FloatArray | float, n: int) -> float | np.ndarray:
    """Return a bound of ``n`` rows: a float, or a float vector of length ``n``.

    Vectors are not copied (the rows keep a view, filled in at assembly).
    """
    if isinstance(x, float):
        return x
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return float(a)
    if a.shape != (n,):
        a = np.broadcast_to(a, (n,))
    return a


def _fits(x: Any, size: int) -> Any:
    """``x`` (a scalar or an array) checked to broadcast to ``(size,)``."""
    shape = getattr(x, "shape", ())
    if shape and shape != (size,):
        np.broadcast_to(x, (size,))  # raises when it does not broadcast
    return x


@lru_cache(maxsize=16)
def _diagonal_pattern(n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSC ``indices`` and ``indptr`` of an ``n x n`` diagonal.

    Shared between builds (never written; the solvers' bindings need
    writeable arrays, so they are not flagged read-only).
    """
    return np.arange(n, dtype=np.int32), np.arange(n + 1, dtype=np.int32)


def _with_data(template: sp.csc_matrix, data: np.ndarray) -> sp.csc_matrix:
    """Return a shallow copy of ``template`` holding ``data``.

    The index arrays are shared (never written). This is what
    ``copy.copy`` does, without its protocol lookups.
    """
    A = object.__new__(type(template))
    A.__dict__.update(template.__dict__)
    A.data = data
    return A


def _same_arrays(old: list[np.ndarray], new: list[np.ndarray]) -> bool:
    """Element-wise equal lists of index arrays (the same object is equal)."""
    if len(old) != len(new):
        return False
    for a, b in zip(old, new, strict=True):
        if a is not b and not (a.shape == b.shape and np.array_equal(a, b)):
            return False
    return True


def _kept(a: np.ndarray) -> np.ndarray:
    """Return what a pattern cache keeps of an index array.

    One of the shared read-only arrays above is kept as is, so the next build
    compares it by identity; any other array is copied (its owner may change
    it in place).
    """
    return a if _SHARED.get(id(a)) is a else a.copy()


@dataclass
class _Pattern:
    """A row family's pattern as last assembled, and its CSC sort."""

    shape: tuple[int, int]
    bases: list[int]
    rows: list[np.ndarray]
    cols: list[np.ndarray]
    perm: np.ndarray | None  # None: the entries are already in CSC order
    template: sp.csc_matrix


class _Rows:
    """Triplets of one row family (equalities, inequalities or cones).

    Each piece keeps its own row indices (``rows``, from 0) and the first row
    of its constraint (``bases``); a cached pattern is recognized piece by
    piece, by identity of the shared index arrays or else by value.
    """

    __slots__ = ("bases", "bounds", "cols", "n", "rows", "vals")

    def __init__(self) -> None:
        self.n = 0
        self.rows: list[np.ndarray] = []
        self.bases: list[int] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        #: ``(start, stop, lo, hi)``: a float or a vector per side.
        self.bounds: list[tuple[int, int, Any, Any]] = []

    def piece(self, r: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        """Add entries ``v`` at rows ``self.n + r`` and columns ``c``."""
        self.rows.append(r)
        self.bases.append(self.n)
        self.cols.append(c)
        self.vals.append(v)

    def add(
        self,
        pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        n_rows: int,
        lo: float | np.ndarray,
        hi: float | np.ndarray,
    ) -> None:
        """Add ``n_rows`` rows made of ``pieces``, bounded by ``lo`` and ``hi``."""
        for r, c, v in pieces:
            self.piece(r, c, v)
        self.close(n_rows, lo, hi)

    def close(
        self, n_rows: int, lo: float | np.ndarray, hi: float | np.ndarray
    ) -> None:
        """End a constraint of ``n_rows`` rows (its pieces added before)."""
        self.bounds.append((self.n, self.n + n_rows, lo, hi))
        self.n += n_rows

    def _sides(self, upper: bool) -> tuple[np.ndarray, np.ndarray]:
        lo = np.empty(self.n)
        hi = np.empty(self.n) if upper else lo
        for start, stop, a, b in self.bounds:
            lo[start:stop] = a
            if upper:
                hi[start:stop] = b
        return lo, hi

    def _matches(self, hit: _Pattern | None, nx: int) -> bool:
        return (
            hit is not None
            and hit.shape == (self.n, nx)
            and hit.bases == self.bases
            and _same_arrays(hit.rows, self.rows)
            and _same_arrays(hit.cols, self.cols)
        )

    def matrix(
        self,
        nx: int,
        cache: dict[str, Any] | None = None,
        key: str = "",
        upper: bool = True,
    ) -> tuple[sp.csc_matrix, FloatArray, FloatArray]:
        """Assemble the CSC matrix and the bounds.

        Entries never repeat a (row, column) pair (each row is added once,
        each block of a row once), so CSC is a sort by (column, row); the
        sort is reused while the pattern is the same as in ``cache``. Without
        ``upper`` the second bound returned is the first (equalities).
        """
        hit = None if cache is None else cache.get(key)
        if not self.n:
            empty = np.zeros(0)
            if isinstance(hit, sp.csc_matrix) and hit.shape == (0, nx):
                return _with_data(hit, hit.data), empty, empty
            A = sp.csc_matrix((0, nx))
            if cache is not None:
                cache[key] = A
            return A, empty, empty
        v = np.concatenate(self.vals) if self.vals else np.zeros(0)
        if isinstance(hit, _Pattern) and self._matches(hit, nx):
            # Same pattern: a shallow copy of the last matrix with new numbers
            # (its index arrays are shared, never written).
            A = _with_data(hit.template, v if hit.perm is None else v.take(hit.perm))
        else:
            A = self._sorted(nx, v, cache, key)
        lo, hi = self._sides(upper)
        return A, lo, hi

    def _sorted(
        self, nx: int, v: np.ndarray, cache: dict[str, Any] | None, key: str
    ) -> sp.csc_matrix:
        """Sort the entries into a new CSC matrix (and cache the sort)."""
        if self.rows:
            r = np.concatenate(
                [r + b for r, b in zip(self.rows, self.bases, strict=True)]
            )
            c = np.concatenate(self.cols)
        else:
            r = c = np.zeros(0, dtype=np.intp)
        perm: np.ndarray | None = np.lexsort((r, c))
        indices = r[perm].astype(np.int32)
        counts = np.bincount(c, minlength=nx)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        A = sp.csc_matrix((v[perm], indices, indptr), shape=(self.n, nx))
        A.has_sorted_indices = True
        if cache is not None:
            if np.array_equal(perm, np.arange(perm.size)):
                perm = None
            cache[key] = _Pattern(
                (self.n, nx),
                list(self.bases),
                [_kept(a) for a in self.rows],
                [_kept(a) for a in self.cols],
                perm,
                A,
            )
        return A


class _Scaled:
    """Context of :meth:`QPBuilder.weighted` and :meth:`QPBuilder.softened`."""

    __slots__ = ("attr", "builder", "old", "value")

    def __init__(self, builder: QPBuilder, attr: str, value: float | None) -> None:
        self.builder, self.attr, self.value = builder, attr, value
        self.old: float | None = None

    def __enter__(self) -> QPBuilder:
        self.old = getattr(self.builder, self.attr)
        setattr(self.builder, self.attr, self.value)
        return self.builder

    def __exit__(self, *exc: object) -> None:
        setattr(self.builder, self.attr, self.old)


class _Weighted(_Scaled):
    __slots__ = ()

    def __enter__(self) -> QPBuilder:
        b = self.builder
        self.old = b._weight
        b._weight = self.old * self.value  # type: ignore[operator]
        return b


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

    Notes
    -----
    A block's bounds, diagonal and linear coefficients are kept only once a
    term sets them (a float or a vector); the defaults (free, no objective)
    are filled in by :meth:`build`.
    """

    def __init__(
        self,
        n_assets: int,
        holdings: FloatArray,
        scale: float,
        cache: dict[str, Any] | None = None,
    ) -> None:
        n = int(n_assets)
        self.n = n_assets
        self.scale = scale
        self._cache = cache
        self._sizes: dict[str, int] = {"w": n, "buy": n, "sell": n}
        self._offsets: dict[str, int] = {"w": 0, "buy": n, "sell": 2 * n}
        self._nx = 3 * n
        self._lower: dict[str, Any] = {"buy": 0.0, "sell": 0.0}
        self._upper: dict[str, Any] = {}
        self._diag: dict[str, Any] = {}
        self._lin: dict[str, Any] = {}
        self._constant = 0.0
        self._weight = 1.0
        self._soft: float | None = None
        self._eq = _Rows()
        self._in = _Rows()
        self._cone = _Rows()
        self._cones: list[tuple[str, int, float, int]] = []
        # The trade identity w - buy + sell = w0.
        r = _arange(0, n)
        one, minus = _constant(n, 1.0), _constant(n, -1.0)
        eq = self._eq
        eq.piece(r, r, one)
        eq.piece(r, _arange(n, 2 * n), minus)
        eq.piece(r, _arange(2 * n, 3 * n), one)
        w0 = _side(holdings, n)
        eq.close(n, w0, w0)

    # --------------------------------------------------------------- blocks
    def block(self, name: str, size: int) -> str:
        """Declare a variable block (free unless bounded); return its name."""
        if name in self._sizes:
            raise ValueError(f"QP block {name!r} declared twice")
        size = int(size)
        self._sizes[name] = size
        self._offsets[name] = self._nx
        self._nx += size
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
    def weighted(self, weight: float) -> AbstractContextManager[QPBuilder]:
        """Multiply every objective contribution made inside by ``weight``."""
        return _Weighted(self, "_weight", float(weight))

    def softened(self, price: float) -> AbstractContextManager[QPBuilder]:
        """Give every bound and inequality added inside a slack priced ``price``."""
        return _Scaled(self, "_soft", float(price))

    # ----------------------------------------------------------- objective
    def _accumulate(self, into: dict[str, Any], name: str, coef: Any) -> None:
        """Add ``weight * coef`` to block ``name``'s entry of ``into``."""
        size = self._sizes[name]
        add = np.asarray(coef)
        if self._weight != 1.0:  # 1.0 * x is x
            add = self._weight * add
        old = into.get(name, 0.0)  # 0.0 + x: as if added to zeros
        if add.dtype == np.float64 and (not add.ndim or add.shape == (size,)):
            into[name] = old + add
        else:
            into[name] = _fits(np.add(old, add, dtype=float), size)

    def quadratic(self, name: str, coef: FloatArray | float) -> None:
        """Add ``weight * sum_i coef_i x_i^2`` (``coef >= 0``)."""
        self._accumulate(self._diag, name, coef)

    def linear(self, name: str, coef: FloatArray | float) -> None:
        """Add ``weight * coef @ x``."""
        self._accumulate(self._lin, name, coef)

    def constant(self, value: float) -> None:
        """Add ``weight * value``."""
        self._constant += self._weight * float(value)

    # --------------------------------------------------------- constraints
    def upper_bound(self, name: str, values: FloatArray | float) -> None:
        """``x <= values`` elementwise (``inf`` means unbounded)."""
        size = self._sizes[name]
        if self._soft is not None:
            self.at_most({name: diagonal(1.0, size)}, values)
            return
        old = self._upper.get(name, np.inf)
        self._upper[name] = _fits(np.minimum(old, values, dtype=float), size)

    def lower_bound(self, name: str, values: FloatArray | float) -> None:
        """``x >= values`` elementwise (``-inf`` means unbounded)."""
        size = self._sizes[name]
        if self._soft is not None:
            self.at_least({name: diagonal(1.0, size)}, values)
            return
        old = self._lower.get(name, -np.inf)
        self._lower[name] = _fits(np.maximum(old, values, dtype=float), size)

    def fix(self, name: str, mask: np.ndarray, values: FloatArray | float) -> None:
        """``x_i = values_i`` where ``mask`` (both sides soft inside softened)."""
        v = np.broadcast_to(np.asarray(values, dtype=float), mask.shape)
        if self._soft is not None:
            rows = np.flatnonzero(mask)
            pick = sp.identity(self._sizes[name], format="csr")[rows]
            self.at_most({name: pick}, v[rows])
            self.at_least({name: pick}, v[rows])
            return
        self.upper_bound(name, np.where(mask, v, np.inf))
        self.lower_bound(name, np.where(mask, v, -np.inf))

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
        if isinstance(lo, float) and isinstance(hi, float):
            same = lo == hi  # as np.array_equal: NaN differs from NaN
        else:
            same = np.array_equal(
                np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
            )
        if same:
            self.equal(coefs, lo)
            return
        self._inequality(coefs, lo, hi, upper=True)

    def equal(self, coefs: Coefs, rhs: FloatArray | float) -> None:
        """``sum_b M_b x_b = rhs``: structural, never softened."""
        pieces, n_rows = self._pieces(coefs)
        side = _side(rhs, n_rows)
        self._eq.add(pieces, n_rows, side, side)

    @property
    def soft_price(self) -> float | None:
        """Price of slack inside :meth:`softened` (None when hard)."""
        return self._soft

    def slack(self, size: int, price: float) -> str:
        """Declare a non-negative block priced ``price`` per unit (unweighted)."""
        name = self.new_block("slack", size)
        self._lower[name] = 0.0
        self._lin[name] = float(price)
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
        cone = self._cone
        for j, (coefs, _) in enumerate(components):
            pieces, n_rows = self._pieces(coefs) if coefs else ([], count)
            if n_rows != count:
                raise ValueError("every cone component needs one row per cone")
            for r, c, v in pieces:
                cone.piece(r * dim + j, c, v)
        rhs_all = np.empty(count * dim)
        for j, (_, rhs) in enumerate(components):
            rhs_all[j::dim] = np.broadcast_to(np.asarray(rhs, dtype=float), (count,))
        cone.close(count * dim, rhs_all, rhs_all)
        self._cones.append((kind, dim, float(parameter), int(count)))

    def cone(self, kind: str, parts: list[tuple[Coefs, FloatArray | float]]) -> None:
        """Add one cone whose rows are ``rhs_p - sum_b M_b x_b`` part after part.

        A part with an empty mapping is a constant (one row per entry of its
        ``rhs``). ``kind`` is ``"soc"``: the first row bounds the norm of the
        others.
        """
        cone = self._cone
        start = cone.n
        for coefs, rhs in parts:
            rhs = np.atleast_1d(np.asarray(rhs, dtype=float))
            if coefs:
                pieces, n_rows = self._pieces(coefs)
                rhs = np.broadcast_to(rhs, (n_rows,))
            else:
                pieces, n_rows = [], rhs.size
            cone.add(pieces, n_rows, rhs, rhs)
        self._cones.append((kind, cone.n - start, 0.0, 1))

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
        lo, hi = _side(lo, n_rows), _side(hi, n_rows)
        if isinstance(lo, float) and isinstance(hi, float):
            if not (math.isfinite(lo) or math.isfinite(hi)):
                return  # every row is unbounded on both sides (see below)
        else:
            keep = np.isfinite(lo) | np.isfinite(hi)
            if not keep.all():
                # A row unbounded on both sides constrains nothing: drop it
                # (the solvers would warn about it, and a soft one would get a
                # slack).
                if not keep.any():
                    return
                new = np.cumsum(keep) - 1
                kept = []
                for r, c, v in pieces:
                    sel = keep[r]
                    kept.append((new[r[sel]], c[sel], v[sel]))
                pieces, n_rows = kept, int(keep.sum())
                lo, hi = _vector(lo, keep.size)[keep], _vector(hi, keep.size)[keep]
        if self._soft is not None:
            # lhs - slack <= hi  (or lhs + slack >= lo), slack >= 0, priced.
            name = self.new_block("slack", n_rows)
            self._lower[name] = 0.0
            self._lin[name] = self._soft
            off = self._offsets_for(name)
            sign = -1.0 if upper else 1.0
            pieces.append(
                (
                    _arange(0, n_rows),
                    _arange(off, off + n_rows),
                    _constant(n_rows, sign),
                )
            )
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
                v = np.asarray(M.values, dtype=float)
                rows = v.size
                r, c = _arange(0, rows), _arange(off, off + rows)
            elif isinstance(M, np.ndarray) and M.ndim == 1 and M.dtype == float:
                rows, v = 1, M  # one dense row
                r, c = _dense_pattern(1, M.size, off)
            elif sp.issparse(M):
                coo = M.tocoo()
                r, c = np.asarray(coo.row), np.asarray(coo.col) + off
                v = np.asarray(coo.data, dtype=float)
                rows = coo.shape[0]
            else:
                arr = np.asarray(M, dtype=float)
                if arr.ndim == 0:
                    arr = np.full((1, size), float(arr))
                elif arr.ndim == 1:
                    arr = arr.reshape(1, -1)
                rows = arr.shape[0]
                r, c = _dense_pattern(rows, arr.shape[1], off)
                v = arr.ravel()
            if n_rows is not None and rows != n_rows:
                raise ValueError("row blocks of one constraint differ in height")
            n_rows = rows
            pieces.append((r, c, v))
        assert n_rows is not None
        return pieces, n_rows

    def _filled(self, values: dict[str, Any], default: float, nx: int) -> np.ndarray:
        """Return the blocks' vectors in one array, ``default`` where none was set."""
        out = np.full(nx, default) if default else np.zeros(nx)
        offsets, sizes = self._offsets, self._sizes
        for name, x in values.items():
            off = offsets[name]
            out[off : off + sizes[name]] = x
        return out

    def _hessian(self, data: np.ndarray, nx: int) -> sp.csc_matrix:
        """Return the diagonal ``P`` (its pattern shared with the last build's)."""
        cache = self._cache
        hit = None if cache is None else cache.get("P")
        if hit is not None and hit.shape == (nx, nx):
            return _with_data(hit, data)
        P = sp.csc_matrix((data, *_diagonal_pattern(nx)), shape=(nx, nx))
        if cache is not None:
            cache["P"] = P
        return P

    def build(self) -> QPData:
        """Return the assembled, scaled standard form."""
        blocks = {
            b: slice(off, off + self._sizes[b]) for b, off in self._offsets.items()
        }
        nx = self._nx
        S = self.scale
        diag = self._filled(self._diag, 0.0, nx)
        diag *= 2.0 * S
        q = self._filled(self._lin, 0.0, nx)
        q *= S
        A_eq, b_eq, _ = self._eq.matrix(nx, self._cache, "eq", upper=False)
        A_in, l_in, u_in = self._in.matrix(nx, self._cache, "in")
        A_cone = b_cone = None
        if self._cones:
            A_cone, b_cone, _ = self._cone.matrix(nx, self._cache, "cone", upper=False)
        return QPData(
            P=self._hessian(diag, nx),
            q=q,
            constant=S * self._constant,
            A_eq=A_eq,
            b_eq=b_eq,
            A_in=A_in,
            l_in=l_in,
            u_in=u_in,
            x_lower=self._filled(self._lower, -np.inf, nx),
            x_upper=self._filled(self._upper, np.inf, nx),
            blocks=blocks,
            A_cone=A_cone,
            b_cone=b_cone,
            cones=list(self._cones),
        )
