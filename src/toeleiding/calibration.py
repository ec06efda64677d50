"""Calibration targets: the published figures of a wave as data, and the check against them.

The calibration file is an input of the ``synthesize`` stage only. The check in this module
recomputes every target from a cleaned table, so the test suite can prove that the cleaned data
reproduce the published figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from . import tables
from .codebook import Codebook, Question
from .errors import CalibrationError
from .rounding import count_interval, percent_half_up, ratio_half_up, sum_interval


@dataclass(frozen=True)
class Target:
    """One checkable statement about a wave's cleaned data.

    kind is one of ``n`` (number of valid answers), ``percent`` (share of the valid answers
    with one of ``codes``), ``count`` (number of municipalities with one of ``codes``),
    ``mean_answers`` (mean number of ticked options), ``mean`` (mean of an estimate),
    ``mean_sum`` (mean of the sum of several estimates per municipality, e.g. the 28 % that
    left welfare in total; ``question`` joins their ids with ``+``), ``range_percent``
    (share of the eligible municipalities whose count lies in ``codes`` = (lo, hi)), ``max``
    and ``mode`` (of a count).
    """

    question: str
    kind: str
    value: float
    codes: tuple[int, ...] = ()
    decimals: int = 0
    published: bool = True
    note: str = ""

    def describe(self) -> str:
        """Return the target in words."""
        what = f"{self.question} {self.kind}"
        if self.codes:
            what += f" {list(self.codes)}"
        return f"{what} = {self.value}"


def load_calibration(path: str | Path) -> dict:
    """Read a calibration file (``data/calibration/<year>.yaml``)."""
    with Path(path).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def targets(calibration: dict) -> list[Target]:
    """List every target of a calibration file, published and assumed."""
    out: list[Target] = []
    for qid, spec in calibration["questions"].items():
        spec = spec or {}
        if "n" in spec:
            out.append(Target(qid, "n", spec["n"]))
        for key, published in (("percent", True), ("assumed_percent", False)):
            for code, value in (spec.get(key) or {}).items():
                out.append(Target(qid, "percent", value, (int(code),), published=published))
        for g in spec.get("groups") or ():
            out.append(Target(qid, "percent", g["value"], tuple(g["codes"])))
        for c in spec.get("counts") or ():
            out.append(Target(qid, "count", c["value"], tuple(c["codes"]), note=c.get("note", "")))
        if "mean_answers" in spec:
            m = spec["mean_answers"]
            out.append(Target(qid, "mean_answers", m["value"], decimals=m["decimals"]))
        if "mean" in spec:
            m = spec["mean"]
            out.append(Target(qid, "mean", m["value"], decimals=m["decimals"]))
        for r in spec.get("range_percent") or ():
            out.append(Target(qid, "range_percent", r["value"], (r["lo"], r["hi"])))
        for key in ("max", "mode"):
            if key in spec:
                out.append(Target(qid, key, spec[key]))
    for total in calibration.get("totals") or ():
        m = total["mean"]
        out.append(
            Target(
                "+".join(total["questions"]),
                "mean_sum",
                m["value"],
                decimals=m["decimals"],
                note=total.get("note", ""),
            )
        )
    return out


# --- Solving for whole counts ----------------------------------------------------------------


def _milp(
    names: list, n_vars_bounds: list[tuple[int, int]], rows: list, ideal: list[float]
) -> np.ndarray:
    """Minimise the distance to ``ideal`` over whole counts subject to linear ``rows``.

    ``rows`` holds (coefficients over the count variables, lo, hi). Absolute deviations are
    linearised with one extra variable per count.
    """
    k = len(names)
    a_rows, lo_rows, hi_rows = [], [], []
    for coef, lo, hi in rows:
        a_rows.append(list(coef) + [0.0] * k)
        lo_rows.append(lo)
        hi_rows.append(hi)
    for i in range(k):  # d_i >= x_i - ideal_i and d_i >= ideal_i - x_i
        e = [0.0] * (2 * k)
        e[i], e[k + i] = 1.0, -1.0
        a_rows.append(e)
        lo_rows.append(-np.inf)
        hi_rows.append(ideal[i])
        e = [0.0] * (2 * k)
        e[i], e[k + i] = -1.0, -1.0
        a_rows.append(e)
        lo_rows.append(-np.inf)
        hi_rows.append(-ideal[i])
    c = np.r_[np.zeros(k), np.ones(k)]
    lb = [b[0] for b in n_vars_bounds] + [0] * k
    ub = [b[1] for b in n_vars_bounds] + [np.inf] * k
    res = milp(
        c,
        constraints=LinearConstraint(np.array(a_rows), lo_rows, hi_rows),
        integrality=np.r_[np.ones(k), np.zeros(k)],
        bounds=Bounds(lb, ub),
    )
    if not res.success:
        raise CalibrationError(f"no whole counts meet all targets of {names[0].split(':')[0]}")
    return np.rint(res.x[:k]).astype(int)


def _ideal(q: Question, spec: dict, n: int) -> dict[int, float]:
    pct = {int(k): v for k, v in (spec.get("percent") or {}).items()}
    pct.update({int(k): v for k, v in (spec.get("assumed_percent") or {}).items()})
    return {c: pct.get(c, 0.0) * n / 100 for c in q.codes}


def solve_single(q: Question, spec: dict) -> dict[int, int]:
    """Return the number of municipalities per answer code of a single-choice question.

    The counts sum to n, reproduce every percentage (rounded half up), group percentage and
    exact count of the calibration file, and stay as close as possible to the printed shares.
    """
    n = int(spec["n"])
    codes = list(q.codes)
    ideal = _ideal(q, spec, n)
    rows = [([1.0] * len(codes), n, n)]
    for t in targets({"questions": {q.id: spec}}):
        coef = [1.0 if c in t.codes else 0.0 for c in codes]
        if t.kind == "percent":
            lo, hi = count_interval(int(t.value), n)
            rows.append((coef, lo, hi))
        elif t.kind == "count":
            rows.append((coef, t.value, t.value))
    x = _milp([f"{q.id}:{c}" for c in codes], [(0, n)] * len(codes), rows, list(ideal.values()))
    return dict(zip(codes, (int(v) for v in x), strict=True))


def solve_multi(q: Question, spec: dict) -> dict[int, int]:
    """Return the number of municipalities ticking each option of a multiple-response question.

    Besides the per-option percentages, the counts respect the printed mean number of answers,
    the maximum number of answers and exclusive options (such as 'geen aanbod'), so that a
    0/1 matrix with these column sums exists.
    """
    n = int(spec["n"])
    codes = list(q.codes)
    ideal = _ideal(q, spec, n)
    max_answers = q.max_answers or len(codes)
    min_answers = int(spec.get("min_answers", 1))
    excl = [1.0 if c in q.exclusive else 0.0 for c in codes]
    nonexcl = [1.0 - e for e in excl]
    rows = []
    for t in targets({"questions": {q.id: spec}}):
        if t.kind == "percent":
            lo, hi = count_interval(int(t.value), n)
            rows.append(([1.0 if c in t.codes else 0.0 for c in codes], lo, hi))
        elif t.kind == "mean_answers":
            lo, hi = sum_interval(t.value, n, t.decimals)
            rows.append(([1.0] * len(codes), lo, hi))
    for i, c in enumerate(codes):
        if c not in q.exclusive and q.exclusive:
            coef = list(excl)
            coef[i] += 1.0
            rows.append((coef, 0, n))  # an option can only be ticked outside the exclusive rows
    rows.append(
        ([ne + max_answers * e for ne, e in zip(nonexcl, excl, strict=True)], 0, n * max_answers)
    )
    rows.append(
        (
            [ne + min_answers * e for ne, e in zip(nonexcl, excl, strict=True)],
            n * min_answers,
            np.inf,
        )
    )
    if q.exclusive:
        rows.append((excl, 0, n))
    x = _milp([f"{q.id}:{c}" for c in codes], [(0, n)] * len(codes), rows, list(ideal.values()))
    return dict(zip(codes, (int(v) for v in x), strict=True))


# --- Checking cleaned data against the targets -------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A target beside the value recomputed from the data."""

    target: Target
    actual: float
    ok: bool


def _labels(q: Question, codes: tuple[int, ...]) -> list[str]:
    return [q.option(c).label for c in codes]


def _answered_multi(df: pd.DataFrame, q: Question) -> pd.DataFrame:
    block = df[list(q.clean_columns)]
    return block[block.notna().all(axis=1)].astype(bool)


def eligible_mask(df: pd.DataFrame, cb: Codebook, q: Question) -> pd.Series:
    """Return which municipalities were asked question ``q`` (its routing), from cleaned data."""
    if q.routing is None:
        return pd.Series(True, index=df.index)
    parent = cb[q.routing.question]
    mask = eligible_mask(df, cb, parent)
    if q.routing.option is not None:
        col = df[parent.clean_column(q.routing.option)]
        return mask & col.fillna(False).astype(bool)
    labels = _labels(parent, q.routing.codes)
    return mask & df[parent.clean_column()].isin(labels)


def evaluate(target: Target, df: pd.DataFrame, cb: Codebook) -> Outcome:
    """Recompute one target from a cleaned table and compare it with the printed value."""
    if target.kind == "mean_sum":
        parts = [cb[qid].clean_column() for qid in target.question.split("+")]
        both = df[parts].dropna().astype(float)  # municipalities that answered every part
        total = both.to_numpy().sum()
        total = int(total) if float(total).is_integer() else float(total)
        actual = ratio_half_up(total, len(both), target.decimals) if len(both) else np.nan
        return Outcome(target, actual, bool(actual == target.value))
    q = cb[target.question]
    if q.type == "multi":
        answered = _answered_multi(df, q)
        n = len(answered)
    else:
        col = df[q.clean_column()]
        valid = col.dropna()
        n = len(valid)
    kind = target.kind
    if kind == "n":
        actual = n
        ok = actual == target.value
    elif kind in ("percent", "count"):
        if q.type == "multi":
            k = int(answered[[q.clean_column(c) for c in target.codes]].any(axis=1).sum())
        else:
            k = int(valid.isin(_labels(q, target.codes)).sum())
        if kind == "count":
            actual, ok = k, k == target.value
        else:
            actual = percent_half_up(k, n)
            ok = actual == target.value
    elif kind == "mean_answers":
        actual = ratio_half_up(int(answered.to_numpy().sum()), n, target.decimals)
        ok = actual == target.value
    elif kind == "mean":
        actual = tables.printed_mean(df, q, target.decimals)[0]
        ok = actual == target.value
    elif kind == "range_percent":
        lo, hi = target.codes
        base = int(eligible_mask(df, cb, q).sum())
        k = int(valid.between(lo, hi).sum())
        actual = percent_half_up(k, base)
        ok = actual == target.value
    elif kind == "max":
        actual = float(valid.max())
        ok = actual == target.value
    elif kind == "mode":
        counts = valid.value_counts()
        actual = float(counts.index[0]) if counts.iloc[0] > counts.iloc[1:].max() else np.nan
        ok = actual == target.value
    else:  # pragma: no cover - targets() only makes the kinds above
        raise CalibrationError(f"unknown target kind {kind}")
    return Outcome(target, actual, bool(ok))


def check(df: pd.DataFrame, cb: Codebook, calibration: dict) -> list[Outcome]:
    """Recompute every calibration target of a wave from its cleaned table."""
    return [evaluate(t, df, cb) for t in targets(calibration)]
