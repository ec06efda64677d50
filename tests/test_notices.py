"""Lean editions, each notice once, honest trends (issue 10, items 3, 5 and 6).

- A chapter says once, in one list, which of its questions the wave did not ask; a chapter
  with nothing asked says so in one sentence and shows no empty sections.
- Text taken from the 2018 report appears only in the 2018 edition, and no other edition
  points at "het rapport van 2018".
- The synthetic-data notice is the banner, once per page, in one wording; the explanation of
  the dot and line and the caveat on comparing waves come once per chapter; no sentence of
  eight or more words occurs twice on an assembled page.
- Where a question changed between waves, the trend hatches the bars after the break, its
  caption says what changed, and the key-figures table marks the numbers.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
import yaml

from conftest import BOOK_INPUTS, edition_pages
from toeleiding import chapter, figures, items, paths
from toeleiding.book import assemble
from toeleiding.chapter import ONCE_WORDS, SYNTHETIC_NOTES, Chapter, load_topics
from toeleiding.codebook import Option, Question, load_codebook

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
SYNTHETIC_YEARS = PARAMS["synthesize"]["years"]
CHAPTERS = PARAMS["execute"]["chapters"]
NOTEBOOKS = paths.ROOT / "notebooks"
BANNER = paths.ROOT / "book" / "_synthetisch.html"
REPORT = f"rapport van {items.REPORT_YEAR}"


# --- helpers -------------------------------------------------------------------------------------


def _chapter(slug: str, year: int, tmp_path: Path, monkeypatch) -> tuple[Chapter, list[str]]:
    """A chapter of an edition whose displayed Markdown is collected instead of shown."""
    shown: list[str] = []
    monkeypatch.setattr(chapter, "display", lambda md: shown.append(md.data))
    ch = Chapter(slug, year, paths.CLEAN_DIR, paths.CODEBOOK_DIR, tmp_path)
    return ch, shown


def _items_of(slug: str) -> list[str]:
    return [name for name, d in items.ITEMS.items() if d.chapter == slug]


def _all_questions() -> set[str]:
    names = set()
    for defn in items.ITEMS.values():
        names.update(n for group in items.questions_of(defn) for n in group)
    return names


WORD = re.compile(r"\w[\w'’-]*")
# Sentence ends: a full stop, question or exclamation mark before a space and a new sentence.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9'\"(*‘])")


def page_sentences(markdown: str) -> list[str]:
    """The sentences a reader sees on a page, normalised, from its Markdown.

    Left out: code, fences of blocks, attributes in braces (ids, alt text, widths), link
    targets, and the rows of pipe tables, which hold one answer option or indicator each
    (per-item data: 'Extra taallessen' may well head a row of two tables). Captions count.
    """
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\{[^{}\n]*\}", " ", text)  # attributes
    text = re.sub(r"\]\([^)\s]*\)", "] ", text)  # link and image targets
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("|", ":::")) or not line:
            continue
        line = re.sub(r"^(#+|[-*] |\d+\. |: |!?\[)", "", line).replace("*", "")
        line = line.replace("![", "").replace("[", "").replace("]", "")
        for sentence in SENTENCE_END.split(line):
            sentence = " ".join(sentence.split()).strip()
            if len(WORD.findall(sentence)) >= ONCE_WORDS:
                out.append(sentence)
    return out


def _banner_text() -> str:
    return re.sub(r"<[^>]+>", " ", BANNER.read_text(encoding="utf-8"))


def test_the_sentence_splitter_sees_what_a_reader_sees():
    md = (
        "# Kop {#sec-a}\n\nEen zin van precies acht woorden staat hier.\n"
        "| Een rij van een tabel met veel meer dan acht woorden erin | 3 |\n"
        '![Figuur 1: Een bijschrift met een zin van ruim acht woorden erin. Kort.](a.png){fig-alt="'
        'Een alternatieve tekst die niemand ziet en ook lang genoeg is"}\n'
        "- *Een opsomming met een zin van ruim acht woorden*\n"
    )
    assert page_sentences(md) == [
        "Een zin van precies acht woorden staat hier.",
        "Figuur 1: Een bijschrift met een zin van ruim acht woorden erin.",
        "Een opsomming met een zin van ruim acht woorden",
    ]


# --- item 3: what the wave did not ask, once ------------------------------------------------------


def test_every_question_of_an_item_has_a_topic_without_digits():
    topics = load_topics()
    missing = sorted(_all_questions() - set(topics))
    assert not missing, f"add these to notebooks/teksten/onderwerpen.yaml: {missing}"
    assert not [t for t in topics.values() if re.search(r"\d", t)]


def test_a_topics_file_with_an_empty_topic_is_refused(tmp_path):
    bad = tmp_path / "onderwerpen.yaml"
    bad.write_text("aanbod: het aanbod\nbeleid_aanvullend: ''\n", encoding="utf-8")
    with pytest.raises(ValueError, match="beleid_aanvullend"):
        load_topics(bad)


def test_a_chapter_lists_once_what_its_wave_did_not_ask(tmp_path, monkeypatch):
    ch, shown = _chapter("beleid", 2016, tmp_path, monkeypatch)
    ch.not_asked()
    ch.section("## Het aanbod {#sec-x}", "aanbod")
    for item in _items_of("beleid"):
        ch.show(item)
    ch.write_manifest()  # every item left out was listed
    text = "\n".join(shown)
    assert text.count("In 2016 is niet gevraagd naar") == 1
    listing = shown[0]
    topics = load_topics()
    for name in ("aanbod", "integrale_aanpak", "werk_voor_inburgering"):
        assert f"- {topics[name]} (wel in " in listing, name
    # Asked in 2016, so not listed; and said nowhere item by item.
    assert topics["beleid_aanvullend"] not in listing
    assert "niet gesteld" not in text and "ontbreekt" not in text and REPORT not in text
    assert "## Het aanbod" not in text  # a section about a question not asked stays out
    # The same topic for two questions is listed once.
    assert listing.count(topics["andere_groepen"]) == 1


def test_a_chapter_with_nothing_asked_says_so_in_one_sentence(tmp_path, monkeypatch):
    ch, shown = _chapter("begeleiding", 2016, tmp_path, monkeypatch)
    ch.not_asked()
    ch.section("## Begeleiding op de werkvloer {#sec-x}", "begeleiding_werkvloer")
    for item in _items_of("begeleiding"):
        ch.show(item)
    ch.write_manifest()
    assert len(shown) == 1, shown
    assert shown[0].count(".") == 1 and "\n" not in shown[0]
    assert shown[0].startswith("In 2016 is naar geen van de onderwerpen van dit hoofdstuk")


def test_an_item_left_out_without_the_list_stops_the_chapter(tmp_path, monkeypatch):
    ch, shown = _chapter("beleid", 2016, tmp_path, monkeypatch)
    ch.show("Figuur 3.3")
    assert shown == []
    with pytest.raises(ValueError, match=r"Figuur 3\.3.*ch\.not_asked\(\)"):
        ch.write_manifest()


def test_a_trend_of_one_wave_that_repeats_another_item_is_left_out(codebooks, cleaned):
    waves = {y: items.Wave(y, cleaned[y], codebooks[y]) for y in YEARS}
    # The 2016 trend of policy is Figuur 3.1 again; 2017's Figuur 3.2 repeats Tabel 3.1.
    assert items.build("Trend 3.1", waves, 2016).repeats
    assert items.build("Figuur 3.2", waves, 2017).repeats
    # With two waves it is a trend; a single wave that no other item shows stays.
    assert not items.build("Trend 3.1", waves, 2017).repeats
    assert not items.build("Figuur 4.1", waves, 2016).repeats


def _report_guarded(tree: ast.AST) -> tuple[list[str], list[str]]:
    """String literals under an ``if`` that tests ``ch.from_report``, and all others."""
    guarded, rest = [], []

    def walk(node, inside):
        if isinstance(node, ast.If):
            test = ast.unparse(node.test)
            for child in node.body:
                walk(child, inside or "ch.from_report" in test)
            for child in node.orelse:
                walk(child, inside)
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            (guarded if inside else rest).append(node.value)
        for child in ast.iter_child_nodes(node):
            walk(child, inside)

    walk(tree, False)
    return guarded, rest


# What marks text as taken from the report beyond its numbers: its interviews and the
# municipalities' explanations in it.
FROM_REPORT = re.compile(
    r"\brapport\b|oorspronkelijke monitor|interview|gesprekken voor|toelichting|"
    r"kiezen meestal bewust",
    re.I,
)


@pytest.mark.parametrize("slug", [c for c in CHAPTERS if c not in ("conclusies", "methode")])
def test_text_from_the_report_is_said_only_in_its_edition(slug):
    nb = nbformat.read(NOTEBOOKS / f"{slug}.ipynb", as_version=4)
    loose = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            loose += [cell.source] if FROM_REPORT.search(cell.source) else []
            continue
        _, rest = _report_guarded(ast.parse(cell.source.replace("#|", "# |")))
        loose += [t for t in rest if FROM_REPORT.search(t)]
    assert not loose, [t[:80] for t in loose]


def test_the_report_guard_is_recognised():
    source = (
        'if ch.asked("x") and ch.from_report:\n    ch.say("Volgens het rapport a.")\n'
        'else:\n    ch.say("In het rapport b.")\nch.say("Het rapport c.")\n'
    )
    guarded, rest = _report_guarded(ast.parse(source))
    assert guarded == ["Volgens het rapport a."]
    assert "In het rapport b." in rest and "Het rapport c." in rest


# --- item 5: each notice once ---------------------------------------------------------------------


def test_one_wording_for_synthetic_data_and_a_short_banner():
    assert not [t for t in SYNTHETIC_NOTES.values() if "synthetische data" in t.lower()]
    assert all("synthetische gegevens" in t.lower() for t in SYNTHETIC_NOTES.values())
    banner = _banner_text()
    assert "Synthetische gegevens" in banner and "data" not in banner.lower()
    # Short enough for two lines on a phone (390 px); the rest is explained on the start page.
    assert len(WORD.findall(banner)) <= 12, banner
    target = re.search(r'href="index\.html#([\w-]+)"', BANNER.read_text()).group(1)
    assert f"{{#{target} " in (paths.ROOT / "book" / "index.qmd").read_text()
    assert not hasattr(Chapter, "notice")  # the chapters repeat no notice


def test_shared_notes_come_once_per_chapter_and_never_in_a_caption(tmp_path, monkeypatch):
    ch, shown = _chapter("beleid", 2018, tmp_path, monkeypatch)
    ch.not_asked()
    said = ch.waves_note
    assert said == items.WAVES_NOTE and ch.waves_note == ""  # once, then nothing
    for item in _items_of("beleid"):
        ch.show(item)
    text = "\n".join(shown)
    assert text.count(items.INTERVAL_NOTE) == 1
    assert items.WAVES_NOTE not in text  # the text had said it already
    captions = "\n".join(s for s in shown if "boekitem" in s)
    for note in items.SHARED_NOTES:
        assert note not in captions
    # The two statements of the sources about grouped answers: said in the first caption,
    # referred to in the second.
    assert "Zie de toelichting bij @fig-" in captions


def test_the_trend_says_the_caveat_when_the_text_did_not(tmp_path, monkeypatch):
    ch, shown = _chapter("startmoment", 2018, tmp_path, monkeypatch)
    ch.show("Figuur 4.1")
    assert sum(items.WAVES_NOTE in s for s in shown) == 1
    assert ch.waves_note == ""


# --- item 6: honest trends ------------------------------------------------------------------------


def _q(name: str, text: str, keys: list[str], qtype: str = "single", **kw) -> Question:
    options = tuple(Option(i + 1, k, k.capitalize()) for i, k in enumerate(keys))
    return Question(name, name, "beleid", qtype, text, options=options, **kw)


def test_question_changes_name_what_changed():
    old = _q("beleid", "Heeft u beleid?", ["ja", "nee"])
    assert items.question_changes(old, old, (2017, 2018)) == []
    assert items.question_changes(old, _q("beleid", "Is er beleid?", ["ja", "nee"]),
                                  (2017, 2018)) == ["andere formulering"]  # fmt: skip
    more = _q("beleid", "Heeft u beleid?", ["ja", "nee", "niet_meer"])
    assert items.question_changes(old, more, (2017, 2018)) == ["optie 'Niet_meer' erbij"]
    many = _q("beleid", "Heeft u beleid?", ["ja", "a", "b", "c"])
    assert items.question_changes(old, many, (2017, 2018)) == [
        "drie opties erbij",
        "optie 'Nee' vervallen",
    ]
    partial = _q("beleid", "Heeft u beleid?", ["ja"], partial_options=True)
    assert items.question_changes(partial, old, (2017, 2018)) == [
        "niet alle antwoordopties van 2017 bekend"
    ]
    other = _q("lijst", "Wat biedt u?", ["proef", "geen"], "multi")
    assert items.question_changes(old, other, (2017, 2018)) == [
        "een optie in een lijst met meer antwoorden, in 2017 een aparte vraag"
    ]


@pytest.fixture(scope="module")
def waves(codebooks, cleaned):
    return {y: items.Wave(y, cleaned[y], codebooks[y]) for y in YEARS}


def _hatched(fig: plt.Figure) -> int:
    return sum(1 for p in fig.axes[0].patches if p.get_hatch() == figures.HATCH)


def test_a_trend_marks_a_changed_question_in_figure_and_caption(waves):
    # Policy: other wording in 2017, other wording and an extra option in 2018.
    r = items.build("Trend 3.1", waves, 2018)
    assert "Gearceerd: in 2017 andere formulering; in 2018 andere formulering" in r.caption
    assert "'Niet meer' erbij" in r.caption and items.BREAKS_NOTE in r.shared
    assert _hatched(r.figure) == 4  # two answers, in 2017 and in 2018
    labels = [t.get_text() for t in r.figure.axes[0].get_legend().get_texts()]
    assert figures.BREAK_LABEL in labels
    plt.close(r.figure)
    # The start of the trajectory was asked the same way in every wave: nothing marked.
    r = items.build("Figuur 4.1", waves, 2018)
    assert "Gearceerd" not in r.caption and items.BREAKS_NOTE not in r.shared
    assert _hatched(r.figure) == 0
    assert figures.BREAK_LABEL not in [
        t.get_text() for t in r.figure.axes[0].get_legend().get_texts()
    ]
    plt.close(r.figure)


def test_a_trend_names_the_bars_when_only_some_changed(waves):
    r = items.build("Trend 6.1", waves, 2018)
    assert "in 2018 een optie in een lijst met meer antwoorden, in 2017 een aparte vraag" in (
        r.caption
    )
    changed, _ = items.trend_breaks(r.data, waves)
    assert changed == {(2018, "Proefplaatsing mogelijk")}
    plt.close(r.figure)
    # Bars of one trend that changed beside bars that did not: the caption names them.
    policy, start = (items.build(i, waves, 2018) for i in ("Trend 3.1", "Figuur 4.1"))
    for r in (policy, start):
        plt.close(r.figure)
    changed, details = items.trend_breaks(pd.concat([policy.data, start.data]), waves)
    assert {c for _, c in changed} == {"Ja, er is beleid", "Beleid is in ontwikkeling"}
    assert "in 2018 bij 'Ja, er is beleid' en 'Beleid is in ontwikkeling' andere" in details


def test_grouped_bars_hatch_exactly_the_bars_after_a_break():
    table = pd.DataFrame(
        {
            "jaar": [2017, 2017, 2018, 2018],
            "categorie": ["A", "B", "A", "B"],
            "waarde": [10.0, 20.0, 30.0, 40.0],
            "waarde_afgerond": [10, 20, 30, 40],
        }
    )
    fig = figures.grouped_barh(table, changed={(2018, "B")})
    hatched = [p for p in fig.axes[0].patches if p.get_hatch() == figures.HATCH]
    assert [round(p.get_width()) for p in hatched] == [40]
    plt.close(fig)
    fig = figures.grouped_barh(table)
    assert _hatched(fig) == 0
    plt.close(fig)


def test_key_figures_mark_the_numbers_after_a_changed_question(waves):
    r = items.build("Kerncijfers", waves, 2018)
    t = r.table.set_index("Indicator")
    policy = t.loc["Heeft eigen beleid voor arbeidstoeleiding van statushouders"]
    mark = items.BREAK_MARK
    assert not policy["2016"].endswith(mark)
    assert policy["2017"].endswith(mark) and policy["2018"].endswith(mark)
    start = t.loc["Traject start bij vestiging in de gemeente"]
    assert not any(str(v).endswith(mark) for v in start)
    assert f"{mark} De vraag verschilt van die in de meting ervoor" in r.caption
    assert "heeft eigen beleid voor arbeidstoeleiding van statushouders" in r.caption
    # The data behind the table are the numbers alone.
    assert mark not in r.data.to_csv()


# --- the assembled editions -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    missing = [c for c in CHAPTERS for y in YEARS
               if not (paths.ROOT / "build" / c / str(y) / f"{c}.ipynb").exists()]  # fmt: skip
    if missing:
        pytest.skip(f"the chapters are not executed yet (make repro): {missing[:3]}")
    out = tmp_path_factory.mktemp("notices")
    common = dict(BOOK_INPUTS, build_dir=paths.ROOT / "build")
    return {
        y: assemble(y, YEARS, out=out / str(y), synthetic=y in SYNTHETIC_YEARS, **common)
        for y in YEARS
    }


def _question_texts() -> set[str]:
    texts = set()
    for path in sorted(paths.CODEBOOK_DIR.glob("*.yaml")):
        for q in load_codebook(path).questions:
            texts.add(" ".join(q.text.split()))
    return texts


def test_no_sentence_of_eight_words_twice_on_a_page(editions):
    """Every page as the reader sees it, the banner on top included.

    Not checked: the questionnaire appendix, which is the codebook question by question (the
    same kind of question, the same option under two questions), and a question's own
    wording quoted twice (it is the question's, not the book's).
    """
    questions = _question_texts()
    repeated = []
    for year, src in editions.items():
        banner = _banner_text() if year in SYNTHETIC_YEARS else ""
        for page, text in edition_pages(src).items():
            if page == "vragenlijst.qmd":
                continue
            counts = Counter(page_sentences(text + "\n\n" + banner))
            repeated += [f"{year} {page} x{n}: {s[:90]}" for s, n in counts.items()
                         if n > 1 and s not in questions]  # fmt: skip
    assert not repeated, repeated


def test_each_notice_once_per_page(editions):
    for year, src in editions.items():
        cfg = yaml.safe_load((src / "_quarto.yml").read_text())
        banner = "include-before-body" in cfg["format"]["html"]
        assert banner == (year in SYNTHETIC_YEARS)
        for page, text in edition_pages(src).items():
            where = f"{year} {page}"
            # The banner is the notice: no page adds one of its own (a callout about synthetic
            # data as such; one on what tests mean on them explains a method), nor says "data".
            assert not re.search(r"callout[^}]*title=['\"](De cijfers komen uit )?synthetisch",
                                 text, re.I), where  # fmt: skip
            assert "synthetische data" not in text.lower(), where
            assert text.count(items.INTERVAL_NOTE) <= 1, where
            assert text.count(items.WAVES_NOTE) <= 1, where
            for caption in re.findall(r"^!\[(.*)\]\(", text, re.M) + re.findall(
                r"^: (.+)$", text, re.M
            ):
                assert items.WAVES_NOTE not in caption and items.INTERVAL_NOTE not in caption


def test_no_other_edition_points_at_the_2018_report(editions):
    """Only the assumptions log, which names its sources for every edition, may cite it."""
    found = []
    for year, src in editions.items():
        if year == items.REPORT_YEAR:
            continue
        for page, text in edition_pages(src).items():
            if page != "aannames.qmd" and REPORT in text:
                found.append(f"{year} {page}")
    assert not found, found


def test_no_empty_sections(editions):
    """A heading is followed by text, a figure or a table before the next heading."""
    empty = []
    for year, src in editions.items():
        for page, text in edition_pages(src).items():
            heads = list(re.finditer(r"^(#{1,6}) .*$", text, re.M))
            for a, b in zip(heads, [*heads[1:], None], strict=True):
                body = text[a.end() : b.start() if b else len(text)]
                deeper = b is not None and len(b.group(1)) > len(a.group(1))
                if not deeper and not re.sub(r"[:\s]", "", body):
                    empty.append(f"{year} {page}: {a.group(0)[:60]}")
    assert not empty, empty


def test_report_sentences_stay_in_the_report_edition(editions):
    """What the notebooks say only in the report's edition appears in no other edition."""
    quoted = []
    for slug in CHAPTERS:
        nb = nbformat.read(NOTEBOOKS / f"{slug}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                guarded, _ = _report_guarded(ast.parse(cell.source.replace("#|", "# |")))
                quoted += [(slug, s) for t in guarded for s in page_sentences(t)]
    assert len(quoted) > 20
    leaked = []
    for year, src in editions.items():
        pages = edition_pages(src)
        for slug, sentence in quoted:
            if year != items.REPORT_YEAR and sentence in pages[f"{slug}.ipynb"]:
                leaked.append(f"{year} {slug}: {sentence[:70]}")
    assert not leaked, leaked
    assert (
        "De overige gemeenten kiezen meestal bewust"
        in edition_pages(editions[2018])["beleid.ipynb"]
    )
