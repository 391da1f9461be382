"""What one native QP solve produced (shared by every native adapter)."""

from __future__ import annotations

from dataclasses import dataclass

from replicator.solvers._base import Status
from replicator.typing import FloatArray

__all__ = ["NativeOutcome"]


@dataclass(frozen=True)
class NativeOutcome:
    """What one native solve produced."""

    x: FloatArray | None
    status: Status
    raw_status: str
    iterations: int
    solve_time: float
    setup_time: float
