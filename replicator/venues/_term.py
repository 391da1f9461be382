"""The venue cost term: trades routed across CEX venues and DEX pools."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import cvxpy as cp
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from replicator.costs._base import Cost
from replicator.costs._market import align_series, typical_trade
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError, DataError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Options, Variables
from replicator.typing import FloatArray
from replicator.venues._book import VenueBook, build_book
from replicator.venues._models import CEXVenue, DEXPool
from replicator.venues._native import venue_qp
from replicator.venues._split import exact_costs, form_cost
from replicator.venues._tables import split_tables

__all__ = ["VenueCost"]

IntArray = npt.NDArray[np.int64]


class _VenueList:
    """Parameter rule: a non-empty list or tuple of CEXVenue / DEXPool."""

    def describe(self) -> str:
        return "a non-empty list of CEXVenue or DEXPool"

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, (list, tuple))
            and len(value) > 0
            and all(isinstance(v, (CEXVenue, DEXPool)) for v in value)
        )


class VenueCost(Cost):
    r"""Trading costs of routing each asset's trade across its venues.

    Parameters
    ----------
    venues : list of CEXVenue or DEXPool
        The venues; every asset that may trade must be listed on one.
    gas_mode : {"amortize", "fixed"}, default "amortize"
        How the cvxpy form carries gas: amortized over the largest trade (the
        convex envelope), or left out (a constant once the pools are chosen).
    min_trade : Series, optional
        Signed minimum trade by ticker: ``t_i >= m_i`` where ``m_i > 0`` and
        ``t_i <= m_i`` where ``m_i < 0`` (set by the gas stage).

    Notes
    -----
    The term adds venue trades :math:`x_{iv}` (fraction of NAV) for every
    asset ``i`` and venue ``v`` with :math:`\sum_v x_{iv} = t_i` and charges

    .. math::

        C(t) = \min_{x:\ \sum_v x_{iv} = t_i} \sum_{i,v} c_{iv}(x_{iv})

    with :math:`c_{iv}` the convex cost of one venue
    (:class:`~replicator.venues.CEXVenue`, :class:`~replicator.venues.DEXPool`):
    the optimizer chooses the split jointly with the weights. A CEX trade is
    ``x = b - s`` with a linear fee and spread and an impact
    :math:`k (b^e + s^e)`; a pool trade walks its constant-liquidity segments
    ``j``, each a rotated second-order cone :math:`\tau_j (a_j - q_j) \ge q_j^2`
    (buys) or :math:`\tau_j (a_j + \gamma q_j) \ge q_j^2` (sales). Variables
    are laid out asset x venue (x segment): every parameter is a vector over
    the assets, zero (and the trade switched off) where a venue does not list
    an asset.

    The numpy twin :meth:`evaluate` prices a trade vector at its exact optimal
    split (:func:`~replicator.venues.optimal_split`), gas included: gas is a
    fixed cost per swap, so the cvxpy form carries it amortized,
    :math:`G |x| / \min(\mathrm{capacity}, 1)` (its convex envelope, a lower
    bound), and :func:`~replicator.venues.solve_with_gas` makes the on/off
    decision (``gas_mode="fixed"`` then leaves gas out of the cvxpy form, and
    ``min_trade`` holds each asset's trade at or beyond its break-even size).
    Without gas the cvxpy value at the optimum equals the twin.
    The native form (:meth:`qp`, :mod:`replicator.venues._native`) writes
    the same problem as blocks, rows and cones: Clarabel solves it without
    cvxpy (a QP route when every venue is a CEX with quadratic impact).

    Examples
    --------
    >>> import replicator as rp
    >>> tiers = (rp.venues.FeeTier("base", 0, 10, 10),)
    >>> cex = rp.venues.CEXVenue("binance", tiers, tier="base", half_spread_bps=1)
    >>> pool = rp.venues.DEXPool("uniswap", "ETH", reserves=5e7, fee=0.003)
    >>> term = rp.venues.VenueCost([cex, pool])
    """

    _parameter_constraints = {
        "venues": _VenueList(),
        "gas_mode": Options("amortize", "fixed"),
        "min_trade": Interval(None, None, series=True, allow_none=True),
    }
    problem_class: ClassVar[str] = "socp"

    def __init__(
        self,
        venues: Sequence[CEXVenue | DEXPool],
        *,
        gas_mode: str = "amortize",
        min_trade: pd.Series | None = None,
    ) -> None:
        self.venues = venues
        self.gas_mode = gas_mode
        self.min_trade = min_trade
        self._cache: tuple[MarketSnapshot, VenueBook] | None = None

    @property
    def name(self) -> str:
        """Short label, e.g. ``VenueCost(3 venues)``."""
        count = (
            len({v.name for v in self.venues})
            if _VenueList().accepts(self.venues)
            else 0
        )
        return f"VenueCost({count} venues)"

    # ------------------------------------------------------------ market data
    def book(self, snapshot: MarketSnapshot) -> VenueBook:
        """Return the venues normalized for ``snapshot`` (cached for the last one)."""
        if self._cache is not None and self._cache[0] is snapshot:
            return self._cache[1]
        self.validate_params()
        try:
            book = build_book(list(self.venues), snapshot)
        except (ConfigError, DataError) as exc:  # name this term, e.g. for configs
            text = str(exc).replace("VenueCost:", f"{self.name}:", 1)
            raise type(exc)(text) from None
        self._cache = (snapshot, book)
        return book

    @property
    def last_snapshot(self) -> MarketSnapshot | None:
        """The snapshot of the last update or evaluation."""
        return None if self._cache is None else self._cache[0]

    def report_tables(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> dict[str, pd.DataFrame]:
        """Return the venue split of ``trades`` as report tables.

        ``venue_trades`` and ``venue_costs`` (asset x venue),
        ``cost_by_venue`` and ``cost_by_type`` (a ``cost`` column), fractions
        of NAV, from the numpy twin :meth:`split`.
        """
        x, cost = self.split(trades, snapshot)
        return split_tables(self.book(snapshot), x, cost)

    def _minimum(self, snapshot: MarketSnapshot) -> FloatArray:
        """Signed minimum trade of each asset (0: none)."""
        if self.min_trade is None:
            return np.zeros(snapshot.n_assets)
        values = align_series(snapshot, self.min_trade, "VenueCost.min_trade")
        return np.nan_to_num(values, nan=0.0)

    # --------------------------------------------------------------- the term
    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the Parameters (vectors over the assets) and the layout.

        Each venue gets trade variables for the assets it lists only (a
        constant selection matrix maps them to the assets), so no variable is
        pinned to zero by its bounds.
        """
        super().bind(snapshot)
        self._cache = None
        book = self.book(snapshot)
        n = snapshot.n_assets
        self._pairs = book.n_pairs

        def par(name: str) -> cp.Parameter:
            return cp.Parameter(n, nonneg=True, name=name)

        def pick(assets: IntArray) -> sp.csr_matrix:
            m = len(assets)
            return sp.csr_matrix((np.ones(m), (np.arange(m), assets)), shape=(m, n))

        self._cex: list[dict[str, Any]] = []
        self._dex: list[dict[str, Any]] = []
        # the typical trade at bind scales the impact atoms (a constant: a
        # Parameter inside the atom would not be DPP)
        self._u = typical_trade(snapshot)
        for v, name in enumerate(book.venue_names):
            if not book.venue_is_dex[v]:
                rows = np.flatnonzero(book.pair_venue[book.cex] == v)
                assets = book.pair_asset[book.cex[rows]]
                capped = np.isfinite(book.cex_cap[rows])
                e = next(x.impact for x in self.venues if x.name == name)
                self._cex.append(
                    {
                        "v": v,
                        "e": 1.5 if e == "power" else 2.0,
                        "S": pick(assets),
                        "capped": np.flatnonzero(capped),
                        "S_cap": pick(assets[capped]),
                        **{k: par(f"{name}_{k}") for k in ("lin", "k", "cap")},
                    }
                )
                continue
            for side, seg in (("buy", book.buy), ("sell", book.sell)):
                mine = book.pair_venue[seg.pair] == v
                for j in range(int(seg.rank[mine].max()) + 1 if mine.any() else 0):
                    rows = np.flatnonzero(mine & (seg.rank == j))
                    assets = book.pair_asset[seg.pair[rows]]
                    capped = np.isfinite(seg.cap[rows])
                    keys = ("lin", "quad", "cap", "h")
                    self._dex.append(
                        {
                            "v": v,
                            "side": side,
                            "j": j,
                            "S": pick(assets),
                            "capped": np.flatnonzero(capped),
                            "S_cap": pick(assets[capped]),
                            **{k: par(f"{name}_{side}{j}_{k}") for k in keys},
                        }
                    )
        minimum = self._minimum(snapshot)
        self._forced = np.flatnonzero(minimum != 0)
        self._dir = np.sign(minimum[self._forced])
        self._min = cp.Parameter(len(self._forced), nonneg=True, name="venue_min")
        self._aux: list[cp.Constraint] = []

    def gas_rates(self, book: VenueBook) -> tuple[FloatArray, FloatArray]:
        """Amortized gas per unit traded of each pair, buy and sell side."""
        out = []
        for side in (1, -1):
            ref = np.minimum(book.capacity(side), 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                out.append(np.where((book.gas > 0) & (ref > 0), book.gas / ref, 0.0))
        return out[0], out[1]

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write fees, impact, pool segments, caps and the amortized gas."""
        book = self.book(snapshot)
        if book.n_pairs != self._pairs:
            raise DataError(
                "VenueCost: the venues changed after bind; rebuild the model."
            )
        n = snapshot.n_assets
        rate_buy, rate_sell = self.gas_rates(book)
        if self.gas_mode == "fixed":
            rate_buy, rate_sell = 0.0 * rate_buy, 0.0 * rate_sell
        u = self._u
        for block in self._cex:
            rows = np.flatnonzero(book.pair_venue[book.cex] == block["v"])
            i = book.pair_asset[book.cex[rows]]
            # in units of the typical trade: x = u x~
            values = {"lin": np.zeros(n), "k": np.zeros(n), "cap": np.ones(n)}
            values["lin"][i] = book.cex_lin[rows] * u[i]
            values["k"][i] = book.cex_k[rows] * u[i] ** block["e"]
            cap = book.cex_cap[rows]
            values["cap"][i] = np.where(np.isfinite(cap), cap, u[i]) / u[i]
            for k, val in values.items():
                block[k].value = val
        for block in self._dex:
            buy = block["side"] == "buy"
            seg, rate = (book.buy, rate_buy) if buy else (book.sell, rate_sell)
            rows = np.flatnonzero(
                (book.pair_venue[seg.pair] == block["v"]) & (seg.rank == block["j"])
            )
            p = seg.pair[rows]
            i = book.pair_asset[p]
            a = seg.a[rows]
            values = {k: np.ones(n) for k in ("lin", "quad", "cap", "h")}
            # q = u q~, tau = (u^2 / a) tau~: the cone tau~ Y >= q~^2 with
            # Y = y / a = 1 -/+ (g u / a) q~ has components of order one
            values["lin"][i] = (seg.lin[rows] + rate[p]) * u[i]
            values["quad"][i] = seg.quad[rows] * u[i] ** 2 / a
            cap = seg.cap[rows]
            values["cap"][i] = np.where(np.isfinite(cap), cap, u[i]) / u[i]
            values["h"][i] = (1.0 if buy else seg.gamma[rows]) * u[i] / a
            for k, val in values.items():
                block[k].value = val
        self._min.value = np.abs(self._minimum(snapshot)[self._forced])

    def expression(self, v: Variables) -> cp.Expression:
        """Venue costs; the venue trades and cones are in :meth:`auxiliary`."""
        routed: list[cp.Expression] = []
        cost: list[cp.Expression] = []
        aux: list[cp.Constraint] = []
        for block in self._cex:
            S = block["S"]
            m, u = S.shape[0], S @ self._u
            x = cp.Variable(m, name="venue_trade")
            routed.append(S.T @ cp.multiply(u, x))
            size = cp.abs(x)
            impact = cp.square(x) if block["e"] == 2.0 else cp.power(size, block["e"])
            cost += [(S @ block["lin"]) @ size, (S @ block["k"]) @ impact]
            if len(block["capped"]):
                aux.append(size[block["capped"]] <= block["S_cap"] @ block["cap"])
        for block in self._dex:
            S = block["S"]
            m, u = S.shape[0], S @ self._u
            buy = block["side"] == "buy"
            q = cp.Variable(m, nonneg=True, name=f"pool_{block['side']}")
            tau = cp.Variable(m, nonneg=True, name=f"pool_tau_{block['side']}")
            hq = cp.multiply(S @ block["h"], q)
            y = 1.0 - hq if buy else 1.0 + hq
            routed.append(S.T @ cp.multiply(u if buy else -u, q))
            cost += [(S @ block["lin"]) @ q, (S @ block["quad"]) @ tau]
            aux.append(cp.SOC(tau + y, cp.vstack([2 * q, tau - y]), axis=0))
            if len(block["capped"]):
                aux.append(q[block["capped"]] <= block["S_cap"] @ block["cap"])
        aux.append(v.trades == sum(routed[1:], routed[0]))
        if len(self._forced):
            aux.append(cp.multiply(self._dir, v.trades[self._forced]) >= self._min)
        self._aux = aux
        return cp.sum(cp.hstack(cost))

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: venue trade blocks, routing rows, pool and impact cones."""
        book = self.book(snapshot)
        rates = self.gas_rates(book) if self.gas_mode == "amortize" else None
        venue_qp(qp, book, typical_trade(snapshot), rates, self._minimum(snapshot))

    def auxiliary(self) -> list[cp.Constraint]:
        """Venue-trade split, caps, on/off switches, pool cones, minimum trades."""
        return list(self._aux)

    # ------------------------------------------------------------- numpy twin
    def split(
        self, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Venue trades and costs (gas included) of each pair at the optimal split."""
        return exact_costs(self.book(snapshot), np.asarray(trades, dtype=float))

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Exact cost of each asset's trade at its optimal split (inf: infeasible)."""
        book = self.book(snapshot)
        _, cost = self.split(trades, snapshot)
        return np.bincount(book.pair_asset, weights=cost, minlength=snapshot.n_assets)

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin: the exact cost of ``trades`` at the optimal split, with gas."""
        return float(self.per_asset(trades, snapshot).sum())

    def relaxation_gap(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Exact cost (:meth:`evaluate`) minus the cost the forms charge.

        The forms carry gas amortized (``gas_mode="amortize"``) or not at all
        (``"fixed"``); without gas the gap is 0. The forms' cost is priced at
        their own optimal split (:func:`~replicator.venues._split.form_cost`).
        """
        book = self.book(snapshot)
        if not (book.gas > 0).any():
            return 0.0
        rates = self.gas_rates(book) if self.gas_mode == "amortize" else None
        return self.evaluate(trades, snapshot) - form_cost(book, trades, rates)
