"""Cost models: one-off trading costs as a fraction of NAV."""

from replicator.costs._base import Cost
from replicator.costs._proportional import ProportionalFee

__all__ = ["Cost", "ProportionalFee"]
