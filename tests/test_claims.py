"""The report's claims: which editions make them, how they are tested and described."""

import pandas as pd
import pytest

from conftest import YEARS
from toeleiding import chapter, paths
from toeleiding.claims import CLAIMS, _n_measures, comparability
from toeleiding.codebook import Option, Question
from toeleiding.items import Wave

# Which publication made each claim (shared/seeds): the 2016 summary, the 2017 infographic
# ("Bemiddeling start nu sneller", "gemeenten weten meer over hun statushouders") and the
# 2018 report. A change here must follow the sources, not the data.
MADE_BY = {
    "studeren-30plus-grootte": (2018,),
    "maatregelen-grootte": (2018,),
    "nareizigers": (2018,),
    "start-na-inburgering-derde": (2016,),
    "start-vestiging": (2017, 2018),
    "start-na-inburgering": (2017, 2018),
    "zicht-trend": (2017, 2018),
    "klantmanagers-trend": (2018,),
    "route-werk-trend": (2018,),
    "route-geen-trend": (2018,),
    "projectbasis-trend": (2018,),
    "ingebed-trend": (2018,),
}
BETWEEN_WAVES = [k for k in MADE_BY if k.endswith("-trend") or k.startswith("start-")]
BETWEEN_WAVES.remove("start-na-inburgering-derde")


@pytest.fixture(scope="module")
def waves(codebooks, cleaned):
    return {y: Wave(y, cleaned[y], codebooks[y]) for y in cleaned}


def test_each_claim_is_credited_to_the_editions_that_made_it():
    assert {k: c.years for k, c in CLAIMS.items()} == MADE_BY


def test_an_edition_can_test_every_claim_it_makes(waves):
    for c in CLAIMS.values():
        for year in c.years:
            sub = {y: w for y, w in waves.items() if y <= year}
            assert c.run(sub, year) is not None, (c.id, year)


def test_a_chapter_shows_a_claim_only_in_the_editions_that_made_it(cleaned, tmp_path, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(chapter, "display", lambda md: shown.append(md.data))
    for year in YEARS:
        ch = chapter.Chapter("x", year, paths.CLEAN_DIR, paths.CODEBOOK_DIR, tmp_path / str(year))
        for c in CLAIMS.values():
            shown.clear()
            ch.claim(c.id)
            if year in c.years:
                assert len(shown) == 1 and "Toets:" in shown[0], (c.id, year)
            else:
                assert shown == [], (c.id, year)  # no 'niet te toetsen' for another's claim


def test_between_waves_the_method_says_why_they_are_compared_as_independent():
    for key in BETWEEN_WAVES:
        method = CLAIMS[key].method
        assert "andere groep" not in method and "niet aan elkaar te koppelen" in method, key
        assert "voorzichtig" in method, key


def test_groups_by_size_say_that_g4_and_g40_are_joined():
    for key in ("studeren-30plus-grootte", "maatregelen-grootte"):
        assert "de G4 en de G40 samen" in CLAIMS[key].method


def _question(keys, text="Vraag?"):
    options = tuple(Option(i + 1, k, k) for i, k in enumerate(keys))
    return Question("V1", "x", "beleid", "multi", text, options=options)


def test_comparability_caveat_follows_the_codebooks():
    three = _question(["a", "b", "c"])
    assert comparability(three, _question(["c", "b", "a"]), (2017, 2018)) == ""
    caveat = comparability(three, _question(list("abcdef")), (2017, 2018))
    assert "in 2017 3 en in 2018 6 antwoordopties" in caveat
    assert "antwoordopties verschillen" in comparability(three, _question(list("abd")), (1, 2))
    assert "anders geformuleerd" in comparability(three, _question(list("abc"), "Nee?"), (1, 2))


def test_klantmanagers_trend_warns_that_the_question_changed(waves):
    _, what = CLAIMS["klantmanagers-trend"].run(waves, 2018)
    assert "3 en in 2018 18 antwoordopties" in what
    _, same = CLAIMS["start-vestiging"].run(waves, 2018)
    assert same == "2017 tegenover 2018"


def test_measures_count_anders_as_one_and_geen_aanbod_as_none(codebooks):
    q = codebooks[2018].by_harmonised("aanbod")
    cols = {q.clean_column(o.code): [0.0, 0.0, 1.0, None] for o in q.options}
    df = pd.DataFrame(cols)
    df.loc[0, "aanbod__anders"] = 1.0
    df.loc[1, "aanbod__geen_aanbod"] = 1.0
    n = _n_measures(Wave(2018, df, codebooks[2018]))
    assert n.iloc[0] == 1 and n.iloc[1] == 0 and n.iloc[2] == len(q.options) - 1
    assert pd.isna(n.iloc[3])  # did not answer
