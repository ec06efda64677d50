"""The downloads of the book: a tidy CSV and an Excel workbook per item, and one zip per edition.

Every figure, table and test of a chapter gets two files in ``data/``:

- ``<slug>.csv`` for code: UTF-8 without BOM, comma-separated, decimal point, one row per
  category. Numbers carry at most ``DECIMALS`` decimals (p-values ``P_DIGITS`` significant
  digits), counts are whole numbers, yes/no is ``1``/``0`` and a missing value is empty. Four
  decimals keep every unrounded value close enough to round it again, half up, to the value
  the book prints (for any base under 1 000 municipalities).
- ``<slug>.xlsx`` for Excel: the same rows with Dutch column labels, values rounded as the book
  shows them and stored as numbers with a number format (Dutch Excel shows a decimal comma),
  yes/no as "ja"/"nee", a title row naming the item and its caption, and a sheet
  "Toelichting" that explains every column.

``write_package`` bundles every CSV and the key figures of an edition into one zip with a
Frictionless data package descriptor (``datapackage.json``) that gives every field its type, a
Dutch title and a Dutch description. Workbooks and zips are byte-identical for the same data:
no creation times, fixed timestamps and a fixed order of the zip entries.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from importlib import metadata
from pathlib import Path

import pandas as pd

DECIMALS = 4  # of every unrounded number in a CSV
P_DIGITS = 4  # significant digits of a p-value
TRUE, FALSE = "1", "0"  # yes/no in a CSV
XLSX_TRUE, XLSX_FALSE = "ja", "nee"  # yes/no in a workbook
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build time
DATA_SHEET_HEADER_ROW = 4  # row of the column labels on the first sheet (title rows above)
SOURCE = (
    "Monitor gemeentelijk beleid arbeidstoeleiding vluchtelingen "
    "(Kennisplatform Integratie & Samenleving en Divosa)"
)
SYNTHETIC_NOTE = (
    "Synthetische gegevens: nagebootste antwoorden die de gepubliceerde cijfers van de monitor "
    "teruggeven, geen antwoorden van echte gemeenten."
)


class DownloadError(ValueError):
    """A download cannot be written as documented (e.g. a column without a description)."""


@dataclass(frozen=True)
class Field:
    """A column of the downloads: its type, Dutch label and description, and its rounding.

    ``xlsx_decimals`` is the number of decimals a workbook shows and stores (``None``: the
    value as in the CSV).
    """

    type: str  # Frictionless type: integer, number, string or boolean
    title: str
    description: str
    xlsx_decimals: int | None = None


def _level() -> str:
    from .stats import CONFIDENCE

    return f"{round(CONFIDENCE * 100)}%"


def fields() -> dict[str, Field]:
    """Every column a download may have, by its name in the CSV."""
    from .claims import CLEAR
    from .stats import ALPHA

    clear, alpha = (f"{v:g}".replace(".", ",") for v in (CLEAR, ALPHA))
    level = _level()
    return {
        "jaar": Field("integer", "Jaar", "Jaar van de meting."),
        "item": Field(
            "string",
            "Figuur of tabel",
            "Nummer van de figuur of tabel, zoals het bijschrift het noemt: het nummer in het "
            "laatste rapport van de monitor als dat haar ook heeft (bijvoorbeeld 'Figuur 3.1'), "
            "anders een eigen reeks van dit boek ('Trend 3.1', 'Tabel M.1', 'Kerncijfers').",
        ),
        "vraag": Field(
            "string",
            "Vraag (naam in de gegevens)",
            "Naam van de vraag in de opgeschoonde gegevens (zie de bijlage Vragenlijst); bij "
            "een uitkomst uit meer vragen de namen met + ertussen.",
        ),
        "optie": Field(
            "string",
            "Antwoord (code)",
            "Code van het antwoord, of van de samengevoegde antwoorden met + ertussen; bij een "
            "andere uitkomst wat ze is: 'gemiddelde', 'rest' (100 min de delen), 'totaal' (de "
            "delen opgeteld, of alle gemeenten bij de respons), 'gemiddeld_aantal_antwoorden', "
            "'aantal', 'basis_n' of een grootteklasse.",
        ),
        "categorie": Field(
            "string",
            "Categorie",
            "Omschrijving zoals in de figuur of tabel; een * betekent dat de bronnen het "
            "aandeel niet geven en dat het is aangenomen (zie het aannamelog).",
        ),
        "indicator": Field(
            "string",
            "Kerncijfer (naam)",
            "Naam van het kerncijfer, dezelfde als in het bestand kerncijfers-<jaar>.json.",
        ),
        "aantal": Field(
            "integer",
            "Aantal gemeenten",
            "Aantal achter de uitkomst: gemeenten met dit antwoord, bij de respons de "
            "deelnemende gemeenten, bij de basis per vraag de gemeenten die de vraag "
            "beantwoordden; leeg bij een gemiddelde.",
        ),
        "basis_n": Field(
            "integer",
            "Basis (aantal gemeenten)",
            "Aantal gemeenten waarover het percentage of gemiddelde gaat: de gemeenten die de "
            "vraag beantwoordden; bij de respons alle gemeenten in Nederland, bij de basis per "
            "vraag alle deelnemende gemeenten.",
        ),
        "waarde": Field(
            "number",
            "Uitkomst",
            f"De uitkomst onafgerond (op {DECIMALS} decimalen), in de eenheid van de kolom "
            "eenheid: een percentage, een gemiddelde of een aantal.",
            1,
        ),
        "waarde_afgerond": Field(
            "number",
            "Uitkomst zoals gedrukt",
            "De uitkomst afgerond zoals het rapport haar drukt, half naar boven: percentages op "
            "hele getallen, een gemiddeld aantal antwoorden op één decimaal.",
        ),
        "eenheid": Field(
            "string",
            "Eenheid",
            "Eenheid van de uitkomst: '%' (aandeel van de gemeenten die de vraag "
            "beantwoordden), '% (groep)' (samengevoegde antwoorden: een groep van een stelling "
            "of een totaal, dat geen eigen staaf krijgt), "
            "'gemiddelde %' (gemiddelde van de percentages die gemeenten schatten), "
            "'gemiddelde % (groep)' (zulke gemiddelden opgeteld, zonder eigen staaf), "
            "'antwoorden' (gemiddeld aantal antwoorden), 'aantal', '% van alle gemeenten' "
            "(respons), '% van de deelnemende gemeenten' (basis per vraag); bij een toets de "
            "eenheid van het verschil.",
        ),
        "gewogen": Field(
            "number",
            "Schatting voor alle gemeenten",
            f"Schatting voor alle gemeenten in Nederland (gewogen naar grootteklasse, op "
            f"{DECIMALS} decimalen), in dezelfde eenheid als de uitkomst; leeg waar ze niet is "
            "berekend.",
            1,
        ),
        "ci_laag": Field(
            "number",
            f"{level}-interval: ondergrens",
            f"Ondergrens van het {level}-interval van de schatting voor alle gemeenten, of van "
            f"het verschil bij een toets (op {DECIMALS} decimalen).",
            1,
        ),
        "ci_hoog": Field(
            "number",
            f"{level}-interval: bovengrens",
            f"Bovengrens van het {level}-interval van de schatting voor alle gemeenten, of van "
            f"het verschil bij een toets (op {DECIMALS} decimalen).",
            1,
        ),
        "bewering": Field(
            "string",
            "Bewering",
            "De bewering die is getoetst, uit de publicatie van de monitor over die meting.",
        ),
        "vergelijking": Field(
            "string",
            "Vergelijking",
            "Welke metingen of groepen van gemeenten de toets met elkaar vergelijkt.",
        ),
        "methode": Field(
            "string",
            "Methode",
            "Hoe de bewering is getoetst: de toets en de keuzes die daarbij zijn gemaakt.",
        ),
        "verschil": Field(
            "number",
            "Verschil",
            f"Het geschatte verschil in de eenheid van de kolom eenheid (op {DECIMALS} "
            "decimalen), in de richting van de bewering.",
            1,
        ),
        "statistiek": Field(
            "number",
            "Toetsingsgrootheid (t)",
            f"De toetsingsgrootheid t van de toets (op {DECIMALS} decimalen).",
            2,
        ),
        "vrijheidsgraden": Field(
            "integer", "Vrijheidsgraden", "Het aantal vrijheidsgraden van de t-verdeling."
        ),
        "p": Field(
            "number",
            "p-waarde",
            f"De overschrijdingskans van de toets, op {P_DIGITS} significante cijfers.",
        ),
        "ondersteund": Field(
            "boolean",
            "Ondersteund",
            f"Of de gegevens de bewering ondersteunen: {TRUE} (ja) als het verschil de beweerde "
            f"kant op gaat en de p-waarde onder het significantieniveau ligt, anders {FALSE} "
            f"(nee). In de Excel-bestanden staat '{XLSX_TRUE}' of '{XLSX_FALSE}'.",
        ),
        "uitkomst": Field(
            "string",
            "Uitkomst in woorden",
            "Hoe zeker de gegevens de bewering dragen: "
            f"'duidelijk' (ondersteund, p onder {clear}), "
            f"'waarschijnlijk' (ondersteund, p van {clear} tot {alpha}), "
            "'exact' (ondersteund, zonder steekproefonzekerheid), 'niet aangetoond', "
            "'tegengesproken' (het verschil gaat significant de andere kant op) of 'niet te "
            "beoordelen' (geen onzekerheid te schatten). De methodebijlage legt ze uit.",
        ),
    }


def field(name: str, where: str = "") -> Field:
    """The description of a column; a column without one cannot be published."""
    found = fields().get(name)
    if found is None:
        raise DownloadError(
            f"{where or 'download'}: column {name!r} has no type and description in "
            "toeleiding.downloads.fields(); add one before publishing it"
        )
    return found


# --- values --------------------------------------------------------------------------------


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def round_half_up(value, decimals: int) -> float:
    """Round a number half up (as the report does) to ``decimals`` decimals."""
    d = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return float(d)


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def csv_number(value, name: str = "") -> str:
    """A number as the CSV holds it: at most ``DECIMALS`` decimals, p-values ``P_DIGITS`` digits."""
    v = float(value)
    if v != v or v in (float("inf"), float("-inf")):
        raise DownloadError(f"column {name!r}: {value!r} is not a finite number")
    if name == "p":
        return "0" if v == 0 else f"{v:.{P_DIGITS}g}"
    d = Decimal(repr(v)).quantize(Decimal(1).scaleb(-DECIMALS), ROUND_HALF_UP)
    return _plain(d)


def tidy(data: pd.DataFrame, where: str = "") -> pd.DataFrame:
    """The rows of a download as the CSV writes them: every cell a string, as documented.

    Raises
    ------
    DownloadError
        For a column without a description, a count that is not whole, a yes/no that is
        neither, or a number that is not finite.
    """
    out = {}
    for name in data.columns:
        f = field(name, where)
        cells = []
        for i, value in enumerate(data[name].tolist(), start=2):
            if _missing(value):
                cells.append("")
            elif f.type == "integer":
                if float(value) != int(float(value)):
                    raise DownloadError(f"{where}, line {i}, column {name!r}: {value!r} is "
                                        "not a whole number")  # fmt: skip
                cells.append(str(int(float(value))))
            elif f.type == "number":
                cells.append(csv_number(value, name))
            elif f.type == "boolean":
                if value not in (True, False, 0, 1):
                    raise DownloadError(f"{where}, line {i}, column {name!r}: {value!r} is "
                                        "not yes or no")  # fmt: skip
                cells.append(TRUE if bool(value) else FALSE)
            else:
                cells.append(str(value))
        out[name] = cells
    return pd.DataFrame(out, columns=list(data.columns), dtype=object)


def write_csv(data: pd.DataFrame, path: str | Path) -> Path:
    """Write the tidy CSV of a download (UTF-8 without BOM, comma, decimal point, LF)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tidy(data, path.name).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def xlsx_value(text: str, f: Field):
    """The value a workbook cell holds for a CSV cell ``text`` of a column described by ``f``."""
    if text == "":
        return None
    if f.type == "integer":
        return int(text)
    if f.type == "number":
        v = float(text)
        return v if f.xlsx_decimals is None else round_half_up(v, f.xlsx_decimals)
    if f.type == "boolean":
        return XLSX_TRUE if text == TRUE else XLSX_FALSE
    return text


def _number_format(f: Field, values: list) -> str:
    if f.type == "integer":
        return "0"
    if f.type != "number":
        return "@"
    if f.xlsx_decimals is not None:
        return "0" if f.xlsx_decimals == 0 else "0." + "0" * f.xlsx_decimals
    numbers = [v for v in values if v is not None]
    if all(float(v).is_integer() for v in numbers):
        return "0"
    if all(round_half_up(v, 1) == v for v in numbers):
        return "0.0"
    return "General"


# --- workbooks -----------------------------------------------------------------------------


def _sheet_name(title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", title).strip("' ") or "Gegevens"
    return name[:31]


def _fixed_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of ``members`` (name, bytes) in the given order, with fixed times and modes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


_STAMPS = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")


def _deterministic_xlsx(raw: bytes) -> bytes:
    """Rewrite a workbook from openpyxl without the times it stamps in (file and zip)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        members = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    members = [(n, _STAMPS.sub(b"", d) if n == "docProps/core.xml" else d) for n, d in members]
    return _fixed_zip(members)


def write_xlsx(data: pd.DataFrame, path: str | Path, title: str, synthetic: bool = True) -> Path:
    """Write the Excel workbook of a download.

    Parameters
    ----------
    data
        The rows of the download (as for ``write_csv``).
    path
        The ``.xlsx`` file; its name (the figure's or table's label) names the first sheet.
    title
        What the data are: the caption of the figure or table, or the claim a test checked;
        the first row of the first sheet.
    synthetic
        Whether the edition's data are synthetic; the workbook then says so under the title.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    cells = tidy(data, path.name)
    described = [field(name, path.name) for name in cells.columns]
    values = [
        [xlsx_value(text, f) for text, f in zip(row, described, strict=True)]
        for row in cells.itertuples(index=False)
    ]
    wb = Workbook()
    wb.properties.creator = "toeleiding"
    wb.properties.title = _short(title)
    wb.properties.lastModifiedBy = None
    ws = wb.active
    ws.title = _sheet_name(path.stem)
    ws["A1"] = title
    ws["A1"].font = Font(bold=True)
    ws["A2"] = (SYNTHETIC_NOTE + " " if synthetic else "") + f"Bron: {SOURCE}."
    ws.append([])
    ws.append([f.title for f in described])
    for c in ws[DATA_SHEET_HEADER_ROW]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for row in values:
        ws.append(row)
    first = DATA_SHEET_HEADER_ROW + 1
    for j, f in enumerate(described, start=1):
        col = [row[j - 1] for row in values]
        fmt = _number_format(f, col)
        for i in range(first, first + len(values)):
            ws.cell(row=i, column=j).number_format = fmt
        longest = max([len(str(v)) for v in col if v is not None] + [10])
        width = min(60, max(10, longest + 2)) if f.type == "string" else max(12, len(f.title) // 2)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = f"A{first}"
    if values:
        last = get_column_letter(len(described))
        ws.auto_filter.ref = f"A{DATA_SHEET_HEADER_ROW}:{last}{first + len(values) - 1}"
    notes = wb.create_sheet("Toelichting")
    notes.append(["Kolom", "Naam in de CSV", "Betekenis"])
    for c in notes[1]:
        c.font = Font(bold=True)
    for name, f in zip(cells.columns, described, strict=True):
        notes.append([f.title, name, f.description])
    notes.append([])
    notes.append(["Afronding", "", "Waarden zijn afgerond zoals in het boek; de CSV met dezelfde "
                  f"naam heeft ze op {DECIMALS} decimalen."])  # fmt: skip
    notes.append(["Bron", "", f"{SOURCE}; reproduceerbare editie."])
    notes.column_dimensions["A"].width = 32
    notes.column_dimensions["B"].width = 22
    notes.column_dimensions["C"].width = 100
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_deterministic_xlsx(buf.getvalue()))
    return path


def read_workbook(src) -> tuple[list[tuple[str, str]], list[list]]:
    """Read a workbook once: its visible text and the rows of its first sheet.

    Parameters
    ----------
    src
        A path or a binary file object.

    Returns
    -------
    tuple
        (where, text) of every non-empty cell of every sheet ("sheet 'x', cell B5"), and the
        rows of the first sheet from the header row (``DATA_SHEET_HEADER_ROW``) on.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    wb = load_workbook(src, read_only=True)
    cells: list[tuple[str, str]] = []
    table: list[list] = []
    try:
        for k, ws in enumerate(wb.worksheets):
            for i, row in enumerate(ws.iter_rows(min_row=1, min_col=1), start=1):
                values = [c.value for c in row]
                for j, v in enumerate(values, start=1):
                    if v is not None:
                        cells.append(
                            (f"sheet {ws.title!r}, cell {get_column_letter(j)}{i}", str(v))
                        )
                if k == 0 and i >= DATA_SHEET_HEADER_ROW:
                    table.append(values)
    finally:
        wb.close()
    return cells, table


def table_from_rows(rows: list[list], name: str = "workbook") -> pd.DataFrame:
    """The data rows of a download's workbook (``read_workbook``) with the CSV's column names.

    Raises
    ------
    DownloadError
        When a column label belongs to no documented column.
    """
    by_title = {f.title: key for key, f in fields().items()}
    header = [c for c in (rows[0] if rows else []) if c is not None]
    unknown = [c for c in header if c not in by_title]
    if unknown or not header:
        raise DownloadError(f"{name}: unknown column labels {unknown or 'none'}")
    names = [by_title[c] for c in header]
    body = [list(r[: len(names)]) + [None] * (len(names) - len(r)) for r in rows[1:]]
    body = [r for r in body if any(v is not None for v in r)]
    return pd.DataFrame(body, columns=names, dtype=object)


def read_xlsx(path: str | Path) -> pd.DataFrame:
    """The data rows of a download's workbook, with the CSV's column names."""
    return table_from_rows(read_workbook(path)[1], Path(path).name)


def xlsx_text(src) -> list[tuple[str, str]]:
    """(where, text) of every non-empty cell of every sheet of a workbook."""
    return read_workbook(src)[0]


def write_item(
    data: pd.DataFrame,
    folder: str | Path,
    slug: str,
    title: str,
    synthetic: bool = True,
) -> tuple[Path, Path]:
    """Write ``<slug>.csv`` and ``<slug>.xlsx`` of one download into ``folder``.

    ``title`` (the caption, or the claim a test checked) opens the workbook.
    """
    folder = Path(folder)
    csv_path = write_csv(data, folder / f"{slug}.csv")
    xlsx_path = write_xlsx(data, folder / f"{slug}.xlsx", title, synthetic)
    return csv_path, xlsx_path


def links(what: str, csv_href: str, xlsx_href: str) -> str:
    """The download line under a figure or table: 'Data bij deze figuur: CSV · Excel'."""
    return f"{what}: [CSV]({csv_href}) · [Excel]({xlsx_href})"


# --- the data package of an edition --------------------------------------------------------


def package_name(year: int) -> str:
    """File name of the zip with every download of an edition."""
    return f"monitor-toeleiding-{year}-gegevens.zip"


_FIG = re.compile(r"!\[([^\]]*)\]\([^)]*\)\{#(fig-[\w-]+)")
_TBL = re.compile(r"^: (.+?) \{#(tbl-[\w-]+)\}\s*$", re.M)


def captions(text: str) -> dict[str, str]:
    """Caption per figure or table in the Markdown of an edition.

    An item is named by its file name (``fig-beleid``), as in ``numbering``; any other
    figure or table by its Quarto label.
    """
    from .numbering import shown

    found = {label: cap for cap, label in _FIG.findall(text)}
    found.update({label: cap for cap, label in _TBL.findall(text)})
    found.update({s.slug: s.caption for s in shown(text)})
    return {k: " ".join(v.split()) for k, v in found.items()}


def _short(caption: str, limit: int = 120) -> str:
    head = re.split(r" \(n = |\. ", caption, maxsplit=1)[0].rstrip(".")
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def _schema(path: Path) -> dict:
    header = pd.read_csv(path, nrows=0).columns
    out = []
    for name in header:
        f = field(name, path.name)
        spec = {"name": name, "type": f.type, "title": f.title, "description": f.description}
        if f.type == "boolean":
            spec.update(trueValues=[TRUE], falseValues=[FALSE])
        out.append(spec)
    return {"fields": out, "missingValues": [""]}


def descriptor(
    data_dir: str | Path,
    year: int,
    text: str = "",
    synthetic: bool = True,
    url: str | None = None,
    version: str | None = None,
) -> dict:
    """The Frictionless data package descriptor of the downloads in ``data_dir``.

    Parameters
    ----------
    data_dir
        The edition's ``data/`` folder: every ``*.csv`` and the key figures
        ``kerncijfers-<year>.json``.
    year
        The edition.
    text
        The Markdown of the edition's chapters, for the captions of figures and tables.
    synthetic
        Whether the edition's data are synthetic (said in the description).
    url
        The edition's web address, if known.
    version
        The version of the package: the book's release (``releases.State.package_version``);
        default: the installed package's version.
    """
    data_dir = Path(data_dir)
    caps = captions(text)
    resources = []
    for path in sorted(data_dir.glob("*.csv")):
        first = pd.read_csv(path, nrows=1, dtype=str, keep_default_na=False)
        row = first.iloc[0].to_dict() if len(first) else {}
        item = row.get("item", "")
        if "bewering" in row:
            title = f"Toets: {row['bewering']}"
            desc = f"Toets van een bewering van de monitor. Vergelijking: {row['vergelijking']}."
        else:
            cap = caps.get(path.stem, "")
            title = _short(cap) if cap else (item or path.stem)
            desc = cap or title  # the caption starts with the item's number
        resources.append(
            {
                "name": path.stem.lower(),
                "path": f"data/{path.name}",
                "profile": "tabular-data-resource",
                "title": title,
                "description": desc,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": _schema(path),
            }
        )
    metrics = data_dir / f"kerncijfers-{year}.json"
    if metrics.exists():
        resources.append(
            {
                "name": f"kerncijfers-{year}",
                "path": f"data/{metrics.name}",
                "title": f"Kerncijfers {year}",
                "description": (
                    "De kerncijfers van de editie als één JSON-object: per kerncijfer (de namen "
                    "uit de kolom indicator van tbl-kerncijfers.csv) het getal zoals het boek het "
                    "drukt; percentages en gemiddelden op hele getallen, aantallen als aantal."
                ),
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
            }
        )
    try:
        version = version or metadata.version("toeleiding")
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is installed
        version = "0.0.0"
    description = (
        f"De gegevens achter elke figuur, tabel en toets van de editie {year} van de "
        "reproduceerbare monitor, en de kerncijfers: geaggregeerde cijfers, geen gegevens per "
        "gemeente of respondent. De CSV-bestanden zijn UTF-8, met komma's gescheiden en "
        f"gebruiken een decimale punt; getallen hebben hoogstens {DECIMALS} decimalen "
        f"(p-waarden {P_DIGITS} significante cijfers), ja/nee staat als {TRUE}/{FALSE} en "
        "een lege cel betekent: geen waarde."
    )
    if synthetic:
        description += " " + SYNTHETIC_NOTE
    package = {
        "name": f"monitor-toeleiding-{year}",
        "title": f"Monitor gemeentelijk beleid arbeidstoeleiding vluchtelingen {year}: gegevens",
        "description": description,
        "version": version,
        "keywords": ["statushouders", "arbeidstoeleiding", "gemeenten", "monitor", str(year)],
        "licenses": [
            {
                "name": "MIT",
                "path": "https://opensource.org/licenses/MIT",
                "title": "MIT-licentie, de licentie van dit project",
            }
        ],
        "sources": [{"title": SOURCE}],
        "resources": resources,
    }
    if url:
        package["homepage"] = url
    return package


def write_package(
    data_dir: str | Path,
    year: int,
    text: str = "",
    synthetic: bool = True,
    url: str | None = None,
    version: str | None = None,
) -> Path:
    """Write the zip with every CSV, the key figures and ``datapackage.json`` into ``data_dir``.

    The entries are sorted and carry a fixed time, so the same downloads give the same bytes.
    ``version`` is the package's version (see ``descriptor``).
    """
    data_dir = Path(data_dir)
    package = descriptor(data_dir, year, text, synthetic, url, version)
    members = [
        (
            "datapackage.json",
            (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        )
    ]
    members += [(r["path"], (data_dir / Path(r["path"]).name).read_bytes())
                for r in package["resources"]]  # fmt: skip
    out = data_dir / package_name(year)
    out.write_bytes(_fixed_zip(sorted(members)))
    return out
