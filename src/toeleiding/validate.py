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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .codebook import Codebook, Question

HEADER_LINE = 1


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

    Returns the table (every cell a string, empty cells as missing) or the problems that make
    it unreadable: an empty file, a byte order mark, another encoding or delimiter, duplicate
    column names, rows with too few or too many fields, a header without rows.
    """
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, 1, FILE, None, f"a readable file ({exc.strerror})")]
    if not raw.strip():
        return None, [
            Problem(name, 1, FILE, "(empty file)", "a header line and one row per municipality")
        ]
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
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    for fields in reader:
        rows.append((reader.line_num, fields))
    header = rows[0][1]
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
    problems = []
    for col in sorted({c for c in header if header.count(c) > 1}):
        problems.append(Problem(name, 1, col, col, "a column name that occurs only once"))
    if len(rows) == 1:
        problems.append(Problem(name, 2, FILE, "(no rows)", "one row per municipality"))
    for line_no, fields in rows[1:]:
        if len(fields) != len(header):
            at = min(len(fields), len(header) - 1)
            problems.append(
                Problem(
                    name, line_no, header[at], f"{len(fields)} fields",
                    f"{len(header)} fields, as in the header (a truncated line, a blank line, "
                    "or a decimal comma in an unquoted number?)",
                )
            )  # fmt: skip
    if problems:
        return None, problems
    df = pd.DataFrame([f for _, f in rows[1:]], columns=header, dtype="string")
    df = df.replace("", pd.NA)
    # Row numbers in messages are line numbers; they differ from index + 2 only when a
    # quoted field spans lines, which the exports here never do.
    return df, []


def _codes_check(q: Question) -> pa.Check:
    allowed = {str(c) for c in q.codes}
    return pa.Check(
        lambda v: v in allowed, element_wise=True, error=f"one of the codes {sorted(q.codes)}"
    )


def _number(v: str) -> float | None:
    try:
        x = float(v)
    except ValueError:
        return None
    return x if np.isfinite(x) else None


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
        if q.type in ("single", "likert5"):
            cols[q.id] = pa.Column("string", _codes_check(q), nullable=True)
        elif q.type == "multi":
            check = pa.Check(lambda v: v in ("0", "1"), element_wise=True, error="0 or 1")
            for c in q.columns:
                cols[c] = pa.Column("string", check, nullable=True)
        elif q.type == "estimate":
            check = pa.Check(
                lambda v: (x := _number(v)) is not None and 0 <= x <= 100,
                element_wise=True,
                error="a percentage from 0 to 100 (with a decimal point, not a comma)",
            )
            cols[q.id] = pa.Column("string", check, nullable=True)
        elif q.type == "count":
            check = pa.Check(
                lambda v: v.isdigit(), element_wise=True, error="a whole number of 0 or more"
            )
            cols[q.id] = pa.Column("string", check, nullable=True)
        else:
            cols[q.id] = pa.Column("string", nullable=True)
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
    """Numeric value per column where the cell passed the column rules, else NaN.

    An invalid parent answer is thus 'unknown' for routing, so one wrong code is reported once
    and not again for every follow-up question.
    """
    out = {}
    for q in cb.questions:
        if q.type == "open_text":
            continue
        for c in q.columns:
            if c not in df:
                continue
            v = pd.to_numeric(df[c], errors="coerce").astype(float)
            if q.type in ("single", "likert5"):
                v = v.where(v.isin(q.codes))
            elif q.type == "multi":
                v = v.where(v.isin((0, 1)))
            out[c] = v
    return out


def _cross_problems(df: pd.DataFrame, cb: Codebook, name: str) -> list[Problem]:
    vals = _parsed(df, cb)
    present = set(df.columns)
    problems: list[Problem] = []
    asked: dict[str, pd.Series] = {}
    for q in cb.questions:
        if not set(q.columns) <= present:
            continue
        answered = df[list(q.columns)].notna()
        any_answer = answered.any(axis=1)
        if q.routing is None:
            asked[q.id] = pd.Series(True, index=df.index)
        else:
            parent = cb[q.routing.question]
            if parent.id not in asked:
                continue  # the parent column itself is missing: reported already
            if q.routing.option is not None:
                pv = vals.get(f"{parent.id}_{q.routing.option}")
                cond = pv == 1
                known = pv.notna() | ~asked[parent.id]
            else:
                pv = vals.get(parent.id)
                cond = pv.isin(q.routing.codes)
                known = pv.notna() | df[parent.id].isna()
            asked[q.id] = asked[parent.id] & cond
            cond_text = q.routing.describe()
            for i in df.index[known & ~asked[q.id] & any_answer]:
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
                for i in df.index[known & asked[q.id] & ~any_answer]:
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
    problems += _schema_problems(df, cb, name)
    problems += _cross_problems(df, cb, name)
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def validate_file(path: str | Path, cb: Codebook) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate a raw export; return the text table and all problems found."""
    df, problems = read_export(path)
    if df is None:
        return None, problems
    return df, validate_frame(df, cb, str(path))
