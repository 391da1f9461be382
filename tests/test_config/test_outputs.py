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


# --- durability: staging, swap, stale folders, permissions ----------------------


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_new_output_folder_has_normal_permissions(tmp_path):
    out = tmp_path / "run"
    with atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("a")
    assert out.stat().st_mode & 0o777 == 0o777 & ~_umask()


def test_a_previous_set_is_swapped_whole(tmp_path):
    out = tmp_path / "run"
    with atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("old a")
        (stage / "b.txt").write_text("old b")
    inode = out.stat().st_ino
    with atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("new a")
        (stage / "b.txt").write_text("new b")
    assert out.stat().st_ino != inode  # a new folder took the place of the old
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        "a.txt": "new a",
        "b.txt": "new b",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_stale_staging_folders_are_removed(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    out = tmp_path / "run"
    stale = [tmp_path / f".run.staging-{pid}-abcd", tmp_path / ".run.tmp-xyz"]
    for folder in stale:
        folder.mkdir()
        (folder / "weights.csv").write_text("partial")
    live = tmp_path / f".run.staging-{1}-live"  # pid 1 is alive: not touched
    live.mkdir()
    other = tmp_path / ".other.staging-123-abcd"  # another output folder's
    other.mkdir()
    with atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("a")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["run", live.name, other.name])


def test_a_set_parked_by_an_interrupted_swap_is_restored(tmp_path):
    from replicator.config._atomic import clean_stale

    out = tmp_path / "run"
    parked = tmp_path / ".run.old-999999999-abcd"
    parked.mkdir()
    (parked / "a.txt").write_text("previous")
    clean_stale(out)
    assert (out / "a.txt").read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_shared_folder_is_marked_incomplete_while_moving(tmp_path, monkeypatch):
    import os

    import replicator.config._atomic as atomic

    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("user file")
    (out / "a.txt").write_text("old a")
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", failing)
    with pytest.raises(ConfigError, match=r"output\.dir: cannot write to .*No space"):
        with atomic_outputs(out) as stage:
            (stage / "a.txt").write_text("new a")
            (stage / "b.txt").write_text("new b")
    marker = out / atomic.INCOMPLETE_MARKER
    assert "interrupted" in marker.read_text()
    monkeypatch.setattr(atomic.os, "replace", real)
    with atomic_outputs(out) as stage:
        (stage / "a.txt").write_text("new a")
        (stage / "b.txt").write_text("new b")
    assert not marker.exists()
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_the_working_folder_is_never_swapped(tmp_path, monkeypatch):
    out = tmp_path / "here"
    out.mkdir()
    monkeypatch.chdir(out)
    inode = out.stat().st_ino
    with atomic_outputs(".") as stage:
        (stage / "a.txt").write_text("a")
    assert out.stat().st_ino == inode and (out / "a.txt").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]
