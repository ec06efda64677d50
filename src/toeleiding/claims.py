"""The report's claims, tested on the data of an edition.

Each claim names what the report says ('significant', 'increase', 'clearly less'), how it is
tested and in which direction it would be supported. A claim the data do not support is
reported as not supported; nothing is forced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import stats, tables
from .items import Wave

LARGE = ("G4", "G40")


@dataclass(frozen=True)
class Claim:
    """A claim of the report and how to test it."""

    id: str
    chapter: str
    text: str  # the claim, in our words
    method: str  # the test, in plain Dutch
    run: Callable[[dict[int, Wave], int], tuple[stats.Test, str] | None]
    scale: float = 100.0  # shares are tested on 0-1 and shown in percentage points
    unit: str = "procentpunt"
    years: tuple[int, ...] | None = None  # the editions whose report made the claim


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
        return stats.difference(first, second, label, expect), f"{prev} tegenover {year}"

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


_SAME = (
    "verschil tussen de gewogen aandelen in twee metingen; elke meting is een andere groep "
    "gemeenten, dus de schattingen zijn onafhankelijk (t-toets)"
)
CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in [
        Claim(
            "studeren-30plus-grootte",
            "onderwijs",
            "Grote gemeenten (G4 en G40) bieden statushouders boven de 30 vaker de mogelijkheid om "
            "met behoud van uitkering te studeren dan andere gemeenten.",
            "verschil tussen de gewogen aandelen van twee groepen gemeenten (t-toets)",
            _by_size(
                lambda w: _indicator(w, "studeren_30plus", ("van_toepassing",)),
                True,
                "grote gemeenten vaker",
            ),
        ),
        Claim(
            "maatregelen-grootte",
            "beleid",
            "Grotere gemeenten hebben meer maatregelen voor statushouders dan kleinere.",
            "verschil tussen het gewogen gemiddelde aantal maatregelen van twee groepen (t-toets)",
            _by_size(_n_measures, False, "grote gemeenten meer maatregelen"),
            scale=1.0,
            unit="maatregelen",
        ),
        Claim(
            "nareizigers",
            "startmoment",
            "Gemeenten hebben beduidend minder zicht op de achtergrond van nareizigers dan op die "
            "van statushouders in het algemeen.",
            "gepaarde vergelijking binnen dezelfde gemeenten (t-toets op het verschil)",
            _nareizigers,
        ),
        Claim(
            "start-na-inburgering-derde",
            "startmoment",
            "Ruim een derde van de gemeenten wacht met de arbeidstoeleiding tot de inburgering "
            "is afgerond.",
            "verschil tussen het gewogen aandeel en een derde (t-toets)",
            _level("startmoment", ("na_inburgering",), 1 / 3, +1, "meer dan een derde"),
            years=(2016,),  # a claim of the 2016 summary
        ),
        Claim(
            "start-vestiging",
            "startmoment",
            "Steeds meer gemeenten starten de arbeidstoeleiding bij vestiging in de gemeente.",
            _SAME,
            _change("startmoment", ("vestiging",), +1, "toename start bij vestiging"),
        ),
        Claim(
            "start-na-inburgering",
            "startmoment",
            "Steeds minder gemeenten wachten tot na de inburgering.",
            _SAME,
            _change("startmoment", ("na_inburgering",), -1, "afname start na inburgering"),
        ),
        Claim(
            "zicht-trend",
            "startmoment",
            "Gemeenten hebben steeds vaker voldoende zicht op de achtergrond van statushouders.",
            _SAME,
            _change("zicht_achtergrond", ("eens", "helemaal_eens"), +1, "toename voldoende zicht"),
        ),
        Claim(
            "klantmanagers-trend",
            "beleid",
            "Meer gemeenten werken met klantmanagers speciaal voor statushouders.",
            _SAME,
            _change("aanbod", ("dedicated_klantmanagers",), +1, "toename dedicated klantmanagers"),
        ),
        Claim(
            "route-werk-trend",
            "resultaten",
            "Gemeenten schatten dat een groter deel van de statushouders direct naar werk is "
            "bemiddeld dan een jaar eerder.",
            "verschil tussen gewogen gemiddelde schattingen in twee metingen (t-toets)",
            _mean_change("route_werk", +1, "toename directe bemiddeling naar werk"),
            scale=1.0,
        ),
        Claim(
            "route-geen-trend",
            "resultaten",
            "Voor een kleiner deel van de statushouders is er nog geen inzet dan een jaar eerder.",
            "verschil tussen gewogen gemiddelde schattingen in twee metingen (t-toets)",
            _mean_change("route_geen", -1, "afname nog geen inzet"),
            scale=1.0,
        ),
        Claim(
            "projectbasis-trend",
            "randvoorwaarden",
            "Het beleid is iets vaker op projectbasis georganiseerd dan een jaar eerder.",
            _SAME,
            _change("inbedding", ("projectbasis",), +1, "toename projectbasis"),
        ),
        Claim(
            "ingebed-trend",
            "randvoorwaarden",
            "Het beleid is minder vaak ingebed in reguliere processen dan een jaar eerder.",
            _SAME,
            _change("inbedding", ("ingebed",), -1, "afname ingebed beleid"),
        ),
    ]
}
