"""Unit tests of the computations behind the figures, on small hand-made tables."""

import pandas as pd
import pytest

from toeleiding import tables
from toeleiding.codebook import Option, Question, Routing

YN = (Option(1, "ja", "Ja"), Option(2, "nee", "Nee"), Option(3, "weet_niet", "Weet niet"))
SINGLE = Question("V1", "vraag", "beleid", "single", "Vraag?", options=YN)
MULTI = Question(
    "V2",
    "lijst",
    "beleid",
    "multi",
    "Welke?",
    options=(Option(1, "a", "A"), Option(2, "b", "B"), Option(3, "c", "C")),
    routing=Routing("V1", codes=(1,)),
)
LIKERT = Question(
    "V3",
    "stelling",
    "beleid",
    "likert5",
    "Stelling.",
    options=(
        Option(1, "helemaal_oneens", "Helemaal oneens"),
        Option(2, "oneens", "Oneens"),
        Option(3, "neutraal", "Neutraal"),
        Option(4, "eens", "Eens"),
        Option(5, "helemaal_eens", "Helemaal eens"),
    ),
)
EST = Question("V4", "schatting", "resultaten", "estimate", "Hoeveel?")


@pytest.fixture()
def df():
    cat = pd.Categorical(["Ja", "Ja", "Nee", None, "Ja", "Weet niet", "Ja", "Nee"])
    b = pd.array
    return pd.DataFrame(
        {
            "vraag": cat,
            # Asked only where vraag == Ja (4 rows); one of them did not answer.
            "lijst__a": b([True, True, None, None, False, None, None, None], dtype="boolean"),
            "lijst__b": b([True, False, None, None, False, None, None, None], dtype="boolean"),
            "lijst__c": b([False, False, None, None, True, None, None, None], dtype="boolean"),
            "stelling": pd.Categorical(
                ["Eens", "Helemaal eens", "Neutraal", "Oneens", None, "Eens", "Eens", "Neutraal"],
                categories=[o.label for o in LIKERT.options],
                ordered=True,
            ),
            "schatting": b([10, 20, None, 30, 40.5, None, None, None], dtype="Float64"),
        }
    )


def test_single_share_is_over_valid_answers_in_codebook_order(df):
    t = tables.single_shares(df, SINGLE)
    assert list(t["categorie"]) == ["Ja", "Nee", "Weet niet"]
    assert list(t["aantal"]) == [4, 2, 1]
    assert (t["basis_n"] == 7).all()  # the empty answer is not in the base
    assert list(t["waarde_afgerond"]) == [57, 29, 14]
    assert t["waarde"].iloc[0] == pytest.approx(400 / 7)


def test_multiple_response_base_is_the_answering_routed_rows(df):
    t = tables.multi_shares(df, MULTI)
    assert (t["basis_n"] == 3).all()  # 4 routed rows, 1 without an answer
    assert dict(zip(t["optie"], t["aantal"], strict=True)) == {"a": 2, "b": 1, "c": 1}
    assert list(t["optie"]) == ["a", "b", "c"]  # sorted by count, ties in codebook order
    exact, printed, n = tables.mean_answers(df, MULTI)
    assert (exact, printed, n) == (4 / 3, 1.3, 3)


def test_likert_groups(df):
    t = tables.likert_group_shares(df, LIKERT)
    assert list(t["categorie"]) == ["(Helemaal) eens", "Neutraal", "(Helemaal) oneens"]
    assert list(t["aantal"]) == [4, 2, 1]
    assert list(t["optie"]) == ["eens+helemaal_eens", "neutraal", "helemaal_oneens+oneens"]


def test_estimate_mean_over_its_own_answers(df):
    t = tables.estimate_means(df, [EST], ["Schatting"])
    assert t["basis_n"].iloc[0] == 4
    assert t["waarde"].iloc[0] == pytest.approx(25.125)
    assert t["waarde_afgerond"].iloc[0] == 25


def test_option_share_for_single_and_multi(df):
    assert tables.option_share(df, SINGLE, ["ja", "nee"]) == (6, 7)
    assert tables.option_share(df, MULTI, ["b", "c"]) == (2, 3)


def test_answered_is_the_base(df):
    assert tables.answered(df, MULTI).sum() == 3
    assert tables.answered(df, SINGLE).sum() == 7
