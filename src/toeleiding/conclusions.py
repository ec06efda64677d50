"""What the conclusions chapter shows beside its computed findings.

Two things: the recommendations of the publication that first reported a wave, summarised in
our own words in ``notebooks/teksten/aanbevelingen-<year>.md`` (editors change the Dutch there,
not here), and, for every question that an edition shares with earlier waves, whether its
wording or its answer options changed in between (computed from the codebooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .codebook import Codebook

# Questions whose change between waves the conclusions chapter describes, in chapter order.
COMPARED = [
    ("beleid_aanvullend", "beleid"),
    ("aanbod", "beleid"),
    ("startmoment", "startmoment"),
    ("zicht_achtergrond", "startmoment"),
    ("combinatie_opleiding", "onderwijs"),
    ("route_werk", "resultaten"),
    ("betaald_werk_gemeente", "resultaten"),
    ("budgetten", "randvoorwaarden"),
    ("inbedding", "randvoorwaarden"),
]


class TextError(ValueError):
    """A text file of the book is malformed."""


@dataclass(frozen=True)
class Publication:
    """The original publication of a wave and our summary of its recommendations."""

    title: str
    publisher: str
    year: int
    body: str
    part: str | None = None
    url: str | None = None

    def attribution(self) -> str:
        """One Dutch sentence naming title, publisher, year and (if known) the part and link."""
        title = f"[*{self.title}*]({self.url})" if self.url else f"*{self.title}*"
        part = f", {self.part}" if self.part else ""
        return f"Bron: {title}, {self.publisher}, {self.year}{part}."


def load_publication(texts_dir: str | Path, year: int) -> Publication | None:
    """Read ``aanbevelingen-<year>.md`` (YAML front matter and Markdown), or None if absent.

    Raises
    ------
    TextError
        When the file has no front matter or misses ``titel``, ``uitgever`` or ``jaar``.
    """
    path = Path(texts_dir) / f"aanbevelingen-{year}.md"
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    parts = text.split("---\n", 2)
    if len(parts) != 3 or parts[0].strip():
        raise TextError(f"{path}: expected YAML front matter between two '---' lines at the top")
    meta = yaml.safe_load(parts[1]) or {}
    missing = [k for k in ("titel", "uitgever", "jaar") if not meta.get(k)]
    if missing:
        raise TextError(f"{path}: front matter lacks {', '.join(missing)}")
    return Publication(
        title=str(meta["titel"]),
        publisher=str(meta["uitgever"]),
        year=int(meta["jaar"]),
        body=parts[2].strip(),
        part=meta.get("deel"),
        url=meta.get("url"),
    )


@dataclass(frozen=True)
class Change:
    """How one question compares between an earlier wave and this edition's wave."""

    name: str
    chapter: str
    text: str
    earlier: int
    wording_changed: bool
    added: tuple[str, ...]
    dropped: tuple[str, ...]
    partial: bool = False  # the sources give only some options of one of the two questions


def question_change(name: str, chapter: str, earlier: Codebook, now: Codebook) -> Change | None:
    """Compare a question between two waves; None when one of them did not ask it."""
    old, new = earlier.by_harmonised(name), now.by_harmonised(name)
    if old is None or new is None:
        return None
    old_opts = {o.key: o.label for o in old.options}
    new_opts = {o.key: o.label for o in new.options}
    return Change(
        name=name,
        chapter=chapter,
        text=new.text,
        earlier=earlier.wave,
        wording_changed=_norm(old.text) != _norm(new.text),
        added=tuple(new_opts[k] for k in new_opts if k not in old_opts),
        dropped=tuple(old_opts[k] for k in old_opts if k not in new_opts),
        partial=bool(old.partial_options or new.partial_options),
    )


def changes(codebooks: dict[int, Codebook], year: int) -> list[Change]:
    """Every compared question of ``year`` against the latest earlier wave that asked it."""
    out = []
    for name, chapter in COMPARED:
        for y in sorted((y for y in codebooks if y < year), reverse=True):
            change = question_change(name, chapter, codebooks[y], codebooks[year])
            if change is not None:
                out.append(change)
                break
    return out


def _norm(text: str) -> str:
    return " ".join(str(text).lower().split())


NUMBER_WORDS = ["nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen",
                "tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien",
                "zeventien", "achttien", "negentien", "twintig"]  # fmt: skip


def number_word(n: int) -> str:
    """A count as Dutch house style writes it in running text: words up to twenty, then digits."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def words(parts: list[str]) -> str:
    """Join phrases as Dutch prose: 'a', 'a en b', 'a, b en c'."""
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def describe(change: Change, listed: int = 3) -> str:
    """What changed in a question between two waves, in one clause of Dutch ('' if nothing).

    A few new or dropped options are named; more are counted, so that a question that grew
    from a short list into a long one does not fill the page.
    """

    def options(labels: tuple[str, ...], verb: str) -> str:
        n = len(labels)
        subject = (
            "er is één antwoordoptie" if n == 1 else f"er zijn {number_word(n)} antwoordopties"
        )
        quoted = [f"'{label}'" for label in labels]
        named = f" ({words(quoted)})" if n <= listed else ""
        return f"{subject} {verb}{named}"

    parts = []
    if change.wording_changed:
        parts.append("de vraag is anders geformuleerd")
    if change.partial:
        # Options the sources do not give cannot be counted as added or dropped.
        parts.append("van een van beide metingen zijn niet alle antwoordopties bekend")
    elif change.added:
        parts.append(options(change.added, "bijgekomen"))
    if change.dropped and not change.partial:
        parts.append(options(change.dropped, "vervallen"))
    if not parts:
        return ""
    return f"{words(parts)}, dus de cijfers zijn niet één op één te vergelijken"
