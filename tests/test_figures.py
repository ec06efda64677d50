"""The house style of the figures: seaborn draws them, every year has one colour, sharp PNGs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import matplotlib
import matplotlib.colors as mcolors
import nbformat
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from PIL import Image

from toeleiding import figures, items, paths
from toeleiding.items import Wave

EDITION = 2018  # the edition with the most figures and trends over three years


def _same(a, b) -> bool:
    return np.allclose(mcolors.to_rgba(a), mcolors.to_rgba(b))


def test_house_style_is_seaborns_whitegrid_theme():
    figures.set_theme()
    rc = matplotlib.rcParams
    theme = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook")}
    changed = set(figures.RC) | {"font.family"}
    differ = {k: (rc[k], v) for k, v in theme.items() if k not in changed and rc[k] != v}
    assert not differ, differ
    assert rc["font.family"] == ["DejaVu Sans"]
    assert {k: rc[k] for k in figures.RC} == figures.RC


def test_one_colour_per_year_okabe_ito_and_stable():
    allowed = set(figures.OKABE_ITO.values()) - {figures.OKABE_ITO["geel"], figures.INTERVAL_COLOUR}
    assert figures.YEAR_COLOURS == {y: figures.year_colour(y) for y in (2016, 2017, 2018)}
    for start in range(2010, 2040):
        window = [figures.year_colour(y) for y in range(start, start + 6)]
        assert len(set(window)) == 6, start  # six consecutive years never share a colour
        assert set(window) <= allowed
    # A future wave gets a colour of its own, the same every time it is asked for.
    assert figures.year_colour(2019) not in figures.YEAR_COLOURS.values()
    assert figures.year_colour(2019) == figures.year_colour(np.int64(2019)) == "#CC79A7"
    # The newest edition has the strongest colour: 2018 is Okabe-Ito blue.
    assert figures.year_colour(2018) == "#0072B2"
    assert figures.colours("jaar", [2017, 2018]) == {"2017": "#009E73", "2018": "#0072B2"}


def test_barh_needs_one_year():
    table = pd.DataFrame({"categorie": ["a"], "waarde": [10.0], "waarde_afgerond": [10]})
    with pytest.raises(ValueError, match="'jaar'"):
        figures.barh(table)


def test_an_assumed_mark_stays_with_its_label():
    assert figures.wrap("Re-integratiebedrijven *") == "Re-integratiebedrijven *"
    assert figures.wrap("Stichting voor Vluchteling-Studenten UAF *").endswith("\nUAF *")
    assert figures.wrap("Jongeren") == "Jongeren"


@pytest.fixture(scope="module")
def edition_figures(codebooks, cleaned):
    """Every figure of one edition, drawn from the cleaned data, with the calls to seaborn."""
    waves = {y: Wave(y, cleaned[y], codebooks[y]) for y in cleaned if y <= EDITION}
    calls: list[tuple[str, dict]] = []
    real = {name: getattr(sns, name) for name in ("barplot", "pointplot")}

    def spy(name):
        def call(*args, **kwargs):
            calls.append((name, kwargs))
            return real[name](*args, **kwargs)

        return call

    figures.set_theme()
    mp = pytest.MonkeyPatch()
    for name in real:
        mp.setattr(sns, name, spy(name))
    mp.setitem(matplotlib.rcParams, "figure.max_open_warning", 0)  # all are closed below
    built = []
    try:
        for item, defn in items.ITEMS.items():
            if defn.kind != "fig":
                continue
            start = len(calls)
            result = items.build(item, waves, EDITION)
            if result.figure is not None:
                built.append((item, result, calls[start:]))
    finally:
        mp.undo()
    yield built
    for _, result, _ in built:
        figures.plt.close(result.figure)


def test_every_figure_is_drawn_by_seaborn_with_the_year_palette(edition_figures):
    assert len(edition_figures) >= 20
    years_seen = set()
    for item, result, calls in edition_figures:
        bars = [kw for name, kw in calls if name == "barplot"]
        assert len(bars) == 1, item
        years = sorted(int(y) for y in result.data["jaar"].unique())
        years_seen.update(years)
        assert bars[0]["hue"] == "jaar", item
        assert bars[0]["palette"] == {str(y): figures.year_colour(y) for y in years}, item
        assert bars[0]["saturation"] == 1, item  # the colours exactly as chosen
        if result.data.get("gewogen", pd.Series(dtype=float)).notna().any():
            dots = [kw for name, kw in calls if name == "pointplot"]
            assert len(dots) == 1 and dots[0]["color"] == figures.INTERVAL_COLOUR, item
    assert years_seen == {2016, 2017, 2018}


def test_every_bar_and_dot_has_the_colour_of_its_series(edition_figures):
    """Read the drawn artists: a bar of year Y is year_colour(Y), an interval is black."""
    for item, result, _ in edition_figures:
        ax = result.figure.axes[0]
        data = result.data[result.data["eenheid"].isin(["%", "gemiddelde %"])]
        drawn = data[data["waarde"].notna()]
        years = list(dict.fromkeys(drawn["jaar"]))
        # seaborn draws one container of bars per year, in the order of the years.
        assert len(ax.containers) == len(years), item
        for year, container in zip(years, ax.containers, strict=True):
            values = drawn.loc[drawn["jaar"] == year, "waarde"].to_numpy(dtype=float)
            widths = np.array([bar.get_width() for bar in container])
            assert np.allclose(np.sort(widths), np.sort(values)), (item, year)
            for bar in container:
                assert _same(bar.get_facecolor(), figures.year_colour(year)), (item, year)
        if ax.get_legend() is not None:
            legend = ax.get_legend()
            for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True):
                if text.get_text().isdigit():  # a year; else the key to hatching, or blank
                    assert _same(handle.get_facecolor(), figures.year_colour(int(text.get_text())))
                else:
                    assert text.get_text() in (figures.BREAK_LABEL, ""), item
        # The estimate for all municipalities: black dots with black interval lines.
        n_intervals = int(drawn["gewogen"].notna().sum()) if "gewogen" in drawn else 0
        dots = [ln for ln in ax.lines if isinstance(ln, Line2D) and ln.get_marker() == "o"]
        assert sum(len(d.get_xdata()) for d in dots) == n_intervals, item
        for artist in [*dots, *ax.lines]:
            assert _same(artist.get_color(), figures.INTERVAL_COLOUR), item
        for coll in ax.collections:
            if isinstance(coll, LineCollection):
                assert all(_same(c, figures.INTERVAL_COLOUR) for c in coll.get_colors())
        if n_intervals:  # the dots sit on the weighted estimates
            xs = np.sort(np.concatenate([d.get_xdata() for d in dots]).astype(float))
            assert np.allclose(xs, np.sort(drawn["gewogen"].dropna().to_numpy(dtype=float)))


def _trend_table() -> pd.DataFrame:
    rows = []
    for year, values in {2016: (18.0, 53.0), 2017: (82.0, 12.5), 2018: (60.0, 14.0)}.items():
        for cat, v in zip(["Ja, er is beleid", "Beleid is in ontwikkeling"], values, strict=True):
            rows.append(
                {
                    "jaar": year,
                    "categorie": cat,
                    "waarde": v,
                    "waarde_afgerond": v,
                    "gewogen": v + 1,
                    "ci_laag": v - 3,
                    "ci_hoog": v + 4,
                }  # fmt: skip
            )
    return pd.DataFrame(rows)


DRAW = """
import sys
import pandas as pd
from toeleiding import figures
figures.set_theme()
table = pd.read_pickle(sys.argv[1])
figures.save(figures.grouped_barh(table), sys.argv[2])
"""


def test_png_is_twice_the_shown_size_and_byte_identical_across_processes(tmp_path):
    """Same data, same bytes, also in another interpreter with another hash seed."""
    figures.set_theme()
    table = _trend_table()
    here = figures.save(figures.grouped_barh(table), tmp_path / "here.png")
    source = tmp_path / "table.pkl"
    table.to_pickle(source)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DRAW), str(source), str(tmp_path / "there.png")],
        check=True,
        env=env,
        cwd=tmp_path,
    )
    data = here.read_bytes()
    assert data == (tmp_path / "there.png").read_bytes()
    assert b"tIME" not in data and b"Software" not in data
    with Image.open(here) as im:
        assert im.width == 2 * figures.DISPLAY_PX


def test_built_chapters_show_figures_at_half_their_pixels():
    """The executed chapters give every figure the width it is shown at: half its pixels."""
    checked = 0
    for nb_path in sorted(paths.ROOT.glob("build/*/*/*.ipynb")):
        if not nb_path.parent.name.isdigit():
            continue
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown", "")
                for path, attrs in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)\{([^}]*)\}", md):
                    assert f'width="{figures.DISPLAY_PX}"' in attrs, (nb_path, path)
                    with Image.open(nb_path.parent / path) as im:
                        assert im.width >= 2 * figures.DISPLAY_PX, (nb_path, path)
                    checked += 1
    if not checked:
        pytest.fail("no executed chapter with figures under build/: run `make repro` first")
