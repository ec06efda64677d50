"""Thin waves build every chapter and the book: a single G4 respondent, twelve municipalities.

Two waves that a real export could look like, built with the pipeline's own commands
(``validate``, ``clean``, ``metrics``, ``execute`` with papermill, ``book``) in a scratch folder:

- 2018 with twelve municipalities (one G4, three G40, eight others): the G4 has a single
  respondent and is no census, and every breakdown by size class has groups under
  ``disclosure.min_count``;
- a new wave, 2019 (the 2018 questionnaire), in which only one of the four G4 municipalities
  took part.

Both must build every chapter and the book sources; their methods appendix names the
collapsed size classes; the twelve-municipality edition publishes no group under
``disclosure.min_count`` and says which test it suppressed. Only the editions of these two
waves are executed (the others are not needed for them), so the test takes about two minutes.
"""

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from toeleiding import disclosure, paths
from toeleiding.book import chapter_slugs, load_template
from toeleiding.chapter import Chapter

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
MIN_COUNT = yaml.safe_load(paths.PARAMS.read_text())["disclosure"]["min_count"]


def _run(*args, cwd=paths.ROOT):
    res = subprocess.run([BIN / "python", "-m", "toeleiding", *map(str, args)], cwd=cwd,
                         env=ENV, capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 0, f"{args}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324 - as dvc.lock records it


def _twelve(raw: pd.DataFrame) -> pd.DataFrame:
    """One G4, three G40 and eight other municipalities of the 2018 raw file, in file order."""
    take = {"G4": 1, "G40": 3, "overig": 8}
    rows = pd.concat([raw[raw["grootteklasse"] == k].head(n) for k, n in take.items()])
    return rows.sort_index()


def _single_g4(raw: pd.DataFrame) -> pd.DataFrame:
    """The 2018 raw file without three of its four G4 municipalities."""
    g4 = raw.index[raw["grootteklasse"] == "G4"]
    return raw.drop(g4[1:])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Clean, metrics, every chapter (papermill) and the book sources of both thin waves."""
    tmp = tmp_path_factory.mktemp("thin")
    codebooks, clean, raw_dir, metrics = (tmp / d for d in ("codebook", "clean", "raw", "metrics"))
    for d in (codebooks, clean, raw_dir, metrics):
        d.mkdir()
    for year in (2016, 2017, 2018):
        shutil.copy(paths.codebook_path(year), codebooks)
    for year in (2016, 2017):
        shutil.copy(paths.clean_path(year), clean)
    text = paths.codebook_path(2018).read_text(encoding="utf-8")
    (codebooks / "2019.yaml").write_text(
        text.replace("wave: 2018", "wave: 2019").replace(
            "vluchtelingen 2018", "vluchtelingen 2019"
        ),
        encoding="utf-8",
    )
    raw = pd.read_csv(paths.raw_path(2018), dtype=str, keep_default_na=False)
    waves = {2018: _twelve(raw), 2019: _single_g4(raw)}
    lock = {"schema": "2.0", "stages": {}}
    for year, frame in waves.items():
        path = raw_dir / f"{year}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        cb = codebooks / f"{year}.yaml"
        _run("validate", "--codebook", cb, path)
        _run("clean", "--codebook", cb, "--raw", path, "--out", clean / f"{year}.parquet")
        _run("metrics", "--codebook", cb, "--clean", clean / f"{year}.parquet",
             "--out", metrics / f"{year}.json")  # fmt: skip
        # What `dvc repro` records for the clean stage (the colophon prints these hashes).
        lock["stages"][f"clean@{year}"] = {
            "deps": [{"path": f"data/raw/{year}.csv", "md5": _md5(path)}],
            "outs": [
                {"path": f"data/clean/{year}.parquet", "md5": _md5(clean / f"{year}.parquet")}
            ],
        }
    (tmp / "dvc.lock").write_text(yaml.safe_dump(lock))
    params = yaml.safe_load(paths.PARAMS.read_text())
    params["years"], params["synthesize"]["years"] = [2018, 2019], []
    params["execute"]["workers"] = 2
    (tmp / "params.yaml").write_text(yaml.safe_dump(params))
    build = tmp / "build"
    slugs = chapter_slugs(load_template(paths.ROOT / "book"))
    for slug in slugs:
        _run("execute", "--params", tmp / "params.yaml", "--notebook", f"notebooks/{slug}.ipynb",
             "--clean-dir", clean, "--codebook-dir", codebooks, "--out", build / slug)  # fmt: skip
    site = tmp / "site"
    _run("book", "--params", tmp / "params.yaml", "--book", "book", "--build", build,
         "--codebook-dir", codebooks, "--clean-dir", clean, "--assumptions",
         "docs/ASSUMPTIONS.md", "--lock", tmp / "dvc.lock", "--metrics", metrics,
         "--out", site)  # fmt: skip
    return {"tmp": tmp, "build": build, "site": site, "slugs": slugs, "clean": clean}


def test_every_chapter_and_the_book_sources_are_built(built):
    for year in (2018, 2019):
        for slug in built["slugs"]:
            assert (built["build"] / slug / str(year) / f"{slug}.ipynb").exists(), (slug, year)
        assert (built["site"] / str(year) / "_quarto.yml").exists()
    assert len(pd.read_parquet(built["clean"] / "2018.parquet")) == 12


@pytest.mark.parametrize("year", [2018, 2019])
def test_the_methods_appendix_names_the_collapsed_size_class(built, year):
    methods = (built["site"] / str(year) / "methoden.qmd").read_text(encoding="utf-8")
    assert "In de klasse *G4* deed één gemeente mee, terwijl niet alle" in methods
    assert "samengevoegd met de klasse *G40* (samengevoegde strata" in methods
    assert "strata (na samenvoegen)" in methods


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_intervals_of_the_thin_waves_contain_their_estimates(built):
    checked = 0
    for year in (2018, 2019):
        for path in sorted(built["build"].glob(f"*/{year}/data/*.csv")):
            for row in _rows(path):
                if row.get("gewogen") and row.get("jaar") == str(year):
                    low, est, high = (float(row[c]) for c in ("ci_laag", "gewogen", "ci_hoog"))
                    assert 0 <= low <= est <= high <= 100, (path.name, row)
                    checked += 1
    assert checked > 100


def test_twelve_municipalities_publish_no_small_group(built):
    """The claims by size class compare groups of fewer than min_count: suppressed, and said."""
    edition = built["site"] / "2018"
    assert not list(edition.glob("data/toets-*grootte*")), "a test of small groups published"
    text = "\n".join(p.read_text(encoding="utf-8") for p in edition.glob("*.ipynb"))
    assert text.count("(onderdrukt: te kleine groep)") == 2, "both claims by size say so"
    assert f"minder dan {Chapter.spell(MIN_COUNT)} grote gemeenten" in text
    # The book's own check (it ran when the book was assembled) finds nothing either.
    secrets = disclosure.load_secrets(built["clean"], built["tmp"] / "codebook", [2018, 2019])
    found = disclosure.scan(disclosure.published_files(edition), secrets, MIN_COUNT, edition)
    assert found == [], disclosure.report(found)
    assert secrets.municipalities == 12


@pytest.mark.parametrize(("min_count", "suppressed"), [(10, False), (50, True)])
def test_a_claim_by_size_with_a_small_group_is_suppressed(tmp_path, monkeypatch, min_count,
                                                         suppressed):  # fmt: skip
    """In 2018, over forty large municipalities answered: published at 10, not at 50."""
    from toeleiding import chapter

    shown = []
    monkeypatch.setattr(chapter, "display", lambda obj: shown.append(obj.data))
    ch = chapter.Chapter("beleid", 2018, paths.CLEAN_DIR, paths.CODEBOOK_DIR, tmp_path,
                         min_count=min_count)  # fmt: skip
    ch.claim("maatregelen-grootte")
    text = "\n".join(shown)
    assert ("(onderdrukt: te kleine groep)" in text) is suppressed
    assert (f"minder dan {min_count} grote gemeenten" in text) is suppressed
    assert (tmp_path / "data" / "toets-maatregelen-grootte.csv").exists() is not suppressed
