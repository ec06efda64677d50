"""Cleaning: a validated raw export becomes the analysis-ready table of its wave.

Coded answers become labelled categorical columns (ordered for Likert scales), multiple
response becomes one boolean column per option, and columns get their harmonised names so the
same question has the same column in every wave.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .codebook import Codebook
from .io import write_parquet
from .validate import ValidationError, validate_file


def to_clean(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Turn a validated raw export (as text) into the cleaned table.

    Parameters
    ----------
    df
        The raw export as read by `validate.read_export`, without problems: every value
        follows the codebook's rules, so parsing it cannot fail.
    cb
        The wave's codebook.

    Returns
    -------
    pandas.DataFrame
        One row per municipality, sorted by municipality id.
    """
    df = df.reset_index(drop=True)  # the reader's index follows line numbers
    resp, muni, size = cb.id_columns
    out = pd.DataFrame(
        {
            "jaar": pd.array([cb.wave] * len(df), dtype="Int64"),
            "respondent_id": df[resp].astype("string"),
            "gemeente_id": df[muni].astype("string"),
            "grootteklasse": pd.Categorical(df[size], categories=list(cb.size_classes)),
        }
    )
    cols = {}
    for q in cb.questions:
        if q.type in ("single", "likert5"):
            codes = pd.to_numeric(df[q.id]).astype("Int64")
            labels = {o.code: o.label for o in q.options}
            cols[q.harmonised] = pd.Categorical(
                codes.map(labels, na_action="ignore"),
                categories=[o.label for o in q.options],
                ordered=q.type == "likert5",
            )
        elif q.type == "multi":
            for o in q.options:
                v = pd.to_numeric(df[f"{q.id}_{o.code}"]).astype("Int64")
                cols[q.clean_column(o.code)] = v.astype("boolean")
        elif q.type == "estimate":
            cols[q.harmonised] = pd.to_numeric(df[q.id]).astype("Float64")
        elif q.type == "count":
            cols[q.harmonised] = pd.to_numeric(df[q.id]).astype("Int64")
        else:
            cols[q.harmonised] = df[q.id].astype("string")
    out = pd.concat([out, pd.DataFrame(cols, index=df.index)], axis=1)
    return out.sort_values("gemeente_id", kind="stable").reset_index(drop=True)


def clean_file(raw: str | Path, cb: Codebook, out: str | Path) -> pd.DataFrame:
    """Validate a raw export and write its cleaned table (atomically).

    Parameters
    ----------
    raw
        The raw export (canonical CSV).
    cb
        The wave's codebook.
    out
        The Parquet file to write.

    Returns
    -------
    pandas.DataFrame
        The cleaned table.

    Raises
    ------
    ValidationError
        With every problem found; nothing is written then.
    """
    df, problems = validate_file(raw, cb)
    if problems:
        raise ValidationError(problems)
    clean = to_clean(df, cb)
    write_parquet(clean, out)
    return clean
