"""The Quarto book: checked statically everywhere, rendered where Quarto is installed."""

import csv
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from test_numbering import quarto_numbers, shown_items

from conftest import BOOK_INPUTS, edition_pages
from toeleiding import numbering, paths
from toeleiding.book import (
    QUARTO_HELP,
    BookError,
    assemble,
    book_files,
    chapter_slugs,
    colophon_qmd,
    downloads_qmd,
    edition_config,
    landing_page,
    load_template,
    render,
    render_inputs,
)

BOOK = paths.ROOT / "book"
PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
SYNTHETIC_YEARS = PARAMS["synthesize"]["years"]
COMMON = dict(BOOK_INPUTS, build_dir=paths.ROOT / "build")
INFO = {"commit": "0123456789abcdef" * 2 + "01234567", "date": "2026-01-02", "release": "0.1.0"}
FIG = re.compile(r"!\[([^\]]*)\]\(([^)]+)\)\{#(fig-[\w-]+)([^}]*)\}")
TBL = re.compile(r"^: (.+) \{#(tbl-[\w-]+)\}\s*$", re.M)
ITEM_IMAGE = re.compile(r"\]\(([^)]+)\)\{([^}]*)\}\s*$")  # the image of an item's block
SEC = re.compile(r"\{#(sec-[\w-]+)([^}]*)\}")
REF = re.compile(r"(?<![\w@])@((?:[Ff]ig|[Tt]bl|[Ss]ec)-[\w-]+)")
LINK = re.compile(r"\]\((data/[^)]+)\)")
PIPE_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    return {
        y: assemble(y, YEARS, out=out / str(y), synthetic=y in SYNTHETIC_YEARS, **COMMON)
        for y in YEARS
    }


@pytest.fixture(scope="module")
def real_edition(tmp_path_factory):
    """The newest edition as if its year had left ``synthesize.years`` (a real export)."""
    out = tmp_path_factory.mktemp("real") / "src"
    return assemble(max(YEARS), YEARS, out=out, synthetic=False, **COMMON)


# --- the helpers of these tests find what they must find ----------------------------------------


def _refs(text: str) -> set[str]:
    return {r[0].lower() + r[1:] for r in REF.findall(text)}


def _sections(text: str) -> tuple[set[str], set[str]]:
    """(every section id, the ids of unnumbered sections)."""
    found = SEC.findall(text)
    unnumbered = {s for s, attrs in found if re.search(r"(^|\s)(\.unnumbered|-)(\s|$)", attrs)}
    return {s for s, _ in found}, unnumbered


def _uncaptioned_tables(text: str) -> list[str]:
    """The header line of every pipe table without a caption line (``: …``) after it."""
    lines, bad, i = text.splitlines(), [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and PIPE_SEPARATOR.match(lines[i + 1]):
            start = i
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            if i >= len(lines) or not lines[i].startswith(": "):
                bad.append(lines[start])
            continue
        i += 1
    return bad


def test_the_checks_of_this_module_see_every_form():
    text = "Zie @Fig-a, [-@tbl-b] en @Sec-c; mail@fig-x.nl telt niet."
    assert _refs(text) == {"fig-a", "tbl-b", "sec-c"}
    ids, unnumbered = _sections("# A {#sec-a .cls}\n# B {#sec-b .unnumbered}\n# C {#sec-c -}")
    assert ids == {"sec-a", "sec-b", "sec-c"} and unnumbered == {"sec-b", "sec-c"}
    table = "| a | b |\n|---|---:|\n| 1 | 2 |\n"
    assert _uncaptioned_tables(table + "\nTekst.") == ["| a | b |"]
    assert _uncaptioned_tables(table + "\n: Bijschrift {#tbl-x}") == []


# --- configuration -------------------------------------------------------------------------------


def test_template_parses_and_names_existing_files():
    cfg = load_template(BOOK)
    assert cfg["project"]["type"] == "book"
    assert cfg["lang"] == "nl"
    html = cfg["format"]["html"]
    for key in ("css", "include-before-body", "include-after-body"):
        assert (BOOK / html[key]).exists(), key
    assert "Synthetische" in (BOOK / html["include-before-body"]).read_text()
    assert "synthetisch" not in cfg["book"]["subtitle"].lower()  # added per synthetic edition
    assert sorted(chapter_slugs(cfg)) == sorted(PARAMS["execute"]["chapters"])
    order = chapter_slugs(cfg)
    assert order[:3] == ["conclusies", "methode", "beleid"]  # conclusions, method, chapters
    generated = {
        "vragenlijst.qmd",
        "methoden.qmd",
        "aannames.qmd",
        "downloads.qmd",
        "herzieningen.qmd",
        "colofon.qmd",
    }
    for f in book_files(cfg):
        if not f.endswith(".ipynb") and f not in generated:
            assert (BOOK / f).exists(), f


def test_every_edition_assembles_with_a_switcher_to_every_year(editions):
    for year, src in editions.items():
        cfg = yaml.safe_load((src / "_quarto.yml").read_text())
        assert str(year) in cfg["book"]["title"]
        menus = [e for e in cfg["book"]["navbar"]["right"] if "menu" in e]
        assert len(menus) == 1
        hrefs = {m["href"] for m in menus[0]["menu"]}
        assert hrefs == {f"../{y}/index.html" for y in YEARS}
        assert all((src / f).exists() for f in book_files(cfg))


# --- nothing loaded from another host ------------------------------------------------------------

# What makes a browser fetch from another host: an address with a scheme or "//" in a loading
# position. Links (<a href>, [text](https://…)) load nothing and are allowed.
OUTSIDE = r"""\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"""
LOADS_FROM_ELSEWHERE = [
    re.compile(rf"<(?:script|link|img|iframe|source|audio|video|track|embed|object|image|use|input)"
               rf"\b[^>]*?\b(?:src|href|xlink:href|data|srcset|poster)\s*={OUTSIDE}", re.I | re.S),
    re.compile(rf"@import(?:\s+url\()?{OUTSIDE}", re.I),  # CSS and SCSS
    re.compile(rf"\burl\({OUTSIDE}", re.I),
    re.compile(rf"!\[[^\]]*\]\(\s*<?{OUTSIDE}"),  # a Markdown image
    re.compile(rf"\{{\{{<\s*(?:video|embed|include)\b{OUTSIDE}"),  # a Quarto shortcode
]  # fmt: skip
# Configuration that makes Quarto load from another host: analytics, comments, a consent banner
# (each from its vendor), fonts of a brand from Google or Bunny, math from a CDN.
OUTSIDE_KEYS = {"google-analytics", "cookie-consent", "comments", "plausible-analytics"}
LOCAL_MATH = {"mathml", "plain"}
TEXT_FILES = {".qmd", ".md", ".ipynb", ".yml", ".yaml", ".html", ".css", ".scss", ".svg", ".js"}


def _loads_from_elsewhere(text: str) -> list[str]:
    return [m.group(0).strip() for p in LOADS_FROM_ELSEWHERE for m in p.finditer(text)]


def _outside_in_config(cfg: dict, folder: Path) -> list[str]:
    """What in a Quarto configuration loads from another host (`folder` holds its files)."""
    problems = []

    def walk(node, where=""):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in OUTSIDE_KEYS:
                    problems.append(f"{where}{key}")
                if key == "source" and value in ("google", "bunny"):
                    problems.append(f"{where}{key}: {value}")
                walk(value, f"{where}{key}.")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(cfg)
    for name, fmt in (cfg.get("format") or {}).items():
        if not isinstance(fmt, dict):
            continue
        math = fmt.get("html-math-method", "mathjax")  # Quarto's default loads MathJax from a CDN
        if (math.get("method") if isinstance(math, dict) else math) not in LOCAL_MATH:
            problems.append(f"format.{name}.html-math-method: {math}")
        theme = fmt.get("theme", "default")
        layers = [theme] if isinstance(theme, str) else list(theme or [])
        if isinstance(theme, dict):  # light and dark
            layers = [x for v in theme.values() for x in ([v] if isinstance(v, str) else v)]
        own = [folder / x for x in layers if x.endswith(".scss")]
        web_fonts_off = any(
            re.search(r"^\s*\$web-font-path\s*:\s*false\b", f.read_text(), re.M) for f in own
        )
        builtin = [x for x in layers if not x.endswith(".scss") and x != "none"]
        if builtin and not web_fonts_off:
            problems.append(f"format.{name}.theme {builtin}: no layer sets $web-font-path: false")
    return problems


def test_the_outside_url_checks_see_every_form(tmp_path):
    loads = [
        '<script src="https://cdn.example/x.js">',
        "<link rel='stylesheet' href='//fonts.googleapis.com/css2?family=X'>",
        '<img alt="a" src="http://e.org/a.png">',
        '@import url("https://fonts.googleapis.com/css2?family=X");',
        "@import 'https://e.org/a.css';",
        "src: url(https://fonts.gstatic.com/x.woff2)",
        "![Kaart](https://e.org/kaart.png)",
        '<image xlink:href="https://e.org/a.png"/>',
        "{{< video https://www.youtube.com/embed/x >}}",
    ]
    for text in loads:
        assert _loads_from_elsewhere(f"tekst {text} tekst"), text
    local = [
        '<a href="https://kis.nl/">KIS</a>',
        "[Divosa](https://www.divosa.nl)",
        '<script src="site_libs/x.js">',
        "url(fonts/x.woff2)",
        '<svg xmlns="http://www.w3.org/2000/svg"><use xlink:href="#g1"/>',
        "![Figuur](figures/fig-a.png)",
    ]
    for text in local:
        assert not _loads_from_elsewhere(text), text
    (tmp_path / "t.scss").write_text("/*-- scss:defaults --*/\n$web-font-path: false;\n")
    fine = {"format": {"html": {"theme": ["cosmo", "t.scss"], "html-math-method": "mathml"}}}
    assert _outside_in_config(fine, tmp_path) == []
    bad = {
        "website": {"google-analytics": "G-X", "comments": {"giscus": {}}},
        "brand": {"typography": {"fonts": [{"family": "Inter", "source": "google"}]}},
        "format": {"html": {"theme": "cosmo"}},
    }
    assert len(_outside_in_config(bad, tmp_path)) == 5


def test_book_and_editions_load_nothing_from_another_host(editions):
    """Template, theme, CSS, includes and every assembled page: no fonts, scripts or styles
    from elsewhere, and no setting that makes Quarto fetch them."""
    folders = {"book": BOOK, **{str(y): src for y, src in editions.items()}}
    problems = []
    for name, folder in folders.items():
        cfg = yaml.safe_load((folder / "_quarto.yml").read_text())
        problems += [f"{name}/_quarto.yml: {p}" for p in _outside_in_config(cfg, folder)]
        for f in sorted(folder.rglob("*")):
            if f.suffix in TEXT_FILES and f.is_file():
                text = f.read_text(encoding="utf-8", errors="replace")
                if f.suffix == ".ipynb":  # the cells as written, not JSON-escaped
                    text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
                problems += [f"{name}/{f.relative_to(folder)}: {hit}" for hit in
                             _loads_from_elsewhere(text)]  # fmt: skip
    assert not problems, problems[:20]


# --- chapters, labels, references and links ------------------------------------------------------


def test_chapters_are_text_only(editions):
    for src in editions.values():
        for slug in chapter_slugs(load_template(BOOK)):
            nb = nbformat.read(src / f"{slug}.ipynb", as_version=4)
            assert {c.cell_type for c in nb.cells} == {"markdown"}


def test_labels_unique_captioned_with_alt_text(editions):
    for year, src in editions.items():
        seen, problems = {}, []
        for page, text in edition_pages(src).items():
            for caption, path, label, attrs in FIG.findall(text):
                if not caption.strip():
                    problems.append(f"{page}: {label} has no caption")
                if not re.search(r'fig-alt="[^"]{20,}"', attrs):
                    problems.append(f"{page}: {label} has no alt text")
                if not (src / path).exists():
                    problems.append(f"{page}: {label} image {path} missing")
                if label in seen:
                    problems.append(f"{label} in {page} and {seen[label]}")
                seen[label] = page
            for caption, label in TBL.findall(text):
                if not caption.strip():
                    problems.append(f"{page}: {label} has no caption")
                if label in seen:
                    problems.append(f"{label} in {page} and {seen[label]}")
                seen[label] = page
            for s in numbering.shown(text):  # the items: numbered by their captions
                if not s.caption.split(": ", 1)[-1].strip() or ": " not in s.caption:
                    problems.append(f"{page}: {s.item} has no caption")
                if s.kind == "fig":
                    path, attrs = ITEM_IMAGE.search(s.body).groups()
                    if not re.search(r'fig-alt="[^"]{20,}"', attrs):
                        problems.append(f"{page}: {s.item} has no alt text")
                    if not (src / path).exists():
                        problems.append(f"{page}: {s.item} image {path} missing")
                for label in (s.slug, s.anchor):
                    if label in seen:
                        problems.append(f"{label} in {page} and {seen[label]}")
                    seen[label] = page
        assert not problems, (year, problems)
        assert len([k for k in seen if k.startswith("fig-")]) > (25 if year == 2018 else 3)


def test_every_pipe_table_has_a_caption(editions):
    for year, src in editions.items():
        bad = {
            page: t for page, text in edition_pages(src).items() if (t := _uncaptioned_tables(text))
        }
        assert not bad, (year, bad)


def test_every_reference_has_a_numbered_target(editions):
    for year, src in editions.items():
        text = "\n".join(edition_pages(src).values())
        sections, unnumbered = _sections(text)
        targets = sections | {m[2] for m in FIG.findall(text)} | {m[1] for m in TBL.findall(text)}
        refs = _refs(text)
        assert refs, year
        assert refs <= targets, (year, refs - targets)
        assert not refs & unnumbered, (year, refs & unnumbered)


def test_every_download_link_resolves(editions):
    for year, src in editions.items():
        links = set()
        for text in edition_pages(src).values():
            links |= set(LINK.findall(text))
        missing = [link for link in links if not (src / link).exists()]
        assert not missing, (year, missing)
        assert any(link.endswith(".csv") for link in links)
        assert f"data/kerncijfers-{year}.json" in links


def test_download_links_cannot_name_another_figure(editions):
    """A link under a figure names it by cross-reference or says the number is the report's."""
    link = re.compile(r"\[([^\]]*)\]\(data/[^)]+\.csv\)")
    for year, src in editions.items():
        for page, text in edition_pages(src).items():
            for words in link.findall(text):
                numbered = re.search(r"\b(Figuur|Tabel|Trend)\s+\d", words)
                assert not numbered or "rapport" in words, (year, page, words)


# --- the numbers of figures and tables (numbering) ----------------------------------------------


def _html(page: str) -> str:
    return str(Path(page).with_suffix(".html"))


def test_the_report_items_carry_the_reports_own_numbers(editions, codebooks):
    """In the edition of the report's year the reader sees the report's number on each item.

    What a reader sees is simulated with Quarto's rule (``test_numbering.quarto_numbers``):
    Quarto numbers only floats, and no item is one, so an item shows its caption's number.
    """
    from toeleiding.items import REPORT_YEAR, is_report_item

    src = editions[REPORT_YEAR]
    config = yaml.safe_load((src / "_quarto.yml").read_text())
    chapters, floats = quarto_numbers(src)
    seen = {numbering.number_in(s.caption): (page, s) for page, s in shown_items(src)}
    assert len(seen) == len(shown_items(src))  # no number twice
    cb = codebooks[REPORT_YEAR]
    report = {i for q in cb.questions for i in q.items} | {"Tabel 1"}  # T05: 10.4b
    assert {n for n in seen if is_report_item(n)} == report
    # Quarto numbers only the tables of the appendices (letters), so no number it prints can
    # be taken for one of the report's.
    assert floats and all(chapters[page].isalpha() for page, _, _ in floats), floats
    titles = {"fig": config["crossref"]["fig-title"], "tbl": config["crossref"]["tbl-title"]}
    printed = {f"{titles.get(label.split('-')[0], '?')} {n}" for _, label, n in floats}
    assert not printed & set(seen)
    for number, (page, s) in seen.items():
        if not is_report_item(number):
            continue
        # Figuur 3.x stands in chapter 3 of the book, as in the report.
        chapter = re.match(r"\w+ (\d+)\.", number)
        assert not chapter or chapters[page] == chapter[1], (number, page)
        # and shows what the report shows under that number (the codebook says which).
        data = pd.read_csv(src / "data" / f"{s.slug}.csv")
        names = {n for v in data["vraag"].astype(str) for n in v.split("+")}
        asked = [q for q in map(cb.by_harmonised, names) if q is not None]
        assert number == "Tabel 1" or asked, number
        assert all(number in q.items for q in asked), (number, [q.id for q in asked])
    assert seen["Figuur 10.4b"][1].caption.startswith(
        "Figuur 10.4b (in het rapport ook genummerd 10.4): "
    )


def test_every_csv_item_equals_the_number_in_its_caption(editions):
    for year, src in editions.items():
        by_slug = {s.slug: s for _, s in shown_items(src)}
        checked = 0
        for path in sorted((src / "data").glob("*.csv")):
            data = pd.read_csv(path, dtype=str, keep_default_na=False)
            if "item" not in data:
                assert "bewering" in data, path.name  # a test of a claim, not an item
                continue
            s = by_slug[path.stem]
            assert set(data["item"]) == {numbering.number_in(s.caption)} == {s.item}, path.name
            checked += 1
        assert checked == len(by_slug) > 3, year  # and every item has its CSV


def test_an_item_has_the_same_number_in_every_edition(editions):
    first: dict[str, tuple[str, str]] = {}
    for year, src in editions.items():
        for _, s in shown_items(src):
            assert s.anchor == numbering.anchor(s.item), (year, s.item)
            assert numbering.number_in(s.caption) == s.item, (year, s.caption)
            assert first.setdefault(s.slug, (s.item, s.anchor)) == (s.item, s.anchor), year
    assert len(first) > 30


def test_references_to_items_name_their_number_and_link_to_them(editions):
    # A link's text holds no bracket: a link inside a caption is matched alone, not from the
    # image's opening bracket on.
    link = re.compile(r"\[([^\[\]]+)\]\(([\w-]+\.html)?#([a-z][\w-]*)\)")
    for year, src in editions.items():
        where = {s.anchor: (_html(page), s) for page, s in shown_items(src)}
        slugs = {s.slug for _, s in where.values()}
        linked = 0
        for page, text in edition_pages(src).items():
            assert not _refs(text) & slugs, (year, page)  # Quarto would not find these
            for name, target, anchor in link.findall(text):
                if anchor not in where:
                    continue
                assert (target or _html(page)) == where[anchor][0], (year, page, anchor)
                item = where[anchor][1].item
                assert name in (item, item[0].lower() + item[1:], item.split(" ", 1)[-1])
                linked += 1
        assert linked >= len(slugs), year  # the downloads appendix links every item


# --- generated appendices ------------------------------------------------------------------------


def _downloads_table(src: Path) -> list[list[str]]:
    rows = [
        [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in (src / "downloads.qmd").read_text().splitlines()
        if line.startswith("| ") and not line.startswith("| Figuur, tabel of toets")
    ]
    return rows


def test_downloads_appendix_lists_every_file_once_with_its_label(editions):
    for year, src in editions.items():
        rows = _downloads_table(src)
        # Files per row: the CSV (and JSON) for software, the workbook for Excel.
        files = [re.findall(r"\(data/([^)]+)\)", r[1] + r[2]) for r in rows]
        zipped = re.findall(r"\(data/([^)]+\.zip)\)", (src / "downloads.qmd").read_text())
        published = sorted(p.name for p in (src / "data").iterdir())
        assert sorted(sum(files, zipped)) == published, year  # every download, each once
        # An item's row links to its block by the number in its caption (``numbering``).
        shown = {(page.replace(".ipynb", ".html").replace(".qmd", ".html"), s.anchor): s
                 for page, s in shown_items(src)}  # fmt: skip
        for (what, software, _), names in zip(rows, files, strict=True):
            assert what, (year, software)
            link = re.fullmatch(r"\[([^\]]+)\]\(([\w-]+\.html)#([\w-]+)\)", what)
            if link:
                s = shown[link[2], link[3]]
                assert link[1] == s.item[0].lower() + s.item[1:], (year, what)
                assert {Path(n).stem for n in names} <= {s.slug, f"kerncijfers-{year}"}, what
            else:
                assert what.startswith(("Toets: ", "Kerncijfers")), (year, what)
        by_file = {f: r[0] for fs, r in zip(files, rows, strict=True) for f in fs}
        if year == YEARS[0]:  # a trend of one wave repeats Figuur 3.1 and is left out
            assert "fig-beleid-trend.csv" not in by_file
            continue
        assert by_file["fig-beleid-trend.csv"] == "[trend 3.1](beleid.html#trend-3-1)"
        assert by_file["fig-beleid-trend.xlsx"] == "[trend 3.1](beleid.html#trend-3-1)"


def test_downloads_appendix_reads_quoted_fields(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with (data / "fig-a.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["jaar", "categorie", "basis_n", "item"])
        w.writerow([2018, "Ja, er is beleid", 230, "Figuur 3.1"])
    (data / "toets-b.csv").write_text(
        'jaar,bewering,p\n2018,"Meer, of minder | dan eerder.",0.01\n', encoding="utf-8"
    )
    (data / "kerncijfers-2018.json").write_text("{}")
    text = downloads_qmd(tmp_path, 2018, ["tbl-kerncijfers", "fig-a"])
    assert "| @fig-a | [CSV](data/fig-a.csv) | – |" in text
    assert r"| Toets: Meer, of minder \| dan eerder. | [CSV](data/toets-b.csv) |" in text
    assert text.index("@tbl-kerncijfers") < text.index("@fig-a") < text.index("Toets")
    (data / "los.csv").write_text("jaar\n2018\n")
    with pytest.raises(BookError, match="los.csv"):
        downloads_qmd(tmp_path, 2018, ["fig-a"])


def _fake_lock(raw="a" * 32, clean="b" * 32, stale="f" * 32) -> dict:
    return {
        "stages": {
            "synthesize@2018": {"outs": [{"path": "data/raw/2018.csv", "md5": stale}]},
            "clean@2018": {
                "deps": [
                    {"path": "data/codebook/2018.yaml", "md5": "c" * 32},
                    {"path": "data/raw/2018.csv", "md5": raw},
                ],
                "outs": [{"path": "data/clean/2018.parquet", "md5": clean}],
            },
        }
    }


def test_colophon_takes_the_hashes_from_what_was_cleaned():
    """After add-export, a stale synthesize entry may stay in dvc.lock: it is not used."""
    text = colophon_qmd(2018, INFO, _fake_lock(), synthetic=False)
    assert "a" * 32 in text and "b" * 32 in text and "f" * 32 not in text
    with pytest.raises(BookError, match="clean@2019"):
        colophon_qmd(2019, INFO, _fake_lock())


def test_colophon_names_commit_and_data_hashes(editions):
    lock = yaml.safe_load((paths.ROOT / "dvc.lock").read_text())
    for year, src in editions.items():
        text = (src / "colofon.qmd").read_text()
        stage = lock["stages"][f"clean@{year}"]
        raw = next(d["md5"] for d in stage["deps"] if d["path"] == f"data/raw/{year}.csv")
        clean = next(o["md5"] for o in stage["outs"] if o["path"] == f"data/clean/{year}.parquet")
        assert raw in text and clean in text
        assert "Git-commit" in text and "Zo citeert u" in text


def test_citation_names_the_edition_url_only_when_known():
    template = load_template(BOOK)
    assert not template["book"].get("site-url")  # no address chosen yet: none is cited
    cfg = edition_config(template, 2018, YEARS, INFO)
    assert "url" not in cfg["citation"] and "site-url" not in cfg["book"]
    assert "http" not in colophon_qmd(2018, INFO, _fake_lock()).split("Zo citeert u")[1]
    template["book"]["site-url"] = "https://example.org/monitor"
    cfg = edition_config(template, 2018, YEARS, INFO)
    assert cfg["citation"]["url"] == cfg["book"]["site-url"] == "https://example.org/monitor/2018/"
    text = colophon_qmd(2018, INFO, _fake_lock(), url=cfg["citation"]["url"])
    assert "<https://example.org/monitor/2018/>" in text


def test_synthetic_editions_say_so(editions):
    for year, src in editions.items():
        if year not in SYNTHETIC_YEARS:
            continue
        cfg = yaml.safe_load((src / "_quarto.yml").read_text())
        assert "synthetische" in cfg["book"]["subtitle"]
        assert "include-before-body" in cfg["format"]["html"]
        for page in ("index.qmd", "methoden.qmd", "colofon.qmd"):
            assert "synthetisch" in (src / page).read_text().lower(), (year, page)


def test_an_edition_of_a_real_export_does_not_say_synthetic(real_edition):
    cfg = yaml.safe_load((real_edition / "_quarto.yml").read_text())
    assert "include-before-body" not in cfg["format"]["html"]
    assert "synthetisch" not in json.dumps(cfg, ensure_ascii=False).lower()
    assert not (real_edition / "_synthetisch.html").exists()
    # The assumptions log describes how the synthetic waves were made; the chapters here were
    # executed as synthetic (the execute stage runs them as real once the year leaves
    # synthesize.years); every other page is checked.
    for page in real_edition.glob("*.qmd"):
        if page.name != "aannames.qmd":
            assert "synthetisch" not in page.read_text().lower(), page.name
    assert "De gemeentelijke antwoorden" not in (real_edition / "index.qmd").read_text()


def test_methods_appendix_computes_weights_from_the_cleaned_data(editions, codebooks):
    for year, src in editions.items():
        text = (src / "methoden.qmd").read_text()
        df = pd.read_parquet(paths.clean_path(year))
        cb = codebooks[year]
        n = df["grootteklasse"].astype(str).value_counts()
        for code, big_n in cb.population.items():
            weight = f"{big_n / n[code]:.2f}".replace(".", ",")
            fpc = f"{1 - n[code] / big_n:.2f}".replace(".", ",")
            clusters = df.loc[df["grootteklasse"].astype(str) == code, "respondent_id"].nunique()
            row = (
                f"| {cb.size_classes[code]} | {big_n} | {n[code]} | {weight} | {fpc} | {clusters} |"
            )
            assert row in text, (year, row)
        strata = df["grootteklasse"].nunique()
        clusters = df.groupby("grootteklasse", observed=True)["respondent_id"].nunique().sum()
        assert f"dus {clusters - strata} vrijheidsgraden" in text, year
        assert "{#tbl-gewichten}" in text and "{#sec-toetsen}" in text
        assert "iets zwaarder" not in text and "- *De gewichten zelf.*\n" not in text
        assert "verschillende groepen gemeenten" not in text


def test_questionnaire_comes_from_the_codebook(editions, codebooks):
    for year, src in editions.items():
        text = (src / "vragenlijst.qmd").read_text()
        for q in codebooks[year].questions:
            assert q.text in text


def test_assembly_is_deterministic(tmp_path):
    a = assemble(2018, YEARS, out=tmp_path / "a", **COMMON)
    b = assemble(2018, YEARS, out=tmp_path / "b", **COMMON)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)


# --- rendering -----------------------------------------------------------------------------------


def test_render_without_quarto_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto on this PATH
    with pytest.raises(BookError) as err:
        render(YEARS, site=tmp_path / "_site", **COMMON)
    assert str(err.value) == QUARTO_HELP
    assert "quarto.org" in QUARTO_HELP
    assert not (tmp_path / "_site").exists()


def _fake_quarto(tmp_path: Path, fail_year: int | None = None) -> str:
    """A stand-in for ``quarto render <src> --to html`` that writes ``<src>/_book``."""
    script = tmp_path / "quarto"
    fail = f'case "$2" in */{fail_year}) echo "kapot" >&2; exit 1;; esac\n' if fail_year else ""
    script.write_text(
        f'#!/bin/sh\n{fail}mkdir -p "$2/_book" && echo "$2" > "$2/_book/index.html"\n'
    )
    script.chmod(0o755)
    return str(script)


def test_render_replaces_the_site_only_when_every_edition_rendered(tmp_path):
    site = tmp_path / "_site"
    site.mkdir()
    (site / "oud.html").write_text("vorige site")
    with pytest.raises(BookError, match="kapot"):
        render(YEARS[-2:], site=site, quarto=_fake_quarto(tmp_path, max(YEARS)), **COMMON)
    assert (site / "oud.html").read_text() == "vorige site"  # untouched
    assert not list(tmp_path.glob(".*.tmp"))  # no half-built site left behind
    (tmp_path / "ok").mkdir()
    render(YEARS[-2:], site=site, quarto=_fake_quarto(tmp_path / "ok"), **COMMON)
    assert sorted(p.name for p in site.iterdir()) == sorted([*map(str, YEARS[-2:]), "index.html"])
    assert not list(tmp_path.glob(".*.tmp"))


def test_render_repairs_a_run_killed_between_the_final_renames(tmp_path):
    site = tmp_path / "_site"
    stale = tmp_path / "._site.killed.tmp"
    (stale / "old").mkdir(parents=True)
    (stale / "old" / "index.html").write_text("vorige site")
    with pytest.raises(BookError):  # this run fails too, but the previous site is back
        render([max(YEARS)], site=site, quarto=_fake_quarto(tmp_path, max(YEARS)), **COMMON)
    assert (site / "index.html").read_text() == "vorige site"
    assert not stale.exists()


def test_render_tracks_what_the_book_is_assembled_from():
    """The book is no DVC stage (tests/test_pipeline.py): render itself knows its inputs."""
    inputs = set(render_inputs(**{k: v for k, v in COMMON.items() if k != "min_count"}))
    root = paths.ROOT
    assert {
        root / "book", root / "data" / "codebook", root / "data" / "clean", root / "metrics",
        root / "docs" / "ASSUMPTIONS.md", root / "dvc.lock", root / "src" / "toeleiding",
    } <= inputs  # fmt: skip
    assert {root / "build" / s for s in chapter_slugs(load_template(BOOK))} <= inputs


def test_landing_page_sends_readers_to_the_latest_edition():
    page = landing_page(2018)
    assert 'url=2018/index.html"' in page and "synthetisch" in page
    assert "synthetisch" not in landing_page(2019, synthetic=False)
