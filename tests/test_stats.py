"""Design-based estimates and tests, checked against hand computations."""

import math

import pandas as pd
import pytest
from scipy import stats as sps

from toeleiding import stats, tables
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
    assert not test.supported and test.p_value > 0.05 and "2017" in str(what)
    supported, _ = CLAIMS["klantmanagers-trend"].run(waves, 2018)
    assert supported.supported
    assert CLAIMS["klantmanagers-trend"].run(waves, 2017) is None  # no earlier wave asked it


# A paired comparison on the SMALL design: every municipality 'yes' on the first question;
# on the second, one in stratum A and one of r1's two say 'no'.
FIRST = pd.Series([1.0] * 8)
SECOND = pd.Series([0, 1, 1, 1, 0, 1, 1, 1], dtype=float)


def test_paired_difference_matches_a_hand_computation():
    d = stats.design(SMALL, POP)
    test = stats.paired_difference(d, FIRST, SECOND, "lager", -1)
    # Mean difference (-1 * 1 + -1 * 2.5) / 14; linearised values summed per cluster of
    # stratum B (A is a census): r1 = 2.5 (-1 - m) + 2.5 (0 - m), r2 = r3 = 2.5 (0 - m), / 14.
    m = -3.5 / 14
    r1 = (2.5 * (-1 - m) + 2.5 * (0 - m)) / 14
    r2 = r3 = 2.5 * (0 - m) / 14
    mean = (r1 + r2 + r3) / 3
    se = math.sqrt((1 - 4 / 10) * 3 / 2 * sum((r - mean) ** 2 for r in (r1, r2, r3)))
    assert test.estimate == pytest.approx(m)
    assert test.se == pytest.approx(se)
    assert test.statistic == pytest.approx(m / se) == pytest.approx(-2.40986, abs=1e-5)
    # t with 5 degrees of freedom: p = 0.061, not significant. The normal law would give
    # p = 0.016 and force the claim.
    assert test.df == 5
    assert test.p_value == pytest.approx(2 * sps.t.sf(abs(m / se), 5))
    assert test.p_value == pytest.approx(0.06087, abs=1e-5)
    assert 2 * sps.norm.sf(abs(m / se)) < 0.05
    assert not test.supported


def test_paired_difference_is_supported_only_in_the_claimed_direction():
    d = stats.design(SMALL, POP)
    second = pd.Series([0, 0, 1, 0, 0, 0, 0, 1], dtype=float)
    lower = stats.paired_difference(d, FIRST, second, "lager", -1)
    assert lower.estimate < 0 and lower.p_value < 0.05 and lower.supported
    higher = stats.paired_difference(d, FIRST, second, "hoger", +1)
    assert higher.p_value == lower.p_value and not higher.supported
    swapped = stats.paired_difference(d, second, FIRST, "hoger", +1)  # second - first
    assert swapped.estimate == pytest.approx(-lower.estimate) and swapped.supported


def test_paired_difference_leaves_out_unpaired_municipalities():
    """A municipality that answered one question only is not a difference of zero."""
    d = stats.design(SMALL, POP)
    second = SECOND.where(SMALL.index != 0)  # the 'no' in stratum A did not answer
    test = stats.paired_difference(d, FIRST, second, "lager", -1)
    assert test.estimate == pytest.approx(-2.5 / 13)  # not -2.5 / 14


def test_no_difference_without_sampling_error_is_no_difference():
    census = SMALL[SMALL["grootteklasse"] == "A"]
    d = stats.design(census, {"A": 4})
    same = stats.paired_difference(d, FIRST[:4], FIRST[:4], "lager", -1)
    assert (same.estimate, same.se, same.statistic, same.p_value) == (0, 0, 0, 1)
    assert same.no_sampling_error and not same.supported


def test_difference_without_sampling_error_is_exact_not_infinite():
    a, b = stats.Estimate(0.30, 0.0, 0.30, 0.30, 4, 3), stats.Estimate(0.50, 0.0, 0.5, 0.5, 4, 3)
    up = stats.difference(a, b, "toename", +1)
    assert up.no_sampling_error and math.isnan(up.statistic) and up.p_value == 0
    assert up.supported and (up.low, up.high) == (pytest.approx(0.2), pytest.approx(0.2))
    assert not stats.difference(a, b, "afname", -1).supported
    flat = stats.difference(a, a, "toename", +1)
    assert (flat.statistic, flat.p_value, flat.supported) == (0, 1, False)
    assert not stats.difference(
        a, stats.Estimate(0.5, 0.1, 0.3, 0.7, 9, 3), "x", 1
    ).no_sampling_error


def test_exact_bound_of_a_share_of_zero_or_one_hundred_percent():
    d = stats.design(SMALL, POP)
    zero = stats.ratio(d, pd.Series([0.0] * 8), proportion=True)
    # Only stratum B is uncertain: weight 10 of 14, three clusters, correction 1 - 4/10; the
    # binomial bound for 3 / 0.6 = 5 effective answers: 1 - 0.025 ** (1 / 5).
    bound = 10 / 14 * (1 - 0.025 ** (0.6 / 3))
    assert (zero.value, zero.se, zero.low) == (0, 0, 0)
    assert zero.high == pytest.approx(bound) == pytest.approx(0.37273, abs=1e-5)
    one = stats.ratio(d, pd.Series([1.0] * 8), proportion=True)
    assert (one.low, one.high) == (pytest.approx(1 - bound), 1)


def test_a_census_with_a_share_of_zero_has_no_interval():
    census = SMALL[SMALL["grootteklasse"] == "A"]
    est = stats.ratio(stats.design(census, {"A": 4}), pd.Series([0.0] * 4), proportion=True)
    assert (est.low, est.high) == (0, 0)  # not 0 to 60 %: a census has no sampling error


def test_more_respondents_than_municipalities_is_an_error():
    with pytest.raises(ValueError, match="more responding municipalities"):
        stats.design(SMALL, {"A": 3, "B": 10})


def test_a_census_stratum_with_one_respondent_is_not_collapsed():
    # A census stratum with one respondent is fine: it adds no sampling error anyway.
    one = SMALL.assign(respondent_id=["a1"] * 4 + ["r1", "r1", "r2", "r3"])
    d = stats.design(one, POP)
    est = stats.ratio(d, SMALL["y"].astype(float), proportion=True)
    assert est.df == 4 - 2 and d.collapsed == ()


# Three size classes in codebook order: A (4 municipalities), B (10), C (20).
THREE = {"A": 4, "B": 10, "C": 20}


def _hand_share(w, h, c, y, fpc_of):
    """Share, its standard error and degrees of freedom, computed the long way."""
    p = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    z = [wi * (yi - p) / sum(w) for wi, yi in zip(w, y, strict=True)]
    var, clusters = 0.0, 0
    for stratum in sorted(set(h)):
        totals = {}
        for hi, ci, zi in zip(h, c, z, strict=True):
            if hi == stratum:
                totals[ci] = totals.get(ci, 0.0) + zi
        m = len(totals)
        clusters += m
        mean = sum(totals.values()) / m
        var += fpc_of[stratum] * m / (m - 1) * sum((t - mean) ** 2 for t in totals.values())
    return p, math.sqrt(var), clusters - len(set(h))


def test_a_single_respondent_in_a_sampled_class_is_collapsed_with_the_next_class():
    """Like a wave with one G4 respondent: the G4 keeps its weight, its variance joins the G40."""
    df = pd.DataFrame(
        {
            "grootteklasse": ["A", "B", "B", "B", "B", "C", "C", "C"],
            "respondent_id": ["a1", "b1", "b1", "b2", "b3", "c1", "c2", "c3"],
            "y": [1, 1, 0, 1, 0, 0, 1, 0],
        }
    )
    d = stats.design(df, THREE)
    assert d.collapsed == (stats.Collapse("A", ("A", "B"), stats.ONE_CLUSTER),)
    assert list(d.weight) == [4, 2.5, 2.5, 2.5, 2.5, 20 / 3, 20 / 3, 20 / 3]  # unchanged
    est = stats.ratio(d, df["y"].astype(float), proportion=True)
    # By hand, as svydesign(ids = ~respondent, strata = ~collapsed stratum, fpc = n/N of the
    # collapsed stratum, weights = ~N/n) would: strata A+B (5 of 14) and C (3 of 20).
    p, se, dof = _hand_share(
        list(d.weight), ["AB"] * 5 + ["C"] * 3, list(df["respondent_id"]), list(df["y"]),
        {"AB": 1 - 5 / 14, "C": 1 - 3 / 20},
    )  # fmt: skip
    assert est.value == pytest.approx(p) and est.se == pytest.approx(se) and est.se > 0
    assert est.df == dof == 7 - 2  # clusters a1, b1, b2, b3 and c1-c3; two strata
    assert est.low < est.value < est.high


def test_a_class_without_participants_is_represented_by_the_nearest_class():
    df = pd.DataFrame(
        {
            "grootteklasse": ["B", "B", "B", "B", "C", "C", "C"],
            "respondent_id": ["b1", "b1", "b2", "b3", "c1", "c2", "c3"],
            "y": [1, 0, 1, 0, 0, 1, 0],
        }
    )
    d = stats.design(df, THREE)
    assert d.collapsed == (stats.Collapse("A", ("A", "B"), stats.NO_RESPONDENTS),)
    # B's participants stand for A's municipalities too: the weights add up to all 34.
    assert list(d.weight) == [14 / 4] * 4 + [20 / 3] * 3
    assert d.weight.sum() == pytest.approx(sum(THREE.values()))
    est = stats.ratio(d, df["y"].astype(float), proportion=True)
    p, se, dof = _hand_share(
        list(d.weight), ["AB"] * 4 + ["C"] * 3, list(df["respondent_id"]), list(df["y"]),
        {"AB": 1 - 4 / 14, "C": 1 - 3 / 20},
    )  # fmt: skip
    assert (est.value, est.se, est.df) == (pytest.approx(p), pytest.approx(se), dof)


def test_collapsing_prefers_a_sampled_neighbour_over_a_census():
    # B has one respondent; C is a census (20 of 20), so B goes to A, the previous class.
    df = pd.DataFrame(
        {
            "grootteklasse": ["A", "A", "B"] + ["C"] * 20,
            "respondent_id": ["a1", "a2", "b1"] + [f"c{i}" for i in range(20)],
        }
    )
    d = stats.design(df, THREE)
    assert d.collapsed == (stats.Collapse("B", ("A", "B"), stats.ONE_CLUSTER),)
    assert set(d.fpc[df["grootteklasse"] == "C"]) == {0.0}  # the census stays exact
    assert set(d.fpc[df["grootteklasse"] != "C"]) == {1 - 3 / 14}


def test_collapsing_goes_on_until_every_stratum_has_two_clusters():
    # B: one respondent; C: no participants, so it joins B; A is a census with one respondent.
    df = pd.DataFrame(
        {"grootteklasse": ["A"] * 4 + ["B"] * 2, "respondent_id": ["a"] * 4 + ["b"] * 2}
    )
    d = stats.design(df, THREE)
    assert [(c.size_class, c.reason) for c in d.collapsed] == [
        ("B", stats.ONE_CLUSTER),
        ("C", stats.NO_RESPONDENTS),
    ]
    assert {c.group for c in d.collapsed} == {("A", "B", "C")}
    assert d.n_strata == 1 and d.n_clusters == 2 and d.df == 1
    est = stats.ratio(d, pd.Series([1, 0, 0, 1, 1, 1], dtype=float), proportion=True)
    assert 0 < est.low < est.value < est.high < 1


def test_one_respondent_for_the_whole_wave_counts_municipalities_as_clusters():
    df = pd.DataFrame({"grootteklasse": ["B", "B", "C"], "respondent_id": ["r", "r", "r"]})
    d = stats.design(df, THREE)
    assert d.units and d.estimable and d.n_clusters == 3
    est = stats.ratio(d, pd.Series([1.0, 0.0, 1.0]), proportion=True)
    assert est.se > 0 and est.low < est.value < est.high


def test_a_single_sampled_municipality_gives_no_interval_and_no_verdict():
    df = pd.DataFrame({"grootteklasse": ["C"], "respondent_id": ["r"]})
    d = stats.design(df, THREE)
    assert not d.estimable
    est = stats.ratio(d, pd.Series([1.0]), proportion=True)
    assert est.value == 1 and math.isnan(est.se) and math.isnan(est.low)
    test = stats.difference(est, est, "toename", +1)
    assert not test.supported and math.isnan(test.p_value)


@pytest.mark.parametrize(
    ("year", "name", "keys", "pinned"),
    [
        # Value, standard error, interval and degrees of freedom before thin classes were
        # handled (every class has two respondents or is a census, so nothing is collapsed):
        # the ordinary case must stay exactly as it was (S08).
        (2016, "beleid_aanvullend", ("ja",), (0.181937, 0.016653, 0.151314, 0.217171, 152)),
        (2017, "aanbod", ("dedicated_klantmanagers",),
         (0.704509, 0.018393, 0.666948, 0.739488, 165)),
        (2018, "afstemming_inburgering", ("eens", "helemaal_eens"),
         (0.591948, 0.016006, 0.560033, 0.623106, 186)),
    ],
)  # fmt: skip
def test_the_ordinary_case_is_not_collapsed_and_unchanged(codebooks, cleaned, year, name, keys,
                                                          pinned):  # fmt: skip
    cb, df = codebooks[year], cleaned[year]
    q = cb.by_harmonised(name)
    d = stats.design(df, cb.population)
    assert d.collapsed == () and not d.units
    assert d.n_strata == len(cb.population)
    est = stats.share(d, tables.answered(df, q), tables.option_hit(df, q, set(keys)))
    assert (round(est.value, 6), round(est.se, 6), round(est.low, 6), round(est.high, 6),
            est.df) == pinned  # fmt: skip


def test_a_subgroup_uses_the_degrees_of_freedom_of_the_whole_design():
    d = stats.design(SMALL, POP)
    only_b = SMALL["y"].astype(float).where(SMALL["grootteklasse"] == "B")
    assert stats.ratio(d, only_b, proportion=True).df == d.df == 5


def test_2018_dedicated_klantmanagers_match_an_independent_audit(codebooks, cleaned):
    """An audit re-derived this estimate outside the package (samplics agrees too)."""
    w = Wave(2018, cleaned[2018], codebooks[2018])
    q = w.cb.by_harmonised("aanbod")
    hit = w.df[q.clean_column(1)].astype(bool)
    est = stats.share(stats.design(w.df, w.cb.population), tables.answered(w.df, q), hit)
    assert est.value == pytest.approx(0.833517, abs=1e-6)
    assert est.se == pytest.approx(0.011671, abs=1e-6)
    assert est.df == 186
    assert (est.low, est.high) == (
        pytest.approx(0.809203, abs=1e-6),
        pytest.approx(0.855286, abs=1e-6),
    )
