"""Shared fixtures: codebooks, calibrations and the pipeline's cleaned waves."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from toeleiding import paths
from toeleiding.calibration import load_calibration
from toeleiding.codebook import load_codebook

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
