"""Tidy tables behind the figures: shares over the right base, multiple response, means.

Every function takes a cleaned wave and a codebook question and returns a DataFrame with one
row per category: ``vraag`` (harmonised question name), ``optie`` (option key(s)),
``categorie`` (Dutch label), ``aantal`` (municipalities), ``basis_n`` (valid answers),
``waarde`` (exact percentage or mean), ``waarde_afgerond`` (as the report prints it) and
``eenheid``.
"""

from __future__ import annotations

import pandas as pd

from .codebook import Question
from .rounding import percent_half_up, ratio_half_up

COLUMNS = [
    "vraag",
    "optie",
    "categorie",
    "aantal",
    "basis_n",
    "waarde",
    "waarde_afgerond",
    "eenheid",
]

# Five-point answers as the report groups them, per scale: group label -> option keys. A
# question uses the scale whose keys its options have.
LIKERT_GROUPS = (
    {
        "(Helemaal) eens": ("eens", "helemaal_eens"),
        "Neutraal": ("neutraal",),
        "(Helemaal) oneens": ("oneens", "helemaal_oneens"),
    },
    {
        "(Ruim) voldoende": ("voldoende", "ruim_voldoende"),
        "Voldoende noch onvoldoende": ("neutraal",),
        "(Ruim) onvoldoende": ("onvoldoende", "ruim_onvoldoende"),
    },
)


def share_rows(
    name: str, keys: list[str], labels: list[str], counts: list[int], n: int
) -> pd.DataFrame:
    """Rows of shares: ``counts`` out of ``n`` per option, exact and rounded as printed."""
    rows = [
        {
            "vraag": name,
            "optie": key,
            "categorie": label,
            "aantal": k,
            "basis_n": n,
            "waarde": 100 * k / n,
            "waarde_afgerond": percent_half_up(k, n),
            "eenheid": "%",
        }
        for key, label, k in zip(keys, labels, counts, strict=True)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def answered(df: pd.DataFrame, q: Question) -> pd.Series:
    """Return which municipalities gave a valid answer to ``q`` (the base n)."""
    if q.type == "multi":
        return df[list(q.clean_columns)].notna().all(axis=1)
    return df[q.clean_column()].notna()


def single_shares(df: pd.DataFrame, q: Question) -> pd.DataFrame:
    """Share of the valid answers per option, in codebook order."""
    col = df[q.clean_column()]
    valid = col.dropna()
    n = len(valid)
    labels = [o.label for o in q.options]
    counts = [int((valid == label).sum()) for label in labels]
    return share_rows(q.harmonised, [o.key for o in q.options], labels, counts, n)


def likert_group_shares(df: pd.DataFrame, q: Question) -> pd.DataFrame:
    """Shares of a Likert question grouped as in the report: agree, neutral, disagree.

    The group labels follow the question's scale: "(helemaal) eens" for agreement,
    "(ruim) voldoende" for sufficiency.
    """
    valid = df[q.clean_column()].dropna()
    n = len(valid)
    keys_of_q = {o.key for o in q.options}
    scale = max(LIKERT_GROUPS, key=lambda g: len(keys_of_q & {k for ks in g.values() for k in ks}))
    labels, counts, optkeys = [], [], []
    for group, keys in scale.items():
        members = [o for o in q.options if o.key in keys]
        if members:
            labels.append(group)
            optkeys.append("+".join(o.key for o in members))
            counts.append(int(valid.isin([o.label for o in members]).sum()))
    return share_rows(q.harmonised, optkeys, labels, counts, n)


def multi_shares(df: pd.DataFrame, q: Question, sort: bool = True) -> pd.DataFrame:
    """Share of the answering municipalities that ticked each option.

    With ``sort``, options are ordered from most to least ticked, as in the report's tables;
    ties keep the codebook order.
    """
    ok = answered(df, q)
    block = df.loc[ok, list(q.clean_columns)].astype(bool)
    n = int(ok.sum())
    labels = [o.label for o in q.options]
    counts = [int(block[c].sum()) for c in q.clean_columns]
    out = share_rows(q.harmonised, [o.key for o in q.options], labels, counts, n)
    if sort:
        out = out.sort_values("aantal", ascending=False, kind="stable").reset_index(drop=True)
    return out


def mean_answers(df: pd.DataFrame, q: Question, decimals: int = 1) -> tuple[float, float, int]:
    """Return the exact and the printed mean number of ticked options, and the base n."""
    ok = answered(df, q)
    block = df.loc[ok, list(q.clean_columns)].astype(bool)
    n = int(ok.sum())
    total = int(block.to_numpy().sum())
    return total / n, ratio_half_up(total, n, decimals), n


def printed_mean(df: pd.DataFrame, q: Question, decimals: int = 0) -> tuple[float, int]:
    """Mean of an estimate over its valid answers, rounded as printed, and its base n."""
    valid = df[q.clean_column()].dropna().astype(float)
    total = valid.sum()
    # Whole-number estimates sum to a whole number: round it in exact integer arithmetic.
    total = int(total) if float(total).is_integer() else float(total)
    return ratio_half_up(total, len(valid), decimals), len(valid)


def estimate_means(df: pd.DataFrame, questions: list[Question], labels: list[str]) -> pd.DataFrame:
    """Mean of percentage estimates (each over its own valid answers)."""
    rows = []
    for q, label in zip(questions, labels, strict=True):
        printed, n = printed_mean(df, q)
        rows.append(
            {
                "vraag": q.harmonised,
                "optie": "gemiddelde",
                "categorie": label,
                "aantal": pd.NA,
                "basis_n": n,
                "waarde": float(df[q.clean_column()].astype(float).mean()),
                "waarde_afgerond": printed,
                "eenheid": "gemiddelde %",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def option_hit(df: pd.DataFrame, q: Question, keys) -> pd.Series:
    """Whether each municipality gave one of the options ``keys`` (False where it did not)."""
    if q.type == "multi":
        cols = [q.clean_column(o.code) for o in q.options if o.key in keys]
        return df[cols].fillna(False).astype(bool).any(axis=1)
    return df[q.clean_column()].isin([o.label for o in q.options if o.key in keys])


def option_share(df: pd.DataFrame, q: Question, keys: list[str]) -> tuple[int, int]:
    """Return (municipalities with one of the options ``keys``, base n) for one question."""
    ok = answered(df, q)
    return int((option_hit(df, q, keys) & ok).sum()), int(ok.sum())
