"""The Quarto book: checked statically everywhere, rendered where Quarto is installed."""

import csv
import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
import pandas as pd
import pytest
import yaml

from conftest import BOOK_INPUTS
from toeleiding import paths
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
)

BOOK = paths.ROOT / "book"
PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
SYNTHETIC_YEARS = PARAMS["synthesize"]["years"]
COMMON = dict(BOOK_INPUTS, build_dir=paths.ROOT / "build")
INFO = {"commit": "0123456789abcdef" * 2 + "01234567", "date": "2026-01-02", "release": "0.1.0"}
FIG = re.compile(r"!\[([^\]]*)\]\(([^)]+)\)\{#(fig-[\w-]+)([^}]*)\}")
TBL = re.compile(r"^: (.+) \{#(tbl-[\w-]+)\}\s*$", re.M)
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


def _pages(src: Path) -> dict[str, str]:
    """The Markdown of every page of an assembled edition."""
    pages = {}
    for f in book_files(yaml.safe_load((src / "_quarto.yml").read_text())):
        if f.endswith(".ipynb"):
            nb = nbformat.read(src / f, as_version=4)
            pages[f] = "\n\n".join(c.source for c in nb.cells)
        else:
            pages[f] = (src / f).read_text(encoding="utf-8")
    return pages


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
    assert order[:3] == ["samenvatting", "methode", "beleid"]  # summary, method, chapters
    generated = {
        "vragenlijst.qmd",
        "methoden.qmd",
        "aannames.qmd",
        "downloads.qmd",
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


# --- the edition switcher ------------------------------------------------------------------------

SWITCHER = (BOOK / "_editiekiezer.html").read_text(encoding="utf-8")
# (page being read, href as Quarto may write it, where the switcher must send the reader)
SWITCH_CASES = [
    ("http://h/2018/beleid.html#sec-x", "../2016/index.html", "http://h/2016/beleid.html#sec-x"),
    ("http://h/2018/beleid.html", "./../2016/index.html", "http://h/2016/beleid.html"),
    ("http://h/m/2018/colofon.html", "./../2017/index.html", "http://h/m/2017/colofon.html"),
    ("http://h/2018/", "../2016/index.html", "http://h/2016/index.html"),
    ("file:///s/2018/onderwijs.html", "./../2017/index.html", "file:///s/2017/onderwijs.html"),
    ("http://h/2018/beleid.html", "https://quarto.org/", "https://quarto.org/"),
]


def test_switcher_rule_matches_every_link_shape():
    """The script's pattern, applied as the browser does: to the resolved address."""
    pattern = re.search(r"var EDITION = /(.+)/;", SWITCHER).group(1)
    for page, href, expected in SWITCH_CASES:
        resolved = urlsplit(urljoin(page, href))
        match = re.search(pattern, resolved.path)
        assert bool(match) == (expected != href), (page, href)
    assert re.search(pattern, "/2016/beleid.html") is None


def test_switcher_script_sends_to_the_same_chapter():
    """Run the switcher's own script in node against a minimal page."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the switcher script is run where it is")
    script = re.search(r"<script>(.*)</script>", SWITCHER, re.S).group(1)
    harness = """
const script = __SCRIPT__;
const out = [];
for (const [pageUrl, href] of __CASES__) {
  let ready = null;
  const link = {
    raw: href,
    get href() { return new URL(this.raw, pageUrl).href; },
    getAttribute(name) { return this.raw; },
    setAttribute(name, value) { this.raw = value; },
  };
  globalThis.window = { location: new URL(pageUrl) };
  globalThis.document = {
    addEventListener: (event, fn) => { if (event === "DOMContentLoaded") ready = fn; },
    querySelectorAll: () => [link],
  };
  eval(script);
  ready();
  out.push(link.href);
}
console.log(JSON.stringify(out));
""".replace("__SCRIPT__", json.dumps(script))
    harness = harness.replace("__CASES__", json.dumps([[p, h] for p, h, _ in SWITCH_CASES]))
    res = subprocess.run([node, "-e", harness], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [e for _, _, e in SWITCH_CASES]


# --- chapters, labels, references and links ------------------------------------------------------


def test_chapters_are_text_only(editions):
    for src in editions.values():
        for slug in chapter_slugs(load_template(BOOK)):
            nb = nbformat.read(src / f"{slug}.ipynb", as_version=4)
            assert {c.cell_type for c in nb.cells} == {"markdown"}


def test_labels_unique_captioned_with_alt_text(editions):
    for year, src in editions.items():
        seen, problems = {}, []
        for page, text in _pages(src).items():
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
        assert not problems, (year, problems)
        assert len([k for k in seen if k.startswith("fig-")]) > (25 if year == 2018 else 3)


def test_every_pipe_table_has_a_caption(editions):
    for year, src in editions.items():
        bad = {page: t for page, text in _pages(src).items() if (t := _uncaptioned_tables(text))}
        assert not bad, (year, bad)


def test_every_reference_has_a_numbered_target(editions):
    for year, src in editions.items():
        text = "\n".join(_pages(src).values())
        sections, unnumbered = _sections(text)
        targets = sections | {m[2] for m in FIG.findall(text)} | {m[1] for m in TBL.findall(text)}
        refs = _refs(text)
        assert refs, year
        assert refs <= targets, (year, refs - targets)
        assert not refs & unnumbered, (year, refs & unnumbered)


def test_every_download_link_resolves(editions):
    for year, src in editions.items():
        links = set()
        for text in _pages(src).values():
            links |= set(LINK.findall(text))
        missing = [link for link in links if not (src / link).exists()]
        assert not missing, (year, missing)
        assert any(link.endswith(".csv") for link in links)
        assert f"data/kerncijfers-{year}.json" in links


def test_download_links_cannot_name_another_figure(editions):
    """A link under a figure names it by cross-reference or says the number is the report's."""
    link = re.compile(r"\[([^\]]*)\]\(data/[^)]+\.csv\)")
    for year, src in editions.items():
        for page, text in _pages(src).items():
            for words in link.findall(text):
                numbered = re.search(r"\b(Figuur|Tabel|Trend)\s+\d", words)
                assert not numbered or "rapport" in words, (year, page, words)


# --- generated appendices ------------------------------------------------------------------------


def _downloads_table(src: Path) -> list[list[str]]:
    rows = [
        [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in (src / "downloads.qmd").read_text().splitlines()
        if line.startswith("| ") and not line.startswith("| In dit boek")
    ]
    return rows


def test_downloads_appendix_lists_every_file_once_with_its_label(editions):
    for year, src in editions.items():
        rows = _downloads_table(src)
        files = [re.search(r"\(data/([^)]+)\)", r[2]).group(1) for r in rows]
        published = sorted(p.name for p in (src / "data").iterdir())
        assert sorted(files) == published, year  # every download, each once
        text = "\n".join(_pages(src).values())
        labels = {m[2] for m in FIG.findall(text)} | {m[1] for m in TBL.findall(text)}
        for what, _, file in rows:
            assert what, (year, file)
            if what.startswith("@"):
                assert what[1:] in labels, (year, what)
            else:
                assert what.startswith(("Toets: ", "Kerncijfers")), (year, what)
        by_file = {f: r[0] for f, r in zip(files, rows, strict=True)}
        assert by_file["fig-beleid-trend.csv"] == "@fig-beleid-trend"


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
    assert "| @fig-a | Figuur 3.1 | [fig-a.csv](data/fig-a.csv) |" in text
    assert r"| Toets: Meer, of minder \| dan eerder. | – |" in text
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
        assert "{#tbl-gewichten}" in text and "zonder dat het rapport een toets vermeldt" in text
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


def test_render_stage_declares_the_site_and_what_it_reads():
    stage = yaml.safe_load((paths.ROOT / "dvc.yaml").read_text())["stages"]["render"]
    assert stage["outs"] == [{"_site": {"cache": False, "persist": True}}]
    assert "always_changed" not in stage  # a second `dvc repro` must do nothing
    assert {"years", "synthesize.years", "disclosure.min_count"} <= set(stage["params"])
    assert {"data/clean", "data/codebook", "build", "metrics", "book"} <= set(stage["deps"])


def test_landing_page_sends_readers_to_the_latest_edition():
    page = landing_page(2018)
    assert 'url=2018/index.html"' in page and "synthetisch" in page
    assert "synthetisch" not in landing_page(2019, synthetic=False)


# --- rendered: only where Quarto (and Playwright with Chromium) are installed ------------------

QUARTO = shutil.which("quarto")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A word from one chapter, to search for, and that chapter's page.
SEARCH_WORD, SEARCH_PAGE = "werkervaringsplekken", "beleid.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if QUARTO is None:
        pytest.skip("quarto is not installed here: the rendered book is checked where it is")
    out = tmp_path_factory.mktemp("site") / "_site"
    render(YEARS, site=out, synthetic_years=SYNTHETIC_YEARS, **COMMON)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: apt-get install chromium to run this test")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def test_rendered_site_has_every_edition(site):
    out, _ = site
    for year in YEARS:
        assert (out / str(year) / "index.html").exists()
        assert (out / str(year) / "beleid.html").exists()
    assert f"{max(YEARS)}/index.html" in (out / "index.html").read_text()


def test_rendered_sidebar_and_search(site, browser):
    out, base = site
    latest = max(YEARS)
    page = browser.new_page()
    page.goto(f"{base}/")
    page.wait_for_url(f"**/{latest}/index.html")
    assert page.locator("#quarto-sidebar a.sidebar-link").count() >= len(
        book_files(load_template(BOOK))
    )
    # The word is in that chapter, so search must offer that chapter (not just any page).
    assert SEARCH_WORD in (out / str(latest) / SEARCH_PAGE).read_text(encoding="utf-8").lower()
    page.locator("#quarto-search").click()  # opens the search overlay
    page.locator("input.aa-Input").first.fill(SEARCH_WORD)
    page.wait_for_selector(".aa-Item a.search-result-link", timeout=15000)
    hits = page.eval_on_selector_all(".aa-Item a.search-result-link", "els => els.map(e => e.href)")
    assert any(urlsplit(h).path.endswith(f"/{latest}/{SEARCH_PAGE}") for h in hits), hits
    page.close()


def test_rendered_switcher_lands_on_the_same_chapter(site, browser):
    _, base = site
    latest, other = max(YEARS), min(YEARS)
    page = browser.new_page()
    page.goto(f"{base}/{latest}/beleid.html#sec-beleid-aanbod")
    # The menu's items are hidden until the menu is open: open it as a reader would.
    page.locator("a.dropdown-toggle", has_text=f"Editie {latest}").click()
    menu = page.locator(".dropdown-menu.show")
    menu.get_by_role("link", name=str(other), exact=True).click()
    page.wait_for_url(re.compile(rf"/{other}/beleid\.html#sec-beleid-aanbod$"))
    page.close()


IDS_JS = "Array.from(document.querySelectorAll('[id]'), e => e.id)"
LINKS_JS = "Array.from(document.querySelectorAll('a[href]'), a => a.href)"
IMAGES_JS = """async () => {
  const bad = [];
  for (const img of Array.from(document.images)) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) { bad.push(img.src); continue; }
    if (img.naturalWidth === 0) bad.push(img.src);
  }
  return bad;
}"""


def test_rendered_pages_load_every_image_link_and_banner(site, browser):
    out, base = site
    page = browser.new_page()
    status, ids, broken = {}, {}, []

    def ids_of(url: str) -> set[str]:
        if url not in ids:
            html = page.request.get(url).text()
            ids[url] = set(re.findall(r'\bid="([^"]+)"', html))
        return ids[url]

    for year in YEARS:
        for html in sorted((out / str(year)).glob("*.html")):
            here = f"{base}/{year}/{html.name}"
            page.goto(here)
            banner = page.locator(".synthetisch-banner")
            if year in SYNTHETIC_YEARS and not banner.first.is_visible():
                broken.append(f"{year}/{html.name}: no visible notice of synthetic data")
            if year not in SYNTHETIC_YEARS and banner.count():
                broken.append(f"{year}/{html.name}: says synthetic but the data are real")
            broken += [f"{year}/{html.name}: image {s}" for s in page.evaluate(IMAGES_JS)]
            ids[here] = set(page.evaluate(IDS_JS))
            for href in page.evaluate(LINKS_JS):
                if not href.startswith(base):
                    continue
                parts = urlsplit(href)
                url = f"{base}{parts.path}"
                if url not in status:
                    status[url] = page.request.get(url).status
                if status[url] != 200:
                    broken.append(f"{year}/{html.name}: {href} -> {status[url]}")
                elif parts.fragment and unquote(parts.fragment) not in ids_of(url):
                    broken.append(f"{year}/{html.name}: {href}: no element #{parts.fragment}")
    page.close()
    assert not broken, broken[:30]
