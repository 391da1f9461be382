"""Synthetic config inputs: the same fixtures as ``tests/test_config``."""

from ..test_config.conftest import (  # noqa: F401
    BASE,
    synth_dir,
    write_config,
    write_files,
)
