"""Design-based estimates: post-stratification weights, 95 % intervals, tests of claims.

The monitor reports shares of *responding* municipalities, but speaks of all Dutch
municipalities. Here every responding municipality gets a post-stratification weight
``N_h / n_h`` (its size class's number of municipalities over the number that responded), so
estimates are about all municipalities. Their standard errors follow the design:

- strata are the size classes (G4, G40, other), with a finite-population correction
  ``1 - n_h / N_h`` (the G4 all responded, so they add no sampling error);
- the clusters are the respondents: one respondent often answered for several
  municipalities, and their answers are alike. A respondent's municipalities in one stratum
  form one cluster.

A share or mean is a ratio ``sum(w y) / sum(w)`` over the municipalities that answered; its
variance is estimated by Taylor linearisation, the standard method of survey software
(e.g. R's survey package), here in a small, tested function. Intervals for shares are computed
on the logit scale (they stay within 0-100 %), for means symmetric; both use a t quantile with
(clusters - strata) degrees of freedom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# scipy.special rather than scipy.stats: the same distributions, a third of the import time,
# which every notebook kernel pays.
from scipy.special import ndtr, ndtri, stdtr, stdtrit

CONFIDENCE = 0.95
ALPHA = 0.05


@dataclass(frozen=True)
class Design:
    """Weights, strata and clusters of one wave's responding municipalities."""

    weight: pd.Series
    stratum: pd.Series
    cluster: pd.Series
    fpc: pd.Series  # 1 - n_h / N_h per municipality

    @property
    def df(self) -> int:
        """Degrees of freedom: number of clusters minus number of strata."""
        clusters = pd.MultiIndex.from_arrays([self.stratum, self.cluster]).nunique()
        return max(1, clusters - self.stratum.nunique())


def design(df: pd.DataFrame, population: dict[str, int]) -> Design:
    """Post-stratification weights by size class and the clustered, stratified design.

    Parameters
    ----------
    df
        A cleaned wave (``grootteklasse`` and ``respondent_id`` columns).
    population
        Municipalities in the Netherlands per size class that year (the codebook's frame).
    """
    stratum = df["grootteklasse"].astype(str)
    n_h = stratum.value_counts()
    missing = set(n_h.index) - set(population)
    if missing:
        raise ValueError(f"no population count for size class {sorted(missing)}")
    big_n = stratum.map(population).astype(float)
    weight = big_n / stratum.map(n_h).astype(float)
    fpc = 1.0 - stratum.map(n_h).astype(float) / big_n
    return Design(weight, stratum, df["respondent_id"].astype(str), fpc.clip(lower=0.0))


@dataclass(frozen=True)
class Estimate:
    """A weighted estimate with its standard error and 95 % interval."""

    value: float
    se: float
    low: float
    high: float
    n: int
    df: int


def _linearised_variance(d: Design, z: pd.Series) -> float:
    """Variance of a total of the linearised values ``z`` under the stratified cluster design."""
    frame = pd.DataFrame({"h": d.stratum, "c": d.cluster, "z": z, "f": d.fpc})
    var = 0.0
    for _, stratum in frame.groupby("h", sort=True):
        totals = stratum.groupby("c", sort=True)["z"].sum()
        m = len(totals)
        if m < 2:
            continue  # a stratum with one cluster (e.g. a census of it) adds nothing here
        fpc = float(stratum["f"].iloc[0])
        var += fpc * m / (m - 1) * float(((totals - totals.mean()) ** 2).sum())
    return var


def ratio(d: Design, y: pd.Series, proportion: bool) -> Estimate:
    """Weighted mean (or share, for 0/1 ``y``) over the units where ``y`` is not missing."""
    ok = y.notna()
    if not ok.any():
        raise ValueError("no answers to estimate from")
    w, yy = d.weight[ok], y[ok].astype(float)
    total_w = float(w.sum())
    value = float((w * yy).sum() / total_w)
    # Units that did not answer stay in the design with z = 0 (domain estimation), so every
    # cluster and stratum keeps counting in the variance.
    z = pd.Series(0.0, index=y.index)
    z[ok] = w * (yy - value) / total_w
    se = math.sqrt(_linearised_variance(d, z))
    dof = d.df
    t = _t(dof)
    if proportion and 0.0 < value < 1.0 and se > 0:
        logit = math.log(value / (1 - value))
        half = t * se / (value * (1 - value))
        low, high = (1 / (1 + math.exp(-(logit + s * half))) for s in (-1, 1))
    elif proportion and se == 0 and int(ok.sum()) > 0 and value in (0.0, 1.0):
        # No variation at all: the 'rule of three' style exact bound for n answers.
        bound = 1 - (ALPHA / 2) ** (1 / int(ok.sum()))
        low, high = (0.0, bound) if value == 0.0 else (1 - bound, 1.0)
    else:
        low, high = value - t * se, value + t * se
    return Estimate(value, se, low, high, int(ok.sum()), dof)


def share(d: Design, answered: pd.Series, hit: pd.Series) -> Estimate:
    """Weighted share of ``hit`` among the municipalities that ``answered``."""
    y = hit.astype(float).where(answered)
    return ratio(d, y, proportion=True)


@dataclass(frozen=True)
class Test:
    """The result of a test of a claim, with its verdict in the claimed direction."""

    name: str
    estimate: float  # difference (second minus first, or group minus rest)
    se: float
    statistic: float
    p_value: float
    df: int | None
    supported: bool

    @property
    def low(self) -> float:
        """Lower end of the 95 % interval of the difference."""
        return self.estimate - _t(self.df) * self.se

    @property
    def high(self) -> float:
        """Upper end of the 95 % interval of the difference."""
        return self.estimate + _t(self.df) * self.se


def _t(dof: int | None) -> float:
    """The two-sided 95 % quantile of the t (or, without degrees of freedom, normal) law."""
    if dof is None:
        return float(ndtri(1 - ALPHA / 2))
    return float(stdtrit(dof, 1 - ALPHA / 2))


def _two_sided(stat: float, dof: int | None) -> float:
    if dof is None:
        return float(2 * ndtr(-abs(stat)))
    return float(2 * stdtr(dof, -abs(stat)))


def difference(first: Estimate, second: Estimate, claim: str, expect: int) -> Test:
    """Test second - first for independent estimates (other waves, or other strata).

    ``expect`` is +1 when the claim is an increase (or 'more often'), -1 for a decrease; the
    claim is supported when the difference has that sign and p < 0.05.
    """
    diff = second.value - first.value
    se = math.sqrt(first.se**2 + second.se**2)
    stat = diff / se if se > 0 else math.copysign(math.inf, diff) if diff else 0.0
    dof = min(first.df, second.df)
    p = _two_sided(stat, dof) if math.isfinite(stat) else 0.0
    return Test(claim, diff, se, stat, p, dof, bool(p < ALPHA and np.sign(diff) == expect))


def paired_difference(
    d: Design, first: pd.Series, second: pd.Series, claim: str, expect: int
) -> Test:
    """Test the mean within-municipality difference ``second - first`` (a paired design)."""
    both = first.notna() & second.notna()
    diff = (second - first).where(both).astype(float)
    est = ratio(d, diff, proportion=False)
    stat = est.value / est.se if est.se > 0 else math.copysign(math.inf, est.value)
    p = _two_sided(stat, est.df) if math.isfinite(stat) else 0.0
    ok = bool(p < ALPHA and np.sign(est.value) == expect)
    return Test(claim, est.value, est.se, stat, p, est.df, ok)
