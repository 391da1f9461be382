r"""The native form of :class:`~replicator.venues.VenueCost` (no cvxpy).

:func:`venue_qp` describes the venue term to a :class:`~replicator.qp.QPBuilder`:
the same problem as the cvxpy form (:meth:`VenueCost.expression`), written as
blocks, rows and cones.

Notes
-----
Every variable is in units of the asset's typical trade ``u_i``
(:func:`~replicator.costs._market.typical_trade`), as in the cvxpy form, so
that every cone component is of order one. With ``p`` a CEX pair of asset
``i`` (buy ``b_p``, sale ``s_p``, both ``>= 0``) and ``g`` a pool segment of
asset ``i`` (``q_g >= 0`` on its buy or sell side):

.. math::

    \mathrm{buy}_i - \mathrm{sell}_i
        = \sum_{p \ni i} u_i (b_p - s_p)
        + \sum_{g \ni i} \pm u_i q_g

one row per asset (an asset on no venue does not trade). The cost is

* CEX: :math:`\ell_p u_i (b_p + s_p)` (fee and half-spread), plus the impact
  :math:`k_p u_i^2 (b_p^2 + s_p^2)` (quadratic, a diagonal of ``P``) or
  :math:`k_p u_i^{3/2} \tau_p` with :math:`(\tau_p, 1, b_p + s_p)` in the
  power cone of exponent :math:`2/3`, i.e. :math:`\tau_p \ge (b_p + s_p)^{3/2}`;
  ``b_p, s_p <= cap_p / u_i``. At the optimum one leg is zero, so this is
  :math:`\ell |x| + k |x|^e` of the trade :math:`x = b - s`;
* pool segment: :math:`(\ell_g + \mathrm{gas}_g) u_i q_g + \kappa_g (u_i^2/a_g)
  \tau_g` with the rotated cone :math:`\tau_g Y_g \ge q_g^2`,
  :math:`Y_g = 1 \mp h_g q_g`, :math:`h_g = u_i / a_g` (buy) or
  :math:`\gamma_g u_i / a_g` (sale), written as the second-order cone
  :math:`(\tau_g + Y_g, 2 q_g, \tau_g - Y_g)`; ``q_g <= cap_g / u_i``.

A problem whose venues are CEXs with quadratic impact only has no cone: the
route is then the QP one (the dual Newton method, declining the venue rows as
too many couplings, then PIQP).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from replicator.qp import QPBuilder, diagonal
from replicator.typing import FloatArray
from replicator.venues._book import VenueBook

__all__ = ["venue_qp"]


def _route(assets: np.ndarray, scale: FloatArray, n: int) -> sp.csr_matrix:
    """Return the ``(n, m)`` matrix adding ``scale_k x_k`` into row ``assets[k]``."""
    m = len(assets)
    return sp.csr_matrix((scale, (assets, np.arange(m))), shape=(n, m))


def _pick(rows: np.ndarray, m: int) -> sp.csr_matrix:
    """Return the ``(len(rows), m)`` selection of entries ``rows``."""
    k = len(rows)
    return sp.csr_matrix((np.ones(k), (np.arange(k), rows)), shape=(k, m))


def _bounded(cap: FloatArray, u: FloatArray) -> FloatArray:
    """Upper bound of a scaled venue trade (``inf``: none)."""
    return np.where(np.isfinite(cap), cap / u, np.inf)


def venue_qp(
    qp: QPBuilder,
    book: VenueBook,
    typical: FloatArray,
    rates: tuple[FloatArray, FloatArray] | None,
    minimum: FloatArray,
) -> None:
    """Describe the venue term to ``qp`` (see the module notes).

    Parameters
    ----------
    qp : QPBuilder
    book : VenueBook
        The venues of the snapshot.
    typical : ndarray
        Typical trade ``u_i`` of each asset (the variables' unit).
    rates : (ndarray, ndarray) or None
        Amortized gas per unit traded of each pair, buy and sell side (None:
        gas left out).
    minimum : ndarray
        Signed minimum trade of each asset (0: none).
    """
    n = len(book.assets)
    u_all = np.asarray(typical, dtype=float)
    zero = np.zeros(book.n_pairs)
    rate_buy, rate_sell = (zero, zero) if rates is None else rates
    # buy_i - sell_i - sum of the routed venue trades = 0
    link: dict = {"buy": diagonal(1.0, n), "sell": diagonal(-1.0, n)}

    cex = book.cex
    if len(cex):
        m = len(cex)
        i = book.pair_asset[cex]
        u = u_all[i]
        b, s = qp.new_block("venue_buy", m), qp.new_block("venue_sell", m)
        cap = _bounded(book.cex_cap, u)
        for leg in (b, s):
            qp.lower_bound(leg, 0.0)
            qp.upper_bound(leg, cap)
            qp.linear(leg, book.cex_lin * u)
        link[b], link[s] = -_route(i, u, n), _route(i, u, n)
        square = book.cex_e == 2.0
        k = book.cex_k * u**book.cex_e
        if square.any():
            for leg in (b, s):
                qp.quadratic(leg, np.where(square, k, 0.0))
        power = np.flatnonzero(~square)
        if len(power):
            # tau >= (b + s)^e through (tau, 1, b + s) in the power cone 1/e
            e = book.cex_e[power]
            if not np.all(e == e[0]):
                raise NotImplementedError("one power-impact exponent per problem")
            c = len(power)
            tau = qp.new_block("venue_tau", c)
            qp.lower_bound(tau, 0.0)
            qp.linear(tau, k[power])
            pick = _pick(power, m)
            qp.cones(
                "pow",
                [
                    ({tau: diagonal(-1.0, c)}, 0.0),
                    ({}, 1.0),
                    ({b: -pick, s: -pick}, 0.0),
                ],
                count=c,
                parameter=1.0 / float(e[0]),
            )

    for side, seg, rate in (
        ("buy", book.buy, rate_buy),
        ("sell", book.sell, rate_sell),
    ):
        m = len(seg.pair)
        if not m:
            continue
        i = book.pair_asset[seg.pair]
        u = u_all[i]
        buy = side == "buy"
        q = qp.new_block(f"pool_{side}", m)
        tau = qp.new_block(f"pool_tau_{side}", m)
        for block in (q, tau):
            qp.lower_bound(block, 0.0)
        qp.upper_bound(q, _bounded(seg.cap, u))
        qp.linear(q, (seg.lin + rate[seg.pair]) * u)
        qp.linear(tau, seg.quad * u**2 / seg.a)
        link[q] = _route(i, -u if buy else u, n)
        # Y = 1 - sign h q: (tau + Y, 2 q, tau - Y) in the second-order cone
        h = (1.0 if buy else seg.gamma) * u / seg.a
        sh = h if buy else -h
        qp.cones(
            "soc",
            [
                ({tau: diagonal(-1.0, m), q: diagonal(sh)}, 1.0),
                ({q: diagonal(-2.0, m)}, 0.0),
                ({tau: diagonal(-1.0, m), q: diagonal(-sh)}, -1.0),
            ],
            count=m,
        )
    qp.equal(link, 0.0)

    forced = np.flatnonzero(minimum != 0)
    if len(forced):
        sign = np.sign(minimum[forced])
        pick = sp.csr_matrix(
            (sign, (np.arange(len(forced)), forced)), shape=(len(forced), n)
        )
        qp.at_least({"buy": pick, "sell": -pick}, np.abs(minimum[forced]))
