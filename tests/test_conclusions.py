"""The conclusions chapter: recommendations of the original publications, changes in questions."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import YEARS
from toeleiding import conclusions, paths
from toeleiding.codebook import load_codebook

OVERLAP_TOOL = paths.ROOT.parent / "shared" / "tools" / "prose_overlap.py"


@pytest.mark.parametrize("year", YEARS)
def test_every_wave_has_attributed_recommendations(year):
    pub = conclusions.load_publication(paths.TEXTS_DIR, year)
    assert pub is not None, f"notebooks/teksten/aanbevelingen-{year}.md is missing"
    assert pub.year == year
    assert "Kennisplatform Integratie & Samenleving" in pub.publisher
    sentence = pub.attribution()
    assert sentence.startswith("Bron: ") and pub.title in sentence and str(year) in sentence
    assert pub.body and "rapport van 2018" not in pub.body


def test_recommendations_of_2018_look_back_at_2017():
    pub = conclusions.load_publication(paths.TEXTS_DIR, 2018)
    assert "Terugblik" in pub.body and "Divosa" in pub.publisher and pub.part


def test_a_missing_text_is_none_and_a_malformed_one_is_an_error(tmp_path):
    assert conclusions.load_publication(tmp_path, 2030) is None
    (tmp_path / "aanbevelingen-2030.md").write_text("Geen voorwerk.\n", encoding="utf-8")
    with pytest.raises(conclusions.TextError, match="front matter"):
        conclusions.load_publication(tmp_path, 2030)
    (tmp_path / "aanbevelingen-2030.md").write_text("---\ntitel: X\n---\nTekst\n")
    with pytest.raises(conclusions.TextError, match="uitgever, jaar"):
        conclusions.load_publication(tmp_path, 2030)


def test_a_url_becomes_a_link():
    pub = conclusions.Publication("T", "P", 2017, "b", url="https://example.org/t")
    assert pub.attribution() == "Bron: [*T*](https://example.org/t), P, 2017."


def test_changes_are_computed_from_the_codebooks():
    cbs = {y: load_codebook(paths.codebook_path(y)) for y in YEARS}
    assert conclusions.changes(cbs, min(YEARS)) == []
    by_name = {c.name: c for c in conclusions.changes(cbs, 2018)}
    # The policy question was reworded and gained 'Niet meer' (see the codebooks).
    policy = by_name["beleid_aanvullend"]
    assert policy.earlier == 2017 and policy.wording_changed and policy.added == ("Niet meer",)
    assert "niet één op één" in conclusions.describe(policy)
    # Budgets were not asked in 2017: compared with 2016.
    assert by_name["budgetten"].earlier == 2016
    assert by_name["startmoment"].added == () and not by_name["startmoment"].wording_changed
    assert conclusions.describe(by_name["startmoment"]) == ""
    # The sources give only some options of 2017's offer: nothing is counted as added.
    assert by_name["aanbod"].partial
    assert conclusions.describe(by_name["aanbod"]).startswith("van een van beide metingen")
    # A long list of new options is counted in words, not listed.
    long = conclusions.Change("x", "beleid", "Vraag", 2017, False, tuple("abcdefghijklmno"), ())
    assert conclusions.describe(long).startswith("er zijn vijftien antwoordopties bijgekomen")


def test_small_numbers_are_words():
    assert [conclusions.number_word(n) for n in (1, 3, 15, 20, 21)] == [
        "een", "drie", "vijftien", "twintig", "21"
    ]  # fmt: skip
    assert conclusions.words(["a"]) == "a" and conclusions.words(["a", "b", "c"]) == "a, b en c"


def test_our_summaries_share_no_long_passage_with_the_sources():
    if not OVERLAP_TOOL.exists():
        pytest.skip(f"the prose-overlap tool is not at {OVERLAP_TOOL} on this machine")
    res = subprocess.run(
        [sys.executable, str(OVERLAP_TOOL), "--repo", str(paths.TEXTS_DIR)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    flagged = [line for line in res.stdout.splitlines() if "words shared" in line]
    assert flagged == [], "\n".join(flagged)
    assert Path(paths.TEXTS_DIR).is_dir()
