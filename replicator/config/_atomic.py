"""Publish a set of output files all at once.

Every file of a run is written into a staging folder beside the output folder
(``.<name>.staging-<pid>-<token>``). When all of them are complete the staging
folder takes the output folder's place in one atomic directory swap
(``renameat2(RENAME_EXCHANGE)`` on Linux), so a reader, or a run killed at any
instant, sees either the previous set or the new one, never a mix. Staging
folders left by a killed run are removed by the next run.

When the output folder also holds files that are not part of the new set (a
user's folder), or is the current working folder (``--out .``), it is not
swapped: the files are then moved in
one at a time, and a marker file ``OUTPUTS_INCOMPLETE.txt`` exists while they
are, so an interrupted set is marked incomplete.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from replicator.exceptions import ConfigError

__all__ = ["INCOMPLETE_MARKER", "atomic_outputs", "clean_stale", "not_a_dir"]

INCOMPLETE_MARKER = "OUTPUTS_INCOMPLETE.txt"
STAGING_TAGS = (".staging-", ".old-", ".tmp-")  # .tmp-: folders of older versions
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def not_a_dir(out: Path) -> ConfigError:
    """Return the error for an output path that is an existing file."""
    return ConfigError(
        f"output.dir: {str(out)!r} exists and is not a directory. Choose another "
        "path with --out."
    )


def _cannot_write(out: Path, exc: OSError) -> ConfigError:
    return ConfigError(
        f"output.dir: cannot write to {str(out)!r} ({exc.strerror or exc}). "
        "Choose another directory with --out."
    )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _owner(name: str, prefix: str) -> int | None:
    """Process id in a staging folder's name (None for older, pid-less names)."""
    rest = name[len(prefix) :]
    for tag in STAGING_TAGS:
        if rest.startswith(tag):
            head = rest[len(tag) :].split("-", 1)[0]
            return int(head) if head.isdigit() and tag != ".tmp-" else None
    return None


def clean_stale(out: Path) -> list[Path]:
    """Remove the staging folders of ``out`` left by runs that are not running.

    A previous output set parked by an interrupted swap (``.<name>.old-*``)
    is moved back when ``out`` is missing. Returns the folders removed.
    """
    prefix = f".{out.name}"
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    for item in sorted(out.parent.iterdir()):
        name = item.name
        if not name.startswith(prefix) or not item.is_dir():
            continue
        if not any(name[len(prefix) :].startswith(t) for t in STAGING_TAGS):
            continue
        pid = _owner(name, prefix)
        if pid is not None and _alive(pid):
            continue
        if ".old-" in name and not out.exists():
            with contextlib.suppress(OSError):
                os.rename(item, out)
                continue
        shutil.rmtree(item, ignore_errors=True)
        removed.append(item)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                   _RENAME_EXCHANGE)  # fmt: skip
    return rc == 0


def _fsync_tree(folder: Path) -> None:
    for item in folder.iterdir():
        if item.is_file():
            with open(item, "rb") as fh:
                os.fsync(fh.fileno())


def _swap_in(stage: Path, out: Path) -> None:
    """Put ``stage`` in the place of ``out``; the old set ends up in ``stage``."""
    if not out.exists():
        os.rename(stage, out)
        stage.mkdir()
        return
    if _exchange(stage, out):
        return
    parked = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    os.rename(out, parked)  # killed here: the next run moves it back
    os.rename(stage, out)
    os.rename(parked, stage)


def _move_in(stage: Path, out: Path, names: Iterable[str]) -> None:
    """Move files into a shared folder one by one, marked incomplete meanwhile."""
    marker = out / INCOMPLETE_MARKER
    marker.write_text(
        "replicator is writing (or was interrupted while writing) the outputs "
        f"{', '.join(names)} in this folder; they may be a mix of two runs. Run "
        "the command again.\n",
        encoding="utf-8",
    )
    for item in sorted(stage.iterdir()):
        os.replace(item, out / item.name)
    marker.unlink()


@contextlib.contextmanager
def atomic_outputs(out_dir: str | Path) -> Iterator[Path]:
    """Stage files in a sibling folder, then publish them as one set.

    Yields the staging folder. On normal exit the staged files replace the
    output set in ``out_dir`` all at once (see the module notes); on an
    exception the staging folder is deleted and ``out_dir`` is left exactly as
    it was. Folders are created with the usual permissions (``0o777`` less the
    umask), and stale staging folders of ``out_dir`` are removed first.

    Raises
    ------
    ConfigError
        The output directory is a file, or cannot be created or written.
    """
    out = Path(out_dir).resolve()
    stage = out.with_name(f".{out.name}.staging-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(out)
        stage.mkdir()
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    try:
        yield stage
        if out.exists() and not out.is_dir():
            raise not_a_dir(out)
        names = sorted(p.name for p in stage.iterdir())
        _fsync_tree(stage)
        current = set(os.listdir(out)) if out.exists() else set()
        here = Path.cwd().resolve()
        in_use = here == out or out in here.parents  # a shell's working folder
        if current <= set(names) | {INCOMPLETE_MARKER} and not in_use:
            _swap_in(stage, out)
        else:
            _move_in(stage, out, names)
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
