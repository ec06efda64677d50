"""Every figure and table of the monitor, built from the cleaned data of an edition.

An item is defined on harmonised question names, so the same definition serves every
edition: a question not asked in that wave yields a 'not asked' note instead of a figure, and
trends use the waves up to and including the edition's year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd

from . import figures, tables
from .codebook import Codebook, Question
from .metrics import Indicator, headline_rows
from .rounding import percent_half_up, ratio_half_up


@dataclass
class Wave:
    """The cleaned table and codebook of one survey wave."""

    year: int
    df: pd.DataFrame
    cb: Codebook


@dataclass
class Result:
    """A built item: its tidy data, and a figure or a table, with caption and alt text."""

    item: str
    slug: str
    kind: str  # "fig" or "tbl"
    caption: str
    data: pd.DataFrame
    figure: plt.Figure | None = None
    alt: str = ""
    notes: list[str] = field(default_factory=list)
    not_asked: str | None = None
    table: pd.DataFrame | None = None  # a table to show as it is (strings), instead of data


@dataclass(frozen=True)
class ItemDef:
    """How to build one item of the report."""

    item: str
    slug: str
    kind: str
    chapter: str
    build: Callable[[dict[int, Wave], int, ItemDef], Result]
    questions: tuple[str, ...]
    report_note: str = ""  # said in the caption of the edition of the report's year


def _fmt_pct(v) -> str:
    return f"{float(v):g}".replace(".", ",")


def alt_text(kind: str, title: str, data: pd.DataFrame) -> str:
    """Describe a chart for a screen reader: what it shows and every value."""
    parts = []
    if "jaar" in data and data["jaar"].nunique() > 1:
        for year, sub in data.groupby("jaar", sort=True):
            vals = "; ".join(
                f"{c}: {_fmt_pct(v)}%"
                for c, v in zip(sub["categorie"], sub["waarde_afgerond"], strict=True)
            )
            parts.append(f"{year}: {vals}")
    else:
        parts.append(
            "; ".join(
                f"{c}: {_fmt_pct(v)}%"
                for c, v in zip(data["categorie"], data["waarde_afgerond"], strict=True)
            )
        )
    return f"{kind}: {title.rstrip('.?')}. " + ". ".join(parts) + "."


def routing_note(q: Question, cb: Codebook) -> str | None:
    """Say in words which municipalities were asked a routed question."""
    if q.routing is None:
        return None
    parent = cb[q.routing.question]
    if q.routing.option is not None:
        label = parent.option(q.routing.option).label
        return f"Alleen gevraagd aan gemeenten die bij de vorige vraag '{label}' aankruisten."
    labels = " of ".join(f"'{parent.option(c).label}'" for c in q.routing.codes)
    return (
        f"Alleen gevraagd aan gemeenten die op de vraag '{parent.text}' antwoordden met {labels}."
    )


def _caption(item: str, text: str, n: int | str, extra: str = "") -> str:
    text = text.rstrip()
    cap = f"{item}. {text[:-1]} (n = {n})." if text.endswith(".") else f"{item}. {text} (n = {n})."
    return f"{cap} {extra}".strip()


def _not_asked(defn: ItemDef, year: int, name: str) -> Result:
    """An item whose question (harmonised ``name``) was not asked; ``build`` words the note."""
    return Result(
        item=defn.item,
        slug=defn.slug,
        kind=defn.kind,
        caption="",
        data=pd.DataFrame(columns=["jaar", *tables.COLUMNS]),
        not_asked=name,
    )


# First words of labels that stay capitalised in a sentence.
PROPER = ("Europ", "Nederland", "Stichting", "Rijk")


def in_sentence(label: str) -> str:
    """A category label as it reads inside a sentence: first letter small, names kept.

    Only an ordinary capitalised first word changes; acronyms and codes ("UWV", "G40",
    "SW-bedrijf") and names ("Europese middelen", "Stichting voor ...") stay as they are.
    """
    label = str(label)
    first = label.split(" ", 1)[0].strip("()[],;:")
    rest = first[1:].replace("-", "").replace("/", "")
    if not (first[:1].isupper() and rest.isalpha() and rest.islower()) or first.startswith(PROPER):
        return label
    i = label.index(first[0])
    return label[:i] + label[i].lower() + label[i + 1 :]


# Waves overlap (most municipalities took part more than once) but cannot be linked: the codes
# differ per wave. So a difference between waves is a direction, not a change within municipalities.
WAVES_NOTE = (
    "Niet elk jaar deden dezelfde gemeenten mee, en de antwoorden van één gemeente zijn niet over "
    "de jaren te koppelen; een verschil tussen jaren is dus een richting, geen gemeten verandering "
    "binnen dezelfde gemeenten."
)
INTERVAL_NOTE = (
    "De stip met streep is de schatting voor alle gemeenten in Nederland met haar "
    "95%-interval (gewogen naar grootteklasse, rekening houdend met respondenten die voor meer "
    "gemeenten antwoordden); de staaf is het aandeel van de deelnemende gemeenten."
)


def add_intervals(data: pd.DataFrame, waves: dict[int, Wave]) -> pd.DataFrame:
    """Add the design-based estimate for all municipalities and its 95 % interval per row.

    Columns ``gewogen``, ``ci_laag`` and ``ci_hoog`` (percentages); empty for rows that are
    not a share of one question or a mean of one estimate.
    """
    from . import stats

    out = data.copy()
    out[["gewogen", "ci_laag", "ci_hoog"]] = float("nan")
    designs: dict[int, stats.Design] = {}
    for i, row in out.iterrows():
        w = waves.get(int(row["jaar"]))
        if w is None:
            continue
        if row["optie"] == "rest":  # 100 minus the sum of the parts, per municipality
            parts = [w.cb.by_harmonised(name) for name in str(row["vraag"]).split("+")]
            if any(p is None or p.type != "estimate" for p in parts):
                continue
            d = designs.setdefault(w.year, stats.design(w.df, w.cb.population))
            rest = 100 - sum(w.df[p.clean_column()].astype(float) for p in parts)
            est = stats.ratio(d, rest, proportion=False)
            out.loc[i, ["gewogen", "ci_laag", "ci_hoog"]] = [est.value, est.low, est.high]
            continue
        q = w.cb.by_harmonised(str(row["vraag"]))
        if q is None or q.type in ("open_text", "count"):
            continue
        d = designs.setdefault(w.year, stats.design(w.df, w.cb.population))
        if row["optie"] == "gemiddelde" and q.type == "estimate":
            est = stats.ratio(d, w.df[q.clean_column()].astype(float), proportion=False)
            scale = 1.0
        elif q.type in ("single", "likert5", "multi") and row["eenheid"] in ("%", "% (groep)"):
            keys = set(str(row["optie"]).split("+"))
            est = stats.share(d, tables.answered(w.df, q), tables.option_hit(w.df, q, keys))
            scale = 100.0
        else:
            continue
        out.loc[i, ["gewogen", "ci_laag", "ci_hoog"]] = [
            est.value * scale,
            est.low * scale,
            est.high * scale,
        ]
    return out


def _with_year(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table.assign(jaar=year)[["jaar", *tables.COLUMNS]]


ASSUMED_NOTE = (
    "Bij opties met * geven de bronnen geen aandeel: het aandeel is aangenomen (zie het "
    "aannamelog)."
)


def _mark_assumed(table: pd.DataFrame, q: Question) -> tuple[pd.DataFrame, list[str]]:
    """Mark the labels of options the sources do not list, and say so in a note."""
    assumed = {o.key for o in q.options if o.assumed}
    if not assumed:
        return table, []
    table = table.copy()
    hit = table["optie"].isin(assumed)
    table.loc[hit, "categorie"] = table.loc[hit, "categorie"] + " *"
    return table, [ASSUMED_NOTE] if hit.any() else []


# --- builders ----------------------------------------------------------------------------------


def single(name: str, grouped: bool = False) -> Callable:
    """A bar chart of one single-choice or Likert question of the edition's wave."""

    def build(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
        w = waves[year]
        q = w.cb.by_harmonised(name)
        if q is None:
            return _not_asked(defn, year, name)
        data, assumed_note = _mark_assumed(_with_year(tables.single_shares(w.df, q), year), q)
        notes = [n for n in [routing_note(q, w.cb), *assumed_note, q.note] if n]
        if q.type == "likert5":
            groups = _with_year(tables.likert_group_shares(w.df, q), year)
            summary = ", ".join(
                f"{in_sentence(c)} {_fmt_pct(v)}%"
                for c, v in zip(groups["categorie"], groups["waarde_afgerond"], strict=True)
            )
            notes.append(f"Samengevat: {summary}.")
            data = pd.concat([data, groups.assign(eenheid="% (groep)")], ignore_index=True)
        data = add_intervals(data, waves)
        notes.append(INTERVAL_NOTE)
        shown = data[data["eenheid"] == "%"]
        n = int(shown["basis_n"].iloc[0])
        fig = figures.barh(shown)
        return Result(
            defn.item,
            defn.slug,
            "fig",
            _caption(defn.item, q.text, n, " ".join(notes)),
            data,
            fig,
            alt_text("Staafdiagram", q.text, shown),
            notes,
        )

    return build


def multi(name: str, as_table: bool = False) -> Callable:
    """Shares per option of a multiple-response question, with the mean number of answers."""

    def build(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
        w = waves[year]
        q = w.cb.by_harmonised(name)
        if q is None:
            return _not_asked(defn, year, name)
        data, assumed_note = _mark_assumed(_with_year(tables.multi_shares(w.df, q), year), q)
        data = add_intervals(data, waves)
        exact, printed, n = tables.mean_answers(w.df, q)
        limit = f"maximaal {q.max_answers}" if q.max_answers else "meerdere"
        mean_note = (
            f"Gemeenten konden {limit} antwoorden geven; gemiddeld gaven zij "
            f"{_fmt_pct(printed)} antwoorden."
        )
        mean_row = pd.DataFrame(
            [
                {
                    "jaar": year,
                    "vraag": q.harmonised,
                    "optie": "gemiddeld_aantal_antwoorden",
                    "categorie": "Gemiddeld aantal antwoorden",
                    "aantal": pd.NA,
                    "basis_n": n,
                    "waarde": exact,
                    "waarde_afgerond": printed,
                    "eenheid": "antwoorden",
                }
            ]
        )
        notes = [x for x in [routing_note(q, w.cb), mean_note, *assumed_note, q.note] if x]
        if not as_table:
            notes.append(INTERVAL_NOTE)
        caption = _caption(defn.item, q.text, n, " ".join(notes))
        full = pd.concat([data, mean_row], ignore_index=True)
        if as_table:
            return Result(defn.item, defn.slug, "tbl", caption, full, None, "", notes)
        return Result(
            defn.item,
            defn.slug,
            "fig",
            caption,
            full,
            figures.barh(data),
            alt_text("Staafdiagram", q.text, data),
            notes,
        )

    return build


def trend(title: str, indicators: list[Indicator]) -> Callable:
    """Grouped bars: each indicator in every wave up to the edition's year where it was asked."""

    def build(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
        rows = []
        assumed: set[str] = set()
        for y in sorted(k for k in waves if k <= year):
            for ind in indicators:
                got = ind.measure(waves[y].df, waves[y].cb)
                if got is None:
                    continue
                name, keys, k, n = got
                q = waves[y].cb.by_harmonised(name)
                if any(o.assumed for o in q.options if o.key in keys.split("+")):
                    assumed.add(ind.label)
                rows.append(
                    {
                        "jaar": y,
                        "vraag": name,
                        "optie": keys,
                        "categorie": ind.label,
                        "aantal": k,
                        "basis_n": n,
                        "waarde": 100 * k / n,
                        "waarde_afgerond": percent_half_up(k, n),
                        "eenheid": "%",
                    }
                )
        data = pd.DataFrame(rows, columns=["jaar", *tables.COLUMNS])
        if data.empty or year not in set(data["jaar"]):
            return _not_asked(defn, year, indicators[0].sources[0][0])
        years = sorted(set(data["jaar"]))
        bases = ", ".join(
            f"{y}: n = {int(data.loc[data['jaar'] == y, 'basis_n'].max())}" for y in years
        )
        note = WAVES_NOTE
        if len(years) == 1:
            note = "Eerdere metingen van deze vraag zijn er niet."
        data = add_intervals(data, waves)
        notes = [note, INTERVAL_NOTE]
        for label, sub in data.groupby("categorie", sort=False):
            if sub["vraag"].nunique() > 1:
                notes.append(
                    f"'{label}' komt niet elk jaar uit dezelfde vraag: de vraagstelling verschilt."
                )
        if assumed:
            labels = ", ".join(f"'{a}'" for a in sorted(assumed))
            notes.append(f"Aangenomen waar de bronnen voor een jaar geen cijfer geven: {labels}.")
        caption = f"{defn.item}. {title} ({bases}). {' '.join(notes)}"
        return Result(
            defn.item,
            defn.slug,
            "fig",
            caption,
            data,
            figures.grouped_barh(data),
            alt_text("Staafdiagram per jaar", title, data),
            [note],
        )

    return build


def estimates(
    title: str,
    parts: list[tuple[str, str]],
    complement: str | None = None,
    xlabel: str = "Gemiddeld geschat percentage van de statushouders",
) -> Callable:
    """Means of percentage estimates; optionally the rest up to 100 as an extra bar."""

    def build(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
        w = waves[year]
        qs = [w.cb.by_harmonised(name) for name, _ in parts]
        present = [(q, label) for q, (_, label) in zip(qs, parts, strict=True) if q is not None]
        if not present:
            return _not_asked(defn, year, parts[0][0])
        table = tables.estimate_means(w.df, [q for q, _ in present], [lab for _, lab in present])
        if complement and len(present) == len(parts):
            rest = 100 - table["waarde"].sum()
            total = int(round(rest * table["basis_n"].iloc[0]))
            table.loc[len(table)] = {
                "vraag": "+".join(q.harmonised for q, _ in present),
                "optie": "rest",
                "categorie": complement,
                "aantal": pd.NA,
                "basis_n": table["basis_n"].iloc[0],
                "waarde": rest,
                "waarde_afgerond": ratio_half_up(total, int(table["basis_n"].iloc[0]), 0),
                "eenheid": "gemiddelde %",
            }
        data = add_intervals(_with_year(table, year), waves)
        ns = sorted(set(data["basis_n"].astype(int)))
        n = ns[0] if len(ns) == 1 else " / ".join(map(str, ns))
        note = (
            "Gemiddelde van de schattingen van gemeenten (percentage van hun statushouders). "
            + INTERVAL_NOTE.replace(
                "het aandeel van de deelnemende", "het gemiddelde van de deelnemende"
            )
        )
        caption = _caption(defn.item, title, n, note)
        return Result(
            defn.item,
            defn.slug,
            "fig",
            caption,
            data,
            figures.barh(data, xlabel=xlabel),
            alt_text("Staafdiagram", title, data),
            [note],
        )

    return build


ROUTES = [
    ("route_werk", "Directe bemiddeling naar de arbeidsmarkt"),
    ("route_onderwijs", "Bemiddeling naar/via onderwijs"),
    ("route_activering", "Inzet op activeringsactiviteiten ter bemiddeling naar de arbeidsmarkt"),
    ("route_participatie", "Inzet op maatschappelijke participatie"),
    ("route_geen", "(Nog) geen inzet op bovenstaande integratieroutes"),
]


def routes_table(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
    """Tabel 8.1: mean estimated share of statushouders per integration route, per wave."""
    frames = []
    for y in sorted(k for k in waves if k <= year):
        w = waves[y]
        qs = [w.cb.by_harmonised(name) for name, _ in ROUTES]
        if any(q is None for q in qs):
            continue
        table = _with_year(tables.estimate_means(w.df, qs, [lab for _, lab in ROUTES]), y)
        frames.append(add_intervals(table, waves))
    if not frames or frames[-1]["jaar"].iloc[0] != year:
        return _not_asked(defn, year, ROUTES[0][0])
    data = pd.concat(frames, ignore_index=True)
    bases = ", ".join(f"{y}: n = {int(d['basis_n'].max())}" for y, d in data.groupby("jaar"))
    caption = (
        f"{defn.item}. Welk percentage van de statushouders in uw gemeente is via welke "
        f"integratieroute bemiddeld? ({bases}). Gemiddeld geschat percentage; een statushouder "
        "kan via meer dan één route zijn bemiddeld, dus de kolommen tellen niet op tot 100."
    )
    return Result(defn.item, defn.slug, "tbl", caption, data)


def response_table(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
    """Tabel 1: responding municipalities per size class beside all municipalities."""
    w = waves[year]
    counts = w.df["grootteklasse"].value_counts()
    rows = []
    for code, label in w.cb.size_classes.items():
        k, pop = int(counts.get(code, 0)), int(w.cb.population[code])
        rows.append(
            {
                "jaar": year,
                "vraag": "grootteklasse",
                "optie": code,
                "categorie": label,
                "aantal": k,
                "basis_n": pop,
                "waarde": 100 * k / pop,
                "waarde_afgerond": percent_half_up(k, pop),
                "eenheid": "% van alle gemeenten",
            }
        )
    k, pop = int(counts.sum()), sum(w.cb.population.values())
    rows.append(
        {
            "jaar": year,
            "vraag": "grootteklasse",
            "optie": "totaal",
            "categorie": "Totaal",
            "aantal": k,
            "basis_n": pop,
            "waarde": 100 * k / pop,
            "waarde_afgerond": percent_half_up(k, pop),
            "eenheid": "% van alle gemeenten",
        }
    )
    data = pd.DataFrame(rows, columns=["jaar", *tables.COLUMNS])
    caption = (
        f"{defn.item}. Respons: gemeenten in de monitor vergeleken met alle Nederlandse "
        f"gemeenten in {year}."
    )
    return Result(defn.item, defn.slug, "tbl", caption, data)


def bases_table(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
    """The base n of every question of the wave: how many municipalities answered it."""
    w = waves[year]
    rows = []
    for q in w.cb.questions:
        if q.type == "open_text":
            continue
        n = int(tables.answered(w.df, q).sum())
        rows.append(
            {
                "jaar": year,
                "vraag": q.harmonised,
                "optie": "basis_n",
                "categorie": f"{q.id}: {q.text}",
                "aantal": n,
                "basis_n": len(w.df),
                "waarde": 100 * n / len(w.df),
                "waarde_afgerond": percent_half_up(n, len(w.df)),
                "eenheid": "% van de deelnemende gemeenten",
            }
        )
    data = pd.DataFrame(rows, columns=["jaar", *tables.COLUMNS])
    caption = (
        f"{defn.item}. Aantal gemeenten dat elke vraag beantwoordde (de basis n) in {year}, "
        "van alle deelnemende gemeenten. Vragen met routing zijn alleen aan een deel gesteld."
    )
    return Result(defn.item, defn.slug, "tbl", caption, data)


def key_figures(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
    """The headline indicators (``metrics``) of the edition beside earlier waves.

    Every share and mean carries the estimate for all municipalities with its 95 % interval
    (in the CSV for every wave; in the table for the edition's wave).
    """
    years = sorted(y for y in waves if y <= year)
    frames = [headline_rows(waves[y].df, waves[y].cb).assign(jaar=y) for y in years]
    order = list(frames[-1]["indicator"])  # what this edition asked, in its order
    data = pd.concat(frames, ignore_index=True)
    data = data[data["indicator"].isin(order)][["jaar", *tables.COLUMNS, "indicator"]]
    data = add_intervals(data.reset_index(drop=True), waves)
    head = f"Alle gemeenten {year} (95%-interval)"
    rows = []
    for name in order:
        sub = data[data["indicator"] == name].set_index("jaar")
        cells = [_cell(sub.loc[y]) if y in sub.index else "–" for y in years]
        now = sub.loc[year]
        est = (
            ""
            if pd.isna(now["gewogen"])
            else (f"{now['gewogen']:.0f}% ({now['ci_laag']:.0f}–{now['ci_hoog']:.0f})")
        )
        rows.append([now["categorie"], *cells, est])
    table = pd.DataFrame(rows, columns=["Indicator", *map(str, years), head])
    caption = (
        f"{defn.item}. Kerncijfers van de editie {year}, naast eerdere metingen waar die er "
        "zijn; – betekent niet gevraagd. Percentages gaan over de gemeenten die de vraag "
        "beantwoordden. De laatste kolom schat het aandeel of gemiddelde voor alle gemeenten in "
        "Nederland, met een 95%-interval (gewogen naar grootteklasse, rekening houdend met "
        "respondenten die voor meer gemeenten antwoordden)."
    )
    return Result(defn.item, defn.slug, "tbl", caption, data, table=table)


def _cell(row: pd.Series) -> str:
    value = _fmt_pct(row["waarde_afgerond"])
    return value if row["eenheid"] == "aantal" else f"{value}%"


# --- the registry ------------------------------------------------------------------------------

_KM = Indicator("Dedicated klantmanagers", (("aanbod", ("dedicated_klantmanagers",)),))
_CASELOAD = Indicator("Lagere caseload", (("aanbod", ("lagere_caseload",)),))
_TAAL = Indicator("Extra taallessen", (("aanbod", ("extra_taallessen",)),))


def _start(label: str, key: str) -> Indicator:
    return Indicator(label, (("startmoment", (key,)),))


def _zicht(label: str, keys: tuple[str, ...]) -> Indicator:
    return Indicator(label, (("zicht_achtergrond", keys),))


_DEFS: list[tuple] = [
    ("Kerncijfers", "tbl-kerncijfers", "tbl", "samenvatting", key_figures, ()),
    (
        "Tabel 1",
        "tbl-respons",
        "tbl",
        "methode",
        response_table,
        (),
        "Het rapport telt in de kolom met alle gemeenten één middelgrote of kleine gemeente te "
        "veel: het totaal klopt, de som van de rijen niet (aanname T02 in het aannamelog).",
    ),
    ("Tabel M.1", "tbl-basis-n", "tbl", "methode", bases_table, ()),
    (
        "Figuur 3.1",
        "fig-beleid",
        "fig",
        "beleid",
        single("beleid_aanvullend"),
        ("beleid_aanvullend",),
    ),
    (
        "Trend 3.1",
        "fig-beleid-trend",
        "fig",
        "beleid",
        trend(
            "Aanvullend of specifiek beleid voor de arbeidstoeleiding van statushouders",
            [
                Indicator("Ja, er is beleid", (("beleid_aanvullend", ("ja",)),)),
                Indicator(
                    "Beleid is in ontwikkeling", (("beleid_aanvullend", ("in_ontwikkeling",)),)
                ),
            ],
        ),
        ("beleid_aanvullend",),
    ),
    ("Tabel 3.1", "tbl-aanbod", "tbl", "beleid", multi("aanbod", as_table=True), ("aanbod",)),
    (
        "Figuur 3.2",
        "fig-klantmanagers",
        "fig",
        "beleid",
        trend("Klantmanagers die statushouders begeleiden", [_KM, _CASELOAD, _TAAL]),
        ("aanbod",),
    ),
    (
        "Figuur 3.3",
        "fig-integraal",
        "fig",
        "beleid",
        single("integrale_aanpak"),
        ("integrale_aanpak",),
    ),
    (
        "Figuur 3.4",
        "fig-afstemming",
        "fig",
        "beleid",
        single("afstemming_inburgering"),
        ("afstemming_inburgering",),
    ),
    (
        "Figuur 3.5",
        "fig-werk-voor-inburgering",
        "fig",
        "beleid",
        single("werk_voor_inburgering"),
        ("werk_voor_inburgering",),
    ),
    (
        "Figuur 3.6",
        "fig-andere-groepen-toepassen",
        "fig",
        "beleid",
        single("maatregelen_andere_groepen"),
        ("maatregelen_andere_groepen",),
    ),
    (
        "Figuur 3.7",
        "fig-andere-groepen",
        "fig",
        "beleid",
        multi("andere_groepen"),
        ("andere_groepen",),
    ),
    (
        "Figuur 4.1",
        "fig-startmoment",
        "fig",
        "startmoment",
        trend(
            "Op welk moment start het traject van arbeidsmarkttoeleiding voor statushouders?",
            [
                _start("Al in het azc", "azc"),
                _start("Bij vestiging in de gemeente", "vestiging"),
                _start("Na afronding van de inburgering", "na_inburgering"),
                _start("Ander moment", "ander_moment"),
            ],
        ),
        ("startmoment",),
    ),
    (
        "Figuur 4.2",
        "fig-zicht",
        "fig",
        "startmoment",
        trend(
            "Stelling: wij hebben voldoende zicht op de achtergrondkenmerken van statushouders",
            [
                _zicht("(Helemaal) eens", ("eens", "helemaal_eens")),
                _zicht("Neutraal", ("neutraal",)),
                _zicht("(Helemaal) oneens", ("oneens", "helemaal_oneens")),
            ],
        ),
        ("zicht_achtergrond",),
    ),
    (
        "Figuur 4.3",
        "fig-informatiebronnen",
        "fig",
        "startmoment",
        multi("informatiebronnen"),
        ("informatiebronnen",),
    ),
    (
        "Figuur 4.4",
        "fig-nareizigers",
        "fig",
        "startmoment",
        single("zicht_nareizigers"),
        ("zicht_nareizigers",),
    ),
    ("Figuur 5.1", "fig-schakeljaar", "fig", "onderwijs", single("schakeljaar"), ("schakeljaar",)),
    (
        "Figuur 5.2",
        "fig-studeren-30plus",
        "fig",
        "onderwijs",
        single("studeren_30plus"),
        ("studeren_30plus",),
    ),
    (
        "Trend 5.2",
        "fig-combinatie-opleiding",
        "fig",
        "onderwijs",
        trend(
            "Inburgering of taallessen te combineren met een opleiding",
            [
                Indicator("Mbo-opleiding", (("combinatie_opleiding", ("mbo",)),)),
                Indicator("Hbo- of wo-opleiding", (("combinatie_opleiding", ("hbo_wo",)),)),
            ],
        ),
        ("combinatie_opleiding",),
    ),
    (
        "Figuur 5.3",
        "fig-uitstroom-onderwijs",
        "fig",
        "onderwijs",
        estimates(
            "Uitstroom naar onderwijs: voor hoeveel procent van de statushouders van uw gemeente…",
            [
                (
                    "onderwijs_goede_weg",
                    "…zou onderwijs/een opleiding een goede weg naar werk zijn?",
                ),
                ("route_onderwijs", "…is bemiddeld naar/via onderwijs?"),
            ],
        ),
        ("onderwijs_goede_weg", "route_onderwijs"),
    ),
    (
        "Tabel 6.1",
        "tbl-werkgevers",
        "tbl",
        "samenwerking",
        multi("werkgevers_faciliteren", as_table=True),
        ("werkgevers_faciliteren",),
    ),
    (
        "Trend 6.1",
        "fig-werkgevers-trend",
        "fig",
        "samenwerking",
        trend(
            "Contact met en faciliteren van werkgevers",
            [
                Indicator("Contact met werkgevers", (("contact_werkgevers", ("ja",)),)),
                Indicator(
                    "Proefplaatsing mogelijk",
                    (("werkgevers_faciliteren", ("proefplaatsing",)), ("proefplaatsing", ("ja",))),
                ),
            ],
        ),
        ("werkgevers_faciliteren", "proefplaatsing", "contact_werkgevers"),
    ),
    (
        "Figuur 6.2",
        "fig-partners",
        "fig",
        "samenwerking",
        multi("uitvoeringspartners"),
        ("uitvoeringspartners",),
    ),
    (
        "Figuur 7.1",
        "fig-werkvloer",
        "fig",
        "begeleiding",
        single("begeleiding_werkvloer"),
        ("begeleiding_werkvloer",),
    ),
    (
        "Figuur 7.2",
        "fig-na-afloop",
        "fig",
        "begeleiding",
        single("begeleiding_na_afloop"),
        ("begeleiding_na_afloop",),
    ),
    (
        "Figuur 7.3",
        "fig-grote-afstand",
        "fig",
        "begeleiding",
        single("aanbod_grote_afstand"),
        ("aanbod_grote_afstand",),
    ),
    (
        "Figuur 7.4",
        "fig-echtpaar",
        "fig",
        "begeleiding",
        single("echtpaar_focus"),
        ("echtpaar_focus",),
    ),
    (
        "Figuur 7.5",
        "fig-echtpaar-partner",
        "fig",
        "begeleiding",
        single("echtpaar_partner"),
        ("echtpaar_partner",),
    ),
    (
        "Figuur 7.6",
        "fig-partner-activiteiten",
        "fig",
        "begeleiding",
        single("partner_activiteiten"),
        ("partner_activiteiten",),
    ),
    (
        "Tabel 8.1",
        "tbl-integratieroutes",
        "tbl",
        "resultaten",
        routes_table,
        tuple(n for n, _ in ROUTES),
    ),
    (
        "Figuur 8.1",
        "fig-uitstroom-bijstand",
        "fig",
        "resultaten",
        estimates(
            "Statushouders in uw gemeente die het afgelopen jaar zijn uitgestroomd uit de bijstand",
            [
                ("uitstroom_volledig", "Volledig uitgestroomd"),
                ("uitstroom_gedeeltelijk", "Gedeeltelijk uitgestroomd"),
            ],
            complement="Niet uitgestroomd",
        ),
        ("uitstroom_volledig", "uitstroom_gedeeltelijk"),
    ),
    (
        "Figuur 8.2",
        "fig-werk-op-niveau",
        "fig",
        "resultaten",
        estimates(
            "Naar werk uitgestroomde statushouders met werk dat past bij hun (opleidings)niveau "
            "en/of capaciteiten",
            [
                ("werk_op_niveau", "Werk op niveau"),
            ],
            complement="Werk niet op niveau",
            xlabel="Gemiddeld geschat percentage van de naar werk uitgestroomden",
        ),
        ("werk_op_niveau",),
    ),
    (
        "Figuur 8.3",
        "fig-betaald-werk-gemeente",
        "fig",
        "resultaten",
        trend(
            "Statushouders die het afgelopen jaar betaald werk vonden binnen de gemeentelijke "
            "organisatie",
            [
                Indicator("Ja", (("betaald_werk_gemeente", ("ja",)),)),
                Indicator("Nee", (("betaald_werk_gemeente", ("nee",)),)),
            ],
        ),
        ("betaald_werk_gemeente",),
    ),
    (
        "Tabel 9.1",
        "tbl-werkzame-elementen",
        "tbl",
        "werkzame-elementen",
        multi("werkzame_elementen", as_table=True),
        ("werkzame_elementen",),
    ),
    (
        "Figuur 10.1",
        "fig-wegvallen-middelen",
        "fig",
        "randvoorwaarden",
        single("wegvallen_middelen"),
        ("wegvallen_middelen",),
    ),
    ("Figuur 10.2", "fig-budgetten", "fig", "randvoorwaarden", multi("budgetten"), ("budgetten",)),
    (
        "Figuur 10.3",
        "fig-middelen-lange-termijn",
        "fig",
        "randvoorwaarden",
        single("middelen_lange_termijn"),
        ("middelen_lange_termijn",),
    ),
    (
        "Figuur 10.4",
        "fig-inbedding",
        "fig",
        "randvoorwaarden",
        multi("inbedding"),
        ("inbedding",),
    ),
    (
        "Trend 10.4",
        "fig-inbedding-trend",
        "fig",
        "randvoorwaarden",
        trend(
            "Is het beleid op projectbasis of ingebed in reguliere processen?",
            [
                Indicator("Beleid is op projectbasis", (("inbedding", ("projectbasis",)),)),
                Indicator(
                    "Beleid is ingebed in reguliere processen", (("inbedding", ("ingebed",)),)
                ),
                Indicator("Anders", (("inbedding", ("anders",)),)),
                Indicator(
                    "Niet van toepassing: geen aanvullend beleid",
                    (("inbedding", ("niet_van_toepassing",)),),
                ),
            ],
        ),
        ("inbedding",),
    ),
    (
        "Figuur 10.4b",
        "fig-zicht-uitstroom",
        "fig",
        "randvoorwaarden",
        single("zicht_uitstroom"),
        ("zicht_uitstroom",),
    ),
    ("Figuur 10.5", "fig-evaluatie", "fig", "randvoorwaarden", single("evaluatie"), ("evaluatie",)),
]

ITEMS: dict[str, ItemDef] = {
    d[0]: ItemDef(d[0], d[1], d[2], d[3], d[4], tuple(d[5]), *d[6:]) for d in _DEFS
}


# The book numbers figures and tables itself (per chapter, like the report); the caption
# names the item's number in the report so readers can compare.
REPORT_YEAR = 2018
REPORT = f"het rapport van {REPORT_YEAR}"


def is_report_item(item: str) -> bool:
    """Whether an item is a figure or table of the report (not one the book adds)."""
    return item.split()[0] in ("Figuur", "Tabel") and not item.startswith("Tabel M")


def build(
    item: str, waves: dict[int, Wave], year: int, wording: dict[str, str] | None = None
) -> Result:
    """Build one item for the edition of ``year``.

    Parameters
    ----------
    item
        The item's name, e.g. ``"Figuur 3.1"``.
    waves
        The cleaned waves available to the edition.
    year
        The edition's survey year.
    wording
        Question text per harmonised name (from any wave), to name a question that was not
        asked in this edition's wave.
    """
    defn = ITEMS[item]
    result = defn.build(waves, year, defn)
    if result.not_asked is not None:
        name = result.not_asked
        text = (wording or {}).get(name, name.replace("_", " "))
        what = (
            f"{item} uit {REPORT}"
            if is_report_item(item)
            else "deze " + ("figuur" if defn.kind == "fig" else "tabel")
        )
        what_was = (
            f"De stelling '{text.removeprefix('Stelling: ')}'"
            if text.startswith("Stelling: ")
            else f"De vraag '{text}'"
        )
        result.not_asked = f"{what_was} is in {year} niet gesteld; daarom ontbreekt hier {what}."
        return result
    prefix = f"{item}. "
    if result.caption.startswith(prefix):
        result.caption = result.caption[len(prefix) :]
        if is_report_item(item):
            if defn.report_note and year == REPORT_YEAR:
                result.caption += f" {defn.report_note}"
            result.caption += f" ({item} in {REPORT}.)"
    return result
