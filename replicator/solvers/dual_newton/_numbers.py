"""The numbers of one QP in the separable form of the dual Newton method.

:func:`_numbers` reads them through the index arrays of
:func:`~replicator.solvers.dual_newton._structure.analyze` on every solve: the
per-asset curvature and linear terms (with the link rows' auxiliaries folded
onto their weights), the boxes of the trades, the global variables, the
coupling rows split into one-sided dual rows and the bounds of their
multipliers (a soft row's slack caps its multiplier at the price).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from replicator.solvers.dual_newton._coupling import _coupling
from replicator.solvers.dual_newton._structure import (
    MAX_COUPLING,
    NotSeparable,
    _Pattern,
)

#: Feasibility of a coupling row: ``|violation| <= FEAS_TOL * (1 + |r_j|)``.
FEAS_TOL = 1e-10
#: Duality gap, relative to ``max(|objective|, GAP_FLOOR)``.
GAP_TOL = 1e-11
GAP_FLOOR = 1.0
#: Rounding allowance of a soft row below its price, relative to ``1 + |r_j|``:
#: a residual within it is rounding (as on a hard row) and is not charged.
SOFT_ROUND = 64 * float(np.finfo(float).eps)


@dataclass
class _Data:
    """The numbers of one QP in the separable form (see the module notes).

    Trades ``t = w - w0`` are the per-asset unknowns: ``t`` lies in
    ``[tlo, thi]`` and the Lagrangian's stationary trade is
    ``tb = -(c + lam'Cw + gamma_b) / (a + p_b)`` when buying and
    ``ts = (gamma_s - c - lam'Cw) / (a + p_s)`` when selling, with
    ``c = a w0 + beta0``.
    """

    n: int
    w0: np.ndarray
    c: np.ndarray  # a w0 + beta0
    half_a: np.ndarray
    beta0: np.ndarray
    half_pb: np.ndarray | None  # None when there is no quadratic trade term
    half_ps: np.ndarray | None
    qb: np.ndarray
    qs: np.ndarray
    qbs: np.ndarray  # qb + qs
    neg_inv_ab: np.ndarray  # -1 / (a + p_b), 0 for a fixed weight
    inv_as: np.ndarray
    tlo: np.ndarray
    thi: np.ndarray
    tlo_b: np.ndarray  # max(tlo, 0)
    thi_s: np.ndarray  # min(thi, 0)
    pg: np.ndarray
    qg: np.ndarray
    lg: np.ndarray
    ug: np.ndarray
    boxed_g: bool
    C: np.ndarray  # (m, 3n): coupling columns of w, buy, sell
    Vb: np.ndarray  # Cw + Cb
    Vs: np.ndarray  # Cw - Cs
    Cg: np.ndarray
    r: np.ndarray
    tol: np.ndarray
    cap: np.ndarray  # a soft row's price per unit of residual (0 on hard rows)
    rounding: np.ndarray  # SOFT_ROUND (1 + |r|): a soft row's uncharged residual
    h_all: float  # largest diagonal entry of -Hessian were every weight free
    round_trip: bool  # whether some feasible lambda could price a round trip < 0
    sign: np.ndarray  # +1 upper row (lambda >= 0), -1 lower row, 0 equality
    lam_lo: np.ndarray  # bounds of the multipliers: the sign, and the penalty
    lam_hi: np.ndarray  # price of a soft row's slack (|lambda| <= c / |a|)
    soft: np.ndarray  # dual rows with a penalty slack
    slack_dual: np.ndarray  # dual row of each penalty slack
    slack_scale: np.ndarray  # 1 / |a| of each slack's coefficient
    constant: float
    layout: tuple[Any, ...]
    zeta: np.ndarray
    sigma: np.ndarray


def _bounds(pat: _Pattern, d: Any) -> tuple[np.ndarray, np.ndarray]:
    """Variable bounds, tightened by the one-entry rows."""
    xl, xu = d.x_lower, d.x_upper
    src, row, col, pos = pat.single
    if not src.size:
        return xl, xu
    xl, xu = xl.copy(), xu.copy()
    Ae, Ai = d.A_eq.data, d.A_in.data
    eq = src == 0
    coef = np.empty(src.size)
    coef[eq] = Ae[pos[eq]]
    coef[~eq] = Ai[pos[~eq]]
    if not coef.all():
        raise NotSeparable("zero coefficient in a bound row")
    lo_r = np.empty(src.size)
    hi_r = np.empty(src.size)
    lo_r[eq] = hi_r[eq] = d.b_eq[row[eq]]
    lo_r[~eq], hi_r[~eq] = d.l_in[row[~eq]], d.u_in[row[~eq]]
    with np.errstate(invalid="ignore"):
        b1, b2 = lo_r / coef, hi_r / coef
    np.maximum.at(xl, col, np.where(coef > 0, b1, b2))
    np.minimum.at(xu, col, np.where(coef > 0, b2, b1))
    return xl, xu


def _numbers(
    pat: _Pattern,
    d: Any,
    feas_tol: float = FEAS_TOL,
    cache: dict[str, Any] | None = None,
    gap_tol: float = GAP_TOL,
) -> _Data:
    """Extract the separable form's numbers from ``d`` (or raise NotSeparable).

    ``cache`` (kept by the caller between solves of one pattern) holds what
    depends only on numbers that rarely change: the checked trade-row
    coefficients and the coupling matrices, reused while those numbers are
    equal.
    """
    cache = {} if cache is None else cache
    n = pat.n
    Ae, Ai = d.A_eq.data, d.A_in.data
    trade = Ae[pat.trade_all]
    hit = cache.get("trade")
    if hit is None or not np.array_equal(hit, trade):
        cw, cb, cs = trade[:n], trade[n : 2 * n], trade[2 * n :]
        if not ((cb == -cw).all() and (cs == cw).all() and cw.all()):
            raise NotSeparable("trade rows are not w - buy + sell = w0")
        cache["trade"] = trade
    w0 = d.b_eq[pat.trade_rows] / trade[:n]

    if pat.p_full:
        Pd = d.P.data
    else:
        Pd = np.zeros(d.n_variables)
        Pd[d.P.indices] = d.P.data
    q = d.q
    xl, xu = _bounds(pat, d)

    sigma = np.zeros(n)
    zeta = np.zeros(n)
    constant = float(d.constant)
    a = Pd[pat.w]
    beta0 = q[pat.w]
    if pat.z_col.size:
        za, zc = pat.z_asset, pat.z_col
        aw, az = Ae[pat.z_pos[0]], Ae[pat.z_pos[1]]
        if not az.all():
            raise NotSeparable("z row without z")
        if np.isfinite(xl[zc]).any() or np.isfinite(xu[zc]).any():
            raise NotSeparable("bounds on z")
        s_, z_ = -aw / az, d.b_eq[pat.z_rows] / az
        sigma[za], zeta[za] = s_, z_
        pz, qz = Pd[zc], q[zc]
        a = a.copy()
        beta0 = beta0.copy()
        a[za] += pz * s_ * s_
        beta0[za] += s_ * (pz * z_ + qz)
        constant += float(z_ @ (0.5 * pz * z_ + qz))
    pb, ps = Pd[pat.buy], Pd[pat.sell]
    qb, qs = q[pat.buy], q[pat.sell]
    if xl[pat.buy].any() or xl[pat.sell].any():
        raise NotSeparable("trade legs with a non-zero lower bound")
    tlo = np.maximum(xl[pat.w] - w0, -xu[pat.sell])
    thi = np.minimum(xu[pat.w] - w0, xu[pat.buy])
    if (tlo > thi).any():
        raise NotSeparable("empty box")
    fixed = tlo == thi
    ab, as_ = a + pb, a + ps
    if ((a <= 0).any() and ((a <= 0) & ~fixed).any()) or min(pb.min(), ps.min()) < 0:
        raise NotSeparable("a weight without curvature")
    live = ~fixed
    neg_inv_ab = np.divide(-1.0, ab, out=np.zeros(n), where=live)
    inv_as = np.divide(1.0, as_, out=np.zeros(n), where=live)
    g = pat.glob
    pg, qg, lg, ug = Pd[g], q[g], xl[g], xu[g]
    if (pg <= 0).any():
        raise NotSeparable("a global variable without curvature")

    # Coupling rows: their layout (a range row is split into its two sides),
    # then the dense matrices, rebuilt only when their numbers change.
    lo_rows = np.concatenate([d.b_eq[pat.c_eq], d.l_in[pat.c_in]])
    hi_rows = np.concatenate([d.b_eq[pat.c_eq], d.u_in[pat.c_in]])
    eq = lo_rows == hi_rows
    eq[: pat.c_eq.size] = True
    up = ~eq & np.isfinite(hi_rows)
    down = ~eq & np.isfinite(lo_rows)
    first = eq | up
    if down.any():
        rows = np.concatenate([np.flatnonzero(first), np.flatnonzero(down)])
        sign = np.concatenate([up[first].astype(float), -np.ones(down.sum())])
    else:
        rows = np.flatnonzero(first)
        sign = up[rows].astype(float)
    if rows.size > MAX_COUPLING:
        raise NotSeparable("too many coupling rows")
    M = _coupling(pat, Ae, Ai, sigma, rows, sign, cache)
    lam_lo = np.where(sign > 0, 0.0, -np.inf)
    lam_hi = np.where(sign < 0, 0.0, np.inf)
    soft = np.zeros(sign.size, dtype=bool)
    cap_all = np.zeros(sign.size)
    slack_dual = np.zeros(0, dtype=np.int64)
    slack_scale = np.zeros(0)
    if pat.slack_col.size:
        sc = pat.slack_col
        if Pd[sc].any() or xl[sc].any() or np.isfinite(xu[sc]).any():
            raise NotSeparable("a penalty slack that is not a plain priced slack")
        price = q[sc]
        coef = np.empty(sc.size)
        coef[~pat.slack_in] = Ae[pat.slack_pos[0]]
        coef[pat.slack_in] = Ai[pat.slack_pos[1]]
        # the dual row of each slack's row; a range row (two dual rows) or an
        # equality cannot take a penalty slack here
        where = np.full(pat.c_eq.size + pat.c_in.size, -1)
        where[rows] = np.arange(rows.size)
        slack_dual = where[pat.slack_row]
        side = sign[slack_dual] if slack_dual.size else sign[:0]
        if (
            (slack_dual < 0).any()
            or np.bincount(rows, minlength=where.size)[pat.slack_row].max() > 1
            or (side == 0).any()
            or (side * coef >= 0).any()
            or (price < 0).any()
        ):
            raise NotSeparable("a penalty slack on a row it does not relax")
        slack_scale = 1.0 / np.abs(coef)
        cap = price * slack_scale
        up = side > 0
        lam_hi[slack_dual[up]] = cap[up]
        lam_lo[slack_dual[~up]] = -cap[~up]
        soft[slack_dual] = True
        cap_all[slack_dual] = cap
    if M.Cz is not None:
        offset = M.Cz @ zeta[pat.z_asset]
        lo_rows = lo_rows - offset
        hi_rows = hi_rows - offset
    r = np.where(sign < 0, lo_rows[rows], hi_rows[rows])
    tol = feas_tol * (1.0 + np.abs(r))
    rounding = SOFT_ROUND * (1.0 + np.abs(r))
    if soft.any():
        # below its price a soft row's residual is charged at the price (see
        # _converged): it must hold within what the gap can absorb
        with np.errstate(divide="ignore"):
            budget = gap_tol * GAP_FLOOR / cap_all[soft]
        tol[soft] = np.maximum(rounding[soft], np.minimum(tol[soft], budget))
    tlo_b = np.maximum(tlo, 0.0)
    diag_all = M.Vb2 @ -neg_inv_ab + M.Vs2 @ inv_as + M.Cg2 @ (1.0 / pg)
    round_trip = M.legs_mixed or bool((qb + qs).min(initial=0.0) < 0)
    return _Data(
        n=n,
        w0=w0,
        c=a * w0 + beta0,
        half_a=0.5 * a,
        beta0=beta0,
        half_pb=0.5 * pb if pb.any() else None,
        half_ps=0.5 * ps if ps.any() else None,
        qb=qb,
        qs=qs,
        qbs=qb + qs,
        neg_inv_ab=neg_inv_ab,
        inv_as=inv_as,
        tlo=tlo,
        thi=thi,
        tlo_b=tlo_b,
        thi_s=np.minimum(thi, 0.0),
        pg=pg,
        qg=qg,
        lg=lg,
        ug=ug,
        boxed_g=bool(np.isfinite(lg).any() or np.isfinite(ug).any()),
        C=M.C,
        Vb=M.Vb,
        Vs=M.Vs,
        Cg=M.Cg,
        r=r,
        tol=tol,
        cap=cap_all,
        rounding=rounding,
        h_all=max(float(diag_all.max(initial=0.0)), 1e-300),
        round_trip=round_trip,
        sign=sign,
        lam_lo=lam_lo,
        lam_hi=lam_hi,
        soft=soft,
        slack_dual=slack_dual,
        slack_scale=slack_scale,
        constant=constant,
        layout=M.layout,
        zeta=zeta,
        sigma=sigma,
    )
