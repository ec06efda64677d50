"""Reading exports and writing outputs atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` and move it into place only on success.

    A run that fails or is killed half-way leaves the previous ``target`` untouched and no
    half-written file behind (the temporary file is removed on error).
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
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_csv(df, target: str | Path) -> None:
    """Write a DataFrame as UTF-8 CSV with Unix line ends, atomically."""
    with atomic_path(target) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(df, target: str | Path) -> None:
    """Write a DataFrame as Parquet without the index, atomically."""
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
