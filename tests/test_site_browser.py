"""The web book in a browser: the edition switcher, phones, tables, requests to other hosts.

Three kinds of site are driven with Playwright and Chromium (one browser for the module):

- a small site built from a fixture cut from Quarto's real markup (``tests/fixtures/switcher/``)
  with the switcher of ``book/``: runs wherever Chromium and Playwright are installed;
- a copy of the last real render (``../shared/rendered/site`` beside the repository, on the
  development machine) with this checkout's ``styles.css`` and switcher swapped in: runs where
  that folder exists;
- the real render of this checkout: runs where Quarto is installed.

The switcher's rule also runs in node, without a browser. Every skip says why.
"""

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from conftest import BOOK_INPUTS
from toeleiding import paths
from toeleiding.book import book_files, load_template, render

BOOK = paths.ROOT / "book"
PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
SYNTHETIC_YEARS = PARAMS["synthesize"]["years"]
COMMON = dict(BOOK_INPUTS, build_dir=paths.ROOT / "build")
FIXTURE = Path(__file__).parent / "fixtures" / "switcher" / "beleid.html"
SNAPSHOT = paths.ROOT.parent / "shared" / "rendered" / "site"
SWITCHER = (BOOK / "_editiekiezer.html").read_text(encoding="utf-8")
# The switcher as Quarto includes it (include-after-body): found by its first comment line.
SWITCHER_BLOCK = re.compile(r"<script>\s*// Edition switcher:.*?</script>\n?", re.S)
# The notice of synthetic data as Quarto includes it (include-before-body).
BANNER = (BOOK / "_synthetisch.html").read_text(encoding="utf-8").strip()
BANNER_BLOCK = re.compile(r'<div class="synthetisch-banner".*?</div>', re.S)

QUARTO = shutil.which("quarto")
CHROMIUM = next(
    (c for c in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
     if c and Path(c).exists()),
    None,
)  # fmt: skip
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-gpu"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# A word from one chapter, to search for, and that chapter's page.
SEARCH_WORD, SEARCH_PAGE = "werkervaringsplekken", "beleid.html"


# --- serving a folder and a browser ------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test output stays readable
        pass


@contextmanager
def _serve(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP on a free local port; yields the base address."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: apt-get install chromium to run the browser tests")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (it is in requirements.lock)"
    )
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _local_only(context, base: str) -> None:
    """Refuse every request to another host (the snapshot's theme still asks Google Fonts)."""
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((base, "data:", "blob:"))
            else route.abort()
        ),
    )


def _pages(root: Path) -> list[str]:
    """Every page of every edition of a site, as ``<year>/<page>.html``."""
    return sorted(
        f"{d.name}/{f.name}"
        for d in root.iterdir()
        if d.is_dir() and re.fullmatch(r"\d{4}", d.name)
        for f in d.glob("*.html")
    )


# --- the switcher's rule, in node ----------------------------------------------------------------

# (page being read, the link's href as written, where the switcher must send the reader, or None
# when it must leave the link alone)
SWITCH_CASES = [
    ("http://h/2018/beleid.html#sec-x", "./../2016/index.html", "http://h/2016/beleid.html#sec-x"),
    ("http://h/2018/beleid.html#sec-x", "../2016/index.html", "http://h/2016/beleid.html#sec-x"),
    ("http://h/2018/beleid.html#sec-x", "../2016/", "http://h/2016/beleid.html#sec-x"),
    ("http://h/2018/beleid.html#sec-x", "./../2016/", "http://h/2016/beleid.html#sec-x"),
    ("http://h/2018/beleid.html#sec-x", "../2016", "http://h/2016/beleid.html#sec-x"),
    ("http://h/2018/beleid.html", "/2016/", "http://h/2016/beleid.html"),
    ("http://h/m/2018/colofon.html", "/m/2017/index.html", "http://h/m/2017/colofon.html"),
    ("http://h/m/2018/colofon.html", "http://h/m/2017/", "http://h/m/2017/colofon.html"),
    ("http://h/2018/beleid.html", "https://e.org/m/2016/", "https://e.org/m/2016/beleid.html"),
    ("file:///s/2018/onderwijs.html", "./../2017/index.html", "file:///s/2017/onderwijs.html"),
    # the start page of an edition, in both forms, goes to the other edition's start page
    ("http://h/2018/", "../2016/", "http://h/2016/"),
    ("http://h/2018/index.html#sec-a", "./../2016/index.html", "http://h/2016/index.html#sec-a"),
    # left alone: not a link to an edition's start page, or a page outside an edition
    ("http://h/2018/beleid.html", "https://quarto.org/", None),
    ("http://h/2018/beleid.html", "../index.html", None),
    ("http://h/2018/beleid.html", "../2016/beleid.html", None),
    ("http://h/2018/beleid.html", "../20160/", None),
    ("http://h/2018/beleid.html", "#", None),
    ("http://h/index.html", "./2016/index.html", None),
]


def test_switcher_rule_in_node_maps_every_link_form():
    """The script's own ``destination`` rule, run in node on every link form."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the switcher's rule is run in node where it is")
    script = re.search(r"<script>(.*)</script>", SWITCHER, re.S).group(1)
    harness = """
globalThis.window = { addEventListener() {}, location: new URL("http://h/2018/x.html") };
globalThis.document = { readyState: "complete", addEventListener() {}, querySelectorAll: () => [] };
eval(__SCRIPT__);
console.log(JSON.stringify(__CASES__.map(([p, h]) => window.editiekiezer.destination(h, p))));
""".replace("__SCRIPT__", json.dumps(script))
    harness = harness.replace("__CASES__", json.dumps([[p, h] for p, h, _ in SWITCH_CASES]))
    res = subprocess.run([node, "-e", harness], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    wrong = [(p, h, g, e) for (p, h, e), g in zip(SWITCH_CASES, got, strict=True) if g != e]
    assert not wrong, wrong


# --- the switcher on Quarto's markup (fixture), in Chromium --------------------------------------

# How a menu link to an edition may be written: (name, href for the link to `year`, protocols).
# `{prefix}` is the folder of the small site the form is tried in, `{base}` its full address.
LINK_FORMS = [
    ("quarto", "./../{year}/index.html", ("http", "file")),
    ("index", "../{year}/index.html", ("http", "file")),
    ("folder", "../{year}/", ("http", "file")),
    ("dot-folder", "./../{year}/", ("http", "file")),
    ("no-slash", "../{year}", ("http",)),
    ("root", "{prefix}/{year}/", ("http",)),
    ("root-index", "{prefix}/{year}/index.html", ("http",)),
    ("absolute", "{base}{prefix}/{year}/", ("http", "file")),
    ("absolute-index", "{base}{prefix}/{year}/index.html", ("http", "file")),
]
MENU_LINK = re.compile(r'(<a class="dropdown-item" href=")\./\.\./(\d{4})/index\.html(")')
FIXTURE_YEARS = (2016, 2017, 2018)


def _fixture_page(href_of) -> str:
    """The fixture with its menu links written by ``href_of(year)`` and the switcher included."""
    html = FIXTURE.read_text(encoding="utf-8")
    assert len(MENU_LINK.findall(html)) == len(FIXTURE_YEARS), "fixture menu changed"
    html = MENU_LINK.sub(lambda m: m.group(1) + href_of(int(m.group(2))) + m.group(3), html)
    assert html.count("<!-- INCLUDE-AFTER-BODY -->") == 1
    return html.replace("<!-- INCLUDE-AFTER-BODY -->", SWITCHER)


def _href(form: str, year: int, prefix: str, base: str) -> str:
    return form.format(year=year, prefix=prefix, base=base)


@pytest.fixture(scope="module")
def switcher_site(tmp_path_factory):
    """Per protocol and link form, a site of three editions with beleid.html and index.html."""
    root = tmp_path_factory.mktemp("switcher")
    with _serve(root) as base:
        for protocol in ("http", "file"):
            site_base = base if protocol == "http" else root.as_uri()
            for name, form, protocols in LINK_FORMS:
                if protocol not in protocols:
                    continue
                prefix = f"/{protocol}/{name}"
                for year in FIXTURE_YEARS:
                    folder = root / protocol / name / str(year)
                    folder.mkdir(parents=True)
                    page = _fixture_page(
                        functools.partial(_href, form, prefix=prefix, base=site_base)
                    )
                    for file in ("beleid.html", "index.html"):
                        (folder / file).write_text(page, encoding="utf-8")
        yield root, base


def _open_menu_link(page, year: int):
    return page.locator("a.dropdown-item", has_text=re.compile(rf"^\s*{year}\s*$"))


def _follow(page, link) -> str:
    """Click a link that leaves the page; the address the browser lands on."""
    before = page.url
    link.click()
    page.wait_for_url(lambda url: url != before, timeout=10000)
    return page.url


@pytest.mark.parametrize("protocol", ["http", "file"])
def test_switcher_on_quarto_markup_lands_on_the_same_chapter_and_section(
    browser, switcher_site, protocol
):
    root, base = switcher_site
    site = base if protocol == "http" else root.as_uri()
    page = browser.new_page()
    wrong = []
    for name, _, protocols in LINK_FORMS:
        if protocol not in protocols:
            continue
        at = f"{site}/{protocol}/{name}"
        # A chapter, opened at a section: the same chapter and section of the other edition.
        page.goto(f"{at}/2018/beleid.html#sec-beleid-aanbod")
        url = _follow(page, _open_menu_link(page, 2016))
        if url != f"{at}/2016/beleid.html#sec-beleid-aanbod":
            wrong.append((name, "chapter at a section", url))
        # The reader moves to another section after the page loaded: the switcher follows.
        page.goto(f"{at}/2018/beleid.html")
        page.locator("#toc-sec-beleid-aanbod").click()
        url = _follow(page, _open_menu_link(page, 2017))
        if url != f"{at}/2017/beleid.html#sec-beleid-aanbod":
            wrong.append((name, "section chosen after loading", url))
        # An edition's start page: the other edition's start page.
        page.goto(f"{at}/2018/" if protocol == "http" else f"{at}/2018/index.html")
        url = _follow(page, _open_menu_link(page, 2016))
        if url not in (f"{at}/2016/", f"{at}/2016/index.html"):
            wrong.append((name, "start page", url))
    page.close()
    assert not wrong, wrong


def test_switcher_leaves_alone_a_link_it_cannot_map(browser, switcher_site):
    root, base = switcher_site
    hrefs = {2016: "https://quarto.org/", 2017: "../2017/beleid.html", 2018: "../index.html"}
    folder = root / "http" / "unmapped" / "2018"
    folder.mkdir(parents=True)
    (folder / "beleid.html").write_text(_fixture_page(hrefs.get), encoding="utf-8")
    page = browser.new_page()
    page.goto(f"{base}/http/unmapped/2018/beleid.html#sec-beleid-aanbod")
    for year in hrefs:
        link = _open_menu_link(page, year)
        link.dispatch_event("pointerdown")  # the switcher looks again just before a link is used
        assert link.get_attribute("data-editie-href") is None, year
        href = link.evaluate("a => a.href")
        assert "#sec-beleid-aanbod" not in href, (year, href)
    assert _open_menu_link(page, 2016).get_attribute("href") == "https://quarto.org/"
    page.close()


# --- a copy of the last real render with this checkout's CSS and switcher ------------------------


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """A served copy of ``../shared/rendered/site`` with our styles, switcher and banner."""
    if not SNAPSHOT.is_dir():
        pytest.skip(
            f"no rendered snapshot at {SNAPSHOT}: it exists on the development machine only "
            "(the real render is tested where Quarto is installed)"
        )
    out = tmp_path_factory.mktemp("snapshot") / "site"
    shutil.copytree(SNAPSHOT, out)
    pages = _pages(out)
    assert pages, f"{SNAPSHOT} holds no edition"
    for edition in {p.split("/")[0] for p in pages}:
        shutil.copyfile(BOOK / "styles.css", out / edition / "styles.css")
    for rel in pages:
        html = (out / rel).read_text(encoding="utf-8")
        html, n = SWITCHER_BLOCK.subn(lambda _: SWITCHER, html)
        assert n == 1, f"{SNAPSHOT / rel}: {n} switcher scripts found, expected 1"
        html = BANNER_BLOCK.sub(lambda _: BANNER, html, count=1)
        (out / rel).write_text(html, encoding="utf-8")
    with _serve(out) as base:
        yield out, base


def _switch_on_real_markup(browser, base: str, latest: int, other: int) -> None:
    """Open the edition menu as a reader does and pick another edition, on a rendered site."""
    context = browser.new_context(viewport=DESKTOP)
    _local_only(context, base)
    page = context.new_page()
    page.goto(f"{base}/{latest}/beleid.html#sec-beleid-aanbod")
    # The menu's items are hidden until the menu is open: open it as a reader would.
    page.locator("a.dropdown-toggle", has_text=f"Editie {latest}").click()
    menu = page.locator(".dropdown-menu.show")
    menu.get_by_role("link", name=str(other), exact=True).click()
    page.wait_for_url(re.compile(rf"/{other}/beleid\.html#sec-beleid-aanbod$"), timeout=10000)
    # And from a section the reader went to after the page loaded, to a third edition.
    page.locator("#toc-sec-beleid-integraal").click()
    page.wait_for_function("() => location.hash === '#sec-beleid-integraal'")
    # Quarto hides the navbar while the page scrolls down (headroom); a reader scrolls back up
    # to reach it, which leaves the address and its section as they are.
    page.mouse.wheel(0, -20000)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("a.dropdown-toggle", has_text=f"Editie {other}").click()
    page.locator(".dropdown-menu.show").get_by_role("link", name=str(latest), exact=True).click()
    page.wait_for_url(re.compile(rf"/{latest}/beleid\.html#sec-beleid-integraal$"), timeout=10000)
    context.close()


def test_snapshot_switcher_lands_on_the_same_chapter(browser, snapshot):
    out, base = snapshot
    years = sorted({int(p.split("/")[0]) for p in _pages(out)})
    _switch_on_real_markup(browser, base, max(years), min(years))


def test_snapshot_banner_takes_little_of_a_phone_screen(browser, snapshot):
    """The notice of synthetic data fits in two lines at 390 px, a small part of the screen."""
    out, base = snapshot
    context = browser.new_context(viewport=PHONE)
    _local_only(context, base)
    page = context.new_page()
    checked = 0
    for rel in _pages(out):
        if not rel.endswith(("/beleid.html", "/index.html")):
            continue
        page.goto(f"{base}/{rel}")
        banner = page.locator(".synthetisch-banner")
        if not banner.count():
            continue
        box = banner.first.bounding_box()
        line = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('.synthetisch-banner'))"
            ".lineHeight)"
        )
        assert box["height"] <= 2 * line + 16, (rel, box["height"], line)  # two lines, padding
        assert box["height"] <= 0.1 * PHONE["height"], (rel, box["height"])
        checked += 1
    context.close()
    assert checked, "no page of the snapshot shows the banner"


# What a phone must show without scrolling sideways, and how the tables read at full width.
WIDE_JS = """() => {
  const root = document.documentElement;
  const out = [];
  if (root.scrollWidth > root.clientWidth + 1) {
    // Name the elements that stick out of the page (not those inside a box that scrolls).
    const clips = e => { for (let p = e.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; }
      return false; };
    const culprits = Array.from(document.querySelectorAll('body *')).filter(e =>
      e.getBoundingClientRect().right > root.clientWidth + 1 && !clips(e));
    out.push(`scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}: ` +
      culprits.slice(0, 3).map(e => e.tagName + '.' + e.className).join(', '));
  }
  return out;
}"""
TABLES_JS = """() => {
  const out = [];
  document.querySelectorAll('main table').forEach((table, t) => {
    const rows = Array.from(table.rows);
    const numeric = c => (c.getAttribute('style') || '').includes('text-align: right');
    if (!rows.some(r => Array.from(r.cells).some(numeric))) return;  // not a table of numbers
    const content = c => {  // the size of a cell's text, not of the cell
      const range = document.createRange();
      range.selectNodeContents(c);
      return range.getBoundingClientRect();
    };
    const lineHeight = c => {
      const s = getComputedStyle(c);
      return parseFloat(s.lineHeight) || 1.5 * parseFloat(s.fontSize);
    };
    const room = {};  // per number column: the widest text in it plus the cell's padding
    for (const row of rows) {
      Array.from(row.cells).forEach((c, i) => {
        const align = getComputedStyle(c).textAlign;
        const where = `table ${t + 1}, "${c.textContent.trim().slice(0, 40)}"`;
        if (numeric(c)) {
          const s = getComputedStyle(c);
          const need = content(c).width + parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
          room[i] = Math.max(room[i] || 0, need);
          if (align !== 'right') out.push(`${where}: number not right-aligned (${align})`);
          if (c.tagName === 'TD' && content(c).height > 1.5 * lineHeight(c)) {
            out.push(`${where}: number wraps`);
          }
        } else if (i === 0 && !['left', 'start'].includes(align)) {
          out.push(`${where}: label ${align}`);
        }
      });
    }
    const widths = Array.from(rows[rows.length - 1].cells, c => c.getBoundingClientRect().width);
    for (const [i, need] of Object.entries(room)) {
      if (widths[i] > need + 2) {
        out.push(`table ${t + 1}: number column ${+i + 1} is ${Math.round(widths[i])} px ` +
                 `for ${Math.round(need)} px of text`);
      }
    }
    // The labels get at least an equal share of the width (the numbers need less).
    const total = table.getBoundingClientRect().width;
    if (widths[0] < total / widths.length) {
      out.push(`table ${t + 1}: label column ${Math.round(widths[0])} of ${Math.round(total)} px`);
    }
  });
  return out;
}"""


COLOPHON_JS = """() => Array.from(document.querySelectorAll('main table td'))
  .filter(c => { const r = c.getBoundingClientRect();
                 return r.left < 0 || r.right > document.documentElement.clientWidth + 1; })
  .map(c => c.textContent.trim())"""


def _visit(browser, root: Path, base: str) -> dict[str, list[str]]:
    """Load every page of a served site as a reader would; what went wrong, by kind.

    ``layout``: a page that scrolls sideways at 390 px, a colophon cell off screen there, a table
    of numbers that reads badly at 1280 px. ``elsewhere``: every request to another host (each is
    refused after it is recorded, so nothing leaves the machine), including those of the landing
    page and of the search overlay, which loads its index on first use.
    """
    pages = _pages(root)
    with_tables = [p for p in pages if "<table" in (root / p).read_text(encoding="utf-8")]
    assert with_tables, f"no page of {root} has a table: the table check would check nothing"
    found: dict[str, list[str]] = {"layout": [], "elsewhere": []}

    def record(request):
        if not request.url.startswith((base, "data:", "blob:")):
            found["elsewhere"].append(request.url)

    for viewport, check, checked in ((PHONE, WIDE_JS, pages), (DESKTOP, TABLES_JS, with_tables)):
        context = browser.new_context(viewport=viewport)
        context.on("request", record)
        _local_only(context, base)
        page = context.new_page()
        for rel in checked:
            page.goto(f"{base}/{rel}")
            page.evaluate("document.fonts.ready.then(() => true)")
            problems = page.evaluate(check)
            if viewport is PHONE and rel.endswith("/colofon.html"):
                problems += [f"off screen: {c}" for c in page.evaluate(COLOPHON_JS)]
            found["layout"] += [f"{rel} at {viewport['width']} px: {p}" for p in problems]
        if viewport is DESKTOP:
            page.goto(f"{base}/")  # the landing page sends the reader on to the latest edition
            page.wait_for_url(re.compile(r"/\d{4}/index\.html$"))
            page.locator("#quarto-search").click()
            page.locator("input.aa-Input").first.fill(SEARCH_WORD)
            page.wait_for_selector(".aa-Item a.search-result-link", timeout=15000)
        context.close()
    return found


@pytest.fixture(scope="module")
def snapshot_visit(browser, snapshot):
    return _visit(browser, *snapshot)


def test_snapshot_pages_fit_a_phone_and_tables_read_well(snapshot_visit):
    """No page scrolls sideways at 390 px (the colophon's version, commit and date are on screen);
    at 1280 px labels are left-aligned with room, numbers right-aligned in compact columns."""
    assert not snapshot_visit["layout"], snapshot_visit["layout"][:30]


# --- the real render of this checkout (where Quarto is installed) ---------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if QUARTO is None:
        pytest.skip("quarto is not installed here: the rendered book is checked where it is")
    out = tmp_path_factory.mktemp("site") / "_site"
    render(YEARS, site=out, synthetic_years=SYNTHETIC_YEARS, **COMMON)
    with _serve(out) as base:
        yield out, base


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
    _switch_on_real_markup(browser, base, max(YEARS), min(YEARS))


@pytest.fixture(scope="module")
def rendered_visit(browser, site):
    return _visit(browser, *site)


def test_rendered_pages_fit_a_phone_and_tables_read_well(rendered_visit):
    assert not rendered_visit["layout"], rendered_visit["layout"][:30]


def test_rendered_pages_request_nothing_from_another_host(rendered_visit):
    """Every request of every page (fonts, scripts, styles, images) goes to the site itself."""
    assert not rendered_visit["elsewhere"], sorted(set(rendered_visit["elsewhere"]))[:20]


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
