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

from . import figures, stats, tables
from .codebook import Codebook, Mention, Question
from .conclusions import number_word
from .mdtable import nl_interval, nl_number
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
    # What a source of the wave names on the subject without shares (``Codebook.mentions``),
    # said instead of a figure or a 'not asked' note.
    mentioned: str | None = None
    # With ``not_asked``: the harmonised name of the question the wave did not ask (or that
    # nobody answered). A chapter lists such questions once (``Chapter.not_asked``).
    missing: str | None = None
    # Notes a chapter says once, before the first item that needs them, instead of in every
    # caption (``SHARED_NOTES``: how to read the dot and line, the caveat on comparing waves).
    shared: list[str] = field(default_factory=list)
    # A trend that shows the edition's wave alone, whose numbers another item of the same
    # chapter shows: the chapter leaves it out rather than print the same numbers twice.
    repeats: bool = False


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


def mention_text(m: Mention | None, year: int, also: bool = False) -> str:
    """Say in Dutch what a source of the wave names on a subject without shares ('' if none).

    With ``also`` the names come beside answers that do have a share (in the same item).
    """
    if m is None:
        return ""
    names = [in_sentence(x) for x in m.named]
    listing = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
    where = f"{m.source} van {year}"
    if also:
        text = f"{where} noemt daarnaast {listing} als {m.text}, maar niet hoeveel gemeenten."
    else:
        what = f"de vraag '{m.text}'" if m.text.endswith("?") else m.text
        text = (
            f"{where} beantwoordt {what} met een opsomming zonder cijfers: {listing}.\n"
            f"Hoe vaak elk antwoord voorkwam, staat niet in de bronnen van {year}; daarom "
            "staat hier geen figuur."
        )
    return f"{text} {m.note}".strip()


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
PROPER = ("Europ", "Nederland", "Stichting", "Rijk", "Werkgeversservicepunt")


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


_LEVEL = f"{round(stats.CONFIDENCE * 100)}%"

# Waves overlap (most municipalities took part more than once) but cannot be linked: the codes
# differ per wave. So a difference between waves is a direction, not a change within municipalities.
WAVES_NOTE = (
    "Niet elk jaar deden dezelfde gemeenten mee, en de antwoorden van één gemeente zijn niet over "
    "de jaren te koppelen; een verschil tussen jaren is dus een richting, geen gemeten verandering "
    "binnen dezelfde gemeenten."
)
# How to read a figure: the bar and the dot with its line.
INTERVAL_NOTE = (
    "In de figuren is de staaf het cijfer van de gemeenten die de vraag beantwoordden; de stip "
    f"met streep is de schatting voor alle gemeenten in Nederland met haar {_LEVEL}-interval "
    "(gewogen naar grootteklasse, rekening houdend met respondenten die voor meer gemeenten "
    "antwoordden)."
)
# What the bar of an estimate is (the municipalities' own estimates, averaged).
ESTIMATES_NOTE = (
    "Bij een schatting is de staaf het gemiddelde van de percentages die gemeenten voor hun "
    "eigen statushouders opgaven."
)
# What the hatching of a trend means; the caption says what changed (``trend_breaks``).
BREAKS_NOTE = (
    "Een gearceerde staaf hoort bij een meting waarin de vraag anders was dan in de meting "
    "ervoor; het verschil tussen die twee is dus geen zuivere ontwikkeling."
)
# Notes a chapter says once, before the first item that needs them, never in a caption
# (``Result.shared``; ``Chapter.show`` says them).
SHARED_NOTES = (INTERVAL_NOTE, ESTIMATES_NOTE, WAVES_NOTE, BREAKS_NOTE)


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
        if row["optie"] == "rest" or (row["optie"] == "totaal" and "+" in str(row["vraag"])):
            # 100 minus the sum of the parts ('rest') or their sum ('totaal'), per municipality
            parts = [w.cb.by_harmonised(name) for name in str(row["vraag"]).split("+")]
            if any(p is None or p.type != "estimate" for p in parts):
                continue
            d = designs.setdefault(w.year, stats.design(w.df, w.cb.population))
            total = sum(w.df[p.clean_column()].astype(float) for p in parts)
            est = stats.ratio(d, 100 - total if row["optie"] == "rest" else total, proportion=False)
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


def _total_rows(
    w: Wave, q: Question, totals: tuple[tuple[str, tuple[str, ...]], ...]
) -> pd.DataFrame:
    """Shares of answers taken together that the report prints as a total ('87 % ja').

    A total whose options are not all in this wave's question is left out; one with an
    assumed option is marked as assumed.
    """
    keys_of_q = {o.key: o for o in q.options}
    rows = []
    for label, keys in totals:
        if not set(keys) <= set(keys_of_q):
            continue
        k, n = tables.option_share(w.df, q, list(keys))
        if any(keys_of_q[key].assumed for key in keys):
            label += " *"
        rows.append(tables.share_rows(q.harmonised, ["+".join(keys)], [label], [k], n))
    if not rows:
        return pd.DataFrame(columns=["jaar", *tables.COLUMNS])
    return _with_year(pd.concat(rows, ignore_index=True), w.year).assign(eenheid="% (groep)")


def _totals_note(rows: pd.DataFrame) -> str:
    """The caption's sentence on total rows: 'Opgeteld: ja 87% (...)'."""
    said = []
    for label, value in zip(rows["categorie"], rows["waarde_afgerond"], strict=True):
        assumed = label.endswith(" *")
        stem = label.removesuffix(" *").removesuffix(" (totaal)")
        said.append(
            f"{in_sentence(stem)} {_fmt_pct(value)}%" + (" (deels aangenomen)" if assumed else "")
        )
    return (
        f"Opgeteld: {', '.join(said)}; daarvoor is geen eigen staaf getekend, omdat die de "
        "delen dubbel zou tellen."
    )


def single(
    name: str, grouped: bool = False, totals: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> Callable:
    """A bar chart of one single-choice or Likert question of the edition's wave.

    ``totals`` are answers the report adds up (label, option keys): a row of the CSV and a
    sentence of the caption, not a bar, since the bar would count its parts twice.
    """

    def build(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
        w = waves[year]
        q = w.cb.by_harmonised(name)
        if q is None:
            return _not_asked(defn, year, name)
        data, assumed_note = _mark_assumed(_with_year(tables.single_shares(w.df, q), year), q)
        extra = _total_rows(w, q, totals)
        if not assumed_note and extra["categorie"].str.endswith(" *").any():
            assumed_note = [ASSUMED_NOTE]
        notes = [n for n in [routing_note(q, w.cb), *assumed_note, q.note] if n]
        total_note = ""
        if not extra.empty:
            total_note = _totals_note(extra)
            notes.append(total_note)
            data = pd.concat([data, extra], ignore_index=True)
        if q.type == "likert5":
            groups = _with_year(tables.likert_group_shares(w.df, q), year)
            summary = ", ".join(
                f"{in_sentence(c)} {_fmt_pct(v)}%"
                for c, v in zip(groups["categorie"], groups["waarde_afgerond"], strict=True)
            )
            notes.append(f"Samengevat: {summary}.")
            data = pd.concat([data, groups.assign(eenheid="% (groep)")], ignore_index=True)
        data = add_intervals(data, waves)
        shown = data[data["eenheid"] == "%"]
        n = int(shown["basis_n"].iloc[0])
        fig = figures.barh(shown)
        alt = alt_text("Staafdiagram", q.text, shown)
        return Result(
            defn.item,
            defn.slug,
            "fig",
            _caption(defn.item, q.text, n, " ".join(notes)),
            data,
            fig,
            f"{alt} {total_note}".strip(),
            notes,
            shared=[INTERVAL_NOTE],
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
        limit = f"maximaal {number_word(q.max_answers)}" if q.max_answers else "meerdere"
        mean_note = (
            f"Gemeenten konden {limit} antwoorden geven; gemiddeld gaven zij "
            f"{float(printed):.1f} antwoorden.".replace(".", ",", 1)
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
        if q.partial_options:  # only some options are known: their mean would be invented
            mean_note, mean_row = "Gemeenten konden meerdere antwoorden geven.", None
        named = mention_text(w.cb.mention(name), year, also=True)
        notes = [x for x in [routing_note(q, w.cb), mean_note, *assumed_note, q.note, named] if x]
        caption = _caption(defn.item, q.text, n, " ".join(notes))
        full = data if mean_row is None else pd.concat([data, mean_row], ignore_index=True)
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
            shared=[INTERVAL_NOTE],
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
        data = add_intervals(data, waves)
        notes = []
        changed, details = trend_breaks(data, waves)
        if changed:  # the bars after a break are hatched (``figures.grouped_barh``)
            notes.append(f"Gearceerd: {details}.")
        if assumed:
            labels = ", ".join(f"'{a}'" for a in sorted(assumed))
            notes.append(f"Aangenomen waar de bronnen voor een jaar geen cijfer geven: {labels}.")
        caption = f"{defn.item}. {title} ({bases}). {' '.join(notes)}".strip()
        return Result(
            defn.item,
            defn.slug,
            "fig",
            caption,
            data,
            figures.grouped_barh(data, changed=changed),
            alt_text("Staafdiagram per jaar", title, data),
            notes,
            shared=[WAVES_NOTE, *([BREAKS_NOTE] if changed else []), INTERVAL_NOTE]
            if len(years) > 1
            else [INTERVAL_NOTE],
        )

    # The indicators, so that ``Chapter.not_asked`` knows which questions stand in for each
    # other (a question of one wave measured by another question in the next).
    build.indicators = tuple(indicators)
    return build


# How a kind of question reads in a sentence about a break between waves.
KINDS = {
    "single": "een aparte vraag",
    "likert5": "een stelling",
    "multi": "een optie in een lijst met meer antwoorden",
    "estimate": "een schatting",
    "count": "een aantal",
}


def question_changes(old: Question, new: Question, years: tuple[int, int]) -> list[str]:
    """What makes a share of ``old`` (wave ``years[0]``) and ``new`` not quite comparable.

    Short Dutch phrases, empty when nothing changed: a different question, other wording,
    options added or dropped, a list of options the sources do not give in full, another
    form, or another group of municipalities asked.
    """
    from .conclusions import number_word, question_change

    def options(labels: tuple[str, ...], verb: str) -> str:
        if len(labels) == 1:
            return f"optie '{labels[0]}' {verb}"
        return f"{number_word(len(labels))} opties {verb}"

    if old.harmonised != new.harmonised:
        if old.type != new.type:  # said after the later year: '2018: een optie …, in 2017 …'
            return [f"{KINDS[new.type]}, in {years[0]} {KINDS[old.type]}"]
        return ["een andere vraag"]
    out = []
    if " ".join(old.text.lower().split()) != " ".join(new.text.lower().split()):
        out.append("andere formulering")
    if old.type != new.type:
        out.append("andere vraagvorm")
    partial = [y for y, q in zip(years, (old, new), strict=True) if q.partial_options]
    if partial:  # the options of that wave are not all known: no count of what changed
        out.append(f"niet alle antwoordopties van {partial[0]} bekend")
    else:
        change = question_change(new.harmonised, "", _cb_of(old, years[0]), _cb_of(new, years[1]))
        if change.added:
            out.append(options(change.added, "erbij"))
        if change.dropped:
            out.append(options(change.dropped, "vervallen"))
    if (old.routing is None) != (new.routing is None):
        out.append("aan een andere groep gemeenten gesteld")
    return out


def _cb_of(q: Question, year: int) -> Codebook:
    """A codebook holding one question (what ``conclusions.question_change`` compares)."""
    return Codebook(year, "", {}, {}, {}, [q])


def trend_breaks(data: pd.DataFrame, waves: dict[int, Wave]) -> tuple[set[tuple[int, str]], str]:
    """Where a trend is not comparable with the wave before, and what changed, in words.

    Returns the (year, category) pairs whose bar follows a break, and the phrases per year
    ("in 2018 andere formulering, optie 'Niet meer' erbij"), naming the categories when only
    some of that year's changed.
    """
    changed: set[tuple[int, str]] = set()
    said: dict[int, dict[tuple[str, ...], list[str]]] = {}
    for label, sub in data.sort_values("jaar").groupby("categorie", sort=False):
        rows = list(sub.itertuples(index=False))
        for a, b in zip(rows, rows[1:], strict=False):
            old = waves[int(a.jaar)].cb.by_harmonised(str(a.vraag))
            new = waves[int(b.jaar)].cb.by_harmonised(str(b.vraag))
            phrases = question_changes(old, new, (int(a.jaar), int(b.jaar)))
            if phrases:
                changed.add((int(b.jaar), str(label)))
                said.setdefault(int(b.jaar), {}).setdefault(tuple(phrases), []).append(label)
    parts = []
    for year in sorted(said):
        everything = set(data.loc[data["jaar"] == year, "categorie"])
        for phrases, labels in said[year].items():
            who = "" if set(labels) == everything else " bij " + _words([f"'{x}'" for x in labels])
            parts.append(f"in {year}{who} {', '.join(phrases)}")
    return changed, "; ".join(parts)


def _sum_row(w: Wave, questions: list[Question], label: str) -> dict | None:
    """The mean of the sum of estimates per municipality, as a tidy row ('totaal').

    None unless the same municipalities answered every part (then it is the sum of the means).
    """
    masks = [tables.answered(w.df, q) for q in questions]
    if not all((m == masks[0]).all() for m in masks) or not masks[0].any():
        return None
    sums = sum(w.df.loc[masks[0], q.clean_column()].astype(float) for q in questions)
    whole = int(sums.sum()) if float(sums.sum()).is_integer() else float(sums.sum())
    return {
        "vraag": "+".join(q.harmonised for q in questions),
        "optie": "totaal",
        "categorie": label,
        "aantal": pd.NA,
        "basis_n": len(sums),
        "waarde": float(sums.mean()),
        "waarde_afgerond": ratio_half_up(whole, len(sums), 0),
        "eenheid": "gemiddelde %",
    }


def estimates(
    title: str,
    parts: list[tuple[str, str]],
    complement: str | None = None,
    xlabel: str = "Gemiddeld geschat percentage van de statushouders",
    total: str | None = None,
) -> Callable:
    """Means of percentage estimates; optionally the rest up to 100 as an extra bar.

    ``total`` labels the sum of the parts, which the report prints ('28 % is uitgestroomd,
    waarvan 12 % gedeeltelijk'): a row of the CSV and a sentence of the caption, not a bar.
    It needs parts answered by the same municipalities, so that it is a mean of their sums.
    """

    def build(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
        w = waves[year]
        qs = [w.cb.by_harmonised(name) for name, _ in parts]
        present = [(q, label) for q, (_, label) in zip(qs, parts, strict=True) if q is not None]
        if not present:
            return _not_asked(defn, year, parts[0][0])
        table = tables.estimate_means(w.df, [q for q, _ in present], [lab for _, lab in present])
        if complement and len(present) == len(parts):
            rest = 100 - table["waarde"].sum()
            rest_sum = int(round(rest * table["basis_n"].iloc[0]))
            table.loc[len(table)] = {
                "vraag": "+".join(q.harmonised for q, _ in present),
                "optie": "rest",
                "categorie": complement,
                "aantal": pd.NA,
                "basis_n": table["basis_n"].iloc[0],
                "waarde": rest,
                "waarde_afgerond": ratio_half_up(rest_sum, int(table["basis_n"].iloc[0]), 0),
                "eenheid": "gemiddelde %",
            }
        total_note = ""
        row = _sum_row(w, [q for q, _ in present], total) if total else None
        if row is not None and len(present) == len(parts):
            total_note = _totals_note(pd.DataFrame([row]))
            row["eenheid"] = "gemiddelde % (groep)"  # a row of the CSV, not a bar
        data = add_intervals(_with_year(table, year), waves)
        shown = data
        if total_note:
            data = pd.concat(
                [data, add_intervals(_with_year(pd.DataFrame([row]), year), waves)],
                ignore_index=True,
            )
        ns = sorted(set(data["basis_n"].astype(int)))
        n = ns[0] if len(ns) == 1 else " / ".join(map(str, ns))
        provenance = list(dict.fromkeys(q.note for q, _ in present if q.note))
        notes = [x for x in [total_note, *provenance] if x]
        caption = _caption(defn.item, title, n, " ".join(notes))
        alt = alt_text("Staafdiagram", title, shown)
        return Result(
            defn.item,
            defn.slug,
            "fig",
            caption,
            data,
            figures.barh(shown, xlabel=xlabel),
            f"{alt} {total_note}".strip(),
            notes,
            shared=[ESTIMATES_NOTE, INTERVAL_NOTE],
        )

    return build


ROUTES = [
    ("route_werk", "Directe bemiddeling naar de arbeidsmarkt"),
    ("route_onderwijs", "Bemiddeling naar/via onderwijs"),
    ("route_activering", "Inzet op activeringsactiviteiten ter bemiddeling naar de arbeidsmarkt"),
    ("route_participatie", "Inzet op maatschappelijke participatie"),
    ("route_geen", "(Nog) geen inzet op bovenstaande integratieroutes"),
]


ROUTES_NOT_TO_WORK = "Maatschappelijke participatie en (nog) geen inzet samen"


def routes_table(waves: dict[int, Wave], year: int, defn: ItemDef) -> Result:
    """Tabel 8.1: mean estimated share of statushouders per integration route, per wave."""
    frames = []
    for y in sorted(k for k in waves if k <= year):
        w = waves[y]
        qs = [w.cb.by_harmonised(name) for name, _ in ROUTES]
        if any(q is None for q in qs):
            continue
        table = tables.estimate_means(w.df, qs, [lab for _, lab in ROUTES])
        # The report adds these two up: half of the statushouders get no support aimed at
        # work in the short term (chapters 1 and 8).
        both = _sum_row(w, qs[-2:], ROUTES_NOT_TO_WORK)
        if both is not None:
            table.loc[len(table)] = both
        frames.append(add_intervals(_with_year(table, y), waves))
    if not frames or frames[-1]["jaar"].iloc[0] != year:
        return _not_asked(defn, year, ROUTES[0][0])
    data = pd.concat(frames, ignore_index=True)
    bases = ", ".join(f"{y}: n = {int(d['basis_n'].max())}" for y, d in data.groupby("jaar"))
    caption = (
        f"{defn.item}. Welk percentage van de statushouders in uw gemeente is via welke "
        f"integratieroute bemiddeld? ({bases}). Gemiddeld geschat percentage; een statushouder "
        "kan via meer dan één route zijn bemiddeld, dus de kolommen tellen niet op tot 100. "
        "De laatste rij telt de twee rijen erboven op: statushouders voor wie (nog) niet "
        "wordt gewerkt aan een baan op korte termijn."
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
    head = f"Schatting voor alle gemeenten {year} (95%-interval)"
    rows = []
    changes: dict[str, list[str]] = {}  # what changed -> the indicators it concerns
    for name in order:
        sub = data[data["indicator"] == name].set_index("jaar")
        cells = [_cell(sub.loc[y]) if y in sub.index else "–" for y in years]
        # A share measured by another question or other options than the wave before is
        # marked: the step between the two is no clean change (``question_changes``).
        present = [y for y in years if y in sub.index]
        said = []
        for a, b in zip(present, present[1:], strict=False):
            old = waves[a].cb.by_harmonised(str(sub.loc[a, "vraag"]))
            new = waves[b].cb.by_harmonised(str(sub.loc[b, "vraag"]))
            phrases = question_changes(old, new, (a, b)) if old and new else []
            if phrases:
                cells[years.index(b)] += f" {BREAK_MARK}"
                said.append(f"in {b} {', '.join(phrases)}")
        now = sub.loc[year]
        if said:
            changes.setdefault("; ".join(said), []).append(in_sentence(now["categorie"]))
        est = (
            ""
            if pd.isna(now["gewogen"])
            else f"{nl_number(now['gewogen'], 0)}% ({nl_interval(now['ci_laag'], now['ci_hoog'])})"
        )
        rows.append([now["categorie"], *cells, est])
    table = pd.DataFrame(rows, columns=["Indicator", *map(str, years), head])
    caption = (
        f"{defn.item}. De editie {year} naast eerdere metingen waar die er "
        "zijn; – betekent niet gevraagd. "
        "De laatste kolom schat het aandeel of gemiddelde voor alle gemeenten in "
        "Nederland, met een 95%-interval (gewogen naar grootteklasse, rekening houdend met "
        "respondenten die voor meer gemeenten antwoordden)."
    )
    if changes:
        which = "; ".join(f"{_words(labels)} ({what})" for what, labels in changes.items())
        caption += (
            f" {BREAK_MARK} De vraag verschilt van die in de meting ervoor, dus het verschil is "
            f"geen zuivere ontwikkeling: {which}."
        )
    return Result(defn.item, defn.slug, "tbl", caption, data, table=table)


# Marks a number in a table that follows a break in its question (``question_changes``).
BREAK_MARK = "†"


def _words(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


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
    ("Kerncijfers", "tbl-kerncijfers", "tbl", "conclusies", key_figures, ()),
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
        # The 2016 summary prints the total: policy in place or in development.
        single(
            "beleid_aanvullend",
            totals=(("Ja of in ontwikkeling (totaal)", ("ja", "in_ontwikkeling")),),
        ),
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
        "Trend 3.4",
        "fig-regie-inburgering",
        "fig",
        "beleid",
        single("regie_inburgering"),
        ("regie_inburgering",),
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
        "Trend 4.1",
        "fig-beste-startmoment",
        "fig",
        "startmoment",
        single("beste_startmoment"),
        ("beste_startmoment",),
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
                Indicator("Geen contact met werkgevers", (("contact_werkgevers", ("nee",)),)),
                Indicator(
                    "Proefplaatsing mogelijk",
                    (("werkgevers_faciliteren", ("proefplaatsing",)), ("proefplaatsing", ("ja",))),
                ),
            ],
        ),
        ("werkgevers_faciliteren", "proefplaatsing", "contact_werkgevers"),
    ),
    (
        "Trend 6.1b",
        "fig-voldoende-werk",
        "fig",
        "samenwerking",
        single("voldoende_werk_regio"),
        ("voldoende_werk_regio",),
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
        # The report prints the total of the two 'ja' answers (87 %).
        single(
            "begeleiding_na_afloop", totals=(("Ja (totaal)", ("ja_aanvullend", "ja_regulier")),)
        ),
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
        "Trend 8.1",
        "fig-verwachte-bemiddelbaarheid",
        "fig",
        "resultaten",
        estimates(
            "Verwachte bemiddelbaarheid: welk percentage van de statushouders in uw gemeente…",
            [
                ("verwacht_direct_werk", "…is direct bemiddelbaar naar betaald werk?"),
                (
                    "verwacht_na_opleiding_activering",
                    "…heeft pas kansen op de arbeidsmarkt na een (aanvullende) opleiding of "
                    "activering?",
                ),
                ("verwacht_niet_bemiddelbaar", "…is niet bemiddelbaar naar werk?"),
            ],
        ),
        ("verwacht_direct_werk", "verwacht_na_opleiding_activering", "verwacht_niet_bemiddelbaar"),
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
            total="Uitgestroomd (totaal)",
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
        "Trend 10.1",
        "fig-politiek-draagvlak",
        "fig",
        "randvoorwaarden",
        single("politiek_draagvlak"),
        ("politiek_draagvlak",),
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


# An item of the report carries the report's number in every edition (``numbering``).
REPORT_YEAR = 2018
REPORT = f"het rapport van {REPORT_YEAR}"


def is_report_item(item: str) -> bool:
    """Whether an item is a figure or table of the report (not one the book adds)."""
    return item.split()[0] in ("Figuur", "Tabel") and not item.startswith("Tabel M")


def questions_of(defn: ItemDef) -> list[tuple[str, ...]]:
    """The questions of an item, each with the questions that stand in for it in other waves.

    A trend follows indicators that one wave measures with one question and the next with
    another (a proefplaatsing: its own question in 2017, an option of a list in 2018); such
    questions form one group. Every other question is a group of its own.
    """
    groups: list[tuple[str, ...]] = []
    for ind in getattr(defn.build, "indicators", ()):
        group = tuple(name for name, _ in ind.sources)
        if group not in groups:
            groups.append(group)
    grouped = {name for g in groups for name in g}
    return groups + [(name,) for name in defn.questions if name not in grouped]


def repeats_another_item(defn: ItemDef, result: Result, w: Wave) -> bool:
    """Whether a trend shows only the edition's wave, while another item shows its numbers.

    A trend of one wave is a bar chart of that wave: when an item of the same chapter that is
    not a trend shows each of its questions, the trend would print the same numbers again.
    """
    if not hasattr(defn.build, "indicators") or result.data["jaar"].nunique() != 1:
        return False
    mine = {name for name in defn.questions if w.cb.by_harmonised(name) is not None}
    others = {
        name
        for d in ITEMS.values()
        if d.chapter == defn.chapter and d.item != defn.item and not hasattr(d.build, "indicators")
        for name in d.questions
    }
    return bool(mine) and mine <= others


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
    # A question of the item that nobody answered in this wave (e.g. routed behind options
    # nobody chose): the item is left out and says so, as for a question not asked.
    w = waves[year]
    asked = [q for q in map(w.cb.by_harmonised, defn.questions) if q is not None]
    nobody = next((q.harmonised for q in asked if not tables.answered(w.df, q).any()), None)
    result = _not_asked(defn, year, nobody) if nobody else defn.build(waves, year, defn)
    if result.not_asked is not None and not nobody and w.cb.mention(result.not_asked):
        # Not asked as a question, but a source of the wave names the answers without shares:
        # say what it names instead of calling the subject not asked.
        result.mentioned = mention_text(w.cb.mention(result.not_asked), year)
        result.not_asked = None
        return result
    if result.not_asked is not None:
        # The chapter lists what its wave did not ask once (``Chapter.not_asked``); the
        # sentence here is for whoever builds the item alone.
        name = result.missing = result.not_asked
        text = (wording or {}).get(name, name.replace("_", " "))
        what_was = (
            f"De stelling '{text.removeprefix('Stelling: ')}'"
            if text.startswith("Stelling: ")
            else f"De vraag '{text}'"
        )
        verb = "door geen enkele gemeente beantwoord" if nobody else "niet gesteld"
        result.not_asked = f"{what_was} is in {year} {verb}."
        return result
    result.repeats = repeats_another_item(defn, result, w)
    # The caption is its text alone: the item's name is its number, which the book puts in
    # front of it (``numbering.caption``), the report's own number for the report's items.
    result.caption = result.caption.removeprefix(f"{item}. ")
    if is_report_item(item) and defn.report_note and year == REPORT_YEAR:
        result.caption += f" {defn.report_note}"
    return result
