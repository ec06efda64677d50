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
(clusters - strata) degrees of freedom of the whole design, also for a subgroup (a domain),
as R's survey package does by default.

The estimator is written out here rather than taken from a library: samplics, the maintained
Python choice when this was written, is archived (0.6.1 warns so on import). An independent
re-computation agrees with this module (see docs/ASSUMPTIONS.md, S08).
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
        return max(1, _n_clusters(self.stratum, self.cluster) - self.stratum.nunique())


def _n_clusters(stratum: pd.Series, cluster: pd.Series) -> int:
    """Number of clusters, counting a respondent once per stratum."""
    return int(pd.MultiIndex.from_arrays([stratum, cluster]).nunique())


def design(df: pd.DataFrame, population: dict[str, int]) -> Design:
    """Post-stratification weights by size class and the clustered, stratified design.

    Parameters
    ----------
    df
        A cleaned wave (``grootteklasse`` and ``respondent_id`` columns).
    population
        Municipalities in the Netherlands per size class that year (the codebook's frame).

    Returns
    -------
    Design
        Weight, stratum, cluster and finite-population correction per municipality.

    Raises
    ------
    ValueError
        When a size class has no population count, more respondents than municipalities, or
        a single cluster while it is not a census (its variance cannot be estimated; like the
        default of R's survey package, we refuse rather than silently count it as zero).
    """
    stratum = df["grootteklasse"].astype(str)
    cluster = df["respondent_id"].astype(str)
    n_h = stratum.value_counts()
    missing = set(n_h.index) - set(population)
    if missing:
        raise ValueError(f"no population count for size class {sorted(missing)}")
    too_many = {h: (int(n), population[h]) for h, n in n_h.items() if n > population[h]}
    if too_many:
        raise ValueError(
            "more responding municipalities than municipalities in the population "
            f"(responded, population) for size class {too_many}: check the codebook's frame"
        )
    big_n = stratum.map(population).astype(float)
    weight = big_n / stratum.map(n_h).astype(float)
    fpc = 1.0 - stratum.map(n_h).astype(float) / big_n
    clusters = cluster.groupby(stratum).nunique()
    lonely = sorted(h for h, m in clusters.items() if m < 2 and n_h[h] < population[h])
    if lonely:
        raise ValueError(
            f"size class {lonely} has a single respondent (cluster) but is not a census: its "
            "sampling variance cannot be estimated; merge it with another size class"
        )
    return Design(weight, stratum, cluster, fpc)


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
            continue  # a census stratum; design() refuses a single cluster in any other
        fpc = float(stratum["f"].iloc[0])
        var += fpc * m / (m - 1) * float(((totals - totals.mean()) ** 2).sum())
    return var


def _exact_bound(d: Design, ok: pd.Series) -> float:
    """Upper bound for a share of 0 % (by symmetry: 1 - lower bound for 100 %).

    Only municipalities in strata that were not a census are uncertain. For them, with ``m``
    clusters and mean finite-population correction ``f`` (``1 - n / sum(w)``, weighted), the
    binomial bound ``1 - (alpha / 2) ** (f / m)`` is the exact bound for ``m / f`` independent
    answers (the effective sample size under the correction); it is scaled by their share of
    the weight. A census alone gives 0.
    """
    sampled = ok & (d.fpc > 0)
    if not sampled.any():
        return 0.0
    w_sampled = float(d.weight[sampled].sum())
    f = 1.0 - int(sampled.sum()) / w_sampled
    m = _n_clusters(d.stratum[sampled], d.cluster[sampled])
    return w_sampled / float(d.weight[ok].sum()) * (1.0 - (ALPHA / 2) ** (f / m))


def ratio(d: Design, y: pd.Series, proportion: bool) -> Estimate:
    """Weighted mean (or share, for 0/1 ``y``) over the units where ``y`` is not missing.

    Parameters
    ----------
    d
        The wave's design.
    y
        One value per municipality; missing where it did not answer (or is outside the
        subgroup): such units stay in the design with a zero contribution (domain estimation).
    proportion
        Whether ``y`` is 0/1: the interval is then on the logit scale, and a share of exactly
        0 % or 100 % gets an exact bound (see ``_exact_bound``).

    Returns
    -------
    Estimate
        Value, standard error, 95 % interval, number of answers and degrees of freedom (of
        the whole design, also for a subgroup).
    """
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
    elif proportion and se == 0 and value in (0.0, 1.0):
        bound = _exact_bound(d, ok)
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
    statistic: float  # NaN when there is no sampling error and the difference is not zero
    p_value: float
    df: int | None
    supported: bool

    @property
    def no_sampling_error(self) -> bool:
        """Whether the difference is exact (only census strata): no t to report."""
        return self.se == 0

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


def _verdict(claim: str, diff: float, se: float, dof: int | None, expect: int) -> Test:
    """t-test of ``diff``; supported when it has the sign ``expect`` and p < 0.05.

    Without sampling error (``se == 0``) there is nothing to test: no difference gives
    t = 0 and p = 1; any other difference is exact (statistic NaN, p = 0).
    """
    if se > 0:
        stat = diff / se
        p = _two_sided(stat, dof)
    elif diff == 0:
        stat, p = 0.0, 1.0
    else:
        stat, p = math.nan, 0.0
    return Test(claim, diff, se, stat, p, dof, bool(p < ALPHA and np.sign(diff) == expect))


def difference(first: Estimate, second: Estimate, claim: str, expect: int) -> Test:
    """Test second - first for independent estimates (other waves, or other strata).

    ``expect`` is +1 when the claim is an increase (or 'more often'), -1 for a decrease; the
    claim is supported when the difference has that sign and p < 0.05. Degrees of freedom are
    the smaller of the two.
    """
    se = math.sqrt(first.se**2 + second.se**2)
    dof = min(first.df, second.df)
    return _verdict(claim, second.value - first.value, se, dof, expect)


def paired_difference(
    d: Design, first: pd.Series, second: pd.Series, claim: str, expect: int
) -> Test:
    """Test the mean within-municipality difference ``second - first`` (a paired design).

    Only municipalities that answered both count; the others stay in the design as a domain
    (they are not counted as a difference of zero).
    """
    both = first.notna() & second.notna()
    est = ratio(d, (second - first).where(both).astype(float), proportion=False)
    return _verdict(claim, est.value, est.se, est.df, expect)
