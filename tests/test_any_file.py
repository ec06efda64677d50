"""Any file given to `validate`, `clean` or `add-export` gets a message, never a traceback.

Each case below is a file that is no survey export at all (random bytes, a workbook or a PDF
under a .csv name, NUL bytes, a directory, a named pipe, an unreadable file, a very long line,
a file far larger than any survey). Every command must exit with 1, name the file and what
was expected, write nothing and leave the file as it was. The printed messages show what a
user would see.
"""

import os
import random
import shutil
import stat

import pandas as pd
import pytest
import yaml

from toeleiding import cli, io, paths

GOOD = paths.raw_path(2018)
CB = str(paths.codebook_path(2018))


def _frame() -> pd.DataFrame:
    return pd.read_csv(GOOD, dtype=str, keep_default_na=False)


def _random_bytes(p):
    p.write_bytes(random.Random(11).randbytes(4096))


def _xlsx_as_csv(p):
    tmp = p.with_suffix(".xlsx")
    _frame().replace("", None).to_excel(tmp, index=False)
    tmp.rename(p)


def _zip_as_csv(p):
    shutil.make_archive(str(p.with_suffix("")), "zip", root_dir=GOOD.parent, base_dir=GOOD.name)
    p.with_suffix(".zip").rename(p)


def _pdf(p):
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")


def _nul(p):
    p.write_bytes(b"\x00" * 5000)


def _nul_inside(p):
    data = bytearray(GOOD.read_bytes())
    data[5000] = 0  # one NUL byte in an otherwise good file, on a later line
    p.write_bytes(bytes(data))


def _long_line(p):
    header = GOOD.read_bytes().split(b"\n")[0]
    p.write_bytes(header + b"\n" + b"1," * (io.MAX_LINE_BYTES // 2 + 10) + b"\n")


def _long_field(p):
    """A field beyond the CSV reader's own limit (128 KiB), on a line under MAX_LINE_BYTES."""
    lines = GOOD.read_bytes().split(b"\n")
    lines[2] = lines[2] + b'"' + b"x" * 200_000 + b'"'
    p.write_bytes(b"\n".join(lines))


def _wide(p):
    header = ",".join(f"kolom{i}" for i in range(20_000))
    p.write_text(header + "\n" + ",".join("1" * 20_000) + "\n")


def _too_many_rows(p):
    lines = GOOD.read_text().splitlines()
    p.write_text("\n".join([lines[0], *lines[1:] * 3]) + "\n")  # 846 rows: over 380


def _huge(p):
    # A sparse file: as large as the limit plus one byte, but it takes no room on disk.
    with p.open("wb") as fh:
        fh.truncate(io.MAX_INPUT_BYTES + 1)


def _directory(p):
    p.mkdir()
    shutil.copy(GOOD, p / "2018.csv")


def _fifo(p):
    os.mkfifo(p)  # opening it for reading would wait for a writer forever


def _empty(p):
    p.write_bytes(b"")


def _unreadable(p):
    shutil.copy(GOOD, p)
    p.chmod(0)


BINARY = "expected comma-separated text"
CASES = {
    # name: (file name, how to make it, fragments of the one problem for a CSV reader)
    "random bytes": ("export.csv", _random_bytes, ["found 'binary data (byte 0x", BINARY]),
    "xlsx named .csv": ("export.csv", _xlsx_as_csv,
                        ["found 'a zip archive (an Excel .xlsx", BINARY]),
    "zip named .csv": ("export.csv", _zip_as_csv, ["found 'a zip archive", BINARY]),
    "pdf named .csv": ("export.csv", _pdf, ["found 'a PDF document'", BINARY]),
    "pdf": ("export.pdf", _pdf, None),
    "empty file": ("export.csv", _empty, ["found '(empty file)'"]),
    "only NUL bytes": ("export.csv", _nul, ["found '(no text: 5000 NUL or blank bytes)'", BINARY]),
    "a NUL byte in a good file": ("export.csv", _nul_inside, ["found 'binary data (byte 0x00)'"]),
    "directory": ("export.csv", _directory, ["found '(a directory)'", "expected a file"]),
    "named pipe": ("export.csv", _fifo, ["found '(not a regular file", "expected a regular file"]),
    "no read permission": ("export.csv", _unreadable,
                           ["found '(permission denied)'", "expected a file you may read"]),
    "very long line": ("export.csv", _long_line,
                       ["row 2, column (file): found 'a line of", "lines of at most 1048576"]),
    "field over the CSV reader's limit": ("export.csv", _long_field,
                                          ["found 'csv.Error: field larger than field limit"]),
    "far too many columns": ("export.csv", _wide,
                             ["row 1, column (header): found '20000 columns'",
                              "expected at most 5000 columns"]),
    "more rows than municipalities in the country": (
        "export.csv", _too_many_rows,
        ["row 382, column (file): found '846 rows'", "expected at most 380 rows"]),
    "larger than any survey": ("export.csv", _huge,
                               [f"found '{io.MAX_INPUT_BYTES + 1} bytes'", "expected at most"]),
    "larger than any survey (xlsx)": ("export.xlsx", _huge,
                                      [f"found '{io.MAX_INPUT_BYTES + 1} bytes'", "at most"]),
}  # fmt: skip


@pytest.fixture()
def deny_reading(monkeypatch):
    """Make the unreadable file unreadable for root too.

    The tests may run as root, whom file permissions do not stop; so besides ``chmod 0``, the
    package's ``open`` raises PermissionError for files without read permission bits, exactly
    as the operating system does for other users.
    """
    real_open = open

    def guarded(file, mode="r", *args, **kw):
        try:
            denied = "r" in mode and not os.stat(file).st_mode & 0o444
        except (OSError, TypeError):
            denied = False
        if denied:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kw)

    monkeypatch.setattr(io, "open", guarded, raising=False)


def _commands(export, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"wave": 2018}))
    params = tmp_path / "params.yaml"
    params.write_bytes(paths.PARAMS.read_bytes())
    raw_dir, out = tmp_path / "raw", tmp_path / "clean" / "2018.parquet"
    commands = {
        "clean": ["clean", "--codebook", CB, "--raw", str(export), "--out", str(out)],
        "validate": ["validate", "--codebook", CB, str(export)],
        "validate --mapping": ["validate", "--codebook", CB, "--mapping", str(mapping),
                               str(export)],
        "add-export": ["add-export", "--codebook", CB, "--export", str(export), "--mapping",
                       str(mapping), "--params", str(params), "--raw-dir", str(raw_dir),
                       "--no-dvc"],
    }  # fmt: skip
    return commands, params, raw_dir, out


def _snapshot(path):
    st = os.lstat(path)
    if stat.S_ISREG(st.st_mode) and os.access(path, os.R_OK) and st.st_size < 2**20:
        return path.read_bytes()
    return (st.st_mode, st.st_size)


@pytest.mark.parametrize("case", sorted(CASES))
def test_any_file_gets_a_message(case, tmp_path, capsys, deny_reading):
    name, make, fragments = CASES[case]
    export = tmp_path / name
    make(export)
    before = _snapshot(export)
    commands, params, raw_dir, out = _commands(export, tmp_path)
    for what, command in commands.items():
        code = cli.main(command)
        err = capsys.readouterr().err
        with capsys.disabled():
            print(f"\n--- {case}: {what}\n{err.rstrip()}")
        assert code == 1, what
        lines = [line for line in err.splitlines() if line.startswith("  ")]
        assert len(lines) == 1, (what, lines)
        assert lines[0].startswith(f"  {export}, row "), (what, lines)
        assert "; expected " in lines[0]
        for fragment in fragments or ():
            assert fragment in lines[0], (what, fragment, lines[0])
        if not what.startswith("validate"):  # validate writes nothing anyway
            assert "nothing written" in err, what
    assert not out.exists() and not out.parent.exists()
    assert not raw_dir.exists()
    assert params.read_bytes() == paths.PARAMS.read_bytes()
    assert _snapshot(export) == before


def test_a_pdf_under_its_own_name_is_named_as_the_wrong_type(tmp_path, capsys):
    """(The catalogue above checks that every command refuses it; here: with what words.)"""
    export = tmp_path / "export.pdf"
    _pdf(export)
    commands, *_ = _commands(export, tmp_path)
    for what in ("validate", "validate --mapping", "add-export"):
        assert cli.main(commands[what]) == 1
        assert "found '.pdf'; expected a .csv, .xlsx or .sav export" in capsys.readouterr().err
    assert cli.main(commands["clean"]) == 1  # the pipeline's raw file is read as CSV
    assert "found 'a PDF document'; expected comma-separated text" in capsys.readouterr().err


def test_the_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    """Memory stays bounded: a file over the limit is refused without being read."""
    export = tmp_path / "export.csv"
    _huge(export)

    def no_reading(*args, **kw):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(io, "open", no_reading, raising=False)
    with pytest.raises(io.InputError, match="at most"):
        io.read_input(export)
