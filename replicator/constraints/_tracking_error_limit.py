"""Tracking-error cap: ex-ante TE at most a limit (the objective becomes cost)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np

from replicator.constraints._base import BINDING_TOL, Constraint, ConstraintReport
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ModelError
from replicator.qp import QPBuilder, diagonal
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

if TYPE_CHECKING:
    from replicator.risk._base import RiskModel

__all__ = ["TrackingErrorLimit"]


class TrackingErrorLimit(Constraint):
    r"""Cap the annualized ex-ante tracking error.

    Parameters
    ----------
    max_te : float, default 0.01
        Largest annualized tracking error, a fraction (0.01 = 1 % a year).

    Notes
    -----
    .. math:: \mathrm{TE}^2(w) \le \mathrm{TE}_{max}^2

    with ``TE^2`` the risk model's annualized tracking variance, a convex
    quadratic: the row is a quadratic constraint (a second-order cone), so the
    problem is routed to Clarabel (``problem_class = "socp"``).

    With a hard cap the optimizer minimizes the trading costs instead of the
    tracking error, keeping ``TE^2`` only as a small tie-breaker
    (``caps_tracking_error = True``). The rows are in ``TE^2`` units; the
    report shows the tracking error itself (a fraction) against the cap, and
    the infeasibility diagnosis the smallest feasible tracking error.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.TrackingErrorLimit(0.005)        # TE <= 50 bp a year
    TrackingErrorLimit(max_te=0.005)
    """

    _parameter_constraints = {"max_te": Interval(0, 10, "neither")}
    quantity = "tracking error"
    problem_class = "socp"
    caps_tracking_error = True
    #: The problem's risk model (:meth:`attach_risk`); None until attached.
    _risk: RiskModel | None = None
    #: The compiled TE^2 expression and weights variable (cvxpy path).
    _tv: Any = None
    _w: Any = None

    def __init__(self, max_te: float = 0.01) -> None:
        self.max_te = max_te

    def attach_risk(self, risk: RiskModel) -> None:
        """Keep the risk model for the numpy twin."""
        self._risk = risk

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the ``TE_max^2`` Parameter."""
        super().bind(snapshot)
        self._cap2 = cp.Parameter(nonneg=True, name="te_cap_squared")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write ``TE_max^2``."""
        self._cap2.value = float(self.max_te) ** 2

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``TE^2(w) <= TE_max^2``."""
        if v.tracking_variance is None:
            raise ModelError(
                f"{self.name} needs the risk model's tracking variance, but the "
                "problem was built without one."
            )
        self._tv, self._w = v.tracking_variance, v.weights
        return [(v.tracking_variance, self._cap2)]

    def _tracking_variance(
        self, weights: FloatArray, snapshot: MarketSnapshot
    ) -> float:
        risk = self._risk
        if risk is not None:
            return float(risk.evaluate(weights, snapshot))
        tv, w_var = self._tv, self._w
        if tv is None or w_var is None:
            raise ModelError(
                f"{self.name} is not part of a compiled problem yet: solve first."
            )
        # Without the risk model (not attached by the problem builder), read the
        # compiled expression: at the last solution, or at ``weights`` when the
        # expression depends on the weights alone.
        w = np.asarray(weights, dtype=float)
        if w_var.value is not None and np.allclose(w_var.value, w, rtol=0, atol=1e-9):
            return float(tv.value)
        if any(x is not w_var for x in tv.variables()):
            raise ModelError(
                f"{self.name} cannot price weights other than the last solution "
                "without its risk model: call attach_risk(model.risk) first."
            )
        old = w_var.value
        try:
            w_var.value = w
            return float(tv.value)
        finally:
            w_var.value = old

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``||(y - g, z - s b_s)||^2 <= TE_max^2 - c0`` as a cone.

        Hard: the second-order cone ``(sqrt(h), y - g, z - s b_s)`` with
        ``h = TE_max^2 - c0``. Soft: ``h`` gains a priced slack ``sigma`` and the
        rotated cone ``(h/mu + mu, 2 v, h/mu - mu)`` holds ``||v||^2 <= h``
        (exact for any ``mu > 0``; ``mu`` is the larger of ``TE_max`` and the
        holdings' TE, which keeps every entry of the order of the TE reached:
        with ``mu = TE_max = 1e-6`` Clarabel stalled on the elastic diagnosis
        at N=5,000).
        The risk model's ``y = G w`` and ``z = s w`` blocks are reused.
        """
        risk = self._risk
        if risk is None or not qp.has_block("y"):
            raise ModelError(
                f"{self.name} needs the problem's risk model; it is attached when "
                "the problem is built."
            )
        _, s, g, sb, c0 = risk.qp_targets(snapshot)
        k, n = g.size, s.size
        cap2 = float(self.max_te) ** 2
        h = cap2 - c0
        ky, kz = diagonal(-1.0, k), diagonal(-1.0, n)
        price = qp.soft_price
        if price is None:
            # h < 0 (the benchmark's own risk is above the cap) is infeasible:
            # a negative first component is outside every second-order cone.
            radius = np.sqrt(h) if h >= 0 else h
            qp.cone("soc", [({}, radius), ({"y": ky}, -g), ({"z": kz}, -sb)])
            return
        # any mu > 0 is exact; the larger of the cap and the holdings' TE keeps
        # the entries of one magnitude when the cap is far below what can be
        # reached (the elastic diagnosis of an absurd cap)
        held = float(np.sqrt(max(risk.evaluate(snapshot.holdings, snapshot), 0.0)))
        mu = max(float(self.max_te), held, 1e-6)
        sigma = qp.slack(1, price)
        per_mu = {sigma: np.array([-1.0 / mu])}
        qp.cone(
            "soc",
            [
                (per_mu, h / mu + mu),
                ({"y": 2.0 * ky}, -2.0 * g),
                ({"z": 2.0 * kz}, -2.0 * sb),
                (per_mu, h / mu - mu),
            ],
        )

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`: ``(TE^2, TE_max^2)``."""
        return (
            np.array([self._tracking_variance(weights, snapshot)]),
            np.array([float(self.max_te) ** 2]),
        )

    def report(
        self,
        weights: FloatArray,
        trades: FloatArray,
        snapshot: MarketSnapshot,
        tol: float = BINDING_TOL,
    ) -> ConstraintReport:
        """Report the tracking error (a fraction) against the cap."""
        te = float(np.sqrt(max(self._tracking_variance(weights, snapshot), 0.0)))
        cap = float(self.max_te)
        binding = te - cap >= -tol * (1.0 + cap)
        return ConstraintReport(
            name=self.name,
            value=te,
            limit=cap,
            binding=binding,
            n_binding=int(binding),
            max_violation=max(te - cap, 0.0),
        )
