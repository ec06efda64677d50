"""Shared fixtures: codebooks, calibrations and the pipeline's cleaned waves."""

from __future__ import annotations

import os

import nbformat
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, Phase, settings

from toeleiding import paths
from toeleiding.book import book_files
from toeleiding.calibration import load_calibration
from toeleiding.codebook import load_codebook

# Property-based tests (hypothesis): a small, fixed set of examples by default, so CI is
# quick and the same on every run; TOELEIDING_HYPOTHESIS=thorough draws many more. No example
# database is written (nothing lands in the repository).
# CI does not shrink a failing example (a wave through a chapter is slow to shrink): the
# failure shows the example as drawn, and `print_blob` says how to replay it.
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=_SLOW,
    print_blob=True,
    phases=[Phase.explicit, Phase.generate],
)
settings.register_profile(
    "thorough",
    max_examples=400,
    database=None,
    deadline=None,
    suppress_health_check=_SLOW,
    print_blob=True,
)
HYPOTHESIS_PROFILE = os.environ.get("TOELEIDING_HYPOTHESIS", "ci")
settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_report_header(config):
    if HYPOTHESIS_PROFILE == "ci":
        return (
            "hypothesis profile: ci (a small, fixed set of examples per property; "
            "TOELEIDING_HYPOTHESIS=thorough draws about ten times more)"
        )
    return f"hypothesis profile: {HYPOTHESIS_PROFILE} (random examples, many per property)"


PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
SEED = PARAMS["synthesize"]["seed"]
# The inputs of the book (assemble, render) as the render stage passes them, but the build.
BOOK_INPUTS = dict(
    book_dir=paths.ROOT / "book",
    codebook_dir=paths.CODEBOOK_DIR,
    assumptions=paths.ROOT / "docs" / "ASSUMPTIONS.md",
    lock_path=paths.ROOT / "dvc.lock",
    metrics_dir=paths.ROOT / "metrics",
    clean_dir=paths.CLEAN_DIR,
    min_count=PARAMS["disclosure"]["min_count"],
)


@pytest.fixture(scope="session", params=YEARS, ids=str)
def year(request) -> int:
    return request.param


@pytest.fixture(scope="session")
def codebooks():
    return {y: load_codebook(paths.codebook_path(y)) for y in YEARS}


@pytest.fixture(scope="session")
def calibrations():
    return {y: load_calibration(paths.calibration_path(y)) for y in YEARS}


@pytest.fixture(scope="session")
def cleaned():
    """The cleaned waves written by `dvc repro` (make test brings them up to date first)."""
    missing = [y for y in YEARS if not paths.clean_path(y).exists()]
    if missing:
        pytest.fail(f"cleaned data missing for {missing}: run `make repro` (dvc repro) first")
    return {y: pd.read_parquet(paths.clean_path(y)) for y in YEARS}


def edition_pages(src) -> dict[str, str]:
    """The Markdown of every page of an assembled edition, in book order."""
    pages = {}
    for f in book_files(yaml.safe_load((src / "_quarto.yml").read_text())):
        if f.endswith(".ipynb"):
            nb = nbformat.read(src / f, as_version=4)
            pages[f] = "\n\n".join(c.source for c in nb.cells)
        else:
            pages[f] = (src / f).read_text(encoding="utf-8")
    return pages
