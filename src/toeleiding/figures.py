"""The house style of every figure: seaborn's theme, Dutch labels, one colour per survey year.

Figures are drawn with seaborn (``sns.barplot`` for the bars, ``sns.pointplot`` for the
estimate for all municipalities with its interval) on seaborn's "whitegrid" theme, at a width
that stays readable on a phone. They are saved as PNG at twice the size they are shown, so
they stay sharp on high-density screens, and without timestamps or software stamps, so the
same data give the same bytes.

Importing seaborn costs a notebook kernel about 0.7 s more at start-up (mostly ``scipy.stats``,
which seaborn imports); the design asks for seaborn, and every chapter draws figures.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import MultipleLocator  # noqa: E402

# --- colours -----------------------------------------------------------------------------------
# Okabe & Ito (2008): distinguishable with every common form of colour blindness.
OKABE_ITO = {
    "oranje": "#E69F00",
    "hemelsblauw": "#56B4E9",
    "blauwgroen": "#009E73",
    "geel": "#F0E442",
    "blauw": "#0072B2",
    "vermiljoen": "#D55E00",
    "roodpaars": "#CC79A7",
    "zwart": "#000000",
}
# Every survey year has one colour, in every figure of every edition. The years of the
# monitor go from light to dark, so the newest edition has the strongest colour and the years
# stay apart in grey print too; later years continue the cycle, so 2019 is reddish purple.
# Yellow is left out (it does not stand out against white), black is the interval's.
FIRST_YEAR = 2016
YEAR_CYCLE = ("oranje", "blauwgroen", "blauw", "roodpaars", "vermiljoen", "hemelsblauw")
# Series that are not a year: the estimate for all municipalities with its interval, and the
# groups of a figure grouped by something else than the year, in this order.
INTERVAL_COLOUR = OKABE_ITO["zwart"]
GROUP_COLOURS = tuple(OKABE_ITO[k] for k in ("blauw", "oranje", "blauwgroen", "roodpaars"))
# A bar after a break in its question (other wording or options than the wave before) is
# hatched in white over its colour; the legend names the hatching.
HATCH = "///"
BREAK_COLOUR = "#FFFFFF"
BREAK_KEY = "#767676"  # the legend's sample: grey (no year's colour), hatched the same way
BREAK_LABEL = "vraag gewijzigd"


def year_colour(year: int) -> str:
    """The colour of a survey year, the same in every figure and every edition.

    Parameters
    ----------
    year
        The survey year, e.g. 2018. Years the monitor does not have yet get a colour too, from
        the same cycle, so six consecutive years never share one.

    Returns
    -------
    str
        A hex colour from the Okabe–Ito palette.
    """
    return OKABE_ITO[YEAR_CYCLE[(int(year) - FIRST_YEAR) % len(YEAR_CYCLE)]]


YEAR_COLOURS = {year: year_colour(year) for year in (2016, 2017, 2018)}

# --- sizes -------------------------------------------------------------------------------------
# A figure is shown 750 px wide (5 in at 150 px per inch; the page caps it at the width of the
# text). A phone shows it about 340 px wide, so text of 13 pt (27 px at 750) still reads at
# about 12 px there, like the text around it. The file has twice as many pixels, so a screen
# with two or three device pixels per CSS pixel still shows it sharp.
WIDTH_IN = 5.0
DISPLAY_DPI = 150
DISPLAY_PX = int(WIDTH_IN * DISPLAY_DPI)
DPI = 2 * DISPLAY_DPI
FONT_PT = 13
VALUE_PT = 12  # the printed value beside a bar
LABEL_WIDTH = 22  # characters per line of a category label
XLABEL_WIDTH = 30  # characters per line of the axis title, which spans the bars only
LINE_IN = FONT_PT * 1.3 / 72  # height of one line of a label, in inches
GAP_IN = 0.14  # space between two categories
BAR_IN = 0.26  # height of a bar of a figure with one year
GROUP_BAR_IN = 0.2  # room for one bar of a figure with several years (the bar fills 90 %)
CAP_IN = 0.08  # width of the caps of an interval

# Changes to seaborn's theme: our sizes, no frame at the top and right, fixed SVG ids.
RC = {
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT,
    "axes.labelsize": VALUE_PT,
    "xtick.labelsize": VALUE_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": VALUE_PT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "toeleiding",
    "figure.dpi": 100,
}


def set_theme() -> None:
    """Apply the house style: seaborn's "whitegrid" theme with the changes in ``RC``."""
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=list(GROUP_COLOURS),
        font="DejaVu Sans",
        rc=RC,
    )


def wrap(label: str, width: int = LABEL_WIDTH) -> str:
    """Wrap a long category label over several lines.

    A trailing " *" (an assumed share) stays on the last line instead of taking a line alone.
    """
    text = str(label)
    mark = " *" if text.endswith(" *") else ""
    lines = textwrap.wrap(text.removesuffix(mark), width=width) or [text.removesuffix(mark)]
    lines[-1] += mark
    return "\n".join(lines)


def layout(labels: list[str], band_in: float) -> tuple[list[float], float]:
    """Place categories top to bottom, each as high as its wrapped label or its bars.

    Parameters
    ----------
    labels
        The wrapped labels.
    band_in
        Height in inches that the bars of one category need.

    Returns
    -------
    tuple
        The centre of every category and the total height, in inches from the top of the plot.
    """
    centres, top = [], 0.0
    for label in labels:
        height = max(band_in, (label.count("\n") + 1) * LINE_IN) + GAP_IN
        centres.append(top + height / 2)
        top += height
    return centres, top


def colours(group: str, levels: list) -> dict[str, str]:
    """The colour of every level of a grouping, keyed by the level as text.

    Years (``group == "jaar"``) get ``year_colour``; any other grouping gets
    ``GROUP_COLOURS`` in the order of its levels.
    """
    if group == "jaar":
        return {str(g): year_colour(int(g)) for g in levels}
    return {str(g): GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(levels)}


def _figure(labels: list[str], band_in: float) -> tuple[plt.Figure, plt.Axes, list[float], float]:
    """A figure whose y axis counts inches, as high as ``layout`` needs."""
    ys, total = layout(labels, band_in)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, total + 1.0))
    return fig, ax, ys, total


def _native_width(positions) -> float:
    """The unit seaborn scales ``width`` and ``capsize`` by on a numeric axis.

    With ``native_scale=True`` seaborn takes the smallest distance between two positions
    (or 1 for a single one); dividing a size in inches by it gives the size to pass.
    """
    unique = np.unique(np.asarray(positions, dtype=float))
    return float(np.diff(unique).min()) if len(unique) > 1 else 1.0


def _draw(ax: plt.Axes, table: pd.DataFrame, ys: list[float], group: str, bar_in: float) -> None:
    """Bars of ``waarde`` at the positions ``ys``, coloured by ``group``, and their intervals.

    Every bar has its own position on a numeric y axis (``native_scale``), so each category
    keeps the room ``layout`` gave it, however many lines its label has.
    """
    levels = list(dict.fromkeys(table[group]))
    data = pd.DataFrame(
        {"y": ys, "waarde": table["waarde"].to_numpy(dtype=float), group: table[group].astype(str)}
    )
    data = data[data["waarde"].notna()]
    sns.barplot(
        data=data,
        x="waarde",
        y="y",
        hue=group,
        hue_order=[str(g) for g in levels],
        palette=colours(group, levels),
        saturation=1,  # the colours exactly as chosen
        orient="y",
        native_scale=True,
        width=bar_in / _native_width(data["y"]),
        dodge=False,
        errorbar=None,
        legend=False,  # a figure of several years gets its own legend (``grouped_barh``)
        ax=ax,
    )
    _intervals(ax, table, ys)


def _intervals(ax: plt.Axes, table: pd.DataFrame, ys: list[float]) -> None:
    """Draw the estimate for all municipalities and its 95 % interval as a dot with a line.

    ``sns.pointplot`` draws an estimate and an interval from the values it is given: each
    point gets three values (low, estimate, high), so their median is the estimate and their
    full range (the 100 % percentile interval) is the interval.
    """
    cols = ["gewogen", "ci_laag", "ci_hoog"]
    if not set(cols) <= set(table):
        return
    ok = table[cols].notna().all(axis=1).to_numpy()
    if not ok.any():
        return
    g = table["gewogen"].to_numpy(dtype=float)[ok]
    lo = np.minimum(table["ci_laag"].to_numpy(dtype=float)[ok], g)
    hi = np.maximum(table["ci_hoog"].to_numpy(dtype=float)[ok], g)
    y = np.asarray(ys, dtype=float)[ok]
    points = pd.DataFrame({"y": np.tile(y, 3), "x": np.concatenate([lo, g, hi])})
    sns.pointplot(
        data=points,
        x="x",
        y="y",
        orient="y",
        native_scale=True,
        estimator="median",
        errorbar=("pi", 100),
        color=INTERVAL_COLOUR,
        marker="o",
        markersize=3.5,
        linestyle="none",
        linewidth=1.2,
        capsize=CAP_IN / _native_width(y),
        zorder=3,
        legend=False,
        ax=ax,
    )


def _finish(fig: plt.Figure, ax: plt.Axes, table: pd.DataFrame, labels: list[str],
            centres: list[float], total: float, xlabel: str) -> None:  # fmt: skip
    """Axes, category labels and the size of the figure, after seaborn has drawn."""
    ax.set_ylim(total, 0)
    ax.set_yticks(centres, labels)
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, max(100.0, float(table["waarde"].max())) * 1.12)
    # The same grid in every figure, however wide its plot area turns out.
    ax.xaxis.set_major_locator(MultipleLocator(25))
    ax.set_xlabel(wrap(xlabel, XLABEL_WIDTH))
    _fit(fig, ax, total)


def _fit(fig: plt.Figure, ax: plt.Axes, total: float) -> None:
    """Lay out the figure, then size it so that the plot area is ``total`` inches high.

    One unit on the y axis is then one inch, so labels and bars keep the room ``layout``
    gave them whatever the margins (ticks, axis label, legend) turn out to be.
    """
    fig.tight_layout()
    for _ in range(2):
        have = ax.get_position().height * fig.get_figheight()
        fig.set_figheight(fig.get_figheight() + total - have)
        fig.tight_layout()


def _one_year(table: pd.DataFrame) -> int:
    years = table["jaar"].dropna().unique() if "jaar" in table else []
    if len(years) != 1:
        raise ValueError(
            "figures.barh: the table needs a column 'jaar' with one survey year, to colour the "
            f"bars by; found {sorted(years) if len(years) else 'none'}"
        )
    return int(years[0])


def barh(table: pd.DataFrame, xlabel: str = "Percentage van de gemeenten") -> plt.Figure:
    """Horizontal bars of ``waarde`` per ``categorie``, labelled with the printed value.

    The bars have the colour of the table's survey year (column ``jaar``, one year).
    """
    _one_year(table)
    labels = [wrap(c) for c in table["categorie"]]
    fig, ax, ys, total = _figure(labels, band_in=BAR_IN + 0.08)  # 0.08 in: air between bars
    _draw(ax, table, ys, "jaar", BAR_IN)
    his = table["ci_hoog"] if "ci_hoog" in table else table["waarde"]
    for yi, v, r, hi in zip(ys, table["waarde"], table["waarde_afgerond"], his, strict=True):
        right = v if pd.isna(hi) else max(v, hi)
        _value(ax, right, yi, r)
    _finish(fig, ax, table, labels, ys, total, xlabel)
    return fig


def grouped_barh(
    table: pd.DataFrame, group: str = "jaar", changed: Collection[tuple] = ()
) -> plt.Figure:
    """Horizontal bars per ``categorie`` with one bar per ``group`` (e.g. survey year).

    ``changed`` holds the (group, categorie) pairs whose question differs from the one before
    (a break in a trend): their bars are hatched, and the legend says what hatching means.
    """
    cats = list(dict.fromkeys(table["categorie"]))
    groups = list(dict.fromkeys(table[group]))
    labels = [wrap(c) for c in cats]
    h = GROUP_BAR_IN
    fig, ax, centres, total = _figure(labels, band_in=h * len(groups))
    # One row per category and group, in a fixed order, each at its own position.
    full = pd.MultiIndex.from_product([groups, cats], names=[group, "categorie"])
    rows = table.set_index([group, "categorie"]).reindex(full).reset_index()
    where = {c: centres[i] for i, c in enumerate(cats)}
    step = {g: (gi - (len(groups) - 1) / 2) * h for gi, g in enumerate(groups)}
    ys = [where[c] + step[g] for g, c in zip(rows[group], rows["categorie"], strict=True)]
    _draw(ax, rows, ys, group, 0.9 * h)
    breaks = [
        (yv, v)
        for yv, v, g, c in zip(ys, rows["waarde"], rows[group], rows["categorie"], strict=True)
        if (g, c) in set(changed) and pd.notna(v)
    ]
    _hatch(ax, breaks, 0.9 * h)
    his = rows["ci_hoog"] if "ci_hoog" in rows else rows["waarde"]
    for yv, v, r, hi in zip(ys, rows["waarde"], rows["waarde_afgerond"], his, strict=True):
        if pd.notna(v):
            right = v if pd.isna(hi) else max(v, hi)
            _value(ax, right, yv, r)
    # Above the plot, right-aligned so it extends over the labels, never off the figure.
    # Built from the same palette as the bars (cheaper than seaborn's legend plus move_legend).
    handles = [Patch(color=c, label=g) for g, c in colours(group, groups).items()]
    if breaks:
        # A second row under the years, with the hatching first: the legend fills column by
        # column, so every year is followed by that row's cell (empty after the first).
        key = Patch(facecolor=BREAK_KEY, edgecolor=BREAK_COLOUR, hatch=HATCH, linewidth=0,
                    label=BREAK_LABEL)  # fmt: skip
        below = [key] + [Patch(visible=False, label="")] * (len(handles) - 1)
        handles = [h for pair in zip(handles, below, strict=True) for h in pair]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(groups),
              frameon=False)  # fmt: skip
    _finish(fig, ax, table, labels, centres, total, "Percentage van de gemeenten")
    return fig


def _hatch(ax: plt.Axes, bars: list[tuple[float, float]], height: float) -> None:
    """Hatch bars (position, value) drawn already: a break in the question before them.

    The hatching lies over the bar in the bar's own position and length, below the interval;
    it is a patch of its own, not a bar, so the bars of each year stay one container.
    """
    for y, value in bars:
        ax.add_patch(Rectangle((0, y - height / 2), value, height, facecolor="none",
                               edgecolor=BREAK_COLOUR, hatch=HATCH, linewidth=0,
                               zorder=2.5))  # fmt: skip


def _value(ax: plt.Axes, x: float, y: float, printed) -> None:
    """Print a value just right of its bar (or interval), a fixed distance in points."""
    ax.annotate(f"{_fmt(printed)}%", (x, y), xytext=(5, 0), textcoords="offset points",
                va="center", fontsize=VALUE_PT)  # fmt: skip


def _fmt(value) -> str:
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")


def save(fig: plt.Figure, path: str | Path) -> Path:
    """Save a figure as PNG at ``DPI`` (twice the shown size), without stamps, and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The layout is already tight (tight_layout); bbox_inches="tight" would draw twice.
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return path
