"""Nothing published holds identifiers, open answers, rows per municipality or small cells.

The scan (``toeleiding.disclosure``) compares what is published with the actual identifiers and
open answers of the cleaned waves; book assembly refuses an edition in which it finds anything.
Each kind of leak is planted here once, so a scanner that stopped looking would fail.
"""

import csv
import dataclasses
import shutil

import nbformat
import pandas as pd
import pytest
import yaml

from conftest import BOOK_INPUTS
from toeleiding import disclosure, paths
from toeleiding.book import BookError, assemble, render_inputs

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
MIN_COUNT = PARAMS["disclosure"]["min_count"]
COMMON = BOOK_INPUTS


@pytest.fixture(scope="module")
def secrets():
    return disclosure.load_secrets(paths.CLEAN_DIR, paths.CODEBOOK_DIR, YEARS)


@pytest.fixture(scope="module")
def clean():
    return {y: pd.read_parquet(paths.clean_path(y)) for y in YEARS}


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    return {
        y: assemble(y, YEARS, build_dir=paths.ROOT / "build", out=out / str(y), **COMMON)
        for y in YEARS
    }


@pytest.fixture()
def edition(editions, tmp_path):
    """A copy of the newest edition's sources, to plant leaks in."""
    return shutil.copytree(editions[max(YEARS)], tmp_path / str(max(YEARS)))


def _scan(folder, secrets, min_count=MIN_COUNT):
    return disclosure.scan(disclosure.published_files(folder), secrets, min_count, root=folder)


def test_secrets_are_the_values_in_the_cleaned_data(secrets, clean, codebooks):
    for year, df in clean.items():
        for col in ("gemeente_id", "respondent_id"):
            assert set(df[col].dropna()) <= secrets.identifiers, (year, col)
        for q in codebooks[year].questions:
            if q.type == "open_text":
                answers = {" ".join(a.split()) for a in df[q.harmonised].dropna()}
                long = {a for a in answers if len(a) >= disclosure.MIN_OPEN_ANSWER}
                assert long <= secrets.open_answers
    assert secrets.open_answers and secrets.municipalities == min(map(len, clean.values()))


def test_published_outputs_are_clean(editions, secrets):
    """Every edition as assembled, and the pipeline's downloads, metrics and executed chapters."""
    files = [f for src in editions.values() for f in disclosure.published_files(src)]
    files += disclosure.published_files(paths.ROOT / "build")
    files += disclosure.published_files(paths.ROOT / "metrics")
    assert len(files) > 200
    found = disclosure.scan(files, secrets, MIN_COUNT)
    assert not found, disclosure.report(found)


def test_a_planted_identifier_is_caught(edition, secrets, clean):
    muni = clean[max(YEARS)]["gemeente_id"].iloc[7]
    resp = clean[min(YEARS)]["respondent_id"].iloc[3]
    nb = nbformat.read(edition / "beleid.ipynb", as_version=4)
    nb.cells[2].source += f"\nDe gemeente {muni.lower()} zegt iets."
    nbformat.write(nb, edition / "beleid.ipynb")
    with (edition / "data" / "fig-beleid.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{resp},x\n")
    lines = len((edition / "data" / "fig-beleid.csv").read_text().splitlines())
    found = {(f.path, f.line, f.what) for f in _scan(edition, secrets)}
    line = len(nb.cells[2].source.splitlines())
    assert found == {
        ("beleid.ipynb", f"cell 3, line {line}", f"identifier {muni.lower()!r}"),
        ("data/fig-beleid.csv", f"line {lines}", f"identifier {resp!r}"),
    }


def test_an_identifier_inside_a_longer_code_is_not_one(edition, secrets, clean):
    muni = clean[max(YEARS)]["gemeente_id"].iloc[7]
    (edition / "extra.qmd").write_text(f"Code {muni}9 en X{muni}.\n")
    assert _scan(edition, secrets) == []


def test_a_planted_open_answer_is_caught(edition, secrets):
    answer = sorted(secrets.open_answers)[0]
    spaced = "  ".join(answer.upper().split())  # another case, other spacing
    text = (edition / "index.qmd").read_text() + f"\nEen gemeente schreef: {spaced}.\n"
    (edition / "index.qmd").write_text(text)
    found = _scan(edition, secrets)
    assert [(f.path, f.line) for f in found] == [("index.qmd", f"line {len(text.splitlines())}")]
    assert found[0].what.startswith("open answer")


def _write_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])


def test_a_planted_small_cell_is_caught(edition, secrets):
    data = edition / "data"
    _write_csv(data / "fig-per-klasse.csv", ["jaar", "grootteklasse", "categorie", "basis_n"],
               [[2018, "G4", "Ja", MIN_COUNT - 1], [2018, "G40", "Ja", MIN_COUNT]])  # fmt: skip
    _write_csv(data / "fig-lang.csv", ["jaar", "vraag", "categorie", "basis_n", "eenheid"],
               [[2018, "grootteklasse", "Overig", 3, "%"],
                [2018, "grootteklasse", "Totaal", 3, "% van alle gemeenten"],
                [2018, "beleid", "G4", 2, "%"]])  # fmt: skip
    _write_csv(data / "fig-zonder-basis.csv", ["groep", "waarde"], [["G4", 50]])
    found = {(f.path, f.line) for f in _scan(edition, secrets)}
    assert found == {
        ("data/fig-per-klasse.csv", "line 2"),  # under min_count; line 3 is exactly min_count
        ("data/fig-lang.csv", "line 2"),  # by vraag; line 3 counts participation (O02)
        ("data/fig-lang.csv", "line 4"),  # by categorie: a size class
        ("data/fig-zonder-basis.csv", "line 2"),  # a breakdown whose base cannot be checked
    }
    assert {f.path for f in _scan(edition, secrets, min_count=1)} == {"data/fig-zonder-basis.csv"}


def test_identifier_columns_and_rows_per_municipality_are_caught(edition, secrets):
    _write_csv(edition / "data" / "fig-ids.csv", ["gemeente_id_x", "gemeente_id"], [["a", "b"]])
    rows = [[i, "Ja"] for i in range(secrets.municipalities)]
    _write_csv(edition / "data" / "fig-rijen.csv", ["nummer", "antwoord"], rows)
    found = [str(f) for f in _scan(edition, secrets)]
    assert found == [
        "data/fig-ids.csv, line 1: identifier column 'gemeente_id'",
        f"data/fig-rijen.csv, line 1: {len(rows)} rows: a row per municipality?",
    ]


def test_assembly_refuses_to_publish_a_leak(tmp_path, clean):
    build = shutil.copytree(paths.ROOT / "build", tmp_path / "build")
    muni = clean[max(YEARS)]["gemeente_id"].iloc[0]
    csv_path = build / "beleid" / str(max(YEARS)) / "data" / "fig-beleid.csv"
    csv_path.write_text(csv_path.read_text() + f"{muni}\n")
    out = tmp_path / "out"
    with pytest.raises(BookError) as err:
        assemble(max(YEARS), YEARS, build_dir=build, out=out, **COMMON)
    message = str(err.value)
    assert "disclosure check failed" in message and "nothing was published" in message
    assert f"data/fig-beleid.csv, line {len(csv_path.read_text().splitlines())}" in message
    assert repr(muni) in message
    assert not out.exists()


def test_min_count_and_clean_data_are_declared_for_the_book(secrets):
    """`make render` gives the book params.yaml (min_count) and the cleaned waves, and the
    render tracks the cleaned waves (the book is no DVC stage: README, "The book")."""
    makefile = " ".join((paths.ROOT / "Makefile").read_text().replace("\\\n", " ").split())
    assert "--params params.yaml" in makefile and "--clean-dir data/clean" in makefile
    args = {k: v for k, v in COMMON.items() if k != "min_count"}
    assert paths.CLEAN_DIR in render_inputs(build_dir=paths.ROOT / "build", **args)
    assert isinstance(MIN_COUNT, int) and MIN_COUNT > 1
    with pytest.raises(disclosure.DisclosureError, match="min_count"):
        disclosure.scan([], secrets, 0)


def test_downloads_are_aggregates(editions):
    """One row per category, never per municipality: bases are whole groups of them."""
    for src in editions.values():
        for path in sorted((src / "data").glob("*.csv")):
            df = pd.read_csv(path)
            if path.name.startswith("toets-"):  # one row: the test of a claim
                assert len(df) == 1 and {"verschil", "p"} <= set(df.columns), path
                continue
            assert {"categorie", "basis_n"} <= set(df.columns), path
            assert len(df) < 120, path  # a row per category, not per municipality
            shares = df[df["eenheid"].astype(str).isin(["%", "% (groep)"])]
            assert (shares["basis_n"] >= MIN_COUNT).all(), path


def test_a_small_wave_tells_categories_from_rows_per_municipality(tmp_path, secrets):
    """With twelve municipalities, a question with many options has more rows than that."""
    small = dataclasses.replace(secrets, municipalities=12)
    data = tmp_path / "data"
    data.mkdir()
    header = ["jaar", "vraag", "optie", "categorie", "aantal", "basis_n", "waarde", "eenheid"]
    options = [[2018, "aanbod", f"optie_{i}", f"Optie {i}", 1, 12, 8.3, "%"] for i in range(18)]
    _write_csv(data / "tbl-aanbod.csv", header, options)  # one row per category: aggregates
    per_muni = [[2018, "aanbod", "optie_1", "Optie 1", 1, 1, 100.0, "%"] for _ in range(12)]
    _write_csv(data / "tbl-herhaald.csv", header, per_muni)  # the same category twelve times
    _write_csv(data / "tbl-zonder-basis.csv", ["jaar", "antwoord"], [[2018, "ja"]] * 12)
    found = sorted(str(f) for f in _scan(tmp_path, small))
    assert found == [
        "data/tbl-herhaald.csv, line 1: 12 rows: a row per municipality?",
        "data/tbl-zonder-basis.csv, line 1: 12 rows: a row per municipality?",
    ]
