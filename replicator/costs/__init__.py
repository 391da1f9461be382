"""Cost models: one-off trading costs as a fraction of NAV."""

from replicator.costs._base import Cost
from replicator.costs._constant_product_amm import ConstantProductAMM
from replicator.costs._power_impact import PowerImpact
from replicator.costs._proportional import ProportionalFee
from replicator.costs._quadratic_impact import QuadraticImpact
from replicator.costs._spread import Spread
from replicator.venues._term import VenueCost  # routed across venues

__all__ = [
    "ConstantProductAMM",
    "Cost",
    "PowerImpact",
    "ProportionalFee",
    "QuadraticImpact",
    "Spread",
    "VenueCost",
]
