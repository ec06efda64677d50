"""Reproducible Monitor gemeentelijk beleid arbeidstoeleiding vluchtelingen (2016-2018)."""

__version__ = "0.1.0"
