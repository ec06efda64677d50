"""What a chapter notebook calls: load the editions, show items, compute numbers for the text.

A notebook creates one ``Chapter`` in its setup cell and then only calls ``show`` (a figure or
table with caption, alt text and a link to its CSV) and the number helpers inside its
narrative, so that no number in the text is typed by hand.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from . import figures, items, tables
from .codebook import load_codebook
from .rounding import percent_half_up

SYNTHETIC_NOTICE = (
    "::: {.callout-warning title='Synthetische data'}\n"
    "Deze editie is gemaakt met **synthetische data**: nagebootste antwoorden die de "
    "gepubliceerde cijfers van de monitor reproduceren, geen antwoorden van echte gemeenten.\n"
    ":::"
)

# What chapters say about synthetic data beside the notice, by topic; shown only when the
# edition's data are synthetic (``Chapter.synthetic_note``).
SYNTHETIC_NOTES = {
    "respondenten": (
        "De synthetische data bootsen dat na met een gedeeld effect per respondent; welke "
        "gemeenten een respondent delen, is daarbij verzonnen."
    ),
    "verbanden": (
        "De synthetische data in dit boek zijn gemaakt om de gepubliceerde cijfers terug te "
        "geven; verbanden tussen geld, inbedding en resultaten binnen gemeenten zijn er niet uit "
        "af te leiden."
    ),
    "slot": (
        "Alle cijfers van deze editie komen uit synthetische data.\n"
        "Ze geven de gepubliceerde percentages terug, maar verbanden tussen vragen binnen "
        "gemeenten zijn door ons ingebouwd of toevallig ontstaan, en zeggen niets over echte "
        "gemeenten."
    ),
}

# How the data of an edition were made (method chapter), one sentence per line.
DATA_ORIGIN_SYNTHETIC = """
::: {.callout-important title='De cijfers komen uit synthetische data'}
De antwoorden van gemeenten op de vragenlijst zijn niet openbaar.
Dit boek rekent daarom met nagemaakte antwoorden: per meting een synthetisch bestand dat is \
gebouwd om de gepubliceerde cijfers van de monitor terug te geven.
Geen enkele rij in die bestanden is het antwoord van een echte gemeente.
:::

Zo is elk synthetisch bestand gemaakt:

- **In de vorm van een export.** Het bestand heeft dezelfde opbouw als de export van de \
vragenlijst: een rij per gemeente, een kolom per vraag of antwoordoptie met de codes uit het \
codeboek, en de codes van respondent, gemeente en grootteklasse.
  Respondenten en gemeenten krijgen verzonnen codes die niet lijken op echte gemeentecodes.
- **Vast en herhaalbaar.** Een vaste seed (in `params.yaml`) stuurt het toeval, zodat elke \
computer precies hetzelfde bestand maakt.
- **Gekalibreerd op de publicaties.** De gepubliceerde percentages, basis-n's en gemiddelden \
staan per jaar als gegevens in `data/calibration/`.
  De synthese kiest de aantallen zo dat elk opnieuw berekend percentage, half naar boven \
afgerond, op het gedrukte getal uitkomt.
  Een controle (`python -m toeleiding check-calibration`, ook onderdeel van de tests) rekent \
dat voor elk gepubliceerd cijfer na.
- **Keuzes vastgelegd.** Waar de bronnen zwijgen of elkaar tegenspreken, moesten we kiezen: \
bijvoorbeeld bij de respons van vroegere metingen, bij antwoordschalen waarvan alleen \
samengevoegde groepen zijn gedrukt, en bij de spreiding van schattingen.
  Elke keuze staat met een nummer in het aannamelog in de bijlage (`docs/ASSUMPTIONS.md`).

Wat de data niet kunnen: verbanden laten zien die niet gepubliceerd zijn.
Of gemeenten met veel maatregelen ook vaker evalueren, of grote gemeenten vaker op \
projectbasis werken: zulke samenhang in de synthetische bestanden is door ons als modelkeuze \
ingebouwd of toevallig ontstaan.
Het is geen bevinding over echte gemeenten.
De hoofdstukken toetsen wel de beweringen van het rapport over verschillen tussen \
grootteklassen en tussen jaren, elk met een schatting voor alle gemeenten en een interval.
Op synthetische data laat zo'n toets alleen zien wat in het model is gestopt; de toetsen tonen \
hoe de analyse werkt en krijgen pas betekenis op de echte gegevens.
Ook een deel van de verdelingen is aangenomen, bijvoorbeeld waar de bron alleen een \
samengevoegde groep of een gemiddelde noemt; het aannamelog zegt welke.
"""

DATA_ORIGIN_REAL = """
Deze editie rekent met de echte antwoorden van gemeenten: de export van de vragenlijst, \
gecontroleerd tegen het codeboek van dit jaar en daarna opgeschoond.
De hoofdstukken tonen verdelingen en gemiddelden zoals de monitor zelf, met een schatting voor \
alle gemeenten, en toetsen de beweringen van het rapport over verschillen tussen grootteklassen \
en tussen jaren.
Waar een hoofdstuk een eerdere meting toont die met nagemaakte antwoorden is gemaakt, zegt de \
editie van dat jaar dat.
"""

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]  # fmt: skip


def available_years(clean_dir: str | Path) -> list[int]:
    """Survey years with a cleaned table in ``clean_dir``."""
    return sorted(int(p.stem) for p in Path(clean_dir).glob("*.parquet") if p.stem.isdigit())


class Chapter:
    """One chapter of one edition.

    Parameters
    ----------
    slug
        The chapter's slug (its notebook's name), e.g. ``"beleid"``.
    year
        The edition's survey year.
    clean_dir, codebook_dir
        Where the cleaned tables and the codebooks are (relative paths are taken from the
        working directory, which papermill sets to the output folder).
    out_dir
        Where the figures (``figures/``) and the CSV downloads (``data/``) go.
    synthetic
        Whether the data are the synthetic waves (the default) or a real export; the notice
        at the top of each chapter and everything else said about synthetic data depend on it
        (``notice``, ``synthetic_note``, ``data_origin``, ``claim``).
    """

    def __init__(
        self,
        slug: str,
        year: int,
        clean_dir: str | Path,
        codebook_dir: str | Path,
        out_dir: str | Path,
        synthetic: bool = True,
    ) -> None:
        self.slug = slug
        self.synthetic = bool(synthetic)
        self.year = int(year)
        self.out_dir = Path(out_dir)
        self.waves: dict[int, items.Wave] = {}
        for y in available_years(clean_dir):
            if y <= self.year:
                self.waves[y] = items.Wave(
                    y,
                    pd.read_parquet(Path(clean_dir) / f"{y}.parquet"),
                    load_codebook(Path(codebook_dir) / f"{y}.yaml"),
                )
        if self.year not in self.waves:
            raise FileNotFoundError(f"no cleaned data for {self.year} in {clean_dir}")
        self.df = self.waves[self.year].df
        self.cb = self.waves[self.year].cb
        # Question wording per harmonised name, from every wave (the newest wording wins), to
        # name a question that this edition's wave did not ask.
        self.wording: dict[str, str] = {}
        for path in sorted(Path(codebook_dir).glob("*.yaml"), key=lambda p: p.stem):
            if path.stem.isdigit():
                cb = self.waves[int(path.stem)].cb if int(path.stem) in self.waves else None
                for q in (cb or load_codebook(path)).questions:
                    self.wording[q.harmonised] = q.text
        self.built: list[str] = []
        figures.set_theme()

    # -- items ---------------------------------------------------------------------------------
    def show(self, item: str) -> None:
        """Build an item, write its figure and CSV, and display it with caption and download.

        Returns nothing, so the notebook shows the figure and not the object behind it.
        """
        result = items.build(item, self.waves, self.year, self.wording)
        self.built.append(item)
        if result.not_asked:
            display(Markdown(f"*{result.not_asked}*"))
            return
        data_path = self._write_data(result.slug, result.data.assign(item=item))
        # Quarto numbers the figures of the book itself, so the link names no number.
        what = "deze figuur" if result.kind == "fig" else "deze tabel"
        link = f"[Data bij {what} (CSV)]({self._rel(data_path)})"
        if result.kind == "fig":
            fig_path = figures.save(result.figure, self.out_dir / "figures" / f"{result.slug}.png")
            alt = result.alt.replace('"', "'")
            md = f'![{result.caption}]({self._rel(fig_path)}){{#{result.slug} fig-alt="{alt}"}}'
        else:
            md = self._markdown_table(result) + f"\n\n: {result.caption} {{#{result.slug}}}"
        display(Markdown(f"{md}\n\n{link}"))

    def _rel(self, path: Path) -> str:
        return os.path.relpath(path, Path.cwd()).replace(os.sep, "/")

    def _write_data(self, slug: str, data: pd.DataFrame) -> Path:
        """Write the tidy data behind a figure, table or test as ``data/<slug>.csv``."""
        path = self.out_dir / "data" / f"{slug}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        data.to_csv(path, index=False, lineterminator="\n")
        return path

    @staticmethod
    def _markdown_table(result: items.Result) -> str:
        if result.table is not None:
            t = result.table
            header = "| " + " | ".join(map(str, t.columns)) + " |"
            sep = "|---|" + "---:|" * (len(t.columns) - 1)
            rows = ["| " + " | ".join(map(str, row)) + " |" for row in t.to_numpy()]
            return "\n".join([header, sep, *rows])
        data = result.data
        if data["jaar"].nunique() > 1:
            wide = data.pivot_table(
                index="categorie", columns="jaar", values="waarde_afgerond", sort=False
            )
            header = "| " + " | ".join(["Categorie", *map(str, wide.columns)]) + " |"
            sep = "|" + "---|" + "---:|" * len(wide.columns)
            rows = [
                "| " + " | ".join([str(c), *(f"{_num(v)}%" for v in row)]) + " |"
                for c, row in zip(wide.index, wide.to_numpy(), strict=True)
            ]
            return "\n".join([header, sep, *rows])
        header = "| Categorie | Aantal | Basis (n) | Waarde |"
        rows = []
        for r in data.itertuples(index=False):
            value = f"{_num(r.waarde_afgerond)}%" if "%" in r.eenheid else _num(r.waarde_afgerond)
            count = "" if pd.isna(r.aantal) else str(int(r.aantal))
            rows.append(f"| {r.categorie} | {count} | {int(r.basis_n)} | {value} |")
        return "\n".join([header, "|---|---:|---:|---:|", *rows])

    def claim(self, claim_id: str) -> None:
        """Test one of the report's claims on this edition and say the result in plain Dutch."""
        from .claims import CLAIMS
        from .stats import CONFIDENCE

        c = CLAIMS[claim_id]
        if self.year not in c.years:
            return  # another edition's claim
        result = c.run(self.waves, self.year)
        if result is None:
            display(Markdown(f"*Bewering van de monitor: {c.text} Die is met de gegevens tot en "
                             f"met {self.year} niet te toetsen.*"))  # fmt: skip
            return
        test, what = result
        diff, low, high = (v * c.scale for v in (test.estimate, test.low, test.high))
        verdict = "ondersteund" if test.supported else "niet ondersteund"
        if test.no_sampling_error:
            stat = (
                "geen steekproeffout (alleen grootteklassen die volledig meededen): "
                "het verschil is exact"
            )
        else:
            p = "p < 0,001" if test.p_value < 0.001 else f"p = {_num3(test.p_value)}"
            stat = f"t({test.df}) = {_num1(test.statistic)}, {p}"
        text = (
            f"**Toets: {verdict}.** Bewering van de monitor: {c.text}\n"
            f"Vergelijking: {what}; het verschil is {_num1(diff)} {c.unit} "
            f"({_num(round(CONFIDENCE * 100))}%-interval {_num1(low)} tot {_num1(high)}).\n"
            f"Methode: {c.method}; {stat}.\n"
        )
        if not test.supported:
            text += "De gegevens tonen het beweerde verschil niet overtuigend.\n"
        if self.synthetic:
            text += (
                "Met synthetische gegevens laat de toets alleen zien wat het model erin legde; "
                "op de echte gegevens is dezelfde toets zinvol.\n"
            )
        row = {"jaar": self.year, "bewering": c.text, "vergelijking": what, "methode": c.method,
               "verschil": diff, "ci_laag": low, "ci_hoog": high, "eenheid": c.unit,
               "statistiek": test.statistic, "vrijheidsgraden": test.df, "p": test.p_value,
               "ondersteund": test.supported}  # fmt: skip
        path = self._write_data(f"toets-{claim_id}", pd.DataFrame([row]))
        link = f"[Download de toets (CSV)]({self._rel(path)})"
        display(
            Markdown(f"::: {{.callout-note title='Toets van een bewering'}}\n{text}\n{link}\n:::")
        )

    @property
    def waves_note(self) -> str:
        """The caveat that goes with every comparison between waves (one sentence)."""
        return items.WAVES_NOTE

    # -- numbers for the text ------------------------------------------------------------------
    def asked(self, name: str, year: int | None = None) -> bool:
        """Whether the question with this harmonised name was asked in a wave."""
        w = self.waves.get(year or self.year)
        return w is not None and w.cb.by_harmonised(name) is not None

    def _q(self, name: str, year: int | None = None):
        y = year or self.year
        if y not in self.waves:
            raise KeyError(f"no data for {y} in this edition")
        q = self.waves[y].cb.by_harmonised(name)
        if q is None:
            raise KeyError(f"{name} was not asked in {y}")
        return q, self.waves[y].df

    def pct(self, name: str, *keys: str, year: int | None = None) -> int:
        """Percentage (as printed) of the valid answers with one of the option ``keys``."""
        q, df = self._q(name, year)
        k, n = tables.option_share(df, q, list(keys))
        return percent_half_up(k, n)

    def n(self, name: str, year: int | None = None) -> int:
        """Number of valid answers (the base n) of a question."""
        q, df = self._q(name, year)
        return int(tables.answered(df, q).sum())

    def mean(self, name: str, year: int | None = None) -> int:
        """Mean of a percentage estimate, rounded as printed."""
        q, df = self._q(name, year)
        return int(tables.printed_mean(df, q)[0])

    def answers(self, name: str, year: int | None = None) -> str:
        """Mean number of ticked options of a multiple-response question, Dutch notation."""
        q, df = self._q(name, year)
        return _num(tables.mean_answers(df, q)[1])

    def top(self, name: str, k: int = 3, year: int | None = None) -> list[str]:
        """Keys of the k most ticked options of a multiple-response question.

        Options for anything else ("anders") and exclusive ones ("geen") are left out.
        """
        q, df = self._q(name, year)
        t = tables.multi_shares(df, q)
        skip = {"anders"} | {q.option(c).key for c in q.exclusive}
        return [key for key in t["optie"] if key not in skip][:k]

    def bottom(self, name: str, k: int = 2, year: int | None = None) -> list[str]:
        """Keys of the k least ticked options, least ticked last (as ``top``, reversed)."""
        q, _ = self._q(name, year)
        return self.top(name, len(q.options), year)[-k:]

    def listing(self, name: str, keys: list[str], year: int | None = None) -> str:
        """Options with their percentages as Dutch prose: 'a (84%), b (79%) en c (78%)'.

        Labels read as inside a sentence, a label ending in brackets takes the percentage
        inside them, and an option whose share the sources do not give says so.
        """
        q, _ = self._q(name, year)
        parts = []
        for key in keys:
            o = next(o for o in q.options if o.key == key)
            note = f"{self.pct(name, key, year=year)}%" + (
                ", aandeel aangenomen" if o.assumed else ""
            )
            label = items.in_sentence(o.label)
            parts.append(f"{label[:-1]}; {note})" if label.endswith(")") else f"{label} ({note})")
        return words(parts)

    def assumed(self, name: str, key: str, year: int | None = None) -> bool:
        """Whether the sources give no share for an option, so that it is assumed."""
        q, _ = self._q(name, year)
        return any(o.key == key and o.assumed for o in q.options)

    def has_option(self, name: str, key: str, year: int | None = None) -> bool:
        """Whether a question asked in a wave offered the option ``key``."""
        return self.asked(name, year) and any(o.key == key for o in self._q(name, year)[0].options)

    def municipalities(self, year: int | None = None) -> int:
        """Number of responding municipalities in a wave."""
        return len(self.waves[year or self.year].df)

    def population(self, year: int | None = None) -> int:
        """Number of municipalities in the Netherlands in a wave's year."""
        return sum(self.waves[year or self.year].cb.population.values())

    def respondents(self, year: int | None = None) -> int:
        """Number of respondents (one may answer for several municipalities)."""
        return int(self.waves[year or self.year].df["respondent_id"].nunique())

    @property
    def earlier(self) -> list[int]:
        """Earlier waves available to this edition, oldest first."""
        return sorted(y for y in self.waves if y < self.year)

    def say(self, text: str) -> None:
        """Display narrative text (Markdown), one sentence per line in the source."""
        display(Markdown(text.strip()))

    def not_asked(self, name: str) -> None:
        """Say that a question was not asked in this edition's wave, in its own words."""
        text = self.wording.get(name, name.replace("_", " "))
        self.say(f"*De vraag '{text}' is in {self.year} niet gesteld.*")

    def notice(self) -> None:
        """Display the notice that the data are synthetic (nothing for a real export)."""
        if self.synthetic:
            display(Markdown(SYNTHETIC_NOTICE))

    def synthetic_note(self, topic: str) -> None:
        """Say what synthetic data mean for a topic (``SYNTHETIC_NOTES``); nothing if real."""
        if self.synthetic:
            self.say(SYNTHETIC_NOTES[topic])

    def data_origin(self) -> None:
        """Explain where the edition's data come from: synthesised or the real export."""
        self.say(DATA_ORIGIN_SYNTHETIC if self.synthetic else DATA_ORIGIN_REAL)

    def fieldwork(self) -> str:
        """The fieldwork period of the wave in Dutch ('van 5 maart tot en met 9 april 2018')."""
        begin, end = (date.fromisoformat(self.cb.fieldwork[k]) for k in ("start", "end"))
        since = f"{begin.day} {MONTHS[begin.month - 1]}"
        if begin.year != end.year:
            since += f" {begin.year}"
        return f"van {since} tot en met {end.day} {MONTHS[end.month - 1]} {end.year}"

    def questions(self, year: int | None = None) -> list:
        """The closed questions of a wave (open questions left out)."""
        return [q for q in self.codebook(year).questions if q.type != "open_text"]

    def codebook(self, year: int | None = None):
        """The codebook of a wave available to this edition."""
        return self.waves[year or self.year].cb

    def write_manifest(self) -> None:
        """Record which items this chapter built (read by the tests and the book)."""
        path = self.out_dir / "items.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"chapter": self.slug, "year": self.year, "items": self.built}, indent=1)
            + "\n"
        )


def words(parts) -> str:
    """Join phrases as Dutch prose ('a, b en c'), each as it reads inside a sentence."""
    parts = [items.in_sentence(p) for p in parts]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def _num1(v) -> str:
    return f"{float(v):.1f}".replace(".", ",")


def _num3(v) -> str:
    return f"{float(v):.3f}".replace(".", ",")


def _num(v) -> str:
    v = float(v)
    return f"{v:.0f}" if v.is_integer() else f"{v:.1f}".replace(".", ",")
