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
WIDTH_IN = 6.4  # about phone width at 2x density when scaled to the screen
DPI = 150
LABEL_WIDTH = 38  # characters per line of a category label


def set_theme() -> None:
    """Apply the house style to matplotlib.

    The base is seaborn's "whitegrid" look as bundled with matplotlib: importing seaborn
    itself would add about a second to every notebook kernel for no extra effect here.
    """
    plt.style.use("seaborn-v0_8-whitegrid")
    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "axes.prop_cycle": plt.cycler(color=PALETTE),
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "toeleiding",
            "figure.dpi": 100,
        }
    )


def wrap(label: str, width: int = LABEL_WIDTH) -> str:
    """Wrap a long category label over several lines."""
    return "\n".join(textwrap.wrap(str(label), width=width)) or str(label)


def _height(n_bars: int, lines: int) -> float:
    return max(2.0, 0.5 + 0.32 * n_bars + 0.14 * lines)


def barh(table: pd.DataFrame, xlabel: str = "Percentage van de gemeenten") -> plt.Figure:
    """Horizontal bars of ``waarde`` per ``categorie``, labelled with the printed value."""
    labels = [wrap(c) for c in table["categorie"]]
    lines = sum(label.count("\n") for label in labels)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, _height(len(labels), lines)))
    y = range(len(labels))
    ax.barh(list(y), table["waarde"], color=PALETTE[0], height=0.65)
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(100.0, float(table["waarde"].max())) * 1.12)
    _intervals(ax, table, list(y))
    for yi, (v, r) in enumerate(zip(table["waarde"], table["waarde_afgerond"], strict=True)):
        right = max(v, table["ci_hoog"].iloc[yi]) if "ci_hoog" in table else v
        right = v if pd.isna(right) else right
        ax.text(right + 1.5, yi, f"{_fmt(r)}%", va="center", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def grouped_barh(table: pd.DataFrame, group: str = "jaar") -> plt.Figure:
    """Horizontal bars per ``categorie`` with one bar per ``group`` (e.g. survey year)."""
    cats = list(dict.fromkeys(table["categorie"]))
    groups = list(dict.fromkeys(table[group]))
    labels = [wrap(c) for c in cats]
    lines = sum(label.count("\n") for label in labels)
    fig, ax = plt.subplots(
        figsize=(WIDTH_IN, _height(len(cats) * max(1, len(groups) * 0.7), lines))
    )
    h = 0.8 / len(groups)
    for gi, g in enumerate(groups):
        sub = table[table[group] == g].set_index("categorie").reindex(cats)
        ys = [i + (gi - (len(groups) - 1) / 2) * h for i in range(len(cats))]
        ax.barh(ys, sub["waarde"], height=h * 0.95, color=PALETTE[gi % len(PALETTE)], label=str(g))
        _intervals(ax, sub, ys)
        his = sub["ci_hoog"] if "ci_hoog" in sub else sub["waarde"]
        for yv, v, r, hi in zip(ys, sub["waarde"], sub["waarde_afgerond"], his, strict=True):
            if pd.notna(v):
                right = v if pd.isna(hi) else max(v, hi)
                ax.text(right + 1.5, yv, f"{_fmt(r)}%", va="center", fontsize=9)
    ax.set_yticks(range(len(cats)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(100.0, float(table["waarde"].max())) * 1.12)
    ax.set_xlabel("Percentage van de gemeenten")
    ax.grid(axis="y", visible=False)
    # Above the plot, so the legend never hides a bar or its label.
    ax.legend(
        title=None, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(groups), frameon=False
    )
    fig.tight_layout()
    return fig


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
