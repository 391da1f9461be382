"""The solve pipeline (internal): compile, route, solve, verify, report."""

from replicator.engine._checks import check_model
from replicator.engine._pipeline import SolvePipeline, SolveSettings

__all__ = ["SolvePipeline", "SolveSettings", "check_model"]
