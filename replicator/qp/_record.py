"""The builder's layout recorder: it fills a :class:`~replicator.qp.QPLayout`.

:class:`~replicator.qp.QPBuilder` tells it each row family it closed and each
penalty slack it declared; the kind of a family follows from the call and the
form of its coefficients (see :mod:`replicator.qp._layout`).
"""

from __future__ import annotations

from typing import Any

from replicator.qp._data import Coefs, Diag
from replicator.qp._layout import TRADE_BLOCKS, PenaltySlack, QPLayout, RowGroup

__all__ = ["LayoutRecorder"]


def _diagonal(coefs: Coefs) -> bool:
    return all(isinstance(M, Diag) for M in coefs.values())


class LayoutRecorder:
    """Row groups and penalty slacks, in the order the builder added them."""

    __slots__ = ("groups", "slacks")

    def __init__(self, n_assets: int) -> None:
        self.groups: list[RowGroup] = [
            RowGroup("eq", 0, int(n_assets), "trade", TRADE_BLOCKS)
        ]
        #: slack block -> (size, price, [(group index, entered diagonally)])
        self.slacks: dict[str, tuple[int, float, list[tuple[int, bool]]]] = {}

    def slack(self, name: str, size: int, price: float) -> None:
        """Record a penalty slack block."""
        self.slacks[name] = (int(size), float(price), [])

    def kind(self, coefs: Coefs, equality: bool = False) -> str:
        """Return the kind of rows ``coefs`` (see :mod:`replicator.qp._layout`).

        ``"link"``: an equality over ``w`` and an auxiliary block, both
        diagonal; ``"bound"``: one block entered diagonally; else
        ``"coupling"``.
        """
        names = list(coefs)
        if not _diagonal(coefs):
            return "coupling"
        if len(names) == 1:
            return "bound"
        if equality and len(names) == 2 and names[0] == "w":
            other = names[1]
            if other not in TRADE_BLOCKS and other not in self.slacks:
                return "link"
        return "coupling"

    def rows(
        self,
        matrix: str,
        start: int,
        stop: int,
        coefs: Coefs,
        kind: str,
        slack: str | None = None,
    ) -> None:
        """Record rows ``start:stop`` of ``matrix`` as one group."""
        index = len(self.groups)
        self.groups.append(RowGroup(matrix, start, stop, kind, tuple(coefs), slack))
        for name, M in coefs.items():
            if name in self.slacks:
                self.slacks[name][2].append((index, isinstance(M, Diag)))

    def layout(
        self, n_assets: int, offsets: dict[str, int], sizes: dict[str, int]
    ) -> QPLayout:
        """Return the record of the QP built so far."""
        slacks = tuple(
            PenaltySlack(
                name,
                size,
                tuple(g for g, _ in entries),
                len(entries) == 1 and entries[0][1],
                price,
            )
            for name, (size, price, entries) in self.slacks.items()
        )
        return QPLayout(
            int(n_assets),
            tuple((b, off, off + sizes[b]) for b, off in offsets.items()),
            tuple(self.groups),
            slacks,
        )


def merged(parts: list[tuple[Coefs, Any]]) -> dict[str, Any]:
    """Return the blocks of a cone's parts, in order (for its row group)."""
    out: dict[str, Any] = {}
    for coefs, _ in parts:
        out.update(coefs)
    return out
