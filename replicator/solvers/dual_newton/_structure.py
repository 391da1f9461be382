"""The structure of a QP for the dual Newton method, read from its layout record.

:class:`~replicator.qp.QPBuilder` records what it built
(:class:`~replicator.qp.QPLayout`): the trade rows, the rows that tie an
auxiliary to one weight each (``"link"``), the one-entry bound rows, the
coupling rows and the penalty slacks. :func:`analyze` turns that record into
the index arrays the method reads the numbers through (once per pattern); it
knows no term, only the row kinds. Anything outside the class raises
:class:`NotSeparable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from replicator.qp import KINDS, TRADE_BLOCKS, QPLayout

__all__ = ["MAX_COUPLING", "NotSeparable", "analyze"]

#: Most coupling rows (after splitting ranges) the method takes on. Measured
#: at N=500 (StatisticalFactor(k), budget, long-only, caps, turnover, fee;
#: re-solves, dual Newton against PIQP): k=10 1.5 vs 9.7 ms, k=60 1.8 vs 28 ms,
#: k=100 4.4 vs 90 ms, k=150 15 vs 173 ms (3-15 iterations); at k=250 the
#: specific variances of a 300-day PCA are ~0 and it did not converge. The
#: Hessian costs O(m^2 N) per iteration.
MAX_COUPLING = 160

TRADE, LINK, BOUND, COUPLING = (KINDS.index(k) for k in KINDS[:4])


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


def _positions(M: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Return the data positions of the entries ``(rows[i], cols[i])`` of a CSC matrix.

    Raises NotSeparable when one is not stored (the record and the matrix
    disagree).
    """
    r, c, _ = _entries(M)
    keys = c * M.shape[0] + r
    order = None
    if keys.size > 1 and not (np.diff(keys) > 0).all():  # unsorted indices
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
    want = np.asarray(cols, dtype=np.int64) * M.shape[0] + rows
    if not want.size:
        return np.zeros(0, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, want), max(keys.size - 1, 0))
    if not keys.size or not np.array_equal(keys[pos], want):
        raise NotSeparable("the layout record does not match the matrices")
    return pos if order is None else order[pos]


def _span(blocks: dict[str, slice], name: str) -> np.ndarray:
    return np.arange(blocks[name].start, blocks[name].stop)


def analyze(d: Any) -> _Pattern:
    """Read the separable structure of ``d`` (a QPData) or raise NotSeparable."""
    if d.is_conic:
        raise NotSeparable("cones")
    blocks = d.blocks
    if not set(TRADE_BLOCKS) <= set(blocks):
        raise NotSeparable("no trade blocks")
    layout: QPLayout | None = d.layout
    if layout is None:
        raise NotSeparable("no layout record")
    if {b: slice(a, z) for b, a, z in layout.blocks} != dict(blocks):
        raise NotSeparable("the layout record does not match the blocks")
    P = d.P
    pr, pc, _ = _entries(P)
    if not np.array_equal(pr, pc):
        raise NotSeparable("Hessian not diagonal")
    w, buy, sell = (_span(blocks, b) for b in TRADE_BLOCKS)
    n = w.size
    if buy.size != n or sell.size != n or n != layout.n_assets:
        raise NotSeparable("trade blocks of another size")
    nx = d.n_variables
    role = np.full(nx, -1)  # -1 global, 0 w, 1 buy, 2 sell, 3 z, -2 slack
    role[w], role[buy], role[sell] = 0, 1, 2
    A_eq, A_in = d.A_eq, d.A_in
    n_eq, n_in = A_eq.shape[0], A_in.shape[0]
    try:
        kind_eq = layout.row_kinds("eq", n_eq)
        kind_in = layout.row_kinds("in", n_in)
    except ValueError as exc:
        raise NotSeparable(str(exc)) from None

    # Trade rows: w_i - buy_i + sell_i = w0_i, the first n rows of A_eq.
    trade = layout.of_kind("trade")
    if len(trade) != 1 or (trade[0].start, trade[0].stop) != (0, n):
        raise NotSeparable("not one trade row per asset")
    trade_rows = np.arange(n)
    trade_all = np.concatenate(
        [_positions(A_eq, trade_rows, c) for c in (w, buy, sell)]
    )

    # Link rows: d_i w_i - z_i = r_i, z a function of one weight each.
    links = [g for g in layout.of_kind("link") if g.matrix == "eq"]
    linked: tuple[list[np.ndarray], ...] = ([], [], [])
    for g in links:
        aux = _span(blocks, g.blocks[1])
        if g.stop - g.start > n or aux.size != g.stop - g.start:
            raise NotSeparable("z rows not one per asset")
        linked[0].append(g.rows)
        linked[1].append(np.arange(aux.size))
        linked[2].append(aux)
    z_rows, z_asset, z_col = (
        np.concatenate(a) if a else np.zeros(0, dtype=np.int64) for a in linked
    )
    if np.unique(z_asset).size != z_asset.size or np.unique(z_col).size != z_col.size:
        raise NotSeparable("z rows not one per asset")
    role[z_col] = 3
    z_pos = (_positions(A_eq, z_rows, w[z_asset]), _positions(A_eq, z_rows, z_col))
    for s in layout.slacks:
        role[blocks[s.block]] = -2

    # Bound rows (one entry each) tighten the boxes; coupling rows are dualized.
    er, ec, ep = _entries(A_eq)
    ir, ic, ip = _entries(A_in)
    sel_e, sel_i = kind_eq[er] == BOUND, kind_in[ir] == BOUND
    if (np.bincount(er[sel_e], minlength=n_eq) > 1).any() or (
        np.bincount(ir[sel_i], minlength=n_in) > 1
    ).any():
        raise NotSeparable("a bound row with more than one entry")
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
    c_eq = np.flatnonzero(kind_eq == COUPLING)
    c_in = np.flatnonzero(kind_in == COUPLING)
    if c_eq.size + c_in.size > MAX_COUPLING:  # a range row counts twice later
        raise NotSeparable("too many coupling rows")
    slack_col, slack_row, slack_pos, slack_in = _slacks(d, layout, c_eq, c_in)

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
        parts: list[np.ndarray] = []
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
    d: Any, layout: QPLayout, c_eq: np.ndarray, c_in: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Locate every penalty slack: entry ``j`` in row ``j`` of one coupling group.

    A soft row ``lhs - s <= rhs`` with ``s >= 0`` priced ``c`` bounds its
    multiplier by ``c`` (see :mod:`replicator.solvers.dual_newton._numbers`); a
    slack shared by rows (the soft turnover limit's) would be a general linear
    constraint on the multipliers, which this method does not handle.
    """
    crow = {"eq": np.full(d.A_eq.shape[0], -1), "in": np.full(d.A_in.shape[0], -1)}
    crow["eq"][c_eq] = np.arange(c_eq.size)
    crow["in"][c_in] = np.arange(c_in.size) + c_eq.size
    cols, rows, pos, inside = [], [], [], []
    for s in layout.slacks:
        if not s.groups:
            raise NotSeparable("a penalty slack outside the coupling rows")
        if not s.per_row:
            raise NotSeparable("a penalty slack shared by rows")
        g = layout.groups[s.groups[0]]
        if g.kind != "coupling" or g.matrix not in crow:
            raise NotSeparable("a penalty slack outside the coupling rows")
        if g.stop - g.start != s.size:
            raise NotSeparable("a penalty slack shared by rows")
        c = _span(d.blocks, s.block)
        M = d.A_eq if g.matrix == "eq" else d.A_in
        cols.append(c)
        rows.append(crow[g.matrix][g.rows])
        pos.append(_positions(M, g.rows, c))
        inside.append(np.full(c.size, g.matrix == "in"))
    if not cols:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, (empty, empty), np.zeros(0, dtype=bool)
    col, row, p, is_in = (np.concatenate(a) for a in (cols, rows, pos, inside))
    return col, row, (p[~is_in], p[is_in]), is_in
