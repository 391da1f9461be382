"""Type aliases used across replicator."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ScalarOrSeries: TypeAlias = float | pd.Series
WeightsLike: TypeAlias = pd.Series

__all__ = ["BoolArray", "FloatArray", "ScalarOrSeries", "WeightsLike"]
