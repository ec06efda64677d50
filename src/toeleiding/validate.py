"""Validation of a raw export against its wave's codebook.

Every problem is reported at once, each with the file, the row (the line number in the file,
the header being line 1), the column, the value found and what was expected. Column-level
rules (codes, ranges, identifiers, missing and extra columns) are a pandera schema built from
the codebook; rules across columns (routing, multiple response, sums) follow it.
"""

from __future__ import annotations

import csv
import warnings
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


def read_export(path: str | Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a raw CSV export as text, without interpreting any value.

    Returns the table (every cell a string, empty cells as missing) or the problems that made
    it unreadable.
    """
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, None, None, None, f"a readable file ({exc.strerror})")]
    if not raw.strip():
        return None, [Problem(name, None, None, None, "a header line and one row per municipality")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(name, line, None, repr(raw[exc.start : exc.start + 1])[2:-1], "UTF-8 text")
        ]
    lines = text.splitlines()
    header = next(csv.reader([lines[0]]))
    problems = []
    for i, line in enumerate(lines[1:], start=2):
        fields = next(csv.reader([line])) if line else []
        if len(fields) != len(header):
            problems.append(
                Problem(
                    name, i, None, f"{len(fields)} fields", f"{len(header)} fields, as the header"
                )
            )
    if problems:
        return None, problems
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = pd.read_csv(
            path, dtype="string", keep_default_na=False, na_values=[""], encoding="utf-8"
        )
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
                error="a percentage from 0 to 100",
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


def validate_frame(df: pd.DataFrame, cb: Codebook, name: str) -> list[Problem]:
    """Return every problem of a raw export already read as text."""
    problems = _schema_problems(df, cb, name)
    problems += _cross_problems(df, cb, name)
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def validate_file(path: str | Path, cb: Codebook) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate a raw export; return the text table and all problems found."""
    df, problems = read_export(path)
    if df is None:
        return None, problems
    return df, validate_frame(df, cb, str(path))
