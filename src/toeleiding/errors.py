"""Errors shared by several modules (kept free of heavy imports for a fast command line)."""


class CalibrationError(ValueError):
    """The calibration targets cannot all be met, or the file is not well formed."""
