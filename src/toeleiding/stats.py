"""Design-based estimates: post-stratification weights, 95 % intervals, tests of claims.

The monitor reports shares of *responding* municipalities, but speaks of all Dutch
municipalities. Here every responding municipality gets a post-stratification weight
``N_h / n_h`` (its size class's number of municipalities over the number that responded), so
estimates are about all municipalities. Their standard errors follow the design:

- strata are the size classes (G4, G40, other), with a finite-population correction
  ``1 - n_h / N_h`` (the G4 all responded, so they add no sampling error);
- the clusters are the respondents: one respondent often answered for several
  municipalities, and their answers are alike. A respondent's municipalities in one stratum
  form one cluster;
- a thin size class (one respondent while it is no census, or no participants at all) is
  collapsed with an adjacent class (collapsed strata, see ``design``), so that every wave a
  survey tool can deliver gets estimates; ``Design.collapsed`` says which and why.

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


NO_RESPONDENTS = "no respondents"
ONE_CLUSTER = "one respondent"


@dataclass(frozen=True)
class Collapse:
    """A thin size class and the size classes it shares a stratum with.

    ``reason`` is ``NO_RESPONDENTS`` (no municipality of the class took part: its
    municipalities are represented by the group's participants, for the weights and the
    variance) or ``ONE_CLUSTER`` (all its participants came from one respondent while the
    class is not a census: it keeps its own weight, but its variance is estimated together
    with the group).
    """

    size_class: str
    group: tuple[str, ...]  # every size class of the stratum, in codebook order
    reason: str


@dataclass(frozen=True)
class Design:
    """Weights, strata and clusters of one wave's responding municipalities.

    ``stratum`` and ``cluster`` are the size class and the respondent of each municipality;
    ``var_stratum`` and ``var_cluster`` are what the variance uses: the same in the ordinary
    case, groups of size classes where thin classes were collapsed (``collapsed``), and the
    municipalities themselves when the whole wave came from one respondent (``units``).
    """

    weight: pd.Series
    stratum: pd.Series
    cluster: pd.Series
    fpc: pd.Series  # 1 - n / N of the municipality's variance stratum
    var_stratum: pd.Series | None = None
    var_cluster: pd.Series | None = None
    collapsed: tuple[Collapse, ...] = ()
    units: bool = False  # one respondent in all: municipalities count as the clusters
    estimable: bool = True  # False with one sampled municipality: no variance at all

    def __post_init__(self) -> None:
        if self.var_stratum is None:
            object.__setattr__(self, "var_stratum", self.stratum)
        if self.var_cluster is None:
            object.__setattr__(self, "var_cluster", self.cluster)

    @property
    def df(self) -> int:
        """Degrees of freedom: number of clusters minus number of (variance) strata."""
        return max(1, _n_clusters(self.var_stratum, self.var_cluster) - self.n_strata)

    @property
    def n_strata(self) -> int:
        """Number of strata the variance is estimated in (after collapsing)."""
        return int(self.var_stratum.nunique())

    @property
    def n_clusters(self) -> int:
        """Number of clusters, counting a respondent once per variance stratum."""
        return _n_clusters(self.var_stratum, self.var_cluster)


def _n_clusters(stratum: pd.Series, cluster: pd.Series) -> int:
    """Number of clusters, counting a respondent once per stratum."""
    return int(pd.MultiIndex.from_arrays([stratum, cluster]).nunique())


def _nearest_with_respondents(i: int, order: list[str], n_h: dict, population: dict) -> str:
    """The class with respondents nearest to ``order[i]``.

    Ties go to a sampled class before a census, then to the next class before the previous.
    """
    candidates = [j for j, h in enumerate(order) if n_h[h] > 0]
    return order[
        min(
            candidates,
            key=lambda j: (abs(j - i), n_h[order[j]] >= population[order[j]], j < i),
        )
    ]


def _groups(
    order: list[str], n_h: dict, population: dict, clusters_of: dict[str, set]
) -> tuple[list[list[str]], dict[str, str], tuple[Collapse, ...]]:
    """Weighting cells and variance strata of the size classes (see ``design``)."""
    # 1. Weighting cells: a class without respondents joins the nearest class with them.
    cell = {h: h for h in order if n_h[h] > 0}
    empty = [h for h in order if n_h[h] == 0 and population[h] > 0]
    for h in empty:
        cell[h] = _nearest_with_respondents(order.index(h), order, n_h, population)
    # 2. Variance strata: runs of adjacent cells; a cell with one cluster that is not a census
    # is merged with a neighbouring stratum until every stratum has two clusters or is a census.
    groups = [[h for h in order if cell.get(h) == c] for c in order if c in cell and cell[c] == c]

    def lonely(g: list[str]) -> bool:
        n = sum(n_h[h] for h in g)
        big_n = sum(population[h] for h in g)
        return len(set().union(*(clusters_of.get(h, set()) for h in g))) < 2 and n < big_n

    def census(g: list[str]) -> bool:
        return sum(n_h[h] for h in g) >= sum(population[h] for h in g)

    # The class with respondents of each cell that has a single cluster and is no census.
    lonely_cells = {next(h for h in g if n_h[h]) for g in groups if lonely(g)}
    while len(groups) > 1 and any(lonely(g) for g in groups):
        i = next(k for k, g in enumerate(groups) if lonely(g))
        nbrs = [k for k in (i + 1, i - 1) if 0 <= k < len(groups)]
        k = min(nbrs, key=lambda k: (census(groups[k]), k < i))
        a, b = sorted((i, k))
        groups[a : b + 1] = [groups[a] + groups[b]]
    group_of = {h: "+".join(g) for g in groups for h in g}
    notes = []
    for g in groups:
        if len(g) < 2:
            continue
        for h in g:
            if h in empty:
                notes.append(Collapse(h, tuple(g), NO_RESPONDENTS))
            elif h in lonely_cells:
                notes.append(Collapse(h, tuple(g), ONE_CLUSTER))
    return groups, group_of, tuple(notes)


def design(df: pd.DataFrame, population: dict[str, int]) -> Design:
    """Post-stratification weights by size class and the clustered, stratified design.

    Parameters
    ----------
    df
        A cleaned wave (``grootteklasse`` and ``respondent_id`` columns).
    population
        Municipalities in the Netherlands per size class that year (the codebook's frame), in
        the codebook's order: neighbours in this order are the adjacent size classes.

    Returns
    -------
    Design
        Weight, stratum, cluster and finite-population correction per municipality.

    Raises
    ------
    ValueError
        When a size class has no population count, more respondents than municipalities, or
        there are no respondents at all.

    Notes
    -----
    In the ordinary case (every size class has participants, and two respondents or all its
    municipalities) this is R's ``svydesign(ids = ~respondent, strata = ~size class,
    fpc = ~n/N, weights = ~N/n, nest = TRUE)``. Thin size classes are collapsed, the standard
    remedy of the survey literature (collapsed strata):

    - a class without participants joins the nearest class with participants: their
      participants also stand for its municipalities (weight ``(N_a + N_b) / n_a``);
    - a class with one respondent (cluster) that is not a census keeps its weight ``N/n``,
      but for the variance it is merged with the adjacent stratum (the next class, or the
      previous one when the next is a census or there is none), repeatedly, until every stratum
      has two clusters or is a census; the merged stratum's correction is ``1 - n / N`` of its
      classes together;
    - if all classes together still have one respondent, its municipalities count as the
      clusters (the interval is then too narrow, see ``Design.units``); with a single sampled
      municipality there is no variance to estimate (``Design.estimable`` is False).
    """
    stratum = df["grootteklasse"].astype(str)
    cluster = df["respondent_id"].astype(str)
    counts = stratum.value_counts()
    missing = set(counts.index) - set(population)
    if missing:
        raise ValueError(f"no population count for size class {sorted(missing)}")
    too_many = {h: (int(n), population[h]) for h, n in counts.items() if n > population[h]}
    if too_many:
        raise ValueError(
            "more responding municipalities than municipalities in the population "
            f"(responded, population) for size class {too_many}: check the codebook's frame"
        )
    if counts.empty:
        raise ValueError("no responding municipalities")
    order = list(population)
    n_h = {h: int(counts.get(h, 0)) for h in order}
    clusters_of = {h: set(cluster[stratum == h]) for h in order if n_h[h] > 0}
    groups, group_of, collapsed = _groups(order, n_h, population, clusters_of)
    # Weights per cell: the class's own N (plus those of empty classes it stands for) over n.
    cell_n = {h: float(population[h]) for h in order if n_h[h] > 0}
    for c in collapsed:
        if c.reason == NO_RESPONDENTS:
            target = _nearest_with_respondents(order.index(c.size_class), order, n_h, population)
            cell_n[target] += population[c.size_class]
    big_n = stratum.map(cell_n).astype(float)
    weight = big_n / stratum.map(n_h).astype(float)
    var_stratum = stratum.map(group_of)
    g_n = {"+".join(g): sum(n_h[h] for h in g) for g in groups}
    g_big = {"+".join(g): sum(population[h] for h in g) for g in groups}
    fpc = 1.0 - var_stratum.map(g_n).astype(float) / var_stratum.map(g_big).astype(float)
    var_cluster, units, estimable = cluster, False, True
    if len(groups) == 1 and cluster.nunique() < 2 and len(df) < sum(population.values()):
        # One respondent for the whole wave: nothing left to collapse with.
        if len(df) >= 2:
            var_cluster, units = pd.Series(range(len(df)), index=df.index).astype(str), True
        else:
            estimable = False
    return Design(weight, stratum, cluster, fpc, var_stratum, var_cluster, collapsed, units,
                  estimable)  # fmt: skip


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
    frame = pd.DataFrame({"h": d.var_stratum, "c": d.var_cluster, "z": z, "f": d.fpc})
    var = 0.0
    for _, stratum in frame.groupby("h", sort=True):
        totals = stratum.groupby("c", sort=True)["z"].sum()
        m = len(totals)
        if m < 2:
            continue  # a census stratum: design() collapses a single cluster in any other
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
    m = _n_clusters(d.var_stratum[sampled], d.var_cluster[sampled])
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
        the whole design, also for a subgroup). Without any answer (``n`` = 0) the value,
        standard error and interval are NaN.
    """
    ok = y.notna()
    if not ok.any():  # a question nobody answered (in this subgroup): nothing to estimate
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, d.df)
    w, yy = d.weight[ok], y[ok].astype(float)
    total_w = float(w.sum())
    value = float((w * yy).sum() / total_w)
    # Units that did not answer stay in the design with z = 0 (domain estimation), so every
    # cluster and stratum keeps counting in the variance.
    z = pd.Series(0.0, index=y.index)
    z[ok] = w * (yy - value) / total_w
    dof = d.df
    if not d.estimable:  # a single sampled municipality: no interval can be given
        return Estimate(value, math.nan, math.nan, math.nan, int(ok.sum()), dof)
    se = math.sqrt(_linearised_variance(d, z))
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
    t = 0 and p = 1; any other difference is exact (statistic NaN, p = 0). Without a standard
    error at all (``se`` NaN: a design with one sampled municipality) nothing is supported.
    """
    if math.isnan(se):
        return Test(claim, diff, se, math.nan, math.nan, dof, False)
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
