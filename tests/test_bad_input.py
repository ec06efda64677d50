"""A catalogue of corrupted raw exports: each is rejected clearly, and nothing is written.

Every case starts from the good 2018 raw file, corrupts it one way, and runs the `clean`
stage's command on it. The command must exit non-zero, print every problem with file, row,
column, value and expectation, write no output, and leave the raw file byte for byte as it was.
Each case's message is printed, so the test log shows what a user would see.
"""

import csv
import re

import pandas as pd
import pytest

from toeleiding import cli, paths

GOOD = paths.raw_path(2018)
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


def _blank_line(_df):
    lines = _good_bytes().split(b"\n")
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


CASES = {
    "missing column": (lambda df: _csv(df.drop(columns=["V35"])), "column V35"),
    "extra column": (lambda df: _csv(df.assign(V99="1")), "only the columns of the 2018"),
    "renamed column": (lambda df: _csv(df.rename(columns={"V01": "v01"})), "column V01"),
    "semicolon delimiter": (lambda df: _csv(df, sep=";"), "separated by ';'"),
    "tab delimiter": (lambda df: _csv(df, sep="\t"), "separated by tab"),
    "decimal comma (quoted)": (_set("V24a", "12,5", lambda d: d["V24a"] != ""), "decimal point"),
    "decimal comma (unquoted)": (_decimal_comma_unquoted, "decimal comma"),
    "UTF-8 byte order mark": (lambda df: b"\xef\xbb\xbf" + _csv(df), "byte order mark"),
    "Latin-1 encoding": (_latin1, "Latin-1"),
    "empty file": (lambda df: b"", "(empty file)"),
    "header only": (lambda df: _good_bytes().split(b"\n")[0] + b"\n", "one row per municipality"),
    "truncated last line": (_truncated, "truncated"),
    "blank line": (_blank_line, "blank line"),
    "duplicated municipality id": (_set("gemeente_id", "SG18-001"), "occurs once"),
    "duplicated column name": (_duplicate_column, "occurs only once"),
    "unknown answer code": (_set("V01", "7"), "one of the codes [1, 2, 3, 4]"),
    "code written as decimal": (_set("V01", "1.0"), "one of the codes"),
    "text instead of a code": (_set("V12", "ja"), "one of the codes [1, 2]"),
    "Likert code out of scale": (_set("V03", "6"), "one of the codes [1, 2, 3, 4, 5]"),
    "estimate above 100": (_set("V26", "140", lambda d: d["V26"] != ""), "0 to 100"),
    "negative estimate": (_set("V26", "-5", lambda d: d["V26"] != ""), "0 to 100"),
    "estimate in words": (_set("V26", "veel", lambda d: d["V26"] != ""), "0 to 100"),
    "negative count": (_set("V28", "-3", lambda d: d["V28"] != ""), "whole number of 0 or more"),
    "count with decimals": (_set("V28", "2.5", lambda d: d["V28"] != ""), "whole number"),
    "routing: answered where skipped": (_routing_skipped, "only asked when V01 in [1, 4]"),
    "routing: missing where asked": (_routing_missing, "an answer: V22 is asked when"),
    "open text where not asked": (_open_text_not_routed, "only asked when V02_17 = 1"),
    "more answers than the maximum": (_too_many_answers, "at most 3 answers to V29"),
    "exclusive option beside others": (_exclusive, "no other option of V02"),
    "multiple response partly filled": (_partial_multi, "the other options of V10"),
    "multiple response not 0/1": (_set("V16_3", "2", lambda d: d["V16_3"] != ""), "0 or 1"),
    "another wave's file": (_other_wave, "the 2017 export"),
    "unknown size class": (_set("grootteklasse", "G5"), "a size class"),
    "empty respondent id": (_set("respondent_id", ""), "a value (not empty)"),
    "empty municipality id": (_set("gemeente_id", ""), "a value (not empty)"),
    "outflow estimates above 100 together": (_outflow, "a sum of at most 100"),
}


def test_catalogue_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", sorted(CASES))
def test_corrupted_export_is_rejected(case, tmp_path, capsys):
    make, expected = CASES[case]
    raw = tmp_path / "data" / "raw" / "2018.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(make(_frame()))
    before = raw.read_bytes()
    out = tmp_path / "data" / "clean" / "2018.parquet"
    code = cli.main(
        [
            "clean",
            "--codebook",
            str(paths.codebook_path(2018)),
            "--raw",
            str(raw),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    with capsys.disabled():
        print(f"\n--- {case}\n{err.rstrip()}")
    assert code == 1
    assert "nothing written" in err
    assert expected in err, err
    lines = [line for line in err.splitlines() if line.startswith("  ")]
    assert lines and all(LINE.match(line) for line in lines), lines
    assert all(str(raw) in line for line in lines)
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())
    assert raw.read_bytes() == before


def test_good_export_passes_the_same_command(tmp_path, capsys):
    out = tmp_path / "2018.parquet"
    code = cli.main(
        [
            "clean",
            "--codebook",
            str(paths.codebook_path(2018)),
            "--raw",
            str(GOOD),
            "--out",
            str(out),
        ]
    )
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
    code = cli.main(["validate", "--codebook", str(paths.codebook_path(2018)), str(raw)])
    assert code == 0
