"""Releases of the book: a citable version, what changed since the last one, and how to rebuild it.

A release is made by ``python -m toeleiding release`` (``make release``) from a clean, committed
tree whose pipeline is up to date (``dvc status`` is clean). It

1. writes ``releases/<version>.json``, the *record*: every value the book publishes (per edition
   and item: the category, the value as printed, the weighted estimate and its interval, exactly
   as the CSV downloads hold them), the md5 of every CSV download, the md5 of the raw and the
   cleaned data of every wave (from ``dvc.lock``), the commit that was built, that commit's date,
   the previous release and the release notes;
2. adds the notes to ``CHANGELOG.md``, sets ``version`` in ``pyproject.toml`` (the one place the
   version lives) and commits the three files: the *release commit*;
3. tags the release commit ``v<version>`` (an annotated tag);
4. assembles the book at the release commit (and renders it where Quarto is installed), so the
   book names the release;
5. pushes the data to the DVC remote, so ``git checkout v<version>`` and ``dvc pull`` bring the
   release back.

Which commit is which. The record's ``commit`` is the commit that was built: the tree the record's
values, hashes and CSVs come from. The release commit is a child of it and changes nothing any
stage or the book reads except the version and the record itself, so building either gives the
same data, figures and CSVs; the tag points at the release commit, whose book names the release.
A clone without tags still finds every release: each record names its commit, and the release
commit is the commit that added ``releases/<version>.json``.

Which release the book compares with (the appendix "Herzieningen"). A tree *is* release ``V``
when ``pyproject.toml`` says ``V``, ``releases/V.json`` exists, the tree is clean and its commit
is the release commit (the child of the record's commit, or the commit the tag ``vV`` points
at). Its editions are compared with the release before it (the record's ``previous``). Any other
tree is not released; its editions are compared with the latest release in ``releases/``.

A published value counts as changed when the value as printed, or the estimate or an end of its
interval rounded as the book prints them (``printed_decimals``), differs between two releases.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import metadata
from pathlib import Path

import yaml

RELEASES = "releases"  # folder of the records, in the repository root
CHANGELOG = "CHANGELOG.md"
PYPROJECT = "pyproject.toml"
TAG_PREFIX = "v"
# One published value in a record: its identity within the item, the category as the item
# names it, the unit, the value as printed, and the weighted estimate with its interval.
COLUMNS = ["key", "category", "unit", "printed", "estimate", "low", "high"]
VALUE_KEYS = ("jaar", "vraag", "optie", "eenheid", "indicator")  # identity of a row of a value
VALUE_COLUMNS = ("categorie", "eenheid", "waarde_afgerond")
TEST_COLUMNS = ("jaar", "bewering", "vergelijking", "eenheid", "verschil", "ci_laag", "ci_hoog")
SUPPORTED = {"1", "true"}  # `ondersteund` in a CSV (downloads.TRUE; older builds wrote True)
_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_CHANGELOG_HEAD = (
    "# Changelog\n\n"
    "Every release of the book, newest first: what changed and why.\n"
    "The format follows [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and versions "
    "follow [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n"
    "Each release has a record in `releases/<version>.json` (every published value, the data "
    "hashes and the commit it was built from) and a git tag `v<version>`.\n"
    "The book lists the values that changed since the previous release in its appendix "
    '"Herzieningen".\n'
    'Notes written under "Unreleased" move into the next release, after the notes given to '
    '`make release VERSION=x.y.z NOTES="..."` (README, "Releases").\n\n'
    "## [Unreleased]\n"
)


class ReleaseError(RuntimeError):
    """A release cannot be made, or a record cannot be read."""


# --- versions ------------------------------------------------------------------------------------


def parse_version(text: str) -> tuple[int, int, int]:
    """``'1.2.3'`` as ``(1, 2, 3)``; only plain ``MAJOR.MINOR.PATCH`` versions are releases.

    Raises
    ------
    ReleaseError
        When ``text`` is not such a version.
    """
    m = _VERSION.match(str(text))
    if not m:
        raise ReleaseError(f"{text!r} is not a version MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def project_version(root: str | Path) -> str:
    """The version in ``pyproject.toml`` of the checkout at ``root``: the one place it lives.

    The installed package's metadata is only the fallback (no ``pyproject.toml``, e.g. an
    installed wheel): an editable install keeps the version it was installed with until it is
    installed again, while the release command changes the file.
    """
    path = Path(root) / PYPROJECT
    if path.is_file():
        with path.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    try:
        return metadata.version("toeleiding")
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is installed
        return "0.0.0"


def with_version(pyproject: str, version: str) -> str:
    """The text of ``pyproject.toml`` with ``version`` in ``[project]``, all else unchanged."""
    parse_version(version)
    head = re.search(r"^\[project\]\s*$", pyproject, re.M)
    if head is None:
        raise ReleaseError(f"{PYPROJECT} has no [project] table")
    end = re.search(r"^\[", pyproject[head.end() :], re.M)
    stop = head.end() + (end.start() if end else len(pyproject) - head.end())
    table, n = re.subn(r'^version\s*=\s*"[^"]*"', f'version = "{version}"',
                       pyproject[head.end() : stop], count=1, flags=re.M)  # fmt: skip
    if n != 1:
        raise ReleaseError(f'{PYPROJECT}: no line version = "..." in [project]')
    return pyproject[: head.end()] + table + pyproject[stop:]


# --- published values ----------------------------------------------------------------------------


def _md5(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "md5").hexdigest()


def _cell(row: dict, name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def read_item(path: str | Path, year: int) -> dict:
    """The published values of one CSV download of an edition (see ``COLUMNS``).

    A figure or table (a CSV with ``waarde_afgerond``) gives one value per row, identified by
    its year, question, option, unit and (key figures) indicator; a test of a claim (a CSV with
    ``bewering``) gives its verdict as the printed value and the difference with its interval
    as the estimate.

    Raises
    ------
    ReleaseError
        For a CSV of neither kind, a missing column, or two rows with the same identity (naming
        the file and the lines).
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    kind = "test" if "bewering" in columns else "value" if "waarde_afgerond" in columns else None
    if kind is None:
        raise ReleaseError(f"{path}: neither a figure or table (no column waarde_afgerond) nor a "
                           f"test (no column bewering); columns: {', '.join(columns)}")  # fmt: skip
    need = TEST_COLUMNS if kind == "test" else VALUE_COLUMNS
    missing = [c for c in need if c not in columns]
    if missing:
        raise ReleaseError(f"{path}: column(s) {', '.join(missing)} missing")
    values, seen = [], {}
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise ReleaseError(f"{path}, line {line}: expected {len(columns)} fields")
        if kind == "test":
            key = f"{row['jaar']}|{row['vergelijking']}"
            verdict = _cell(row, "uitkomst") or (
                "ondersteund" if (row.get("ondersteund") or "").lower() in SUPPORTED
                else "niet ondersteund"
            )  # fmt: skip
            estimate = [_cell(row, c) for c in ("verschil", "ci_laag", "ci_hoog")]
            value = [key, row["vergelijking"], row["eenheid"], verdict, *estimate]
        else:
            key = "|".join(row[c] for c in VALUE_KEYS if c in columns)
            estimate = [_cell(row, c) for c in ("gewogen", "ci_laag", "ci_hoog")]
            value = [
                key,
                row["categorie"],
                row["eenheid"],
                _cell(row, "waarde_afgerond"),
                *estimate,
            ]
        if key in seen:
            raise ReleaseError(f"{path}, lines {seen[key]} and {line}: two rows for {key!r}")
        seen[key] = line
        values.append(value)
    if kind == "test":
        name = f"Toets: {rows[0]['bewering']}" if rows else f"Toets: {path.stem}"
    else:
        name = next((r["item"] for r in rows if r.get("item")), path.stem)
    return {"item": name, "kind": kind, "md5": _md5(path), "values": values}


def published_values(build_dir: str | Path, chapters: list[str], year: int) -> dict[str, dict]:
    """Every item one edition publishes, by file name: ``read_item`` plus its chapter.

    ``build_dir/<chapter>/<year>/data/*.csv`` are the CSV downloads of the edition, the files
    the book copies into its ``data/``.

    Raises
    ------
    ReleaseError
        When an executed chapter is missing, or two chapters write the same file.
    """
    items: dict[str, dict] = {}
    for chapter in chapters:
        folder = Path(build_dir) / chapter / str(year)
        if not folder.is_dir():
            raise ReleaseError(f"{folder} is missing: run `dvc repro` (or `dvc pull`) first")
        for path in sorted((folder / "data").glob("*.csv")):
            if path.stem in items:
                raise ReleaseError(f"{path.name} is written by chapters "
                                   f"{items[path.stem]['chapter']} and {chapter}")  # fmt: skip
            items[path.stem] = {"chapter": chapter, **read_item(path, year)}
    return items


def data_hashes(lock: dict, year: int) -> dict[str, dict[str, str]]:
    """The raw and the cleaned data of a wave with their md5, from ``clean@<year>`` in dvc.lock.

    As in the colophon: the raw file the stage read (deps) and the table it wrote (outs), which
    holds for synthetic data and for a real export tracked by its own ``.dvc`` file alike.
    """
    stage = (lock.get("stages") or {}).get(f"clean@{year}") or {}
    found = {}
    for kind, what, path in (("deps", "raw", f"data/raw/{year}.csv"),
                             ("outs", "clean", f"data/clean/{year}.parquet")):  # fmt: skip
        md5 = next((e.get("md5") for e in stage.get(kind, []) if e.get("path") == path), None)
        if not md5:
            raise ReleaseError(f"dvc.lock has no md5 of {path} in stage clean@{year}: "
                               "run `dvc repro` and commit dvc.lock first")  # fmt: skip
        found[what] = {"path": path, "md5": md5}
    return found


# --- records -------------------------------------------------------------------------------------


def make_record(
    version: str,
    previous: str | None,
    commit: str,
    day: str,
    notes: str,
    editions: dict[int, dict],
    lock: dict,
) -> dict:
    """The record of a release; ``editions`` maps a year to its ``published_values``."""
    return {
        "version": version,
        "previous": previous,
        "commit": commit,
        "date": day,
        "notes": notes,
        "columns": COLUMNS,
        "editions": {
            str(year): {"data": data_hashes(lock, year), "items": items}
            for year, items in sorted(editions.items())
        },
    }


def _dump(value, indent: int = 0) -> str:
    """JSON with sorted keys, one published value (a list of scalars) per line."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ",\n".join(f"{pad}{json.dumps(k)}: {_dump(value[k], indent + 1)}"
                           for k in sorted(value))  # fmt: skip
        return "{\n" + inner + "\n" + "  " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
        inner = ",\n".join(pad + _dump(v, indent + 1) for v in value)
        return "[\n" + inner + "\n" + "  " * indent + "]"
    return json.dumps(value, ensure_ascii=False)


def dump_record(record: dict) -> str:
    """The text of a record file: deterministic (sorted keys, fixed layout), ending in a newline."""
    return _dump(record) + "\n"


def load_records(root: str | Path) -> dict[str, dict]:
    """Every record in ``<root>/releases/``, by version, oldest first.

    Raises
    ------
    ReleaseError
        For a file that is not a record (naming it and what is wrong).
    """
    folder = Path(root) / RELEASES
    found = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ReleaseError(f"{path}: not valid JSON ({exc})") from exc
        if not isinstance(record, dict) or record.get("version") != path.stem:
            raise ReleaseError(f"{path}: not the record of release {path.stem} "
                               "(its 'version' must be the file name)")  # fmt: skip
        for key in ("commit", "date", "editions", "columns"):
            if key not in record:
                raise ReleaseError(f"{path}: the record has no {key!r}")
        if record["columns"] != COLUMNS:
            raise ReleaseError(f"{path}: columns {record['columns']} are not {COLUMNS}")
        parse_version(path.stem)
        found[path.stem] = record
    return dict(sorted(found.items(), key=lambda kv: parse_version(kv[0])))


def check_build(root: str | Path, record: dict, build_dir: str | Path, chapters: list[str]):
    """How the checkout's data and CSV downloads differ from a release's record.

    Returns
    -------
    list[str]
        One line per file that is missing, differs (md5) or is not in the release; empty when
        the raw and cleaned data of every wave and every CSV download are byte-identical.
    """
    root, version = Path(root), record["version"]
    problems = []
    for year, edition in sorted(record["editions"].items()):
        for entry in edition["data"].values():
            path = root / entry["path"]
            got = _md5(path) if path.is_file() else None
            if got != entry["md5"]:
                problems.append(f"{entry['path']}: {'md5 ' + got if got else 'missing'}, "
                                f"release {version} has {entry['md5']}")  # fmt: skip
        try:
            now = published_values(build_dir, chapters, int(year))
        except ReleaseError as exc:
            problems.append(str(exc))
            continue
        for name in sorted(set(edition["items"]) | set(now)):
            where = f"{year}: {name}.csv"
            if name not in now:
                problems.append(f"{where}: missing, release {version} has it")
            elif name not in edition["items"]:
                problems.append(f"{where}: not in release {version}")
            elif now[name]["md5"] != edition["items"][name]["md5"]:
                problems.append(f"{where}: md5 {now[name]['md5']}, release {version} has "
                                f"{edition['items'][name]['md5']}")  # fmt: skip
    return problems


MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]  # fmt: skip


def dutch_date(iso: str) -> str:
    """``'2026-11-25'`` as ``'25 november 2026'``."""
    d = date.fromisoformat(iso)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


# --- the state of a checkout ---------------------------------------------------------------------


def _git(root: Path, *args: str) -> str | None:
    try:
        res = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except OSError:  # git is not installed
        return None
    return res.stdout.strip() if res.returncode == 0 else None


@dataclass(frozen=True)
class State:
    """Which release a checkout is, and which release its book compares with.

    Attributes
    ----------
    version
        ``version`` of ``pyproject.toml``.
    released
        Whether the checkout is the release ``version`` (see the module docstring).
    record
        The record of this release when ``released``, else None.
    previous
        The record the book compares with: the release before this one when ``released``,
        otherwise the latest release; None when there is none.
    commit
        The checkout's commit (None outside git).
    """

    version: str
    released: bool
    record: dict | None = None
    previous: dict | None = None
    commit: str | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """How the book names the version: ``'1.0.0'``, or that it is not released (Dutch)."""
        if self.released:
            return self.version
        after = f" (na release {self.previous['version']})" if self.previous else ""
        return f"nog niet uitgebracht{after}"

    @property
    def footer(self) -> str:
        """One line for the foot of every page and the landing page (Dutch)."""
        if self.released and self.record is not None:
            line = f"Release {self.version} van {dutch_date(self.record['date'])}"
            before = self.previous["version"] if self.previous else None
            return line + (f" · vorige release: {before}" if before else " · eerste release")
        if self.previous:
            return (f"Nog niet uitgebracht · laatste release: {self.previous['version']} van "
                    f"{dutch_date(self.previous['date'])}")  # fmt: skip
        return "Nog niet uitgebracht"

    @property
    def package_version(self) -> str:
        """A semantic version for the data package.

        The release, or the last release marked as not released; no commit in it, so that a
        commit alone does not change the downloads.
        """
        if self.released:
            return self.version
        base = self.previous["version"] if self.previous else "0.0.0"
        return f"{base}+niet-uitgebracht"


def state(root: str | Path) -> State:
    """The release state of the checkout at ``root`` (see the module docstring).

    Without git (an exported tree) a checkout counts as released when its record exists.

    Raises
    ------
    ReleaseError
        When a record cannot be read, or names a previous release that has no record.
    """
    root = Path(root)
    version = project_version(root)
    records = load_records(root)
    own = records.get(version)
    head = _git(root, "rev-parse", "HEAD")
    released = False
    if own is not None and head is None:
        released = True
    elif own is not None and _git(root, "status", "--porcelain") == "":
        parent = _git(root, "rev-parse", "--verify", "-q", "HEAD^")
        tagged = _git(root, "rev-parse", "--verify", "-q", f"{TAG_PREFIX}{version}^{{commit}}")
        released = own["commit"] == parent or tagged == head
    if released:
        before = own.get("previous")
        if before and before not in records:
            raise ReleaseError(f"{root / RELEASES / version}.json names previous release "
                               f"{before}, which has no record in {RELEASES}/")  # fmt: skip
        previous = records[before] if before else None
    else:
        previous = records[list(records)[-1]] if records else None
    return State(version, released, own if released else None, previous, head)


# --- comparing releases --------------------------------------------------------------------------


def printed_decimals(unit: str, kind: str) -> int:
    """Decimals the book prints an estimate with.

    One for a mean number of answers and for the difference of a test, none for a percentage or
    a count.
    """
    return 1 if kind == "test" or unit == "antwoorden" else 0


def _round(text: str, decimals: int) -> Decimal:
    return Decimal(text).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def _same_number(a: str | None, b: str | None, decimals: int | None) -> bool:
    if a is None or b is None:
        return a == b
    try:
        if decimals is None:
            return Decimal(a) == Decimal(b)
        return _round(a, decimals) == _round(b, decimals)
    except InvalidOperation:  # a word (the verdict of a test)
        return a == b


def value_changed(old: list, new: list, kind: str) -> bool:
    """Whether a published value differs as the book prints it (rows as in ``COLUMNS``)."""
    d = printed_decimals(new[2], kind)
    return not (
        _same_number(old[3], new[3], None)
        and all(_same_number(old[i], new[i], d) for i in (4, 5, 6))
    )


@dataclass
class Revisions:
    """What changed in one edition between two releases, in book order."""

    changed: list[dict] = field(default_factory=list)  # item, kind, old row, new row
    added: list[str] = field(default_factory=list)  # items
    removed: list[str] = field(default_factory=list)


def compare(old: dict | None, new: dict, chapters: list[str]) -> Revisions:
    """The changes from ``old`` to ``new`` items of an edition (``published_values``).

    A value present in only one of them, within an item present in both, is a change from or
    to nothing (``None``); items present in only one are added or removed as a whole.
    """
    order = {c: i for i, c in enumerate(chapters)}

    def place(items: dict, name: str):
        return (order.get(items[name].get("chapter"), len(order)), name)

    out = Revisions()
    old = old or {}
    out.added = [new[n]["item"] for n in sorted(set(new) - set(old), key=lambda n: place(new, n))]
    out.removed = [old[n]["item"] for n in sorted(set(old) - set(new), key=lambda n: place(old, n))]
    for name in sorted(set(old) & set(new), key=lambda n: place(new, n)):
        before = {row[0]: row for row in old[name]["values"]}
        after = {row[0]: row for row in new[name]["values"]}
        kind = new[name].get("kind", "value")
        keys = [row[0] for row in new[name]["values"]]
        keys += [row[0] for row in old[name]["values"] if row[0] not in after]
        for key in keys:
            a, b = before.get(key), after.get(key)
            if a is None or b is None or value_changed(a, b, kind):
                out.changed.append({"item": new[name]["item"], "kind": kind, "old": a, "new": b})
    return out


# --- the appendix "Herzieningen" -----------------------------------------------------------------

DASH = "–"


def _nl(text: str | None, decimals: int | None = None) -> str:
    """A number of a record in Dutch notation (decimal comma), rounded half up to ``decimals``."""
    if text is None:
        return DASH
    try:
        number = Decimal(text) if decimals is None else _round(text, decimals)
    except InvalidOperation:
        return text
    plain = format(number.normalize() if decimals is None else number, "f")
    return plain.replace("-", "−").replace(".", ",")


def _shown(row: list | None, kind: str) -> tuple[str, str]:
    """The printed value and the estimate with its interval of a row, as the book shows them."""
    if row is None:
        return DASH, DASH
    unit = row[2]
    pct = "%" if "%" in unit and kind == "value" else ""
    printed = _nl(row[3]) + (pct if row[3] is not None and kind == "value" else "")
    if row[4] is None:
        return printed, DASH
    d = printed_decimals(unit, kind)
    estimate = f"{_nl(row[4], d)}{pct}"
    if row[5] is not None and row[6] is not None:
        estimate += f" ({_nl(row[5], d)}{DASH}{_nl(row[6], d)})"
    return printed, estimate


def _arrow(a: str, b: str) -> str:
    return b if a == b else f"{a} → {b}"


def category_label(row: list, year: int, kind: str) -> str:
    """The category of a value as the revisions table names it (Dutch).

    A value of another wave shown in this edition (a trend) gets its year, a merged answer
    group of a statement gets "(samengevoegd)".
    """
    label = row[1]
    wave = row[0].split("|", 1)[0]
    if kind == "value" and row[2] == "% (groep)":
        label += " (samengevoegd)"
    if wave and wave != str(year):
        label += f" ({wave})"
    return label


def revisions_table(revisions: Revisions, year: int) -> list[list[str]]:
    """Rows of the revisions table: item, category, printed value and estimate (old → new)."""
    rows = []
    for change in revisions.changed:
        old, new, kind = change["old"], change["new"], change["kind"]
        (p0, e0), (p1, e1) = _shown(old, kind), _shown(new, kind)
        rows.append([change["item"], category_label(new or old, year, kind), _arrow(p0, p1),
                     _arrow(e0, e1)])  # fmt: skip
    return rows


def revisions_values(rel: State, year: int, items: dict, chapters: list[str]) -> dict:
    """What the template of the appendix "Herzieningen" shows for one edition.

    Parameters
    ----------
    rel
        The release state of the checkout (``state``).
    year
        The edition.
    items
        The edition's published values as built (``published_values``).
    chapters
        The chapters in book order (the order of the table).

    Returns
    -------
    dict
        ``uitgave`` (this release: ``versie``, ``datum``, ``notities`` as lines; None when not
        released), ``vorige`` (the release compared with: ``versie``, ``datum``; None when
        there is none), ``nieuw`` (the edition is not in that release), ``wijzigingen`` (rows
        of item, category, printed value and estimate, old → new), ``toegevoegd`` and
        ``vervallen`` (items).
    """
    this = None
    if rel.released and rel.record is not None:
        this = {"versie": rel.version, "datum": date.fromisoformat(rel.record["date"]),
                "notities": str(rel.record.get("notes") or "").strip().splitlines()}  # fmt: skip
    before = rel.previous
    old = (before or {}).get("editions", {}).get(str(year))
    revisions = compare(old["items"] if old else None, items, chapters)
    return {
        "uitgave": this,
        "vorige": (
            {"versie": before["version"], "datum": date.fromisoformat(before["date"])}
            if before
            else None
        ),
        "nieuw": before is not None and old is None,
        "wijzigingen": revisions_table(revisions, year) if old else [],
        "toegevoegd": revisions.added if old else [],
        "vervallen": revisions.removed if old else [],
    }


# --- the changelog -------------------------------------------------------------------------------


def changelog_with(text: str | None, version: str, day: str, notes: str, summary: str) -> str:
    """``CHANGELOG.md`` with a section for ``version`` above the previous releases.

    What stood under ``## [Unreleased]`` moves into the new section, after the notes; the
    section ends with ``summary`` (what changed in the published values, and the record).
    """
    text = text if text and text.strip() else _CHANGELOG_HEAD
    head = re.search(r"^## \[Unreleased\][ \t]*\n", text, re.M)
    if head is None:  # a changelog without the section: put it above the first release
        first = re.search(r"^## ", text, re.M)
        at = first.start() if first else len(text.rstrip("\n")) + 1
        text = text[:at].rstrip("\n") + "\n\n## [Unreleased]\n" + ("\n" + text[at:] if first
                                                                     else "")  # fmt: skip
        head = re.search(r"^## \[Unreleased\][ \t]*\n", text, re.M)
    nxt = re.search(r"^## ", text[head.end() :], re.M)
    stop = head.end() + (nxt.start() if nxt else len(text) - head.end())
    pending = text[head.end() : stop].strip()
    body = "\n\n".join(p for p in (notes.strip(), pending, summary.strip()) if p)
    section = f"## [{version}] - {day}\n\n{body}\n"
    rest = text[stop:].strip("\n")
    return text[: head.end()] + "\n" + section + ("\n" + rest + "\n" if rest else "")


def summary(record: dict, previous: dict | None, chapters: list[str]) -> str:
    """One line for the changelog: how many published values changed, and where the record is."""
    where = (
        f"Record: `{RELEASES}/{record['version']}.json`, built from commit `{record['commit']}`."
    )
    if previous is None:
        n = sum(len(i["values"]) for e in record["editions"].values() for i in e["items"].values())
        return f"First release: {n} published values in {len(record['editions'])} editions. {where}"
    changed = added = removed = 0
    new_editions = 0
    for year, edition in record["editions"].items():
        old = previous["editions"].get(year)
        if old is None:
            new_editions += 1
            continue
        r = compare(old["items"], edition["items"], chapters)
        changed, added, removed = (changed + len(r.changed), added + len(r.added),
                                   removed + len(r.removed))  # fmt: skip
    parts = [f"{changed} published value{'s' if changed != 1 else ''} changed"]
    parts += [f"{added} item{'s' if added != 1 else ''} added"] if added else []
    parts += [f"{removed} item{'s' if removed != 1 else ''} removed"] if removed else []
    if new_editions:
        parts.append(f"{new_editions} new edition{'s' if new_editions != 1 else ''}")
    return f"Since {previous['version']}: {', '.join(parts)}. {where}"


# --- making a release ----------------------------------------------------------------------------


def _run(cmd: list[str], root: Path, what: str) -> str:
    try:
        res = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    except OSError as exc:
        raise ReleaseError(f"{what}: cannot run {cmd[0]} ({exc})") from exc
    if res.returncode != 0:
        raise ReleaseError(f"{what} failed ({' '.join(cmd)}):\n{res.stdout}{res.stderr}".rstrip())
    return res.stdout


def check_can_release(root: Path, version: str, notes: str) -> dict[str, dict]:
    """Refuse a release that cannot be made; return the existing records.

    The version must be new and above every earlier release, the notes must say something,
    the tree must be committed (``git status`` clean, untracked files included) and the pipeline
    up to date with the committed ``dvc.lock`` (``dvc status`` clean).
    """
    parse_version(version)
    if not notes.strip():
        raise ReleaseError('release notes are empty: say what changed and why (NOTES="...")')
    records = load_records(root)
    if version in records:
        raise ReleaseError(f"release {version} exists: {root / RELEASES / version}.json")
    newer = [v for v in records if parse_version(v) >= parse_version(version)]
    if newer:
        raise ReleaseError(f"release {version} would not be the newest: {newer[-1]} exists")
    if _git(root, "rev-parse", "--verify", "-q", f"refs/tags/{TAG_PREFIX}{version}"):
        raise ReleaseError(f"the git tag {TAG_PREFIX}{version} exists already")
    if _git(root, "rev-parse", "HEAD") is None:
        raise ReleaseError(f"{root} is not a git checkout with a commit")
    dirty = _git(root, "status", "--porcelain")
    if dirty:
        raise ReleaseError(f"the working tree is not clean; commit or remove first:\n{dirty}")
    status = _run(["dvc", "status", "--json"], root, "dvc status")
    try:
        stale = json.loads(status or "{}")
    except ValueError as exc:
        raise ReleaseError(f"dvc status gave no JSON: {status[:500]}") from exc
    if stale:
        names = ", ".join(sorted(stale))
        raise ReleaseError(
            f"the pipeline is not up to date with dvc.lock ({names}): run `make repro` (or "
            "`dvc pull` on a fresh clone), commit dvc.lock if it changed, and release again"
        )
    return records


def make_release(
    root: str | Path,
    version: str,
    notes: str,
    *,
    years: list[int],
    synthetic_years: list[int],
    book_dir: str | Path,
    build_dir: str | Path,
    lock_path: str | Path,
    assemble_book,
    render_book=None,
    push: bool = True,
    log=print,
) -> dict:
    """Make release ``version`` of the checkout at ``root`` (see the module docstring).

    Parameters
    ----------
    root
        The repository (a clean git checkout with an up-to-date pipeline).
    version, notes
        The new version (``MAJOR.MINOR.PATCH``, above every earlier release) and what changed
        and why (the reason the appendix "Herzieningen" gives).
    years, synthetic_years
        The editions (``params.yaml``).
    book_dir, build_dir, lock_path
        The book template (its chapter order), the executed chapters and ``dvc.lock``.
    assemble_book
        Called without arguments after the release commit: assembles every edition.
    render_book
        Called without arguments after that, where Quarto is installed (None: not rendered).
    push
        Push the data to the DVC remote at the end.
    log
        Called with one line per step.

    Returns
    -------
    dict
        The record.

    Raises
    ------
    ReleaseError
        When the release is refused or a step fails. Before the release commit nothing is
        changed; a failure after it removes the commit and the tag again (the tree was clean),
        except for ``dvc push``, whose failure leaves the release made and says so.
    """
    from .book import chapter_slugs, load_template

    root = Path(root).resolve()
    records = check_can_release(root, version, notes)
    previous = records[list(records)[-1]] if records else None
    commit = _git(root, "rev-parse", "HEAD")
    day = _git(root, "log", "-1", "--format=%cs", "HEAD")
    chapters = chapter_slugs(load_template(book_dir))
    lock = yaml.safe_load(Path(lock_path).read_text(encoding="utf-8")) or {}
    editions = {y: published_values(build_dir, chapters, y) for y in years}
    record = make_record(version, previous["version"] if previous else None, commit, day,
                         notes.strip(), editions, lock)  # fmt: skip
    log(f"release {version}: {sum(len(i) for i in editions.values())} items of "
        f"{len(years)} editions, built from commit {commit}")  # fmt: skip
    changelog_path, pyproject_path = root / CHANGELOG, root / PYPROJECT
    old_changelog = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else None
    old_pyproject = pyproject_path.read_text(encoding="utf-8")
    new_files = {
        root / RELEASES / f"{version}.json": dump_record(record),
        changelog_path: changelog_with(
            old_changelog, version, day, notes, summary(record, previous, chapters)
        ),  # fmt: skip
        pyproject_path: with_version(old_pyproject, version),
    }
    from .io import write_text

    tag = f"{TAG_PREFIX}{version}"
    committed = tagged = False
    try:
        for path, text in new_files.items():
            write_text(text, path)
        rel = [str(p.relative_to(root)) for p in new_files]
        _run(["git", "add", "--", *rel], root, "git add")
        _run(["git", "commit", "-q", "-m", f"Release {version}", "-m", notes.strip(), "--",
              *rel], root, "git commit")  # fmt: skip
        committed = True
        _run(["git", "tag", "-a", tag, "-m", f"Release {version}\n\n{notes.strip()}"], root,
             "git tag")  # fmt: skip
        tagged = True
        log(f"committed {', '.join(rel)} and tagged {tag}")
        now = state(root)
        if not now.released or now.version != version:
            raise ReleaseError(f"the release commit is not recognised as release {version}")
        assemble_book()
        log("assembled the book of every edition")
        if render_book is not None:
            render_book()
            log("rendered the book with Quarto")
    except BaseException:
        if tagged:
            _git(root, "tag", "-d", tag)
        if committed:
            _git(root, "reset", "-q", "--hard", commit)
        else:
            for path in new_files:
                if path == changelog_path and old_changelog is not None:
                    write_text(old_changelog, path)
                elif path == pyproject_path:
                    write_text(old_pyproject, path)
                else:
                    path.unlink(missing_ok=True)
            _git(root, "reset", "-q", "--", *[str(p.relative_to(root)) for p in new_files])
        raise
    if push:
        try:
            _run(["dvc", "push", "-q"], root, "dvc push")
        except ReleaseError as exc:
            raise ReleaseError(
                f"release {version} is made (commit and tag {tag}), but its data are not on the "
                f"DVC remote: {exc}\nRun `dvc push` when the remote is reachable."
            ) from exc
        log("pushed the data to the DVC remote (dvc push)")
    log(f"release {version} done: `git push --follow-tags` publishes the commit and the tag")
    return record


def quarto_available() -> bool:
    """Whether Quarto is on the PATH (the release then renders the book too)."""
    return shutil.which("quarto") is not None
