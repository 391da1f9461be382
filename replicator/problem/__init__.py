"""Problem assembly (internal): terms -> a native QP or a parametrized cvxpy problem."""

from replicator.problem._builder import OBJECTIVE_SCALE, CompiledProblem
from replicator.problem._protocol import Problem

__all__ = ["OBJECTIVE_SCALE", "CompiledProblem", "Problem"]
