"""Design-based estimates and tests, checked against hand computations."""

import math

import pandas as pd
import pytest
from scipy import stats as sps

from toeleiding import stats
from toeleiding.claims import CLAIMS
from toeleiding.items import Wave

# Two strata: A is a census (4 of 4 municipalities), B a sample (4 of 10) in which one
# respondent answered for two municipalities (cluster r1).
SMALL = pd.DataFrame(
    {
        "grootteklasse": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "respondent_id": ["a1", "a2", "a3", "a4", "r1", "r1", "r2", "r3"],
        "y": [1, 0, 1, 1, 1, 1, 0, 0],
    }
)
POP = {"A": 4, "B": 10}


def test_weighted_share_and_interval_match_a_hand_computation():
    d = stats.design(SMALL, POP)
    assert list(d.weight) == [1, 1, 1, 1, 2.5, 2.5, 2.5, 2.5]
    est = stats.ratio(d, SMALL["y"].astype(float), proportion=True)

    # By hand: p = (3 * 1 + 2 * 2.5) / (4 * 1 + 4 * 2.5) = 8 / 14.
    p = 8 / 14
    assert est.value == pytest.approx(p)
    # Linearised values z = w (y - p) / 14, summed per cluster; stratum A is a census
    # (finite-population correction 0), stratum B has fpc 1 - 4/10 and three clusters.
    r1 = 2 * 2.5 * (1 - p) / 14
    r2 = r3 = 2.5 * (0 - p) / 14
    mean = (r1 + r2 + r3) / 3
    var = (1 - 4 / 10) * 3 / 2 * ((r1 - mean) ** 2 + (r2 - mean) ** 2 + (r3 - mean) ** 2)
    assert est.se == pytest.approx(math.sqrt(var))
    assert est.se == pytest.approx(0.19760, abs=1e-5)
    # 95 % interval on the logit scale with 7 clusters - 2 strata = 5 degrees of freedom.
    t = sps.t.ppf(0.975, 5)
    half = t * math.sqrt(var) / (p * (1 - p))
    logit = math.log(p / (1 - p))
    assert est.df == 5
    assert est.low == pytest.approx(1 / (1 + math.exp(-(logit - half))))
    assert est.high == pytest.approx(1 / (1 + math.exp(-(logit + half))))
    assert (round(est.low, 4), round(est.high, 4)) == (0.1435, 0.9139)


def test_census_has_no_sampling_error():
    df = SMALL[SMALL["grootteklasse"] == "A"]
    est = stats.ratio(stats.design(df, {"A": 4}), df["y"].astype(float), proportion=True)
    assert est.value == pytest.approx(0.75) and est.se == 0


def test_equal_sampling_fractions_give_the_unweighted_share():
    df = pd.DataFrame(
        {
            "grootteklasse": ["A"] * 2 + ["B"] * 4,
            "respondent_id": list("abcdef"),
            "y": [1, 0, 1, 1, 0, 0],
        }  # fmt: skip
    )
    est = stats.ratio(stats.design(df, {"A": 4, "B": 8}), df["y"].astype(float), True)
    assert est.value == pytest.approx(df["y"].mean())


def test_clustering_widens_the_interval():
    """The same answers count as less information when one respondent gave them all."""
    df = pd.DataFrame(
        {
            "grootteklasse": ["B"] * 8,
            "y": [1, 1, 1, 1, 0, 0, 0, 1],
            "respondent_id": list("abcdefgh"),
        }  # fmt: skip
    )
    alone = stats.ratio(stats.design(df, {"B": 40}), df["y"].astype(float), True)
    df["respondent_id"] = ["r1"] * 4 + ["r2"] * 4
    grouped = stats.ratio(stats.design(df, {"B": 40}), df["y"].astype(float), True)
    assert grouped.value == alone.value and grouped.se > alone.se


def test_missing_answers_stay_in_the_design():
    y = SMALL["y"].astype(float).where(SMALL.index != 7)
    est = stats.ratio(stats.design(SMALL, POP), y, proportion=True)
    assert est.n == 7
    assert est.value == pytest.approx((3 + 2 * 2.5) / (4 + 3 * 2.5))


def test_difference_is_supported_only_in_the_claimed_direction():
    a = stats.Estimate(0.30, 0.02, 0, 0, 100, 50)
    b = stats.Estimate(0.45, 0.02, 0, 0, 100, 50)
    up = stats.difference(a, b, "toename", +1)
    assert up.supported and up.estimate == pytest.approx(0.15)
    assert up.statistic == pytest.approx(0.15 / math.sqrt(0.02**2 + 0.02**2))
    assert up.p_value == pytest.approx(2 * sps.t.sf(up.statistic, 50))
    assert not stats.difference(a, b, "afname", -1).supported  # significant, other way
    flat = stats.difference(a, stats.Estimate(0.31, 0.02, 0, 0, 100, 50), "toename", +1)
    assert not flat.supported and flat.p_value > 0.05


def test_paired_difference():
    df = SMALL.assign(first=[1, 1, 1, 1, 1, 1, 1, 0], second=[0, 1, 0, 1, 0, 1, 0, 0])
    d = stats.design(df, POP)
    test = stats.paired_difference(d, df["first"].astype(float), df["second"].astype(float),
                                   "lager", -1)  # fmt: skip
    diff = df["second"] - df["first"]
    assert test.estimate == pytest.approx((diff * d.weight).sum() / d.weight.sum())
    assert test.estimate < 0


def test_unsupported_claim_is_reported_as_not_supported(codebooks, cleaned):
    """In 2018 the data do not carry 'slightly more often on a project basis': not forced."""
    waves = {y: Wave(y, cleaned[y], codebooks[y]) for y in cleaned}
    test, what = CLAIMS["projectbasis-trend"].run(waves, 2018)
    assert not test.supported and test.p_value > 0.05 and "2017" in what
    supported, _ = CLAIMS["klantmanagers-trend"].run(waves, 2018)
    assert supported.supported
    assert CLAIMS["klantmanagers-trend"].run(waves, 2017) is None  # no earlier wave asked it
