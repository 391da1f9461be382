"""Units of returns: refuse percents, prices and impossible values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.exceptions import DataError

__all__ = ["MAX_RETURN", "PERCENT_MEDIAN", "check_return_values", "typical_abs"]

#: Median absolute return above which returns are taken for percents or prices.
PERCENT_MEDIAN = 0.25
#: Largest plausible absolute simple return in one period (100,000 %).
MAX_RETURN = 1e3

UNITS_HINT = (
    "Returns must be simple returns as fractions (0.01 = 1 %): divide percent "
    "values by 100; for prices use replicator.data.load_returns(path, "
    "kind='prices') (data.prices in a config) or prices.pct_change()."
)


def check_return_values(values: pd.DataFrame | pd.Series, name: str) -> None:
    """Refuse returns below -1, implausibly large, or in percent or prices.

    Raises
    ------
    DataError
        Naming the ticker and date of the first bad value, or the median
        absolute return, and saying how to convert the data.

    Notes
    -----
    A simple return :math:`r = p_t / p_{t-1} - 1` is at least -1. Returns
    whose median absolute value exceeds ``PERCENT_MEDIAN`` (25 % per period)
    are percents or prices; an absolute return above ``MAX_RETURN`` is a
    broken cell.
    """
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    arr = frame.to_numpy(dtype=float)
    typical = typical_abs(arr)
    if typical > PERCENT_MEDIAN:
        raise DataError(
            f"{name}: the median absolute return is about {typical:.4g}, far "
            f"above any plausible return per period (a typical daily return is "
            f"about 0.01); these look like percents or prices. {UNITS_HINT}"
        )
    if not arr.size or (arr.min() >= -1 and arr.max() <= MAX_RETURN):
        return  # the per-solve path: two reductions, no temporaries
    for mask, what in (
        (arr < -1, "is below -1 (a loss of more than 100 %)"),
        (arr > MAX_RETURN, f"is larger than {MAX_RETURN:g}"),
    ):
        if mask.any():
            row, col = np.argwhere(mask)[0]
            series = isinstance(values, pd.Series)
            label = "" if series else f"of {frame.columns[col]!r} "
            raise DataError(
                f"{name}: the return {label}on {frame.index[row]} is "
                f"{arr[row, col]:.6g}, which {what}. {UNITS_HINT} Fix or remove "
                "the value if it is a data error."
            )


def typical_abs(values: np.ndarray, sample: int = 1024) -> float:
    """Median absolute value of (at most ``sample`` evenly spaced) finite values.

    A strided sample keeps the per-solve cost small for any panel size;
    the units test it serves compares against a threshold many times the
    typical return, so the sampling error does not matter.
    """
    flat = np.asarray(values, dtype=float).ravel()
    if flat.size == 0:
        return 0.0
    picked = np.abs(flat[:: max(1, flat.size // sample)])
    picked = picked[np.isfinite(picked)]
    return float(np.median(picked)) if picked.size else 0.0
