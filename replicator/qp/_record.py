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


class LayoutRecorder:
    """Row groups and penalty slacks, in the order the builder added them."""

    __slots__ = ("groups", "slacks")

    def __init__(self, n_assets: int) -> None:
        #: (matrix, start, stop, kind, blocks, slack) of each group: plain
        #: tuples, made into RowGroups only when the layout changes
        self.groups: list[tuple[Any, ...]] = [
            ("eq", 0, int(n_assets), "trade", TRADE_BLOCKS, None)
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
        ``"coupling"``. (Called on every build: kept to a few type checks.)
        """
        if len(coefs) == 1:
            (M,) = coefs.values()
            return "bound" if type(M) is Diag else "coupling"
        if equality and len(coefs) == 2:
            (a, Ma), (b, Mb) = coefs.items()
            if (
                a == "w"
                and type(Ma) is Diag
                and type(Mb) is Diag
                and b not in TRADE_BLOCKS
                and b not in self.slacks
            ):
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
        self.groups.append((matrix, start, stop, kind, tuple(coefs), slack))
        if self.slacks:
            for name, M in coefs.items():
                if name in self.slacks:
                    self.slacks[name][2].append((index, isinstance(M, Diag)))

    def layout(
        self,
        n_assets: int,
        offsets: dict[str, int],
        sizes: dict[str, int],
        cache: dict[str, Any] | None = None,
    ) -> QPLayout:
        """Return the record of the QP built so far.

        The last record kept in ``cache`` is returned while it is the same, so
        re-solves of one pattern share one record (solvers compare it by
        identity first).
        """
        raw = (
            int(n_assets),
            tuple((b, off, off + sizes[b]) for b, off in offsets.items()),
            tuple(self.groups),
            tuple((b, s, p, tuple(e)) for b, (s, p, e) in self.slacks.items()),
        )
        hit = None if cache is None else cache.get("layout")
        if hit is not None and hit[0] == raw:
            return hit[1]
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
        out = QPLayout(raw[0], raw[1], tuple(RowGroup(*g) for g in self.groups), slacks)
        if cache is not None:
            cache["layout"] = (raw, out)
        return out


def merged(parts: list[tuple[Coefs, Any]]) -> dict[str, Any]:
    """Return the blocks of a cone's parts, in order (for its row group)."""
    out: dict[str, Any] = {}
    for coefs, _ in parts:
        out.update(coefs)
    return out
