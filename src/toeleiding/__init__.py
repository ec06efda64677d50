"""Reproducible Monitor gemeentelijk beleid arbeidstoeleiding vluchtelingen (2016-2018)."""


def __getattr__(name: str):
    """``toeleiding.__version__``: the version in ``pyproject.toml``, the one place it lives."""
    if name == "__version__":
        from .paths import ROOT
        from .releases import project_version

        return project_version(ROOT)
    raise AttributeError(f"module 'toeleiding' has no attribute {name!r}")
