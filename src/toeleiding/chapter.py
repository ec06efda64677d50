"""What a chapter notebook calls: load the editions, show items, compute numbers for the text.

A notebook creates one ``Chapter`` in its setup cell and then only calls ``show`` (a figure or
table with caption, alt text and a link to its CSV) and the number helpers inside its
narrative, so that no number in the text is typed by hand.
"""

from __future__ import annotations

import json
import os
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
        Whether the data are the synthetic waves (the default) or a real export; only the
        notice at the top of each chapter depends on it.
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
        self.built: list[str] = []
        figures.set_theme()

    # -- items ---------------------------------------------------------------------------------
    def show(self, item: str) -> None:
        """Build an item, write its figure and CSV, and display it with caption and download.

        Returns nothing, so the notebook shows the figure and not the object behind it.
        """
        result = items.build(item, self.waves, self.year)
        self.built.append(item)
        if result.not_asked:
            display(Markdown(f"*{result.not_asked}*"))
            return
        data_path = self.out_dir / "data" / f"{result.slug}.csv"
        data_path.parent.mkdir(parents=True, exist_ok=True)
        result.data.assign(item=item).to_csv(data_path, index=False, lineterminator="\n")
        link = f"[Download de data bij {item} (CSV)]({self._rel(data_path)})"
        if result.kind == "fig":
            fig_path = figures.save(result.figure, self.out_dir / "figures" / f"{result.slug}.png")
            alt = result.alt.replace('"', "'")
            md = f'![{result.caption}]({self._rel(fig_path)}){{#{result.slug} fig-alt="{alt}"}}'
        else:
            md = self._markdown_table(result) + f"\n\n: {result.caption} {{#{result.slug}}}"
        display(Markdown(f"{md}\n\n{link}"))

    def _rel(self, path: Path) -> str:
        return os.path.relpath(path, Path.cwd()).replace(os.sep, "/")

    @staticmethod
    def _markdown_table(result: items.Result) -> str:
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
        if c.years is not None and self.year not in c.years:
            return  # another edition's claim
        result = c.run(self.waves, self.year)
        if result is None:
            display(Markdown(f"*Bewering uit het rapport: {c.text} Die is met de gegevens tot en "
                             f"met {self.year} niet te toetsen.*"))  # fmt: skip
            return
        test, what = result
        diff, low, high = (v * c.scale for v in (test.estimate, test.low, test.high))
        verdict = "ondersteund" if test.supported else "niet ondersteund"
        p = "p < 0,001" if test.p_value < 0.001 else f"p = {_num3(test.p_value)}"
        text = (
            f"**Toets: {verdict}.** Bewering uit het rapport: {c.text}\n"
            f"Vergelijking: {what}; het verschil is {_num1(diff)} {c.unit} "
            f"({_num(round(CONFIDENCE * 100))}%-interval {_num1(low)} tot {_num1(high)}).\n"
            f"Methode: {c.method}; t({test.df}) = {_num1(test.statistic)}, {p}.\n"
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
        path = self.out_dir / "data" / f"toets-{claim_id}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame([row]).to_csv(path, index=False, lineterminator="\n")
        link = f"[Download de toets (CSV)]({self._rel(path)})"
        display(
            Markdown(f"::: {{.callout-note title='Toets van een bewering'}}\n{text}\n{link}\n:::")
        )

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

    def top(self, name: str, k: int = 3, year: int | None = None) -> list[tuple[str, int]]:
        """The k most ticked options of a multiple-response question with their percentages."""
        q, df = self._q(name, year)
        t = tables.multi_shares(df, q).head(k)
        return [(c, int(v)) for c, v in zip(t["categorie"], t["waarde_afgerond"], strict=True)]

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
        """Say that a question was not asked in this edition's wave."""
        self.say(f"*Deze vraag ({name.replace('_', ' ')}) is in {self.year} niet gesteld.*")

    def notice(self) -> None:
        """Display the notice that the data are synthetic (nothing for a real export)."""
        if self.synthetic:
            display(Markdown(SYNTHETIC_NOTICE))

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


def _num1(v) -> str:
    return f"{float(v):.1f}".replace(".", ",")


def _num3(v) -> str:
    return f"{float(v):.3f}".replace(".", ",")


def _num(v) -> str:
    v = float(v)
    return f"{v:.0f}" if v.is_integer() else f"{v:.1f}".replace(".", ",")
