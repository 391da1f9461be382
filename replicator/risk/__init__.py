"""Risk models: estimators that render tracking variance in factor form."""

from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._sample import SampleCovariance
from replicator.risk._statistical_factor import StatisticalFactor

__all__ = [
    "RiskFactors",
    "RiskModel",
    "SampleCovariance",
    "StatisticalFactor",
]
