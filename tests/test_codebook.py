import pandas as pd
import pytest

from toeleiding import paths
from toeleiding.codebook import CodebookError, load_codebook

# Every Figuur and Tabel of the 2018 report (chapters 2-10). The report prints two figures as
# "Figuur 10.4"; the second (zicht op uitstroom) is 10.4b here (docs/ASSUMPTIONS.md).
ITEMS_2018 = (
    ["Tabel 3.1", "Tabel 6.1", "Tabel 8.1", "Tabel 9.1"]
    + [f"Figuur 3.{i}" for i in range(1, 8)]
    + [f"Figuur 4.{i}" for i in range(1, 5)]
    + [f"Figuur 5.{i}" for i in range(1, 4)]
    + ["Figuur 6.2"]
    + [f"Figuur 7.{i}" for i in range(1, 7)]
    + [f"Figuur 8.{i}" for i in range(1, 4)]
    + ["Figuur 10.1", "Figuur 10.2", "Figuur 10.3", "Figuur 10.4", "Figuur 10.4b", "Figuur 10.5"]
)


def test_every_2018_figure_and_table_has_its_questions(codebooks):
    covered = {item for q in codebooks[2018].questions for item in q.items}
    # Tabel 1 (response by size class) comes from the identifiers, not from a question.
    assert len(ITEMS_2018) + 1 == 35
    assert set(ITEMS_2018) <= covered, set(ITEMS_2018) - covered


def test_routing_of_the_subgroup_questions(codebooks):
    cb = codebooks[2018]
    assert cb["V06"].routing.codes == (1, 4)  # 'ja' or 'is in ontwikkeling' on Figuur 3.1
    assert cb["V07"].routing.question == "V06"
    assert cb["V22"].routing.question == "V21"
    assert cb["V06"].required and cb["V07"].required and cb["V22"].required


def test_harmonised_names_link_waves(codebooks):
    for name in ("startmoment", "zicht_achtergrond", "beleid_aanvullend"):
        assert all(cb.by_harmonised(name) is not None for cb in codebooks.values()), name
    for name in ("route_werk", "route_geen", "inbedding", "aanbod"):
        assert codebooks[2017].by_harmonised(name) is not None
        assert codebooks[2018].by_harmonised(name) is not None


def test_option_keys_agree_across_waves(codebooks):
    """An option key means the same answer in every wave where it occurs."""
    labels: dict[tuple[str, str], set[str]] = {}
    for cb in codebooks.values():
        for q in cb.questions:
            for o in q.options:
                labels.setdefault((q.harmonised, o.key), set()).add(o.label)
    clashes = {k: v for k, v in labels.items() if len(v) > 1}
    allowed = {("inbedding", "niet_van_toepassing")}  # wording changed with 'meer' in 2018
    assert set(clashes) <= allowed, clashes


def test_calibration_covers_exactly_the_codebook(codebooks, calibrations, year):
    assert set(calibrations[year]["questions"]) == {q.id for q in codebooks[year].questions}


def test_population_frame(codebooks):
    totals = {y: sum(cb.population.values()) for y, cb in codebooks.items()}
    assert totals == {2016: 390, 2017: 388, 2018: 380}


def test_broken_codebook_is_refused(tmp_path):
    text = paths.codebook_path(2018).read_text(encoding="utf-8")
    bad = tmp_path / "2018.yaml"
    bad.write_text(
        text.replace("routing: {question: V21, in: [2]}", "routing: {question: V99, in: [2]}")
    )
    with pytest.raises(CodebookError, match="V22: routing refers to V99"):
        load_codebook(bad)


def test_assumed_options_are_marked(codebooks, calibrations, year):
    """An option of a multiple-response question whose share is assumed carries `assumed`."""
    for q in codebooks[year].questions:
        if q.type == "multi":
            spec = calibrations[year]["questions"].get(q.id) or {}
            assumed = {int(c) for c in spec.get("assumed_percent") or {}}
            assert {o.code for o in q.options if o.assumed} == assumed, (year, q.id)


def test_options_of_assumption_l05_are_marked(codebooks):
    """Figuur 3.7, 4.3 and 6.2: the options docs/ASSUMPTIONS.md (L05) lists as assumed."""
    l05 = {
        "andere_groepen": {"alleenstaande_ouders", "andere_nieuwkomers", "anders"},
        "informatiebronnen": {"eigen_intake", "assessment", "taalscholen", "anders"},
        "uitvoeringspartners": {"uwv", "reintegratiebedrijven", "uaf", "coa"},
    }
    for name, keys in l05.items():
        q = codebooks[2018].by_harmonised(name)
        assert {o.key for o in q.options if o.assumed} == keys, name


def test_assumed_marks_do_not_change_the_synthetic_data(codebooks, calibrations):
    """`assumed` only labels the book: the raw data are the same with or without it."""
    from dataclasses import replace

    from conftest import SEED
    from toeleiding.synthesize import synthesize

    cb = codebooks[2018]
    plain = replace(
        cb,
        questions=[
            replace(q, options=tuple(replace(o, assumed=False) for o in q.options))
            for q in cb.questions
        ],
    )
    assert any(o.assumed for q in cb.questions for o in q.options)
    pd.testing.assert_frame_equal(
        synthesize(cb, calibrations[2018], SEED), synthesize(plain, calibrations[2018], SEED)
    )


@pytest.mark.parametrize(
    ("population", "message"),
    [
        ("{G4: 4, G40: 40}", "every size class needs its number of municipalities"),
        ("{G4: 4, G40: 40, overig: 336, G5: 3}", "every size class needs its number"),
        ("{G4: 4, G40: 0, overig: 336}", "a whole number of at least 1"),
    ],
)
def test_population_must_list_every_size_class_once(tmp_path, population, message):
    """Weights need a population per size class; a class without one cannot be estimated."""
    text = paths.codebook_path(2018).read_text(encoding="utf-8")
    start = text.index("population:")
    end = text.index("identifiers:")
    bad = tmp_path / "2018.yaml"
    bad.write_text(text[:start] + f"population: {population}\n" + text[end:], encoding="utf-8")
    with pytest.raises(CodebookError, match=message):
        load_codebook(bad)


def test_population_follows_the_order_of_the_size_classes(codebooks, year):
    """Neighbours in this order are the adjacent classes that thin classes collapse with."""
    cb = codebooks[year]
    assert list(cb.population) == list(cb.size_classes)


def test_the_2017_offer_states_only_what_the_sources_give(codebooks, calibrations):
    """2017: three shares from the 2018 report, not the 2017 list of options (L18)."""
    from toeleiding.claims import comparability

    q = codebooks[2017].by_harmonised("aanbod")
    assert q.partial_options and not codebooks[2018].by_harmonised("aanbod").partial_options
    assert [o.key for o in q.options] == [
        "dedicated_klantmanagers", "extra_taallessen", "lagere_caseload"
    ]  # fmt: skip
    spec = calibrations[2017]["questions"][q.id]
    assert set(spec["percent"]) == set(q.codes) and "mean_answers" not in spec
    named = codebooks[2017].mention("aanbod").named
    assert set(named) == {"Vrijwilligerswerk", "Sollicitatietrainingen", "Werkervaringsplekken",
                          "Proefplaatsing"}  # fmt: skip
    caveat = comparability(q, codebooks[2018].by_harmonised("aanbod"), (2017, 2018))
    assert "van de vraag van 2017 zijn niet alle antwoordopties bekend" in caveat


def test_partners_2017_are_named_without_shares(codebooks):
    """The infographic names partners but no shares: a mention, not a question (L19)."""
    cb = codebooks[2017]
    assert cb.by_harmonised("uitvoeringspartners") is None
    m = cb.mention("uitvoeringspartners")
    assert len(m.named) == 9 and "VluchtelingenWerk Nederland" in m.named
    for year in (2016, 2018):
        assert codebooks[year].mentions == []


def test_a_mention_needs_names(tmp_path):
    text = paths.codebook_path(2017).read_text(encoding="utf-8")
    bad = tmp_path / "2017.yaml"
    bad.write_text(text.replace("    named: [Vrijwilligerswerk,", "    nam: [Vrijwilligerswerk,"))
    with pytest.raises(CodebookError, match="mention aanbod: needs a list 'named'"):
        load_codebook(bad)
