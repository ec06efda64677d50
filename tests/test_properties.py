"""Property-based tests: random valid waves, random corruptions, random designs, any bytes.

Hypothesis draws the cases (``tests/wavegen.py`` generates a valid wave from any codebook);
the profile in ``conftest.py`` bounds how many: a small, fixed set by default (CI), many more
with ``TOELEIDING_HYPOTHESIS=thorough``. The heavy properties (a chapter, the whole book) take
a few examples in CI and more in the thorough profile.

- Random valid waves never make ``clean``, ``metrics``, a chapter (its notebook code, run in
  this process: ``tests/inprocess.py``) or the book assembly raise, and every share, count and
  mean in the chapter's CSV downloads equals a recomputation from the raw text.
- A random single-cell corruption of a valid wave gives exactly one problem, naming that row
  and column.
- The estimator on random designs: shares within 0-100 %, every interval contains its
  estimate, a census has no width, collapsing thin size classes never raises.
- Any bytes, or a valid export with random bytes changed, get problems, never an exception.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import inprocess
import pandas as pd
import pytest
import wavegen
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from conftest import HYPOTHESIS_PROFILE
from toeleiding import metrics, paths, stats
from toeleiding.book import assemble, chapter_slugs, load_template
from toeleiding.clean import clean_file
from toeleiding.codebook import load_codebook
from toeleiding.exports import validate_export
from toeleiding.io import write_csv
from toeleiding.validate import FILE, HEADER, validate_file

YEARS = (2016, 2017, 2018)
CODEBOOKS = {y: load_codebook(paths.codebook_path(y)) for y in YEARS}
SLUGS = chapter_slugs(load_template(paths.ROOT / "book"))
MIN_COUNT = 10


def budget(ci: int, thorough: int) -> int:
    """Examples of a heavy property: a few in CI, more in the thorough profile."""
    return thorough if HYPOTHESIS_PROFILE == "thorough" else ci


def _wave_plans(min_size: int = 5, max_size: int = 400):
    return st.sampled_from(YEARS).flatmap(
        lambda y: st.tuples(st.just(y), wavegen.plans(CODEBOOKS[y], min_size, max_size))
    )


def _workspace(tmp: Path, year: int, raw: pd.DataFrame):
    """A scratch folder: the generated wave for ``year`` beside the pipeline's other waves."""
    shutil.rmtree(tmp, ignore_errors=True)
    clean_dir, metrics_dir = tmp / "clean", tmp / "metrics"
    clean_dir.mkdir(parents=True)
    metrics_dir.mkdir()
    for y in YEARS:
        if y != year:
            shutil.copy(paths.clean_path(y), clean_dir)
            shutil.copy(paths.ROOT / "metrics" / f"{y}.json", metrics_dir)
    write_csv(raw, tmp / "raw.csv")
    return clean_dir, metrics_dir


def _clean_and_metrics(tmp: Path, year: int, raw: pd.DataFrame):
    cb = CODEBOOKS[year]
    clean_dir, metrics_dir = _workspace(tmp, year, raw)
    _, problems = validate_file(tmp / "raw.csv", cb)
    assert problems == [], "the generator made an invalid wave:\n" + "\n".join(map(str, problems))
    df = clean_file(tmp / "raw.csv", cb, clean_dir / f"{year}.parquet")
    assert len(df) == len(raw)
    metrics.write_metrics(metrics.headline(df, cb), metrics_dir / f"{year}.json")
    return clean_dir, metrics_dir


def _chapter(slug: str, year: int, clean_dir: Path, build: Path) -> Path:
    params = {"year": year, "clean_dir": str(clean_dir), "codebook_dir": str(paths.CODEBOOK_DIR),
              "out_dir": ".", "synthetic": True}  # fmt: skip
    out = build / slug / str(year)
    inprocess.run_notebook(paths.ROOT / "notebooks" / f"{slug}.ipynb", params, out)
    return out


# --- recomputation from the raw text, independent of cleaning and tables ------------------------


def _number(text: str) -> float:
    return float(text)


def _check_row(row, raw: pd.DataFrame, year: int) -> bool:
    """Check one row of a download against the raw frame; False when it is of no known kind."""
    cb = CODEBOOKS[year]
    unit, name, option = row["eenheid"], str(row["vraag"]), str(row["optie"])
    if unit == "% van alle gemeenten" and name == "grootteklasse" and option in cb.population:
        k, n = int((raw["grootteklasse"] == option).sum()), cb.population[option]
    elif unit == "% van alle gemeenten" and name in ("grootteklasse", "respons"):
        k, n = len(raw), sum(cb.population.values())
    elif unit == "% van de deelnemende gemeenten":
        q = cb.by_harmonised(name)
        k, n = int((raw[list(q.columns)] != "").all(axis=1).sum()), len(raw)
    elif unit in ("%", "% (groep)"):
        q = cb.by_harmonised(name)
        if q is None:
            return False
        k, n = wavegen.recompute_share(raw, q, set(option.split("+")))
        weighted = wavegen.recompute_weighted_share(raw, cb, q, set(option.split("+")))
        if weighted is not None and not pd.isna(row.get("gewogen")):
            assert row["gewogen"] == pytest.approx(100 * weighted, abs=1e-4), dict(row)
    elif unit == "gemiddelde %" and option == "gemiddelde":
        q = cb.by_harmonised(name)
        values = [_number(v) for v in raw[q.id] if v != ""]
        assert row["basis_n"] == len(values), dict(row)
        assert row["waarde"] == pytest.approx(sum(values) / len(values), abs=1e-4), dict(row)
        return True
    else:
        return False
    assert (row["aantal"], row["basis_n"]) == (k, n), dict(row)
    assert row["waarde"] == pytest.approx(100 * k / n, abs=1e-4), dict(row)  # 4 decimals at most
    return True


def _check_downloads(out: Path, raw: pd.DataFrame, year: int) -> int:
    checked = 0
    for path in sorted((out / "data").glob("*.csv")):
        data = pd.read_csv(path)
        if not {"vraag", "optie", "eenheid"} <= set(data.columns):
            continue  # the test of a claim: one row, no share
        for _, row in data[data["jaar"] == year].iterrows():
            checked += _check_row(row, raw, year)
            if {"gewogen", "ci_laag", "ci_hoog"} <= set(row.index) and not pd.isna(row["ci_laag"]):
                assert row["ci_laag"] - 1e-9 <= row["gewogen"] <= row["ci_hoog"] + 1e-9, dict(row)
    return checked


# --- properties -----------------------------------------------------------------------------------


@settings(max_examples=budget(6, 60))
@given(_wave_plans(), st.sampled_from(SLUGS))
def test_random_valid_waves_clean_count_and_build_a_chapter(tmp_path_factory, wave, slug):
    year, plan = wave
    note(f"{year}: {plan}; chapter {slug}")
    raw = wavegen.raw_frame(CODEBOOKS[year], plan)
    tmp = tmp_path_factory.mktemp("wave")
    clean_dir, _ = _clean_and_metrics(tmp, year, raw)
    out = _chapter(slug, year, clean_dir, tmp / "build")
    _check_downloads(out, raw, year)


@settings(max_examples=budget(2, 20))
@given(_wave_plans())
def test_random_valid_waves_build_every_chapter_and_the_book(tmp_path_factory, wave):
    year, plan = wave
    note(f"{year}: {plan}")
    raw = wavegen.raw_frame(CODEBOOKS[year], plan)
    tmp = tmp_path_factory.mktemp("book")
    clean_dir, metrics_dir = _clean_and_metrics(tmp, year, raw)
    checked = 0
    for slug in SLUGS:
        checked += _check_downloads(_chapter(slug, year, clean_dir, tmp / "build"), raw, year)
    src = assemble(year, list(YEARS), book_dir=paths.ROOT / "book", build_dir=tmp / "build",
                   codebook_dir=paths.CODEBOOK_DIR, assumptions=paths.ROOT / "docs" /
                   "ASSUMPTIONS.md", lock_path=paths.ROOT / "dvc.lock", metrics_dir=metrics_dir,
                   out=tmp / "site" / str(year), clean_dir=clean_dir, min_count=MIN_COUNT,
                   info={"release": "test", "commit": "0" * 40, "date": "2026-01-01"})  # fmt: skip
    methods = (src / "methoden.qmd").read_text(encoding="utf-8")
    d = stats.design(pd.read_parquet(clean_dir / f"{year}.parquet"), CODEBOOKS[year].population)
    for c in d.collapsed:  # every collapsed size class is named in the methods appendix
        assert f"klasse *{CODEBOOKS[year].size_classes[c.size_class]}*" in methods
    assert checked > 0


@settings(max_examples=budget(2, 20))
@given(st.data())
def test_a_wave_with_a_single_g4_municipality_builds_a_chapter(tmp_path_factory, data):
    plan = data.draw(wavegen.plans(CODEBOOKS[2018], thin="G4"))
    assert plan.sizes["G4"] == 1 and all(n > 0 for n in plan.sizes.values())
    slug = data.draw(st.sampled_from(SLUGS))
    raw = wavegen.raw_frame(CODEBOOKS[2018], plan)
    tmp = tmp_path_factory.mktemp("thin")
    clean_dir, _ = _clean_and_metrics(tmp, 2018, raw)
    _check_downloads(_chapter(slug, 2018, clean_dir, tmp / "build"), raw, 2018)


# Values that break each kind of cell (and what the rule says: validate.parse_value).
BAD = {
    "single": ["0", "99", "x", " 1", "01", "-1", "1.0", "１"],
    "likert5": ["0", "6", "ja", "3 ", "2.5"],
    "multi": ["2", "x", "-1", "01", "1.0", " 1"],
    "estimate": ["101", "1,5", "-3", "abc", "1e2", "50%", " 5"],
    "count": ["-1", "2.5", "x", "1e3", "+4"],
    "grootteklasse": ["G5", "g4", "groot", " G4"],
}


@settings(max_examples=budget(10, 150))
@given(_wave_plans(min_size=5, max_size=60), st.data())
def test_a_single_corrupted_cell_gives_exactly_its_problem(tmp_path_factory, wave, data):
    year, plan = wave
    cb = CODEBOOKS[year]
    raw = wavegen.raw_frame(cb, plan)
    cells = [(i, c) for c in raw.columns for i in raw.index if raw.at[i, c] != ""]
    kind_of = {c: q.type for q in cb.questions for c in q.columns} | {
        "grootteklasse": "grootteklasse"
    }
    cells = [(i, c) for i, c in cells if kind_of.get(c) in BAD]
    row, col = data.draw(st.sampled_from(cells), label="cell")
    value = data.draw(st.sampled_from(BAD[kind_of[col]]), label="value")
    if kind_of[col] == "estimate":
        # Another rule reads a column whose answers are all at most 1 as fractions (I01): keep
        # the corruption to one cell by not removing the column's only answer above 1.
        others = [float(v) for i, v in raw[col].items() if v != "" and i != row]
        assume(not others or max(others) > 1 or all(v in (0, 1) for v in others))
    raw.at[row, col] = value
    note(f"{year}: row {row + 2}, column {col}: {value!r}")
    path = tmp_path_factory.mktemp("corrupt") / "raw.csv"
    write_csv(raw, path)
    _, problems = validate_file(path, cb)
    assert [(p.row, p.column, p.value) for p in problems] == [(row + 2, col, value)], problems


@st.composite
def designs(draw):
    """A random design: 1-4 size classes, any share of each present, any respondents."""
    k = draw(st.integers(1, 4))
    population = {f"K{i}": draw(st.integers(1, 30)) for i in range(k)}
    sizes = {h: draw(st.integers(0, n)) for h, n in population.items()}
    assume(sum(sizes.values()) > 0)
    classes = [h for h, n in sizes.items() for _ in range(n)]
    n = len(classes)
    respondents = draw(st.lists(st.integers(0, max(0, n // 2)), min_size=n, max_size=n))
    answers = draw(st.lists(st.sampled_from([0.0, 1.0, math.nan]), min_size=n, max_size=n))
    df = pd.DataFrame({"grootteklasse": classes, "respondent_id": [f"r{r}" for r in respondents]})
    return df, population, pd.Series(answers, dtype=float)


@settings(max_examples=budget(100, 3000))
@given(designs())
def test_the_estimator_on_random_designs(case):
    df, population, y = case
    d = stats.design(df, population)  # collapsing thin classes never raises
    assert d.weight.sum() == pytest.approx(sum(population.values()))
    assert ((d.fpc >= 0) & (d.fpc < 1 + 1e-12)).all()
    est = stats.ratio(d, y, proportion=True)
    if y.notna().sum() == 0:
        assert est.n == 0 and math.isnan(est.value)
        return
    assert 0 <= est.value <= 1
    if not d.estimable:
        assert math.isnan(est.low) and math.isnan(est.high)
        return
    assert 0 <= est.low <= est.value <= est.high <= 1
    census = all(
        (df["grootteklasse"] == h).sum() == n for h, n in population.items()
    )  # every class took part completely
    if census:
        assert est.se == 0 and est.low == est.high == est.value
    mean = stats.ratio(d, y * 40, proportion=False)
    assert mean.low <= mean.value <= mean.high


@settings(max_examples=budget(40, 500))
@given(st.binary(max_size=4000), st.sampled_from([".csv", ".xlsx", ".sav", ".txt"]))
def test_any_bytes_get_problems_never_an_exception(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"export{suffix}"
    path.write_bytes(data)
    for check in (lambda: validate_file(path, CODEBOOKS[2018]),
                  lambda: validate_export(path, CODEBOOKS[2018])):  # fmt: skip
        df, problems = check()
        assert problems, data
        assert all(p.file == str(path) and p.expected for p in problems)


GOOD = paths.raw_path(2018).read_bytes()


@settings(max_examples=budget(8, 300))
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.binary(max_size=3)), min_size=1,
                max_size=4))  # fmt: skip
def test_a_good_file_with_bytes_changed_never_raises(tmp_path_factory, edits):
    data = bytearray(GOOD)
    for pos, new in edits:
        data[pos : pos + 1] = new  # replace one byte by zero to three others
    path = tmp_path_factory.mktemp("edit") / "2018.csv"
    path.write_bytes(bytes(data))
    _, problems = validate_file(path, CODEBOOKS[2018])
    assert all(p.file == str(path) for p in problems)
    if bytes(data) != GOOD and problems:
        assert all(p.row is not None or p.column in (FILE, HEADER) for p in problems)
