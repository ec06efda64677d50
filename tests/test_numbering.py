"""The numbers of figures and tables: the item's name in its caption, never Quarto's count."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from toeleiding import items, numbering, paths

BOOK = paths.ROOT / "book"


# --- what Quarto numbers (simulated, for the tests of assembled editions) -----------------------


def _page_text(src: Path, page: str) -> str:
    if page.endswith(".ipynb"):
        nb = nbformat.read(src / page, as_version=4)
        return "\n\n".join(c.source for c in nb.cells)
    return (src / page).read_text(encoding="utf-8")


def _float_keys(config: dict) -> set[str]:
    custom = (config.get("crossref") or {}).get("custom") or []
    return {"fig", "tbl", "lst"} | {c["key"] for c in custom}


def quarto_numbers(src: Path) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """What Quarto's book numbering shows for an assembled edition, simulated.

    The rule (Quarto 1.4 and newer, a book with ``crossref.chapters``, as the rendered site
    in ``../shared/rendered/site`` shows it):

    - The files of ``book.chapters`` are chapters in their order, parts excepted; a file whose
      first heading carries ``.unnumbered`` (the index) gets no number, every other file the
      next number. The files of ``book.appendices`` get the letters A, B, … in their order.
    - On a page, a float is a block whose id starts with a cross-reference key (``fig-``,
      ``tbl-``, ``lst-`` or the ``key`` of a type in ``crossref.custom``). Quarto counts the
      floats of each key per page in order and shows ``<chapter>.<count>`` after the key's
      title (``Tabel B.1``); on an unnumbered page the count alone.
    - Any other block, such as an item (``numbering``), gets no number from Quarto: the reader
      sees the caption as written.

    Returns
    -------
    Per page its chapter number or letter ("" when unnumbered), and every float as
    (page, id, the number Quarto shows).
    """
    config = yaml.safe_load((src / "_quarto.yml").read_text(encoding="utf-8"))
    keys = _float_keys(config)
    chapter_of: dict[str, str] = {}
    n = 0

    def walk(entries, appendix: bool) -> None:
        nonlocal n
        for entry in entries or []:
            if isinstance(entry, dict):
                walk(entry.get("chapters"), appendix)
                continue
            first = re.search(r"^# .*$", _page_text(src, entry), re.M)
            if appendix:
                chapter_of[entry] = chr(ord("A") + sum(1 for v in chapter_of.values() if
                                                       v.isalpha()))  # fmt: skip
            elif first and re.search(r"\{[^}]*\.unnumbered[^}]*\}", first[0]):
                chapter_of[entry] = ""
            else:
                n += 1
                chapter_of[entry] = str(n)

    walk(config["book"].get("chapters"), False)
    walk(config["book"].get("appendices"), True)
    found = []
    for page, chapter in chapter_of.items():
        counts: dict[str, int] = {}
        ids = re.findall(r"\{#(([a-z]+)-[\w-]+)", _page_text(src, page))
        for label, key in ids:
            if key in keys:
                counts[key] = counts.get(key, 0) + 1
                number = f"{chapter}.{counts[key]}" if chapter else str(counts[key])
                found.append((page, label, number))
    return chapter_of, found


def shown_items(src: Path) -> list[tuple[str, numbering.Shown]]:
    """Every item block of an assembled edition, with its page, in book order."""
    config = yaml.safe_load((src / "_quarto.yml").read_text(encoding="utf-8"))
    from toeleiding.book import book_files

    return [
        (page, s) for page in book_files(config) for s in numbering.shown(_page_text(src, page))
    ]


# --- the names of the items ----------------------------------------------------------------------


def test_every_item_has_an_anchor_quarto_does_not_number():
    keys = _float_keys(yaml.safe_load((BOOK / "_quarto.yml").read_text()))
    anchors = {numbering.anchor(i) for i in items.ITEMS}
    assert len(anchors) == len(items.ITEMS)
    assert not {a for a in anchors if a.split("-")[0] in keys | numbering.QUARTO_KEYS}
    assert numbering.anchor("Figuur 3.2") == "figuur-3-2"
    assert numbering.anchor("Tabel M.1") == "tabel-m-1"
    for bad in ("Fig 3", "tbl 1", "…"):
        with pytest.raises(numbering.NumberingError):
            numbering.anchor(bad)


def test_a_caption_starts_with_the_items_number():
    for item in items.ITEMS:
        cap = numbering.caption(item, "Wat de figuur toont (n = 12).")
        assert numbering.number_in(cap) == item
        assert cap.endswith(": Wat de figuur toont (n = 12).")
    assert set(numbering.NUMBER_NOTES) <= set(items.ITEMS)


def test_the_second_figure_10_4_says_the_report_numbers_it_10_4_too():
    cap = numbering.caption("Figuur 10.4b", "Zicht op uitstroom (n = 282).")
    assert cap.startswith("Figuur 10.4b (in het rapport ook genummerd 10.4): Zicht")
    assert numbering.number_in(cap) == "Figuur 10.4b"


def test_blocks_are_read_back_as_written():
    fig = numbering.figure("Figuur 3.2", "fig-a", "Een [figuur] (n = 3).", "figures/fig-a.png",
                           'Staaf "a": 3%', 640)  # fmt: skip
    tbl = numbering.table("Tabel 1", "tbl-b", "Respons.", "| a | b |\n|:--|--:|\n| x | 1 |")
    found = numbering.shown(f"Tekst.\n\n{fig}\n\nMeer tekst.\n\n{tbl}\n")
    assert [(s.anchor, s.item, s.slug, s.kind) for s in found] == [
        ("figuur-3-2", "Figuur 3.2", "fig-a", "fig"),
        ("tabel-1", "Tabel 1", "tbl-b", "tbl"),
    ]
    assert found[0].caption == "Figuur 3.2: Een [figuur] (n = 3)."
    assert "fig-alt=\"Staaf 'a': 3%\"" in fig and "{#fig-" not in fig + tbl
    assert found[1].caption == "Tabel 1: Respons."
    with pytest.raises(numbering.NumberingError, match="#x"):
        numbering.shown('::: {#x .boekitem data-item="X" data-bestand="x"}\nTekst.\n:::')


def test_references_become_links_that_name_the_number():
    fig = numbering.shown(numbering.figure("Figuur 10.4b", "fig-z", "Z.", "z.png", "alt", 1))[0]
    tbl = numbering.shown(numbering.table("Tabel 1", "tbl-r", "R.", "| a |\n|--|\n| 1 |"))[0]
    targets = {"fig-z": ("randvoorwaarden.html", fig), "tbl-r": ("methode.html", tbl)}
    text = ("Zie @fig-z en @Tbl-r, [@tbl-r] of [-@fig-z]; mail@fig-z.nl en @tbl-gewichten "
            "blijven, @sec-a ook.")  # fmt: skip
    out, missing = numbering.resolve(text, "methode.html", targets)
    assert out == (
        "Zie [figuur 10.4b](randvoorwaarden.html#figuur-10-4b) en [Tabel 1](#tabel-1), "
        "[tabel 1](#tabel-1) of [10.4b](randvoorwaarden.html#figuur-10-4b); mail@fig-z.nl en "
        "@tbl-gewichten blijven, @sec-a ook."
    )
    assert missing == ["tbl-gewichten"]


def test_references_are_resolved_on_every_page_or_the_edition_fails(tmp_path):
    fig = numbering.figure("Trend 3.1", "fig-t", "T.", "t.png", "alt", 1)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(fig), nbformat.v4.new_markdown_cell("Zie @fig-t.")]
    nbformat.write(nb, tmp_path / "beleid.ipynb")
    (tmp_path / "downloads.qmd").write_text("| @fig-t |\n\n: Alles {#tbl-d}\n\nZie @tbl-d.\n")
    targets = numbering.resolve_references(tmp_path, ["beleid.ipynb", "downloads.qmd"])
    assert targets["fig-t"][0] == "beleid.html"
    cells = nbformat.read(tmp_path / "beleid.ipynb", as_version=4).cells
    assert cells[1].source == "Zie [trend 3.1](#trend-3-1)."
    text = (tmp_path / "downloads.qmd").read_text()
    assert "| [trend 3.1](beleid.html#trend-3-1) |" in text and "Zie @tbl-d." in text
    (tmp_path / "downloads.qmd").write_text("Zie @fig-weg.\n")
    with pytest.raises(numbering.NumberingError, match="downloads.qmd: .*@fig-weg"):
        numbering.resolve_references(tmp_path, ["beleid.ipynb", "downloads.qmd"])
    (tmp_path / "dubbel.qmd").write_text(fig)
    with pytest.raises(numbering.NumberingError, match="already shown"):
        numbering.resolve_references(tmp_path, ["beleid.ipynb", "dubbel.qmd"])


def test_the_simulation_of_quarto_numbers_floats_per_chapter_and_nothing_else(tmp_path):
    config = {
        "book": {
            "chapters": ["index.qmd", "a.qmd", {"part": "P", "chapters": ["b.qmd"]}],
            "appendices": ["x.qmd", "y.qmd"],
        },
        "crossref": {"custom": [{"kind": "float", "key": "vid", "reference-prefix": "Video"}]},
    }
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump(config))
    item = numbering.table("Tabel 3.1", "tbl-i", "I.", "| a |\n|--|\n| 1 |")
    pages = {
        "index.qmd": "# Start {.unnumbered}\n\n: T {#tbl-s}\n",
        "a.qmd": "# A\n\n: T {#tbl-a}\n\n::: {#vid-a}\nV\n:::\n\n: T {#tbl-b}\n",
        "b.qmd": f"# B\n\n{item}\n\n: T {{#tbl-c}}\n",
        "x.qmd": "# X\n",
        "y.qmd": "# Y\n\n![F](f.png){#fig-y}\n",
    }
    for name, text in pages.items():
        (tmp_path / name).write_text(text)
    chapters, floats = quarto_numbers(tmp_path)
    assert chapters == {"index.qmd": "", "a.qmd": "1", "b.qmd": "2", "x.qmd": "A", "y.qmd": "B"}
    assert floats == [
        ("index.qmd", "tbl-s", "1"),
        ("a.qmd", "tbl-a", "1.1"),
        ("a.qmd", "vid-a", "1.1"),
        ("a.qmd", "tbl-b", "1.2"),
        ("b.qmd", "tbl-c", "2.1"),
        ("y.qmd", "fig-y", "B.1"),
    ]
    assert [(p, s.item) for p, s in shown_items(tmp_path)] == [("b.qmd", "Tabel 3.1")]
