"""A catalogue of corrupted exports: each is rejected clearly, and nothing is written.

Every case of the raw-file catalogue starts from the good 2018 raw file, corrupts it one way,
and runs the `clean` stage's command on it. The command must exit non-zero, print exactly the
expected problems (no more: a spurious extra problem fails the case), each with file, row,
column, value and expectation, write no output, and leave the raw file byte for byte as it was.
The export catalogue does the same for the real-export path (`validate --mapping` and
`add-export`). Each case's message is printed, so the test log shows what a user would see.
"""

import csv
import re
import zipfile

import pandas as pd
import pytest
import yaml

from toeleiding import cli, paths

GOOD = paths.raw_path(2018)
CB = str(paths.codebook_path(2018))
LINE = re.compile(r"^  .+, row \d+, column .+: found .+; expected .+$")


def _frame() -> pd.DataFrame:
    return pd.read_csv(GOOD, dtype=str, keep_default_na=False)


def _csv(df: pd.DataFrame, **kw) -> bytes:
    return df.to_csv(index=False, lineterminator="\n", **kw).encode("utf-8")


def _set(col, value, where=None):
    def make(df):
        idx = df.index[where(df)][0] if where else 3
        df.loc[idx, col] = value
        return _csv(df)

    return make


def _filled(col):
    return lambda d: d[col] != ""


def _good_bytes() -> bytes:
    return GOOD.read_bytes()


def _routing_skipped(df):
    i = df.index[df["V01"] == "2"][0]
    df.loc[i, "V06"] = "1"
    return _csv(df)


def _routing_missing(df):
    i = df.index[df["V21"] == "2"][0]
    df.loc[i, "V22"] = ""
    return _csv(df)


def _open_text_not_routed(df):
    i = df.index[df["V02_17"] == "0"][0]
    df.loc[i, "V02_anders"] = "Iets anders"
    return _csv(df)


def _too_many_answers(df):
    i = df.index[df["V29_1"] != ""][0]
    for c in ("V29_1", "V29_2", "V29_3", "V29_4"):
        df.loc[i, c] = "1"
    return _csv(df)


def _more_g4_than_exist(df):
    """Ten G4 rows against a population of four: weights and corrections would be meaningless."""
    others = df.index[df["grootteklasse"] != "G4"][:6]
    df.loc[others, "grootteklasse"] = "G4"
    return _csv(df)


def _exclusive(df):
    i = df.index[df["V02_1"] == "1"][0]
    df.loc[i, "V02_18"] = "1"
    return _csv(df)


def _partial_multi(df):
    i = df.index[df["V10_1"] != ""][0]
    df.loc[i, "V10_5"] = ""
    return _csv(df)


def _outflow(df):
    i = df.index[df["V25a"] != ""][0]
    df.loc[i, ["V25a", "V25b"]] = ["80", "30"]
    return _csv(df)


def _truncated(_df):
    raw = _good_bytes().rstrip(b"\n")
    return raw[: raw.rfind(b",", 0, len(raw) - 200)] + b"\n"


def _cut_in_last_field(_df):
    raw = _good_bytes()
    assert raw.endswith(b",1\n")  # the last answer is a 1: cut, the field would look empty
    return raw[:-2]


def _blank_line(df):
    df.loc[9, "V01"] = "7"  # on line 11, pushed to line 12 by the blank line before it
    lines = _csv(df).split(b"\n")
    return b"\n".join(lines[:10] + [b""] + lines[10:])


def _decimal_comma_unquoted(_df):
    lines = _good_bytes().decode().split("\n")
    header = next(csv.reader([lines[0]]))
    col = header.index("V24a")
    for n, line in enumerate(lines[1:], start=1):
        fields = next(csv.reader([line]))
        if fields[col]:
            fields[col] = fields[col] + ",5"  # written by hand, unquoted: an extra field
            lines[n] = ",".join(fields)
            break
    return "\n".join(lines).encode()


def _latin1(df):
    i = df.index[df["V02_anders"] != ""][0]
    df.loc[i, "V02_anders"] = "Creatieve workshops en café"
    return df.to_csv(index=False, lineterminator="\n").encode("latin-1")


def _duplicate_column(_df):
    lines = _good_bytes().split(b"\n")
    lines[0] = lines[0].replace(b",V03,", b",V02_1,", 1)
    return b"\n".join(lines)


def _other_wave(_df):
    return paths.raw_path(2017).read_bytes()


def _code_with_space(df):
    # 'nee' with a space: invalid, so V06 below it is unknown, not 'asked but missing'.
    i = df.index[df["V01"] == "2"][0]
    df.loc[i, "V01"] = " 1"
    return _csv(df)


def _fractions(df):
    # Percentages stored as fractions, as Excel percentage cells hold them (0.4 for 40 %).
    filled = df["V26"] != ""
    df.loc[filled, "V26"] = (df.loc[filled, "V26"].astype(int) / 100).map("{:g}".format)
    return _csv(df)


# Each case: how to corrupt the good file, and the problems printed, one fragment per line in
# the order printed (by row, then column). A case passes only with exactly these problems.
CODES_V01 = "expected one of the codes [1, 2, 3, 4]"
PERCENT = "expected a percentage from 0 to 100"
WHOLE = "expected a whole number of 0 or more"
CASES = {
    "missing column": (
        lambda df: _csv(df.drop(columns=["V35"])),
        ["row 1, column V35: found (empty); expected column V35 (codebook 2018)"],
    ),
    "extra column": (
        lambda df: _csv(df.assign(V99="1")),
        ["row 1, column V99: found 'V99'; expected only the columns of the 2018 codebook"],
    ),
    "renamed column": (
        lambda df: _csv(df.rename(columns={"V01": "v01"})),
        [
            "row 1, column V01: found (empty); expected column V01",
            "row 1, column v01: found 'v01'; expected only the columns",
        ],
    ),  # fmt: skip
    "semicolon delimiter": (
        lambda df: _csv(df, sep=";"),
        [("row 1, column (header): found 'respondent_id;gemeente_id;", "separated by ';'")],
    ),
    "tab delimiter": (lambda df: _csv(df, sep="\t"), ["separated by tab"]),
    "decimal comma (quoted)": (
        _set("V24a", "12,5", _filled("V24a")),
        [f"column V24a: found '12,5'; {PERCENT} in digits, with a decimal point (not a comma)"],
    ),
    "decimal comma (unquoted)": (
        _decimal_comma_unquoted,
        [("column V35: found '133 fields'; expected 132 fields", "decimal comma")],
    ),
    "UTF-8 byte order mark": (
        lambda df: b"\xef\xbb\xbf" + _csv(df),
        ["row 1, column (header): found 'UTF-8 byte order mark'"],
    ),
    "Latin-1 encoding": (
        _latin1,
        [("column V02_anders: found 'Creatieve workshops en caf", "Latin-1")],
    ),
    "empty file": (lambda df: b"", ["row 1, column (file): found '(empty file)'"]),
    "header only": (
        lambda df: _good_bytes().split(b"\n")[0] + b"\n",
        ["row 2, column (file): found '(no rows)'; expected one row per municipality"],
    ),
    "truncated last line": (
        _truncated,
        ["fields'; expected 132 fields, as in the header (a truncated line"],
    ),
    "truncated inside the last field": (
        _cut_in_last_field,
        ["column V35: found ''; expected a line ending in a newline (truncated last line"],
    ),
    "blank line": (
        _blank_line,
        [
            "row 11, column (file): found '(blank line)'; expected one row per municipality",
            "row 12, column V01: found '7'; expected one of the codes",
        ],
    ),
    "duplicated municipality id": (
        _set("gemeente_id", "SG18-001"),
        [
            "column gemeente_id: found 'SG18-001'; expected a municipality id that occurs once",
            "row 5, column gemeente_id: found 'SG18-001'; expected a municipality id that occurs",
        ],
    ),  # fmt: skip
    "duplicated column name": (
        _duplicate_column,
        ["row 1, column V02_1: found 'V02_1'; expected a column name that occurs only once"],
    ),
    # One wrong code is one problem: V06 and V07 below it (child and grandchild) are unknown.
    "unknown answer code": (_set("V01", "7"), [f"row 5, column V01: found '7'; {CODES_V01}"]),
    "code with a leading space": (
        _code_with_space,
        [f"column V01: found ' 1'; {CODES_V01}"],
    ),
    "code written as decimal": (
        _set("V01", "1.0"),
        [f"row 5, column V01: found '1.0'; {CODES_V01}"],
    ),
    "text instead of a code": (
        _set("V12", "ja"),
        ["row 5, column V12: found 'ja'; expected one of the codes [1, 2]"],
    ),
    "Likert code out of scale": (
        _set("V03", "6"),
        ["row 5, column V03: found '6'; expected one of the codes [1, 2, 3, 4, 5]"],
    ),
    "estimate above 100": (_set("V26", "140", _filled("V26")), [f"found '140'; {PERCENT}"]),
    "negative estimate": (_set("V26", "-5", _filled("V26")), [f"found '-5'; {PERCENT}"]),
    "estimate in words": (_set("V26", "veel", _filled("V26")), [f"found 'veel'; {PERCENT}"]),
    "estimate with an exponent": (_set("V26", "1e1", _filled("V26")), [f"found '1e1'; {PERCENT}"]),
    "estimate with a space": (_set("V26", " 50", _filled("V26")), [f"found ' 50'; {PERCENT}"]),
    "estimates as fractions (Excel percentages)": (
        _fractions,
        [
            (
                "column V26: found '0.",
                "expected a percentage from 0 to 100: every answer to V26 is "
                "at most 1, as if written as a fraction (0.",
            )
        ],
    ),  # fmt: skip
    "negative count": (_set("V28", "-3", _filled("V28")), [f"found '-3'; {WHOLE}"]),
    "count with decimals": (_set("V28", "2.5", _filled("V28")), [f"found '2.5'; {WHOLE}"]),
    "count in superscript digits": (_set("V28", "²", _filled("V28")), [f"found '²'; {WHOLE}"]),
    "count in full-width digits": (_set("V28", "１２", _filled("V28")), [f"found '１２'; {WHOLE}"]),
    "routing: answered where skipped": (
        _routing_skipped,
        ["column V06: found '1'; expected empty: V06 is only asked when V01 in [1, 4]"],
    ),
    "routing: missing where asked": (
        _routing_missing,
        ["column V22: found (empty); expected an answer: V22 is asked when V21 in [2]"],
    ),
    "open text where not asked": (
        _open_text_not_routed,
        [
            "column V02_anders: found 'Iets anders'; expected empty: V02_anders is only asked "
            "when V02_17 = 1"
        ],
    ),  # fmt: skip
    "more answers than the maximum": (
        _too_many_answers,
        [("column V29_*: found '", " answers'; expected at most 3 answers to V29")],
    ),
    "exclusive option beside others": (
        _exclusive,
        ["column V02_18: found '1'; expected no other option of V02 ticked beside option 18"],
    ),
    "multiple response partly filled": (
        _partial_multi,
        ["column V10_5: found (empty); expected 0 or 1, as the other options of V10 are filled"],
    ),
    "multiple response not 0/1": (
        _set("V16_3", "2", _filled("V16_3")),
        ["column V16_3: found '2'; expected 0 or 1"],
    ),
    "another wave's file": (
        _other_wave,
        [
            "row 1, column (header): found 'the columns of the 2017 codebook'; expected the "
            "columns of the 2018 codebook: is this the 2017 export in the place of the 2018 one?"
        ],
    ),  # fmt: skip
    "unknown size class": (
        _set("grootteklasse", "G5"),
        ["row 5, column grootteklasse: found 'G5'; expected a size class ['G4', 'G40', 'overig']"],
    ),
    "more municipalities of a size class than its population": (
        _more_g4_than_exist,
        [
            "row 6, column grootteklasse: found 'G4'; expected at most 4 municipalities of size "
            "class G4 (its population in codebook 2018); the file has 10"
        ],
    ),
    "empty respondent id": (
        _set("respondent_id", ""),
        ["row 5, column respondent_id: found (empty); expected a value (not empty)"],
    ),
    "empty municipality id": (
        _set("gemeente_id", ""),
        ["row 5, column gemeente_id: found (empty); expected a value (not empty)"],
    ),
    "outflow estimates above 100 together": (
        _outflow,
        ["column V25a+V25b: found '110'; expected a sum of at most 100"],
    ),
}


def _problem_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("  ")]


def _assert_exactly(lines: list[str], expected: list) -> None:
    """Exactly one printed problem per expected item, in the printed order.

    An item is a fragment of its line, or a tuple of fragments that are all in that line.
    """
    assert len(lines) == len(expected), "\n".join(lines)
    for fragments, line in zip(expected, lines, strict=True):
        for fragment in (fragments,) if isinstance(fragments, str) else fragments:
            assert fragment in line, f"{fragment!r} not in {line!r}"


def test_catalogue_is_large_enough():
    assert len(CASES) + len(EXPORT_CASES) >= 30
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", sorted(CASES))
def test_corrupted_export_is_rejected(case, tmp_path, capsys):
    make, expected = CASES[case]
    raw = tmp_path / "data" / "raw" / "2018.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(make(_frame()))
    before = raw.read_bytes()
    out = tmp_path / "data" / "clean" / "2018.parquet"
    code = cli.main(["clean", "--codebook", CB, "--raw", str(raw), "--out", str(out)])
    err = capsys.readouterr().err
    with capsys.disabled():
        print(f"\n--- {case}\n{err.rstrip()}")
    assert code == 1
    assert "nothing written" in err
    lines = _problem_lines(err)
    assert lines and all(LINE.match(line) for line in lines), lines
    assert all(line.startswith(f"  {raw}, row ") for line in lines)
    _assert_exactly(lines, expected)
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())
    assert raw.read_bytes() == before


def test_good_export_passes_the_same_command(tmp_path, capsys):
    out = tmp_path / "2018.parquet"
    code = cli.main(["clean", "--codebook", CB, "--raw", str(GOOD), "--out", str(out)])
    assert code == 0 and out.exists()
    assert "problem" not in capsys.readouterr().err


def test_reader_handles_quoted_commas(tmp_path):
    """A comma inside a quoted open answer is text, not a delimiter."""
    df = _frame()
    i = df.index[df["V02_anders"] != ""][0]
    df.loc[i, "V02_anders"] = "Sport, spel en taal"
    raw = tmp_path / "2018.csv"
    raw.write_bytes(_csv(df))
    assert '"Sport, spel en taal"' in raw.read_text()
    assert cli.main(["validate", "--codebook", CB, str(raw)]) == 0


def test_rows_after_a_multi_line_answer_keep_their_line_numbers(tmp_path, capsys):
    """A quoted answer spanning two lines shifts the rows after it: messages follow the file."""
    df = _frame()
    i = df.index[df["V02_anders"] != ""][0]
    df.loc[i, "V02_anders"] = "Sport\nen taal"
    df.loc[i + 5, "V01"] = "7"
    raw = tmp_path / "2018.csv"
    raw.write_bytes(_csv(df))
    assert cli.main(["validate", "--codebook", CB, str(raw)]) == 1
    lines = _problem_lines(capsys.readouterr().err)
    _assert_exactly(lines, [f"row {i + 5 + 3}, column V01: found '7'"])  # header + 1 extra line
    assert raw.read_bytes().split(b"\n")[i + 5 + 2].split(b",")[3] == b"7"


# --- the real-export path: `validate --mapping` and `add-export` -----------------------------


def _xlsx(df: pd.DataFrame, path):
    df.replace("", None).to_excel(path, index=False)


def _export_blank_line(path):
    df = _frame()
    df.loc[4, "grootteklasse"] = "G5"  # on line 6, pushed to line 7 by the blank line before it
    lines = _csv(df).split(b"\n")
    path.write_bytes(b"\n".join(lines[:3] + [b""] + lines[3:]))


def _xlsx_fractions(path):
    df = _frame().replace("", None)
    df["V26"] = pd.to_numeric(df["V26"]) / 100  # an Excel percentage cell stores 0.4 for 40 %
    df.to_excel(path, index=False)


def _cut_zip(path):
    _xlsx(_frame(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a download that stopped half-way


def _zip_without_workbook(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")


EXPORT_CASES = {
    "csv: header only": (
        "export.csv",
        lambda p: p.write_bytes(_good_bytes().split(b"\n")[0] + b"\n"),
        ["row 2, column (file): found '(no rows)'; expected one row per municipality"],
    ),
    "csv: empty file": (
        "export.csv",
        lambda p: p.write_bytes(b""),
        ["row 1, column (file): found '(empty file)'"],
    ),
    "csv: blank line (rows after it keep their line numbers)": (
        "export.csv",
        _export_blank_line,
        [
            "row 4, column (file): found '(blank line)'",
            "row 7, column grootteklasse: found 'G5'; expected a size class",
        ],
    ),
    "xlsx: header only": (
        "export.xlsx",
        lambda p: _xlsx(_frame().iloc[:0], p),
        ["row 2, column (file): found '(no rows)'; expected one row per municipality"],
    ),
    "xlsx: empty file": (
        "export.xlsx",
        lambda p: p.write_bytes(b""),
        [
            "row 1, column (file): found 'BadZipFile: File is not a zip file'; expected an Excel "
            ".xlsx workbook"
        ],
    ),  # fmt: skip
    "xlsx: corrupt (cut short)": (
        "export.xlsx",
        _cut_zip,
        [("row 1, column (file): found 'BadZipFile: ", "expected an Excel .xlsx workbook")],
    ),
    "xlsx: a zip file that is no workbook": (
        "export.xlsx",
        _zip_without_workbook,
        [("row 1, column (file): found 'KeyError: ", "expected an Excel .xlsx workbook")],
    ),
    "xlsx: percentages as fractions": (
        "export.xlsx",
        _xlsx_fractions,
        [("column V26: found '0.", "expected a percentage from 0 to 100: every answer to V26")],
    ),
    "sav: corrupt": (
        "export.sav",
        lambda p: p.write_bytes(b"$FL2 not really SPSS"),
        [("row 1, column (file): found 'ReadstatError: ", "expected an SPSS .sav file")],
    ),
}


@pytest.mark.parametrize("case", sorted(EXPORT_CASES))
def test_corrupted_real_export_is_rejected(case, tmp_path, capsys):
    name, make, expected = EXPORT_CASES[case]
    export = tmp_path / name
    make(export)
    before = export.read_bytes()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"wave": 2018}))
    params = tmp_path / "params.yaml"
    params.write_bytes(paths.PARAMS.read_bytes())
    raw_dir = tmp_path / "raw"
    for command in (
        ["validate", "--codebook", CB, "--mapping", str(mapping), str(export)],
        ["add-export", "--codebook", CB, "--export", str(export), "--mapping", str(mapping),
         "--params", str(params), "--raw-dir", str(raw_dir), "--no-dvc"],
    ):  # fmt: skip
        code = cli.main(command)
        err = capsys.readouterr().err
        with capsys.disabled():
            print(f"\n--- {case}: {command[0]}\n{err.rstrip()}")
        assert code == 1
        lines = _problem_lines(err)
        assert all(LINE.match(line) and line.startswith(f"  {export}, row ") for line in lines)
        _assert_exactly(lines, expected)
    assert "nothing written" in err
    assert not raw_dir.exists()
    assert params.read_bytes() == paths.PARAMS.read_bytes()
    assert export.read_bytes() == before
