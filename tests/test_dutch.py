"""Reader text in Dutch house style: small counts in words, no awkward phrasings come back.

Dutch house style writes a count up to twenty in words ('vier vragen', 'hoogstens drie') and
uses digits for percentages, statistics, dates, years and references to figures. The check
reads what a reader reads: the executed chapters of every edition (build/), without the
question wording of the questionnaire, which is quoted as it was asked.
"""

import re

import nbformat
import pytest
import yaml

from toeleiding import paths
from toeleiding.chapter import Chapter, NoAnswers
from toeleiding.codebook import load_codebook

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
CHAPTERS = PARAMS["execute"]["chapters"]
YEARS = PARAMS["years"]
BUILD = paths.ROOT / "build"

MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november"
          "|december")  # fmt: skip
# What may hold a small number in digits: references, statistics, dates, list numbers, and
# anything in Markdown syntax (links, attributes, code).
NOT_PROSE = [
    r"```.*?```",  # code blocks
    r"`[^`]*`",  # inline code
    r"\]\([^)]*\)",  # link targets
    r"\{[^}]*\}",  # attributes, ids, alt text
    r"\b(Figuur|Tabel|Trend|Kaart|[Hh]oofdstuk|[Pp]aragraaf|[Bb]ijlage|§)\s*[A-Z]?\.?\d+(\.\d+)*[a-z]?",
    r"\bt\(\d+\)",  # t with its degrees of freedom
    r"\b[npt]\s*[=<>]\s*[−-]?\d+(,\d+)?",  # n = 12, p < 0,001, t = 2,1
    rf"\b\d+\s+({MONTHS})",  # dates
    r"(?m)^\s*\d+\.\s",  # numbered lists
]
# A count of at most twenty in digits: not part of a word or code ('G4', 'T02'), not a decimal
# ('3,6'), not a percentage ('4%', '4 procent', '4 procentpunt') and not a range of years.
SMALL = re.compile(r"(?<![\w,.−-])([0-9]|1[0-9]|20)(?![\w,.%]|\s*(%|procent))")


def small_counts(text: str, quoted: list[str] = ()) -> list[str]:
    """Every small count in digits in reader text, with a little context.

    ``quoted`` are question texts, left as they were asked; tables (lines that start with a
    pipe) hold statistics and are skipped.
    """
    for q in sorted(quoted, key=len, reverse=True):
        text = text.replace(q, " ")
    for pattern in NOT_PROSE:
        text = re.sub(pattern, " ", text, flags=re.S)
    found = []
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            continue
        for m in SMALL.finditer(line):
            found.append(line[max(0, m.start() - 40) : m.end() + 30].strip())
    return found


def test_small_counts_are_found_and_statistics_left_alone():
    text = (
        "Bij 4 vragen is de basis kleiner.\n"
        "Kies maximaal 3 maatregelen die het meest effect hebben.\n"
        "Zie Figuur 3.1 en Tabel 1 (n = 12); t(8) = 2,1, p < 0,001; 12% en 3 procentpunt.\n"
        "De G4 en de G40, aanname T02, op 5 maart, gemiddeld 3,6 antwoorden.\n"
        "| Ja | 7 | 3% |\n"
        "1. **Eerst.**\n"
        "[Data](data/fig-3.csv){#fig-3 width=7} en `make 2`."
    )
    quoted = ["Kies maximaal 3 maatregelen die het meest effect hebben."]
    assert small_counts(text, quoted) == ["Bij 4 vragen is de basis kleiner."]
    assert len(small_counts(text)) == 2  # without the question, its '3' counts too


def _question_texts() -> list[str]:
    texts = set()
    for path in sorted(paths.CODEBOOK_DIR.glob("*.yaml")):
        for q in load_codebook(path).questions:
            text = " ".join(q.text.split())
            texts.update({text, text.rstrip(".?")})  # a caption drops the final stop
            texts.update(o.label for o in q.options)
    return sorted(texts)


def _reader_text(chapter: str, year: int) -> str:
    path = BUILD / chapter / str(year) / f"{chapter}.ipynb"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `dvc repro execute` first")
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("data", {}).get("text/markdown", ""))
    return "\n\n".join(parts)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_small_counts_in_running_text_are_words(chapter):
    quoted = _question_texts()
    problems = [
        f"{chapter} {year}: {found}"
        for year in YEARS
        for found in small_counts(_reader_text(chapter, year), quoted)
    ]
    assert not problems, problems


# Phrasings an editor struck out (issue 10, item 9); none may come back in any edition.
STRUCK = [
    r"% biedt haar niet",
    r"Het aandeel gemeenten waar dat in \d{4} kan, is voor",
    r"in \d{4} \d+ en in \d{4} \d+ antwoordopties",
    r"hoort geen figuur",
    r"\d+% zegt \(ruim\)",  # 'en 34% zegt': the verb comes first
]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_struck_phrasings_stay_out(chapter):
    for year in YEARS:
        text = _reader_text(chapter, year)
        for pattern in STRUCK:
            assert not re.search(pattern, text), (chapter, year, pattern)


def test_spell_writes_counts_as_dutch_house_style():
    assert [Chapter.spell(n) for n in (0, 1, 4, 18.0, 20, 21, 282)] == [
        "nul", "één", "vier", "achttien", "twintig", "21", "282",
    ]  # fmt: skip
    assert Chapter.spell(2.5) == "2,5"
    assert Chapter.spell(NoAnswers()) == "–"
