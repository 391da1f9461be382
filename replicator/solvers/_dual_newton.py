r"""Separable dual Newton: an exact, warm-started solver for the replication QP.

The replication QP of :mod:`replicator._qp` is separable per asset except for
a few dense rows. Each asset ``i`` owns its weight ``w_i``, its trade legs
``buy_i, sell_i`` (tied by ``w_i - buy_i + sell_i = w0_i``) and its scaled
weight ``z_i = s_i w_i + zeta_i``; the factor exposures ``y`` are global. Only
the *coupling rows* join assets: the ``k`` factor rows ``y = G w``, the budget,
the two turnover rows, group rows. There are ``m = k + 3`` or so of them.

Dualizing the coupling rows leaves, for given multipliers ``lambda``, one
convex piecewise-quadratic problem in one variable per asset, solved in closed
form, and one clipped quadratic per global variable. The dual function is
concave, continuously differentiable (every per-asset problem is strongly
convex) and piecewise quadratic in ``m`` variables, so a projected Newton
method maximizes it in a handful of iterations, each costing ``O(m^2 N)``
flops and no factorization larger than ``m x m``. Steps are regularized
Levenberg-Marquardt style (an inexact proximal point method on the dual):
where few weights are free the dual is flat along some directions and plain
Newton steps would zigzag between its pieces. A re-solve starts from the last
multipliers.

Notes
-----
With coupling rows ``l \le C x \le u`` (a range row is split into its two
sides) and the per-asset and global parts :math:`f_i, f_g`, the dual is

.. math::

    g(\lambda) = \sum_i \min_{L_i \le w_i \le U_i} \Big[\tfrac12 a_i w_i^2
        + \beta_i w_i + h_i(w_i - w0_i)\Big]
      + \sum_g \min_{l_g \le x_g \le u_g} \Big[\tfrac12 p_g x_g^2
        + (q_g + c_g^T \lambda) x_g\Big] - \lambda^T r + c,

    h_i(t) = \begin{cases} \tfrac12 p^b_i t^2 + \gamma^b_i t & t \ge 0 \\
        \tfrac12 p^s_i t^2 - \gamma^s_i t & t < 0 \end{cases}

where :math:`a_i = P_{w_i} + P_{z_i} s_i^2`, :math:`\beta_i`, :math:`\gamma^b_i`,
:math:`\gamma^s_i` are the linear terms of ``w``, ``buy`` and ``sell`` plus
their coupling columns times :math:`\lambda`, :math:`r` the row bounds and
:math:`\lambda_j \ge 0` on upper rows, :math:`\le 0` on lower rows. The
minimizer of each per-asset problem is the stationary point of the buy side,
of the sell side, or ``w0_i`` (no trade), clipped to the box; this needs
:math:`\gamma^b_i + \gamma^s_i \ge 0` (a round trip never earns), and where it
fails the dual is :math:`-\infty` and the step is refused. Its gradient is
:math:`\nabla g = C x(\lambda) - r` (Danskin) and its generalized Hessian is
:math:`-\sum_{i\ \text{free}} v_i v_i^T / (a_i + p_i) - \sum_{g\ \text{free}}
c_g c_g^T / p_g`, ``v_i`` being the coupling column of ``w_i`` plus (buying)
or minus (selling) that of the trade leg.

A soft row ``lhs - s <= rhs`` with its own slack ``s >= 0`` priced ``c`` per
unit (the :class:`~replicator.constraints.Soft` form) only bounds its
multiplier, :math:`0 \le \lambda_j \le c / |a|`; at that price the slack takes
the row's excess. A slack shared by rows (the soft turnover limit's) is
declined.

The answer is certified, not trusted: it is returned only when every coupling
row holds within ``1e-10 (1 + |r_j|)`` and the duality gap
:math:`-\lambda^T \nabla g` is within ``1e-11`` of the objective's scale. The
local rows hold exactly by construction. Anything else (a structure this
module does not know, a row it cannot meet within the iteration limit,
multipliers that diverge because the problem is infeasible) is declined, and
the caller solves the QP with a general solver.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from replicator.exceptions import ConfigError
from replicator.solvers._base import Status
from replicator.solvers._native import NativeOutcome

__all__ = ["DualNewton", "NotSeparable", "analyze"]

#: Most coupling rows (after splitting ranges) the method takes on. Measured
#: at N=500 (StatisticalFactor(k), budget, long-only, caps, turnover, fee;
#: re-solves, dual Newton against PIQP): k=10 1.5 vs 9.7 ms, k=60 1.8 vs 28 ms,
#: k=100 4.4 vs 90 ms, k=150 15 vs 173 ms (3-15 iterations); at k=250 the
#: specific variances of a 300-day PCA are ~0 and it did not converge. The
#: Hessian costs O(m^2 N) per iteration.
MAX_COUPLING = 160
#: Newton iterations before declining. Over ~500 random problems (3-300
#: assets, 1-10 factors, every hard QP term, cost aversion 1-10^4) the
#: median was 4-6 and the largest 54; ~1 % (3-15 assets with costs 100x the
#: risk, where the dual is flat over long stretches) did not converge in 60.
MAX_ITER = 60
#: Range of the Levenberg-Marquardt factor ``theta`` (relative to the
#: Hessian's largest diagonal entry); a step that needs more is declined.
THETA_MIN = 1e-12
THETA_MAX = 1e8
#: Multipliers beyond this mean a dual rising without bound (an infeasible
#: problem); the objective is O(1e4) at most, so optimal ones are far smaller.
LAMBDA_MAX = 1e12
#: Feasibility of a coupling row: ``|violation| <= FEAS_TOL * (1 + |r_j|)``.
FEAS_TOL = 1e-10
#: Duality gap, relative to ``max(|objective|, GAP_FLOOR)``.
GAP_TOL = 1e-11
GAP_FLOOR = 1.0
#: Rounding allowance of a soft row below its price, relative to ``1 + |r_j|``:
#: a residual within it is rounding (as on a hard row) and is not charged.
SOFT_ROUND = 64 * float(np.finfo(float).eps)


def _setting(key: str, value: Any) -> Any:
    """Return ``value`` as the setting ``key`` or raise ConfigError naming it.

    ``max_iter`` is a whole number ``>= 0`` (0 certifies the starting point
    only); ``feas_tol`` and ``gap_tol`` are finite numbers ``> 0`` (a NaN
    would switch the row check off). A number given as text (YAML reads
    ``1e-9`` as a string) is read as that number.
    """
    number: float
    if isinstance(value, bool) or not isinstance(value, (int, float, str, np.number)):
        number = float("nan")
        ok = False
    else:
        try:
            number = float(value)
            ok = True
        except ValueError:
            number, ok = float("nan"), False
    if key == "max_iter":
        if ok and math.isfinite(number) and number == int(number) and number >= 0:
            return int(number)
        what = "a whole number of iterations >= 0, e.g. 60"
    else:
        if ok and math.isfinite(number) and number > 0:
            return number
        what = "a finite number > 0, e.g. 1e-10"
    raise ConfigError(
        f"solver_options: DUAL_NEWTON's {key!r} must be {what}; got {value!r}. "
        "Fix it in solver_options (or the config's solver.options)."
    )


class NotSeparable(Exception):
    """The QP has a structure the dual Newton method does not handle."""


@dataclass
class _Pattern:
    """What one sparsity pattern of the QP means (computed once per pattern)."""

    n: int
    w: np.ndarray  # column of w_i
    buy: np.ndarray
    sell: np.ndarray
    trade_rows: np.ndarray
    z_asset: np.ndarray  # assets with a z
    z_col: np.ndarray
    z_pos: tuple[np.ndarray, np.ndarray]  # data positions of (w, z) in A_eq
    z_rows: np.ndarray
    glob: np.ndarray  # global columns
    single: tuple[np.ndarray, ...]  # (source, row, col, pos) of one-entry rows
    c_eq: np.ndarray  # coupling rows of A_eq
    c_in: np.ndarray  # coupling rows of A_in
    # coupling entries: flat index into the (m, 3n) matrix over (w, buy, sell),
    # the (m, n_glob) matrix over the globals and the (m, n_z) one over z,
    # with their data positions in A_eq (first) and A_in (second)
    gather: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    trade_all: np.ndarray  # A_eq data positions of (w, buy, sell) per trade row
    coupling_pos: tuple[np.ndarray, np.ndarray]  # every coupling entry (eq, in)
    p_full: bool  # P stores exactly its whole diagonal, in order
    # penalty slacks of soft rows (blocks "slack*"): column, its one coupling
    # row (in the rows' own order, A_eq's first), and its data position
    slack_col: np.ndarray
    slack_row: np.ndarray
    slack_pos: tuple[np.ndarray, np.ndarray]  # (A_eq positions, A_in positions)
    slack_in: np.ndarray  # True where the slack's row is in A_in


def _entries(M: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, data position) of every stored entry of a CSC matrix."""
    cols = np.repeat(np.arange(M.shape[1]), np.diff(M.indptr))
    return M.indices.astype(np.int64), cols, np.arange(M.indices.size)


def analyze(d: Any) -> _Pattern:
    """Recognize the separable structure of ``d`` (a QPData) or raise NotSeparable."""
    if d.is_conic:
        raise NotSeparable("cones")
    blocks = d.blocks
    if not {"w", "buy", "sell"} <= set(blocks):
        raise NotSeparable("no trade blocks")
    P = d.P
    pr, pc, _ = _entries(P)
    if not np.array_equal(pr, pc):
        raise NotSeparable("Hessian not diagonal")
    w = np.arange(blocks["w"].start, blocks["w"].stop)
    buy = np.arange(blocks["buy"].start, blocks["buy"].stop)
    sell = np.arange(blocks["sell"].start, blocks["sell"].stop)
    n = w.size
    if buy.size != n or sell.size != n:
        raise NotSeparable("trade blocks of another size")
    nx = d.n_variables
    role = np.full(nx, -1)  # -1 global, 0 w, 1 buy, 2 sell, 3 z
    role[w], role[buy], role[sell] = 0, 1, 2
    asset = np.full(nx, -1)
    asset[w] = asset[buy] = asset[sell] = np.arange(n)
    z_block = blocks.get("z")
    if z_block is not None:
        role[z_block] = 3
    for name, sl in blocks.items():
        if name.startswith("slack"):
            role[sl] = -2

    er, ec, ep = _entries(d.A_eq)
    ir, ic, ip = _entries(d.A_in)
    n_eq, n_in = d.A_eq.shape[0], d.A_in.shape[0]
    eq_nnz = np.bincount(er, minlength=n_eq)
    in_nnz = np.bincount(ir, minlength=n_in)

    # Trade rows: exactly (w_i, buy_i, sell_i) of one asset.
    order = np.lexsort((role[ec], er))  # by row, then role
    c_s, p_s = ec[order], ep[order]
    starts = np.concatenate([[0], np.cumsum(eq_nnz)])
    three = np.flatnonzero(eq_nnz == 3)
    s3 = starts[three]
    cw, cb, cs = c_s[s3], c_s[s3 + 1], c_s[s3 + 2]
    is_trade = (
        (role[cw] == 0)
        & (role[cb] == 1)
        & (role[cs] == 2)
        & (asset[cw] == asset[cb])
        & (asset[cw] == asset[cs])
    )
    trade_rows = three[is_trade]
    t_asset = asset[cw[is_trade]]
    if t_asset.size != n or np.unique(t_asset).size != n:
        raise NotSeparable("not one trade row per asset")
    by_asset = np.argsort(t_asset)
    trade_rows = trade_rows[by_asset]
    s3t = s3[is_trade][by_asset]
    trade_all = np.concatenate([p_s[s3t], p_s[s3t + 1], p_s[s3t + 2]])

    # z rows: exactly (w_i, z_j).
    two = np.flatnonzero(eq_nnz == 2)
    s2 = starts[two]
    a_col, b_col = c_s[s2], c_s[s2 + 1]
    is_z = (role[a_col] == 0) & (role[b_col] == 3)
    z_rows = two[is_z]
    z_asset = asset[a_col[is_z]]
    z_col = b_col[is_z]
    if np.unique(z_asset).size != z_asset.size or np.unique(z_col).size != z_col.size:
        raise NotSeparable("z rows not one per asset")
    if z_block is not None and z_col.size != z_block.stop - z_block.start:
        raise NotSeparable("a z without its row")
    z_pos = (p_s[s2[is_z]], p_s[s2[is_z] + 1])

    # One-entry rows are bounds; everything else couples.
    local_eq = np.zeros(n_eq, dtype=bool)
    local_eq[trade_rows] = local_eq[z_rows] = True
    single_eq = (eq_nnz == 1) & ~local_eq
    single_in = in_nnz == 1
    local_eq |= single_eq
    c_eq = np.flatnonzero(~local_eq & (eq_nnz > 0))
    c_in = np.flatnonzero(~single_in & (in_nnz > 0))
    if c_eq.size + c_in.size > MAX_COUPLING:  # a range row counts twice later
        raise NotSeparable("too many coupling rows")
    sel_e, sel_i = single_eq[er], single_in[ir]
    single = (
        np.concatenate([np.zeros(sel_e.sum(), int), np.ones(sel_i.sum(), int)]),
        np.concatenate([er[sel_e], ir[sel_i]]),
        np.concatenate([ec[sel_e], ic[sel_i]]),
        np.concatenate([ep[sel_e], ip[sel_i]]),
    )
    if np.any(role[single[2]] == 3):
        raise NotSeparable("bounds on z")
    if np.any(role[single[2]] == -2):
        raise NotSeparable("bounds on a penalty slack")
    slack_col, slack_row, slack_pos, slack_in = _slacks(
        role, c_eq, c_in, (er, ec, ep), (ir, ic, ip), local_eq, single_in
    )

    glob = np.flatnonzero(role == -1)
    local = np.full(nx, -1)
    local[w], local[buy], local[sell] = np.arange(3 * n).reshape(3, n)
    local[glob] = np.arange(glob.size)
    local[z_col] = np.arange(z_col.size)
    width = {"trade": 3 * n, "glob": glob.size, "z": z_col.size}
    kind_of = {"trade": (0, 1, 2), "glob": (-1,), "z": (3,)}
    m_eq = c_eq.size
    gather = {}
    for kind, roles in kind_of.items():
        parts = []
        for rows_sel, r, c, pp, nrows, shift in (
            (c_eq, er, ec, ep, n_eq, 0),
            (c_in, ir, ic, ip, n_in, m_eq),
        ):
            crow = np.full(nrows, -1)
            crow[rows_sel] = np.arange(rows_sel.size) + shift
            keep = (crow[r] >= 0) & np.isin(role[c], roles)
            parts += [crow[r[keep]] * width[kind] + local[c[keep]], pp[keep]]
        gather[kind] = tuple(parts)
    return _Pattern(
        n=n,
        w=w,
        buy=buy,
        sell=sell,
        trade_rows=trade_rows,
        z_asset=z_asset,
        z_col=z_col,
        z_pos=z_pos,
        z_rows=z_rows,
        glob=glob,
        single=single,
        c_eq=c_eq,
        c_in=c_in,
        gather=gather,
        trade_all=trade_all,
        coupling_pos=(
            np.concatenate([gather[k][1] for k in kind_of]),
            np.concatenate([gather[k][3] for k in kind_of]),
        ),
        p_full=bool(
            np.array_equal(P.indptr, np.arange(nx + 1))
            and np.array_equal(P.indices, np.arange(nx))
        ),
        slack_col=slack_col,
        slack_row=slack_row,
        slack_pos=slack_pos,
        slack_in=slack_in,
    )


def _slacks(
    role: np.ndarray,
    c_eq: np.ndarray,
    c_in: np.ndarray,
    eq: tuple[np.ndarray, np.ndarray, np.ndarray],
    ineq: tuple[np.ndarray, np.ndarray, np.ndarray],
    local_eq: np.ndarray,
    single_in: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Locate every penalty slack: it must sit in exactly one coupling row.

    A soft row ``lhs - s <= rhs`` with ``s >= 0`` priced ``c`` bounds its
    multiplier by ``c`` (see :func:`_numbers`); a slack shared by rows (the
    soft turnover limit's) would be a general linear constraint on the
    multipliers, which this method does not handle.
    """
    (er, ec, ep), (ir, ic, ip) = eq, ineq
    cols = np.flatnonzero(role == -2)
    if not cols.size:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, (empty, empty), np.zeros(0, dtype=bool)
    in_eq, in_in = role[ec] == -2, role[ic] == -2
    if (local_eq[er[in_eq]]).any() or (single_in[ir[in_in]]).any():
        raise NotSeparable("a penalty slack outside the coupling rows")
    counts = np.bincount(np.concatenate([ec[in_eq], ic[in_in]]), minlength=role.size)
    if (counts[cols] != 1).any():
        raise NotSeparable("a penalty slack shared by rows")
    # row of each slack in the coupling rows' own order (A_eq's first)
    crow_eq = np.full(local_eq.size, -1)
    crow_eq[c_eq] = np.arange(c_eq.size)
    crow_in = np.full(single_in.size, -1)
    crow_in[c_in] = np.arange(c_in.size) + c_eq.size
    row = np.full(role.size, -1)
    row[ec[in_eq]] = crow_eq[er[in_eq]]
    row[ic[in_in]] = crow_in[ir[in_in]]
    pos = np.full(role.size, -1)
    pos[ec[in_eq]] = ep[in_eq]
    pos[ic[in_in]] = ip[in_in]
    is_in = np.zeros(role.size, dtype=bool)
    is_in[ic[in_in]] = True
    inside = is_in[cols]
    return cols, row[cols], (pos[cols][~inside], pos[cols][inside]), inside


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


def _dense(
    gather: tuple[np.ndarray, ...], m: int, width: int, Ae: np.ndarray, Ai: np.ndarray
) -> np.ndarray:
    """Scatter the coupling entries of one kind into a dense ``(m, width)`` matrix."""
    flat_e, pos_e, flat_i, pos_i = gather
    out = np.zeros(m * width)
    out[flat_e] = Ae[pos_e]
    out[flat_i] = Ai[pos_i]
    return out.reshape(m, width)


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


@dataclass
class _Coupling:
    """Dense coupling matrices of one row layout (see :func:`_coupling`)."""

    layout: tuple[bytes, bytes]
    C: np.ndarray  # (m, 3n) over (w, buy, sell), z folded onto w
    Cg: np.ndarray  # (m, n_glob)
    Cz: np.ndarray | None  # (m0, n_z) in the rows' own order, when z couples
    Vb: np.ndarray  # Cw + Cb
    Vs: np.ndarray  # Cw - Cs
    Vb2: np.ndarray  # Vb ** 2
    Vs2: np.ndarray
    Cg2: np.ndarray
    legs_mixed: bool  # some lambda of the right signs prices a round trip < 0


def _coupling(
    pat: _Pattern,
    Ae: np.ndarray,
    Ai: np.ndarray,
    sigma: np.ndarray,
    rows: np.ndarray,
    sign: np.ndarray,
    cache: dict[str, Any],
) -> _Coupling:
    """Return the coupling matrices, from ``cache`` while their numbers hold."""
    n, m0 = pat.n, pat.c_eq.size + pat.c_in.size
    pe, pi = pat.coupling_pos
    values = np.concatenate([Ae[pe], Ai[pi]])
    z_couples = bool(pat.gather["z"][0].size or pat.gather["z"][2].size)
    key_sigma = sigma if z_couples else None
    layout = (rows.tobytes(), sign.tobytes())
    hit = cache.get("coupling")
    if (
        hit is not None
        and hit[0].layout == layout
        and np.array_equal(hit[1], values)
        and (key_sigma is None or np.array_equal(hit[2], key_sigma))
    ):
        return hit[0]
    C = _dense(pat.gather["trade"], m0, 3 * n, Ae, Ai)
    Cg = _dense(pat.gather["glob"], m0, pat.glob.size, Ae, Ai)
    Cz = None
    if z_couples:
        Cz = _dense(pat.gather["z"], m0, pat.z_col.size, Ae, Ai)
        C[:, pat.z_asset] += Cz * sigma[pat.z_asset]
    if rows.size != m0 or not np.array_equal(rows, np.arange(m0)):
        C, Cg = C[rows], Cg[rows]
    Cw, Cb, Cs = C[:, :n], C[:, n : 2 * n], C[:, 2 * n :]
    Vb, Vs = Cw + Cb, Cw - Cs
    # lambda' (Cb + Cs) >= 0 for every lambda of the right signs when each
    # row's legs carry that row's sign (turnover: +1 on both legs of a <= row)
    legs = Cb + Cs
    on_eq = sign == 0
    mixed = bool(
        (legs[on_eq] != 0).any() or (legs[~on_eq] * sign[~on_eq, None] < 0).any()
    )
    out = _Coupling(layout, C, Cg, Cz, Vb, Vs, Vb * Vb, Vs * Vs, Cg * Cg, mixed)
    cache["coupling"] = (out, values, None if key_sigma is None else key_sigma.copy())
    return out


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


def _same_key(a: tuple[Any, ...], b: tuple[Any, ...] | None) -> bool:
    if b is None or a[:2] != b[:2]:
        return False
    for (sa, pa, ia), (sb, pb, ib) in zip(a[2:], b[2:], strict=True):
        if sa != sb:
            return False
        for x, y in ((pa, pb), (ia, ib)):
            if x is not y and not np.array_equal(x, y):
                return False
    return True


def _project(lam: np.ndarray, D: _Data) -> np.ndarray:
    """Clip the multipliers to their bounds (sign, and a soft row's price)."""
    return np.minimum(np.maximum(lam, D.lam_lo), D.lam_hi)


class DualNewton:
    """Stateful dual Newton solver: the pattern analysis and ``lambda`` persist.

    ``solve(d)`` returns a certified optimum of the QPData ``d`` or declines
    (status FAILED and the reason in ``raw_status``); it never returns a
    point it has not checked.
    """

    name = "DUAL_NEWTON"
    #: Settings ``solver_options`` may change.
    SETTINGS = ("max_iter", "feas_tol", "gap_tol")

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.max_iter = MAX_ITER
        self.feas_tol = FEAS_TOL
        self.gap_tol = GAP_TOL
        for key, value in (options or {}).items():
            if key not in self.SETTINGS:
                raise ConfigError(
                    f"solver_options: DUAL_NEWTON has no setting {key!r}; it has "
                    f"{', '.join(map(repr, self.SETTINGS))}."
                )
            setattr(self, key, _setting(key, value))
        self.key: Any = None
        self.pattern: _Pattern | None = None
        self.unsupported: str | None = None
        self.lam: np.ndarray | None = None
        self.layout: Any = None
        self.cache: dict[str, Any] = {}
        self.theta = THETA_MIN

    def _pattern_for(self, d: Any) -> _Pattern:
        """Return the analysis of ``d``'s pattern, redone when the pattern changes.

        The builder reuses its index arrays between solves, so the check is
        mostly ``is``; the arrays are kept, so an address is never recycled.
        """
        key = (
            d.is_conic,
            tuple(d.blocks.items()),
            *((M.shape, M.indptr, M.indices) for M in (d.P, d.A_eq, d.A_in)),
        )
        if not _same_key(key, self.key):
            self.key, self.pattern, self.unsupported = key, None, None
            self.lam, self.layout, self.cache = None, None, {}
            try:
                self.pattern = analyze(d)
            except NotSeparable as exc:
                self.unsupported = str(exc)
        if self.pattern is None:
            raise NotSeparable(self.unsupported or "unsupported")
        return self.pattern

    def solve(self, d: Any) -> NativeOutcome:
        t0 = time.perf_counter()
        try:
            pat = self._pattern_for(d)
            D = _numbers(pat, d, self.feas_tol, self.cache, self.gap_tol)
        except NotSeparable as exc:
            return NativeOutcome(None, Status.FAILED, f"declined: {exc}", 0, 0.0, 0.0)
        t1 = time.perf_counter()
        m = D.r.size
        lam = np.zeros(m)
        if self.lam is not None and self.layout == D.layout:
            lam = _project(self.lam, D)
        p = _evaluate(D, lam)
        if p is None:
            lam = np.zeros(m)
            p = _evaluate(D, lam)
        it = 0
        self.theta = THETA_MIN
        why = "no ascent step" if p is None else ""
        while p is not None and not _converged(D, p, self.gap_tol):
            if it >= self.max_iter:
                why = f"not converged in {self.max_iter} iterations"
                break
            if np.abs(p.lam).max(initial=0.0) > LAMBDA_MAX:
                # the dual rises without bound: no feasible point (weak duality)
                why = "multipliers diverge (the problem may be infeasible)"
                break
            it += 1
            p = self._step(D, p)
            if p is None:
                why = "no ascent step"
        t2 = time.perf_counter()
        if p is None or why:
            self.lam = None
            return NativeOutcome(
                None, Status.FAILED, f"declined: {why}", it, t2 - t1, t1 - t0
            )
        self.lam, self.layout = p.lam, D.layout
        x = np.empty(d.n_variables)
        n = pat.n
        # w0 + t can land an ulp outside the weight's own bounds
        w = np.clip(p.x[:n], d.x_lower[pat.w], d.x_upper[pat.w])
        x[pat.w], x[pat.buy], x[pat.sell] = w, p.x[n : 2 * n], p.x[2 * n :]
        if pat.z_col.size:
            za = pat.z_asset
            x[pat.z_col] = D.sigma[za] * w[za] + D.zeta[za]
        x[pat.glob] = p.xg
        if pat.slack_col.size:
            j = D.slack_dual
            over = np.maximum(D.sign[j] * p.grad[j], 0.0)
            x[pat.slack_col] = np.where(_saturated(D, p.lam)[j], over, 0.0)
            x[pat.slack_col] *= D.slack_scale
        return NativeOutcome(x, Status.OPTIMAL, "solved", it, t2 - t1, t1 - t0)

    def _step(self, D: _Data, p: _Point) -> _Point | None:
        """One projected, regularized Newton step; None when none ascends.

        The step solves ``(H_F + theta h I) d = grad_F`` on the multipliers
        not held at their bound, ``h`` being the largest diagonal entry
        ``-H`` would have with every weight free (a fixed scale: with few or
        no weights free ``H_F`` itself may be zero). Where few weights are
        free the dual is flat along some directions and Newton's steps
        zigzag between pieces; a rejected
        step multiplies ``theta`` by 10 (towards a short gradient step) and an
        accepted one divides it by 10 (Levenberg-Marquardt, i.e. an inexact
        proximal point method on the dual).
        """
        g, lam = p.grad, p.lam
        # bounds held: lambda_j at a bound with the ascent direction outside
        held = ((lam <= D.lam_lo) & (g <= 0)) | ((lam >= D.lam_hi) & (g >= 0))
        free = ~held
        H = _hessian(D, p)
        idx = np.flatnonzero(free)
        Hf = H if idx.size == lam.size else H[idx][:, idx]
        diag = np.arange(idx.size)
        h = D.h_all
        # The dual value is a sum of terms as large as the objective's constant
        # (||g||^2 + ||s b||^2), which cancel: below ``noise`` its changes are
        # rounding, and a step that halves the row violations is taken.
        noise = 1e-13 * (1.0 + abs(D.constant) + abs(p.value))
        before = _violation(D, p)
        step = np.zeros_like(lam)
        while self.theta <= THETA_MAX:
            try:
                Hr = Hf.copy()
                Hr[diag, diag] += self.theta * h
                step[idx] = np.linalg.solve(Hr, g[idx])
            except np.linalg.LinAlgError:
                self.theta *= 10.0
                continue
            trial = _project(lam + step, D)
            if not np.isfinite(trial).all():
                self.theta *= 10.0
                continue
            q = _evaluate(D, trial)
            if q is not None:
                rise = q.value - p.value
                if (rise >= 1e-4 * float(g @ (trial - lam)) and rise > -noise) or (
                    rise > -noise and _violation(D, q) <= 0.5 * before
                ):
                    self.theta = max(self.theta * 0.1, THETA_MIN)
                    return q
            self.theta *= 10.0
        return None
