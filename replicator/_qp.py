"""Former home of the QP builder, kept for its import path: see :mod:`replicator.qp`."""

from replicator.qp import Diag, QPBuilder, QPData, QPLayout, diagonal

__all__ = ["Diag", "QPBuilder", "QPData", "QPLayout", "diagonal"]
