"""The report's claims, tested on the data of an edition.

Each claim names what the report says ('significant', 'increase', 'clearly less'), how it is
tested and in which direction it would be supported. A claim the data do not support is
reported as not supported; nothing is forced. Each claim also names the editions whose
publication made it (``years``); the chapters of other editions leave it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import stats, tables
from .codebook import Question
from .items import Wave

LARGE = ("G4", "G40")


@dataclass(frozen=True)
class Claim:
    """A claim of the report and how to test it.

    ``years`` are the editions whose publication made the claim: the 2016 summary, the 2017
    infographic or the 2018 report. Another edition's chapter shows nothing for it.
    """

    id: str
    chapter: str
    text: str  # the claim, in our words
    method: str  # the test, in plain Dutch
    run: Callable[[dict[int, Wave], int], tuple[stats.Test, str] | None]
    years: tuple[int, ...]
    scale: float = 100.0  # shares are tested on 0-1 and shown in percentage points
    unit: str = "procentpunt"


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


def comparability(first: Question, second: Question, years: tuple[int, int]) -> str:
    """Say, in plain Dutch, how a question differs between two waves ('' when it does not).

    Parameters
    ----------
    first, second
        The question in the earlier and in the later wave's codebook.
    years
        The two waves, for the text.
    """
    a, b = (tuple(o.key for o in q.options) for q in (first, second))
    diffs = []
    if len(a) != len(b):
        diffs.append(
            f"de vraag had in {years[0]} {len(a)} en in {years[1]} {len(b)} antwoordopties"
        )
    elif set(a) != set(b):
        diffs.append("de antwoordopties verschillen")
    if first.type != second.type:
        diffs.append("de vraagvorm verschilt")
    if " ".join(first.text.split()) != " ".join(second.text.split()):
        diffs.append("de vraag is anders geformuleerd")
    if (first.routing is None) != (second.routing is None):
        diffs.append("de vraag is niet aan dezelfde groep gemeenten gesteld")
    if not diffs:
        return ""
    return f"let op: {'; '.join(diffs)}, dus de metingen zijn niet zonder meer vergelijkbaar"


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
        what = f"{prev} tegenover {year}"
        caveat = comparability(
            waves[prev].cb.by_harmonised(name), waves[year].cb.by_harmonised(name), (prev, year)
        )
        if caveat:
            what += f" ({caveat})"
        return stats.difference(first, second, label, expect), what

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
        return stats.difference(rest, big, label, +1), "grote tegenover overige gemeenten"

    return run


def _level(name: str, keys: tuple[str, ...], threshold: float, expect: int, label: str) -> Callable:
    """A share in this wave against a level the report names ('more than a third')."""

    def run(waves: dict[int, Wave], year: int):
        ind = _indicator(waves[year], name, keys)
        if ind is None:
            return None
        est = stats.ratio(_design(waves[year]), ind, proportion=True)
        level = stats.Estimate(threshold, 0.0, threshold, threshold, 0, est.df)
        return stats.difference(level, est, label, expect), "tegenover het genoemde niveau"

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
    test = stats.paired_difference(_design(w), first, second, label, -1)
    return test, "binnen dezelfde gemeenten"


# Between waves. Many municipalities took part in two waves (in 2017 and 2018 at least about
# 250 + 282 - 388 = 144), so the waves are not different groups; but their codes differ per
# year, so they cannot be linked. Compared as independent samples, the positive covariance
# is left out: the standard error of the difference is too large, the test conservative.
_WAVES = (
    "de metingen zijn vergeleken als losse steekproeven: veel gemeenten deden in beide jaren "
    "mee, maar zijn niet aan elkaar te koppelen, omdat hun codes per jaar verschillen. Een "
    "gemeente antwoordt in twee jaren waarschijnlijk vaak hetzelfde; omdat de toets dat niet "
    "meeneemt, is hij voorzichtig: een echt verschil wordt eerder gemist dan ten onrechte gevonden"
)
_SAME = f"t-toets op het verschil tussen de gewogen aandelen in twee metingen; {_WAVES}"
_SAME_MEAN = f"t-toets op het verschil tussen de gewogen gemiddelde schattingen; {_WAVES}"
# By size. The three size classes are two groups: the G4 has only four municipalities, and the
# rule for small groups (ASSUMPTIONS O01) joins it with the G40, as the report does.
_GROUPS = (
    "de G4 en de G40 samen tegenover de overige gemeenten; de G4 telt maar vier gemeenten, "
    "daarom voegen we die, zoals het rapport, bij de G40"
)

CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in [
        Claim(
            "studeren-30plus-grootte",
            "onderwijs",
            "Grote gemeenten (G4 en G40) bieden statushouders boven de 30 vaker de mogelijkheid om "
            "met behoud van uitkering te studeren dan andere gemeenten.",
            f"verschil tussen de gewogen aandelen van twee groepen gemeenten (t-toets): {_GROUPS}",
            _by_size(
                lambda w: _indicator(w, "studeren_30plus", ("van_toepassing",)),
                True,
                "grote gemeenten vaker",
            ),
            years=(2018,),  # rapport 2018, hoofdstuk 5: 'significant vaker'
        ),
        Claim(
            "maatregelen-grootte",
            "beleid",
            "Grotere gemeenten hebben meer maatregelen voor statushouders dan kleinere.",
            "verschil tussen het gewogen gemiddelde aantal aangevinkte maatregelen van twee "
            f"groepen (t-toets; 'anders' telt als één maatregel): {_GROUPS}",
            _by_size(_n_measures, False, "grote gemeenten meer maatregelen"),
            years=(2018,),  # rapport 2018, bij tabel 3.1
            scale=1.0,
            unit="maatregelen",
        ),
        Claim(
            "nareizigers",
            "startmoment",
            "Gemeenten hebben beduidend minder zicht op de achtergrond van nareizigers dan op die "
            "van statushouders in het algemeen.",
            "gepaarde vergelijking binnen dezelfde gemeenten: per gemeente het verschil tussen de "
            "twee stellingen, alleen voor gemeenten die beide beantwoordden (t-toets op het "
            "gemiddelde verschil)",
            _nareizigers,
            years=(2018,),  # rapport 2018, §4.4; de vraag over nareizigers is pas in 2018 gesteld
        ),
        Claim(
            "start-na-inburgering-derde",
            "startmoment",
            "Ruim een derde van de gemeenten wacht met de arbeidstoeleiding tot de inburgering "
            "is afgerond.",
            "verschil tussen het gewogen aandeel en een derde (t-toets)",
            _level("startmoment", ("na_inburgering",), 1 / 3, +1, "meer dan een derde"),
            years=(2016,),  # samenvatting 2016
        ),
        Claim(
            "start-vestiging",
            "startmoment",
            "Steeds meer gemeenten starten de arbeidstoeleiding bij vestiging in de gemeente.",
            _SAME,
            _change("startmoment", ("vestiging",), +1, "toename start bij vestiging"),
            years=(2017, 2018),  # infographic 2017 (37 -> 62 %), rapport 2018 (62 -> 72 %)
        ),
        Claim(
            "start-na-inburgering",
            "startmoment",
            "Steeds minder gemeenten wachten tot na de inburgering.",
            _SAME,
            _change("startmoment", ("na_inburgering",), -1, "afname start na inburgering"),
            years=(2017, 2018),  # infographic 2017 (36 -> 11 %), rapport 2018 ('slechts 3 %')
        ),
        Claim(
            "zicht-trend",
            "startmoment",
            "Gemeenten hebben steeds vaker voldoende zicht op de achtergrond van statushouders.",
            _SAME,
            _change("zicht_achtergrond", ("eens", "helemaal_eens"), +1, "toename voldoende zicht"),
            # infographic 2017 ('gemeenten weten meer over hun statushouders'), rapport 2018 (§4.2)
            years=(2017, 2018),
        ),
        Claim(
            "klantmanagers-trend",
            "beleid",
            "Meer gemeenten werken met klantmanagers speciaal voor statushouders.",
            _SAME,
            _change("aanbod", ("dedicated_klantmanagers",), +1, "toename dedicated klantmanagers"),
            years=(2018,),  # rapport 2018, §3.2 (72 -> 84 %)
        ),
        Claim(
            "route-werk-trend",
            "resultaten",
            "Gemeenten schatten dat een groter deel van de statushouders direct naar werk is "
            "bemiddeld dan een jaar eerder.",
            _SAME_MEAN,
            _mean_change("route_werk", +1, "toename directe bemiddeling naar werk"),
            years=(2018,),  # rapport 2018, conclusies (8 -> 13 %)
            scale=1.0,
        ),
        Claim(
            "route-geen-trend",
            "resultaten",
            "Voor een kleiner deel van de statushouders is er nog geen inzet dan een jaar eerder.",
            _SAME_MEAN,
            _mean_change("route_geen", -1, "afname nog geen inzet"),
            years=(2018,),  # rapport 2018, tabel 8.1 (37 -> 20 %)
            scale=1.0,
        ),
        Claim(
            "projectbasis-trend",
            "randvoorwaarden",
            "Het beleid is iets vaker op projectbasis georganiseerd dan een jaar eerder.",
            _SAME,
            _change("inbedding", ("projectbasis",), +1, "toename projectbasis"),
            years=(2018,),  # rapport 2018, §10 (45 -> 48 %)
        ),
        Claim(
            "ingebed-trend",
            "randvoorwaarden",
            "Het beleid is minder vaak ingebed in reguliere processen dan een jaar eerder.",
            _SAME,
            _change("inbedding", ("ingebed",), -1, "afname ingebed beleid"),
            years=(2018,),  # rapport 2018, §10 (49 -> 39 %)
        ),
    ]
}
