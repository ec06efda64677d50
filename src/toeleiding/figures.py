"""The house style of every figure: Dutch labels, percentages, a colour-blind-safe palette.

Figures are drawn with matplotlib at a width that stays readable on a phone, and saved
as PNG without timestamps or software stamps, so the same data give the same bytes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# Okabe & Ito (2008): distinguishable with every common form of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# A figure is 750 px wide (5 in at 150 dpi). A phone shows it about 340 px wide, so text of
# 13 pt (27 px in the file) still reads at about 12 px there, like the text around it.
WIDTH_IN = 5.0
DPI = 150
FONT_PT = 13
VALUE_PT = 12  # the printed value beside a bar
LABEL_WIDTH = 22  # characters per line of a category label
XLABEL_WIDTH = 30  # characters per line of the axis title, which spans the bars only
LINE_IN = FONT_PT * 1.3 / 72  # height of one line of a label, in inches
GAP_IN = 0.14  # space between two categories


def set_theme() -> None:
    """Apply the house style to matplotlib.

    The base is seaborn's "whitegrid" look as bundled with matplotlib: importing seaborn
    itself would add about a second to every notebook kernel for no extra effect here.
    """
    plt.style.use("seaborn-v0_8-whitegrid")
    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": FONT_PT,
            "axes.prop_cycle": plt.cycler(color=PALETTE),
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
    )


def wrap(label: str, width: int = LABEL_WIDTH) -> str:
    """Wrap a long category label over several lines."""
    return "\n".join(textwrap.wrap(str(label), width=width)) or str(label)


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


def _figure(labels: list[str], band_in: float) -> tuple[plt.Figure, plt.Axes, list[float], float]:
    """A figure whose y axis counts inches, as high as ``layout`` needs."""
    ys, total = layout(labels, band_in)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, total + 1.0))
    ax.set_ylim(total, 0)
    ax.set_yticks(ys, labels)
    ax.grid(axis="y", visible=False)
    return fig, ax, ys, total


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


def barh(table: pd.DataFrame, xlabel: str = "Percentage van de gemeenten") -> plt.Figure:
    """Horizontal bars of ``waarde`` per ``categorie``, labelled with the printed value."""
    labels = [wrap(c) for c in table["categorie"]]
    fig, ax, ys, total = _figure(labels, band_in=0.34)
    ax.barh(ys, table["waarde"], color=PALETTE[0], height=0.26)
    ax.set_xlim(0, max(100.0, float(table["waarde"].max())) * 1.12)
    _intervals(ax, table, ys)
    his = table["ci_hoog"] if "ci_hoog" in table else table["waarde"]
    for yi, v, r, hi in zip(ys, table["waarde"], table["waarde_afgerond"], his, strict=True):
        right = v if pd.isna(hi) else max(v, hi)
        _value(ax, right, yi, r)
    ax.set_xlabel(wrap(xlabel, XLABEL_WIDTH))
    _fit(fig, ax, total)
    return fig


def grouped_barh(table: pd.DataFrame, group: str = "jaar") -> plt.Figure:
    """Horizontal bars per ``categorie`` with one bar per ``group`` (e.g. survey year)."""
    cats = list(dict.fromkeys(table["categorie"]))
    groups = list(dict.fromkeys(table[group]))
    labels = [wrap(c) for c in cats]
    h = 0.2  # inches per bar
    fig, ax, centres, total = _figure(labels, band_in=h * len(groups))
    for gi, g in enumerate(groups):
        sub = table[table[group] == g].set_index("categorie").reindex(cats)
        ys = [c + (gi - (len(groups) - 1) / 2) * h for c in centres]
        ax.barh(ys, sub["waarde"], height=h * 0.9, color=PALETTE[gi % len(PALETTE)], label=str(g))
        _intervals(ax, sub, ys)
        his = sub["ci_hoog"] if "ci_hoog" in sub else sub["waarde"]
        for yv, v, r, hi in zip(ys, sub["waarde"], sub["waarde_afgerond"], his, strict=True):
            if pd.notna(v):
                right = v if pd.isna(hi) else max(v, hi)
                _value(ax, right, yv, r)
    ax.set_xlim(0, max(100.0, float(table["waarde"].max())) * 1.12)
    ax.set_xlabel(wrap("Percentage van de gemeenten", XLABEL_WIDTH))
    # Above the plot, right-aligned so it extends over the labels, never off the figure.
    ax.legend(
        title=None, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(groups), frameon=False
    )
    _fit(fig, ax, total)
    return fig


def _value(ax: plt.Axes, x: float, y: float, printed) -> None:
    """Print a value just right of its bar (or interval), a fixed distance in points."""
    ax.annotate(f"{_fmt(printed)}%", (x, y), xytext=(5, 0), textcoords="offset points",
                va="center", fontsize=VALUE_PT)  # fmt: skip


def _intervals(ax: plt.Axes, table: pd.DataFrame, ys: list[float]) -> None:
    """Draw the weighted estimate and its 95 % interval as a dot with a line, where known."""
    if "gewogen" not in table:
        return
    ok = table["gewogen"].notna().to_numpy()
    if not ok.any():
        return
    g = table["gewogen"].to_numpy()[ok]
    lo, hi = table["ci_laag"].to_numpy()[ok], table["ci_hoog"].to_numpy()[ok]
    y = [v for v, k in zip(ys, ok, strict=True) if k]
    ax.errorbar(g, y, xerr=[g - lo, hi - g], fmt="o", color="#000000", ms=3.5, lw=1.2,
                capsize=2.5, zorder=3)  # fmt: skip


def _fmt(value) -> str:
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")


def save(fig: plt.Figure, path: str | Path) -> Path:
    """Save a figure as PNG without metadata stamps and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The layout is already tight (tight_layout); bbox_inches="tight" would draw twice.
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return path
