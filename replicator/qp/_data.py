"""The standard-form QP (:class:`QPData`) and the diagonal coefficient block."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from replicator.qp._arrays import _constant
from replicator.qp._layout import QPLayout
from replicator.typing import FloatArray

__all__ = ["Coefs", "Diag", "QPData", "diagonal"]

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
    layout : QPLayout or None
        What each block and row is (:mod:`replicator.qp._layout`); None for a
        QP not assembled by :class:`~replicator.qp.QPBuilder`.
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
    layout: QPLayout | None = None

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
