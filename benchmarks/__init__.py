"""Solver benchmark suite for replicator: speed, accuracy and scale.

Run ``python -m benchmarks --help``. See ``benchmarks/README.md``.
"""
