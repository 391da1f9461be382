"""The dual function of the dual Newton method: value, gradient, Hessian, certificate.

See :mod:`replicator.solvers.dual_newton` for the math.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replicator.solvers.dual_newton._numbers import GAP_FLOOR, GAP_TOL, _Data


@dataclass
class _Point:
    """The minimizer of the Lagrangian at one ``lambda`` and its dual value."""

    lam: np.ndarray
    value: float
    grad: np.ndarray
    x: np.ndarray  # (w, buy, sell)
    xg: np.ndarray
    primal: float
    inv_b: np.ndarray
    inv_s: np.ndarray
    inv_g: np.ndarray | None
    violation: float | None = None


def _evaluate(D: _Data, lam: np.ndarray) -> _Point | None:
    """Minimize the Lagrangian at ``lam``; None where the dual is -inf."""
    n = D.n
    lc = lam @ D.C
    lw, lb, ls = lc[:n], lc[n : 2 * n], lc[2 * n :]
    if D.round_trip and (lb + ls + D.qbs).min(initial=0.0) < 0:
        # a round trip (buy and sell the same asset) would earn: -inf
        return None
    e = D.c + lw
    tb = (e + lb + D.qb) * D.neg_inv_ab
    ts = (D.qs + ls - e) * D.inv_as
    t = np.maximum(tb, 0.0)
    t += np.minimum(ts, 0.0)
    np.maximum(t, D.tlo, out=t)
    np.minimum(t, D.thi, out=t)
    inv_b = np.where((tb > D.tlo_b) & (tb < D.thi), D.neg_inv_ab, 0.0)
    inv_s = np.where((ts < D.thi_s) & (ts > D.tlo), D.inv_as, 0.0)
    x = np.empty(3 * n)
    w, buy, sell = x[:n], x[n : 2 * n], x[2 * n :]
    np.add(D.w0, t, out=w)
    np.maximum(t, 0.0, out=buy)
    np.subtract(buy, t, out=sell)
    primal = float(w @ (D.half_a * w + D.beta0) + D.qb @ buy + D.qs @ sell)
    if D.half_pb is not None:
        primal += float(buy @ (D.half_pb * buy))
    if D.half_ps is not None:
        primal += float(sell @ (D.half_ps * sell))
    grad = D.C @ x
    grad -= D.r
    inv_g = None
    xg = D.qg + lam @ D.Cg
    xg /= -D.pg
    if D.boxed_g:
        inv_g = np.where((xg > D.lg) & (xg < D.ug), 1.0 / D.pg, 0.0)
        np.clip(xg, D.lg, D.ug, out=xg)
    if xg.size:
        grad += D.Cg @ xg
        primal += float(xg @ (0.5 * D.pg * xg + D.qg))
    primal += D.constant
    value = primal + float(lam @ grad)
    return _Point(lam, value, grad, x, xg, primal, inv_b, inv_s, inv_g)


def _hessian(D: _Data, p: _Point) -> np.ndarray:
    """Minus the generalized Hessian of the dual at ``p`` (positive semidefinite).

    ``inv_b`` holds ``-1 / (a + p_b)`` on the free buyers, hence the minus.
    """
    # only the free weights count, usually a few percent of them
    fb, fs = np.flatnonzero(p.inv_b), np.flatnonzero(p.inv_s)
    Vb, Vs = D.Vb[:, fb], D.Vs[:, fs]
    H = (Vs * p.inv_s[fs]) @ Vs.T
    H -= (Vb * p.inv_b[fb]) @ Vb.T
    if D.Cg.shape[1]:
        inv_g = 1.0 / D.pg if p.inv_g is None else p.inv_g
        H += (D.Cg * inv_g) @ D.Cg.T
    return H


def _saturated(D: _Data, lam: np.ndarray) -> np.ndarray:
    """Soft rows whose multiplier is at the slack's price: the slack takes the rest."""
    at_price = np.where(D.sign > 0, lam >= D.lam_hi, lam <= D.lam_lo)
    return D.soft & at_price


def _violation(D: _Data, p: _Point) -> float:
    """Largest coupling-row violation relative to its tolerance (cached on ``p``)."""
    if p.violation is None:
        g = p.grad
        viol = np.where(D.sign == 0, np.abs(g), D.sign * g)
        if D.soft.any():
            viol[_saturated(D, p.lam)] = 0.0
        viol /= D.tol
        p.violation = float(viol.max(initial=0.0))
    return p.violation


def _converged(D: _Data, p: _Point, gap_tol: float = GAP_TOL) -> bool:
    """Rows held and a small duality gap.

    On a saturated soft row (``|lambda_j| = c / |a|``) the slack
    ``s = max(lhs - rhs, 0) / |a|`` costs ``c s``, which cancels that row's
    ``-lambda_j grad_j`` term of the gap when the row is relaxed, and leaves
    ``|lambda_j|`` times its distance from the bound when it is inside.
    """
    if _violation(D, p) > 1.0:
        return False
    # primal (with the slacks' cost) minus dual: -lambda_j grad_j per row
    terms = -p.lam * p.grad
    if D.soft.any():
        # a saturated soft row: + c s - lambda_j grad_j = |lambda_j| times how
        # far the row is inside its bound (0 when it binds or is relaxed)
        sat = _saturated(D, p.lam)
        inside = np.maximum(-D.sign[sat] * p.grad[sat], 0.0)
        terms[sat] = np.abs(p.lam[sat]) * inside
        # below its price the row's residual beyond rounding is still paid
        # for at the price: the primal objective includes c s, s > 0
        below = D.soft & ~sat
        over = D.sign[below] * p.grad[below] - D.rounding[below]
        terms[below] += D.cap[below] * np.maximum(over, 0.0)
    gap = abs(float(terms.sum()))
    return gap <= gap_tol * max(abs(p.primal), GAP_FLOOR)


def _project(lam: np.ndarray, D: _Data) -> np.ndarray:
    """Clip the multipliers to their bounds (sign, and a soft row's price)."""
    return np.minimum(np.maximum(lam, D.lam_lo), D.lam_hi)
