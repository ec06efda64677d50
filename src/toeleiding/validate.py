"""Validation of a raw export against its wave's codebook.

Every problem is reported at once, each with the file, the row (the line number in the file,
the header being line 1), the column, the value found and what was expected. Column-level
rules (codes, ranges, identifiers, missing and extra columns) are a pandera schema built from
the codebook; rules across columns (routing, multiple response, sums) follow it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .codebook import Codebook, Question
from .io import InputError, not_text, read_input

HEADER_LINE = 1
# The widest export read: a survey has a few hundred columns (one per question or option).
MAX_COLUMNS = 5000


@dataclass(frozen=True)
class Problem:
    """One reason why a raw export cannot be cleaned."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row if self.row is not None else '-'}"
        col = f"column {self.column}" if self.column else "column -"
        val = "(empty)" if self.value is None else repr(self.value)
        return f"{where}, {col}: found {val}; expected {self.expected}"


class ValidationError(Exception):
    """A raw export has problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(map(str, problems)))


def _line(index: int) -> int:
    return int(index) + HEADER_LINE + 1


FILE = "(file)"
HEADER = "(header)"


def _bad_byte_column(raw: bytes, pos: int, header: list[str]) -> tuple[int, str, str]:
    """Line, column name and field text around an undecodable byte at ``pos``."""
    line_no = raw[:pos].count(b"\n") + 1
    start = raw.rfind(b"\n", 0, pos) + 1
    end = raw.find(b"\n", pos)
    line = raw[start : end if end != -1 else len(raw)].decode("latin-1")
    offset = pos - start
    fields = next(csv.reader([line]), [])
    col, seen = HEADER, 0
    for i, field in enumerate(fields):
        seen += len(field) + 1
        if offset < seen:
            col = header[i] if i < len(header) and line_no > 1 else HEADER
            return line_no, col, field
    return line_no, col, line


def read_export(path: str | Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a raw CSV export (UTF-8, comma-separated) as text, without interpreting values.

    Parameters
    ----------
    path
        The raw file, in the canonical form the pipeline writes: UTF-8 without a byte order
        mark, comma-separated, every line (the last one included) ending in a newline.

    Returns
    -------
    tuple
        The table (every cell a string, empty cells as missing) and the problems of reading
        it (blank lines, see `read_rows`), or ``None`` and the problems that make it
        unreadable: a missing or empty file, a byte order mark, another encoding or
        delimiter, duplicate column names, rows with too few or too many fields, a truncated
        last line. A header without rows is read as a table without rows (`validate_frame`
        reports it).
    """
    path = Path(path)
    name = str(path)
    try:
        raw = read_input(path)
    except InputError as exc:
        return None, [Problem(name, exc.line, FILE, exc.found, exc.expected)]
    if not raw.strip():
        return None, [
            Problem(name, 1, FILE, "(empty file)", "a header line and one row per municipality")
        ]
    binary = not_text(raw)
    if binary is not None:
        return None, [Problem(name, binary.line, FILE, binary.found, binary.expected)]
    try:
        return _read_text(raw, name)
    except csv.Error as exc:  # the reader's own limits, e.g. a field over its size limit
        return None, [Problem(name, 1, FILE, f"csv.Error: {exc}", "comma-separated text")]


def _read_text(raw: bytes, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """`read_export` after the file was read and found to be text."""
    if raw.startswith(codecs.BOM_UTF8):
        return None, [
            Problem(
                name, 1, HEADER, "UTF-8 byte order mark",
                "UTF-8 without a byte order mark (use `toeleiding add-export` for other exports)",
            )
        ]  # fmt: skip
    header = next(csv.reader([raw.split(b"\n", 1)[0].decode("latin-1")]), [])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col, field = _bad_byte_column(raw, exc.start, header)
        return None, [
            Problem(
                name, line, col, field,
                "UTF-8 text (the file looks like Latin-1/Windows-1252: convert it, or use "
                "`toeleiding add-export` with encoding: latin-1)",
            )
        ]  # fmt: skip
    header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]), [])
    if len(header) == 1:
        sep = next((d for d in (";", "\t", "|") if d in header[0]), None)
        if sep is not None:
            shown = "tab" if sep == "\t" else repr(sep)
            return None, [
                Problem(
                    name, 1, HEADER, header[0][:60],
                    f"comma-separated columns (this file is separated by {shown}; use "
                    "`toeleiding add-export` with that delimiter)",
                )
            ]  # fmt: skip
    df, problems = read_rows(text, name)
    if not text.endswith("\n"):
        # The canonical writer ends every line, the last one included, with a newline: a file
        # without one was cut short, possibly inside its last field (which would look empty).
        last_line = text.count("\n") + 1
        fields = next(csv.reader([text.rsplit("\n", 1)[-1]]), [""])
        col = header[min(len(fields), len(header)) - 1] if header else HEADER
        df, problems = None, [p for p in problems if p.row != last_line]
        problems.append(
            Problem(
                name, last_line, col, fields[-1],
                "a line ending in a newline (truncated last line: the file was cut short, "
                "maybe inside this field; export it again)",
            )
        )  # fmt: skip
    return df, problems


def read_rows(
    text: str, name: str, delimiter: str = ","
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Split CSV text into a table of strings, one row per line after the header.

    Parameters
    ----------
    text
        The decoded file.
    name
        The file name used in problems.
    delimiter
        The field separator.

    Returns
    -------
    tuple
        The table (every cell a string, empty cells as missing; the index is such that
        ``index + 2`` is the line a row starts on) and the problems found. A blank line is
        a problem, but the rows around it are still read (so their problems are listed too,
        with their own line numbers). With duplicate column names or rows with too few or
        too many fields there is no table (``None``).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:  # e.g. a field longer than the reader's limit, a stray NUL
        return None, [
            Problem(name, start, FILE, f"csv.Error: {exc}",
                    "comma-separated text with one row per municipality (is this a CSV "
                    "export?)")
        ]  # fmt: skip
    if not rows:
        return None, [Problem(name, HEADER_LINE, HEADER, "(no lines)", "the column names")]
    header = rows[0][1]
    if not header:
        return None, [Problem(name, HEADER_LINE, HEADER, "(blank line)", "the column names")]
    if len(header) > MAX_COLUMNS:  # no survey; and a table this wide takes minutes to build
        return None, [Problem(name, HEADER_LINE, HEADER, f"{len(header)} columns",
                              f"at most {MAX_COLUMNS} columns (a survey export has a few "
                              "hundred): is this the survey's export?")]  # fmt: skip
    problems = [
        Problem(name, HEADER_LINE, col, col, "a column name that occurs only once")
        for col in sorted({c for c in header if header.count(c) > 1})
    ]
    body = [(line_no, fields) for line_no, fields in rows[1:] if fields]
    for line_no, fields in rows[1:]:
        if not fields:
            problems.append(
                Problem(name, line_no, FILE, "(blank line)", "one row per municipality, "
                        "no blank lines (a row lost, or an empty line to remove?)")
            )  # fmt: skip
        elif len(fields) != len(header):
            at = min(len(fields), len(header) - 1)
            problems.append(
                Problem(
                    name, line_no, header[at], f"{len(fields)} fields",
                    f"{len(header)} fields, as in the header (a truncated line, "
                    "or a decimal comma in an unquoted number?)",
                )
            )  # fmt: skip
    if any(p.value != "(blank line)" for p in problems):
        return None, problems
    df = pd.DataFrame(
        [f for _, f in body],
        columns=header,
        index=[line_no - HEADER_LINE - 1 for line_no, _ in body],
        dtype="string",
    )
    return df.replace("", pd.NA), problems


WHOLE = re.compile(r"[0-9]+")  # codes and counts: ASCII digits only, no sign or spaces
DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # estimates: digits with an optional decimal point


def parse_value(q: Question, text: str) -> float | None:
    """Return the number a cell holds under the codebook's rule for its question.

    Parameters
    ----------
    q
        The question the cell belongs to (single, likert5, multi, estimate or count).
    text
        The cell exactly as written in the raw file.

    Returns
    -------
    float or None
        The value, or None when the text breaks the rule (spaces, signs, exponents, other
        digits than 0-9, a code not in the codebook, a percentage above 100). The same rule
        decides validity and the value used for routing, so they cannot disagree.
    """
    if q.type in ("single", "likert5"):
        ok = WHOLE.fullmatch(text) and int(text) in q.codes and text == str(int(text))
    elif q.type == "multi":
        ok = text in ("0", "1")
    elif q.type == "estimate":
        ok = DECIMAL.fullmatch(text) and float(text) <= 100
    elif q.type == "count":
        ok = WHOLE.fullmatch(text)
    else:
        raise ValueError(f"{q.id}: a {q.type} question holds no number")
    return float(text) if ok else None


EXPECTED = {
    "multi": "0 or 1",
    "estimate": "a percentage from 0 to 100 in digits, with a decimal point (not a comma)",
    "count": "a whole number of 0 or more, in digits",
}


def _value_check(q: Question) -> pa.Check:
    error = EXPECTED.get(q.type, f"one of the codes {sorted(q.codes)}")
    return pa.Check(lambda v: parse_value(q, v) is not None, element_wise=True, error=error)


def _schema(cb: Codebook) -> pa.DataFrameSchema:
    resp, muni, size = cb.id_columns
    cols = {
        resp: pa.Column("string", nullable=False),
        muni: pa.Column("string", nullable=False, unique=True),
        size: pa.Column(
            "string",
            pa.Check(
                lambda v: v in cb.size_classes,
                element_wise=True,
                error=f"a size class {list(cb.size_classes)}",
            ),
            nullable=False,
        ),
    }
    for q in cb.questions:
        for c in q.columns:
            check = [] if q.type == "open_text" else [_value_check(q)]
            cols[c] = pa.Column("string", check, nullable=True)
    return pa.DataFrameSchema(cols, strict=True, ordered=False)


def _schema_problems(df: pd.DataFrame, cb: Codebook, name: str) -> list[Problem]:
    try:
        _schema(cb).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        out = []
        for fc in exc.failure_cases.itertuples(index=False):
            check = str(fc.check)
            if check == "column_in_schema":
                out.append(
                    Problem(
                        name,
                        HEADER_LINE,
                        fc.failure_case,
                        fc.failure_case,
                        f"only the columns of the {cb.wave} codebook",
                    )
                )
            elif check == "column_in_dataframe":
                out.append(
                    Problem(
                        name,
                        HEADER_LINE,
                        fc.failure_case,
                        None,
                        f"column {fc.failure_case} (codebook {cb.wave})",
                    )
                )
            elif check == "not_nullable":
                out.append(Problem(name, _line(fc.index), fc.column, None, "a value (not empty)"))
            elif check == "field_uniqueness":
                out.append(
                    Problem(
                        name,
                        _line(fc.index),
                        fc.column,
                        fc.failure_case,
                        "a municipality id that occurs once",
                    )
                )
            elif check.startswith("dtype"):
                out.append(Problem(name, HEADER_LINE, fc.column, None, "text values"))
            else:
                out.append(Problem(name, _line(fc.index), fc.column, fc.failure_case, check))
        return out
    return []


def _parsed(df: pd.DataFrame, cb: Codebook) -> dict[str, pd.Series]:
    """Numeric value per column where the cell passed the column rules, else NaN."""
    out = {}
    for q in cb.questions:
        if q.type == "open_text":
            continue
        for c in q.columns:
            if c in df:
                values = [None if pd.isna(v) else parse_value(q, v) for v in df[c]]
                out[c] = pd.Series(values, index=df.index, dtype=float)
    return out


def _cross_problems(df: pd.DataFrame, cb: Codebook, name: str) -> list[Problem]:
    vals = _parsed(df, cb)
    present = set(df.columns)
    problems: list[Problem] = []
    # Per question: whether it was asked, and whether that is known. An invalid answer is
    # unknown, and so is everything routed below it (children, grandchildren, ...), unless
    # the routing rules a question out anyway: one wrong code is reported once, not again
    # for every follow-up question down the chain.
    asked: dict[str, pd.Series] = {}
    known: dict[str, pd.Series] = {}
    for q in cb.questions:
        if not set(q.columns) <= present:
            continue
        answered = df[list(q.columns)].notna()
        any_answer = answered.any(axis=1)
        if q.routing is None:
            asked[q.id] = known[q.id] = pd.Series(True, index=df.index)
        else:
            parent = q.routing.question
            if parent not in asked:
                continue  # the parent column itself is missing: reported already
            if q.routing.option is not None:
                col = f"{parent}_{q.routing.option}"
                cond = vals[col] == 1
            else:
                col = parent
                cond = vals[col].isin(q.routing.codes)
            usable = vals[col].notna() | df[col].isna()  # a valid or an empty answer
            asked[q.id] = asked[parent] & cond
            known[q.id] = (
                (known[parent] & usable)  # asked exactly when the parent was and matches
                | (known[parent] & ~asked[parent])  # the parent itself was not asked
                | (usable & ~cond)  # the parent's answer rules this question out
            )
            cond_text = q.routing.describe()
            for i in df.index[known[q.id] & ~asked[q.id] & any_answer]:
                col = next(c for c in q.columns if pd.notna(df.at[i, c]))
                problems.append(
                    Problem(
                        name,
                        _line(i),
                        col,
                        df.at[i, col],
                        f"empty: {q.id} is only asked when {cond_text}",
                    )
                )
            if q.required:
                for i in df.index[known[q.id] & asked[q.id] & ~any_answer]:
                    problems.append(
                        Problem(
                            name,
                            _line(i),
                            q.columns[0],
                            None,
                            f"an answer: {q.id} is asked when {cond_text}",
                        )
                    )
        if q.type == "multi":
            partial = any_answer & ~answered.all(axis=1)
            for i in df.index[partial]:
                col = next(c for c in q.columns if pd.isna(df.at[i, c]))
                problems.append(
                    Problem(
                        name,
                        _line(i),
                        col,
                        None,
                        f"0 or 1, as the other options of {q.id} are filled",
                    )
                )
            ticks = pd.concat([vals[c] == 1 for c in q.columns], axis=1).sum(axis=1)
            limit = q.max_answers
            if limit is not None:
                for i in df.index[ticks > limit]:
                    problems.append(
                        Problem(
                            name,
                            _line(i),
                            f"{q.id}_*",
                            f"{int(ticks[i])} answers",
                            f"at most {limit} answers to {q.id}",
                        )
                    )
            for code in q.exclusive:
                col = f"{q.id}_{code}"
                for i in df.index[(vals[col] == 1) & (ticks > 1)]:
                    problems.append(
                        Problem(
                            name,
                            _line(i),
                            col,
                            "1",
                            f"no other option of {q.id} ticked beside option {code}",
                        )
                    )
        if q.type == "estimate":
            problems += _fraction_problems(df, vals[q.id], q, name)
    for chk in cb.checks:
        if chk.type == "max_sum" and all(c in vals for c in chk.questions):
            total = sum(vals[c].fillna(0) for c in chk.questions)
            for i in df.index[total > chk.max]:
                problems.append(
                    Problem(
                        name,
                        _line(i),
                        "+".join(chk.questions),
                        f"{total[i]:g}",
                        f"a sum of at most {chk.max:g}",
                    )
                )
    return problems


def _fraction_problems(df: pd.DataFrame, v: pd.Series, q: Question, name: str) -> list[Problem]:
    """An estimate column written as fractions (Excel percentage cells: 0.13 for 13 %).

    Every answer at most 1 and some strictly between 0 and 1 is reported: percentages that
    low everywhere are implausible, and left alone they would be read a hundred times too small.
    """
    v = v.dropna()
    fractions = v.index[(v > 0) & (v < 1)]
    if len(fractions) == 0 or (v > 1).any():
        return []
    i = fractions[0]
    return [
        Problem(
            name, _line(i), q.id, df.at[i, q.id],
            f"a percentage from 0 to 100: every answer to {q.id} is at most 1, as if written "
            f"as a fraction ({v[i]:g} for {100 * v[i]:g} %, an Excel percentage cell?); "
            "export the numbers as percentages",
        )
    ]  # fmt: skip


def _other_wave(df: pd.DataFrame, cb: Codebook, name: str) -> list[Problem]:
    """Recognise another wave's export by its columns (a file in the wrong wave's place)."""
    if cb.path is None or set(df.columns) == set(cb.columns):
        return []
    from .codebook import load_codebook

    for other_path in sorted(cb.path.parent.glob("*.yaml")):
        if other_path == cb.path:
            continue
        other = load_codebook(other_path)
        if set(df.columns) == set(other.columns):
            return [
                Problem(
                    name, HEADER_LINE, HEADER, f"the columns of the {other.wave} codebook",
                    f"the columns of the {cb.wave} codebook: is this the {other.wave} export "
                    f"in the place of the {cb.wave} one?",
                )
            ]  # fmt: skip
    return []


def validate_frame(df: pd.DataFrame, cb: Codebook, name: str) -> list[Problem]:
    """Return every problem of a raw export already read as text."""
    problems = _other_wave(df, cb, name)
    if problems:
        return problems  # every column would differ: the one useful message is which wave
    # A file far off the codebook's shape is not checked cell by cell (that could take hours):
    # one problem says what it is.
    if len(df.columns) > 2 * len(cb.columns) + 50:
        return [Problem(name, HEADER_LINE, HEADER, f"{len(df.columns)} columns",
                        f"the {len(cb.columns)} columns of codebook {cb.wave}: is this the "
                        "survey's export?")]  # fmt: skip
    total = sum(cb.population.values())
    if len(df) > total:
        return [Problem(name, _line(df.index[total]), FILE, f"{len(df)} rows",
                        f"at most {total} rows, one per municipality in the Netherlands in "
                        f"codebook {cb.wave}")]  # fmt: skip
    if df.empty:
        problems.append(
            Problem(name, HEADER_LINE + 1, FILE, "(no rows)", "one row per municipality")
        )
    problems += _schema_problems(df, cb, name)
    problems += _frame_problems(df, cb, name)
    problems += _cross_problems(df, cb, name)
    return sort_problems(problems)


def _frame_problems(df: pd.DataFrame, cb: Codebook, name: str) -> list[Problem]:
    """More municipalities of a size class than the codebook's population of that class.

    Weights (N/n) and finite-population corrections (1 - n/N) would be meaningless. The
    problem is reported on the row of the first municipality beyond the population.
    """
    size = cb.id_columns[2]
    if size not in df:
        return []
    problems = []
    for code, pop in cb.population.items():
        rows = df.index[df[size] == code]
        if len(rows) > pop:
            problems.append(
                Problem(
                    name, _line(rows[pop]), size, code,
                    f"at most {pop} municipalities of size class {code} (its population in "
                    f"codebook {cb.wave}); the file has {len(rows)}",
                )
            )  # fmt: skip
    return problems


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Return problems in the order of the file: by row, then by column."""
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def validate_file(path: str | Path, cb: Codebook) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate a raw export; return the text table and all problems found."""
    df, problems = read_export(path)
    if df is None:
        return None, problems
    return df, sort_problems(problems + validate_frame(df, cb, str(path)))
