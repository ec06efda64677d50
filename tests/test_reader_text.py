"""Reader text: Dutch lives in templates, and readers see no repository talk.

The generated appendices take their Dutch from the templates in ``book/_bijlagen/`` (book.py
computes only values), and no page of any edition names a file or a command of the repository,
except inside a folded "Voor onderzoekers" block.
"""

import ast
import re
from datetime import date

import pytest
import yaml

from conftest import BOOK_INPUTS, edition_pages
from toeleiding import paths
from toeleiding.book import (
    TEXTS,
    BookError,
    assemble,
    assumptions_qmd,
    colophon_qmd,
    reader_log,
)
from toeleiding.conclusions import load_publication
from toeleiding.templates import TemplateError, fill

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
SYNTHETIC_YEARS = PARAMS["synthesize"]["years"]
COMMON = dict(BOOK_INPUTS, build_dir=paths.ROOT / "build")
BIJLAGEN = paths.ROOT / "book" / TEXTS
INFO = {"commit": "0123456789abcdef" * 2 + "01234567", "date": "2026-01-02", "release": "0.1.0"}
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]  # fmt: skip

# Repository talk: a repository folder, a path with a slash and a file extension, a file of
# the repository (params.yaml, dvc.lock, rounding.py, ASSUMPTIONS.md), or a command.
REPO_TALK = re.compile(
    r"""(?:\.\./)?\b(?:docs|src|notebooks|tests|build|metrics|data/(?:raw|clean|calibration|codebook))/
      | \.\./shared
      | [\w.<>-]+/[\w./<>-]*\.(?:py|md|ya?ml|lock|toml|ipynb|qmd|dvc|parquet)\b
      | \b[\w<>-]+\.(?:py|md|ya?ml|lock|toml|ipynb|dvc)\b
      | \bdvc\s | \bpython3?\s+-m\b | \bmake\s | \bgit\s+\w | \bpip\s+install\b""",
    re.X,
)
# A fenced div that opens ("::: {.callout-note …}") or closes (":::").
FENCE = re.compile(r"^(:{3,})\s*(\{[^}]*\}|[\w-]+)?\s*$")


def _researchers_blocks(text: str) -> tuple[str, list[str]]:
    """The text outside "Voor onderzoekers" blocks, and the opening line of every such block."""
    outside, openings, stack, code = [], [], [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            code = not code
        m = None if code else FENCE.match(line.strip())
        if m and m.group(2):  # an opening fence
            mine = "Voor onderzoekers" in line
            stack.append(mine)
            openings += [line] if mine else []
        elif m:  # a closing fence
            if stack:
                stack.pop()
        if not any(stack) and not (m and m.group(2) and "Voor onderzoekers" in line):
            outside.append(line)
    return "\n".join(outside), openings


def _repo_talk(text: str) -> list[str]:
    """Repository talk in the text outside "Voor onderzoekers" (link targets are addresses)."""
    outside, _ = _researchers_blocks(text)
    outside = re.sub(r"\]\([^)]*\)|<https?://[^>]*>", "]", outside)
    return [m.group().strip() for m in REPO_TALK.finditer(outside)]


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("lezer")
    return {
        y: assemble(y, YEARS, out=out / str(y), synthetic=y in SYNTHETIC_YEARS, **COMMON)
        for y in YEARS
    }


# --- the checks of this module see every form ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Zie `docs/ASSUMPTIONS.md`.",
        "In exacte rekenkunde (`src/toeleiding/rounding.py`).",
        "De bronnen staan in ../shared/seeds/.",
        "Een seed in params.yaml.",
        "De md5 in dvc.lock.",
        "Draai `dvc repro -f render`.",
        "Met python -m toeleiding check-calibration.",
        "Daarna `make render FORCE=1`.",
        "Staat in data/calibration/2018.yaml.",
        "Het bestand `data/raw/<jaar>.csv`.",
    ],
)
def test_repository_talk_is_seen(text):
    assert _repo_talk(text), text


def test_repository_talk_is_allowed_for_researchers_and_in_links():
    text = (
        "Lees verder.\n\n"
        '::: {.callout-note collapse="true" title="Voor onderzoekers"}\n'
        "Zie `docs/ASSUMPTIONS.md`; draai `dvc repro`.\n\n"
        "::: {.callout-tip}\nbinnen: params.yaml\n:::\n\n"
        "```bash\n:::\nmake all\n```\n"
        ":::\n\n"
        "De [CSV](data/fig-beleid.csv) en de zip met `datapackage.json`, op <https://x.nl/a/b.md>.\n"
    )
    assert _repo_talk(text) == []
    assert _repo_talk(text + "Buiten: params.yaml\n") == ["params.yaml"]


# --- templates ------------------------------------------------------------------------------


def test_a_template_names_its_missing_values(tmp_path):
    t = tmp_path / "t.qmd"
    t.write_text("# Titel {#sec-t}\n\nIn {{ jaar }} deden {{ n|woord }} gemeenten mee.\n")
    assert fill(t, jaar=2018, n=3) == "# Titel {#sec-t}\n\nIn 2018 deden drie gemeenten mee.\n"
    with pytest.raises(TemplateError, match=r"t\.qmd: no value for placeholder n \(given: jaar\)"):
        fill(t, jaar=2018)
    t.write_text("Regel een.\n{{ klasse.label }}\n")
    with pytest.raises(TemplateError, match=r"t\.qmd, line 2: .*label"):
        fill(t, klasse={})
    t.write_text("{% if x %}\nopen\n")
    with pytest.raises(TemplateError, match=r"t\.qmd, line \d"):
        fill(t, x=True)
    with pytest.raises(TemplateError, match="does not exist"):
        fill(tmp_path / "weg.qmd")


@pytest.mark.parametrize("name", sorted(p.name for p in BIJLAGEN.glob("*.qmd")))
def test_every_appendix_template_names_what_it_misses(name):
    with pytest.raises(TemplateError, match=rf"{name}: no value for placeholders? \w"):
        fill(BIJLAGEN / name)


def test_a_template_error_stops_the_book_naming_the_template(tmp_path):
    (tmp_path / "colofon.qmd").write_text("{{ jaar }} {{ onbekend }}\n")
    lock = {"stages": {"clean@2018": {
        "deps": [{"path": "data/raw/2018.csv", "md5": "a" * 32}],
        "outs": [{"path": "data/clean/2018.parquet", "md5": "b" * 32}],
    }}}  # fmt: skip
    with pytest.raises(BookError, match=r"colofon\.qmd: no value for placeholder onbekend"):
        colophon_qmd(2018, INFO, lock, texts=tmp_path)


def test_book_py_holds_no_dutch_prose():
    """Reader text lives in the templates: book.py keeps at most one short Dutch sentence."""
    dutch = {"de", "het", "een", "en", "van", "in", "is", "zijn", "niet", "die", "dat", "voor",
             "met", "op", "wordt", "deze", "elke", "gemeenten", "als"}  # fmt: skip
    tree = ast.parse((paths.ROOT / "src" / "toeleiding" / "book.py").read_text())
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and n.body and isinstance(n.body[0], ast.Expr)
    }  # fmt: skip
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            text = node.value
        else:
            continue
        words = re.findall(r"[a-zà-ÿ]+", re.sub(r"<[^>]*>", " ", text).lower())
        sentences = len(re.findall(r"[a-z][.!?](?:\s|$)", text))
        if sum(w in dutch for w in words) >= 3 and (len(words) > 10 or sentences > 1):
            found.append(text)
    assert not found, found


# --- the assumptions log in reader terms -----------------------------------------------------


def test_reader_log_rules():
    text = (
        "Inleiding met een bron in `../shared/seeds/`. <!-- boek: Inleiding zonder bron. -->\n"
        "Weg ermee. <!-- boek: -->\n\n"
        "**A01 — Afronden.**\n"
        "We ronden af (`src/toeleiding/rounding.py`), exact.\n"
        "Leesbaar blijft `1`/`0` en (`datapackage.json`).\n\n"
        "**I04 — Alleen techniek.**\n"
        "`add-export` vervangt het bestand.\n"
        "Alleen `params.yaml` verandert.\n\n"
        "**S01 — Zonder code.**\n"
        "Gewone tekst.\n"
    )
    log, taken = reader_log(text)
    assert log.startswith("Inleiding zonder bron.\n\n**A01 — Afronden.**\nWe ronden af, exact.\n")
    assert "Leesbaar blijft `1`/`0` en (`datapackage.json`)." in log
    assert "I04" not in log and "Weg ermee" not in log and "<!--" not in log
    assert "**S01 — Zonder code.**\nGewone tekst.\n" in log
    assert taken == [
        (None, "`../shared/seeds/`"),
        (None, "Weg ermee."),
        ("A01", "`src/toeleiding/rounding.py`"),
        ("I04", "Alleen techniek."),
        ("I04", "`add-export` vervangt het bestand."),
        ("I04", "Alleen `params.yaml` verandert."),
    ]


def test_the_book_keeps_every_assumption_of_the_log(tmp_path):
    log = BOOK_INPUTS["assumptions"]
    repo = log.read_text(encoding="utf-8")
    book = assumptions_qmd(log)
    assert book.startswith("# Aannamelog {#sec-aannamelog}\n")
    assert "<!--" not in book and not _repo_talk(book)
    for entry in re.findall(r"^\*\*([A-Z]+\d+) — ", repo, re.M):
        assert f"**{entry} — " in book or f"**{entry}**" in book, entry
    (_, openings) = _researchers_blocks(book)
    assert len(openings) == 1 and 'collapse="true"' in openings[0]


# --- the assembled editions -------------------------------------------------------------------


def test_no_repository_talk_outside_voor_onderzoekers(editions):
    found = {}
    for year, src in editions.items():
        for page, text in edition_pages(src).items():
            talk = _repo_talk(text)
            if talk:
                found[(year, page)] = talk
    assert not found, found


def test_every_voor_onderzoekers_block_is_folded(editions):
    for year, src in editions.items():
        for page, text in edition_pages(src).items():
            for line in _researchers_blocks(text)[1]:
                assert ".callout" in line and 'collapse="true"' in line, (year, page, line)


def test_the_templates_are_not_published(editions):
    for src in editions.values():
        assert not (src / TEXTS).exists()
        assert not any("{{" in t or "{%" in t for t in edition_pages(src).values())


def test_colophon_cites_publication_edition_and_access_date(editions):
    for year, src in editions.items():
        text = (src / "colofon.qmd").read_text(encoding="utf-8")
        pub = load_publication(paths.TEXTS_DIR, year)
        if pub is not None:
            assert pub.title in text and pub.publisher in text, year
            if pub.url:
                assert f"]({pub.url})" in text, year
        outside, openings = _researchers_blocks(text)
        assert len(openings) == 1 and 'collapse="true"' in openings[0]
        assert "Zo citeert u deze editie" in outside
        day = re.search(r"geraadpleegd op (\d{1,2}) (\w+) (\d{4})", outside)
        assert day, year
        cited = date(int(day[3]), MONTHS.index(day[2]) + 1, int(day[1]))
        commit = re.search(r"`([0-9a-f]{40})`", text)[1]
        assert commit not in outside and text.count(commit) == 1  # the commit once, folded
        assert re.search(r"\| Datum van de commit \| (\S+) \|", text)[1] == cited.isoformat()
        assert not _repo_talk(text)


def test_methods_appendix_explains_the_tests_once(editions):
    for src in editions.values():
        text = (src / "methoden.qmd").read_text(encoding="utf-8")
        assert text.count("{#sec-toetsen}") == 1
        assert "p-waarde" in text.split("{#sec-toetsen}")[1]
