"""The report's claims, tested on the data of an edition and said in plain Dutch.

Each claim names what the report says ('significant', 'increase', 'clearly less'), what is
compared, how it is tested and in which direction it would be supported. A claim the data do
not support is reported as not supported; nothing is forced. Each claim also names the
editions whose publication made it (``years``); the chapters of other editions leave it out.

How a claim box reads (``box``): the claim, then one line saying whether the edition's data
bear it out and how surely, in the words of ``OUTCOMES``; the statistics (difference,
interval, t, degrees of freedom, p) follow in a collapsed block. The method is explained once,
in the methods appendix (section ``sec-toetsen``), and every box links to it. On synthetic
data the line says that the test only demonstrates the method.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import stats, tables
from .codebook import Question
from .conclusions import number_word, words
from .items import Wave

LARGE = ("G4", "G40")

# The section of the methods appendix that explains how claims are tested and what the
# outcomes below mean; every claim box links to it.
METHOD_SECTION = "sec-toetsen"

# How surely the data bear out a claim. A claim is supported (the CSV column `ondersteund`)
# when the difference goes the claimed way and p < stats.ALPHA; below CLEAR the support is
# called clear. The bands are read from p, the chance of a difference at least this large if
# there were none; the 95 % interval of the difference lies wholly on the claimed side exactly
# when p < ALPHA.
CLEAR = 0.01

# The outcome of a test in words: key (the CSV column `uitkomst`) -> the clause that ends the
# sentence stating the difference ("…, en dat bevestigt de bewering duidelijk").
OUTCOMES = {
    "duidelijk": "en dat bevestigt de bewering duidelijk",
    "waarschijnlijk": "en dat bevestigt de bewering waarschijnlijk, al is dat niet zeker",
    "exact": "en dat bevestigt de bewering zonder onzekerheid, want alle gemeenten van de "
    "vergeleken groepen deden mee",
    "niet aangetoond": "maar dat verschil is te klein om toeval uit te sluiten, dus de bewering "
    "is niet aangetoond",
    "tegengesproken": "en dat spreekt de bewering duidelijk tegen",
    "niet te beoordelen": "maar hoe zeker dat is, valt niet te schatten, dus de bewering is "
    "niet te beoordelen",
}

# How each kind of comparison is tested, in a few words (the CSV column `methode` and the
# folded statistics); the methods appendix explains each at length, once. Kept under eight
# words: they recur in every box of a page.
DESIGNS = {
    "jaren": "t-toets voor twee onafhankelijke metingen",
    "grootte": "t-toets voor twee groepen gemeenten",
    "gepaard": "gepaarde t-toets binnen dezelfde gemeenten",
    "niveau": "t-toets tegen een vast niveau",
}


@dataclass(frozen=True)
class Comparison:
    """The two sides a test compares, as they read inside a sentence, and any caveat.

    ``this`` is the side the claim is about ('in 2018', 'bij grote gemeenten'), ``that`` the
    side it is compared with; the difference of the test is ``this`` minus ``that``.
    ``caveat`` says how the question changed between two waves ('' when it did not).
    """

    this: str
    that: str
    caveat: str = ""

    def __str__(self) -> str:
        """'in 2018 tegenover 2017': a preposition both sides share is said once."""
        first, _, rest = self.that.partition(" ")
        that = rest if rest and self.this.split(" ", 1)[0] == first else self.that
        return f"{self.this} tegenover {that}"


@dataclass(frozen=True)
class Claim:
    """A claim of the report and how to test it.

    ``years`` are the editions whose publication made the claim: the 2016 summary, the 2017
    infographic or the 2018 report. Another edition's chapter shows nothing for it.
    """

    id: str
    chapter: str
    text: str  # the claim, in our words
    compares: str  # what is measured, as the subject of a sentence ('het aandeel gemeenten …')
    design: str  # how it is compared: a key of DESIGNS
    run: Callable[[dict[int, Wave], int], tuple[stats.Test, Comparison] | None]
    years: tuple[int, ...]
    scale: float = 100.0  # shares are tested on 0-1 and shown in percentage points
    unit: str = "procentpunt"
    # For a comparison of groups of municipalities: how many answered in each group. A group
    # under disclosure.min_count is not published (the chapter says the test is suppressed).
    groups: Callable[[Wave], dict[str, int]] | None = None

    @property
    def method(self) -> str:
        """How the claim is tested, in a few words (the appendix explains it at length)."""
        return DESIGNS[self.design]


def outcome(test: stats.Test) -> str:
    """The outcome of a test as a key of ``OUTCOMES``.

    Supported (the difference goes the claimed way and p < ``stats.ALPHA``): 'exact' without
    sampling error, 'duidelijk' when p < ``CLEAR``, else 'waarschijnlijk'. Not supported:
    'tegengesproken' when the difference goes the other way with p < ``stats.ALPHA`` (a
    supported test differs from it only in the sign), 'niet te beoordelen' without a standard
    error, else 'niet aangetoond'.
    """
    if math.isnan(test.p_value):
        return "niet te beoordelen"
    if test.supported:
        if test.no_sampling_error:
            return "exact"
        return "duidelijk" if test.p_value < CLEAR else "waarschijnlijk"
    return "tegengesproken" if test.p_value < stats.ALPHA else "niet aangetoond"


def _design(w: Wave) -> stats.Design:
    return stats.design(w.df, w.cb.population)


def _indicator(w: Wave, name: str, keys: tuple[str, ...]) -> pd.Series | None:
    """1/0 per municipality for 'answered one of keys', missing where not answered."""
    q = w.cb.by_harmonised(name)
    if q is None:
        return None
    return tables.option_hit(w.df, q, keys).astype(float).where(tables.answered(w.df, q))


def _previous(waves: dict[int, Wave], year: int, name: str) -> int | None:
    earlier = [y for y in waves if y < year and waves[y].cb.by_harmonised(name) is not None]
    return max(earlier) if earlier else None


def _options(n: int) -> str:
    return "één antwoordoptie" if n == 1 else f"{number_word(n)} antwoordopties"


def comparability(first: Question, second: Question, years: tuple[int, int]) -> str:
    """Say, in a Dutch clause, how a question differs between two waves ('' if it does not).

    'de vraag had in 2017 drie antwoordopties en in 2018 achttien'; several differences are
    joined ('…, de vraagvorm verschilt en …').

    Parameters
    ----------
    first, second
        The question in the earlier and in the later wave's codebook.
    years
        The two waves, for the text.
    """
    a, b = (tuple(o.key for o in q.options) for q in (first, second))
    diffs = []
    if first.partial_options or second.partial_options:  # the wave's full list is unknown
        partial = years[0] if first.partial_options else years[1]
        diffs.append(f"van de vraag van {partial} zijn niet alle antwoordopties bekend")
    elif len(a) != len(b):
        diffs.append(f"de vraag had in {years[0]} {_options(len(a))} en in {years[1]} "
                     f"{number_word(len(b))}")  # fmt: skip
    elif set(a) != set(b):
        diffs.append(f"de antwoordopties verschillen tussen {years[0]} en {years[1]}")
    if first.type != second.type:
        diffs.append("de vraagvorm verschilt")
    if " ".join(first.text.split()) != " ".join(second.text.split()):
        diffs.append("de vraag is anders geformuleerd")
    if (first.routing is None) != (second.routing is None):
        diffs.append("de vraag is niet aan dezelfde groep gemeenten gesteld")
    return words(diffs) if diffs else ""


def _between_waves(
    name: str, y_of: Callable[[Wave], pd.Series], proportion: bool, expect: int, label: str
) -> Callable:
    """Compare the edition's wave with the latest earlier wave that asked the same question."""

    def run(waves: dict[int, Wave], year: int):
        prev = _previous(waves, year, name)
        if prev is None or waves[year].cb.by_harmonised(name) is None:
            return None
        first, second = (
            stats.ratio(_design(waves[y]), y_of(waves[y]), proportion) for y in (prev, year)
        )
        if first.n == 0 or second.n == 0:
            return None  # nobody answered in one of the waves: nothing to compare
        caveat = comparability(
            waves[prev].cb.by_harmonised(name), waves[year].cb.by_harmonised(name), (prev, year)
        )
        test = stats.difference(first, second, label, expect)
        return test, Comparison(f"in {year}", f"in {prev}", caveat)

    return run


def _change(name: str, keys: tuple[str, ...], expect: int, label: str) -> Callable:
    """A share in this wave against the latest earlier wave."""
    return _between_waves(name, lambda w: _indicator(w, name, keys), True, expect, label)


def _mean_change(name: str, expect: int, label: str) -> Callable:
    """The mean of an estimate in this wave against the latest earlier wave."""

    def values(w: Wave) -> pd.Series:
        return w.df[w.cb.by_harmonised(name).clean_column()].astype(float)

    return _between_waves(name, values, False, expect, label)


def _by_size(y_of: Callable[[Wave], pd.Series | None], proportion: bool, label: str) -> Callable:
    """Large municipalities (G4 and G40 together) against the others, in the same wave."""

    def run(waves: dict[int, Wave], year: int):
        w = waves[year]
        y = y_of(w)
        if y is None:
            return None
        d = _design(w)
        large = w.df["grootteklasse"].astype(str).isin(LARGE)
        rest = stats.ratio(d, y.where(~large), proportion)
        big = stats.ratio(d, y.where(large), proportion)
        if rest.n == 0 or big.n == 0:
            return None
        test = stats.difference(rest, big, label, +1)
        return test, Comparison("bij de grote gemeenten (G4 en G40)", "bij de overige gemeenten")

    return run


def _size_groups(y_of: Callable[[Wave], pd.Series | None]) -> Callable[[Wave], dict[str, int]]:
    """Municipalities that answered, among the large ones (G4 and G40) and among the others."""

    def groups(w: Wave) -> dict[str, int]:
        y = y_of(w)
        if y is None:
            return {}
        large = w.df["grootteklasse"].astype(str).isin(LARGE)
        return {
            "grote gemeenten": int((y.notna() & large).sum()),
            "overige gemeenten": int((y.notna() & ~large).sum()),
        }

    return groups


def _studeren_30plus(w: Wave) -> pd.Series | None:
    return _indicator(w, "studeren_30plus", ("van_toepassing",))


def _level(
    name: str, keys: tuple[str, ...], threshold: float, level: str, expect: int, label: str
) -> Callable:
    """A share in this wave against a level the report names ('more than a third')."""

    def run(waves: dict[int, Wave], year: int):
        ind = _indicator(waves[year], name, keys)
        if ind is None:
            return None
        est = stats.ratio(_design(waves[year]), ind, proportion=True)
        if est.n == 0:
            return None
        fixed = stats.Estimate(threshold, 0.0, threshold, threshold, 0, est.df)
        return stats.difference(fixed, est, label, expect), Comparison(f"in {year}", level)

    return run


def _n_measures(w: Wave) -> pd.Series | None:
    """Number of measures ticked per municipality (Tabel 3.1), missing where not answered.

    'Anders, namelijk' counts as one measure (it may stand for more, so this is a lower
    bound), as in the report's 'on average nine measures'; 'geen aanbod' counts as none.
    """
    q = w.cb.by_harmonised("aanbod")
    if q is None or len(q.options) < 10:
        return None  # only the full list of measures can be counted
    cols = [q.clean_column(o.code) for o in q.options if o.key != "geen_aanbod"]
    return w.df[cols].astype(float).sum(axis=1).where(tables.answered(w.df, q))


def _nareizigers(waves: dict[int, Wave], year: int):
    w = waves[year]
    first = _indicator(w, "zicht_achtergrond", ("eens", "helemaal_eens"))
    second = _indicator(w, "zicht_nareizigers", ("eens", "helemaal_eens"))
    if first is None or second is None:
        return None
    label = "zicht op nareizigers lager dan op statushouders"
    if not (first.notna() & second.notna()).any():
        return None  # no municipality answered both
    test = stats.paired_difference(_design(w), first, second, label, -1)
    return test, Comparison("voor nareizigers", "voor statushouders in het algemeen")


# --- how a box reads ---------------------------------------------------------------------------


def _dec(v: float, digits: int = 1) -> str:
    """A number in Dutch notation, a true minus sign for negatives ('−7,7')."""
    text = f"{abs(float(v)):.{digits}f}".replace(".", ",")
    return f"−{text}" if float(v) < 0 and text.strip("0,") else text


def _subject(claim: Claim) -> str:
    """The claim's ``compares`` as the subject of a sentence; a relative clause takes a comma."""
    comma = "," if any(f" {w} " in claim.compares for w in ("dat", "die", "wie")) else ""
    return claim.compares[:1].upper() + claim.compares[1:] + comma


def difference_clause(claim: Claim, test: stats.Test, cmp: Comparison) -> str:
    """The difference of a test as the start of a sentence, its subject the claim's ``compares``.

    'Het aandeel gemeenten dat bij vestiging start, is in 2018 10,5 procentpunt hoger dan in
    2017'. A count ('maatregelen') is said without its unit: the subject names it.
    """
    diff = test.estimate * claim.scale
    size = _dec(abs(diff))
    if size == "0,0":
        return f"{_subject(claim)} is {cmp.this} vrijwel even hoog als {cmp.that}"
    unit = f" {claim.unit}" if claim.unit == "procentpunt" else ""
    more = "hoger" if diff > 0 else "lager"
    return f"{_subject(claim)} is {cmp.this} {size}{unit} {more} dan {cmp.that}"


def line(claim: Claim, test: stats.Test, cmp: Comparison, synthetic: bool) -> str:
    """The one sentence of a box on what the edition's data say about the claim.

    It states the difference and, on real data, how surely it bears the claim out
    (``OUTCOMES``); on synthetic data, that the test only demonstrates the method. It links to
    the methods appendix. One sentence with the claim's own subject, so that no part of it
    recurs in the other boxes of a page.
    """
    ref = f"@{METHOD_SECTION}"
    start = difference_clause(claim, test, cmp)
    if synthetic:
        return (
            f"{start}, maar omdat de gegevens synthetisch zijn, demonstreert de toets hier "
            f"alleen de methode ({ref}) en is de uitkomst geen bevinding over echte gemeenten."
        )
    return f"{start}, {OUTCOMES[outcome(test)]} ({ref})."


def statistics_lines(claim: Claim, test: stats.Test, cmp: Comparison) -> list[str]:
    """The statistics of a test, one per line, for the folded block of the box."""
    diff, low, high = (v * claim.scale for v in (test.estimate, test.low, test.high))
    level = f"{round(stats.CONFIDENCE * 100)}%"
    if test.no_sampling_error:
        stat, interval = "geen steekproefonzekerheid", ""
    elif math.isnan(test.p_value):
        stat, interval = "onzekerheid niet te schatten", ""
    else:
        p = "p < 0,001" if test.p_value < 0.001 else f"p = {_dec(test.p_value, 3)}"
        stat = f"t({test.df}) = {_dec(test.statistic)}, {p}"
        interval = f" ({level}-interval {_dec(low)} tot {_dec(high)})"
    return [
        f"- Vergelijking: {claim.compares}, {cmp}.",
        f"- Verschil: {_dec(diff)} {claim.unit}{interval}.",
        f"- Toets: {claim.method}, {stat}.",
    ]


TITLE = "Bewering van de monitor, getoetst"


def box(
    claim: Claim, test: stats.Test, cmp: Comparison, year: int, synthetic: bool, links: str
) -> str:
    """The Markdown of a claim box: the claim, one line on the outcome, the statistics folded.

    Parameters
    ----------
    claim, test, cmp
        The claim, its test on the edition's data and what the test compared.
    year
        The edition (the caveat of a changed question names its waves itself).
    synthetic
        Whether the edition's data are synthetic: then the line says the test demonstrates the
        method, and the outcome is named only in the folded block, as an outcome on those data.
    links
        The download links of the test (CSV and Excel), put in the folded block.
    """
    result = outcome(test)
    said = "Uitkomst op de synthetische gegevens" if synthetic else "Uitkomst"
    lines = [
        f"::::: {{.callout-note title='{TITLE}'}}",
        f"**De monitor:** {claim.text}",
        "",
        f"**In deze editie:** {line(claim, test, cmp, synthetic)}",
    ]
    if cmp.caveat:
        subject = _subject(claim)
        lines += ["", f"Let op: {cmp.caveat}, dus {subject[:1].lower()}{subject[1:]} is niet "
                      "zonder meer te vergelijken tussen de twee jaren."]  # fmt: skip
    lines += [
        "",
        "::: {.callout-note collapse='true' title='De toets in cijfers'}",
        *statistics_lines(claim, test, cmp),
        f"- {said}: {result}.",
        "",
        links,
        ":::",
        ":::::",
    ]
    return "\n".join(lines)


def note_box(claim: Claim, reason: str) -> str:
    """A claim box without a test: the claim and why this edition does not test it."""
    return "\n".join(
        [
            f"::: {{.callout-note title='{TITLE}'}}",
            f"**De monitor:** {claim.text}",
            "",
            f"**In deze editie:** {reason}",
            ":::",
        ]
    )


def row(claim: Claim, test: stats.Test, cmp: Comparison, year: int) -> dict:
    """The test as one row of its download (the columns are described in ``downloads``)."""
    diff, low, high = (v * claim.scale for v in (test.estimate, test.low, test.high))
    what = f"{claim.compares}, {cmp}" + (f" (let op: {cmp.caveat})" if cmp.caveat else "")
    return {"jaar": year, "bewering": claim.text, "vergelijking": what,
            "methode": claim.method, "verschil": diff, "ci_laag": low, "ci_hoog": high,
            "eenheid": claim.unit, "statistiek": test.statistic, "vrijheidsgraden": test.df,
            "p": test.p_value, "uitkomst": outcome(test),
            "ondersteund": test.supported}  # fmt: skip


# --- the claims --------------------------------------------------------------------------------

_START_NA = "het aandeel gemeenten dat pas na de inburgering met de arbeidstoeleiding start"

CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in [
        Claim(
            "studeren-30plus-grootte",
            "onderwijs",
            "Grote gemeenten (G4 en G40) bieden statushouders boven de 30 vaker de mogelijkheid om "
            "met behoud van uitkering te studeren dan andere gemeenten.",
            "het aandeel gemeenten dat statushouders boven de 30 laat studeren met behoud van "
            "uitkering",
            "grootte",
            _by_size(_studeren_30plus, True, "grote gemeenten vaker"),
            years=(2018,),  # rapport 2018, hoofdstuk 5: 'significant vaker'
            groups=_size_groups(_studeren_30plus),
        ),
        Claim(
            "maatregelen-grootte",
            "beleid",
            "Grotere gemeenten hebben meer maatregelen voor statushouders dan kleinere.",
            # 'anders' counts as one measure (_n_measures)
            "het gemiddelde aantal aangevinkte maatregelen ('anders' telt als één)",
            "grootte",
            _by_size(_n_measures, False, "grote gemeenten meer maatregelen"),
            years=(2018,),  # rapport 2018, bij tabel 3.1
            scale=1.0,
            unit="maatregelen",
            groups=_size_groups(_n_measures),
        ),
        Claim(
            "nareizigers",
            "startmoment",
            "Gemeenten hebben beduidend minder zicht op de achtergrond van nareizigers dan op die "
            "van statushouders in het algemeen.",
            "het aandeel gemeenten dat zegt voldoende zicht op de achtergrond te hebben",
            "gepaard",
            _nareizigers,
            years=(2018,),  # rapport 2018, §4.4; de vraag over nareizigers is pas in 2018 gesteld
        ),
        Claim(
            "start-na-inburgering-derde",
            "startmoment",
            "Ruim een derde van de gemeenten wacht met de arbeidstoeleiding tot de inburgering "
            "is afgerond.",
            _START_NA,
            "niveau",
            _level(
                "startmoment", ("na_inburgering",), 1 / 3, "een derde", +1, "meer dan een derde"
            ),  # fmt: skip
            years=(2016,),  # samenvatting 2016
        ),
        Claim(
            "start-vestiging",
            "startmoment",
            "Steeds meer gemeenten starten de arbeidstoeleiding bij vestiging in de gemeente.",
            "het aandeel gemeenten dat bij vestiging met de arbeidstoeleiding start",
            "jaren",
            _change("startmoment", ("vestiging",), +1, "toename start bij vestiging"),
            years=(2017, 2018),  # infographic 2017 (37 -> 62 %), rapport 2018 (62 -> 72 %)
        ),
        Claim(
            "start-na-inburgering",
            "startmoment",
            "Steeds minder gemeenten wachten tot na de inburgering.",
            _START_NA,
            "jaren",
            _change("startmoment", ("na_inburgering",), -1, "afname start na inburgering"),
            years=(2017, 2018),  # infographic 2017 (36 -> 11 %), rapport 2018 ('slechts 3 %')
        ),
        Claim(
            "zicht-trend",
            "startmoment",
            "Gemeenten hebben steeds vaker voldoende zicht op de achtergrond van statushouders.",
            "het aandeel gemeenten dat zegt voldoende zicht op de achtergrond van statushouders "
            "te hebben",
            "jaren",
            _change("zicht_achtergrond", ("eens", "helemaal_eens"), +1, "toename voldoende zicht"),
            # infographic 2017 ('gemeenten weten meer over hun statushouders'), rapport 2018 (§4.2)
            years=(2017, 2018),
        ),
        Claim(
            "klantmanagers-trend",
            "beleid",
            "Meer gemeenten werken met klantmanagers speciaal voor statushouders.",
            "het aandeel gemeenten met klantmanagers speciaal voor statushouders",
            "jaren",
            _change("aanbod", ("dedicated_klantmanagers",), +1, "toename dedicated klantmanagers"),
            years=(2018,),  # rapport 2018, §3.2 (72 -> 84 %)
        ),
        Claim(
            "route-werk-trend",
            "resultaten",
            "Gemeenten schatten dat een groter deel van de statushouders direct naar werk is "
            "bemiddeld dan een jaar eerder.",
            "het gemiddelde geschatte aandeel statushouders dat direct naar werk is bemiddeld",
            "jaren",
            _mean_change("route_werk", +1, "toename directe bemiddeling naar werk"),
            years=(2018,),  # rapport 2018, conclusies (8 -> 13 %)
            scale=1.0,
        ),
        Claim(
            "route-geen-trend",
            "resultaten",
            "Voor een kleiner deel van de statushouders is er nog geen inzet dan een jaar eerder.",
            "het gemiddelde geschatte aandeel statushouders voor wie er nog geen inzet is",
            "jaren",
            _mean_change("route_geen", -1, "afname nog geen inzet"),
            years=(2018,),  # rapport 2018, tabel 8.1 (37 -> 20 %)
            scale=1.0,
        ),
        Claim(
            "projectbasis-trend",
            "randvoorwaarden",
            "Het beleid is iets vaker op projectbasis georganiseerd dan een jaar eerder.",
            "het aandeel gemeenten dat het beleid op projectbasis organiseert",
            "jaren",
            _change("inbedding", ("projectbasis",), +1, "toename projectbasis"),
            years=(2018,),  # rapport 2018, §10 (45 -> 48 %)
        ),
        Claim(
            "ingebed-trend",
            "randvoorwaarden",
            "Het beleid is minder vaak ingebed in reguliere processen dan een jaar eerder.",
            "het aandeel gemeenten dat het beleid heeft ingebed in reguliere processen",
            "jaren",
            _change("inbedding", ("ingebed",), -1, "afname ingebed beleid"),
            years=(2018,),  # rapport 2018, §10 (49 -> 39 %)
        ),
    ]
}
