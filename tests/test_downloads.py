"""Downloads that open where readers open them, and tables a reader can scan.

Checked on the pipeline's outputs (``build/``), on assembled editions (the zip with its data
package descriptor) and on small planted cases (what the writers and the disclosure check do
with a value they must refuse or catch).
"""

import json
import re
import time
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import frictionless
import nbformat
import openpyxl
import pandas as pd
import pytest
import yaml

from conftest import BOOK_INPUTS
from toeleiding import disclosure, downloads, items, mdtable, paths
from toeleiding.book import assemble, downloads_qmd
from toeleiding.chapter import data_table

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
BUILD = paths.ROOT / "build"
COMMON = dict(BOOK_INPUTS, build_dir=BUILD)
BOOLEAN_WORDS = re.compile(r"(?<![\w-])(True|False)(?![\w-])")
# Words that only an English description would have, and words every Dutch one has.
ENGLISH = re.compile(r"\b(the|and|number|value|year|share|with|which)\b")
DUTCH = re.compile(r"\b(de|het|een|van)\b")


def _csvs(year=None):
    pattern = f"*/{year}/data/*.csv" if year else "*/*/data/*.csv"
    files = sorted(BUILD.glob(pattern))
    if not files:
        pytest.fail(f"no downloads in {BUILD}: run `make repro` (dvc repro) first")
    return files


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    return {y: assemble(y, YEARS, out=out / str(y), synthetic=True, **COMMON) for y in YEARS}


def _zip(src, year):
    return src / "data" / downloads.package_name(year)


# --- the CSV: tidy, for code ----------------------------------------------------------------


def test_no_python_booleans_in_any_download(editions):
    """No True/False in a CSV, a workbook, a zip member or the key figures."""
    found = []
    for src in editions.values():
        for path in sorted((src / "data").iterdir()):
            texts = []
            if path.suffix in (".csv", ".json"):
                texts = [path.read_text(encoding="utf-8")]
            elif path.suffix == ".xlsx":
                texts = [text for _, text in downloads.xlsx_text(path)]
            elif path.suffix == ".zip":
                with zipfile.ZipFile(path) as zf:
                    texts = [zf.read(n).decode("utf-8") for n in zf.namelist()]
            else:
                found.append(f"{path.name}: a download of an unexpected kind")
            for text in texts:
                if m := BOOLEAN_WORDS.search(text):
                    found.append(f"{path.name}: {m.group()}")
    assert not found, found[:20]


def test_csv_numbers_have_the_documented_precision():
    too_long = []
    for path in _csvs():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for name in frame.columns:
            f = downloads.field(name, path.name)
            for i, text in enumerate(frame[name], start=2):
                if f.type == "boolean":
                    ok = text in (downloads.TRUE, downloads.FALSE)
                elif f.type == "integer":
                    ok = text == "" or re.fullmatch(r"-?\d+", text) is not None
                elif f.type == "number" and name == "p":
                    ok = len(re.sub(r"e.*|^0\.0*|\.", "", text)) <= downloads.P_DIGITS
                elif f.type == "number":
                    ok = text == "" or re.fullmatch(r"-?\d+(\.\d{1,4})?", text) is not None
                else:
                    ok = True
                if not ok:
                    too_long.append(f"{path.parent.parent.name}/{path.name}:{i} {name}={text}")
    assert not too_long, too_long[:20]


def test_csv_keeps_utf8_comma_and_decimal_point():
    path = BUILD / "beleid" / "2018" / "data" / "fig-beleid.csv"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    assert raw.splitlines()[0].decode().startswith("jaar,vraag,optie,categorie")
    assert re.search(rb",\d+\.\d+,", raw)


# Decimals of the printed value per unit.
PRINTED_DECIMALS = {"%": 0, "% (groep)": 0, "% van alle gemeenten": 0, "gemiddelde %": 0,
                    "% van de deelnemende gemeenten": 0, "antwoorden": 1}  # fmt: skip


def _half_up(value: float, decimals: int = 0) -> float:
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(d)


def test_rounding_the_csv_value_again_gives_the_printed_value():
    """Four decimals are enough: no double rounding flips a printed percentage."""
    checked = 0
    for path in _csvs():
        rows = pd.read_csv(path)
        if "waarde_afgerond" not in rows:
            continue
        for r in rows[rows["optie"] != "rest"].itertuples():  # rest: 100 minus rounded parts
            decimals = PRINTED_DECIMALS.get(r.eenheid)
            if decimals is not None:
                assert _half_up(r.waarde, decimals) == r.waarde_afgerond, (path.name, r)
                checked += 1
    assert checked > 400


def test_tidy_refuses_what_it_cannot_document():
    with pytest.raises(downloads.DownloadError, match="'gemeentenaam'.*no type and description"):
        downloads.tidy(pd.DataFrame({"gemeentenaam": ["x"]}), "fig-x.csv")
    with pytest.raises(downloads.DownloadError, match="fig-x.csv, line 3, column 'aantal'"):
        downloads.tidy(pd.DataFrame({"aantal": [3, 2.5]}), "fig-x.csv")
    with pytest.raises(downloads.DownloadError, match="not a finite number"):
        downloads.tidy(pd.DataFrame({"waarde": [float("inf")]}), "fig-x.csv")
    got = downloads.tidy(
        pd.DataFrame(
            {
                "waarde": [59.9290780141844, 0.00004, -0.00004, 2.0],
                "aantal": [3.0, None, 1, 0],
                "p": [1.7918133141544398e-08, 0.5, 0.012345678, 0.0],
                "ondersteund": [True, False, 1, 0],
            }
        )
    )
    assert got.to_dict("list") == {
        "waarde": ["59.9291", "0", "0", "2"],
        "aantal": ["3", "", "1", "0"],
        "p": ["1.792e-08", "0.5", "0.01235", "0"],
        "ondersteund": ["1", "0", "1", "0"],
    }


# --- the workbook: for Excel ------------------------------------------------------------------


def test_every_csv_has_a_workbook_with_the_same_values_rounded():
    checked = 0
    for path in _csvs():
        xlsx = path.with_suffix(".xlsx")
        assert xlsx.exists(), xlsx
        csv_rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        book = downloads.read_xlsx(xlsx)
        assert list(book.columns) == list(csv_rows.columns), path.name
        assert len(book) == len(csv_rows), path.name
        for name in csv_rows.columns:
            f = downloads.field(name)
            for text, cell in zip(csv_rows[name], book[name], strict=True):
                if text == "":
                    assert cell is None, (path.name, name)
                elif f.type == "boolean":
                    assert cell == {"1": "ja", "0": "nee"}[text], (path.name, name)
                elif f.type == "integer":
                    assert isinstance(cell, int) and cell == int(text), (path.name, name)
                elif f.type == "number":
                    want = float(text)
                    if f.xlsx_decimals is not None:
                        want = _half_up(want, f.xlsx_decimals)
                    assert isinstance(cell, (int, float)), (path.name, name, cell)
                    assert cell == pytest.approx(want, rel=0, abs=1e-12), (path.name, name)
                else:
                    assert cell == text, (path.name, name)
                checked += 1
    assert checked > 5000


def test_workbook_opens_with_title_dutch_labels_and_number_formats():
    path = BUILD / "beleid" / "2018" / "data" / "fig-beleid.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.title == "fig-beleid" and wb.sheetnames[1] == "Toelichting"
    assert ws["A1"].value.startswith("Figuur 3.1: Is er in uw gemeente aanvullend beleid")
    assert "Synthetische gegevens" in ws["A2"].value
    header = [c.value for c in ws[downloads.DATA_SHEET_HEADER_ROW]]
    assert header[:4] == ["Jaar", "Vraag (naam in de gegevens)", "Antwoord (code)", "Categorie"]
    assert "Uitkomst zoals gedrukt" in header and "waarde" not in header
    row = downloads.DATA_SHEET_HEADER_ROW + 1
    cells = dict(zip(header, ws[row], strict=False))
    assert cells["Uitkomst"].data_type == "n" and cells["Uitkomst"].number_format == "0.0"
    assert cells["Basis (aantal gemeenten)"].number_format == "0"
    assert ws.freeze_panes == f"A{row}"
    notes = {r[1]: r[2] for r in wb["Toelichting"].iter_rows(values_only=True) if r[1]}
    assert notes["waarde"] == downloads.field("waarde").description


def test_workbooks_are_byte_identical_between_runs(tmp_path):
    data = pd.read_csv(BUILD / "beleid" / "2018" / "data" / "tbl-aanbod.csv")
    a = downloads.write_xlsx(data, tmp_path / "a" / "tbl-aanbod.xlsx", "Titel.")
    time.sleep(2.1)  # zip entries and openpyxl's document properties resolve to seconds
    b = downloads.write_xlsx(data, tmp_path / "b" / "tbl-aanbod.xlsx", "Titel.")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {downloads.ZIP_TIME}
        assert b"dcterms:modified" not in zf.read("docProps/core.xml")


def test_links_under_every_item_name_csv_and_excel():
    nb = nbformat.read(BUILD / "beleid" / "2018" / "beleid.ipynb", as_version=4)
    text = json.dumps(nb, ensure_ascii=False)
    assert "Data bij deze figuur: [CSV](data/fig-beleid.csv) · [Excel](data/fig-beleid.xlsx)" in (
        text
    )
    assert "Data bij deze tabel: [CSV](data/tbl-aanbod.csv) · [Excel](data/tbl-aanbod.xlsx)" in text


# --- the zip: one data package per edition ---------------------------------------------------


def test_zip_is_a_valid_frictionless_data_package(editions, tmp_path):
    for year, src in editions.items():
        path = _zip(src, year)
        report = frictionless.validate(str(path))
        assert report.valid, (year, report.flatten(["type", "note", "resourcePath"])[:10])
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp_path / str(year))
        report = frictionless.validate(str(tmp_path / str(year) / "datapackage.json"))
        assert report.valid, year


def test_zip_holds_every_csv_and_the_key_figures(editions):
    for year, src in editions.items():
        published = sorted(p.name for p in (src / "data").glob("*.[cj]s[vo]*"))
        with zipfile.ZipFile(_zip(src, year)) as zf:
            names = zf.namelist()
            assert names == sorted(names), year  # a fixed order
            assert {i.date_time for i in zf.infolist()} == {downloads.ZIP_TIME}
            assert f"data/kerncijfers-{year}.json" in names
            assert sorted(n.removeprefix("data/") for n in names if n.startswith("data/")) == (
                published
            )
            for name in names:
                if name.startswith("data/"):
                    assert zf.read(name) == (src / name).read_bytes(), (year, name)
            package = json.loads(zf.read("datapackage.json"))
        assert {r["path"] for r in package["resources"]} == {f"data/{n}" for n in published}


def test_every_field_has_a_type_and_a_dutch_title_and_description(editions):
    src = editions[max(YEARS)]
    with zipfile.ZipFile(_zip(src, max(YEARS))) as zf:
        package = json.loads(zf.read("datapackage.json"))
    assert package["licenses"] and package["sources"] and package["description"]
    assert "synthetische" in package["description"].lower()
    fields = 0
    for resource in package["resources"]:
        assert resource.get("title") and resource.get("description"), resource["name"]
        for f in resource.get("schema", {}).get("fields", []):
            assert f["type"] in ("integer", "number", "string", "boolean"), f
            assert f["title"] and len(f["description"]) > 15, f
            text = f["description"].lower()
            assert DUTCH.search(text) and not ENGLISH.search(text), f["description"]
            fields += 1
    assert fields > 300
    boolean = next(
        f
        for r in package["resources"]
        for f in r.get("schema", {}).get("fields", [])
        if f["type"] == "boolean"
    )
    assert boolean["trueValues"] == ["1"] and boolean["falseValues"] == ["0"]


def test_zip_is_byte_identical_between_assemblies(editions, tmp_path):
    year = max(YEARS)
    again = assemble(year, YEARS, out=tmp_path / "again", synthetic=True, **COMMON)
    assert _zip(again, year).read_bytes() == _zip(editions[year], year).read_bytes()


def test_a_frictionless_check_would_catch_a_python_boolean(editions, tmp_path):
    """The descriptor is strict: a True where 1 or 0 belongs makes the package invalid."""
    year = max(YEARS)
    with zipfile.ZipFile(_zip(editions[year], year)) as zf:
        zf.extractall(tmp_path)
    toets = next(p for p in sorted((tmp_path / "data").glob("toets-*.csv")))
    text = toets.read_text(encoding="utf-8")
    toets.write_text(re.sub(r",[01]\n$", ",True\n", text), encoding="utf-8")
    assert not frictionless.validate(str(tmp_path / "datapackage.json")).valid


def test_downloads_appendix_lists_the_zip_and_every_workbook(editions):
    for year, src in editions.items():
        text = (src / "downloads.qmd").read_text(encoding="utf-8")
        package = downloads.package_name(year)
        assert f"[{package}](data/{package})" in text
        linked = set(re.findall(r"\]\(data/([^)]+)\)", text))
        assert linked == {p.name for p in (src / "data").iterdir()}, year
        row = "| [figuur 3.1](beleid.html#figuur-3-1) | [CSV](data/fig-beleid.csv) |"
        assert row in text or year != 2018


def test_downloads_appendix_without_workbooks_says_so(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "fig-a.csv").write_text("jaar,item\n2018,Figuur 3.1\n", encoding="utf-8")
    (data / "kerncijfers-2018.json").write_text("{}")
    text = downloads_qmd(tmp_path, 2018, ["tbl-kerncijfers", "fig-a"])
    assert "| @fig-a | [CSV](data/fig-a.csv) | – |" in text
    assert downloads.package_name(2018) not in text  # no zip, no link


# --- the disclosure check reads the new formats ---------------------------------------------


def _secrets(identifier="RSP-4711"):
    return disclosure.Secrets(
        identifiers=frozenset({identifier}),
        open_answers=frozenset({"wij werken samen met de bibliotheek"}),
        id_columns=frozenset({"respondent_id", "gemeente_id"}),
        size_classes=frozenset({"G4", "G40"}),
        municipalities=200,
    )


def _download(tmp_path, categorie="Ja", basis_n=40, extra=None):
    row = {"jaar": 2018, "vraag": "beleid", "optie": "ja", "categorie": categorie,
           "aantal": 9, "basis_n": basis_n, "waarde": 22.5, "waarde_afgerond": 23,
           "eenheid": "%", "item": "Figuur 3.1", **(extra or {})}  # fmt: skip
    data = tmp_path / "data"
    downloads.write_item(pd.DataFrame([row]), data, "fig-a", "Een figuur.")
    return data


def test_a_planted_identifier_in_a_workbook_is_caught(tmp_path):
    data = _download(tmp_path, categorie="Gemeente RSP-4711")
    (data / "fig-a.csv").unlink()
    found = disclosure.scan(disclosure.published_files(tmp_path), _secrets(), 10, root=tmp_path)
    assert [(f.path, f.what) for f in found] == [("data/fig-a.xlsx", "identifier 'RSP-4711'")]
    assert found[0].line == f"sheet 'fig-a', cell D{downloads.DATA_SHEET_HEADER_ROW + 1}"


def test_a_planted_identifier_or_small_cell_in_the_zip_is_caught(tmp_path):
    data = _download(tmp_path, categorie="G4", basis_n=4)
    (data / "kerncijfers-2018.json").write_text('{"x": "wij werken samen met de bibliotheek"}')
    downloads.write_package(data, 2018)
    for p in data.iterdir():
        if p.suffix != ".zip":
            p.unlink()
    found = disclosure.scan(disclosure.published_files(tmp_path), _secrets(), 10, root=tmp_path)
    got = {(f.line, f.what.split(":")[0]) for f in found}
    assert got == {
        ("data/kerncijfers-2018.json, line 1", "open answer 'wij werken samen met de bibliotheek'"),
        ("data/fig-a.csv, line 2", "small cell 'G4'"),
    }, found


def test_small_cells_in_a_workbook_and_unreadable_members_are_caught(tmp_path):
    data = _download(tmp_path, categorie="G40", basis_n=3)
    (data / "fig-a.csv").unlink()
    with zipfile.ZipFile(data / "los.zip", "w") as zf:
        zf.writestr("gegevens.parquet", b"PAR1")
    (data / "kapot.xlsx").write_bytes(b"geen werkmap")
    found = disclosure.scan(disclosure.published_files(tmp_path), _secrets(), 10, root=tmp_path)
    got = {(f.path, f.line, f.what.split(":")[0]) for f in found}
    assert got == {
        ("data/fig-a.xlsx", f"row {downloads.DATA_SHEET_HEADER_ROW + 1}", "small cell 'G40'"),
        ("data/los.zip", "gegevens.parquet", "a zip member the check cannot read"),
        ("data/kapot.xlsx", "the whole file", "cannot be read to check it"),
    }, found


# --- tables a reader can scan ---------------------------------------------------------------


def test_pipe_table_aligns_and_gives_the_label_room():
    text = mdtable.pipe_table(
        ["Antwoord", "Gemeenten (n)", "Aandeel (%)"],
        [["Een lang label dat in een smalle kolom over vijf regels zou lopen", 237, "84"]],
        "lrr",
    )
    head, sep, row = text.splitlines()
    assert head == "| Antwoord | Gemeenten (n) | Aandeel (%) |"
    assert row == "| Een lang label dat in een smalle kolom over vijf regels zou lopen | 237 | 84 |"
    widths = [len(c.strip(":")) for c in sep.strip("|").split("|")]
    assert sep.startswith("|:-") and sep.endswith("-:|") and sep.count("-:|") == 2
    assert widths[0] > 3 * max(widths[1:])
    with pytest.raises(ValueError, match="alignment"):
        mdtable.pipe_table(["a", "b"], [], "l")


def test_dutch_numbers_and_intervals():
    assert mdtable.nl_number(59.9290780141844) == "59,9"
    assert mdtable.nl_number(60.0) == "60" and mdtable.nl_number(3, 2) == "3,00"
    assert mdtable.nl_number(-0.04, 1) == "0,0" and mdtable.nl_number(float("nan")) == "–"
    assert mdtable.nl_number(1234) == "1234"  # no thousands point that reads as a decimal
    assert mdtable.nl_number(12345) == "12\u202f345"
    assert mdtable.nl_interval(44.6, 62.3) == "45–62"


def _tables_of_the_book(cleaned, codebooks):
    waves = {y: items.Wave(y, cleaned[y], codebooks[y]) for y in YEARS}
    for item, defn in items.ITEMS.items():
        if defn.kind != "tbl":
            continue
        for year in YEARS:
            result = items.build(item, waves, year)
            if result.not_asked is None and result.table is None:
                yield item, year, result


def test_tables_say_what_each_number_is(cleaned, codebooks):
    seen = set()
    for item, year, result in _tables_of_the_book(cleaned, codebooks):
        text = data_table(result)
        header, sep = text.splitlines()[:2]
        assert "Waarde" not in header and "Basis (n)" not in header, (item, year, header)
        assert "Categorie" not in header, (item, year, header)
        assert sep.startswith("|:-") and sep.endswith("-:|"), (item, year, sep)
        numbers = [c for line in text.splitlines()[2:] for c in line.split(" | ")[1:]]
        assert not any(re.search(r"\d\.\d", c) for c in numbers), (item, year)  # Dutch comma
        seen.add(item)
        if item == "Tabel 1":
            assert header == (
                "| Grootteklasse | Gemeenten in Nederland (N) | Deelnemende gemeenten (n) "
                "| Respons (%) |"
            )
            assert "| Totaal | 380 | 282 | 74 |" in text or year != 2018
        if item == "Tabel 3.1":
            assert header == "| Antwoord | Gemeenten (n) | Aandeel (%) |"
            assert "Gemiddeld aantal antwoorden" not in text  # the caption says it
        if item == "Tabel 8.1" and year == 2018:
            assert header == ("| Integratieroute | Gemiddelde 2017 (%) | Gemiddelde 2018 (%) |")
    assert {"Tabel 1", "Tabel M.1", "Tabel 3.1", "Tabel 8.1"} <= seen


def test_every_table_of_an_edition_is_aligned(editions):
    """Every pipe table the book shows: label column left, the others right or left (text)."""
    sep = re.compile(r"^\|(:?-+:?\|)+$", re.M)
    for year, src in editions.items():
        pages = [p.read_text(encoding="utf-8") for p in src.glob("*.qmd")]
        for nb in src.glob("*.ipynb"):
            pages += [c.source for c in nbformat.read(nb, as_version=4).cells]
        separators = [m.group() for page in pages for m in sep.finditer(page)]
        assert len(separators) > 5, year
        for s in separators:
            cells = s.strip("|").split("|")
            assert cells[0].startswith(":") and not cells[0].endswith(":"), (year, s)
            assert all(c.startswith(":") or c.endswith(":") for c in cells), (year, s)
