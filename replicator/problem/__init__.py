"""Problem assembly (internal): terms -> one parametrized cvxpy problem."""

from replicator.problem._builder import OBJECTIVE_SCALE, CompiledProblem

__all__ = ["OBJECTIVE_SCALE", "CompiledProblem"]
