"""Tables and numbers as a Dutch reader scans them: Markdown pipe tables and Dutch notation.

Every table of the book goes through ``pipe_table``: the label column left-aligned, number
columns right-aligned, and column widths that follow the content, so a long label gets the
room and a column of short numbers does not. Numbers are written by ``nl_number`` (decimal
comma, no thousands separator below 10 000) and intervals by ``nl_interval`` ("45–62").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# Pandoc takes relative column widths from the dashes of the separator line once a line of the
# table is longer than 72 characters; these bounds keep a long label from squeezing the rest.
TEXT_WIDTH = (12, 60)
NUMBER_WIDTH = (4, 14)
NARROW_NBSP = "\u202f"  # groups the thousands of numbers from 10 000 on
DASH = "–"  # en dash: intervals and "not asked"


def nl_number(value, decimals: int | None = None) -> str:
    """A number in Dutch notation: ``59,9``; whole numbers without decimals by default.

    Parameters
    ----------
    value
        The number (int, float or a numeric string); missing values give an en dash.
    decimals
        Fixed number of decimals; ``None`` gives a whole number as it is and anything else
        with one decimal (the report's notation).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    v = float(value)
    if math.isnan(v):
        return DASH
    if decimals is None:
        decimals = 0 if v.is_integer() else 1
    text = f"{v:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # no "-0"
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    if len(digits) > 4:
        groups = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        digits = NARROW_NBSP.join(groups)
    return sign + digits + ("," + frac if frac else "")


def nl_interval(low, high, decimals: int = 0) -> str:
    """An interval in Dutch notation with an en dash: ``45–62``."""
    return f"{nl_number(low, decimals)}{DASH}{nl_number(high, decimals)}"


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _width(header: str, cells: list[str], align: str) -> int:
    low, high = TEXT_WIDTH if align == "l" else NUMBER_WIDTH
    longest_word = max((len(w) for w in header.split()), default=0)
    content = max([longest_word, *(len(c) for c in cells)])
    return max(low, min(high, content))


def pipe_table(header: Sequence[str], rows: Sequence[Sequence], align: str) -> str:
    """A Markdown pipe table with explicit alignment and widths that follow the content.

    Parameters
    ----------
    header
        Column headers; they say what the numbers are, e.g. "Aandeel (%)".
    rows
        The cells, already formatted (``nl_number``); ``|`` in a cell is escaped.
    align
        One letter per column: ``l`` (text, left) or ``r`` (numbers, right).

    Returns
    -------
    str
        The table without caption; cells are written unpadded (``| a | b |``).
    """
    if len(align) != len(header) or set(align) - {"l", "r"}:
        raise ValueError(f"alignment {align!r} does not fit the {len(header)} columns {header}")
    cells = [[_cell(c) for c in row] for row in rows]
    for i, row in enumerate(cells):
        if len(row) != len(header):
            raise ValueError(f"row {i + 1} has {len(row)} cells, the header {len(header)}")
    heads = [_cell(h) for h in header]
    sep = []
    for j, (head, a) in enumerate(zip(heads, align, strict=True)):
        dashes = "-" * _width(head, [row[j] for row in cells], a)
        sep.append(":" + dashes if a == "l" else dashes + ":")
    lines = ["| " + " | ".join(heads) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)
