"""Disclosure control: nothing published may point at a municipality, a respondent or a small group.

``scan`` reads every file of an edition that a reader can see (book pages, executed chapters,
CSV and Excel downloads, JSON key figures, and every member of a zip) and compares it with what
the cleaned data of the waves actually hold (``Secrets``):

- an identifier value (the cleaned ``respondent_id`` and ``gemeente_id`` columns), found as a
  whole word, in any case; bare numbers shorter than four characters are not searched, because
  they cannot be told apart from counts and percentages (the column and row checks below still
  catch a table per municipality);
- an open-text answer (the codebook's ``open_text`` questions) of at least
  ``MIN_OPEN_ANSWER`` characters, in any case and with any spacing; shorter answers ("nee",
  "n.v.t.") are ordinary words;
- a CSV column named like an identifier column, or a CSV with as many rows as a wave has
  responding municipalities (a row per municipality);
- a small cell: a row of a breakdown by size class whose base is under ``min_count``;
- a workbook whose columns are not the documented ones of the downloads, or a zip member of a
  kind the scan cannot read: what cannot be checked is not published.

A CSV row belongs to a breakdown by size class when the file has a ``grootteklasse`` or
``groep`` column, when its ``vraag`` is ``grootteklasse``, or when its ``categorie`` is a size
class of a codebook (code or label, e.g. ``G4``). Its base is the ``basis_n`` column (else
``n``); a breakdown without a base cannot be checked and is reported too. Rows whose unit
(``eenheid``) is a share "van alle gemeenten" count participating municipalities, not answers,
which the report itself publishes (docs/ASSUMPTIONS.md, O02); they are not cells of answers.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from . import downloads
from .codebook import Codebook, load_codebook

ID_COLUMNS = ("respondent_id", "gemeente_id")  # their names in every cleaned table
SIZE_COLUMN = "grootteklasse"
GROUP_COLUMNS = (SIZE_COLUMN, "groep")
BASE_COLUMNS = ("basis_n", "n")
PARTICIPATION_UNIT = "van alle gemeenten"
MIN_OPEN_ANSWER = 15
MIN_BARE_NUMBER = 4
SUFFIXES = (".qmd", ".md", ".ipynb", ".csv", ".json", ".yml", ".yaml", ".html", ".txt", ".xlsx",
            ".zip")  # fmt: skip


class DisclosureError(ValueError):
    """Something published would disclose a municipality, a respondent or a small group."""


@dataclass(frozen=True)
class Finding:
    """One thing that must not be published, with where it is."""

    path: str
    line: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}, {self.line}: {self.what}"


@dataclass(frozen=True)
class Secrets:
    """What the cleaned data hold that must never be published.

    Parameters
    ----------
    identifiers
        Every respondent and municipality id of the waves.
    open_answers
        Every open-text answer of the waves (whitespace collapsed).
    id_columns
        Column names that hold identifiers (cleaned and raw export names).
    size_classes
        Codes and labels of the size classes, to recognise a breakdown by size class.
    municipalities
        The fewest responding municipalities of a wave: a CSV with that many rows is taken to
        have a row per municipality.
    """

    identifiers: frozenset[str]
    open_answers: frozenset[str]
    id_columns: frozenset[str]
    size_classes: frozenset[str]
    municipalities: int


def _collapse(text: str) -> str:
    return " ".join(str(text).split())


def secrets(waves: Iterable[tuple[pd.DataFrame, Codebook]]) -> Secrets:
    """Collect the identifiers and open answers of cleaned waves.

    Parameters
    ----------
    waves
        Pairs of a cleaned table and its codebook.

    Returns
    -------
    Secrets
        What the scan looks for.

    Raises
    ------
    DisclosureError
        When a table lacks an identifier or open-text column the codebook promises: then the
        scan would silently look for less than it should.
    """
    ids, answers, columns, sizes, rows = set(), set(), set(ID_COLUMNS), set(), []
    for df, cb in waves:
        open_cols = [q.harmonised for q in cb.questions if q.type == "open_text"]
        missing = [c for c in (*ID_COLUMNS, *open_cols) if c not in df.columns]
        if missing:
            raise DisclosureError(f"cleaned data of {cb.wave} lack the columns {missing}")
        for col in ID_COLUMNS:
            ids |= {str(v).strip() for v in df[col].dropna()}
        for col in open_cols:
            answers |= {_collapse(v) for v in df[col].dropna()}
        columns |= {cb.identifiers["respondent"], cb.identifiers["municipality"]}
        sizes |= set(cb.size_classes) | set(cb.size_classes.values())
        rows.append(len(df))
    if not rows:
        raise DisclosureError("no cleaned wave to check against")
    ids = {i for i in ids if i and not (i.isdigit() and len(i) < MIN_BARE_NUMBER)}
    answers = {a for a in answers if len(a) >= MIN_OPEN_ANSWER}
    return Secrets(frozenset(ids), frozenset(answers), frozenset(columns), frozenset(sizes),
                   min(rows))  # fmt: skip


def load_secrets(clean_dir: str | Path, codebook_dir: str | Path, years: Iterable[int]) -> Secrets:
    """Read the cleaned waves and codebooks of ``years`` and collect their secrets."""
    waves = []
    for year in years:
        path = Path(clean_dir) / f"{year}.parquet"
        if not path.exists():
            raise DisclosureError(f"{path} is missing: the disclosure check needs it")
        waves.append((pd.read_parquet(path), load_codebook(Path(codebook_dir) / f"{year}.yaml")))
    return secrets(waves)


def _alternation(needles: Iterable[str], words: bool) -> re.Pattern | None:
    parts = []
    for needle in sorted(needles, key=len, reverse=True):
        parts.append(r"\s+".join(re.escape(w) for w in needle.split()))
    if not parts:
        return None
    body = "(?:" + "|".join(parts) + ")"
    if words:  # a whole word: not inside a longer code or a decimal number
        body = r"(?<![\w.,-])" + body + r"(?![\w-]|[.,]\d)"
    return re.compile(body, re.IGNORECASE)


def _lines(suffix: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) of every line or cell a reader can see in a file's bytes.

    A zip yields the lines of its members (``<member>, line 3``), a workbook its cells.
    """
    if suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                if Path(name).suffix not in SUFFIXES:
                    continue  # reported by _tables
                for where, line in _lines(Path(name).suffix, zf.read(name)):
                    yield f"{name}, {where}", line
        return
    if suffix == ".xlsx":
        yield from _workbook(data)[0]
        return
    text = data.decode("utf-8")
    if suffix == ".ipynb":
        nb = nbformat.reads(text, as_version=4)
        for i, cell in enumerate(nb.cells, start=1):
            texts = [cell.source]
            for output in cell.get("outputs", []):
                texts.append(str(output.get("text", "")))
                texts += [str(v) for v in output.get("data", {}).values()]
            for text in texts:
                for j, line in enumerate(str(text).splitlines(), start=1):
                    yield f"cell {i}, line {j}", line
        return
    for j, line in enumerate(text.splitlines(), start=1):
        yield f"line {j}", line


@functools.lru_cache(maxsize=4)
def _workbook(data: bytes) -> tuple[list[tuple[str, str]], list[list]]:
    """A workbook's text and first sheet, read once for both checks (``downloads``)."""
    return downloads.read_workbook(io.BytesIO(data))


def _tables(suffix: str, data: bytes, where: str = "") -> Iterator[tuple[str, list, list, str]]:
    """(where, header, rows, first line's name) of every table of downloads in a file's bytes.

    Rows are dicts by the CSV's column names; a workbook's Dutch labels are mapped back to them.
    A table that cannot be read this way yields a header of ``None`` and the reason.
    """
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
        rows = list(reader)
        yield where, list(reader.fieldnames or []), rows, "line"
    elif suffix == ".xlsx":
        try:
            frame = downloads.table_from_rows(_workbook(data)[1])
        except downloads.DownloadError as exc:
            yield where, None, [], f"a workbook the check cannot read: {exc}"
            return
        rows = [{k: v for k, v in r.items() if v is not None} for r in frame.to_dict("records")]
        yield where, list(frame.columns), rows, "row"
    elif suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                inner = Path(name).suffix
                if name.endswith("/"):
                    continue
                if inner not in SUFFIXES:
                    why = f"a zip member the check cannot read: {name}"
                    yield f"{where}{name}, ", None, [], why
                    continue
                yield from _tables(inner, zf.read(name), f"{where}{name}, ")


KEY_COLUMNS = ("jaar", "vraag", "optie", "categorie", "groep", SIZE_COLUMN, "eenheid", "item")


def _one_row_per_category(header: list[str], rows: list[dict]) -> bool:
    """Whether a table has the shape of aggregates: a base n and one row per category.

    A small wave has fewer municipalities than a question has options over the years, so the
    number of rows alone cannot tell a table per municipality from one per category.
    """
    keys = [c for c in KEY_COLUMNS if c in header]
    if not keys or not any(c in header for c in BASE_COLUMNS):
        return False
    return len({tuple(r.get(c) for c in keys) for r in rows}) == len(rows)


def _small_cells(
    header: list[str], rows: list[dict], shown: str, where: str, unit: str, s: Secrets,
    min_count: int,
) -> list[Finding]:  # fmt: skip
    """Identifier columns, a row per municipality and small cells in one table of downloads.

    ``unit`` names a row of the table ("line" of a CSV, "row" of a workbook, whose rows are
    numbered on its sheet).
    """
    first = downloads.DATA_SHEET_HEADER_ROW if unit == "row" else 1
    found = [Finding(shown, f"{where}{unit} {first}", f"identifier column {c!r}") for c in header
             if c in s.id_columns]  # fmt: skip
    if len(rows) >= s.municipalities and not _one_row_per_category(header, rows):
        found.append(Finding(shown, f"{where}{unit} {first}",
                             f"{len(rows)} rows: a row per municipality?"))  # fmt: skip
    whole = any(c in header for c in GROUP_COLUMNS)
    base = next((c for c in BASE_COLUMNS if c in header), None)
    for i, row in enumerate(rows, start=first + 1):
        cell = whole or row.get("vraag") == SIZE_COLUMN or row.get("categorie") in s.size_classes
        if not cell or PARTICIPATION_UNIT in (row.get("eenheid") or ""):
            continue
        line = f"{where}{unit} {i}"
        if base is None:
            found.append(Finding(shown, line, "breakdown by size class without a base n"))
            continue
        try:
            n = float(row[base])
        except (KeyError, TypeError, ValueError):
            found.append(Finding(shown, line, f"{base} is not a number: {row.get(base)!r}"))
            continue
        if n < min_count:
            label = row.get("categorie") or row.get(SIZE_COLUMN) or row.get("groep") or ""
            found.append(Finding(shown, line, f"small cell {label!r}: {base} = "
                                 f"{n:g}, under disclosure.min_count = {min_count}"))  # fmt: skip
    return found


def published_files(folder: str | Path) -> list[Path]:
    """Every file under ``folder`` that a reader can read as text, in a stable order."""
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def scan(
    files: Iterable[Path], s: Secrets, min_count: int, root: str | Path | None = None
) -> list[Finding]:
    """Look for identifiers, open answers, rows per municipality and small cells.

    Parameters
    ----------
    files
        The published files (see ``published_files``).
    s
        What must not be published (see ``secrets``).
    min_count
        The smallest base of a cell in a breakdown by size class (``disclosure.min_count``).
    root
        Files are named relative to this folder in the findings.

    Returns
    -------
    list of Finding
        Empty when nothing disclosive was found.
    """
    if min_count < 1:
        raise DisclosureError(f"disclosure.min_count must be a positive number, not {min_count}")
    ids = _alternation(s.identifiers, words=True)
    answers = _alternation(s.open_answers, words=False)
    found: list[Finding] = []
    for path in files:
        shown = str(path.relative_to(root)) if root else str(path)
        data = path.read_bytes()
        try:
            for where, line in _lines(path.suffix, data):
                for pattern, what in ((ids, "identifier"), (answers, "open answer")):
                    m = pattern.search(line) if pattern else None
                    if m:
                        found.append(Finding(shown, where, f"{what} {m.group()!r}"))
        except Exception as exc:  # noqa: BLE001 - what cannot be read cannot be published
            found.append(Finding(shown, "the whole file", f"cannot be read to check it: {exc!r}"))
            continue
        for where, header, rows, unit in _tables(path.suffix, data):
            if header is None:
                found.append(Finding(shown, where.rstrip(", ") or "the whole file", unit))
            else:
                found += _small_cells(header, rows, shown, where, unit, s, min_count)
    return found


def report(findings: list[Finding], limit: int = 50) -> str:
    """The findings as a message for the person who tried to publish."""
    lines = [f"disclosure check failed ({len(findings)} findings); nothing was published:"]
    lines += [f"  {f}" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"  ... and {len(findings) - limit} more")
    return "\n".join(lines)
