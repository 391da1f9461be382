"""Risk models: estimators that render tracking variance in factor form."""

from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._covariance import Covariance
from replicator.risk._ewma import EWMA
from replicator.risk._factor_model import FactorModel
from replicator.risk._ledoit_wolf import LedoitWolf
from replicator.risk._sample import SampleCovariance
from replicator.risk._statistical_factor import StatisticalFactor

__all__ = [
    "EWMA",
    "Covariance",
    "FactorModel",
    "LedoitWolf",
    "RiskFactors",
    "RiskModel",
    "SampleCovariance",
    "StatisticalFactor",
]
