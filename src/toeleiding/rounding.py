"""Rounding as the report prints it: half up, in exact integer arithmetic.

Floating point would make 87.5 % round one way on one machine and another way after a change
in summation order; integers do not.
"""

from __future__ import annotations

import math


def percent_half_up(k: int, n: int) -> int:
    """Return ``100 * k / n`` rounded half up to a whole percentage."""
    if n <= 0:
        raise ValueError("base n must be positive")
    return (200 * k + n) // (2 * n)


def ratio_half_up(total: int | float, n: int, decimals: int = 0) -> float:
    """Return ``total / n`` rounded half up to ``decimals`` decimals.

    ``total`` is a whole number (a sum of counts or of whole-percentage estimates); a float
    total is accepted for estimates with decimals and is rounded through ``math.floor``.
    """
    if n <= 0:
        raise ValueError("base n must be positive")
    scale = 10**decimals
    if isinstance(total, int):
        scaled = (2 * total * scale + n) // (2 * n)
    else:
        scaled = math.floor(total * scale / n + 0.5)
    return scaled / scale


def count_interval(percent: int, n: int) -> tuple[int, int]:
    """Return the smallest and largest count k with ``percent_half_up(k, n) == percent``."""
    lo = max(0, -((-(2 * percent - 1) * n) // 200))  # ceil((2p - 1) n / 200)
    hi = -((-(2 * percent + 1) * n) // 200) - 1  # ceil((2p + 1) n / 200) - 1
    return lo, min(hi, n)


def sum_interval(value: float, n: int, decimals: int) -> tuple[int, int]:
    """Return the smallest and largest whole total whose mean over n rounds to ``value``."""
    scale = 10**decimals
    v = round(value * scale)
    lo = -((-(2 * v - 1) * n) // (2 * scale))
    hi = -((-(2 * v + 1) * n) // (2 * scale)) - 1
    return max(lo, 0), hi
