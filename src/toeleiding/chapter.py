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

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from . import downloads, figures, items, mdtable, numbering, tables
from .codebook import load_codebook
from .rounding import percent_half_up

# The notice that an edition's data are synthetic is the banner on top of every page
# (book/_synthetisch.html, dropped for a real export); a chapter repeats no notice.
# What a chapter says about synthetic data on a topic, in the banner's words ("synthetische
# gegevens"); shown only when the edition's data are synthetic (``Chapter.synthetic_note``).
SYNTHETIC_NOTES = {
    "respondenten": (
        "De synthetische gegevens bootsen dat na met een gedeeld effect per respondent; welke "
        "gemeenten een respondent delen, is daarbij verzonnen."
    ),
    "verbanden": (
        "Verbanden tussen geld, inbedding en resultaten binnen gemeenten zijn uit de "
        "synthetische gegevens van dit boek niet af te leiden: die zijn alleen gemaakt om de "
        "gepubliceerde cijfers terug te geven."
    ),
    "slot": (
        "De synthetische gegevens geven de gepubliceerde percentages terug; verbanden tussen "
        "vragen binnen gemeenten zijn door ons ingebouwd of toevallig ontstaan en zeggen niets "
        "over echte gemeenten."
    ),
}

# How the data of an edition were made (method chapter), one sentence per line. Files and
# commands of the repository go only in the folded block for researchers.
DATA_ORIGIN_SYNTHETIC = """
De antwoorden van gemeenten op de vragenlijst zijn niet openbaar.
Dit boek rekent daarom met nagemaakte antwoorden: per meting een bestand met synthetische \
gegevens, gebouwd om de gepubliceerde cijfers van de monitor terug te geven.
Geen enkele rij in die bestanden is het antwoord van een echte gemeente.

Zo is elk synthetisch bestand gemaakt:

- **In de vorm van een export.** Het bestand heeft dezelfde opbouw als de export van de \
vragenlijst: een rij per gemeente, een kolom per vraag of antwoordoptie met de codes uit het \
codeboek, en de codes van respondent, gemeente en grootteklasse.
  Respondenten en gemeenten krijgen verzonnen codes die niet lijken op echte gemeentecodes.
- **Vast en herhaalbaar.** Het toeval in het model start steeds op dezelfde vaste waarde, zodat \
elke computer precies hetzelfde bestand maakt.
- **Gekalibreerd op de publicaties.** De gepubliceerde percentages, basis-n's en gemiddelden \
zijn per jaar als gegevens vastgelegd.
  De synthese kiest de aantallen zo dat elk opnieuw berekend percentage, half naar boven \
afgerond, op het gedrukte getal uitkomt.
  Een automatische controle rekent dat voor elk gepubliceerd cijfer na.
- **Keuzes vastgelegd.** Waar de bronnen zwijgen of elkaar tegenspreken, moesten we kiezen: \
bijvoorbeeld bij de respons van vroegere metingen, bij antwoordschalen waarvan alleen \
samengevoegde groepen zijn gedrukt, en bij de spreiding van schattingen.
  Elke keuze staat met een nummer in het aannamelog (@sec-aannamelog).

Wat de synthetische gegevens niet kunnen: verbanden laten zien die niet gepubliceerd zijn.
Of gemeenten met veel maatregelen ook vaker evalueren, of grote gemeenten vaker op \
projectbasis werken: zulke samenhang in de synthetische bestanden is door ons als modelkeuze \
ingebouwd of toevallig ontstaan.
Het is geen bevinding over echte gemeenten.
De hoofdstukken toetsen wel de beweringen van het rapport over verschillen tussen \
grootteklassen en tussen jaren, elk met een schatting voor alle gemeenten en een interval \
(@sec-toetsen).
Op synthetische gegevens laat zo'n toets alleen zien wat in het model is gestopt; de toetsen \
tonen hoe de analyse werkt en krijgen pas betekenis op de echte gegevens.
Ook een deel van de verdelingen is aangenomen, bijvoorbeeld waar de bron alleen een \
samengevoegde groep of een gemiddelde noemt; het aannamelog zegt welke.

::: {.callout-note collapse="true" title="Voor onderzoekers"}
De vaste startwaarde van het toeval (de seed) staat in `params.yaml`, de gepubliceerde cijfers \
per jaar in `data/calibration/<jaar>.yaml`.
De controle op de gepubliceerde cijfers draait met `python -m toeleiding check-calibration` en \
hoort bij de tests.
Het aannamelog staat in de repository als `docs/ASSUMPTIONS.md`, met bij elke keuze de \
bestanden waarin ze is vastgelegd.
:::
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

# A caption note of at least this many words is said once per chapter (``Chapter._once``).
ONCE_WORDS = 8


def load_topics(path: str | Path | None = None) -> dict[str, str]:
    """The topic of every question, by harmonised name, as it reads inside a sentence.

    Read from ``notebooks/teksten/onderwerpen.yaml`` (editors change the Dutch there).

    Raises
    ------
    ValueError
        When the file is not a mapping of names to non-empty text.
    """
    import yaml

    from .paths import TEXTS_DIR

    path = Path(path) if path else TEXTS_DIR / "onderwerpen.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of question names to topics")
    bad = [k for k, v in data.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ValueError(f"{path}: no topic text for {', '.join(map(str, bad))}")
    return {str(k): " ".join(v.split()) for k, v in data.items()}


MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]  # fmt: skip


def available_years(clean_dir: str | Path) -> list[int]:
    """Survey years with a cleaned table in ``clean_dir``."""
    return sorted(int(p.stem) for p in Path(clean_dir).glob("*.parquet") if p.stem.isdigit())


class NoAnswers:
    """A number of the text that cannot be computed: no municipality answered the question.

    It reads as "–", the sign for a missing figure, wherever the text puts it; it is never
    larger, smaller or equal to a number, and arithmetic with it stays missing. So a chapter
    whose question nobody answered still builds, and shows no invented figure.
    """

    def __format__(self, spec: str) -> str:
        return "–"

    def __str__(self) -> str:
        return "–"

    def __repr__(self) -> str:
        return "NoAnswers()"

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other) -> bool:
        return isinstance(other, NoAnswers)

    def __hash__(self) -> int:
        return 0

    def _never(self, other) -> bool:
        return False

    __lt__ = __le__ = __gt__ = __ge__ = _never

    def _missing(self, *_) -> NoAnswers:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _missing
    __truediv__ = __rtruediv__ = __neg__ = __round__ = _missing


NO_ANSWERS = NoAnswers()


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
        Whether the data are the synthetic waves (the default) or a real export; everything a
        chapter says about synthetic data depends on it (``synthetic_note``, ``data_origin``,
        ``claim``). The notice itself is the book's banner, on every page of the edition.
    min_count
        The smallest group of municipalities a comparison between groups may show
        (``disclosure.min_count``); by default from the repository's ``params.yaml``, which the
        ``execute`` stages declare as a parameter.
    """

    def __init__(
        self,
        slug: str,
        year: int,
        clean_dir: str | Path,
        codebook_dir: str | Path,
        out_dir: str | Path,
        synthetic: bool = True,
        min_count: int | None = None,
    ) -> None:
        self.slug = slug
        self.synthetic = bool(synthetic)
        if min_count is None:
            import yaml

            from .paths import PARAMS

            params = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
            min_count = params["disclosure"]["min_count"]
        self.min_count = int(min_count)
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
        # The waves that asked each question (every codebook), for the list of what this
        # edition's wave did not ask (``not_asked``).
        self.asked_in: dict[str, list[int]] = {}
        for path in sorted(Path(codebook_dir).glob("*.yaml"), key=lambda p: p.stem):
            if path.stem.isdigit():
                cb = self.waves[int(path.stem)].cb if int(path.stem) in self.waves else None
                for q in (cb or load_codebook(path)).questions:
                    self.wording[q.harmonised] = q.text
                    self.asked_in.setdefault(q.harmonised, []).append(int(path.stem))
        # What the chapter has said once and says no more: shared notes (``items.SHARED_NOTES``)
        # and caption notes, each with the item that first carried it.
        self._said: set[str] = set()
        self._captions: dict[str, str] = {}
        self._listed: set[str] | None = None  # what ``not_asked`` listed, once it has run
        self._left_out: list[tuple[str, str]] = []  # (item, question) left out as not asked
        self.built: list[str] = []
        figures.set_theme()

    # -- items ---------------------------------------------------------------------------------
    def show(self, item: str) -> None:
        """Build an item, write its figure and CSV, and display it with caption and download.

        Returns nothing, so the notebook shows the figure and not the object behind it.
        """
        result = items.build(item, self.waves, self.year, self.wording)
        self.built.append(item)
        if result.mentioned:  # a source names answers without shares: say what it names
            self.say(result.mentioned)
            return
        if result.not_asked:  # said once for the chapter, in the list of ``not_asked``
            self._left_out.append((item, result.missing))
            return
        if result.repeats:  # a trend of this wave alone: another item shows the same numbers
            plt.close(result.figure)
            return
        # The item's name is its number, in the caption and in the CSV (``numbering``).
        csv_path, xlsx_path = self._write_data(
            result.slug, result.data.assign(item=item), numbering.caption(item, result.caption)
        )
        caption = self._once(result)
        what = "deze figuur" if result.kind == "fig" else "deze tabel"
        link = downloads.links(f"Data bij {what}", self._rel(csv_path), self._rel(xlsx_path))
        if result.kind == "fig":
            fig_path = figures.save(result.figure, self.out_dir / "figures" / f"{result.slug}.png")
            # Shown at most DISPLAY_PX wide: the PNG has twice those pixels, so it stays sharp.
            md = numbering.figure(item, result.slug, caption, self._rel(fig_path),
                                  result.alt, figures.DISPLAY_PX)  # fmt: skip
        else:
            md = numbering.table(item, result.slug, caption, self._markdown_table(result))
        display(Markdown(f"{md}\n\n{link}"))

    def _once(self, result: items.Result) -> str:
        """Say each note once per chapter; return the caption without what was said before.

        A shared note (how to read the dot and line, the caveat on comparing waves) is said
        as text before the first item that needs it, and never in a caption. A caption note
        that an earlier caption of the chapter carried already is replaced by a reference to
        that item, so that no page prints the same explanation twice.
        """
        new = [n for n in result.shared if n not in self._said]
        if new:
            self.say("\n".join(new))
            self._said.update(new)
        caption, earlier = result.caption, []
        for note in result.notes:
            first = self._captions.setdefault(note, result.slug)
            if first != result.slug and note in caption and len(note.split()) >= ONCE_WORDS:
                caption = " ".join(caption.replace(note, "").split())
                earlier.append(first)
        if earlier:
            refs = words([f"@{slug}" for slug in dict.fromkeys(earlier)])
            caption += f" Zie de toelichting bij {refs}."
        return caption

    def _rel(self, path: Path) -> str:
        return os.path.relpath(path, Path.cwd()).replace(os.sep, "/")

    def _write_data(self, slug: str, data: pd.DataFrame, title: str) -> tuple[Path, Path]:
        """Write the data behind a figure, table or test as ``data/<slug>.csv`` and ``.xlsx``.

        The CSV is tidy, for code; the workbook is for Excel, rounded as the book shows it and
        opened by ``title`` (see ``downloads``).
        """
        return downloads.write_item(data, self.out_dir / "data", slug, title, self.synthetic)

    @staticmethod
    def _markdown_table(result: items.Result) -> str:
        """An item's table as a pipe table: labels left, numbers right, headers with units."""
        if result.table is not None:  # formatted by the item itself (the key figures)
            t = result.table
            rows = [[str(c) for c in row] for row in t.to_numpy()]
            align = "l" + "r" * (len(t.columns) - 1)
            return mdtable.pipe_table([str(c) for c in t.columns], rows, align)
        return data_table(result)

    def claim(self, claim_id: str) -> None:
        """Test one of the report's claims on this edition and say the result in plain Dutch.

        The box (``claims.box``) holds the claim and one line on the outcome; the statistics
        are folded away, and the method is explained once, in the methods appendix.
        """
        from . import claims
        from .conclusions import number_word

        c = claims.CLAIMS[claim_id]
        if self.year not in c.years:
            return  # another edition's claim
        sizes = c.groups(self.waves[self.year]) if c.groups else {}
        small = [g for g, n in sizes.items() if n < self.min_count]
        if small:  # a group this small could point at municipalities (ASSUMPTIONS O01)
            reason = (f"deze toets publiceren we niet, want in {self.year} antwoordden minder dan "
                      f"{number_word(self.min_count)} {' en '.join(small)} "
                      "(onderdrukt: te kleine groep).")  # fmt: skip
            display(Markdown(claims.note_box(c, reason[:1].upper() + reason[1:])))
            return
        result = c.run(self.waves, self.year)
        if result is None:
            reason = "Met deze gegevens niet te toetsen."
            display(Markdown(claims.note_box(c, reason)))
            return
        test, cmp = result
        csv_path, xlsx_path = self._write_data(
            f"toets-{claim_id}", pd.DataFrame([claims.row(c, test, cmp, self.year)]),
            f"Toets: {c.text}",
        )  # fmt: skip
        link = downloads.links("De toets als download", self._rel(csv_path), self._rel(xlsx_path))
        display(Markdown(claims.box(c, test, cmp, self.year, self.synthetic, link)))

    @property
    def waves_note(self) -> str:
        """The caveat on comparing waves, the first time the chapter needs it; '' after that.

        Put it in the text that first compares waves: a trend figure later in the chapter
        does not repeat it (``show``), and neither does a second comparison.
        """
        if items.WAVES_NOTE in self._said:
            return ""
        self._said.add(items.WAVES_NOTE)
        return items.WAVES_NOTE

    @property
    def from_report(self) -> bool:
        """Whether this is the edition of the report the chapters' background text comes from.

        What the report says beyond its numbers (its interviews, the municipalities'
        explanations, its reading of a figure) belongs to its own year (``items.REPORT_YEAR``):
        another edition does not repeat it as if it held for that year.
        """
        return self.year == items.REPORT_YEAR

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

    def pct(self, name: str, *keys: str, year: int | None = None) -> int | NoAnswers:
        """Percentage (as printed) of the valid answers with one of the option ``keys``.

        ``NO_ANSWERS`` (shown as "–") when nobody answered the question.
        """
        q, df = self._q(name, year)
        k, n = tables.option_share(df, q, list(keys))
        return percent_half_up(k, n) if n else NO_ANSWERS

    def n(self, name: str, year: int | None = None) -> int:
        """Number of valid answers (the base n) of a question."""
        q, df = self._q(name, year)
        return int(tables.answered(df, q).sum())

    def mean(self, name: str, year: int | None = None) -> int | NoAnswers:
        """Mean of a percentage estimate, rounded as printed (``NO_ANSWERS`` without any)."""
        q, df = self._q(name, year)
        if not tables.answered(df, q).any():
            return NO_ANSWERS
        return int(tables.printed_mean(df, q)[0])

    def answers(self, name: str, year: int | None = None) -> str:
        """Mean number of ticked options of a multiple-response question, Dutch notation.

        Always with its one decimal ('2,0', not '2'): a mean, printed as the captions print it.
        """
        q, df = self._q(name, year)
        if not tables.answered(df, q).any():
            return str(NO_ANSWERS)
        return f"{float(tables.mean_answers(df, q)[1]):.1f}".replace(".", ",")

    @staticmethod
    def spell(n) -> str:
        """A count as running text writes it (Dutch house style).

        In words up to twenty ('één', 'drie', 'achttien'), in digits above ('282'); a number
        with a fraction keeps its decimal comma ('2,5'). Percentages and statistics are not
        counts: write them with digits.
        """
        from .conclusions import number_word

        if isinstance(n, NoAnswers):
            return str(n)
        v = float(n)
        if not v.is_integer():
            return _num(v)
        return "één" if int(v) == 1 else number_word(int(v))

    def top(self, name: str, k: int = 3, year: int | None = None) -> list[str]:
        """Keys of the k most ticked options of a multiple-response question.

        Options for anything else ("anders") and exclusive ones ("geen") are left out.
        """
        q, df = self._q(name, year)
        if not tables.answered(df, q).any():
            return []  # nobody answered: no option is most ticked
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
        """Display narrative text (Markdown), one sentence per line in the source.

        Empty text displays nothing, so a cell whose sentences all depend on the data may
        end up saying nothing.
        """
        if text.strip():
            display(Markdown(text.strip()))

    def section(self, heading: str, *names: str, earlier: bool = False) -> None:
        """Display a section heading, unless the wave asked none of the section's questions.

        ``heading`` is the Markdown heading with its id; ``names`` are the harmonised names of
        the questions the section is about (none: always shown). With ``earlier``, a question
        an earlier wave of the edition asked counts too (a section that says what that wave
        found). A section about questions the wave did not ask would stand empty: the
        chapter's list says they were not asked (``not_asked``).
        """
        # A subject a source of the wave names without shares (``Codebook.mention``) is
        # covered too: the section holds what the source names.
        years = [self.year, *(self.earlier if earlier else [])]
        if not names or any(
            self.asked(n, year=y) or self.waves[y].cb.mention(n) is not None
            for n in names
            for y in years
        ):
            self.say(heading)

    def not_asked(self) -> None:
        """Say once, in one short list, which questions of this chapter the wave did not ask.

        The questions are those of the chapter's items (``items.ITEMS``); a question counts
        as asked when the wave asked it or a question that stands in for it
        (``items.questions_of``), and as not answered when nobody answered it. Each is named
        by its topic (``notebooks/teksten/onderwerpen.yaml``) with the waves that did ask it.
        A chapter whose questions were none asked says so in one sentence.
        """
        missing, unanswered, shown = [], [], False
        for defn in items.ITEMS.values():
            if defn.chapter != self.slug:
                continue
            for group in items.questions_of(defn):
                asked = [q for q in map(self.cb.by_harmonised, group) if q is not None]
                if not asked and self.cb.mention(group[0]) is None:
                    missing.extend(group)
                elif asked and not any(tables.answered(self.df, q).any() for q in asked):
                    unanswered.append(asked[0].harmonised)
                else:
                    shown = True
        self._listed = set(missing) | set(unanswered)
        if missing and not shown and not unanswered:
            years = sorted({y for name in missing for y in self.asked_in.get(name, [])})
            self.say(
                f"In {self.year} is naar geen van de onderwerpen van dit hoofdstuk gevraagd"
                + (f"; dat gebeurde wel in {words(map(str, years))}." if years else ".")
            )
            return
        lines = self._topics(missing)
        if len(lines) == 1:
            self.say(f"In {self.year} is niet gevraagd naar {lines[0]}.")
        elif lines:
            self.say(f"In {self.year} is niet gevraagd naar:\n\n" +
                     "\n".join(f"- {line}" for line in lines))  # fmt: skip
        if unanswered:
            topics = words([t.split(" (")[0] for t in self._topics(unanswered)])
            self.say(f"Door geen enkele gemeente beantwoord in {self.year}: {topics}.")

    def _topics(self, names: list[str]) -> list[str]:
        """Each question's topic with the other waves that asked it, one per topic."""
        topics = load_topics()
        years: dict[str, set[int]] = {}
        for name in names:
            topic = topics.get(name) or items.in_sentence(self.wording.get(name, name))
            years.setdefault(topic, set()).update(self.asked_in.get(name, []))
        out = []
        for topic, ys in years.items():
            other = sorted(y for y in ys if y != self.year)
            out.append(f"{topic} (wel in {words(map(str, other))})" if other else topic)
        return out

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
        """Record which items this chapter built (read by the tests and the book).

        Raises
        ------
        ValueError
            When the chapter left out an item as not asked without saying so: ``not_asked``
            was not called, or did not list the item's question.
        """
        for item, name in self._left_out:
            questions = {n for g in items.questions_of(items.ITEMS[item]) for n in g} | {name}
            if self._listed is None or not questions & self._listed:
                raise ValueError(
                    f"{self.slug} {self.year}: {item} is left out because '{name}' was not "
                    "asked, but the chapter does not say so: call ch.not_asked() after the "
                    "introduction"
                )
        path = self.out_dir / "items.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"chapter": self.slug, "year": self.year, "items": self.built}, indent=1)
            + "\n"
        )


# How a table of tidy rows is headed, per unit (``eenheid``): the label column, the name of the
# number and its unit; the label header of one item may be more specific.
TABLE_UNITS = {
    "%": ("Antwoord", "Aandeel", "%"),
    "gemiddelde %": ("Onderdeel", "Gemiddelde", "%"),
}
LABEL_HEADERS = {"tbl-integratieroutes": "Integratieroute"}


def _count(v) -> str:
    return mdtable.DASH if pd.isna(v) else mdtable.nl_number(int(v))


def data_table(result: items.Result) -> str:
    """The pipe table of an item from its tidy rows, with headers that say what each number is.

    The mean number of answers of a multiple-response question is left out: the caption gives
    it. The base n goes into the caption (or the header) when every row shares it.

    Raises
    ------
    ValueError
        When the rows mix units or have a unit no table layout is defined for.
    """
    data = result.data[result.data["eenheid"] != "antwoorden"]
    units = list(dict.fromkeys(data["eenheid"]))
    if len(units) != 1:
        raise ValueError(f"{result.item}: a table shows one unit, not {units}")
    unit = units[0]
    pct = mdtable.nl_number
    if unit == "% van alle gemeenten":  # the response per size class
        header = ["Grootteklasse", "Gemeenten in Nederland (N)", "Deelnemende gemeenten (n)",
                  "Respons (%)"]  # fmt: skip
        rows = [[r.categorie, _count(r.basis_n), _count(r.aantal), pct(r.waarde_afgerond)]
                for r in data.itertuples()]  # fmt: skip
        return mdtable.pipe_table(header, rows, "lrrr")
    if unit == "% van de deelnemende gemeenten":  # the base n of every question
        bases = sorted(set(data["basis_n"].astype(int)))
        of = f"de {mdtable.nl_number(bases[0])} deelnemers" if len(bases) == 1 else "deelnemers"
        header = ["Vraag", "Gemeenten met een antwoord (n)", f"Aandeel van {of} (%)"]
        rows = [[r.categorie, _count(r.aantal), pct(r.waarde_afgerond)]
                for r in data.itertuples()]  # fmt: skip
        return mdtable.pipe_table(header, rows, "lrr")
    if unit not in TABLE_UNITS:
        raise ValueError(f"{result.item}: no table layout for the unit {unit!r}")
    label, name, symbol = TABLE_UNITS[unit]
    label = LABEL_HEADERS.get(result.slug, label)
    years = sorted(data["jaar"].unique())
    if len(years) > 1:  # one column per wave; the bases are in the caption
        wide = data.pivot_table(
            index="categorie", columns="jaar", values="waarde_afgerond", sort=False
        )
        header = [label, *(f"{name} {y} ({symbol})" for y in wide.columns)]
        rows = [[c, *(pct(v) for v in row)]
                for c, row in zip(wide.index, wide.to_numpy(), strict=True)]  # fmt: skip
        return mdtable.pipe_table(header, rows, "l" + "r" * len(wide.columns))
    columns = [(label, "categorie")]
    if unit == "%":
        columns.append(("Gemeenten (n)", "aantal"))
        if data["basis_n"].nunique() > 1:
            columns.append(("Gemeenten met een antwoord (n)", "basis_n"))
    else:
        columns.append(("Gemeenten met een antwoord (n)", "basis_n"))
    columns.append((f"{name} ({symbol})", "waarde_afgerond"))
    rows = []
    for r in data.to_dict("records"):
        cells = [r["categorie"]]
        for _, col in columns[1:-1]:
            cells.append(_count(r[col]))
        rows.append([*cells, pct(r["waarde_afgerond"])])
    return mdtable.pipe_table([h for h, _ in columns], rows, "l" + "r" * (len(columns) - 1))


def words(parts) -> str:
    """Join phrases as Dutch prose ('a, b en c'), each as it reads inside a sentence."""
    parts = [items.in_sentence(p) for p in parts]
    if not parts:  # e.g. the options of a question nobody answered
        return str(NO_ANSWERS)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def _num(v) -> str:
    v = float(v)
    return f"{v:.0f}" if v.is_integer() else f"{v:.1f}".replace(".", ",")
