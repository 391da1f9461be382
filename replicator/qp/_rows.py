"""Triplets of one row family and their CSC assembly, with a pattern cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from replicator.qp._arrays import _kept, _same_arrays, _with_data
from replicator.typing import FloatArray


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
