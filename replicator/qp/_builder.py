"""The builder the terms describe themselves to (see :mod:`replicator.qp`).

Over 300 lines: :class:`QPBuilder` is one class, the API every term's ``qp``
method writes to (blocks, objective, rows, cones) plus its layout record; its
row storage and caches live in :mod:`replicator.qp._rows` and
:mod:`replicator.qp._arrays`.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import scipy.sparse as sp

from replicator.qp._arrays import (
    _arange,
    _constant,
    _dense_pattern,
    _diagonal_pattern,
    _fits,
    _side,
    _vector,
    _with_data,
)
from replicator.qp._data import Coefs, Diag, QPData, diagonal
from replicator.qp._record import LayoutRecorder, merged
from replicator.qp._rows import _Rows
from replicator.typing import FloatArray

__all__ = ["QPBuilder"]


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

    As the terms add rows, the builder records what they are (trade, link,
    bound or coupling rows, penalty slacks and the rows they enter);
    :meth:`build` returns the record as ``QPData.layout``
    (:mod:`replicator.qp._layout`), so no solver has to recover it from the
    sparsity pattern.
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
        #: The layout record (see :mod:`replicator.qp._layout`).
        self._record = LayoutRecorder(n)

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
        start = self._eq.n
        self._eq.add(pieces, n_rows, side, side)
        kind = self._record.kind(coefs, equality=True)
        self._record.rows("eq", start, self._eq.n, coefs, kind)

    @property
    def soft_price(self) -> float | None:
        """Price of slack inside :meth:`softened` (None when hard)."""
        return self._soft

    def slack(self, size: int, price: float) -> str:
        """Declare a non-negative block priced ``price`` per unit (unweighted)."""
        name = self.new_block("slack", size)
        self._lower[name] = 0.0
        self._lin[name] = float(price)
        self._record.slack(name, size, price)
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
        start = cone.n
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
        self._record.rows("cone", start, cone.n, merged(components), "cone")

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
        self._record.rows("cone", start, cone.n, merged(parts), "cone")

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
        start = self._in.n
        if self._soft is not None:
            # lhs - slack <= hi  (or lhs + slack >= lo), slack >= 0, priced.
            name = self.new_block("slack", n_rows)
            self._lower[name] = 0.0
            self._lin[name] = self._soft
            self._record.slack(name, n_rows, self._soft)
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
            own = {**coefs, name: diagonal(sign, n_rows)}
            self._record.rows("in", start, self._in.n, own, "coupling", slack=name)
            return
        self._in.add(pieces, n_rows, lo, hi)
        self._record.rows("in", start, self._in.n, coefs, self._record.kind(coefs))

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
            layout=self._record.layout(self.n, self._offsets, self._sizes, self._cache),
        )
