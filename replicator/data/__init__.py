"""Data loading and validation at the boundary."""

from replicator.data._snapshot import MarketSnapshot

__all__ = ["MarketSnapshot"]
