"""Chapter notebooks: committed clean, executed for every edition, every published figure."""

import ast
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import nbformat
import pandas as pd
import pytest
import yaml
from test_codebook import ITEMS_2018

from toeleiding import paths
from toeleiding.calibration import targets
from toeleiding.chapter import Chapter
from toeleiding.execute import strip_run_metadata
from toeleiding.items import ITEMS
from toeleiding.metrics import headline

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
CHAPTERS = PARAMS["execute"]["chapters"]
YEARS = PARAMS["years"]
NOTEBOOKS = sorted((paths.ROOT / "notebooks").glob("*.ipynb"))
BUILD = paths.ROOT / "build"


def test_every_chapter_has_a_notebook():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(CHAPTERS)


# What may hold digits in a notebook's text: references to items and section ids.
ALLOWED = re.compile(r"\b(Figuur|Tabel|Trend) ([A-Z]\.)?\d+(\.\d+)?[a-z]?\b|\{#[^}]*\}")
KEY = re.compile(r"^[A-Za-z_][\w-]*$")  # an option key, question name or claim id


def _texts(source: str):
    """The text of a code cell: string literals, f-strings without their {...} parts."""
    tree = ast.parse(source.replace("#|", "# |"))
    inside = {id(n) for v in ast.walk(tree) if isinstance(v, ast.FormattedValue)
              for n in ast.walk(v.value)}  # fmt: skip
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside
        ):
            yield node.value


def typed_numbers(nb) -> list[str]:
    """Every digit typed into a notebook's text (Markdown, or strings outside {...})."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.metadata.get("tags", []):
            continue
        texts = [cell.source] if cell.cell_type == "markdown" else _texts(cell.source)
        for text in texts:
            if not KEY.match(text) and re.search(r"\d", ALLOWED.sub("", text)):
                problems.append(f"cell {i}: number typed in text: {text[:60]!r}")
    return problems


def test_typed_numbers_are_found():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            'ch.say(f"Gemiddeld gaven gemeenten 3,6 antwoorden en 72 procent '
            "{ch.pct('studeren_30plus', 'ja')}%.\")"
        ),
        nbformat.v4.new_markdown_cell("Zie Figuur 3.1 en Tabel 8.1 {#sec-a1}: twee derde."),
        nbformat.v4.new_code_cell('ch.show("Tabel M.1")\nch.pct("studeren_30plus", "ja")'),
        nbformat.v4.new_markdown_cell("In 2018 deed 74% mee."),
    ]
    assert [p.split(":")[0] for p in typed_numbers(nb)] == ["cell 0", "cell 3"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs_and_typed_numbers(path):
    nb = nbformat.read(path, as_version=4)
    problems = typed_numbers(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(f"cell {i} has outputs")
    assert not problems, problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_synthetic_data_are_mentioned_only_through_the_package(path):
    """Notebooks never say 'synthetic' themselves: the package says it when it is so."""
    nb = nbformat.read(path, as_version=4)
    said = [
        f"cell {i}"
        for i, cell in enumerate(nb.cells)
        if any("synthet" in t.lower() for t in
               ([cell.source] if cell.cell_type == "markdown" else _texts(cell.source)))
    ]  # fmt: skip
    assert not said, said


@pytest.mark.parametrize("synthetic", [True, False])
def test_a_real_export_is_not_called_synthetic(tmp_path, monkeypatch, synthetic):
    from toeleiding import chapter

    shown = []
    monkeypatch.setattr(chapter, "display", lambda md: shown.append(md.data))
    ch = Chapter("methode", 2018, paths.CLEAN_DIR, paths.CODEBOOK_DIR, tmp_path, synthetic)
    ch.data_origin()
    for topic in chapter.SYNTHETIC_NOTES:
        ch.synthetic_note(topic)
    text = "\n".join(shown).lower()
    assert ("synthet" in text) is synthetic
    assert "echte" in text  # the real-data explanation, or how to switch to it


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_stay_short(path):
    nb = nbformat.read(path, as_version=4)
    long = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and
            len(c.source.splitlines()) > 25]  # fmt: skip
    assert not long, long


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


def _book_items(q, year=2018):
    """The items that show a question: in 2018 its report items, else the book's own items.

    The codebooks of 2016 and 2017 name the publication a figure comes from (e.g. the
    infographic), not an item of the book.
    """
    if year == 2018 and q.items:
        return list(q.items)
    return [i for i, d in ITEMS.items() if q.harmonised in d.questions]


def published_mismatches(rows, cb, calibration, year=2018):
    """Check every published figure of a wave against the CSV rows of its own item.

    Returns the figures not found and the number checked. A figure must appear in at least
    one item of its question, and every row of those items that reports the same question,
    answer options and year must carry the printed value. Totals the report prints (87 %
    'ja' in total for Figuur 7.2, 28 % that left welfare for Figuur 8.1) are rows too.

    Not checked: the count of paid workplaces, which has no figure, and exact counts that
    only set a routing base; both are checked in tests/test_calibration.py.
    """
    rows = rows[rows["jaar"] == year]
    missing, checked = [], 0
    for t in targets(calibration):
        if t.kind == "mean_sum":  # a total of estimates: the item's row 'totaal'
            name = "+".join(cb[qid].harmonised for qid in t.question.split("+"))
            mine = rows[(rows["vraag"] == name) & (rows["optie"] == "totaal")]
            checked += 1
            if mine.empty or not (mine["waarde_afgerond"] == t.value).all():
                missing.append(t.describe())
            continue
        q = cb[t.question]
        if not t.published or q.type == "count" or t.kind not in KINDS:
            continue
        keys = {q.option(c).key for c in t.codes}
        if len(keys) > 1 and t.kind == "count":
            continue
        found = []
        for item in _book_items(q, year):
            mine = rows[(rows["item"] == item) & (rows["vraag"] == q.harmonised)]
            values = KINDS[t.kind](mine, keys)
            if values.empty:  # e.g. a trend of one wave that the chapter leaves out
                continue
            if t.kind == "mean_answers":
                values = pd.Series([_half_up(v, t.decimals) for v in values])
            found.append((values == t.value).all())
        checked += 1
        if not found or not all(found):
            missing.append(t.describe())
    return missing, checked


KINDS = {
    "n": lambda m, keys: m["basis_n"],
    "percent": lambda m, keys: m.loc[
        [set(str(o).split("+")) == keys for o in m["optie"]], "waarde_afgerond"
    ],
    "mean": lambda m, keys: m.loc[m["optie"] == "gemiddelde", "waarde_afgerond"],
    # The book prints one decimal; the report sometimes a whole number (Figuur 10.2).
    "mean_answers": lambda m, keys: m.loc[m["optie"] == "gemiddeld_aantal_antwoorden", "waarde"],
    "count": lambda m, keys: m.loc[m["optie"].isin(keys), "aantal"],
}


def test_every_published_2018_figure_is_in_the_csv_of_its_item(codebooks, calibrations):
    missing, checked = published_mismatches(_csv_rows(2018), codebooks[2018], calibrations[2018])
    assert not missing, missing
    assert checked > 150


@pytest.mark.parametrize(("year", "least"), [(2016, 23), (2017, 38)])
def test_every_published_figure_of_an_earlier_wave_is_in_its_edition(
    codebooks, calibrations, year, least
):
    """The 2016 summary, the 2017 infographic and the report's look back: each in its CSV."""
    rows = _csv_rows(year)
    missing, checked = published_mismatches(rows, codebooks[year], calibrations[year], year)
    assert not missing, missing
    assert checked >= least


def test_totals_the_report_prints_are_rows_but_no_bars(codebooks, cleaned):
    """'87 % ja' (Figuur 7.2) and '28 % uitgestroomd' (Figuur 8.1) are CSV rows, not bars."""
    from toeleiding import items

    waves = {y: items.Wave(y, cleaned[y], codebooks[y]) for y in YEARS}
    for item, optie, value in [
        ("Figuur 7.2", "ja_aanvullend+ja_regulier", 87),
        ("Figuur 8.1", "totaal", 28),
    ]:
        result = items.build(item, waves, 2018)
        total = result.data[result.data["optie"] == optie]
        assert total["waarde_afgerond"].tolist() == [value], item
        label = total["categorie"].iloc[0]
        assert label.endswith("(totaal)")
        bars = [t.get_text() for t in result.figure.axes[0].get_yticklabels()]
        assert bars and not any("totaal" in b for b in bars), (item, bars)
        assert f"{value}%; daarvoor is geen eigen staaf getekend" in result.caption
        assert "geen eigen staaf" in result.alt


def test_the_2017_edition_states_only_what_its_sources_give(codebooks):
    """No mean number of measures in 2017, the instruments and partners the infographic names."""
    rows = pd.read_csv(BUILD / "beleid" / "2017" / "data" / "tbl-aanbod.csv")
    assert set(rows["optie"]) == {"dedicated_klantmanagers", "extra_taallessen", "lagere_caseload"}
    beleid = "\n".join(_markdown("beleid", 2017))
    assert "gemiddeld gaven zij" not in beleid
    assert (
        "vrijwilligerswerk, sollicitatietrainingen, werkervaringsplekken en proefplaatsing"
        in beleid
    )
    partners = "\n".join(_markdown("samenwerking", 2017))
    assert "VluchtelingenWerk Nederland" in partners and "zonder cijfers" in partners
    # The subject is covered: the partners question of 2018 is not called 'not asked' in 2017.
    assert codebooks[2018].by_harmonised("uitvoeringspartners").text not in partners
    assert not (BUILD / "samenwerking" / "2017" / "data" / "fig-partners.csv").exists()


def test_a_wrong_value_in_one_item_is_caught(codebooks, calibrations):
    """Figuur 3.1 'Ja' changed to 61: the trend figure still says 60, which must not help."""
    rows = _csv_rows(2018)
    hit = (rows["item"] == "Figuur 3.1") & (rows["optie"] == "ja") & (rows["jaar"] == 2018)
    assert hit.sum() == 1
    rows.loc[hit, "waarde_afgerond"] = 61
    missing, _ = published_mismatches(rows, codebooks[2018], calibrations[2018])
    assert missing == ["V01 percent [1] = 60"]


def test_all_35_items_of_2018_in_their_chapter():
    problems = []
    for item in ["Tabel 1", *ITEMS_2018]:
        chapter = ITEMS[item].chapter
        built = json.loads((BUILD / chapter / "2018" / "items.json").read_text())["items"]
        frames = [pd.read_csv(p) for p in (BUILD / chapter / "2018" / "data").glob("*.csv")]
        in_csv = any((f.get("item") == item).any() for f in frames if "item" in f)
        if item not in built or not in_csv:
            problems.append(f"{item} ({chapter}): items.json {item in built}, CSV {in_csv}")
    assert len(ITEMS_2018) + 1 == 35
    assert not problems, problems


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
    text = json.dumps(nb, ensure_ascii=False)
    assert "In 2016 is naar geen van de onderwerpen van dit hoofdstuk gevraagd" in text
    nb = nbformat.read(_executed("beleid", 2016), as_version=4)
    text = json.dumps(nb, ensure_ascii=False)
    assert text.count("In 2016 is niet gevraagd naar") == 1 and "niet gesteld" not in text


def test_metrics_per_edition():
    for year in YEARS:
        values = json.loads((paths.ROOT / "metrics" / f"{year}.json").read_text())
        assert values["gemeenten"] > 200
    m18 = json.loads((paths.ROOT / "metrics" / "2018.json").read_text())
    assert m18["start_bij_vestiging_pct"] == 72 and m18["dedicated_klantmanagers_pct"] == 84
    m16 = json.loads((paths.ROOT / "metrics" / "2016.json").read_text())
    assert "dedicated_klantmanagers_pct" not in m16  # not asked in 2016: left out, not filled in
    m17 = json.loads((paths.ROOT / "metrics" / "2017.json").read_text())
    assert m17["proefplaatsing_pct"] == 73 and m17["contact_werkgevers_pct"] == 96


def test_an_indicator_is_measured_by_the_question_its_wave_asked(codebooks, cleaned):
    """A proefplaatsing is an option of Tabel 6.1 in 2018 and a question of its own in 2017."""
    m17, m18 = (headline(cleaned[y], codebooks[y]) for y in (2017, 2018))
    assert m17["proefplaatsing_pct"] == 73 and m17["contact_werkgevers_pct"] == 96
    assert m18["proefplaatsing_pct"] == 91 and "contact_werkgevers_pct" not in m18


def test_rest_up_to_100_has_an_interval(codebooks, cleaned):
    """'Niet uitgestroomd' is 100 minus the parts per municipality, with its own interval."""
    from toeleiding import items

    waves = {y: items.Wave(y, cleaned[y], codebooks[y]) for y in YEARS}
    for item in ("Figuur 8.1", "Figuur 8.2"):
        data = items.build(item, waves, 2018).data
        rest, parts = data[data["optie"] == "rest"], data[data["optie"] == "gemiddelde"]
        assert len(rest) == 1
        r = rest.iloc[0]
        assert r["ci_laag"] < r["gewogen"] < r["ci_hoog"]
        assert r["gewogen"] == pytest.approx(100 - parts["gewogen"].sum())
        total = data[data["optie"] == "totaal"]  # Figuur 8.1: the parts added up, also estimated
        for t in total.itertuples():
            assert t.ci_laag < t.gewogen < t.ci_hoog
            assert t.gewogen == pytest.approx(parts["gewogen"].sum())


def test_key_figures_carry_intervals_and_a_download():
    for year in YEARS:
        rows = pd.read_csv(BUILD / "conclusies" / str(year) / "data" / "tbl-kerncijfers.csv")
        now = rows[rows["jaar"] == year]
        metrics = json.loads((paths.ROOT / "metrics" / f"{year}.json").read_text())
        assert dict(zip(now["indicator"], now["waarde_afgerond"], strict=True)) == metrics
        shares = now[now["eenheid"].isin(["%", "gemiddelde %"])]
        assert len(shares) > 5 and shares["gewogen"].notna().all()
        assert (shares["ci_laag"] < shares["ci_hoog"]).all()
        text = json.dumps(nbformat.read(_executed("conclusies", year), as_version=4))
        assert "(data/tbl-kerncijfers.csv)" in text and "{#kerncijfers .boekitem" in text


def _markdown(chapter, year):
    nb = nbformat.read(_executed(chapter, year), as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            yield out.get("data", {}).get("text/markdown", "")


def test_executed_text_reads_as_dutch():
    """No sentence starts with a digit; labels keep their capitals; no field names or (x) (y)."""
    problems = []
    for chapter in CHAPTERS:
        for year in YEARS:
            for text in _markdown(chapter, year):
                for line in text.splitlines():
                    line = line.lstrip("*- ")
                    if line[:1].isdigit():
                        problems.append(f"{chapter} {year}: starts with a number: {line[:50]}")
                    if re.search(r"\bnederland\b|\) \(\d|\w_\w", line):
                        problems.append(f"{chapter} {year}: {line[:80]}")
    assert not problems, problems


def test_download_links_name_no_figure_number():
    """Quarto numbers the book's figures itself; a link naming the report's number would clash."""
    for chapter in CHAPTERS:
        for year in YEARS:
            for text in _markdown(chapter, year):
                for label, target in re.findall(r"\[([^\]]*)\]\((data/[^)]+)\)", text):
                    assert not re.search(r"\d", label), (chapter, year, label)
                    assert target.endswith((".csv", ".xlsx")), target


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
    assert "Bewering van de monitor, getoetst" in text and "t(" in text
