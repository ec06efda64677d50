"""Chapter notebooks: committed clean, executed for every edition, every published figure."""

import ast
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import nbformat
import pandas as pd
import pytest
import yaml

from toeleiding import paths
from toeleiding.calibration import targets
from toeleiding.execute import strip_run_metadata

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
CHAPTERS = PARAMS["execute"]["chapters"]
YEARS = PARAMS["years"]
NOTEBOOKS = sorted((paths.ROOT / "notebooks").glob("*.ipynb"))
BUILD = paths.ROOT / "build"


def test_every_chapter_has_a_notebook():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(CHAPTERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs_and_typed_numbers(path):
    nb = nbformat.read(path, as_version=4)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            if cell.outputs or cell.execution_count is not None:
                problems.append(f"cell {i} has outputs")
            for node in ast.walk(ast.parse(cell.source.replace("#|", "# |"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if re.search(r"\d+\s*%|\b(19|20)\d\d\b", node.value):
                        problems.append(f"cell {i}: number typed in text: {node.value[:60]!r}")
        elif cell.cell_type == "markdown" and re.search(r"\d", cell.source):
            problems.append(f"cell {i}: digits in Markdown: {cell.source[:60]!r}")
    assert not problems, problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_structure(path):
    """A parameters cell with scalars only, then one hidden setup cell."""
    nb = nbformat.read(path, as_version=4)
    params, setup = nb.cells[0], nb.cells[1]
    assert "parameters" in params.metadata.get("tags", [])
    for stmt in ast.parse(params.source).body:
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant), stmt
    assert setup.source.startswith("#| include: false")
    assert "from toeleiding" in setup.source
    assert nb.metadata["kernelspec"]["name"] == "toeleiding"


def _executed(chapter, year):
    return BUILD / chapter / str(year) / f"{chapter}.ipynb"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_executed_for_every_edition_without_errors(chapter):
    for year in YEARS:
        nb = nbformat.read(_executed(chapter, year), as_version=4)
        assert nb.metadata["papermill"]["parameters"]["year"] == year
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                assert out.output_type != "error", (chapter, year, out.get("evalue"))
                assert not (out.output_type == "stream" and out.name == "stderr"), (
                    chapter,
                    year,
                    out.text[:200],
                )


def test_executed_notebooks_carry_no_run_stamps():
    nb = nbformat.read(_executed("beleid", YEARS[-1]), as_version=4)
    text = json.dumps(nb)
    assert "start_time" not in text and "duration" not in text
    assert str(paths.ROOT) not in text
    assert strip_run_metadata(nb) == nb


def _half_up(value, decimals):
    return float(Decimal(str(value)).quantize(Decimal(10) ** -decimals, rounding=ROUND_HALF_UP))


def _csv_rows(year):
    frames = [pd.read_csv(p) for p in BUILD.glob(f"*/{year}/data/*.csv")]
    return pd.concat(frames, ignore_index=True)


def test_every_published_2018_figure_is_in_the_csv_downloads(codebooks, calibrations):
    """Each printed percentage, mean and base n of 2018 appears with its printed value.

    Not checked here: group shares that the report only gives in its text for a non-Likert
    question (e.g. 87 % 'ja' in total for Figuur 7.2), and the count of paid workplaces,
    which has no figure; both are checked in tests/test_calibration.py.
    """

    def q_is_count(cb, qid):
        return cb[qid].type == "count"

    rows = _csv_rows(2018)
    rows = rows[rows["jaar"] == 2018]
    cb = codebooks[2018]
    missing, checked = [], 0
    for t in targets(calibrations[2018]):
        if not t.published or q_is_count(codebooks[2018], t.question):
            continue
        q = cb[t.question]
        mine = rows[rows["vraag"] == q.harmonised]
        if t.kind == "n":
            ok = not mine.empty and (mine["basis_n"] == t.value).any()
        elif t.kind == "percent":
            keys = {q.option(c).key for c in t.codes}
            if len(keys) > 1 and q.type != "likert5":
                continue
            match = mine[[set(str(o).split("+")) == keys for o in mine["optie"]]]
            ok = (match["waarde_afgerond"] == t.value).any()
        elif t.kind == "mean":
            ok = ((mine["eenheid"] == "gemiddelde %") & (mine["waarde_afgerond"] == t.value)).any()
        elif t.kind == "mean_answers":
            # The book prints one decimal; the report sometimes a whole number (Figuur 10.2).
            match = mine[mine["optie"] == "gemiddeld_aantal_antwoorden"]
            ok = any(_half_up(v, t.decimals) == t.value for v in match["waarde"])
        elif t.kind == "count":
            keys = {q.option(c).key for c in t.codes}
            if len(keys) > 1:
                continue
            ok = (mine[mine["optie"] == next(iter(keys))]["aantal"] == t.value).any()
        else:
            continue
        checked += 1
        if not ok:
            missing.append(t.describe())
    assert not missing, missing
    assert checked > 150


def test_tabel_1_in_the_method_chapter():
    rows = pd.read_csv(BUILD / "methode" / "2018" / "data" / "tbl-respons.csv")
    got = dict(zip(rows["optie"], zip(rows["aantal"], rows["basis_n"], strict=True), strict=True))
    assert got == {"G4": (4, 4), "G40": (39, 40), "overig": (239, 336), "totaal": (282, 380)}


def test_trends_use_earlier_waves():
    start = pd.read_csv(BUILD / "startmoment" / "2018" / "data" / "fig-startmoment.csv")
    vestiging = start[start["optie"] == "vestiging"].set_index("jaar")["waarde_afgerond"]
    assert vestiging.to_dict() == {2016: 37, 2017: 62, 2018: 72}
    zicht = pd.read_csv(BUILD / "startmoment" / "2018" / "data" / "fig-zicht.csv")
    eens = zicht[zicht["optie"] == "eens+helemaal_eens"].set_index("jaar")["waarde_afgerond"]
    assert eens.to_dict() == {2016: 16, 2017: 24, 2018: 48}
    routes = pd.read_csv(BUILD / "resultaten" / "2018" / "data" / "tbl-integratieroutes.csv")
    assert sorted(routes["jaar"].unique()) == [2017, 2018]


def test_earlier_editions_say_what_was_not_asked():
    nb = nbformat.read(_executed("onderwijs", 2016), as_version=4)
    text = json.dumps(nb)
    assert "niet gesteld" in text


def test_metrics_per_edition():
    for year in YEARS:
        values = json.loads((paths.ROOT / "metrics" / f"{year}.json").read_text())
        assert values["gemeenten"] > 200
    m18 = json.loads((paths.ROOT / "metrics" / "2018.json").read_text())
    assert m18["start_bij_vestiging_pct"] == 72 and m18["dedicated_klantmanagers_pct"] == 84
    m16 = json.loads((paths.ROOT / "metrics" / "2016.json").read_text())
    assert "dedicated_klantmanagers_pct" not in m16  # not asked in 2016: left out, not filled in


def test_intervals_in_the_downloads_of_every_edition():
    for year in YEARS:
        rows = _csv_rows(year)
        rows = rows[rows["jaar"] == year]
        assert {"gewogen", "ci_laag", "ci_hoog"} <= set(rows.columns)
        shares = rows[rows["eenheid"] == "%"].dropna(subset=["gewogen"])
        assert len(shares) > 10
        assert (shares["ci_laag"] <= shares["gewogen"] + 1e-9).all()
        assert (shares["gewogen"] <= shares["ci_hoog"] + 1e-9).all()
        assert shares["ci_laag"].min() >= 0 and shares["ci_hoog"].max() <= 100


def test_claims_are_tested_in_every_edition():
    for year in YEARS:
        tests = list(BUILD.glob(f"*/{year}/data/toets-*.csv"))
        assert tests, year
        for path in tests:
            row = pd.read_csv(path).iloc[0]
            assert 0 <= row["p"] <= 1 and row["ci_laag"] <= row["verschil"] <= row["ci_hoog"]
    verdicts = {
        p.stem: bool(pd.read_csv(p)["ondersteund"].iloc[0])
        for p in BUILD.glob("*/2018/data/toets-*.csv")
    }
    assert verdicts["toets-projectbasis-trend"] is False  # reported, not forced
    assert verdicts["toets-studeren-30plus-grootte"] is True
    text = json.dumps(nbformat.read(_executed("startmoment", 2018), as_version=4))
    assert "Toets: ondersteund" in text and "t(" in text
