r"""Separable dual Newton: an exact, warm-started solver for the replication QP.

The replication QP of :mod:`replicator.qp` is separable per asset except for
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
row holds within ``1e-10 (1 + |r_j|)`` and the duality gap is within ``1e-11``
of the objective's scale. The gap is :math:`-\lambda_j \nabla g_j` summed over
the rows, except on a soft row: saturated (:math:`|\lambda_j| = c/|a|`), the
slack takes the excess and the row adds :math:`|\lambda_j|` times how far it is
inside its bound; below its price, the row must hold to within what the gap
can absorb at the price (``gap_tol / (c/|a|)``, never below 64 ulp of
``1 + |r_j|``, its rounding), and any residual beyond rounding is charged at
:math:`c/|a| - |\lambda_j|` per unit (issue 12: a soft budget broken by
1.5e-10 at a price of 1e6 was once accepted at 1.5e-4). The local rows hold
exactly by construction. Anything else (a structure this module does not
know, a row it cannot meet within the iteration limit, multipliers that
diverge because the problem is infeasible) is declined, and the caller solves
the QP with a general solver.

The structure is read from the QP's layout record
(:class:`~replicator.qp.QPLayout`): the trade rows, the ``"link"`` rows of an
auxiliary that is a function of one weight (``z = s w``), the one-entry bound
rows, the coupling rows and the penalty slacks. A new term that writes rows of
these kinds is solved without a change here.

Modules: :mod:`._structure` (the record read into index arrays, once per
pattern), :mod:`._numbers` and :mod:`._coupling` (the numbers of one solve),
:mod:`._ascent` (the dual function and the certificate), :mod:`._solver`
(:class:`DualNewton`: warm start and the regularized Newton steps).
"""

from replicator.solvers.dual_newton._numbers import (
    FEAS_TOL,
    GAP_FLOOR,
    GAP_TOL,
    SOFT_ROUND,
)
from replicator.solvers.dual_newton._solver import (
    LAMBDA_MAX,
    MAX_ITER,
    THETA_MAX,
    THETA_MIN,
    DualNewton,
)
from replicator.solvers.dual_newton._structure import (
    MAX_COUPLING,
    NotSeparable,
    analyze,
)

__all__ = [
    "FEAS_TOL",
    "GAP_FLOOR",
    "GAP_TOL",
    "LAMBDA_MAX",
    "MAX_COUPLING",
    "MAX_ITER",
    "SOFT_ROUND",
    "THETA_MAX",
    "THETA_MIN",
    "DualNewton",
    "NotSeparable",
    "analyze",
]
