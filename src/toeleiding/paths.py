"""The one module that knows where things live in the repository.

Stages still receive their inputs and outputs on the command line (from ``dvc.yaml``);
these defaults serve notebooks, tests and interactive use.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
CODEBOOK_DIR = DATA / "codebook"
CALIBRATION_DIR = DATA / "calibration"
RAW_DIR = DATA / "raw"
CLEAN_DIR = DATA / "clean"
PARAMS = ROOT / "params.yaml"
# Reader text that editors change without touching Python (e.g. the recommendations of the
# original publications, read by the conclusions chapter).
TEXTS_DIR = ROOT / "notebooks" / "teksten"


def codebook_path(year: int) -> Path:
    """Return the codebook file of a survey wave."""
    return CODEBOOK_DIR / f"{year}.yaml"


def calibration_path(year: int) -> Path:
    """Return the calibration file (published figures as data) of a survey wave."""
    return CALIBRATION_DIR / f"{year}.yaml"


def raw_path(year: int) -> Path:
    """Return the raw export of a survey wave."""
    return RAW_DIR / f"{year}.csv"


def clean_path(year: int) -> Path:
    """Return the cleaned, analysis-ready table of a survey wave."""
    return CLEAN_DIR / f"{year}.parquet"
