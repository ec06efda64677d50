"""Headline indicators of an edition, written as a DVC metrics file.

The same indicators feed the summary chapter's key-figures table, so `dvc metrics diff`
between editions or releases compares exactly what the summary reports. An indicator whose
question was not asked in a wave is left out of that wave's file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import tables
from .codebook import Codebook, Question
from .io import atomic_path
from .rounding import percent_half_up

Source = tuple[str, tuple[str, ...]]  # (harmonised question, option keys)


@dataclass(frozen=True)
class Indicator:
    """A share of the valid answers that can be followed across waves.

    Parameters
    ----------
    label
        What the share means, in Dutch.
    sources
        Alternative ways to measure it, as (harmonised question, option keys): a question
        may be asked differently in another wave. The first source asked in a wave is used.
    """

    label: str
    sources: tuple[Source, ...]

    def source(self, cb: Codebook) -> tuple[Question, tuple[str, ...]] | None:
        """Return the question and option keys that measure the indicator in a wave."""
        for name, keys in self.sources:
            q = cb.by_harmonised(name)
            if q is not None:
                return q, keys
        return None

    def measure(self, df: pd.DataFrame, cb: Codebook) -> tuple[str, str, int, int] | None:
        """Return (question, option keys joined by '+', count, base n), or None if not asked."""
        got = self.source(cb)
        if got is None:
            return None
        q, keys = got
        return (q.harmonised, "+".join(keys), *tables.option_share(df, q, list(keys)))


def _one(label: str, question: str, *keys: str) -> Indicator:
    return Indicator(label, ((question, keys),))


# name -> indicator; a share of the valid answers, in percent.
SHARES: dict[str, Indicator] = {
    "beleid_aanvullend_pct": _one(
        "Heeft eigen beleid voor arbeidstoeleiding van statushouders", "beleid_aanvullend", "ja"
    ),
    "beleid_in_ontwikkeling_pct": _one(
        "Beleid is in ontwikkeling", "beleid_aanvullend", "in_ontwikkeling"
    ),
    "dedicated_klantmanagers_pct": _one(
        "Heeft klantmanagers speciaal voor statushouders", "aanbod", "dedicated_klantmanagers"
    ),
    "start_in_azc_pct": _one("Traject start al in het azc", "startmoment", "azc"),
    "start_bij_vestiging_pct": _one(
        "Traject start bij vestiging in de gemeente", "startmoment", "vestiging"
    ),
    "start_na_inburgering_pct": _one(
        "Traject start pas na de inburgering", "startmoment", "na_inburgering"
    ),
    "zicht_achtergrond_voldoende_pct": _one(
        "Genoeg zicht op achtergrond van statushouders",
        "zicht_achtergrond",
        "eens",
        "helemaal_eens",
    ),
    "zicht_nareizigers_voldoende_pct": _one(
        "Genoeg zicht op achtergrond van nareizigers",
        "zicht_nareizigers",
        "eens",
        "helemaal_eens",
    ),
    "schakeljaar_pct": _one(
        "Schakeljaar of voorbereidend jaar mogelijk", "schakeljaar", "van_toepassing"
    ),
    "studeren_30plus_pct": _one(
        "Studeren met uitkering ook boven de leeftijd voor studiefinanciering",
        "studeren_30plus",
        "van_toepassing",
    ),
    "contact_werkgevers_pct": _one(
        "Heeft contact met werkgevers over werk voor statushouders", "contact_werkgevers", "ja"
    ),
    # 2018 asks which support employers get (a proefplaatsing is one option); 2017 asked
    # whether a proefplaatsing is possible. Both measure the same indicator.
    "proefplaatsing_pct": Indicator(
        "Proefplaatsing bij werkgevers mogelijk",
        (("werkgevers_faciliteren", ("proefplaatsing",)), ("proefplaatsing", ("ja",))),
    ),
    "begeleiding_werkvloer_pct": _one("Begeleiding op de werkvloer", "begeleiding_werkvloer", "ja"),
    "beide_partners_pct": _one(
        "Toeleiding richt zich bij echtparen op beide partners", "echtpaar_focus", "beide"
    ),
    "betaald_werk_gemeente_pct": _one(
        "Statushouders vonden betaald werk bij de gemeente zelf", "betaald_werk_gemeente", "ja"
    ),
    "middelen_lange_termijn_onvoldoende_pct": _one(
        "(Ruim) onvoldoende geld voor de lange termijn",
        "middelen_lange_termijn",
        "onvoldoende",
        "ruim_onvoldoende",
    ),
    "beleid_projectbasis_pct": _one("Beleid op projectbasis", "inbedding", "projectbasis"),
    "beleid_ingebed_pct": _one("Beleid ingebed in reguliere processen", "inbedding", "ingebed"),
    "evaluatie_pct": _one("Evalueert de maatregelen voor statushouders", "evaluatie", "ja"),
}

# name -> (harmonised estimate question, label); the mean estimate in percent.
MEANS: dict[str, tuple[str, str]] = {
    "route_werk_gem": ("route_werk", "Geschat aandeel direct naar werk bemiddeld (gemiddelde)"),
    "route_onderwijs_gem": (
        "route_onderwijs",
        "Geschat aandeel naar of via onderwijs bemiddeld (gemiddelde)",
    ),
    "route_activering_gem": ("route_activering", "Geschat aandeel in activering (gemiddelde)"),
    "route_participatie_gem": (
        "route_participatie",
        "Geschat aandeel in maatschappelijke participatie (gemiddelde)",
    ),
    "route_geen_gem": ("route_geen", "Geschat aandeel nog zonder route (gemiddelde)"),
}


def headline_rows(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Every headline indicator of one wave as a tidy row, rounded as the book prints it.

    Returns
    -------
    pandas.DataFrame
        Column ``indicator`` (the metric's name) and the columns of ``tables.COLUMNS``;
        ``vraag`` and ``optie`` name the question and options a share was measured with.
    """
    m, pop = len(df), sum(cb.population.values())
    resp = int(df["respondent_id"].nunique())
    rows = [
        ("gemeenten", "gemeenten", "aantal", "Deelnemende gemeenten (aantal)", m, m, m, m,
         "aantal"),
        ("respondenten", "respondenten", "aantal", "Respondenten (aantal)", resp, m, resp, resp,
         "aantal"),
        ("respons_pct", "respons", "deelname", "Deelnemende gemeenten als deel van alle gemeenten",
         m, pop, 100 * m / pop, percent_half_up(m, pop), "% van alle gemeenten"),
    ]  # fmt: skip
    for name, ind in SHARES.items():
        got = ind.measure(df, cb)
        if got is not None and got[3] > 0:  # an indicator nobody answered is not reported
            question, keys, k, n = got
            rows.append(
                (name, question, keys, ind.label, k, n, 100 * k / n, percent_half_up(k, n), "%")
            )
    for name, (question, label) in MEANS.items():
        q = cb.by_harmonised(question)
        if q is not None and tables.answered(df, q).any():
            printed, n = tables.printed_mean(df, q)
            exact = float(df[q.clean_column()].astype(float).mean())
            rows.append(
                (name, question, "gemiddelde", label, pd.NA, n, exact, int(printed),
                 "gemiddelde %")
            )  # fmt: skip
    return pd.DataFrame(rows, columns=["indicator", *tables.COLUMNS])


def headline(df: pd.DataFrame, cb: Codebook) -> dict[str, int]:
    """Compute the headline indicators of one wave, rounded as the book prints them."""
    rows = headline_rows(df, cb)
    return {r.indicator: int(r.waarde_afgerond) for r in rows.itertuples(index=False)}


def write_metrics(values: dict, path: str | Path) -> None:
    """Write a metrics file (sorted keys, so the bytes only change when a value does)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
