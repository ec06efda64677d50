"""Nothing published holds identifiers, open answers, respondent rows or small cells."""

import json
import re

import nbformat
import pandas as pd
import pytest
import yaml

from toeleiding import paths
from toeleiding.book import assemble
from toeleiding.synthesize import OPEN_TEXT

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
MIN_COUNT = PARAMS["disclosure"]["min_count"]
ID = re.compile(r"\bS[GR]\d{2}-\d{3}\b")
PHRASES = [p for phrases in OPEN_TEXT.values() for p in phrases]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Every file a reader can see: CSV downloads, metrics, executed chapters, book sources."""
    files = list((paths.ROOT / "build").glob("*/*/data/*.csv"))
    files += list((paths.ROOT / "metrics").glob("*.json"))
    files += list((paths.ROOT / "build").glob("*/*/*.ipynb"))
    out = tmp_path_factory.mktemp("book")
    years = PARAMS["years"]
    for year in years:
        src = assemble(
            year, years, paths.ROOT / "book", paths.ROOT / "build", paths.CODEBOOK_DIR,
            paths.ROOT / "docs" / "ASSUMPTIONS.md", paths.ROOT / "dvc.lock",
            paths.ROOT / "metrics", out / str(year),
        )  # fmt: skip
        files += [p for p in src.rglob("*") if p.suffix in (".qmd", ".ipynb", ".csv", ".json")]
    return files


def _text(path):
    if path.suffix == ".ipynb":
        return json.dumps(nbformat.read(path, as_version=4))
    return path.read_text(encoding="utf-8")


def test_no_identifiers_or_open_answers(published):
    hits = []
    for path in published:
        text = _text(path)
        if ID.search(text):
            hits.append(f"{path}: identifier {ID.search(text).group()}")
        for col in ("gemeente_id", "respondent_id"):
            if path.suffix == ".csv" and col in text.splitlines()[0]:
                hits.append(f"{path}: column {col}")
        hits += [f"{path}: open answer {p!r}" for p in PHRASES if p in text]
    assert not hits, hits[:10]
    assert len(published) > 100


def test_downloads_are_aggregates(published):
    """One row per category, never per municipality: bases are whole groups of them."""
    for path in (p for p in published if p.suffix == ".csv"):
        df = pd.read_csv(path)
        if path.name.startswith("toets-"):  # one row: the test of a claim
            assert len(df) == 1 and {"verschil", "p"} <= set(df.columns), path
            continue
        assert {"categorie", "basis_n"} <= set(df.columns), path
        assert len(df) < 120, path  # a row per category, not per municipality
        shares = df[df["eenheid"].astype(str).isin(["%", "% (groep)"])]
        assert (shares["basis_n"] >= MIN_COUNT).all(), path


def test_no_small_cells_by_size_class(published):
    """Breakdowns of answers by size class show no group under the minimum count.

    Tabel 1 (response per size class) counts participating municipalities, which the report
    itself publishes; it describes no answers and is not a breakdown of answers.
    """
    for path in (p for p in published if p.suffix == ".csv" and "toets-" not in p.name):
        df = pd.read_csv(path)
        by_size = df[df["vraag"].astype(str).str.contains("grootteklasse")]
        answers = by_size[~by_size["eenheid"].astype(str).str.contains("van alle gemeenten")]
        assert (answers["basis_n"] >= MIN_COUNT).all(), path
