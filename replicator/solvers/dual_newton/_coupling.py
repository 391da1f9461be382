"""Dense coupling matrices of the dual Newton method, cached while unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from replicator.solvers.dual_newton._structure import _Pattern


def _dense(
    gather: tuple[np.ndarray, ...], m: int, width: int, Ae: np.ndarray, Ai: np.ndarray
) -> np.ndarray:
    """Scatter the coupling entries of one kind into a dense ``(m, width)`` matrix."""
    flat_e, pos_e, flat_i, pos_i = gather
    out = np.zeros(m * width)
    out[flat_e] = Ae[pos_e]
    out[flat_i] = Ai[pos_i]
    return out.reshape(m, width)


@dataclass
class _Coupling:
    """Dense coupling matrices of one row layout (see :func:`_coupling`)."""

    layout: tuple[bytes, bytes]
    C: np.ndarray  # (m, 3n) over (w, buy, sell), z folded onto w
    Cg: np.ndarray  # (m, n_glob)
    Cz: np.ndarray | None  # (m0, n_z) in the rows' own order, when z couples
    Vb: np.ndarray  # Cw + Cb
    Vs: np.ndarray  # Cw - Cs
    Vb2: np.ndarray  # Vb ** 2
    Vs2: np.ndarray
    Cg2: np.ndarray
    legs_mixed: bool  # some lambda of the right signs prices a round trip < 0


def _coupling(
    pat: _Pattern,
    Ae: np.ndarray,
    Ai: np.ndarray,
    sigma: np.ndarray,
    rows: np.ndarray,
    sign: np.ndarray,
    cache: dict[str, Any],
) -> _Coupling:
    """Return the coupling matrices, from ``cache`` while their numbers hold."""
    n, m0 = pat.n, pat.c_eq.size + pat.c_in.size
    pe, pi = pat.coupling_pos
    values = np.concatenate([Ae[pe], Ai[pi]])
    z_couples = bool(pat.gather["z"][0].size or pat.gather["z"][2].size)
    key_sigma = sigma if z_couples else None
    layout = (rows.tobytes(), sign.tobytes())
    hit = cache.get("coupling")
    if (
        hit is not None
        and hit[0].layout == layout
        and np.array_equal(hit[1], values)
        and (key_sigma is None or np.array_equal(hit[2], key_sigma))
    ):
        return hit[0]
    C = _dense(pat.gather["trade"], m0, 3 * n, Ae, Ai)
    Cg = _dense(pat.gather["glob"], m0, pat.glob.size, Ae, Ai)
    Cz = None
    if z_couples:
        Cz = _dense(pat.gather["z"], m0, pat.z_col.size, Ae, Ai)
        C[:, pat.z_asset] += Cz * sigma[pat.z_asset]
    if rows.size != m0 or not np.array_equal(rows, np.arange(m0)):
        C, Cg = C[rows], Cg[rows]
    Cw, Cb, Cs = C[:, :n], C[:, n : 2 * n], C[:, 2 * n :]
    Vb, Vs = Cw + Cb, Cw - Cs
    # lambda' (Cb + Cs) >= 0 for every lambda of the right signs when each
    # row's legs carry that row's sign (turnover: +1 on both legs of a <= row)
    legs = Cb + Cs
    on_eq = sign == 0
    mixed = bool(
        (legs[on_eq] != 0).any() or (legs[~on_eq] * sign[~on_eq, None] < 0).any()
    )
    out = _Coupling(layout, C, Cg, Cz, Vb, Vs, Vb * Vb, Vs * Vs, Cg * Cg, mixed)
    cache["coupling"] = (out, values, None if key_sigma is None else key_sigma.copy())
    return out
