"""Reading exports and writing outputs atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

# The largest export read at all. A survey of every Dutch municipality (under 400 rows of a few
# hundred short columns) is about a megabyte as CSV; 64 MiB leaves room for long open answers
# and bulky spreadsheets while a wrong file (a database dump, a video) is refused before it
# is read, so memory stays bounded (docs/ASSUMPTIONS.md, I05).
MAX_INPUT_BYTES = 64 * 1024 * 1024
# The longest line of a CSV export: a row of a survey is a few kilobytes.
MAX_LINE_BYTES = 1024 * 1024
# Files that are not text, recognised by their first bytes (a CSV was expected).
SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook saved under another name?)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (Excel .xls?)"),
    (b"$FL2", "an SPSS .sav file"),
    (b"$FL3", "an SPSS .sav file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)
# Control bytes that text never holds (tab, newline and carriage return are text).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"


class InputError(Exception):
    """An input file that cannot be read as an export: what was found and what was expected."""

    def __init__(self, found: str, expected: str, line: int = 1) -> None:
        self.found, self.expected, self.line = found, expected, line
        super().__init__(f"found {found}; expected {expected}")


def check_input(path: str | Path, limit: int = MAX_INPUT_BYTES) -> int:
    """Check that ``path`` is a readable regular file of at most ``limit`` bytes.

    Nothing is read but the first byte, so a directory, a named pipe (which would block), an
    unreadable file or a huge file costs no memory.

    Returns
    -------
    int
        The file's size in bytes.

    Raises
    ------
    InputError
        Saying what the path is and what was expected.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("(no such file)", "an existing file") from None
    except OSError as exc:
        raise InputError(f"({exc.strerror})", "a file that can be opened") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("(a directory)", "a file: give the export itself, not its folder")
    if not stat.S_ISREG(st.st_mode):
        raise InputError("(not a regular file: a named pipe, device or socket)", "a regular file")
    if st.st_size > limit:
        raise InputError(
            f"{st.st_size} bytes",
            f"at most {limit} bytes ({limit // 2**20} MiB), far more than any survey export; "
            "is this the right file?",
        )
    _read_bytes(path, 1)
    return st.st_size


def _read_bytes(path: str | Path, n: int) -> bytes:
    """At most ``n`` bytes of ``path``; what the system refuses becomes an `InputError`."""
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except PermissionError:
        raise InputError(
            "(permission denied)", "a file you may read (check its permissions)"
        ) from None
    except OSError as exc:
        raise InputError(f"({exc.strerror})", "a readable file") from None


def read_input(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Read a whole input file after `check_input`, never more than ``limit`` bytes.

    Raises
    ------
    InputError
        As `check_input`, or when the file grew beyond ``limit`` while it was read.
    """
    check_input(path, limit)
    data = _read_bytes(path, limit + 1)
    if len(data) > limit:
        raise InputError(f"more than {limit} bytes", f"at most {limit} bytes")
    return data


def not_text(data: bytes) -> InputError | None:
    """Say what ``data`` is when it cannot be a CSV text file, or None when it may be.

    Recognises files by their signature (zip/xlsx, PDF, SPSS, images, ...), files of NUL
    bytes only, binary data (a NUL byte, or more than 1 % control bytes in the first 64 KiB)
    and lines longer than ``MAX_LINE_BYTES``.
    """
    expected = "comma-separated text (a CSV export)"
    for magic, what in SIGNATURES:
        if data.startswith(magic):
            return InputError(what, expected)
    if data and not data.strip(b"\x00 \t\r\n"):
        return InputError(f"(no text: {len(data)} NUL or blank bytes)", expected)
    head = data[: 64 * 1024]
    nul = data.find(b"\x00")
    controls = len(head) - len(head.translate(None, _CONTROL))
    if nul != -1 or controls > len(head) / 100:
        at = nul if nul != -1 else next(i for i, b in enumerate(head) if bytes([b]) in _CONTROL)
        line = data.count(b"\n", 0, at) + 1
        return InputError(f"binary data (byte 0x{data[at]:02x})", expected, line)
    import numpy as np

    # Line lengths from the positions of the newlines, in one vectorised pass.
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    lengths = np.diff(bounds) - 1
    worst = int(lengths.argmax()) if len(lengths) else 0
    if len(lengths) and lengths[worst] > MAX_LINE_BYTES:
        return InputError(
            f"a line of {int(lengths[worst])} bytes",
            f"lines of at most {MAX_LINE_BYTES} bytes (a survey row is a few kilobytes; "
            "is this a CSV export?)",
            worst + 1,
        )
    return None


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
