"""Work-arounds for engine bugs that would stop the benchmark, applied only if present.

Each shim probes for its bug and patches nothing when the engine is fixed; the
results record which shims were active (``SHIMS``).

* ``align-readonly``: under pandas 3 copy-on-write, ``MarketSnapshot.align``
  gets a read-only array from ``Series.to_numpy`` and fails on
  ``out[np.isnan(out)] = default`` for every per-ticker Series (e.g.
  ``WeightBounds(upper=Series)``). The shim returns a writable copy. Engine fix:
  ``s.reindex(self.assets).to_numpy(dtype=float, copy=True)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SHIMS", "apply"]

SHIMS: list[str] = []


def _align_is_broken() -> bool:
    from replicator.data._snapshot import MarketSnapshot

    snap = MarketSnapshot(
        assets=pd.Index(["A", "B"]),
        benchmark=np.array([0.5, 0.5]),
        holdings=np.zeros(2),
        investable=np.ones(2, dtype=bool),
    )
    try:
        snap.align(pd.Series([1.0], index=["A"]), "probe", 0.0)
    except ValueError:
        return True
    return False


def apply() -> list[str]:
    """Install the shims whose bug is present; return their names."""
    from replicator.data import _snapshot

    if "align-readonly" not in SHIMS and _align_is_broken():
        original = _snapshot.MarketSnapshot.align

        def align(self, values, name, default):  # type: ignore[no-untyped-def]
            if isinstance(values, pd.Series):
                values = values.astype(float).copy()
                values.index = values.index.map(str)
                unknown = values.index.difference(self.assets)
                if len(unknown):
                    return original(self, values, name, default)
                out = values.reindex(self.assets).to_numpy(dtype=float, copy=True)
                out[np.isnan(out)] = default
                return out
            return original(self, values, name, default)

        _snapshot.MarketSnapshot.align = align  # type: ignore[method-assign]
        SHIMS.append("align-readonly")
    return list(SHIMS)
