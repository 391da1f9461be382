r"""The layout record of an assembled QP: what each block and row family is.

:class:`~replicator.qp.QPBuilder` knows, as the terms describe themselves, which
variable blocks it declared, which rows each call added and what they mean. It
records this in a :class:`QPLayout` (``QPData.layout``) instead of leaving the
solvers to recover it from the sparsity pattern. A solver that exploits the
structure (:mod:`replicator.solvers.dual_newton`) reads the record; it knows no
term.

Notes
-----
Every row of ``A_eq`` and ``A_in`` belongs to exactly one :class:`RowGroup`,
groups tile each matrix in order. A group's ``kind`` is one of

* ``"trade"``: the trade identity ``w_i - buy_i + sell_i = w0_i``, one row per
  asset (the first ``n`` rows of ``A_eq``);
* ``"link"``: ``d_i w_i - x_i = r_i``, one row per entry of an auxiliary block
  ``x`` (``blocks == ("w", x)``, both diagonal): ``x`` is a function of one
  weight each (the scaled weights ``z = s w`` of a risk model);
* ``"bound"``: one entry per row, in one block (a bound written as a row);
* ``"coupling"``: anything else (budget, group, turnover and factor rows, and
  every row with a penalty slack);
* ``"cone"``: rows of ``A_cone``.

A penalty slack (:meth:`~replicator.qp.QPBuilder.softened`,
:meth:`~replicator.qp.QPBuilder.slack`) is a block ``s >= 0`` priced ``c`` per
unit. ``groups`` lists the row groups it enters; ``per_row`` is True when its
entry ``j`` enters row ``start + j`` of one group only (a soft row's own slack,
whose multiplier is then bounded by the price), False when an entry is shared
by rows (the soft turnover limit's ``max(buys, sells)``) or enters no row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["KINDS", "TRADE_BLOCKS", "PenaltySlack", "QPLayout", "RowGroup"]

#: The blocks every QP has: post-trade weights and the two trade legs.
TRADE_BLOCKS = ("w", "buy", "sell")
#: Row kinds, in the order of their codes (:meth:`QPLayout.row_kinds`).
KINDS = ("trade", "link", "bound", "coupling", "cone")


@dataclass(frozen=True)
class RowGroup:
    """Rows ``start:stop`` of ``A_eq`` (``matrix="eq"``), ``A_in`` or ``A_cone``.

    ``blocks`` are the blocks with entries in them, in the order given;
    ``slack`` the penalty slack block of a soft row, if any.
    """

    matrix: str
    start: int
    stop: int
    kind: str
    blocks: tuple[str, ...]
    slack: str | None = None

    @property
    def rows(self) -> np.ndarray:
        """The group's row indices in its matrix."""
        return np.arange(self.start, self.stop)


@dataclass(frozen=True)
class PenaltySlack:
    """A priced slack block (see the module notes).

    ``price`` is per unit, unscaled; it is not part of the structure (equal
    layouts may differ in price), the numbers are in ``QPData.q``.
    """

    block: str
    size: int
    groups: tuple[int, ...]
    per_row: bool
    price: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class QPLayout:
    """What :class:`~replicator.qp.QPBuilder` built (see the module notes)."""

    n_assets: int
    blocks: tuple[tuple[str, int, int], ...]  # (name, start, stop), in order
    groups: tuple[RowGroup, ...]
    slacks: tuple[PenaltySlack, ...] = ()

    def block(self, name: str) -> slice:
        """Return the slice of ``x`` holding block ``name`` (KeyError if none)."""
        for b, start, stop in self.blocks:
            if b == name:
                return slice(start, stop)
        raise KeyError(name)

    def block_names(self) -> tuple[str, ...]:
        """Return the names of the blocks, in order."""
        return tuple(b for b, _, _ in self.blocks)

    def in_matrix(self, matrix: str) -> tuple[RowGroup, ...]:
        """Return the groups of ``matrix`` (``"eq"``, ``"in"``, ``"cone"``)."""
        return tuple(g for g in self.groups if g.matrix == matrix)

    def row_kinds(self, matrix: str, n_rows: int) -> np.ndarray:
        """Return the kind code (index into :data:`KINDS`) of each row of ``matrix``.

        Raises ValueError when the groups do not tile the ``n_rows`` rows.
        """
        out = np.full(n_rows, -1, dtype=np.int8)
        for g in self.in_matrix(matrix):
            out[g.start : g.stop] = KINDS.index(g.kind)
        if (out < 0).any():
            raise ValueError(f"rows of {matrix!r} outside every recorded group")
        return out

    def of_kind(self, kind: str) -> tuple[RowGroup, ...]:
        """Return the groups of one kind, in order."""
        return tuple(g for g in self.groups if g.kind == kind)
