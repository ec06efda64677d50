"""Validation of raw exports: every problem, with file, row, column, value and expectation."""

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from toeleiding import paths
from toeleiding.clean import clean_file
from toeleiding.validate import ValidationError, validate_file


@pytest.fixture()
def good(tmp_path):
    path = tmp_path / "2018.csv"
    shutil.copy(paths.raw_path(2018), path)
    return path


def _edit(path, fn):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = fn(df)
    df.to_csv(path, index=False, lineterminator="\n")
    return df


def _problems(path, cb):
    _, problems = validate_file(path, cb)
    for p in problems:
        print(p)
    return problems


def test_good_export_is_valid(good, codebooks):
    assert _problems(good, codebooks[2018]) == []


def test_four_problems_at_once_and_nothing_written(good, codebooks, tmp_path):
    def corrupt(df):
        df.loc[4, "V01"] = "7"  # wrong code
        df.loc[10, "V24a"] = "140"  # estimate out of range
        i = df.index[df["V01"] == "2"][0]  # 'nee': V06 is not asked...
        df.loc[i, "V06"] = "1"  # ...but answered
        return df.drop(columns=["V35"])  # missing column

    _edit(good, corrupt)
    before = good.read_bytes()
    out = tmp_path / "clean" / "2018.parquet"
    with pytest.raises(ValidationError) as err:
        clean_file(good, codebooks[2018], out)
    problems = err.value.problems
    print(err.value)
    assert len(problems) == 4
    assert {p.column for p in problems} == {"V01", "V24a", "V06", "V35"}
    assert all(p.file == str(good) for p in problems)
    by_col = {p.column: p for p in problems}
    assert by_col["V01"].row == 6 and by_col["V01"].value == "7"
    assert by_col["V24a"].row == 12 and "0 to 100" in by_col["V24a"].expected
    assert "only asked when V01 in [1, 4]" in by_col["V06"].expected
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())
    assert good.read_bytes() == before


def test_cli_lists_all_problems_and_exits_non_zero(good, codebooks, tmp_path):
    _edit(good, lambda df: df.assign(V30=df["V30"].replace({"1": "9"})))
    out = tmp_path / "out.parquet"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "toeleiding",
            "clean",
            "--codebook",
            str(paths.codebook_path(2018)),
            "--raw",
            str(good),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    print(res.stderr)
    assert res.returncode == 1
    assert "nothing written" in res.stderr and "column V30" in res.stderr
    assert not out.exists()


def test_existing_output_survives_a_failed_clean(good, codebooks, tmp_path):
    out = tmp_path / "2018.parquet"
    clean_file(good, codebooks[2018], out)
    before = out.read_bytes()
    _edit(good, lambda df: df.assign(V32="6"))
    with pytest.raises(ValidationError):
        clean_file(good, codebooks[2018], out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_routed_question_missing_where_asked(good, codebooks):
    def corrupt(df):
        i = df.index[df["V21"] == "2"][0]
        df.loc[i, "V22"] = ""
        return df

    _edit(good, corrupt)
    problems = _problems(good, codebooks[2018])
    assert len(problems) == 1 and problems[0].column == "V22"
    assert "asked when V21 in [2]" in problems[0].expected


def test_multiple_response_rules(good, codebooks):
    def corrupt(df):
        row = df.index[df["V29_1"] == "1"][0]
        for c in ("V29_2", "V29_3", "V29_4", "V29_5"):
            df.loc[row, c] = "1"  # more than 3 answers
        df.loc[0, "V02_18"] = "1"  # 'geen aanbod' beside other options
        df.loc[1, "V10_3"] = ""  # partly filled
        df.loc[2, "V16_4"] = "2"  # not 0/1
        return df

    _edit(good, corrupt)
    problems = _problems(good, codebooks[2018])
    text = "\n".join(map(str, problems))
    assert "at most 3 answers to V29" in text
    assert "no other option of V02 ticked beside option 18" in text
    assert "column V10_3" in text
    assert "column V16_4: found '2'; expected 0 or 1" in text


def test_duplicate_municipality_and_unknown_size_class(good, codebooks):
    def corrupt(df):
        df.loc[3, "gemeente_id"] = df.loc[2, "gemeente_id"]
        df.loc[5, "grootteklasse"] = "G5"
        return df

    _edit(good, corrupt)
    text = "\n".join(map(str, _problems(good, codebooks[2018])))
    assert "occurs once" in text and "'G5'" in text


def test_outflow_estimates_cannot_exceed_100(good, codebooks):
    def corrupt(df):
        i = df.index[df["V25a"] != ""][0]
        df.loc[i, ["V25a", "V25b"]] = ["70", "40"]
        return df

    _edit(good, corrupt)
    problems = _problems(good, codebooks[2018])
    assert [p.column for p in problems] == ["V25a+V25b"]


def test_unreadable_files(tmp_path, codebooks):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("respondent_id\nR\xe9\n".encode("latin-1"))
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n")
    for path, expected in ((empty, "header"), (latin, "UTF-8"), (ragged, "2 fields")):
        problems = _problems(path, codebooks[2018])
        assert len(problems) == 1 and expected in problems[0].expected
