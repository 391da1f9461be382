r"""Standard-form QP assembled directly from the terms (no cvxpy).

A term that is linear or quadratic can describe itself to a :class:`QPBuilder`
through a ``qp(builder, snapshot)`` method. When every term of a model can, the
engine skips cvxpy and hands the data to a QP solver itself: the numbers are
rebuilt from the snapshot on every solve (a few vector operations), the
sparsity pattern is fixed per universe, and the solver is set up once and then
only updated (see :mod:`replicator.problem._native`).

The variables are named blocks of one vector ``x``:

* ``w`` post-trade weights, ``buy`` and ``sell`` the positive and negative
  parts of the trades (``w - buy + sell = w0``, both ``>= 0``);
* ``y = G w`` the factor exposures and ``z = s * w`` the scaled weights of the
  risk model (auxiliaries that make the Hessian diagonal);
* any block a term adds (a cash-leg bound, soft-constraint slacks, ...).

Notes
-----
The form handed to the solvers is

.. math::

    \min_x\; \tfrac12 x^T P x + q^T x + c
    \quad\text{s.t.}\quad A_{eq} x = b_{eq},\;
    l \le A_{in} x \le u,\; x_l \le x \le x_u

with the objective multiplied by ``OBJECTIVE_SCALE`` (see
:mod:`replicator.problem._builder`). A term adds ``weight * f(x)`` to the
objective, ``weight`` being 1 for the tracking variance and soft penalties and
``1 / (lambda H)`` for costs (:meth:`QPBuilder.weighted`).

Inside :meth:`QPBuilder.softened` every bound and inequality row a term adds
gets a non-negative slack priced in the objective, which is exactly the
``penalty * sum(pos(lhs - rhs))`` of :class:`~replicator.constraints.Soft`.

The record of what was built (blocks, row groups, slacks) is
:class:`QPLayout` (:mod:`replicator.qp._layout`).
"""

from replicator.qp._builder import QPBuilder
from replicator.qp._data import Diag, QPData, diagonal
from replicator.qp._layout import KINDS, TRADE_BLOCKS, PenaltySlack, QPLayout, RowGroup

__all__ = [
    "KINDS",
    "TRADE_BLOCKS",
    "Diag",
    "PenaltySlack",
    "QPBuilder",
    "QPData",
    "QPLayout",
    "RowGroup",
    "diagonal",
]
