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


def test_invalid_answer_makes_its_whole_routing_chain_unknown(good, codebooks):
    """V01 -> V06 -> V07: one wrong code is one problem, not one per follow-up question."""
    df = pd.read_csv(good, dtype=str, keep_default_na=False)
    chain = df.index[df["V06"].isin(["1", "3"]) & (df["V07_1"] != "")]  # V06 and V07 filled
    i, j = chain[:2]
    k = df.index[df["V06"] == ""][0]  # V01 says V06 is not asked

    def corrupt(df):
        df.loc[i, "V01"] = "7"  # V06 (child) and V07 (grandchild) become unknown
        df.loc[j, "V06"] = "9"  # V07 (child) becomes unknown
        df.loc[k, "V01"] = "x"  # V06 is empty: unknown, so not 'asked but missing'
        return df

    _edit(good, corrupt)
    problems = _problems(good, codebooks[2018])
    expected = sorted([(i + 2, "V01", "7"), (j + 2, "V06", "9"), (k + 2, "V01", "x")])
    assert [(p.row, p.column, p.value) for p in problems] == expected


def test_routing_reads_a_code_exactly_as_the_column_rule_does(good, codebooks):
    """' 1' is not the code 1: rejected once, and not taken as 'yes' for routing."""

    df = pd.read_csv(good, dtype=str, keep_default_na=False)
    i = df.index[df["V06"] == ""][0]  # if ' 1' were read as 1, V06 would be 'asked but missing'
    j = df.index[(df["V21"] == "1") & (df["V22"] == "")][0]  # likewise V22 if '2 ' were 2

    def corrupt(df):
        df.loc[i, "V01"] = " 1"
        df.loc[j, "V21"] = "2 "
        return df

    _edit(good, corrupt)
    problems = _problems(good, codebooks[2018])
    expected = sorted([(i + 2, "V01", " 1"), (j + 2, "V21", "2 ")])
    assert [(p.row, p.column, p.value) for p in problems] == expected


@pytest.mark.parametrize(
    ("column", "text", "value"),
    [
        ("V01", "1", 1.0), ("V01", " 1", None), ("V01", "01", None), ("V01", "1.0", None),
        ("V01", "5", None), ("V02", "1", 1.0), ("V02", "2", None), ("V02", "1 ", None),
        ("V26", "12.5", 12.5), ("V26", "100", 100.0), ("V26", "100.5", None),
        ("V26", " 50", None), ("V26", "1e1", None), ("V26", "-5", None), ("V26", "nan", None),
        ("V26", "inf", None), ("V26", "1_0", None), ("V26", "12,5", None), ("V26", ".5", None),
        ("V28", "12", 12.0), ("V28", "²", None), ("V28", "１２", None), ("V28", "+3", None),
        ("V28", "2.0", None), ("V28", "٣", None),
    ],
)  # fmt: skip
def test_one_exact_rule_per_question_type(column, text, value, codebooks):
    from toeleiding.validate import parse_value

    assert parse_value(codebooks[2018][column], text) == value


@pytest.mark.parametrize("text", ["²", "１２", "٣"])
def test_other_digits_in_a_count_are_a_problem_not_a_crash(good, codebooks, tmp_path, text):
    """str.isdigit() accepts them, int() and pd.to_numeric do not: clean used to crash."""
    _edit(good, lambda df: df.assign(V28=df["V28"].where(df["V28"] == "", text)))
    with pytest.raises(ValidationError) as err:
        clean_file(good, codebooks[2018], tmp_path / "out.parquet")
    assert {p.column for p in err.value.problems} == {"V28"}
    assert {p.value for p in err.value.problems} == {text}


def test_low_percentages_are_not_taken_for_fractions(good, codebooks):
    """Only a column whose answers are all at most 1, with a fraction among them, is flagged."""

    def corrupt(df):
        filled = df.index[df["V26"] != ""]
        df.loc[filled, "V26"] = "0"
        df.loc[filled[:5], "V26"] = "1"  # whole percentages of 0 and 1: plausible, not flagged
        filled = df.index[df["V15"] != ""]
        df.loc[filled, "V15"] = "0.5"
        df.loc[filled[0], "V15"] = "40"  # one percentage above 1: the column is percentages
        return df

    _edit(good, corrupt)
    assert _problems(good, codebooks[2018]) == []


def test_a_file_cut_inside_its_last_field_is_reported(good, codebooks):
    raw = good.read_bytes()
    good.write_bytes(raw[:-2])  # '...,1\n' becomes '...,': the last answer would look empty
    problems = _problems(good, codebooks[2018])
    assert len(problems) == 1
    p = problems[0]
    assert (p.row, p.column, p.value) == (raw.count(b"\n"), "V35", "")
    assert "truncated last line" in p.expected
    good.write_bytes(raw[:-1])  # complete, only the final newline missing: still required
    assert "truncated last line" in _problems(good, codebooks[2018])[0].expected


def test_blank_lines_are_reported_and_rows_keep_their_line_numbers(good, codebooks):
    _edit(good, lambda df: df.assign(grootteklasse=df["grootteklasse"].mask(df.index == 19, "G5")))
    lines = good.read_bytes().split(b"\n")
    good.write_bytes(b"\n".join(lines[:5] + [b""] + lines[5:]))
    problems = _problems(good, codebooks[2018])
    assert [(p.row, p.column, p.value) for p in problems] == [
        (6, "(file)", "(blank line)"),
        (22, "grootteklasse", "G5"),  # line 21 before the blank line
    ]
