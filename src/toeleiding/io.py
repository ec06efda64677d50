"""Reading exports and writing outputs atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _mode_of(target: Path) -> int:
    """The permissions a rewritten ``target`` keeps: its own, or the umask's for a new file."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(target: str | Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` and move it into place only on success.

    A run that fails or is killed half-way leaves the previous ``target`` untouched and no
    half-written file behind (the temporary file is removed on error).

    Parameters
    ----------
    target
        The file to write.
    mode
        Permissions of the new file (e.g. ``0o444`` for read-only raw data), set before it is
        moved into place; by default those of the file it replaces, or the umask's.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink()  # left by a run that was killed before it could clean up
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _mode_of(target) if mode is None else mode)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_csv(df, target: str | Path, mode: int | None = None) -> None:
    """Write a DataFrame as UTF-8 CSV with Unix line ends, atomically (see `atomic_path`)."""
    with atomic_path(target, mode) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")


def write_text(text: str, target: str | Path) -> None:
    """Write UTF-8 text atomically, keeping the permissions of the file it replaces."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_parquet(df, target: str | Path) -> None:
    """Write a DataFrame as Parquet without the index, atomically."""
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
