"""Shared read-only index arrays and small helpers of the QP assembly.

The builder reuses the same index arrays between builds, so the pattern caches
of :mod:`replicator.qp._rows` and the solvers recognize an unchanged pattern
mostly by identity (``is``).
"""

from __future__ import annotations

import math
import weakref
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from replicator.typing import FloatArray

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
