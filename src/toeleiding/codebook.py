"""The codebook: one machine-readable description per survey wave.

The codebook drives validation, cleaning and the labels in the book. Each question has an id
(the column name in the survey tool's export), a harmonised name shared across waves, a type,
answer options, optional routing and the chapter it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

TYPES = ("single", "likert5", "multi", "estimate", "count", "open_text")
CATEGORICAL = ("single", "likert5")


class CodebookError(ValueError):
    """A codebook file is not well formed."""


@dataclass(frozen=True)
class Option:
    """One answer option of a question."""

    code: int
    key: str
    label: str
    assumed: bool = False


@dataclass(frozen=True)
class Routing:
    """Condition under which a question is asked.

    Either ``codes`` (the earlier single-choice question has one of these codes) or ``option``
    (the earlier multiple-response question has this option ticked).
    """

    question: str
    codes: tuple[int, ...] = ()
    option: int | None = None

    def describe(self) -> str:
        """Return the condition in words, for error messages."""
        if self.option is not None:
            return f"{self.question}_{self.option} = 1"
        return f"{self.question} in {list(self.codes)}"


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire."""

    id: str
    harmonised: str
    chapter: str
    type: str
    text: str
    items: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    routing: Routing | None = None
    required: bool = False
    exclusive: tuple[int, ...] = ()
    max_answers: int | None = None
    block: str | None = None
    note: str = ""  # provenance for captions, e.g. which shares the sources do not give
    # The sources give shares for some options only and not the full list of the wave's
    # questionnaire, so e.g. the mean number of answers is unknown (docs/ASSUMPTIONS.md, L18).
    partial_options: bool = False

    @property
    def codes(self) -> tuple[int, ...]:
        """Answer codes in codebook order."""
        return tuple(o.code for o in self.options)

    def option(self, code: int) -> Option:
        """Return the option with this code."""
        for o in self.options:
            if o.code == code:
                return o
        raise KeyError(f"{self.id} has no option with code {code}")

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns of this question in the raw export."""
        if self.type == "multi":
            return tuple(f"{self.id}_{c}" for c in self.codes)
        return (self.id,)

    def clean_column(self, code: int | None = None) -> str:
        """Column of this question (or of one option) in the cleaned table."""
        if self.type == "multi":
            if code is None:
                raise ValueError(f"{self.id} is multiple response: name an option")
            return f"{self.harmonised}__{self.option(code).key}"
        return self.harmonised

    @property
    def clean_columns(self) -> tuple[str, ...]:
        """Columns of this question in the cleaned table."""
        if self.type == "multi":
            return tuple(self.clean_column(c) for c in self.codes)
        return (self.harmonised,)


@dataclass(frozen=True)
class Mention:
    """What a source of a wave names on a subject without giving any share.

    Not a question: nothing of it is in the export or the data. The book lists what the source
    names, so that the subject is neither left out nor filled with invented shares.
    """

    harmonised: str  # the subject, as the harmonised name of the question in other waves
    source: str  # e.g. "De infographic"; the book adds the wave's year
    text: str  # what the source asks or says there, in the book's words or as a question
    named: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Check:
    """A rule across questions, e.g. two estimates that together cannot exceed 100."""

    type: str
    questions: tuple[str, ...]
    max: float


@dataclass
class Codebook:
    """The codebook of one survey wave."""

    wave: int
    title: str
    population: dict[str, int]
    identifiers: dict[str, str]
    size_classes: dict[str, str]
    questions: list[Question]
    checks: list[Check] = field(default_factory=list)
    fieldwork: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    mentions: list[Mention] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {q.id: q for q in self.questions}

    def mention(self, name: str) -> Mention | None:
        """Return what a source names without shares on this subject, or None."""
        return next((m for m in self.mentions if m.harmonised == name), None)

    def __getitem__(self, qid: str) -> Question:
        return self._by_id[qid]

    def __contains__(self, qid: str) -> bool:
        return qid in self._by_id

    def by_harmonised(self, name: str) -> Question | None:
        """Return the question with this harmonised name, or None if not asked in this wave."""
        for q in self.questions:
            if q.harmonised == name:
                return q
        return None

    @property
    def id_columns(self) -> tuple[str, str, str]:
        """Respondent, municipality and size-class columns, in export order."""
        ids = self.identifiers
        return (ids["respondent"], ids["municipality"], ids["size_class"])

    @property
    def columns(self) -> list[str]:
        """All columns of the raw export, in order."""
        cols = list(self.id_columns)
        for q in self.questions:
            cols.extend(q.columns)
        return cols


def _routing(raw: dict | None, qid: str) -> Routing | None:
    if raw is None:
        return None
    if "option" in raw:
        return Routing(question=raw["question"], option=int(raw["option"]))
    if "in" in raw:
        return Routing(question=raw["question"], codes=tuple(int(c) for c in raw["in"]))
    raise CodebookError(f"{qid}: routing needs 'in' or 'option'")


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook file.

    Parameters
    ----------
    path
        A codebook YAML file (``data/codebook/<year>.yaml``).

    Returns
    -------
    Codebook
        The parsed codebook.

    Raises
    ------
    CodebookError
        When a question has an unknown type, duplicate codes, or routing that points at a
        question that does not come earlier.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        # The C loader (when PyYAML has it) parses a codebook several times faster.
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    questions: list[Question] = []
    seen: dict[str, Question] = {}
    harmonised: set[str] = set()
    for rq in raw["questions"]:
        qid = rq["id"]
        qtype = rq["type"]
        if qtype not in TYPES:
            raise CodebookError(f"{path}: {qid}: unknown type {qtype!r}")
        options = tuple(
            Option(int(o["code"]), str(o["key"]), str(o["label"]), bool(o.get("assumed", False)))
            for o in rq.get("options") or ()
        )
        codes = [o.code for o in options]
        if len(set(codes)) != len(codes) or len({o.key for o in options}) != len(options):
            raise CodebookError(f"{path}: {qid}: duplicate option codes or keys")
        if qtype in CATEGORICAL + ("multi",) and not options:
            raise CodebookError(f"{path}: {qid}: a {qtype} question needs options")
        routing = _routing(rq.get("routing"), qid)
        if routing is not None and routing.question not in seen:
            raise CodebookError(f"{path}: {qid}: routing refers to {routing.question}, not earlier")
        if rq["harmonised"] in harmonised:
            raise CodebookError(f"{path}: {qid}: harmonised name {rq['harmonised']} used twice")
        harmonised.add(rq["harmonised"])
        # A routed follow-up must be answered when asked, unless the codebook says otherwise.
        required = bool(rq.get("required", routing is not None and qtype != "open_text"))
        q = Question(
            id=qid,
            harmonised=rq["harmonised"],
            chapter=rq["chapter"],
            type=qtype,
            text=" ".join(str(rq["text"]).split()),
            items=tuple(rq.get("items") or ()),
            options=options,
            routing=routing,
            required=required,
            exclusive=tuple(int(c) for c in rq.get("exclusive") or ()),
            max_answers=rq.get("max_answers"),
            block=rq.get("block"),
            note=" ".join(str(rq.get("note", "")).split()),
            partial_options=bool(rq.get("partial_options", False)),
        )
        questions.append(q)
        seen[qid] = q
    checks = [
        Check(c["type"], tuple(c["questions"]), float(c["max"])) for c in raw.get("checks") or ()
    ]
    size_classes = {str(s["code"]): s["label"] for s in raw["size_classes"]}
    population = {str(k): v for k, v in (raw.get("population") or {}).items()}
    if set(population) != set(size_classes):
        raise CodebookError(
            f"{path}: population lists the size classes {sorted(population)}, size_classes "
            f"lists {sorted(size_classes)}: every size class needs its number of municipalities"
        )
    bad = {k: v for k, v in population.items() if not isinstance(v, int) or v < 1}
    if bad:
        raise CodebookError(
            f"{path}: population: expected a whole number of at least 1, found {bad}"
        )
    mentions = []
    for rm in raw.get("mentions") or ():
        named = tuple(str(x) for x in rm.get("named") or ())
        if not named or any(m.harmonised == rm["harmonised"] for m in mentions):
            raise CodebookError(
                f"{path}: mention {rm['harmonised']}: needs a list 'named' and may occur once"
            )
        mentions.append(
            Mention(
                harmonised=str(rm["harmonised"]),
                source=str(rm["source"]),
                text=" ".join(str(rm["text"]).split()),
                named=named,
                note=" ".join(str(rm.get("note", "")).split()),
            )
        )
    return Codebook(
        wave=int(raw["wave"]),
        title=raw["title"],
        # In the order of size_classes: neighbours in it are the adjacent classes (stats.design).
        population={k: population[k] for k in size_classes},
        identifiers=dict(raw["identifiers"]),
        size_classes=size_classes,
        questions=questions,
        checks=checks,
        fieldwork={k: str(v) for k, v in (raw.get("fieldwork") or {}).items()},
        path=path,
        mentions=mentions,
    )
