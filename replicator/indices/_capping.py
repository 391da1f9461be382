"""Capped weights: a per-asset cap and floor with pro-rata redistribution."""

from __future__ import annotations

import numpy as np

from replicator.exceptions import ConfigError

__all__ = ["cap_weights", "check_cap_floor"]

_TOL = 1e-12


def check_cap_floor(cap: float | None, floor: float | None, n: int) -> None:
    """Raise a ConfigError when ``cap`` and ``floor`` cannot hold for ``n`` assets.

    Parameters
    ----------
    cap, floor : float or None
        Maximum and minimum weight of one asset.
    n : int
        Number of constituents.
    """
    if cap is not None and not (0 < cap <= 1):
        raise ConfigError(f"The 'cap' parameter must be in (0, 1]; got {cap!r}.")
    if floor is not None and not (0 <= floor < 1):
        raise ConfigError(f"The 'floor' parameter must be in [0, 1); got {floor!r}.")
    if cap is not None and floor is not None and floor > cap:
        raise ConfigError(
            f"The 'floor' parameter ({floor:g}) is above the 'cap' ({cap:g}); "
            "lower the floor or raise the cap."
        )
    if n and cap is not None and cap * n < 1 - _TOL:
        raise ConfigError(
            f"cap={cap:g} is infeasible for {n} assets (a cap below 1/N): capped "
            f"weights sum to at most {cap * n:.4g}, not 100 %. Raise the cap to at "
            "least "
            f"{1 / n:.4g} or select more constituents."
        )
    if n and floor is not None and floor * n > 1 + _TOL:
        raise ConfigError(
            f"floor={floor:g} is above 1/N for N={n} constituents: floored weights "
            f"sum to at least {floor * n:.4g}. Lower the floor to at most {1 / n:.4g}."
        )


def cap_weights(
    raw: np.ndarray, cap: float | None = None, floor: float | None = None
) -> np.ndarray:
    r"""Weights proportional to ``raw``, clipped to ``[floor, cap]``, summing to 1.

    Parameters
    ----------
    raw : ndarray of shape (n,)
        Positive weighting values (market caps, or a power of them).
    cap : float, optional
        Maximum weight of one asset, in (0, 1]; needs ``cap >= 1/n``.
    floor : float, optional
        Minimum weight of one asset, in [0, 1); needs ``floor <= 1/n``.

    Returns
    -------
    ndarray of shape (n,)

    Raises
    ------
    ConfigError
        A cap below 1/n, a floor above 1/n or a floor above the cap.

    Notes
    -----
    Iterative capping caps every weight above :math:`c`, hands the excess to
    the free assets pro rata to their weights, and repeats (raising weights
    below the floor :math:`f` the same way, funded pro rata by the free
    assets). Pro-rata redistribution keeps the free weights proportional to
    :math:`m_i`, so the fixed point of those rounds is

    .. math:: w_i = \min\bigl(c, \max(f, s\, m_i)\bigr), \qquad
              \sum_i w_i = 1,

    with one scale :math:`s > 0`. The sum
    :math:`g(s) = \sum_i \min(c, \max(f, s m_i))` is continuous and increasing
    in :math:`s`, so the scale (and the weights) are unique: ``cap_weights``
    evaluates :math:`g` at its breakpoints :math:`f/m_i, c/m_i` (sorted, with
    prefix sums: :math:`O(n \log n)`), finds the segment where it crosses 1
    and solves the linear equation there,

    .. math:: s = \frac{1 - c\,|C| - f\,|F|}{\sum_{i \notin C \cup F} m_i},

    with :math:`C` and :math:`F` the capped and floored sets of that segment.
    """
    m = np.asarray(raw, dtype=float)
    n = m.size
    check_cap_floor(cap, floor, n)
    if n == 0:
        return m.copy()
    c = np.inf if cap is None else float(cap)
    f = 0.0 if floor is None else float(floor)
    if c == np.inf and f == 0.0:
        return m / m.sum()
    s = _scale(m, c, f)
    w = np.clip(s * m, f, c)
    return w / w.sum()


def _scale(m: np.ndarray, c: float, f: float) -> float:
    """Return the scale s with sum(clip(s m, f, c)) = 1 (see :func:`cap_weights`)."""
    total = float(m.sum())
    c_at = np.sort(c / m)  # s at which each asset reaches the cap
    order_c = np.argsort(c / m, kind="stable")
    pre_c = np.concatenate([[0.0], np.cumsum(m[order_c])])
    f_at = np.sort(f / m)  # s below which each asset sits at the floor
    order_f = np.argsort(f / m, kind="stable")
    pre_f = np.concatenate([[0.0], np.cumsum(m[order_f])])

    def parts(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k_c = np.searchsorted(c_at, s, side="right")
        k_f = np.searchsorted(f_at, s, side="left")
        n_fixed = c * k_c if np.isfinite(c) else np.zeros_like(s)
        n_fixed = n_fixed + f * (len(m) - k_f)
        free = total - pre_c[k_c] - (total - pre_f[k_f])
        return n_fixed, free

    breaks = np.unique(np.concatenate([c_at[np.isfinite(c_at)], f_at[f_at > 0]]))
    if breaks.size:
        fixed, free = parts(breaks)
        g = fixed + breaks * np.maximum(free, 0.0)
        k = int(np.searchsorted(g, 1.0, side="left"))
        if k < breaks.size and g[k] == 1.0:
            return float(breaks[k])
        lo = breaks[k - 1] if k > 0 else 0.0
        mid = 0.5 * (lo + breaks[k]) if k < breaks.size else 2.0 * breaks[-1]
    else:
        mid = 1.0 / total
    # the sets of that segment, counted exactly (no prefix-sum cancellation)
    capped = c / m <= mid
    floored = (f / m >= mid) & ~capped
    free = m[~capped & ~floored].sum()
    if free <= 0:
        return float(mid)
    fixed = (c * capped.sum() if capped.any() else 0.0) + f * floored.sum()
    return float((1.0 - fixed) / free)
