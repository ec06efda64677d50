"""Headline indicators of an edition, written as a DVC metrics file.

The same indicators feed the summary chapter, so `dvc metrics diff` between editions or
releases compares exactly what the summary reports. An indicator whose question was not asked
in a wave is left out of that wave's file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import tables
from .codebook import Codebook
from .io import atomic_path
from .rounding import percent_half_up

# name -> (harmonised question, option keys); a share of the valid answers, in percent.
SHARES: dict[str, tuple[str, tuple[str, ...]]] = {
    "beleid_aanvullend_pct": ("beleid_aanvullend", ("ja",)),
    "beleid_in_ontwikkeling_pct": ("beleid_aanvullend", ("in_ontwikkeling",)),
    "dedicated_klantmanagers_pct": ("aanbod", ("dedicated_klantmanagers",)),
    "start_bij_vestiging_pct": ("startmoment", ("vestiging",)),
    "start_in_azc_pct": ("startmoment", ("azc",)),
    "start_na_inburgering_pct": ("startmoment", ("na_inburgering",)),
    "zicht_achtergrond_voldoende_pct": ("zicht_achtergrond", ("eens", "helemaal_eens")),
    "zicht_nareizigers_voldoende_pct": ("zicht_nareizigers", ("eens", "helemaal_eens")),
    "schakeljaar_pct": ("schakeljaar", ("van_toepassing",)),
    "studeren_30plus_pct": ("studeren_30plus", ("van_toepassing",)),
    "proefplaatsing_pct": ("werkgevers_faciliteren", ("proefplaatsing",)),
    "begeleiding_werkvloer_pct": ("begeleiding_werkvloer", ("ja",)),
    "beide_partners_pct": ("echtpaar_focus", ("beide",)),
    "betaald_werk_gemeente_pct": ("betaald_werk_gemeente", ("ja",)),
    "middelen_lange_termijn_onvoldoende_pct": (
        "middelen_lange_termijn",
        ("onvoldoende", "ruim_onvoldoende"),
    ),
    "beleid_projectbasis_pct": ("inbedding", ("projectbasis",)),
    "beleid_ingebed_pct": ("inbedding", ("ingebed",)),
    "evaluatie_pct": ("evaluatie", ("ja",)),
}

# name -> harmonised estimate question; the mean estimate in percent.
MEANS: dict[str, str] = {
    "route_werk_gem": "route_werk",
    "route_onderwijs_gem": "route_onderwijs",
    "route_activering_gem": "route_activering",
    "route_participatie_gem": "route_participatie",
    "route_geen_gem": "route_geen",
}


def headline(df: pd.DataFrame, cb: Codebook) -> dict[str, float | int]:
    """Compute the headline indicators of one wave, rounded as the book prints them."""
    out: dict[str, float | int] = {
        "gemeenten": len(df),
        "respondenten": int(df["respondent_id"].nunique()),
        "respons_pct": percent_half_up(len(df), sum(cb.population.values())),
    }
    for name, (question, keys) in SHARES.items():
        q = cb.by_harmonised(question)
        if q is not None:
            k, n = tables.option_share(df, q, list(keys))
            out[name] = percent_half_up(k, n)
    for name, question in MEANS.items():
        q = cb.by_harmonised(question)
        if q is not None:
            out[name] = int(tables.printed_mean(df, q)[0])
    return out


def write_metrics(values: dict, path: str | Path) -> None:
    """Write a metrics file (sorted keys, so the bytes only change when a value does)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
