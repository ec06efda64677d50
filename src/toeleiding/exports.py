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

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .codebook import Codebook
from .validate import FILE, HEADER, Problem, validate_frame


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
    """Read a mapping file; without one, the export is taken to use the codebook's names."""
    if path is None:
        return Mapping()
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    fmt = raw.get("csv") or {}
    return Mapping(
        wave=raw.get("wave"),
        columns={str(k): str(v) for k, v in (raw.get("columns") or {}).items()},
        delimiter=fmt.get("delimiter", ","),
        decimal=fmt.get("decimal", "."),
        encoding=fmt.get("encoding", "utf-8"),
        sheet=raw.get("sheet", 0),
    )


def _as_text(value) -> str | None:
    """A cell as canonical text: whole numbers without '.0', empty cells as None."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _read_csv(path: Path, m: Mapping) -> tuple[pd.DataFrame | None, list[Problem]]:
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem(str(path), 1, FILE, "(empty file)", "a header and rows")]
    try:
        text = raw.decode(m.encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        value = raw[exc.start : exc.start + 1].hex()
        return None, [
            Problem(str(path), line, FILE, f"byte 0x{value}", f"text in {m.encoding} (mapping)")
        ]
    text = text.removeprefix("\ufeff")  # Excel's byte order mark carries no data
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=m.delimiter)
    rows = [r for r in reader]
    header, body = rows[0], [r for r in rows[1:] if r]
    problems = [
        Problem(
            str(path),
            i + 2,
            header[min(len(r), len(header) - 1)],
            f"{len(r)} fields",
            f"{len(header)} fields, as in the header",
        )  # fmt: skip
        for i, r in enumerate(body)
        if len(r) != len(header)
    ]
    if problems:
        return None, problems
    return pd.DataFrame(body, columns=header, dtype="object"), []


def _read_sav(path: Path, cb: Codebook, m: Mapping) -> tuple[pd.DataFrame, list[Problem]]:
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
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


def read_any(
    path: str | Path, cb: Codebook, mapping: Mapping | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read an export (CSV, XLSX or SAV) into the canonical raw form, as text."""
    path, m = Path(path), mapping or Mapping()
    if m.wave is not None and int(m.wave) != cb.wave:
        return None, [Problem(str(path), 1, FILE, f"mapping for wave {m.wave}",
                              f"a mapping for wave {cb.wave}")]  # fmt: skip
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    if suffix in (".csv", ".txt"):
        df, problems = _read_csv(path, m)
        if df is None:
            return None, problems
    elif suffix in (".xlsx", ".xlsm"):
        df = pd.read_excel(path, sheet_name=m.sheet, dtype=object, engine="openpyxl")
    elif suffix == ".sav":
        df, problems = _read_sav(path, cb, m)
    else:
        return None, [Problem(str(path), 1, FILE, suffix or "(no extension)",
                              "a .csv, .xlsx or .sav export")]  # fmt: skip
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
    return df, problems + validate_frame(df, cb, str(path))


__all__ = ["HEADER", "Mapping", "load_mapping", "read_any", "validate_export"]
