"""The Quarto book: checked statically everywhere, rendered where Quarto is installed."""

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
import yaml

from toeleiding import paths
from toeleiding.book import (
    QUARTO_HELP,
    BookError,
    assemble,
    book_files,
    chapter_slugs,
    load_template,
    render,
)

BOOK = paths.ROOT / "book"
PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
COMMON = dict(
    book_dir=BOOK,
    build_dir=paths.ROOT / "build",
    codebook_dir=paths.CODEBOOK_DIR,
    assumptions=paths.ROOT / "docs" / "ASSUMPTIONS.md",
    lock_path=paths.ROOT / "dvc.lock",
    metrics_dir=paths.ROOT / "metrics",
)
FIG = re.compile(r"!\[([^\]]*)\]\(([^)]+)\)\{#(fig-[\w-]+)([^}]*)\}")
TBL = re.compile(r"^: (.+) \{#(tbl-[\w-]+)\}\s*$", re.M)
SEC = re.compile(r"\{#(sec-[\w-]+)\}")
REF = re.compile(r"(?<![\w@])@((?:fig|tbl|sec)-[\w-]+)")
LINK = re.compile(r"\]\((data/[^)]+)\)")


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    return {y: assemble(y, YEARS, out=out / str(y), **COMMON) for y in YEARS}


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


def test_template_parses_and_names_existing_files():
    cfg = load_template(BOOK)
    assert cfg["project"]["type"] == "book"
    assert cfg["lang"] == "nl"
    html = cfg["format"]["html"]
    for key in ("css", "include-before-body", "include-after-body"):
        assert (BOOK / html[key]).exists(), key
    assert "Synthetische" in (BOOK / html["include-before-body"]).read_text()
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


def test_chapters_are_text_only(editions):
    for src in editions.values():
        for slug in chapter_slugs(load_template(BOOK)):
            nb = nbformat.read(src / f"{slug}.ipynb", as_version=4)
            assert {c.cell_type for c in nb.cells} == {"markdown"}
            text = "\n".join(c.source for c in nb.cells)
            assert "Synthetische data" in text  # the notice, also in each chapter


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


def test_every_reference_has_a_target(editions):
    for year, src in editions.items():
        pages = _pages(src)
        text = "\n".join(pages.values())
        targets = set(SEC.findall(text)) | {m[2] for m in FIG.findall(text)}
        targets |= {m[1] for m in TBL.findall(text)}
        refs = set(REF.findall(text))
        assert refs <= targets, (year, refs - targets)


def test_every_download_link_resolves(editions):
    for year, src in editions.items():
        links = set()
        for text in _pages(src).values():
            links |= set(LINK.findall(text))
        missing = [link for link in links if not (src / link).exists()]
        assert not missing, (year, missing)
        assert any(link.endswith(".csv") for link in links)
        assert f"data/kerncijfers-{year}.json" in links


def test_colophon_names_commit_and_data_hashes(editions):
    lock = yaml.safe_load((paths.ROOT / "dvc.lock").read_text())
    for year, src in editions.items():
        text = (src / "colofon.qmd").read_text()
        for stage, path in ((f"synthesize@{year}", f"data/raw/{year}.csv"),
                            (f"clean@{year}", f"data/clean/{year}.parquet")):  # fmt: skip
            md5 = next(o["md5"] for o in lock["stages"][stage]["outs"] if o["path"] == path)
            assert md5 in text
        assert "Git-commit" in text and "Zo citeert u" in text


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


def test_render_without_quarto_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto on this PATH
    with pytest.raises(BookError) as err:
        render(YEARS, site=tmp_path / "_site", **COMMON)
    assert str(err.value) == QUARTO_HELP
    assert "quarto.org" in QUARTO_HELP
    assert not (tmp_path / "_site").exists()


# --- rendered: only where Quarto (and Playwright with Chromium) are installed ------------------

QUARTO = shutil.which("quarto")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _needs_browser():
    if QUARTO is None:
        pytest.skip("quarto is not installed here: the rendered book is checked where it is")
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: apt-get install chromium to run this test")
    return pytest.importorskip("playwright.sync_api", reason="pip install playwright to run this")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if QUARTO is None:
        pytest.skip("quarto is not installed here: the rendered book is checked where it is")
    out = tmp_path_factory.mktemp("site") / "_site"
    render(YEARS, site=out, **COMMON)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_rendered_site_has_every_edition(site):
    out, _ = site
    for year in YEARS:
        assert (out / str(year) / "index.html").exists()
        assert (out / str(year) / "beleid.html").exists()
    assert f"{max(YEARS)}/index.html" in (out / "index.html").read_text()


def test_rendered_pages_in_a_browser(site):
    sync_api = _needs_browser()
    out, base = site
    latest, other = max(YEARS), min(YEARS)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.goto(f"{base}/")
        page.wait_for_url(f"**/{latest}/index.html")
        assert page.locator("#quarto-sidebar a.sidebar-link").count() >= 10
        # Search finds a chapter by a word from it.
        page.goto(f"{base}/{latest}/index.html")
        page.locator("#quarto-search").click()
        page.keyboard.type("werkervaringsplekken")
        page.wait_for_selector(".aa-Item", timeout=10000)
        # The switcher lands on the same chapter of another edition.
        page.goto(f"{base}/{latest}/beleid.html")
        page.locator(f"a.dropdown-item:has-text('{other}')").first.click(force=True)
        page.wait_for_url(f"**/{other}/beleid.html")
        # Every image loads, every download and internal link resolves.
        broken = []
        for html in sorted((out / str(latest)).glob("*.html")):
            page.goto(f"{base}/{latest}/{html.name}")
            bad = page.evaluate(
                "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
                ".map(i => i.src)"
            )
            broken += [f"{html.name}: image {src}" for src in bad]
            hrefs = page.evaluate(
                "Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
            )
            for href in hrefs:
                if href.startswith(base) and "#" not in href.split("/")[-1][:1]:
                    status = page.request.get(href.split("#")[0]).status
                    if status != 200:
                        broken.append(f"{html.name}: {href} -> {status}")
        browser.close()
    assert not broken, broken


def test_landing_page_sends_readers_to_the_latest_edition():
    from toeleiding.book import landing_page

    page = landing_page(2018)
    assert 'url=2018/index.html"' in page and "synthetisch" in page
    assert "synthetisch" not in landing_page(2019, synthetic=False)
