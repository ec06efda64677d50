"""The real survey export: read it in any of the usual formats and turn it into a raw file.

The survey tool's export can be a CSV (comma or semicolon, decimal point or comma, UTF-8 or
Latin-1), an Excel workbook or an SPSS ``.sav`` file. A mapping file says how its columns are
called in the codebook and, for CSV, how the file is written::

    wave: 2018
    csv: {delimiter: ";", decimal: ",", encoding: latin-1}   # only for CSV
    columns:               # export column: codebook column (unlisted columns keep their name)
      Gemeentecode: gemeente_id
      Vraag1: V01

The export is converted to the canonical raw form (UTF-8, comma-separated, codes as whole
numbers, a decimal point) and then validated exactly as the synthetic raw files are. For a
``.sav`` file the value labels are compared with the codebook's answer labels.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .codebook import Codebook
from .io import InputError, check_input, not_text, read_input
from .validate import FILE, HEADER, Problem, read_rows, sort_problems, validate_frame

# A workbook is unpacked in memory: refuse one that unpacks to more than this (a survey's
# workbook unpacks to a few megabytes).
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024


class MappingError(ValueError):
    """A mapping file cannot be read or is not well formed."""


@dataclass
class Mapping:
    """How an export is written and how its columns map to the codebook."""

    wave: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    decimal: str = "."
    encoding: str = "utf-8"
    sheet: str | int = 0


def load_mapping(path: str | Path | None) -> Mapping:
    """Read a mapping file; without one, the export is taken to use the codebook's names.

    Raises
    ------
    MappingError
        When the file cannot be read, is not YAML, or its ``columns`` or ``csv`` are not
        mappings; the message names the file.
    """
    if path is None:
        return Mapping()
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the mapping file: {exc}") from exc
    fmt = (raw.get("csv") or {}) if isinstance(raw, dict) else None
    if not isinstance(fmt, dict) or not isinstance(raw.get("columns") or {}, dict):
        raise MappingError(
            f"{path}: expected a mapping with `wave`, `columns: {{export column: codebook "
            "column}}` and, for CSV, `csv: {delimiter, decimal, encoding}`"
        )
    m = Mapping(
        wave=raw.get("wave"),
        columns={str(k): str(v) for k, v in (raw.get("columns") or {}).items()},
        delimiter=str(fmt.get("delimiter", ",")),
        decimal=str(fmt.get("decimal", ".")),
        encoding=str(fmt.get("encoding", "utf-8")),
        sheet=raw.get("sheet", 0),
    )
    try:
        codecs.lookup(m.encoding)
    except LookupError as exc:
        raise MappingError(f"{path}: csv.encoding: unknown encoding {m.encoding!r}") from exc
    if len(m.delimiter) != 1 or m.decimal not in (".", ","):
        raise MappingError(
            f"{path}: csv: expected one character as delimiter and '.' or ',' as decimal, "
            f"found delimiter {m.delimiter!r} and decimal {m.decimal!r}"
        )
    return m


def _as_text(value) -> str | None:
    """A cell as canonical text: whole numbers without '.0', empty cells as None."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _unreadable(path: Path, exc: Exception, kind: str) -> list[Problem]:
    """The one problem of a file its reader gives up on (truncated, corrupt, misnamed)."""
    found = f"{type(exc).__name__}: {exc}"
    return [Problem(str(path), 1, FILE, found, f"{kind} (is the file complete, and of the type "
                                               "its name says?)")]  # fmt: skip


def _read_csv(path: Path, m: Mapping) -> tuple[pd.DataFrame | None, list[Problem]]:
    try:
        raw = read_input(path)
    except InputError as exc:
        return None, [Problem(str(path), exc.line, FILE, exc.found, exc.expected)]
    if not raw.strip():
        return None, [Problem(str(path), 1, FILE, "(empty file)", "a header and rows")]
    binary = not_text(raw)
    if binary is not None:
        return None, [Problem(str(path), binary.line, FILE, binary.found, binary.expected)]
    try:
        text = raw.decode(m.encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        value = raw[exc.start : exc.start + 1].hex()
        return None, [
            Problem(str(path), line, FILE, f"byte 0x{value}", f"text in {m.encoding} (mapping)")
        ]
    text = text.removeprefix("\ufeff")  # Excel's byte order mark carries no data
    return read_rows(text, str(path), m.delimiter)


def _read_sav(path: Path, cb: Codebook, m: Mapping) -> tuple[pd.DataFrame | None, list[Problem]]:
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own, undocumented errors
        return None, _unreadable(path, exc, "an SPSS .sav file")
    problems = []
    # Value labels travel with an SPSS file: they must say what the codebook says.
    for column, labels in (meta.variable_value_labels or {}).items():
        target = m.columns.get(column, column)
        qid = target.rsplit("_", 1)[0] if target not in cb else target
        if qid not in cb or cb[qid].type not in ("single", "likert5"):
            continue
        q = cb[qid]
        for code, label in sorted(labels.items()):
            code = int(code) if float(code).is_integer() else code
            try:
                expected = q.option(int(code)).label
            except (KeyError, ValueError):
                problems.append(Problem(str(path), 1, column, f"{code} = {label}",
                                        f"a code of {qid}: {sorted(q.codes)}"))  # fmt: skip
                continue
            if str(label).strip().lower() != expected.lower():
                problems.append(Problem(str(path), 1, column, f"{code} = {label}",
                                        f"{code} = {expected} (codebook {cb.wave})"))  # fmt: skip
    return df, problems


def _unzipped_size(path: Path) -> int:
    """Bytes a workbook unpacks to (0 when it is no zip file: openpyxl says what is wrong)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def _read_xlsx(path: Path, m: Mapping) -> tuple[pd.DataFrame | None, list[Problem]]:
    # A workbook is a zip archive: its unpacked size is what the reader holds in memory.
    unpacked = _unzipped_size(path)
    if unpacked > MAX_UNZIPPED_BYTES:
        return None, [Problem(str(path), 1, FILE, f"a workbook that unpacks to {unpacked} bytes",
                              f"at most {MAX_UNZIPPED_BYTES} bytes unpacked, far more than any "
                              "survey export; is this the right file?")]  # fmt: skip
    try:
        return pd.read_excel(path, sheet_name=m.sheet, dtype=object, engine="openpyxl"), []
    except Exception as exc:  # zipfile, openpyxl, XML and pandas errors: a broken workbook
        return None, _unreadable(path, exc, "an Excel .xlsx workbook")


def read_any(
    path: str | Path, cb: Codebook, mapping: Mapping | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read an export (CSV, XLSX or SAV) into the canonical raw form, as text."""
    path, m = Path(path), mapping or Mapping()
    if m.wave is not None and int(m.wave) != cb.wave:
        return None, [Problem(str(path), 1, FILE, f"mapping for wave {m.wave}",
                              f"a mapping for wave {cb.wave}")]  # fmt: skip
    try:
        check_input(path)  # a directory, a pipe, an unreadable or a huge file: not opened
    except InputError as exc:
        return None, [Problem(str(path), exc.line, FILE, exc.found, exc.expected)]
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df, problems = _read_csv(path, m)
    elif suffix in (".xlsx", ".xlsm"):
        df, problems = _read_xlsx(path, m)
    elif suffix == ".sav":
        df, problems = _read_sav(path, cb, m)
    else:
        return None, [Problem(str(path), 1, FILE, suffix or "(no extension)",
                              "a .csv, .xlsx or .sav export")]  # fmt: skip
    if df is None:
        return None, problems
    if len(df.columns) == 0:
        return None, [Problem(str(path), 1, FILE, "(empty sheet)",
                              "a header row and one row per municipality")]  # fmt: skip
    df = df.rename(columns={str(k): v for k, v in m.columns.items()})
    df.columns = [str(c) for c in df.columns]
    out = df.map(_as_text).astype("string")
    if m.decimal != ".":
        numeric = [q.id for q in cb.questions if q.type in ("estimate", "count")]
        for col in (c for c in numeric if c in out):
            out[col] = out[col].str.replace(m.decimal, ".", regex=False)
    return out, problems


def validate_export(
    path: str | Path, cb: Codebook, mapping: Mapping | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read an export and return it with every problem found (reading, labels, codebook)."""
    df, problems = read_any(path, cb, mapping)
    if df is None:
        return None, problems
    return df, sort_problems(problems + validate_frame(df, cb, str(path)))


def params_with_export(text: str, wave: int) -> str:
    """Return ``params.yaml`` with ``wave`` built from an export, and otherwise as written.

    The wave joins ``years`` and leaves ``synthesize.years``. Only those two lists are
    rewritten, in place, where they are single-line flow lists (``[2016, 2017]``); comments,
    order and line breaks elsewhere stay byte for byte. Other layouts fall back to a
    round-trip dump (comments kept, long lists possibly wrapped differently).

    Parameters
    ----------
    text
        The current ``params.yaml``.
    wave
        The wave whose export was added.

    Returns
    -------
    str
        The new ``params.yaml``.
    """
    import io

    from ruamel.yaml import YAML

    yaml = YAML()
    params = yaml.load(text)
    years, synthetic = params["years"], params["synthesize"]["years"]
    new = {
        id(years): sorted({*(int(y) for y in years), wave}),
        id(synthetic): [y for y in synthetic if int(y) != wave],
    }
    lines = text.splitlines(keepends=True)
    # The later list first, so that the position of the earlier one stays valid.
    for seq in sorted((years, synthetic), key=lambda q: (q.lc.line, q.lc.col), reverse=True):
        line, col = lines[seq.lc.line], seq.lc.col
        end = line.find("]", col)
        if seq.fa.flow_style() and line[col : col + 1] == "[" and end != -1:
            items = ", ".join(str(y) for y in new[id(seq)])
            lines[seq.lc.line] = f"{line[:col]}[{items}]{line[end + 1 :]}"
    out = "".join(lines)
    check = yaml.load(out)
    if check["years"] == new[id(years)] and check["synthesize"]["years"] == new[id(synthetic)]:
        return out
    years[:] = new[id(years)]
    synthetic[:] = new[id(synthetic)]
    buf = io.StringIO()
    yaml.dump(params, buf)
    return buf.getvalue()


__all__ = [
    "HEADER",
    "Mapping",
    "MappingError",
    "load_mapping",
    "params_with_export",
    "read_any",
    "validate_export",
]
