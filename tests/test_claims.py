"""The report's claims: which editions make them, how they are tested and how a box reads."""

import math
import re
from dataclasses import replace

import pandas as pd
import pytest

from conftest import YEARS
from toeleiding import chapter, downloads, paths, stats
from toeleiding.claims import (
    CLAIMS,
    DESIGNS,
    METHOD_SECTION,
    OUTCOMES,
    _n_measures,
    comparability,
    outcome,
)
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


def _boxes(tmp_path, monkeypatch, synthetic: bool) -> dict[tuple[int, str], str]:
    """Every claim box of every edition, by (year, claim id)."""
    shown: list[str] = []
    monkeypatch.setattr(chapter, "display", lambda md: shown.append(md.data))
    boxes = {}
    for year in YEARS:
        out = tmp_path / f"{year}-{synthetic}"
        ch = chapter.Chapter("x", year, paths.CLEAN_DIR, paths.CODEBOOK_DIR, out, synthetic)
        for c in CLAIMS.values():
            shown.clear()
            ch.claim(c.id)
            if year in c.years:
                assert len(shown) == 1, (c.id, year)
                boxes[year, c.id] = shown[0]
            else:
                assert shown == [], (c.id, year)  # no 'niet te toetsen' for another's claim
    return boxes


@pytest.fixture(scope="module", params=[True, False], ids=["synthetisch", "echt"])
def boxes(request, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    try:
        yield request.param, _boxes(tmp_path_factory.mktemp("boxes"), mp, request.param)
    finally:
        mp.undo()


def _split(box: str) -> tuple[str, str]:
    """The visible part of a box and its folded statistics block."""
    head, sep, folded = box.partition("::: {.callout-note collapse='true'")
    assert sep, box
    return head, folded


def test_a_box_has_the_claim_one_line_folded_statistics_and_a_method_link(boxes, waves):
    synthetic, found = boxes
    for (year, key), box in found.items():
        c = CLAIMS[key]
        head, folded = _split(box)
        assert head.startswith("::::: {.callout-note") and box.rstrip().endswith(":::::")
        assert f"**De monitor:** {c.text}" in head
        said = [ln for ln in head.splitlines() if ln.startswith("**In deze editie:**")]
        assert len(said) == 1, box
        line = said[0]
        assert f"@{METHOD_SECTION}" in line  # the method is explained once, in the appendix
        # No statistics or jargon beside the claim: they are folded away.
        assert not re.search(r"\bt\(|\bp [<=]|interval|steekproef|toetsingsgrootheid", head), head
        assert "Methode:" not in box and "Toets: ondersteund" not in box
        assert "95%-interval" in folded and "- Verschil:" in folded and "- Vergelijking:" in folded
        assert re.search(r"t\(\d+\) = −?\d+,\d, p [<=] \d,\d{3}", folded), folded
        assert "[CSV](" in folded and "[Excel](" in folded
        result = outcome(c.run({y: w for y, w in waves.items() if y <= year}, year)[0])
        if synthetic:
            assert "synthetisch" in line and "demonstreert de toets" in line
            assert "geen bevinding over echte gemeenten" in line
            assert not any(clause in line for clause in OUTCOMES.values()), line
            assert f"- Uitkomst op de synthetische gegevens: {result}." in folded
        else:
            assert "synthetisch" not in box
            assert OUTCOMES[result] in line, line
            assert f"- Uitkomst: {result}." in folded


def _sentences(text: str) -> list[str]:
    """Sentences and clauses of reader text, without Markdown, links and fences."""
    text = re.sub(r"\]\([^)]*\)|\{[^}]*\}|:::+|\*\*|[\[\]`]", " ", text)
    return [s.strip() for s in re.split(r"[.;:!?\n]+", text) if s.strip()]


def test_no_sentence_of_eight_words_recurs_in_the_boxes_of_a_page(boxes):
    """Method text is explained once, in the appendix: no box repeats another's wording."""
    _, found = boxes
    for year in YEARS:
        for chap in sorted({c.chapter for c in CLAIMS.values()}):
            seen: dict[str, str] = {}
            for (y, key), box in sorted(found.items()):
                if y != year or CLAIMS[key].chapter != chap:
                    continue
                for s in set(_sentences(box)):
                    if len(s.split()) >= 8:
                        assert s not in seen, (year, chap, key, seen.get(s), s)
                        seen[s] = key


def test_the_method_of_each_claim_is_a_short_name():
    """Each box names its test in a few words; the appendix (sec-toetsen) explains it."""
    for c in CLAIMS.values():
        assert c.design in DESIGNS and c.method == DESIGNS[c.design]
        assert len(c.method.split()) < 8, c.method
        assert c.compares and c.compares[0].islower() and not c.compares.endswith("."), c.id
    assert all(CLAIMS[k].design == "jaren" for k in BETWEEN_WAVES)


def test_groups_by_size_say_that_g4_and_g40_are_joined(waves):
    for key in ("studeren-30plus-grootte", "maatregelen-grootte"):
        _, cmp = CLAIMS[key].run(waves, 2018)
        assert "G4 en G40" in cmp.this and "overige gemeenten" in cmp.that


def _test(estimate, se, p, supported, df=100):
    return stats.Test("x", estimate, se, estimate / se if se else math.nan, p, df, supported)


def test_outcome_bands_follow_p_and_direction():
    assert outcome(_test(0.1, 0.02, 0.0001, True)) == "duidelijk"
    assert outcome(_test(0.1, 0.04, 0.02, True)) == "waarschijnlijk"
    assert outcome(_test(0.1, 0.0, 0.0, True)) == "exact"
    assert outcome(_test(0.01, 0.04, 0.6, False)) == "niet aangetoond"
    assert outcome(_test(-0.1, 0.02, 0.0001, False)) == "tegengesproken"
    assert outcome(_test(0.1, math.nan, math.nan, False)) == "niet te beoordelen"
    # The bands agree with the verdict of stats: 'supported' is exactly the first three.
    a = stats.Estimate(0.30, 0.02, 0, 0, 100, 50)
    for value, expect in [(0.45, +1), (0.45, -1), (0.31, +1), (0.36, +1)]:
        t = stats.difference(a, stats.Estimate(value, 0.02, 0, 0, 100, 50), "x", expect)
        assert (outcome(t) in {"duidelijk", "waarschijnlijk", "exact"}) == t.supported


def _question(keys, text="Vraag?"):
    options = tuple(Option(i + 1, k, k) for i, k in enumerate(keys))
    return Question("V1", "x", "beleid", "multi", text, options=options)


def test_comparability_caveat_follows_the_codebooks():
    three = _question(["a", "b", "c"])
    assert comparability(three, _question(["c", "b", "a"]), (2017, 2018)) == ""
    caveat = comparability(three, _question(list("abcdef")), (2017, 2018))
    assert caveat == "de vraag had in 2017 drie antwoordopties en in 2018 zes"
    one = comparability(_question(["a"]), three, (2016, 2017))
    assert one == "de vraag had in 2016 één antwoordoptie en in 2017 drie"
    assert "antwoordopties verschillen" in comparability(three, _question(list("abd")), (1, 2))
    both = comparability(three, _question(list("abd"), "Nee?"), (1, 2))
    assert both.endswith(" en de vraag is anders geformuleerd"), both
    part = replace(three, partial_options=True)
    partial = comparability(part, _question(list("abcdef")), (2017, 2018))
    assert partial == "van de vraag van 2017 zijn niet alle antwoordopties bekend"


def test_klantmanagers_trend_warns_that_the_question_changed(waves, tmp_path, monkeypatch):
    _, cmp = CLAIMS["klantmanagers-trend"].run(waves, 2018)
    q17, q18 = (waves[y].cb.by_harmonised("aanbod") for y in (2017, 2018))
    assert cmp.caveat == comparability(q17, q18, (2017, 2018)) and "2017" in cmp.caveat
    _, same = CLAIMS["start-vestiging"].run(waves, 2018)
    assert str(same) == "in 2018 tegenover 2017" and same.caveat == ""
    shown: list[str] = []
    monkeypatch.setattr(chapter, "display", lambda md: shown.append(md.data))
    ch = chapter.Chapter("x", 2018, paths.CLEAN_DIR, paths.CODEBOOK_DIR, tmp_path)
    ch.claim("klantmanagers-trend")
    head, _ = _split(shown[0])
    assert f"Let op: {cmp.caveat}, dus het aandeel gemeenten met klantmanagers" in head


def test_the_download_of_a_test_is_described_and_carries_the_outcome(tmp_path, monkeypatch):
    monkeypatch.setattr(chapter, "display", lambda md: None)
    ch = chapter.Chapter("x", 2018, paths.CLEAN_DIR, paths.CODEBOOK_DIR, tmp_path)
    ch.claim("projectbasis-trend")
    row = pd.read_csv(tmp_path / "data" / "toets-projectbasis-trend.csv").iloc[0]
    for column in row.index:
        downloads.field(column)  # every column is typed and described
    assert row["uitkomst"] == "niet aangetoond" and row["ondersteund"] == 0
    assert row["methode"] == DESIGNS["jaren"]
    assert row["vergelijking"].startswith(CLAIMS["projectbasis-trend"].compares)
    assert (tmp_path / "data" / "toets-projectbasis-trend.xlsx").exists()


def test_a_suppressed_test_says_why_in_the_same_box(tmp_path, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(chapter, "display", lambda md: shown.append(md.data))
    ch = chapter.Chapter("x", 2018, paths.CLEAN_DIR, paths.CODEBOOK_DIR, tmp_path, min_count=10**4)
    ch.claim("maatregelen-grootte")
    assert len(shown) == 1 and "(onderdrukt: te kleine groep)" in shown[0]
    assert "**De monitor:**" in shown[0] and "collapse" not in shown[0]
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").glob("toets-*"))


def test_measures_count_anders_as_one_and_geen_aanbod_as_none(codebooks):
    q = codebooks[2018].by_harmonised("aanbod")
    cols = {q.clean_column(o.code): [0.0, 0.0, 1.0, None] for o in q.options}
    df = pd.DataFrame(cols)
    df.loc[0, "aanbod__anders"] = 1.0
    df.loc[1, "aanbod__geen_aanbod"] = 1.0
    n = _n_measures(Wave(2018, df, codebooks[2018]))
    assert n.iloc[0] == 1 and n.iloc[1] == 0 and n.iloc[2] == len(q.options) - 1
    assert pd.isna(n.iloc[3])  # did not answer


def test_key_figures_column_is_labelled_alike_on_synthetic_and_real_editions(tmp_path, monkeypatch):
    """One label for the estimate for all municipalities, whatever the data are."""
    shown: list[str] = []
    monkeypatch.setattr(chapter, "display", lambda md: shown.append(md.data))
    heads = []
    for synthetic in (True, False):
        shown.clear()
        out = tmp_path / str(synthetic)
        chapter.Chapter("x", 2018, paths.CLEAN_DIR, paths.CODEBOOK_DIR, out, synthetic).show(
            "Kerncijfers"
        )
        heads.append(next(ln for ln in shown[0].splitlines() if ln.startswith("|")))
    assert heads[0] == heads[1]
    assert "Schatting voor alle gemeenten 2018 (95%-interval)" in heads[0]
    assert not re.search(r"synthetisch|bewijs|ondersteund|bevestig", heads[0])
