"""The Quarto web book: one edition per survey year, assembled from the executed notebooks.

``assemble`` builds the source folder of one edition: the template in ``book/`` with the
year, the edition switcher and the build date filled in, the executed chapter notebooks
(their outputs turned into Markdown cells, so Quarto renders them as text without executing
anything), their figures and CSV downloads, and generated appendices: the questionnaire of
that wave (from the codebook), the assumptions log, the downloads and a colophon with the
release, the git commit and the hashes of the wave's data.

``render`` runs Quarto on every edition into ``_site/<year>/`` and writes a landing page that
sends readers to the latest edition.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import nbformat
import yaml

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


def edition_config(
    template: dict, year: int, years: list[int], info: dict[str, str], synthetic: bool = True
) -> dict:
    """The Quarto configuration of one edition, from the template.

    An edition built on a real export drops the banner that says the data are synthetic.
    """
    cfg = copy.deepcopy(template)
    if not synthetic:
        cfg["format"]["html"].pop("include-before-body", None)
    book = cfg["book"]
    book["title"] = f"{template['book']['title']} {year}"
    if info["date"] != "onbekend":
        book["date"] = info["date"]
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


def downloads_qmd(site_dir: Path, year: int) -> str:
    """A list of every CSV download and the metrics file of the edition."""
    lines = [
        "# Downloads {#sec-downloads}",
        "",
        "Onder elke figuur en tabel staat een link naar de gegevens erachter.",
        "Hier staan ze allemaal bij elkaar: per figuur of tabel de categorieën, "
        "aantallen, basis n en percentages.",
        "Gegevens per gemeente of per respondent worden niet gepubliceerd.",
        "",
        "| Figuur of tabel | Bestand |",
        "|---|---|",
    ]
    for csv in sorted((site_dir / "data").glob("*.csv")):
        first = csv.read_text(encoding="utf-8").splitlines()
        header = first[0].split(",") if first else []
        item = ""
        if len(first) > 1 and "item" in header:
            item = first[1].split(",")[header.index("item")]
        lines.append(f"| {item} | [{csv.name}](data/{csv.name}) |")
    lines += [
        "",
        "De kerncijfers van deze editie staan in "
        f"[kerncijfers-{year}.json](data/kerncijfers-{year}.json).",
        "",
    ]
    return "\n".join(lines)


def methods_qmd(population: dict[str, int], year: int) -> str:
    """How the estimates, intervals and tests are made, in plain Dutch."""
    from .stats import ALPHA, CONFIDENCE

    level = f"{round(CONFIDENCE * 100)}%"
    alpha = f"{ALPHA:.2f}".replace(".", ",")
    total = sum(population.values())
    return "\n".join(
        [
            "# Schatting en toetsing {#sec-schatting}",
            "",
            "## Wat de percentages zeggen",
            "",
            "De staven in de figuren tonen, net als het rapport, het aandeel van de gemeenten die "
            "meededen en de vraag beantwoordden.",
            f"Wie iets wil zeggen over alle {total} gemeenten van {year}, moet er rekening mee "
            "houden dat niet elke gemeente meedeed, en dat de grote gemeenten vaker meededen dan "
            "de kleine.",
            "",
            "## Gewichten",
            "",
            "Elke deelnemende gemeente krijgt een gewicht: het aantal gemeenten in haar "
            "grootteklasse (G4, G40, overige) gedeeld door het aantal deelnemers uit die klasse.",
            "Een kleine gemeente telt daardoor iets zwaarder dan een grote, omdat relatief minder "
            "kleine gemeenten meededen.",
            "Dat heet poststratificatie.",
            "De aanname is dat gemeenten die niet meededen lijken op deelnemers uit dezelfde "
            "grootteklasse.",
            "",
            "## Intervallen",
            "",
            f"Bij de schatting voor alle gemeenten hoort een {level}-interval: de stip met streep "
            "in de figuren en de kolommen `gewogen`, `ci_laag` en `ci_hoog` in de downloads.",
            "Het interval houdt rekening met drie dingen:",
            "",
            "- *Eindige populatie.* Een groot deel van alle gemeenten deed mee; hoe groter dat "
            "deel, hoe minder onzekerheid. De G4 deden allemaal mee en dragen dus geen "
            "steekproefonzekerheid bij.",
            "- *Respondenten die voor meer gemeenten antwoordden.* Hun antwoorden lijken op "
            "elkaar; zulke gemeenten tellen samen als één groep (cluster), wat de onzekerheid "
            "vergroot.",
            "- *De gewichten zelf.*",
            "",
            "De onzekerheid wordt berekend met lineaire benadering (Taylor-linearisatie), de "
            "gangbare methode in software voor steekproefonderzoek; voor aandelen op de "
            "logit-schaal, zodat het interval tussen nul en honderd procent blijft.",
            "Het interval zegt niets over andere fouten, zoals vragen die verschillend worden "
            "begrepen of schattingen die gemeenten ruw maken.",
            "",
            "## Toetsen van beweringen",
            "",
            "Het rapport noemt verschillen 'significant', spreekt van een 'toename' of zegt dat "
            "iets 'beduidend minder' is, zonder toets.",
            "Bij zulke beweringen staat in deze editie een toets: het verschil met zijn "
            f"{level}-interval, de toetsingsgrootheid t met haar vrijheidsgraden en de p-waarde.",
            f"Een bewering heet ondersteund als het verschil de beweerde kant op gaat en p kleiner "
            f"is dan {alpha}; anders staat er dat de gegevens haar niet ondersteunen.",
            "Verschillende metingen zijn verschillende groepen gemeenten: hun schattingen worden "
            "als onafhankelijk vergeleken.",
            "Zicht op nareizigers en op statushouders is in dezelfde gemeenten gemeten; die "
            "vergelijking is gepaard, per gemeente.",
            "Veel toetsen samen vergroten de kans dat er toevallig één 'ondersteund' is; lees "
            "een enkele uitkomst met die voorzichtigheid.",
            "",
            "::: {.callout-note}",
            "Met synthetische gegevens toont een toets alleen of het model de bewering draagt: "
            "de verbanden zijn erin gelegd (zie het aannamelog). Op de echte gegevens zijn "
            "dezelfde berekeningen zinvol.",
            ":::",
            "",
        ]
    )


def _lock_hash(lock: dict, stage: str, path: str) -> str:
    for out in lock.get("stages", {}).get(stage, {}).get("outs", []):
        if out["path"] == path:
            return out.get("md5", "onbekend")
    return "onbekend"


def colophon_qmd(year: int, info: dict[str, str], lock: dict) -> str:
    """Release, commit, data hashes and citation of an edition."""
    raw = _lock_hash(lock, f"synthesize@{year}", f"data/raw/{year}.csv")
    clean = _lock_hash(lock, f"clean@{year}", f"data/clean/{year}.parquet")
    lines = [
        "# Colofon {#sec-colofon}",
        "",
        "| | |",
        "|---|---|",
        f"| Editie | {year} |",
        f"| Versie | {info['release']} |",
        f"| Git-commit | `{info['commit']}` |",
        f"| Datum van de commit | {info['date']} |",
        f"| Ruwe gegevens (`data/raw/{year}.csv`, md5 in `dvc.lock`) | `{raw}` |",
        f"| Opgeschoonde gegevens (`data/clean/{year}.parquet`, md5 in `dvc.lock`) | `{clean}` |",
        "",
        "De datum is die van de commit, niet van het moment van bouwen: wie dezelfde "
        "commit opnieuw bouwt, krijgt dezelfde site.",
        "Met `dvc repro` op deze commit ontstaan dezelfde gegevens, figuren en tabellen; "
        "de hashes hierboven maken dat controleerbaar.",
        "",
        "## Zo citeert u deze editie {#sec-citeren}",
        "",
        f"*Monitor gemeentelijk beleid arbeidstoeleiding vluchtelingen {year}*, "
        f"reproduceerbare editie op synthetische gegevens, versie {info['release']}, "
        f"commit `{info['commit'][:12]}` ({info['date']}).",
        "Gebaseerd op de monitor van Kennisplatform Integratie & Samenleving en Divosa.",
        "",
    ]
    return "\n".join(lines)


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
    info: dict[str, str] | None = None,
    synthetic: bool = True,
) -> Path:
    """Write the Quarto source of one edition into ``out`` (replacing it)."""
    book_dir, build_dir, out = Path(book_dir), Path(build_dir), Path(out)
    info = info or git_info(book_dir.parent)
    template = load_template(book_dir)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(book_dir, out, ignore=shutil.ignore_patterns("_quarto.yml", "_book", ".quarto"))
    for sub in ("figures", "data"):
        (out / sub).mkdir(exist_ok=True)
    for slug in chapter_slugs(template):
        source = build_dir / slug / str(year)
        executed = source / f"{slug}.ipynb"
        if not executed.exists():
            raise BookError(f"{executed} is missing: run `dvc repro` first")
        nb = flatten_notebook(nbformat.read(executed, as_version=4))
        nbformat.write(nb, out / f"{slug}.ipynb")
        for sub in ("figures", "data"):
            for f in sorted((source / sub).glob("*")):
                target = out / sub / f.name
                if target.exists():
                    raise BookError(f"two chapters write {sub}/{f.name}")
                shutil.copy2(f, target)
    shutil.copy2(Path(metrics_dir) / f"{year}.json", out / "data" / f"kerncijfers-{year}.json")
    lock = yaml.safe_load(Path(lock_path).read_text(encoding="utf-8")) or {}
    cb = load_codebook(Path(codebook_dir) / f"{year}.yaml")
    pages = {
        "vragenlijst.qmd": questionnaire_qmd(cb),
        "methoden.qmd": methods_qmd(cb.population, year),
        "aannames.qmd": assumptions_qmd(assumptions),
        "downloads.qmd": downloads_qmd(out, year),
        "colofon.qmd": colophon_qmd(year, info, lock),
    }
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
    config = edition_config(template, year, years, info, synthetic)
    if not synthetic:  # the start page's notice about synthetic data goes too
        index = out / "index.qmd"
        text = index.read_text(encoding="utf-8")
        index.write_text(
            re.sub(r"::: \{\.callout-important title=\"Synthetische gegevens\"\}.*?\n:::\n", "",
                   text, flags=re.S),
            encoding="utf-8",
        )  # fmt: skip
    with (out / "_quarto.yml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, allow_unicode=True, sort_keys=False)
    missing = [f for f in book_files(config) if not (out / f).exists()]
    if missing:
        raise BookError(f"edition {year}: files named in _quarto.yml are missing: {missing}")
    return out


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


def render(
    years: list[int],
    book_dir: str | Path,
    build_dir: str | Path,
    codebook_dir: str | Path,
    assumptions: str | Path,
    lock_path: str | Path,
    metrics_dir: str | Path,
    site: str | Path,
    quarto: str | None = None,
    synthetic_years: list[int] | None = None,
) -> Path:
    """Render every edition with Quarto into ``site`` (replaced only when all succeed)."""
    quarto = quarto or shutil.which("quarto")
    if quarto is None:
        raise BookError(QUARTO_HELP)
    site = Path(site)
    info = git_info(Path(book_dir).resolve().parent)
    with tempfile.TemporaryDirectory(
        prefix=".book-", dir=site.parent if site.parent.exists() else None
    ) as tmp:
        staging_site = Path(tmp) / "site"
        staging_site.mkdir()
        for year in years:
            src = assemble(
                year, years, book_dir, build_dir, codebook_dir, assumptions, lock_path,
                metrics_dir, Path(tmp) / "src" / str(year), info,
                synthetic_years is None or year in synthetic_years,
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
        if site.exists():
            shutil.rmtree(site)
        shutil.move(str(staging_site), site)
    return site
