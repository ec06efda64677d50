"""The Quarto web book: one edition per survey year, assembled from the executed notebooks.

``assemble`` builds the source folder of one edition: the template in ``book/`` with the
year, the edition switcher and the build date filled in, the executed chapter notebooks
(their outputs turned into Markdown cells, so Quarto renders them as text without executing
anything), their figures and CSV downloads, and generated appendices: the questionnaire of
that wave (from the codebook), the assumptions log, the downloads and a colophon with the
release, the git commit and the hashes of the wave's data. Before an edition is written, the
disclosure check (``disclosure``) scans it; an edition that would disclose anything is not
written at all.

``render`` runs Quarto on every edition into ``_site/<year>/`` and writes a landing page that
sends readers to the latest edition; the site is replaced only when every edition rendered.
"""

from __future__ import annotations

import copy
import csv
import os
import re
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from . import disclosure
from .codebook import Codebook, load_codebook

QUARTO_HELP = (
    "Quarto is needed to render the book but was not found on the PATH.\n"
    "Install it from https://quarto.org/docs/get-started/ (or `pip install quarto-cli`,\n"
    "the optional extra `book` of this project) and run `dvc repro render` again.\n"
    "Every other stage of the pipeline works without Quarto."
)
TYPE_NL = {
    "single": "één antwoord",
    "likert5": "stelling, vijfpuntsschaal",
    "multi": "meerdere antwoorden mogelijk",
    "estimate": "schatting in procenten (0 tot en met 100)",
    "count": "aantal",
    "open_text": "open antwoord",
}


class BookError(RuntimeError):
    """The book cannot be assembled or rendered."""


# --- configuration ------------------------------------------------------------------------------


def load_template(book_dir: str | Path) -> dict:
    """Read the book template ``book/_quarto.yml``."""
    with (Path(book_dir) / "_quarto.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def book_files(config: dict) -> list[str]:
    """Every chapter and appendix file of a book configuration, in order."""
    out: list[str] = []

    def walk(entries: list) -> None:
        for entry in entries or []:
            if isinstance(entry, str):
                out.append(entry)
            elif isinstance(entry, dict):
                if "href" in entry:
                    out.append(entry["href"])
                walk(entry.get("chapters", []))

    walk(config["book"].get("chapters", []))
    walk(config["book"].get("appendices", []))
    return out


def chapter_slugs(config: dict) -> list[str]:
    """Slugs of the chapters that are executed notebooks, in book order."""
    return [Path(f).stem for f in book_files(config) if f.endswith(".ipynb")]


def git_info(repo: str | Path) -> dict[str, str]:
    """Commit, commit date and a release name of the checkout (or 'onbekend' outside git)."""

    def git(*args: str) -> str:
        res = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
        return res.stdout.strip() if res.returncode == 0 else ""

    commit = git("rev-parse", "HEAD") or "onbekend"
    day = git("log", "-1", "--format=%cs") or "onbekend"
    describe = git("describe", "--tags", "--always") or commit[:7]
    try:
        version = metadata.version("toeleiding")
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is installed
        version = "onbekend"
    return {"commit": commit, "date": day, "release": f"{version} ({describe})"}


SYNTHETIC_SUBTITLE = " op synthetische gegevens"  # appended to the subtitle of a synthetic edition
SYNTHETIC_ONLY = "alleen-synthetisch"  # class of the template's blocks about synthetic data


def edition_url(template: dict, year: int) -> str | None:
    """The web address of an edition: the template's ``book.site-url`` (the site) + ``<year>/``.

    Returns None when the template names no address, so nothing cites an address that
    nobody chose.
    """
    base = str(template["book"].get("site-url") or "").strip()
    return f"{base.rstrip('/')}/{year}/" if base else None


def edition_config(
    template: dict, year: int, years: list[int], info: dict[str, str], synthetic: bool = True
) -> dict:
    """The Quarto configuration of one edition, from the template.

    A synthetic edition's subtitle says so and every page shows the banner; an edition built on
    a real export has neither. With a ``book.site-url`` in the template, the edition's own
    address becomes its ``site-url`` and the ``url`` of its citation.
    """
    cfg = copy.deepcopy(template)
    book = cfg["book"]
    if synthetic:
        book["subtitle"] = f"{template['book'].get('subtitle', '')}{SYNTHETIC_SUBTITLE}".strip()
    else:
        cfg["format"]["html"].pop("include-before-body", None)
    book["title"] = f"{template['book']['title']} {year}"
    if info["date"] != "onbekend":
        book["date"] = info["date"]
    url = edition_url(template, year)
    book.pop("site-url", None)
    if url:
        book["site-url"] = url
    switcher = {
        "text": f"Editie {year}",
        "menu": [
            {"text": str(y), "href": f"../{y}/index.html"} for y in sorted(years, reverse=True)
        ],
    }
    right = book.setdefault("navbar", {}).setdefault("right", [])
    right[:] = [e for e in right if not (isinstance(e, dict) and "menu" in e)] + [switcher]
    cfg["citation"] = {
        **template.get("citation", {}),
        "title": book["title"],
        "issued": info["date"] if info["date"] != "onbekend" else None,
        "version": info["release"],
        "url": url,
    }
    cfg["citation"] = {k: v for k, v in cfg["citation"].items() if v is not None}
    return cfg


# --- chapters ----------------------------------------------------------------------------------


def _options(source: str) -> dict[str, str]:
    opts = {}
    for line in source.splitlines():
        m = re.match(r"#\|\s*([\w-]+):\s*(.*)", line)
        if m:
            opts[m.group(1)] = m.group(2).strip()
    return opts


def flatten_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Turn an executed chapter notebook into Markdown cells only.

    Quarto renders ``.ipynb`` files without executing them; with the displayed Markdown of
    every cell as plain Markdown cells, headings reach the table of contents and figure and
    table labels reach the cross-referencing, exactly as if typed.
    """
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata))
    out.metadata.pop("papermill", None)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            out.cells.append(nbformat.v4.new_markdown_cell(cell.source, id=f"md-{i}"))
            continue
        if cell.cell_type != "code" or _options(cell.source).get("include") == "false":
            continue
        for j, output in enumerate(cell.get("outputs", [])):
            if output.output_type == "error":
                raise BookError(f"cell {i} of the executed notebook failed: {output.evalue}")
            data = output.get("data", {})
            if "text/markdown" in data:
                out.cells.append(
                    nbformat.v4.new_markdown_cell(data["text/markdown"], id=f"out-{i}-{j}")
                )
    return out


# --- generated appendices ----------------------------------------------------------------------


def questionnaire_qmd(cb: Codebook) -> str:
    """The questionnaire of a wave, generated from its codebook."""
    lines = [
        "# Vragenlijst {#sec-vragenlijst}",
        "",
        f"De vragen van de meting van {cb.wave}, zoals het codeboek ze beschrijft.",
        "Een vraag met routing is alleen gesteld aan gemeenten met het genoemde eerdere antwoord.",
        "Antwoordopties met een * staan niet in de bronnen en zijn aangenomen (zie het "
        "aannamelog).",
        "",
    ]
    for q in cb.questions:
        lines += [f"## {q.id}: {q.text} {{#sec-vraag-{q.id.lower()}}}", ""]
        lines.append(f"*Soort vraag:* {TYPE_NL[q.type]}.")
        if q.max_answers:
            lines.append(f"Hoogstens {q.max_answers} antwoorden.")
        if q.routing is not None:
            parent = cb[q.routing.question]
            if q.routing.option is not None:
                cond = (
                    f"optie '{parent.option(q.routing.option).label}' aangekruist bij {parent.id}"
                )
            else:
                labels = " of ".join(f"'{parent.option(c).label}'" for c in q.routing.codes)
                cond = f"{labels} geantwoord bij {parent.id}"
            lines.append(f"*Routing:* alleen gesteld bij {cond}.")
        if q.items:
            lines.append(f"*In het rapport:* {', '.join(q.items)}.")
        lines.append(f"*Naam in de opgeschoonde data:* `{q.harmonised}`.")
        lines.append("")
        for o in q.options:
            star = " \\*" if o.assumed else ""
            lines.append(f"{o.code}. {o.label}{star}")
        lines.append("")
    return "\n".join(lines)


def assumptions_qmd(path: str | Path) -> str:
    """The assumptions log as an appendix."""
    text = Path(path).read_text(encoding="utf-8")
    return re.sub(r"^# (.+)$", r"# \1 {#sec-aannamelog}", text, count=1, flags=re.M)


def labels_in_order(text: str) -> list[str]:
    """Figure and table labels (``fig-…``, ``tbl-…``) in the order the text defines them."""
    return re.findall(r"\{#((?:fig|tbl)-[\w-]+)", text)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def downloads_qmd(site_dir: Path, year: int, labels: list[str]) -> str:
    """A table of every download of the edition, in book order, each with its label.

    Parameters
    ----------
    site_dir
        The edition's source folder (its ``data/`` holds the downloads).
    year
        The edition's survey year.
    labels
        The figure and table labels of the book, in book order; a download named after a label
        (``fig-x.csv``) is listed under a cross-reference to it, so its number is the book's.
    """
    from .items import REPORT, is_report_item

    files = sorted((site_dir / "data").glob("*.csv"))
    order = {label: i for i, label in enumerate(dict.fromkeys(labels))}
    rows: list[tuple[int, str, str, str, str]] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            first = next(csv.DictReader(fh), None) or {}
        item = first.get("item") or ""
        report = _cell(item) if item and is_report_item(item) else "–"
        if path.stem in order:
            rows.append((order[path.stem], path.name, f"@{path.stem}", report, path.name))
        elif "bewering" in first:
            rows.append((len(order), path.name, f"Toets: {_cell(first['bewering'])}", "–",
                         path.name))  # fmt: skip
        else:
            raise BookError(f"{path.name}: a download that belongs to no figure, table or test")
    metrics = f"kerncijfers-{year}.json"
    what = "@tbl-kerncijfers" if "tbl-kerncijfers" in order else "Kerncijfers van deze editie"
    rows.append((order.get("tbl-kerncijfers", len(order)), metrics, what, "–", metrics))
    lines = [
        "# Downloads {#sec-downloads}",
        "",
        "Onder elke figuur en tabel staat een link naar de gegevens erachter.",
        "Hier staan ze allemaal bij elkaar: per figuur of tabel de categorieën, aantallen, "
        "basis n en percentages, en per toets van een bewering het verschil met zijn interval.",
        "De eerste kolom noemt de figuur of tabel met het nummer in dit boek; de tweede het "
        f"nummer in {REPORT}, als het rapport haar ook heeft.",
        "Gegevens per gemeente of per respondent worden niet gepubliceerd.",
        "",
        "| In dit boek | In het rapport | Bestand |",
        "|---|---|---|",
    ]
    seen = set()
    for _, name, what, report, _ in sorted(rows):
        if name not in seen:
            seen.add(name)
            lines.append(f"| {what} | {report} | [{name}](data/{name}) |")
    lines += ["", f": Alle downloads van de editie {year} {{#tbl-downloads}}", ""]
    return "\n".join(lines)


def _dec(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def design_table(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Per size class: municipalities (N), participants (n), weight N/n, fpc 1 − n/N, clusters.

    Computed with ``stats.design`` from the cleaned wave and the codebook's population frame;
    a size class without participants has no weight.
    """
    from .stats import design

    try:
        d = design(df, cb.population)
    except ValueError as exc:
        raise BookError(f"the design of {cb.wave} cannot be estimated: {exc}") from exc
    frame = pd.DataFrame({"h": d.stratum, "w": d.weight, "f": d.fpc, "c": d.cluster})
    per = frame.groupby("h", sort=False).agg(
        n=("w", "size"), gewicht=("w", "first"), fpc=("f", "first"), clusters=("c", "nunique")
    )
    rows = []
    for code, big_n in cb.population.items():
        got = code in per.index
        rows.append(
            {
                "code": code,
                "label": cb.size_classes.get(code, code),
                "N": big_n,
                "n": int(per.loc[code, "n"]) if got else 0,
                "gewicht": float(per.loc[code, "gewicht"]) if got else None,
                "fpc": float(per.loc[code, "fpc"]) if got else None,
                "clusters": int(per.loc[code, "clusters"]) if got else 0,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["df"] = d.df
    return table


def methods_qmd(
    df: pd.DataFrame, cb: Codebook, synthetic: bool = True, response_csv: str | None = None
) -> str:
    """How the estimates, intervals and tests are made, in plain Dutch.

    Every number comes from the cleaned wave ``df`` and its codebook ``cb`` (the table of
    weights per size class) or from ``stats`` (confidence level, significance level).
    """
    from .stats import ALPHA, CONFIDENCE

    year = cb.wave
    level = f"{round(CONFIDENCE * 100)}%"
    alpha = _dec(ALPHA)
    half = f"{_dec(ALPHA / 2 * 100, 1)}%"
    t = design_table(df, cb)
    rows = [
        f"| {r.label} | {r.N} | {r.n} | "
        + (f"{_dec(r.gewicht)} | {_dec(r.fpc)}" if r.n else "– | –")
        + f" | {r.clusters} |"
        for r in t.itertuples()
    ]
    rows.append(f"| Totaal | {t.N.sum()} | {t.n.sum()} | | | {t.clusters.sum()} |")
    taking = t[t.n > 0]
    heavy, light = taking.loc[taking.gewicht.idxmax()], taking.loc[taking.gewicht.idxmin()]
    if heavy.gewicht > light.gewicht:
        heaviest = (
            f"In {year} telt een deelnemer uit de klasse *{heavy.label}* "
            f"{_dec(heavy.gewicht / light.gewicht)} keer zo zwaar als een deelnemer uit de klasse "
            f"*{light.label}*."
        )
    else:
        heaviest = f"In {year} tellen alle deelnemers even zwaar."
    census = [r.label for r in t.itertuples() if r.n == r.N]
    census_text = (
        [
            f"In de klasse{'n' if len(census) > 1 else ''} {' en '.join(census)} deden in "
            f"{year} alle gemeenten mee: de correctie is daar nul, en die gemeenten dragen geen "
            "steekproefonzekerheid bij."
        ]
        if census
        else []
    )
    strata, clusters, dof = int((t.n > 0).sum()), int(t.clusters.sum()), t.attrs["df"]
    response = (
        [
            "De aantallen deelnemers per grootteklasse staan ook bij @tbl-respons, met de "
            f"download [{response_csv}](data/{response_csv}); het aantal gemeenten per klasse "
            "komt uit het codeboek van de meting."
        ]
        if response_csv
        else []
    )
    lines = [
        "# Schatting en toetsing {#sec-schatting}",
        "",
        "## Wat de percentages zeggen",
        "",
        "De staven in de figuren tonen, net als het rapport, het aandeel van de gemeenten die "
        "meededen en de vraag beantwoordden.",
        f"In {year} deden {t.n.sum()} van de {t.N.sum()} gemeenten in Nederland mee.",
        "Wie iets wil zeggen over alle gemeenten, moet er rekening mee houden dat niet elke "
        "gemeente meedeed, en dat het deel dat meedeed per grootteklasse verschilt "
        "(@tbl-gewichten).",
        "",
        "## Gewichten",
        "",
        "Elke deelnemende gemeente krijgt een gewicht: het aantal gemeenten in haar "
        "grootteklasse (N) gedeeld door het aantal deelnemers uit die klasse (n).",
        "Een deelnemer telt zo voor zichzelf en voor de gemeenten uit haar klasse die niet "
        "meededen.",
        "Dat heet poststratificatie.",
        heaviest,
        "De aanname is dat gemeenten die niet meededen lijken op deelnemers uit dezelfde "
        "grootteklasse.",
        "",
        "| Grootteklasse | Gemeenten (N) | Deelnemers (n) | Gewicht (N/n) | Correctie (1 − n/N) "
        "| Clusters |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f": Gemeenten, deelnemers, gewicht, eindige-populatiecorrectie en clusters per "
        f"grootteklasse in {year} {{#tbl-gewichten}}",
        "",
        *response,
        "",
        "Een gemeente die een vraag niet beantwoordde, of die de vraag door de routing niet "
        "kreeg, houdt haar gewicht.",
        "De schatting is dan een verhouding: de gewogen antwoorden gedeeld door het gewogen "
        "aantal gemeenten dat de vraag beantwoordde.",
        "Voor de onzekerheid tellen ook de gemeenten zonder antwoord mee, zodat elke "
        "grootteklasse en elk cluster in de berekening blijft.",
        "",
        "## Intervallen",
        "",
        f"Bij de schatting voor alle gemeenten hoort een {level}-interval: de stip met streep "
        "in de figuren en de kolommen `gewogen`, `ci_laag` en `ci_hoog` in de downloads.",
        "Het interval houdt rekening met drie dingen.",
        "",
        "- *Clusters.* Eén respondent antwoordde vaak voor meer gemeenten, en die antwoorden "
        "lijken op elkaar.",
        "  De gemeenten van één respondent binnen één grootteklasse tellen daarom samen als één "
        "cluster (de laatste kolom van @tbl-gewichten).",
        "  Minder clusters dan gemeenten betekent minder onafhankelijke informatie, en dus een "
        "breder interval.",
        "- *Eindige populatie.* Hoe groter het deel van een grootteklasse dat meedeed, hoe "
        "kleiner de onzekerheid: de variantie van elke klasse wordt vermenigvuldigd met de "
        "correctie 1 − n/N.",
        *[f"  {c}" for c in census_text],
        "  Strikt genomen zijn de clusters de eenheden van de steekproef, niet de gemeenten.",
        "  Hoeveel respondenten er in heel Nederland zouden zijn, is onbekend; daarom gebruikt de "
        "correctie het aandeel gemeenten, als benadering.",
        "- *De gewichten.* Een gemeente met een groot gewicht beïnvloedt de uitkomst meer dan "
        "een gemeente met een klein gewicht.",
        "  Ongelijke gewichten maken een schatting daardoor onzekerder dan een gewoon gemiddelde "
        "over evenveel gemeenten; de berekening neemt dat mee.",
        "",
        "De onzekerheid wordt berekend met lineaire benadering (Taylor-linearisatie), de "
        "gangbare methode in software voor steekproefonderzoek.",
        "Het interval gebruikt de t-verdeling met zoveel vrijheidsgraden als er clusters zijn, "
        f"min het aantal grootteklassen: in {year} zijn dat {clusters} clusters in {strata} "
        f"grootteklassen, dus {dof} vrijheidsgraden.",
        "Voor aandelen wordt het interval berekend op de logit-schaal, zodat het tussen nul en "
        "honderd procent blijft; voor gemiddelden is het symmetrisch.",
        "Gaven alle gemeenten die een vraag beantwoordden hetzelfde antwoord (0% of 100%), dan "
        "is er geen spreiding om mee te rekenen.",
        "Dan geldt een exacte grens volgens de binomiale verdeling: bij 0% loopt het interval "
        "tot het aandeel waarbij de kans om dat antwoord nergens te zien nog "
        f"{half} is, alsof er zoveel onafhankelijke antwoorden waren als clusters, na de "
        "correctie voor de eindige populatie.",
        "Gemeenten uit een grootteklasse die helemaal meedeed, tellen daarbij als zeker; bij 100% "
        "geldt hetzelfde andersom.",
        "Het interval zegt niets over andere fouten, zoals vragen die verschillend worden "
        "begrepen of schattingen die gemeenten ruw maken.",
        "",
        "## Toetsen van beweringen",
        "",
        "Het rapport noemt verschillen 'significant', spreekt van een 'toename' of zegt dat "
        "iets 'beduidend minder' is, zonder dat het rapport een toets vermeldt.",
        "Bij zulke beweringen staat in deze editie een toets: het verschil met zijn "
        f"{level}-interval, de toetsingsgrootheid t met haar vrijheidsgraden en de p-waarde.",
        "Een bewering heet ondersteund als het verschil de beweerde kant op gaat en p kleiner "
        f"is dan {alpha}; anders staat er dat de gegevens haar niet ondersteunen.",
        "Metingen uit verschillende jaren worden vergeleken alsof ze onafhankelijk zijn.",
        "Dat is niet omdat het om andere gemeenten gaat: veel gemeenten deden in meer dan één "
        "jaar mee.",
        "Maar de codes van de gemeenten verschillen per jaar, zodat dezelfde gemeente in twee "
        "metingen niet aan zichzelf te koppelen is.",
        "Antwoorden van dezelfde gemeente in twee jaren lijken meestal op elkaar; wie die "
        "samenhang negeert, rekent voor het verschil een te grote onzekerheid.",
        "De vergelijking tussen jaren is daardoor voorzichtig: ze mist eerder een echt verschil "
        "dan dat ze er een ziet dat er niet is.",
        "Zicht op nareizigers en op statushouders is in dezelfde gemeenten gemeten; die "
        "vergelijking is gepaard, per gemeente.",
        "Veel toetsen samen vergroten de kans dat er toevallig één 'ondersteund' is; lees "
        "een enkele uitkomst met die voorzichtigheid.",
        "",
    ]
    if synthetic:
        lines += [
            "::: {.callout-note}",
            "Met synthetische gegevens toont een toets alleen of het model de bewering draagt: "
            "de verbanden zijn erin gelegd (zie het aannamelog).",
            "Op de echte gegevens zijn dezelfde berekeningen zinvol.",
            ":::",
            "",
        ]
    return "\n".join(lines)


def _lock_md5(lock: dict, stage: str, kind: str, path: str) -> str:
    """The md5 of ``path`` among the ``kind`` (deps or outs) of ``stage`` in dvc.lock."""
    for entry in lock.get("stages", {}).get(stage, {}).get(kind, []):
        if entry.get("path") == path and entry.get("md5"):
            return entry["md5"]
    raise BookError(
        f"dvc.lock has no md5 of {path} among the {kind} of stage {stage}: "
        "run `dvc repro` before building the book"
    )


def colophon_qmd(
    year: int, info: dict[str, str], lock: dict, synthetic: bool = True, url: str | None = None
) -> str:
    """Release, commit, data hashes and citation of an edition.

    Both hashes come from the ``clean@<year>`` stage in ``dvc.lock``: the raw file it read (its
    deps) and the table it wrote (its outs). That holds for a synthetic raw file and for a real
    export tracked by ``data/raw/<year>.csv.dvc`` alike, even when an old ``synthesize`` entry
    lingers in the lock.
    """
    raw = _lock_md5(lock, f"clean@{year}", "deps", f"data/raw/{year}.csv")
    clean = _lock_md5(lock, f"clean@{year}", "outs", f"data/clean/{year}.parquet")
    kind = (
        "synthetisch: nagebootste antwoorden (zie de startpagina)"
        if synthetic
        else "de export van de vragenlijst"
    )
    edition = "reproduceerbare editie op synthetische gegevens" if synthetic else (
        "reproduceerbare editie"
    )  # fmt: skip
    where = f", <{url}>" if url else ""
    lines = [
        "# Colofon {#sec-colofon}",
        "",
        "| | |",
        "|---|---|",
        f"| Editie | {year} |",
        f"| Gegevens | {kind} |",
        f"| Versie | {info['release']} |",
        f"| Git-commit | `{info['commit']}` |",
        f"| Datum van de commit | {info['date']} |",
        f"| Ruwe gegevens (`data/raw/{year}.csv`, md5 in `dvc.lock`) | `{raw}` |",
        f"| Opgeschoonde gegevens (`data/clean/{year}.parquet`, md5 in `dvc.lock`) | `{clean}` |",
        "",
        f": Herkomst van de editie {year} {{#tbl-colofon}}",
        "",
        "De commit is die waarvan deze editie is gebouwd.",
        "De datum is die van de commit, niet van het moment van bouwen: wie dezelfde "
        "commit opnieuw bouwt, krijgt dezelfde site.",
        "Een latere commit die niets verandert waar het boek op rust, bouwt het boek niet "
        "opnieuw; `dvc repro -f render` doet dat wel en zet de nieuwe commit hierin.",
        "Met `dvc repro` op deze commit ontstaan dezelfde gegevens, figuren en tabellen; "
        "de hashes hierboven maken dat controleerbaar.",
        "",
        "## Zo citeert u deze editie {#sec-citeren}",
        "",
        f"*Monitor gemeentelijk beleid arbeidstoeleiding vluchtelingen {year}*, {edition}, "
        f"versie {info['release']}, commit `{info['commit'][:12]}` ({info['date']}){where}.",
        "Gebaseerd op de monitor van Kennisplatform Integratie & Samenleving en Divosa.",
        "",
    ]
    return "\n".join(lines)


def _drop_synthetic_blocks(text: str) -> str:
    """Remove the fenced blocks marked ``.alleen-synthetisch`` from a page."""
    pattern = rf"^(:{{3,}}) *\{{[^}}\n]*\.{SYNTHETIC_ONLY}\b[^}}\n]*\}}\n.*?^\1 *\n"
    return re.sub(pattern, "", text, flags=re.S | re.M)


def check_disclosure(
    src: Path, years: list[int], codebook_dir: str | Path, clean_dir: str | Path, min_count: int
) -> None:
    """Refuse an edition's sources that would disclose anything (see ``disclosure``).

    Raises
    ------
    BookError
        Naming every finding: file (relative to the edition), line and what was found.
    """
    try:
        found = disclosure.scan(
            disclosure.published_files(src),
            disclosure.load_secrets(clean_dir, codebook_dir, years),
            min_count,
            root=src.parent,
        )
    except disclosure.DisclosureError as exc:
        raise BookError(f"disclosure check impossible: {exc}") from exc
    if found:
        raise BookError(disclosure.report(found))


# --- assembling and rendering --------------------------------------------------------------------


def assemble(
    year: int,
    years: list[int],
    book_dir: str | Path,
    build_dir: str | Path,
    codebook_dir: str | Path,
    assumptions: str | Path,
    lock_path: str | Path,
    metrics_dir: str | Path,
    out: str | Path,
    *,
    clean_dir: str | Path,
    min_count: int,
    info: dict[str, str] | None = None,
    synthetic: bool = True,
) -> Path:
    """Write the Quarto source of one edition into ``out`` (replacing it).

    Parameters
    ----------
    year, years
        The edition, and every edition (for the switcher and the disclosure check).
    book_dir, build_dir, codebook_dir, assumptions, lock_path, metrics_dir
        The template, the executed chapters, the codebooks, the assumptions log, ``dvc.lock``
        and the key figures.
    out
        The edition's source folder.
    info
        Release, commit and date (default: from git).
    synthetic
        Whether the edition's data are synthetic (its year is in ``synthesize.years``).
    clean_dir
        The cleaned waves, for the table of weights and the disclosure check.
    min_count
        ``disclosure.min_count`` of ``params.yaml``.

    Raises
    ------
    BookError
        When an input is missing, or when the disclosure check finds anything; then ``out``
        is not left behind.
    """
    book_dir, build_dir, out = Path(book_dir), Path(build_dir), Path(out)
    info = info or git_info(book_dir.parent)
    template = load_template(book_dir)
    if out.exists():
        shutil.rmtree(out)
    ignore = ["_quarto.yml", "_book", ".quarto"]
    if not synthetic:
        ignore.append(template["format"]["html"].get("include-before-body", "_synthetisch.html"))
    shutil.copytree(book_dir, out, ignore=shutil.ignore_patterns(*ignore))
    try:
        _fill(year, years, template, build_dir, codebook_dir, assumptions, lock_path,
              metrics_dir, out, info, synthetic, clean_dir)  # fmt: skip
        check_disclosure(out, years, codebook_dir, clean_dir, min_count)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return out


def _fill(year, years, template, build_dir, codebook_dir, assumptions, lock_path, metrics_dir,
          out, info, synthetic, clean_dir) -> None:  # fmt: skip
    """Write chapters, downloads, generated appendices and configuration into ``out``."""
    for sub in ("figures", "data"):
        (out / sub).mkdir(exist_ok=True)
    texts = []
    for page in book_files(template):
        if not page.endswith(".ipynb"):
            if (out / page).exists():
                texts.append((out / page).read_text(encoding="utf-8"))
            continue
        slug = Path(page).stem
        source = build_dir / slug / str(year)
        executed = source / f"{slug}.ipynb"
        if not executed.exists():
            raise BookError(f"{executed} is missing: run `dvc repro` first")
        nb = flatten_notebook(nbformat.read(executed, as_version=4))
        nbformat.write(nb, out / f"{slug}.ipynb")
        texts.append("\n\n".join(c.source for c in nb.cells))
        for sub in ("figures", "data"):
            for f in sorted((source / sub).glob("*")):
                target = out / sub / f.name
                if target.exists():
                    raise BookError(f"two chapters write {sub}/{f.name}")
                shutil.copy2(f, target)
    metrics = Path(metrics_dir) / f"{year}.json"
    if not metrics.exists():
        raise BookError(f"{metrics} is missing: run `dvc repro` first")
    shutil.copy2(metrics, out / "data" / f"kerncijfers-{year}.json")
    lock_file = Path(lock_path)
    if not lock_file.exists():
        raise BookError(f"{lock_file} is missing: run `dvc repro` first")
    lock = yaml.safe_load(lock_file.read_text(encoding="utf-8")) or {}
    cb = load_codebook(Path(codebook_dir) / f"{year}.yaml")
    clean = Path(clean_dir) / f"{year}.parquet"
    if not clean.exists():
        raise BookError(f"{clean} is missing: run `dvc repro` first")
    labels = labels_in_order("\n".join(texts))
    response = "tbl-respons.csv" if "tbl-respons" in labels else None
    pages = {
        "vragenlijst.qmd": questionnaire_qmd(cb),
        "methoden.qmd": methods_qmd(pd.read_parquet(clean), cb, synthetic, response),
        "aannames.qmd": assumptions_qmd(assumptions),
        "downloads.qmd": downloads_qmd(out, year, labels),
        "colofon.qmd": colophon_qmd(year, info, lock, synthetic, edition_url(template, year)),
    }
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
    if not synthetic:  # the template's notices about synthetic data go too
        for page in out.glob("*.qmd"):
            page.write_text(_drop_synthetic_blocks(page.read_text(encoding="utf-8")),
                            encoding="utf-8")  # fmt: skip
    config = edition_config(template, year, years, info, synthetic)
    with (out / "_quarto.yml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, allow_unicode=True, sort_keys=False)
    missing = [f for f in book_files(config) if not (out / f).exists()]
    if missing:
        raise BookError(f"edition {year}: files named in _quarto.yml are missing: {missing}")


def landing_page(latest: int, synthetic: bool = True) -> str:
    """The site's start page: it sends the reader to the latest edition."""
    note = "<p>De gegevens in deze editie zijn synthetisch.</p>\n" if synthetic else ""
    return (
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="refresh" content="0; url={latest}/index.html">\n'
        "<title>Monitor arbeidstoeleiding vluchtelingen</title>\n</head>\n<body>\n"
        f'<p>Naar de nieuwste editie: <a href="{latest}/index.html">{latest}</a>.</p>\n'
        f"{note}</body>\n</html>\n"
    )


def _swap_into_place(staging: Path, site: Path, work: Path) -> None:
    """Replace ``site`` by ``staging`` with two renames; the old site is kept until then."""
    if site.exists():
        os.replace(site, work / "old")
    os.replace(staging, site)


def render(
    years: list[int],
    book_dir: str | Path,
    build_dir: str | Path,
    codebook_dir: str | Path,
    assumptions: str | Path,
    lock_path: str | Path,
    metrics_dir: str | Path,
    site: str | Path,
    *,
    clean_dir: str | Path,
    min_count: int,
    quarto: str | None = None,
    synthetic_years: list[int] | None = None,
) -> Path:
    """Render every edition with Quarto into ``site``.

    Everything is built in a hidden folder beside ``site`` (``.<name>.*.tmp``) and moved into
    place only when every edition assembled, passed the disclosure check and rendered; a run
    that fails or is killed leaves the previous site as it was (a run killed between the two
    final renames is repaired by the next run).
    """
    quarto = quarto or shutil.which("quarto")
    if quarto is None:
        raise BookError(QUARTO_HELP)
    site = Path(site)
    site.parent.mkdir(parents=True, exist_ok=True)
    for stale in site.parent.glob(f".{site.name}.*.tmp"):
        if not site.exists() and (stale / "old").is_dir():
            os.replace(stale / "old", site)  # killed between the two renames: restore
        shutil.rmtree(stale, ignore_errors=True)
    info = git_info(Path(book_dir).resolve().parent)
    work = Path(tempfile.mkdtemp(prefix=f".{site.name}.", suffix=".tmp", dir=site.parent))
    try:
        staging_site = work / "site"
        staging_site.mkdir()
        for year in years:
            src = assemble(
                year, years, book_dir, build_dir, codebook_dir, assumptions, lock_path,
                metrics_dir, work / "src" / str(year), clean_dir=clean_dir,
                min_count=min_count, info=info,
                synthetic=synthetic_years is None or year in synthetic_years,
            )  # fmt: skip
            res = subprocess.run(
                [quarto, "render", str(src), "--to", "html"], capture_output=True, text=True
            )
            if res.returncode != 0:
                raise BookError(f"quarto render failed for {year}:\n{res.stderr[-4000:]}")
            shutil.move(str(src / "_book"), staging_site / str(year))
        latest = max(years)
        synthetic = synthetic_years is None or latest in synthetic_years
        (staging_site / "index.html").write_text(landing_page(latest, synthetic), encoding="utf-8")
        _swap_into_place(staging_site, site, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return site
