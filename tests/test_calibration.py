"""The cleaned data of every wave reproduce every published figure, as printed."""

import pandas as pd
import pytest

from toeleiding import tables
from toeleiding.calibration import check, evaluate, targets
from toeleiding.rounding import percent_half_up


def test_every_target_is_reproduced(codebooks, calibrations, cleaned, year):
    outcomes = check(cleaned[year], codebooks[year], calibrations[year])
    failed = [f"{o.target.describe()} -> {o.actual}" for o in outcomes if not o.ok]
    assert not failed, failed
    assert len(outcomes) > 40


def test_headline_figures_2018(codebooks, cleaned):
    df, cb = cleaned[2018], codebooks[2018]
    n = df["beleid_aanvullend"].notna().sum()
    assert n == 282
    start = df["startmoment"].value_counts(normalize=True)
    assert round(100 * start["Bij vestiging in de gemeente / aanvraag van de uitkering"]) == 72
    ticks = df[list(cb["V02"].clean_columns)].sum(axis=1)
    assert round(ticks.mean(), 1) == 9.3
    routes = df[
        ["route_werk", "route_onderwijs", "route_activering", "route_participatie", "route_geen"]
    ]
    assert routes.notna().all(axis=1).sum() == 253
    assert [round(v) for v in routes.mean()] == [13, 16, 33, 32, 20]
    assert routes.std().min() > 5  # municipalities differ, as real estimates do


def test_subgroup_bases_2018(cleaned):
    df = cleaned[2018]
    assert df["maatregelen_andere_groepen"].notna().sum() == 208
    assert df["andere_groepen__jongeren"].notna().sum() == 132
    assert df["echtpaar_partner"].notna().sum() == 104


def test_integration_routes_2017(cleaned):
    df = cleaned[2017]
    cols = ["route_werk", "route_onderwijs", "route_activering", "route_participatie", "route_geen"]
    assert df[cols].notna().all(axis=1).sum() == 202
    assert [round(v) for v in df[cols].mean()] == [8, 12, 25, 25, 37]


def test_check_fails_when_a_figure_is_broken(codebooks, calibrations, cleaned):
    """The calibration check is not vacuous: changing answers breaks a published figure."""
    df = cleaned[2018].copy()
    first = df.index[df["beleid_aanvullend"] == "Ja"][:10]
    df.loc[first, "beleid_aanvullend"] = "Nee"
    target = next(t for t in targets(calibrations[2018]) if t.question == "V01" and t.codes == (1,))
    assert not evaluate(target, df, codebooks[2018]).ok


@pytest.mark.parametrize(
    "kind", ["n", "percent", "mean_answers", "mean", "count", "range_percent", "mean_sum"]
)
def test_every_kind_of_target_is_used(calibrations, kind):
    assert any(t.kind == kind for t in targets(calibrations[2018]))


def test_assumed_targets_are_marked(calibrations):
    assumed = [t for t in targets(calibrations[2018]) if not t.published]
    assert assumed and all(t.kind == "percent" for t in assumed)


def test_cleaned_tables_hold_no_calibration_columns(cleaned):
    for df in cleaned.values():
        assert isinstance(df, pd.DataFrame)
        assert not any("calib" in c for c in df.columns)


def test_assumed_budget_shares_2016_give_the_published_mean(calibrations):
    """The sources say 'two' budgets in 2016; the assumed shares add up to 200 % (L13)."""
    spec = calibrations[2016]["questions"]["V07"]
    assert sum(spec["assumed_percent"].values()) == 100 * spec["mean_answers"]["value"]


def test_budgets_2016_print_as_two(codebooks, cleaned):
    """The book prints one decimal: 2,0, not 1,9."""
    q = codebooks[2016].by_harmonised("budgetten")
    assert tables.mean_answers(cleaned[2016], q)[1] == 2.0


def test_enough_money_in_2018_is_nine_percent(codebooks, cleaned):
    """'Slechts 9%' has enough money for the long term (Figuur 10.3: 9 % + 0 %)."""
    q = codebooks[2018].by_harmonised("middelen_lange_termijn")
    k, n = tables.option_share(cleaned[2018], q, ["voldoende", "ruim_voldoende"])
    assert n == 282 and percent_half_up(k, n) == 9


def test_left_welfare_in_total_is_28_percent(codebooks, calibrations, cleaned):
    """Figuur 8.1: '28 % is uitgestroomd, waarvan 12 % gedeeltelijk' is a target of its own."""
    target = next(t for t in targets(calibrations[2018]) if t.kind == "mean_sum")
    assert target.question == "V25a+V25b" and target.value == 28
    assert evaluate(target, cleaned[2018], codebooks[2018]).ok
    df = cleaned[2018].copy()
    answered = df.index[df["uitstroom_volledig"].notna()]
    df.loc[answered, "uitstroom_volledig"] = 0  # nobody left welfare in full: 12 %, not 28 %
    assert not evaluate(target, df, codebooks[2018]).ok
