"""Atomic output directories and the run manifest."""

from __future__ import annotations

import hashlib

import pytest

from replicator.config import atomic_outputs, build_manifest, package_versions
from replicator.exceptions import ConfigError


def test_new_directory_appears_complete(tmp_path):
    out = tmp_path / "run"
    with atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("a")
        (stage / "b.txt").write_text("b")
        assert not out.exists()
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_failure_leaves_existing_outputs_untouched(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "a.txt").write_text("old a")
    (out / "keep.txt").write_text("user file")
    with pytest.raises(RuntimeError, match="boom"), atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("new a")
        raise RuntimeError("boom")
    assert (out / "a.txt").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_success_replaces_outputs_and_keeps_other_files(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "a.txt").write_text("old a")
    (out / "keep.txt").write_text("user file")
    with atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("new a")
    assert (out / "a.txt").read_text() == "new a"
    assert (out / "keep.txt").read_text() == "user file"


def test_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(
        ConfigError, match=r"output\.dir: '.*file' exists and is not a directory"
    ):
        with atomic_outputs(target) as stage:
            (stage / "a.txt").write_text("a")
    assert target.read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_manifest(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_bytes(b"data: {}\n")
    data = tmp_path / "r.csv"
    data.write_bytes(b"date,A\n")
    m = build_manifest(cfg, {"data.returns": str(data)}, started="t0", command="run")
    assert m["config_sha256"] == hashlib.sha256(b"data: {}\n").hexdigest()
    assert (
        m["inputs"]["data.returns"]["sha256"] == hashlib.sha256(b"date,A\n").hexdigest()
    )
    assert set(m["versions"]) >= {
        "replicator",
        "cvxpy",
        "osqp",
        "clarabel",
        "numpy",
        "pandas",
    }
    assert m["versions"]["cvxpy"] and m["started_at"] == "t0" and m["finished_at"]


def test_package_versions_handles_missing_packages(monkeypatch):
    import replicator.config._outputs as outputs

    monkeypatch.setattr(outputs, "VERSIONED_PACKAGES", ("numpy", "no-such-package-xyz"))
    versions = package_versions()
    assert versions["no-such-package-xyz"] is None and versions["numpy"]
