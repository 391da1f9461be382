"""``replicator index CONFIG``: build the config's index and write its history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replicator.config._build import capture_warnings
from replicator.config._inputs import load_inputs
from replicator.config._load import load_config
from replicator.config._outputs import (
    atomic_outputs,
    build_manifest,
    check_out_dir,
    check_outputs_spare_inputs,
    now,
)
from replicator.config._run import RunOutcome, out_dir_of
from replicator.exceptions import ConfigError
from replicator.report import figure_to_png, plot_index

__all__ = ["INDEX_FILES", "run_index_config"]

INDEX_FILES = (
    "weights.csv", "changes.csv", "level.csv", "reviews.csv", "index.json", "index.png",
)  # fmt: skip


def run_index_config(path: str | Path, out: str | Path | None = None) -> Any:
    """Build the index of the config at ``path`` and write it atomically.

    Writes ``weights.csv`` (effective_date x constituents), ``changes.csv``
    (the constituent-change log), ``level.csv`` (level and daily return),
    ``reviews.csv`` (review, data and effective dates, kind, count, turnover),
    ``index.json`` (methodology, summary, warnings, manifest) and ``index.png``.

    Raises
    ------
    ConfigError
        The config's benchmark is not ``kind: index``.
    """
    started = now()
    config = load_config(path)
    if config.benchmark.kind != "index":
        raise ConfigError(
            f"benchmark.kind: 'replicator index' builds an index methodology; "
            f"{path} has kind {config.benchmark.kind!r}. Use kind: index with a "
            "benchmark.index section (see configs/crypto_cci30_like.yaml)."
        )
    inputs, caught = capture_warnings(load_inputs, config)
    history = inputs.index
    out_dir = check_out_dir(out_dir_of(config, path, out))
    check_outputs_spare_inputs(out_dir, list(INDEX_FILES), inputs.files, path)
    manifest = build_manifest(
        path, inputs.files, started=started, command="index",
        dataset=inputs.dataset, provenance=inputs.provenance,
    )  # fmt: skip
    held = history.weights.loc[:, (history.weights > 0).any()]
    summary = {
        "name": history.name,
        "methodology": history.methodology,
        "first_effective_date": str(history.weights.index[0].date()),
        "last_effective_date": str(history.weights.index[-1].date()),
        "n_reviews": len(history.reviews),
        "n_changes": len(history.changes),
        "n_assets_ever_held": int(held.shape[1]),
        "level_start": float(history.level.iloc[0]),
        "level_end": float(history.level.iloc[-1]),
        "mean_review_turnover": float(history.turnover.iloc[1:].mean()),
    }
    with atomic_outputs(out_dir) as stage:
        held.to_csv(stage / "weights.csv")
        history.changes.to_csv(stage / "changes.csv", index=False)
        level = history.level.to_frame("level")
        level["return"] = history.level.pct_change()
        level.to_csv(stage / "level.csv")
        history.reviews.to_csv(stage / "reviews.csv")
        payload = {"index": summary, "warnings": caught, "manifest": manifest}
        (stage / "index.json").write_text(
            json.dumps(payload, indent=2, default=str), encoding="utf-8"
        )
        (stage / "index.png").write_bytes(figure_to_png(plot_index(history)))
    files = [out_dir / name for name in INDEX_FILES]
    return RunOutcome(config, inputs, out_dir, files, manifest, result=history,
                      warnings=caught)  # fmt: skip
