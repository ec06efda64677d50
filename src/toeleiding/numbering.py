"""The numbers of the figures and tables: the report's own, the same in every edition.

Every item of the book (``items.ITEMS``) is named by its number: ``"Figuur 3.2"``,
``"Tabel 1"``, or a series of the book's own for what the report does not have
(``"Trend 3.1"``, the trend beside Figuur 3.1; ``"Tabel M.1"``; ``"Kerncijfers"``). That name
is the number the reader sees, the ``item`` column of the item's CSV, and the anchor of its
block (``#figuur-3-2``), in every edition.

Quarto does not number the items. Quarto numbers a float (an id that starts with ``fig-``,
``tbl-`` or the key of a custom type) by counting per chapter in book order; it cannot give
one float a number of its own choosing. The report's numbers are not such a count: its Tabel 1
has no chapter number, the first figure of chapter 6 is Figuur 6.2, two figures are numbered
10.4, and an edition that lacks an item (most of 2016 and 2017) would shift every later
number. So an item is a plain block with an id of its own and a caption that starts with its
name::

    ::: {#figuur-3-2 .boekitem data-item="Figuur 3.2" data-bestand="fig-klantmanagers"}
    ![Figuur 3.2: Klantmanagers die statushouders begeleiden (n = 282).](figures/…){…}
    :::

A reference in the text keeps Quarto's form: ``@fig-klantmanagers`` (the item's file name,
its ``slug``) becomes a link that names the number, ``[figuur 3.2](beleid.html#figuur-3-2)``,
when the book is assembled (``resolve_references``); ``@Fig-…`` starts with a capital and
``[-@fig-…]`` gives the number alone. Only floats that are not items (the tables of the
appendices) keep Quarto's numbering, with the appendix letter (Tabel B.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

# The class of an item's block; its data attributes name the item and its files.
CLASS = "boekitem"

# Keys Quarto reads as cross-reference types at the start of an id (``fig-…``); an item's
# anchor must not start with one, or Quarto would number the item after all.
QUARTO_KEYS = frozenset("fig tbl lst eq sec thm lem cor prp cnj def exm exr sol rem apx ch".split())

# What a caption says beside an item's number (ASSUMPTIONS T05: the report prints two
# figures as 10.4; the second is 10.4b here).
NUMBER_NOTES = {"Figuur 10.4b": "in het rapport ook genummerd 10.4"}


class NumberingError(ValueError):
    """An item's name gives no usable anchor, or a reference points at nothing."""


def anchor(item: str) -> str:
    """The id of an item's block: its name in lower case, words joined by hyphens.

    ``"Figuur 3.2"`` gives ``"figuur-3-2"``, ``"Tabel M.1"`` gives ``"tabel-m-1"``.

    Raises
    ------
    NumberingError
        When the name gives an empty id, or one that Quarto would read as a cross-reference.
    """
    out = re.sub(r"[^0-9a-z]+", "-", item.lower()).strip("-")
    if not out or out.split("-")[0] in QUARTO_KEYS:
        raise NumberingError(f"item {item!r} gives the anchor {out!r}, which Quarto would number")
    return out


def label(item: str) -> str:
    """The item's number as its caption starts: the name, and a note beside it if any."""
    note = NUMBER_NOTES.get(item)
    return f"{item} ({note})" if note else item


def caption(item: str, text: str) -> str:
    """A caption that starts with the item's number: ``"Figuur 3.2: <text>"``."""
    return f"{label(item)}: {text.strip()}"


def number_in(caption_text: str) -> str:
    """The number a caption starts with (the inverse of ``caption``): ``"Figuur 10.4b"``."""
    head = caption_text.split(": ", 1)[0]
    return re.sub(r" \([^)]*\)$", "", head)


def block(item: str, slug: str, body: str) -> str:
    """The Markdown of an item: its figure or table, with its anchor, name and file name."""
    attrs = f'#{anchor(item)} .{CLASS} data-item="{item}" data-bestand="{slug}"'
    return f"::: {{{attrs}}}\n{body.strip()}\n:::"


def figure(item: str, slug: str, text: str, path: str, alt: str, width: int) -> str:
    """An item's figure: the image with its numbered caption, alt text and display width."""
    alt = alt.replace('"', "'")
    body = f'![{caption(item, text)}]({path}){{fig-alt="{alt}" width="{width}"}}'
    return block(item, slug, body)


def table(item: str, slug: str, text: str, pipe_table: str) -> str:
    """An item's table: the pipe table and its numbered caption (shown above the table)."""
    return block(item, slug, f"{pipe_table.strip()}\n\n: {caption(item, text)}")


@dataclass(frozen=True)
class Shown:
    """An item as the Markdown of a page shows it."""

    anchor: str
    item: str
    slug: str
    kind: str  # "fig" or "tbl"
    caption: str
    body: str


BLOCK = re.compile(
    r"^::: \{#(?P<anchor>[\w-]+) \." + CLASS + r' data-item="(?P<item>[^"]+)" '
    r'data-bestand="(?P<slug>[^"]+)"\}\n(?P<body>.*?)\n:::$',
    re.M | re.S,
)
_FIG_CAPTION = re.compile(r"^!\[(.*)\]\([^)]+\)\{[^}]*\}\s*$", re.S)
_TBL_CAPTION = re.compile(r"^: (.+)$", re.M)


def shown(text: str) -> list[Shown]:
    """Every item block in a page's Markdown, in order, with its caption.

    Raises
    ------
    NumberingError
        When a block has neither a captioned image nor a captioned table.
    """
    out = []
    for m in BLOCK.finditer(text):
        body = m["body"]
        fig = _FIG_CAPTION.match(body.strip())
        if fig:
            kind, cap = "fig", fig.group(1)
        else:
            caps = _TBL_CAPTION.findall(body)
            if not caps or "|" not in body:
                raise NumberingError(f"block #{m['anchor']} holds no captioned figure or table")
            kind, cap = "tbl", caps[-1]
        out.append(Shown(m["anchor"], m["item"], m["slug"], kind, " ".join(cap.split()), body))
    return out


# A reference to an item: Quarto's syntax, with the item's file name (slug) as the label.
REF = re.compile(
    r"\[(?P<bare>-?)@(?P<blabel>(?:[Ff]ig|[Tt]bl)-[\w-]*\w)\]"
    r"|(?<![\w@\[-])@(?P<label>(?:[Ff]ig|[Tt]bl)-[\w-]*\w)"
)


def resolve(text: str, page: str, targets: dict[str, tuple[str, Shown]]) -> tuple[str, list]:
    """Turn the references to items in ``text`` (of ``page``) into links that name the number.

    Parameters
    ----------
    text
        Markdown.
    page
        The output page of ``text`` (``beleid.html``): a link within it needs no file name.
    targets
        Per item slug, the output page that shows it and the item.

    Returns
    -------
    The text, and the labels referred to that name no item of ``targets``.
    """
    missing = []

    def link(m: re.Match) -> str:
        ref = m["blabel"] or m["label"]
        key = ref[0].lower() + ref[1:]
        if key not in targets:
            missing.append(ref)
            return m[0]
        where, item = targets[key]
        name = item.item  # the number without the note beside it in the caption
        if m["bare"]:
            name = name.split(" ", 1)[-1]  # [-@fig-x]: the number alone
        elif not ref[0].isupper():
            name = name[0].lower() + name[1:]
        href = f"#{item.anchor}" if where == page else f"{where}#{item.anchor}"
        return f"[{name}]({href})"

    return REF.sub(link, text), missing


def _page_texts(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [c.source for c in nb.cells if c.cell_type == "markdown"]
    return [path.read_text(encoding="utf-8")]


def resolve_references(folder: str | Path, pages: list[str]) -> dict[str, tuple[str, Shown]]:
    """Resolve the references to items on every page of an assembled edition, in place.

    Parameters
    ----------
    folder
        The edition's source folder.
    pages
        Its chapter and appendix files (``.qmd`` and flattened ``.ipynb``), in book order.

    Returns
    -------
    Per item slug, the output page that shows it and the item.

    Raises
    ------
    NumberingError
        When two blocks share an anchor or a file name, or a reference to a figure or table
        (``@fig-…``, ``@tbl-…``) names neither an item of the edition nor a float Quarto numbers.
    """
    folder = Path(folder)
    targets: dict[str, tuple[str, Shown]] = {}
    anchors: dict[str, str] = {}
    floats: set[str] = set()
    for page in pages:
        html = str(Path(page).with_suffix(".html"))
        for text in _page_texts(folder / page):
            floats |= set(re.findall(r"\{#((?:fig|tbl)-[\w-]+)", text))
            for s in shown(text):
                if s.anchor in anchors or s.slug in targets:
                    raise NumberingError(
                        f"{page}: #{s.anchor} ({s.slug}) is already shown on "
                        f"{anchors.get(s.anchor) or targets[s.slug][0]}"
                    )
                anchors[s.anchor] = html
                targets[s.slug] = (html, s)
    for page in pages:
        path = folder / page
        html = str(Path(page).with_suffix(".html"))
        problems: list[str] = []
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source, missing = resolve(cell.source, html, targets)
                    problems += missing
            changed = nb
        else:
            text, problems = resolve(path.read_text(encoding="utf-8"), html, targets)
            changed = text
        problems = [p for p in problems if p[0].lower() + p[1:] not in floats]
        if problems:
            raise NumberingError(
                f"{page}: no figure or table of this edition for "
                + ", ".join(f"@{p}" for p in sorted(set(problems)))
            )
        if isinstance(changed, str):
            path.write_text(changed, encoding="utf-8")
        else:
            nbformat.write(changed, path)
    return targets
