"""The Quarto web book: one edition per survey year, assembled from the executed notebooks.

``assemble`` builds the source folder of one edition: the template in ``book/`` with the
year, the edition switcher and the build date filled in, the executed chapter notebooks
(their outputs turned into Markdown cells, so Quarto renders them as text without executing
anything), their figures and CSV downloads, and generated appendices: the questionnaire of
that wave (from the codebook), the assumptions log, the downloads and a colophon with the
release, the git commit and the hashes of the wave's data. Before an edition is written, the
disclosure check (``disclosure``) scans it; an edition that would disclose anything is not
written at all.

``render`` runs Quarto on the editions side by side into ``_site/<year>/`` and writes a landing
page that sends readers to the latest edition; the site is replaced only when every edition
rendered. Each edition's Quarto project is kept in ``.book-cache/``, so only the editions, and
within them the pages, whose sources changed are rendered again.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from . import disclosure, downloads, mdtable, numbering, paths, releases, templates
from .codebook import Codebook, load_codebook
from .conclusions import Publication, TextError, load_publication

QUARTO_HELP = (
    "Quarto is needed to render the book but was not found on the PATH.\n"
    "Install it from https://quarto.org/docs/get-started/ (or `pip install quarto-cli`,\n"
    "the optional extra `book` of this project) and run `make render` again.\n"
    "The DVC pipeline (data, notebooks, metrics) works without Quarto."
)
# The reader text of the generated appendices: templates in this folder of the book template,
# one per appendix (``templates``); the folder is not copied into an edition.
TEXTS = "_bijlagen"


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
    # The release this checkout is, or that it is none (releases.state; version: pyproject.toml).
    return {"commit": commit, "date": day, "release": _release_state(repo).label}


def _release_state(repo: str | Path) -> releases.State:
    try:
        return releases.state(repo)
    except releases.ReleaseError as exc:
        raise BookError(str(exc)) from exc


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
    template: dict,
    year: int,
    years: list[int],
    info: dict[str, str],
    synthetic: bool = True,
    release: releases.State | None = None,
) -> dict:
    """The Quarto configuration of one edition, from the template.

    A synthetic edition's subtitle says so and every page shows the banner; an edition built on
    a real export has neither. With a ``book.site-url`` in the template, the edition's own
    address becomes its ``site-url`` and the ``url`` of its citation. With ``release``, the
    foot of every page names the release (``releases.State.footer``).
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
    if release is not None:
        book["page-footer"] = {"center": f"{release.footer} · [Herzieningen](herzieningen.html)"}
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


def _text(name: str, texts: str | Path | None, **values) -> str:
    """The template ``name`` of the folder ``texts`` (default: the repository's) filled in."""
    folder = Path(texts) if texts is not None else paths.ROOT / "book" / TEXTS
    try:
        return templates.fill(folder / name, **values)
    except templates.TemplateError as exc:
        raise BookError(str(exc)) from exc


def questionnaire_qmd(cb: Codebook, texts: str | Path | None = None) -> str:
    """The questionnaire of a wave: its codebook, in the words of ``vragenlijst.qmd``."""
    questions = []
    for q in cb.questions:
        routing = None
        if q.routing is not None:
            parent = cb[q.routing.question]
            ticked = q.routing.option is not None
            codes = [q.routing.option] if ticked else list(q.routing.codes)
            routing = {"vraag": parent.id, "aangekruist": ticked,
                       "opties": [parent.option(c).label for c in codes]}  # fmt: skip
        questions.append(
            {
                "id": q.id,
                "tekst": q.text,
                "soort": q.type,
                "max_antwoorden": q.max_answers,
                "routing": routing,
                "nummers": list(q.items),
                "naam": q.harmonised,
                "opties": [
                    {"code": o.code, "label": o.label, "aangenomen": o.assumed} for o in q.options
                ],
            }
        )
    return _text("vragenlijst.qmd", texts, jaar=cb.wave, vragen=questions)


# What readers of the book need not see in the assumptions log: references to files, settings
# and commands of the repository. In a code span: a path, a file of the repository, a command,
# an option, a dotted setting or a YAML key; outside code spans: a path or a command.
_SPAN = re.compile(r"`[^`\n]+`")
_TECHNICAL_SPAN = re.compile(
    r"""^(?: .*/.*                                   # a path
          | .*\.(?:py|md|ya?ml|lock|toml|ipynb|dvc|parquet)\b.*   # a file of the repository
          | (?:dvc|python3?|make|git|pip|uv|quarto)\b.*          # a command
          | .*(?:^|\s)--\w.*                                     # an option
          | [a-z]+(?:-[a-z]+)+\b.*                               # a subcommand (add-export)
          | (?![\w.]*\.(?:json|csv|xlsx|zip)$)[a-z_]+\.[a-z_]+  # a dotted setting
          | \w+:\s.*                                             # a YAML key and value
        )$""",
    re.X,
)
_BARE_TECHNICAL = re.compile(
    r"\b(?:docs|src|notebooks|tests|data/(?:raw|clean|calibration|codebook))/|\.\./"
    r"|\b[\w-]+\.(?:py|ya?ml|lock|toml|ipynb|dvc)\b|\bpython3? -m\b|\bdvc [a-z]"
)
_PAREN = re.compile(r" ?\((?:[^()`\n]|`[^`\n]*`)*\)")
_OVERRIDE = re.compile(r"\s*<!--\s*boek:(.*?)-->")
_ENTRY = re.compile(r"^\*\*([A-Z]+\d+)\b")
_ENTRY_TITLE = re.compile(r"^\*\*[A-Z]+\d+\s*—\s*(.*?)\*\*\s*$")


def _technical(text: str) -> list[str]:
    return [m.group() for m in _SPAN.finditer(text) if _TECHNICAL_SPAN.match(m.group()[1:-1])]


def reader_log(text: str) -> tuple[str, list[tuple[str | None, str]]]:
    """The assumptions log in reader terms, and what was taken out of it.

    The repository's log (``docs/ASSUMPTIONS.md``) names files, settings and commands; the
    book's does not. Line by line (one sentence per line):

    - a line with ``<!-- boek: … -->`` reads as the text inside that comment (an empty one
      leaves the line out);
    - a parenthetical with a technical code span (a path, a command, a setting) goes;
    - a line that still names a file, a setting or a command goes as a whole.

    Returns
    -------
    tuple
        The reader text, and per assumption number (None before the first) what was taken
        out: the references of a shortened line, or a whole line.
    """
    out: list[str] = []
    taken: list[tuple[str | None, str]] = []
    entry = None
    for line in text.splitlines():
        if m := _ENTRY.match(line):
            entry = m.group(1)
        if m := _OVERRIDE.search(line):
            original = _OVERRIDE.sub("", line)
            reader = m.group(1).strip()
            refs = _technical(original)
            if not reader:
                taken.append((entry, original))
                continue
            taken += [(entry, "; ".join(refs))] if refs else []
            out.append(reader)
            continue
        refs = []
        for paren in _PAREN.findall(line):
            if _technical(paren):
                refs += _technical(paren)
                line = line.replace(paren, "", 1)
        if _technical(line) or _BARE_TECHNICAL.search(_SPAN.sub("", line)):
            taken.append((entry, _restore(line, refs)))
            continue
        taken += [(entry, "; ".join(refs))] if refs else []
        out.append(line)
    # An assumption with nothing left for readers goes whole, its title with it.
    for i in [i for i, line in enumerate(out) if _ENTRY.match(line)]:
        if i + 1 == len(out) or not out[i + 1].strip():
            entry = _ENTRY.match(out[i]).group(1)
            first = next((k for k, (e, _) in enumerate(taken) if e == entry), None)
            if first is not None:
                taken.insert(first, (entry, _ENTRY_TITLE.sub(r"\1", out[i])))
                out[i] = None
    reader = "\n".join(x for x in out if x is not None)
    return re.sub(r"\n{3,}", "\n\n", reader).strip() + "\n", taken


def _restore(line: str, refs: list[str]) -> str:
    return f"{line} ({'; '.join(refs)})" if refs else line


def assumptions_qmd(path: str | Path, texts: str | Path | None = None) -> str:
    """The assumptions log as an appendix, in reader terms (``reader_log``, ``aannames.qmd``).

    Raises
    ------
    BookError
        When the log does not start with a title (``# …``).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    m = re.match(r"\s*# (.+)\n", text)
    if not m:
        raise BookError(f"{path}: the assumptions log does not start with a title line '# …'")
    log, taken = reader_log(text[m.end() :])
    grouped: list[tuple[str | None, str]] = []  # one line per assumption
    for entry, part in taken:
        if grouped and grouped[-1][0] == entry:
            before = grouped[-1][1]
            grouped[-1] = (entry, f"{before}{' ' if before.endswith('.') else '; '}{part}")
        else:
            grouped.append((entry, part))
    return _text("aannames.qmd", texts, titel=m.group(1).strip(), log=log,
                 bestand=f"{path.parent.name}/{path.name}", technisch=grouped)  # fmt: skip


def labels_in_order(text: str) -> list[str]:
    """Figures and tables in the order the text shows them.

    An item is named by its file name (``fig-beleid``, as in ``data/fig-beleid.csv``; see
    ``numbering``), any other figure or table by its Quarto label (``tbl-…``).
    """
    found = re.findall(r'\{#((?:fig|tbl)-[\w-]+)|data-bestand="([^"]+)"', text)
    return [label or slug for label, slug in found]


def downloads_qmd(
    site_dir: Path, year: int, labels: list[str], texts: str | Path | None = None
) -> str:
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
        Each CSV is listed with its workbook (``fig-x.xlsx``), and the zip of the edition
        (``downloads.package_name``) above the table.
    texts
        The folder of the appendices' templates (``downloads.qmd``); default: the repository's.
    """
    data = site_dir / "data"
    files = sorted(data.glob("*.csv"))
    order = {label: i for i, label in enumerate(dict.fromkeys(labels))}
    rows: list[tuple[int, str, str]] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            first = next(csv.DictReader(fh), None) or {}
        if path.stem in order:
            rows.append((order[path.stem], path.name, f"@{path.stem}"))
        elif "bewering" in first:
            rows.append((len(order), path.name, f"Toets: {first['bewering']}"))
        else:
            raise BookError(f"{path.name}: a download that belongs to no figure, table or test")
    metrics = f"kerncijfers-{year}.json"
    what = "@tbl-kerncijfers" if "tbl-kerncijfers" in order else "Kerncijfers van deze editie"
    rows.append((order.get("tbl-kerncijfers", len(order)), metrics, what))
    table: list[list] = []  # rows of the same figure or table (the key figures) merged
    for _, name, what in sorted(rows):
        xlsx = Path(name).with_suffix(".xlsx").name
        software = [f"[{Path(name).suffix[1:].upper()}](data/{name})"]
        excel = [f"[Excel](data/{xlsx})"] if (data / xlsx).exists() else []
        if table and table[-1][0] == what:
            table[-1][1] += software
            table[-1][2] += excel
        else:
            table.append([what, software, excel])
    table = [[w, " · ".join(sw), " · ".join(ex) or "–"] for w, sw, ex in table]
    package = downloads.package_name(year)
    return _text(
        "downloads.qmd", texts, jaar=year,
        tabel=mdtable.pipe_table(["Figuur, tabel of toets", "Voor software", "Voor Excel"],
                                 table, "lll"),
        pakket=package if (data / package).exists() else None, decimalen=downloads.DECIMALS,
        waar=downloads.TRUE, onwaar=downloads.FALSE,
    )  # fmt: skip


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
    # The variance strata after collapsing thin size classes (stats.design), and why.
    table.attrs.update(strata=d.n_strata, clusters=d.n_clusters, collapsed=d.collapsed,
                       units=d.units, estimable=d.estimable)  # fmt: skip
    return table


def collapse_notes(t: pd.DataFrame) -> list[dict]:
    """Per size class collapsed for the estimates of a wave (``stats.Collapse``): what and why.

    ``t`` is the ``design_table`` of the wave. Each note holds the class (``label``, ``N``,
    ``n``), whether none of its municipalities took part (``geen_deelnemers``), the classes it
    was collapsed with (``met``) and the correction of the merged stratum (``correctie``); the
    methods appendix says it in words (``methoden.qmd``).
    """
    from .stats import NO_RESPONDENTS

    by_code = {r.code: r for r in t.itertuples()}
    notes = []
    for c in t.attrs.get("collapsed", ()):
        r = by_code[c.size_class]
        notes.append(
            {
                "label": r.label,
                "N": int(r.N),
                "n": int(r.n),
                "geen_deelnemers": c.reason == NO_RESPONDENTS,
                "met": [by_code[g].label for g in c.group if g != c.size_class],
                "correctie": _dec(next(by_code[g].fpc for g in c.group if by_code[g].n)),
            }
        )
    return notes


def methods_qmd(
    df: pd.DataFrame,
    cb: Codebook,
    synthetic: bool = True,
    response_csv: str | None = None,
    texts: str | Path | None = None,
) -> str:
    """How the estimates, intervals and tests are made, in the words of ``methoden.qmd``.

    Every number comes from the cleaned wave ``df`` and its codebook ``cb`` (the table of
    weights per size class, the design) or from ``stats`` (confidence level, significance
    level); the template says them in plain Dutch, and explains once, under ``#sec-toetsen``,
    how the report's claims are tested.
    """
    from .claims import CLEAR, LARGE
    from .stats import ALPHA, CONFIDENCE

    t = design_table(df, cb)
    weights = mdtable.pipe_table(
        ["Grootteklasse", "Gemeenten (N)", "Deelnemers (n)", "Gewicht (N/n)",
         "Correctie (1 − n/N)", "Clusters (aantal)"],
        [
            [r.label, r.N, r.n, *((_dec(r.gewicht), _dec(r.fpc)) if r.n else ("–", "–")),
             r.clusters]
            for r in t.itertuples()
        ]
        + [["Totaal", t.N.sum(), t.n.sum(), "", "", t.clusters.sum()]],
        "lrrrrr",
    )  # fmt: skip
    taking = t[t.n > 0]
    heavy, light = taking.loc[taking.gewicht.idxmax()], taking.loc[taking.gewicht.idxmin()]
    return _text(
        "methoden.qmd", texts, jaar=cb.wave, deelnemers=int(t.n.sum()), gemeenten=int(t.N.sum()),
        gewichten=weights,
        zwaarst={"label": heavy.label, "gewicht": float(heavy.gewicht)},
        lichtst={"label": light.label, "gewicht": float(light.gewicht)},
        verhouding=(
            _dec(heavy.gewicht / light.gewicht) if heavy.gewicht > light.gewicht else None
        ),
        volledig=[r.label for r in t.itertuples() if r.n == r.N and r.fpc == 0],
        respons_csv=response_csv, samenvoegingen=collapse_notes(t),
        eigen_clusters=bool(t.attrs.get("units")), schatbaar=bool(t.attrs.get("estimable", True)),
        clusters=int(t.attrs["clusters"]), strata=int(t.attrs["strata"]),
        vrijheidsgraden=int(t.attrs["df"]), samengevoegd=bool(t.attrs["collapsed"]),
        niveau=f"{round(CONFIDENCE * 100)}%", alfa=_dec(ALPHA),
        half_alfa=f"{_dec(ALPHA / 2 * 100, 1)}%",
        grote_klassen=[cb.size_classes.get(c, c) for c in LARGE if c in cb.population],
        synthetisch=synthetic, duidelijk=_dec(CLEAR),
    )  # fmt: skip


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
    year: int,
    info: dict[str, str],
    lock: dict,
    synthetic: bool = True,
    url: str | None = None,
    publication: Publication | None = None,
    texts: str | Path | None = None,
    release: releases.State | None = None,
) -> str:
    """The colophon of an edition (``colofon.qmd``), written for readers.

    With ``release`` (``releases.state``) it names the release the edition belongs to, its date
    and the previous release, or says that the edition is not released yet.

    It cites the original publication of the wave (``publication``, from
    ``conclusions.load_publication``) by title and publisher, and the edition itself with its
    address (``url``, when the template names one) and an access date. The access date is the
    date of the commit the edition was built from, so a rebuild of that commit gives the same
    page; the colophon says so. Commit and data hashes go in a folded block for researchers.

    Both hashes come from the ``clean@<year>`` stage in ``dvc.lock``: the raw file it read (its
    deps) and the table it wrote (its outs). That holds for a synthetic raw file and for a real
    export tracked by ``data/raw/<year>.csv.dvc`` alike, even when an old ``synthesize`` entry
    lingers in the lock.
    """
    raw_path, clean_path = f"data/raw/{year}.csv", f"data/clean/{year}.parquet"
    raw = _lock_md5(lock, f"clean@{year}", "deps", raw_path)
    clean = _lock_md5(lock, f"clean@{year}", "outs", clean_path)
    try:
        day = date.fromisoformat(info["date"])
    except ValueError:  # 'onbekend' outside git: no date is cited
        day = None
    original = None
    if publication is not None:
        original = {"titel": publication.title, "uitgever": publication.publisher,
                    "jaar": publication.year, "deel": publication.part,
                    "url": publication.url}  # fmt: skip
    return _text(
        "colofon.qmd", texts, jaar=year, synthetisch=synthetic, publicatie=original, url=url,
        datum=day, versie=info["release"], commit=info["commit"],
        ruw={"pad": raw_path, "md5": raw}, schoon={"pad": clean_path, "md5": clean},
        uitgave=_release_values(release),
    )  # fmt: skip


def _release_values(release: releases.State | None) -> dict | None:
    """The release of an edition as the colophon names it (None: not known)."""
    if release is None:
        return None
    this = release.record if release.released else None
    before = release.previous
    return {
        "uitgebracht": this is not None, "versie": release.version,
        "datum": releases.dutch_date(this["date"]) if this else None,
        "vorige": before["version"] if before else None,
        "vorige_datum": releases.dutch_date(before["date"]) if before else None,
    }  # fmt: skip


def revisions_qmd(
    year: int,
    release: releases.State | None,
    build_dir: str | Path,
    chapters: list[str],
    texts: str | Path | None = None,
) -> str:
    """The appendix "Herzieningen" (``herzieningen.qmd``): what changed since the last release.

    The edition's published values, read from its CSV downloads in ``build_dir``, are compared
    with the release this checkout follows (``releases.state``; see ``releases`` for which one).
    """
    try:
        items = releases.published_values(build_dir, chapters, year)
        values = releases.revisions_values(release or releases.State("0.0.0", False), year,
                                           items, chapters)  # fmt: skip
    except releases.ReleaseError as exc:
        raise BookError(str(exc)) from exc
    rows = values.pop("wijzigingen")
    table = mdtable.pipe_table(
        ["Figuur, tabel of toets", "Categorie", "Uitkomst", "Schatting voor alle gemeenten"],
        rows, "llll",
    ) if rows else None  # fmt: skip
    return _text("herzieningen.qmd", texts, jaar=year, tabel=table, aantal=len(rows), **values)


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
    texts_dir: str | Path | None = None,
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
    texts_dir
        The texts of the original publications (``aanbevelingen-<year>.md``), cited in the
        colophon; default: ``paths.TEXTS_DIR``. The reader text of the generated appendices
        comes from the templates in ``<book_dir>/_bijlagen/``, which are not copied.

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
    ignore = ["_quarto.yml", "_book", ".quarto", TEXTS]
    if not synthetic:
        ignore.append(template["format"]["html"].get("include-before-body", "_synthetisch.html"))
    shutil.copytree(book_dir, out, ignore=shutil.ignore_patterns(*ignore))
    try:
        try:
            _fill(year, years, template, build_dir, codebook_dir, assumptions, lock_path,
                  metrics_dir, out, info, synthetic, clean_dir, book_dir / TEXTS,
                  paths.TEXTS_DIR if texts_dir is None else Path(texts_dir),
                  release=_release_state(book_dir.resolve().parent))  # fmt: skip
        except BookError as exc:
            # A leak outranks every other problem: what was copied so far is checked, so a
            # planted identifier is reported as a leak even when it also breaks a later step.
            check_disclosure(out, years, codebook_dir, clean_dir, min_count)
            raise exc
        check_disclosure(out, years, codebook_dir, clean_dir, min_count)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return out


def _fill(year, years, template, build_dir, codebook_dir, assumptions, lock_path, metrics_dir,
          out, info, synthetic, clean_dir, bijlagen, texts_dir, release=None) -> None:  # fmt: skip
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
    # Every CSV and the key figures in one zip with their data package descriptor.
    downloads.write_package(out / "data", year, "\n".join(texts), synthetic,
                            edition_url(template, year),
                            release.package_version if release else None)  # fmt: skip
    response = "tbl-respons.csv" if "tbl-respons" in labels else None
    try:
        publication, url = load_publication(texts_dir, year), edition_url(template, year)
    except TextError as exc:
        raise BookError(str(exc)) from exc
    pages = {
        "vragenlijst.qmd": questionnaire_qmd(cb, bijlagen),
        "methoden.qmd": methods_qmd(pd.read_parquet(clean), cb, synthetic, response, bijlagen),
        "aannames.qmd": assumptions_qmd(assumptions, bijlagen),
        "downloads.qmd": downloads_qmd(out, year, labels, bijlagen),
        "colofon.qmd": colophon_qmd(
            year, info, lock, synthetic, url, publication, bijlagen, release
        ),
        # What changed since the previous release (releases.py).
        "herzieningen.qmd": revisions_qmd(
            year, release, build_dir, chapter_slugs(template), bijlagen
        ),
    }
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
    if not synthetic:  # the template's notices about synthetic data go too
        for page in out.glob("*.qmd"):
            page.write_text(_drop_synthetic_blocks(page.read_text(encoding="utf-8")),
                            encoding="utf-8")  # fmt: skip
    config = edition_config(template, year, years, info, synthetic, release)
    with (out / "_quarto.yml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, allow_unicode=True, sort_keys=False)
    missing = [f for f in book_files(config) if not (out / f).exists()]
    if missing:
        raise BookError(f"edition {year}: files named in _quarto.yml are missing: {missing}")
    try:  # @fig-… of an item becomes a link that names its number
        numbering.resolve_references(out, book_files(config))
    except numbering.NumberingError as exc:
        raise BookError(f"edition {year}: {exc}") from exc


def landing_page(latest: int, synthetic: bool = True, release: str | None = None) -> str:
    """The site's start page: it sends the reader to the latest edition.

    ``release`` is the line that names the release (``releases.State.footer``), shown below.
    """
    note = "<p>De gegevens in deze editie zijn synthetisch.</p>\n" if synthetic else ""
    if release:
        note += f"<p>{html.escape(release)}</p>\n"
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


# --- rendering: editions side by side, only what changed ----------------------------------------
#
# Every edition is a Quarto project kept between runs in a cache folder (``.book-cache/<year>/``
# beside the site: the sources, Quarto's ``_book`` and its ``.quarto`` state), described in
# ``manifest.json``. A run assembles every edition and compares it with the cache:
# - the same sources, or the same once assembled with the git stamp (commit, date, release)
#   the cache was rendered with: the edition is reused as it is, so a commit that changes
#   nothing the book reads renders nothing;
# - the same configuration, files, labels and chapter titles, but some pages or resources
#   changed: those are copied in and Quarto renders only the pages concerned (an incremental
#   render: Quarto renders the named files of a project and keeps the other pages);
# - anything else, or a cache that does not match its manifest: the whole edition.
# An edition leaves the manifest before Quarto touches it and comes back only when Quarto
# succeeded, so a failed or killed render is rendered whole next time.

CACHE_NAME = ".book-cache"
MANIFEST = "manifest.json"
_QUARTO_STATE = {"_book", ".quarto"}  # what Quarto writes into a project, not sources
_NOT_INPUT = {"_book", ".quarto", "__pycache__", ".ipynb_checkpoints"}
_ANCHOR = re.compile(r"\{#((?:fig|tbl|sec)-[\w-]+)")
_TITLE = re.compile(r"^# .*$", re.M)
_HEADING = re.compile(r"^(#{1,6}) .*?(\{[^}\n]*\})?[ \t]*$", re.M)


def _digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _files(folder: Path, skip: set[str]) -> list[Path]:
    """Every file below ``folder``, sorted, leaving out folders named in ``skip``."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        found += [Path(root) / n for n in names]
    return sorted(found)


def source_hashes(project: Path) -> dict[str, str]:
    """sha256 of every source file of an edition's Quarto project (not what Quarto wrote)."""
    return {p.relative_to(project).as_posix(): _digest(p) for p in _files(project, _QUARTO_STATE)}


def _page_text(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def _pages(project: Path) -> dict[str, str]:
    """The text of every page of an edition, in book order."""
    return {p: _page_text(project / p) for p in book_files(load_template(project))}


def structure(project: Path) -> str:
    """A hash of what one page of an edition shows of the others.

    The configuration (sidebar, parts, switcher, stamp), and per page its cross-reference
    labels in order and the level and attributes of every heading (the numbers Quarto gives
    figures, tables and sections) and its chapter titles (sidebar, previous/next links).
    While it stays the same, a changed page can be rendered on its own.
    """
    parts: list = [(project / "_quarto.yml").read_text(encoding="utf-8")]
    for page, text in _pages(project).items():
        parts.append([page, _ANCHOR.findall(text), _HEADING.findall(text), _TITLE.findall(text)])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _quarto_id(quarto: str) -> str:
    """Which Quarto: its resolved path, size and modification time (a new install differs)."""
    path = Path(shutil.which(quarto) or quarto).resolve()
    st = path.stat()
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def render_inputs(
    book_dir: str | Path,
    build_dir: str | Path,
    codebook_dir: str | Path,
    clean_dir: str | Path,
    assumptions: str | Path,
    lock_path: str | Path,
    metrics_dir: str | Path,
) -> list[Path]:
    """Every file and folder the book is assembled from.

    Of ``build_dir`` only the folders of the chapters named in ``book/_quarto.yml`` (what the
    ``execute`` stage writes), so nothing else written there makes the book stale; the package
    code is included whole.
    """
    chapters = chapter_slugs(load_template(book_dir))
    return [
        Path(book_dir), *(Path(build_dir) / slug for slug in chapters), Path(codebook_dir),
        Path(clean_dir), Path(metrics_dir), Path(assumptions), Path(lock_path),
        Path(__file__).resolve().parent,
    ]  # fmt: skip


def inputs_fingerprint(paths: list[Path], settings: dict) -> str:
    """One hash of the contents of ``paths`` (files or folders) and of ``settings``."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in paths:
        h.update(f"\0{path.name}\0".encode())
        files = _files(path, _NOT_INPUT) if path.is_dir() else [path] if path.exists() else []
        for f in files:
            if f.suffix != ".pyc":
                h.update(f"{f.relative_to(path) if path.is_dir() else ''}\0{_digest(f)}\n".encode())
    return h.hexdigest()


def _read_manifest(cache: Path) -> dict:
    """The cache's manifest; empty when missing or unreadable (everything renders whole)."""
    try:
        data = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"editions": {}}
    if not isinstance(data, dict) or not isinstance(data.get("editions"), dict):
        return {"editions": {}}
    return data


def _write_manifest(cache: Path, manifest: dict) -> None:
    tmp = cache / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, cache / MANIFEST)


def _cache_intact(project: Path, entry: object, quarto_id: str) -> bool:
    """Whether a cached edition is what its manifest entry says, rendered by this Quarto."""
    if not isinstance(entry, dict) or entry.get("quarto") != quarto_id:
        return False
    files = entry.get("files")
    if not isinstance(files, dict) or not (project / "_book" / "index.html").is_file():
        return False
    try:
        return all(_digest(project / rel) == digest for rel, digest in files.items())
    except OSError:
        return False


def _plan(src: Path, project: Path, entry, quarto_id: str, info: dict, force: bool, restamped):
    """What to do with one freshly assembled edition (stamped with ``info``), given its cache.

    ``restamped(stamp)`` assembles the edition again with the git stamp the cache was
    rendered with and returns its source hashes: when those are the cache's, only the stamp
    changed, and the edition is reused.

    Returns
    -------
    tuple
        ``(mode, pages, changed, record)``: mode ``"reuse"``, ``"files"`` (render ``pages``
        after copying the ``changed`` files in) or ``"full"``; ``record`` is the manifest
        entry of the edition once rendered.
    """
    hashes = source_hashes(src)
    record = {"quarto": quarto_id, "files": hashes, "structure": structure(src)}
    if force or not _cache_intact(project, entry, quarto_id):
        return "full", [], [], record
    if entry["files"] == hashes:
        return "reuse", [], [], entry
    stamp = entry.get("stamp")
    if isinstance(stamp, dict) and stamp != info and restamped(stamp) == entry["files"]:
        return "reuse", [], [], entry
    if entry.get("structure") != record["structure"] or entry["files"].keys() != hashes.keys():
        return "full", [], [], record
    changed = [rel for rel, digest in hashes.items() if entry["files"][rel] != digest]
    texts = _pages(src)
    pages = set()
    for rel in changed:
        users = [rel] if rel in texts else [p for p, text in texts.items() if rel in text]
        if not users:  # a file no page names (a style, an include): every page may use it
            return "full", [], [], record
        pages.update(users)
    return "files", [p for p in texts if p in pages], changed, record


def _quarto_render(quarto: str, args: list[str], project: Path, year: int) -> None:
    res = subprocess.run(
        [quarto, "render", *args, "--to", "html"], cwd=project, capture_output=True, text=True
    )
    if res.returncode != 0:
        raise BookError(f"quarto render failed for {year}:\n{res.stderr[-4000:]}")
    if not (project / "_book" / "index.html").is_file():
        raise BookError(f"quarto render wrote no {project / '_book' / 'index.html'} for {year}")


def _render_edition(quarto, year, src, project, mode, pages, changed) -> None:
    """Render one edition in its cached project; on failure the project is removed."""
    try:
        if mode == "full":
            shutil.rmtree(project, ignore_errors=True)
            project.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(src), project)
            _quarto_render(quarto, [str(project)], project, year)
            return
        for rel in changed:
            shutil.copy2(src / rel, project / rel)
        _quarto_render(quarto, pages, project, year)
        for rel in changed:  # resources (figures, downloads) of the pages: as they are now
            if rel not in pages:
                (project / "_book" / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(project / rel, project / "_book" / rel)
    except BaseException:
        shutil.rmtree(project, ignore_errors=True)
        raise


def _published(editions: dict, years: list[int]) -> str:
    """A hash of the cached editions a site is copied from."""
    chosen = [editions.get(str(y)) for y in years]
    return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()


def _site_current(site: Path, years: list[int], cache: Path, manifest: dict, qid: str) -> bool:
    """Whether ``site`` is the one last published from the cache as it is now."""
    editions = manifest.get("editions", {})
    return (
        manifest.get("site") == str(site.resolve())
        and manifest.get("published") == _published(editions, years)
        and (site / "index.html").is_file()
        and all(
            (site / str(y) / "index.html").is_file()
            and isinstance(editions.get(str(y)), dict)
            and editions[str(y)].get("quarto") == qid
            and (cache / str(y) / "_book" / "index.html").is_file()
            for y in years
        )
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
    *,
    clean_dir: str | Path,
    min_count: int,
    quarto: str | None = None,
    synthetic_years: list[int] | None = None,
    cache: str | Path | None = None,
    workers: int | None = None,
    force: bool = False,
    check: bool = False,
    log=None,
) -> dict[int, str]:
    """Render every edition with Quarto into ``site``, side by side and only what changed.

    Everything is built in a hidden folder beside ``site`` (``.<name>.*.tmp``) and moved into
    place only when every edition assembled, passed the disclosure check and rendered; a run
    that fails or is killed leaves the previous site as it was (a run killed between the two
    final renames is repaired by the next run).

    Parameters
    ----------
    years, book_dir, build_dir, codebook_dir, assumptions, lock_path, metrics_dir
        As for ``assemble``.
    site
        The site: ``<site>/<year>/`` per edition and a landing page.
    quarto
        The Quarto executable (default: ``quarto`` on the PATH).
    cache
        The folder that keeps every edition's Quarto project between runs (default:
        ``.book-cache`` beside ``site``).
    workers
        Editions rendered at the same time (default: the number of cores).
    force
        Render every edition whole, with the current git stamp.
    check
        Only say what would be rendered: nothing is rendered or written.
    log
        Called with one line per edition saying what happened (default: silent).

    Returns
    -------
    dict
        Per edition that was (or, with ``check``, would be) rendered: ``"whole"`` or the
        pages rendered; empty when the site was up to date.
    """
    quarto = quarto or shutil.which("quarto")
    if quarto is None:
        raise BookError(QUARTO_HELP)
    say = log or (lambda _line: None)
    site = Path(site).absolute()  # Quarto runs in the edition's folder
    cache = Path(cache).absolute() if cache is not None else site.parent / CACHE_NAME
    qid = _quarto_id(quarto)
    # The release the checkout is (or follows) is shown on every page: a release commit, and
    # the first commit after it, change what the book says even when no input changed.
    footer = _release_state(Path(book_dir).resolve().parent).footer
    settings = {"years": years, "synthetic": synthetic_years, "min_count": min_count,
                "quarto": qid, "site": str(site.resolve()), "release": footer}  # fmt: skip
    inputs = inputs_fingerprint(
        render_inputs(book_dir, build_dir, codebook_dir, clean_dir, assumptions, lock_path,
                      metrics_dir), settings,
    )  # fmt: skip
    manifest = _read_manifest(cache)
    if (
        not force
        and manifest.get("inputs") == inputs
        and _site_current(site, years, cache, manifest, qid)
    ):
        return {}
    if not check:
        site.parent.mkdir(parents=True, exist_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
        for stale in site.parent.glob(f".{site.name}.*.tmp"):
            if not site.exists() and (stale / "old").is_dir():
                os.replace(stale / "old", site)  # killed between the two renames: restore
            shutil.rmtree(stale, ignore_errors=True)
    info = git_info(Path(book_dir).resolve().parent)
    editions = manifest["editions"]
    done: dict[int, str] = {}
    errors: dict[int, BaseException] = {}
    # Beside the site, so that the finished site is moved into place with a rename.
    where = None if check else site.parent
    work = Path(tempfile.mkdtemp(prefix=f".{site.name}.", suffix=".tmp", dir=where))

    def build(year: int, folder: str, stamp: dict) -> Path:
        return assemble(
            year, years, book_dir, build_dir, codebook_dir, assumptions, lock_path, metrics_dir,
            work / folder / str(year), clean_dir=clean_dir, min_count=min_count, info=stamp,
            synthetic=synthetic_years is None or year in synthetic_years,
        )  # fmt: skip

    try:
        n = max(1, min(workers or os.cpu_count() or 1, len(years)))
        # Editions are assembled one after another here while Quarto renders the ones before
        # them in the pool: assembling is Python work, rendering is Quarto's own processes.
        with ThreadPoolExecutor(max_workers=n) as pool:
            running = {}
            for year in years:
                try:
                    src = build(year, "src", info)
                    project = cache / str(year)
                    mode, pages, changed, record = _plan(
                        src, project, editions.get(str(year)), qid, info, force,
                        lambda stamp, y=year: source_hashes(build(y, "restamped", stamp)),
                    )  # fmt: skip
                except BaseException as exc:  # stop here; let the running ones finish
                    errors[year] = exc
                    break
                if mode == "reuse":
                    say(f"{year}: unchanged, not rendered again")
                    continue
                done[year] = "whole" if mode == "full" else ", ".join(pages)
                if check:
                    continue
                editions.pop(str(year), None)  # until Quarto succeeded
                _write_manifest(cache, {**manifest, "inputs": None, "editions": editions})
                future = pool.submit(_render_edition, quarto, year, src, project, mode, pages,
                                     changed)  # fmt: skip
                running[future] = (year, {**record, "stamp": info})
            for future in as_completed(running):
                year, record = running[future]
                try:
                    future.result()
                except BaseException as exc:
                    errors[year] = exc
                    continue
                editions[str(year)] = record
                _write_manifest(cache, {**manifest, "inputs": None, "editions": editions})
                say(f"{year}: rendered {'whole' if done[year] == 'whole' else done[year]}")
        if errors:
            first = errors[min(errors)]
            if len(errors) == 1 and not isinstance(first, BookError):
                raise first
            raise BookError("\n".join(str(errors[y]) for y in sorted(errors))) from first
        current = not done and _site_current(site, years, cache, manifest, qid)
        if check:
            return done if current or done else {y: "site" for y in years}
        kept = {str(y): editions[str(y)] for y in years}
        if current:  # every edition reused and the site is theirs: leave it as it is
            _write_manifest(cache, {**manifest, "inputs": inputs, "editions": kept})
            return done
        staging = work / "site"
        staging.mkdir()
        for year in years:
            shutil.copytree(cache / str(year) / "_book", staging / str(year))
        latest = max(years)
        synthetic = synthetic_years is None or latest in synthetic_years
        (staging / "index.html").write_text(landing_page(latest, synthetic, footer),
                                            encoding="utf-8")  # fmt: skip
        _swap_into_place(staging, site, work)
        _write_manifest(cache, {"inputs": inputs, "site": str(site.resolve()), "editions": kept,
                                "published": _published(kept, years)})  # fmt: skip
        for old in cache.iterdir():  # editions no longer built
            if old.is_dir() and old.name not in kept:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return done
