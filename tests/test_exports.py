"""The real-export path: CSV variants, XLSX and SAV, generated here from the synthetic data."""

import pandas as pd
import pyreadstat
import pytest
import yaml

from toeleiding import cli, paths
from toeleiding.exports import load_mapping, read_any, validate_export

CB_PATH = paths.codebook_path(2018)


@pytest.fixture(scope="module")
def good():
    return pd.read_csv(paths.raw_path(2018), dtype=str, keep_default_na=False)


@pytest.fixture()
def mapping(tmp_path):
    """Export column names as a survey tool might write them, and their codebook names."""

    def make(fmt=None):
        cols = {"Gemeente": "gemeente_id", "Respondent": "respondent_id", "Vraag_1": "V01"}
        m = {"wave": 2018, "columns": cols}
        if fmt:
            m["csv"] = fmt
        path = tmp_path / "mapping.yaml"
        path.write_text(yaml.safe_dump(m))
        return path

    return make


def _export_frame(good):
    return good.rename(
        columns={"gemeente_id": "Gemeente", "respondent_id": "Respondent", "V01": "Vraag_1"}
    )


def _same_as_good(df, good, codebooks):
    canonical = df[codebooks[2018].columns].fillna("").astype(object).reset_index(drop=True)
    pd.testing.assert_frame_equal(canonical, good[codebooks[2018].columns].astype(object))


@pytest.mark.parametrize(
    "fmt",
    [
        {"delimiter": ",", "decimal": ".", "encoding": "utf-8"},
        {"delimiter": ";", "decimal": ",", "encoding": "utf-8"},
        {"delimiter": ";", "decimal": ",", "encoding": "latin-1"},
    ],
    ids=["comma-utf8", "semicolon-decimal-comma", "semicolon-latin1"],
)
def test_csv_exports(fmt, good, mapping, tmp_path, codebooks):
    df = _export_frame(good).copy()
    i = df.index[df["V24a"] != ""][0]
    df.loc[i, "V24a"] = "12.5"  # a decimal estimate, written with the export's decimal mark
    if fmt["decimal"] == ",":
        for col in ("V24a", "V24b", "V24c", "V24d", "V24e", "V25a", "V25b", "V26", "V15"):
            df[col] = df[col].str.replace(".", ",", regex=False)
    j = df.index[df["V02_anders"] != ""][0]
    df.loc[j, "V02_anders"] = "Creatieve workshops in het café"
    path = tmp_path / "export.csv"
    path.write_bytes(
        df.to_csv(index=False, sep=fmt["delimiter"], lineterminator="\r\n").encode(fmt["encoding"])
    )
    out, problems = validate_export(path, codebooks[2018], load_mapping(mapping(fmt)))
    assert problems == []
    assert out.loc[i, "V24a"] == "12.5"
    assert out.loc[j, "V02_anders"] == "Creatieve workshops in het café"


def test_xlsx_export(good, mapping, tmp_path, codebooks):
    df = _export_frame(good).replace("", None)
    numeric = [c for c in df.columns if c not in ("Gemeente", "Respondent", "grootteklasse")]
    numeric = [c for c in numeric if not c.endswith(("_anders", "_namelijk"))]
    df[numeric] = df[numeric].apply(pd.to_numeric)  # Excel stores numbers as numbers
    path = tmp_path / "export.xlsx"
    df.to_excel(path, index=False)
    out, problems = validate_export(path, codebooks[2018], load_mapping(mapping()))
    assert problems == []
    _same_as_good(out, good, codebooks)


def _write_sav(good, path, codebooks, label_override=None):
    df = _export_frame(good).replace("", None)
    keep_text = ("Gemeente", "Respondent", "grootteklasse", "V02_anders", "V23_namelijk")
    for c in df.columns:
        if c not in keep_text:
            df[c] = pd.to_numeric(df[c])
    labels = {}
    for q in codebooks[2018].questions:
        if q.type in ("single", "likert5"):
            col = "Vraag_1" if q.id == "V01" else q.id
            labels[col] = {float(o.code): o.label for o in q.options}
    if label_override:
        labels.update(label_override)
    pyreadstat.write_sav(df, str(path), variable_value_labels=labels)


def test_sav_export_keeps_value_labels(good, mapping, tmp_path, codebooks):
    path = tmp_path / "export.sav"
    _write_sav(good, path, codebooks)
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    assert meta.variable_value_labels["Vraag_1"][1.0] == "Ja"
    out, problems = validate_export(path, codebooks[2018], load_mapping(mapping()))
    assert problems == []
    _same_as_good(out, good, codebooks)


def test_sav_export_with_other_labels_is_rejected(good, mapping, tmp_path, codebooks):
    path = tmp_path / "export.sav"
    _write_sav(good, path, codebooks, {"Vraag_1": {1.0: "Nee", 2.0: "Ja", 3.0: "Niet meer",
                                                  4.0: "Is in ontwikkeling"}})  # fmt: skip
    _, problems = validate_export(path, codebooks[2018], load_mapping(mapping()))
    text = "\n".join(map(str, problems))
    print(text)
    assert "column Vraag_1: found '1 = Nee'; expected 1 = Ja" in text


def test_validate_command_prints_all_problems_of_an_export(good, mapping, tmp_path, capsys):
    df = _export_frame(good).copy()
    df.loc[2, "Vraag_1"] = "9"
    df.loc[5, "V26"] = "150"
    path = tmp_path / "export.csv"
    path.write_bytes(df.to_csv(index=False, sep=";").encode("latin-1"))
    code = cli.main(
        [
            "validate",
            "--codebook",
            str(CB_PATH),
            "--mapping",
            str(mapping({"delimiter": ";", "encoding": "latin-1"})),
            str(path),
        ]  # fmt: skip
    )
    err = capsys.readouterr().err
    print(err)
    assert code == 1
    assert "row 4, column V01: found '9'" in err and "column V26: found '150'" in err


def test_mapping_for_another_wave_is_refused(good, tmp_path, codebooks):
    m = tmp_path / "m.yaml"
    m.write_text("wave: 2017\n")
    path = tmp_path / "export.csv"
    path.write_bytes(good.to_csv(index=False).encode())
    df, problems = read_any(path, codebooks[2018], load_mapping(m))
    assert df is None and "mapping for wave 2018" in problems[0].expected


def test_add_export_writes_read_only_raw_and_updates_params(good, mapping, tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text(paths.PARAMS.read_text())
    raw_dir = tmp_path / "raw"
    path = tmp_path / "export.csv"
    path.write_bytes(_export_frame(good).to_csv(index=False).encode())
    code = cli.main(
        ["add-export", "--codebook", str(CB_PATH), "--export", str(path), "--mapping",
         str(mapping()), "--params", str(params), "--raw-dir", str(raw_dir), "--no-dvc"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    out = raw_dir / "2018.csv"
    assert out.read_bytes() == paths.raw_path(2018).read_bytes()
    assert not out.stat().st_mode & 0o222  # read-only
    new = yaml.safe_load(params.read_text())
    assert 2018 in new["years"] and 2018 not in new["synthesize"]["years"]
    assert "# Seed of the synthetic data" in params.read_text()  # comments kept


def _add_export(tmp_path, export, mapping_path, *extra):
    params = tmp_path / "params.yaml"
    if not params.exists():
        params.write_bytes(paths.PARAMS.read_bytes())
    return cli.main(
        ["add-export", "--codebook", str(CB_PATH), "--export", str(export), "--mapping",
         str(mapping_path), "--params", str(params), "--raw-dir", str(tmp_path / "raw"), *extra]
    )  # fmt: skip


def test_add_export_changes_only_the_two_year_lists_of_params(good, mapping, tmp_path, capsys):
    """Comments, order and the hand-wrapped chapters list stay byte for byte."""
    path = tmp_path / "export.csv"
    path.write_bytes(_export_frame(good).to_csv(index=False).encode())
    assert _add_export(tmp_path, path, mapping(), "--no-dvc") == 0, capsys.readouterr().err
    before = paths.PARAMS.read_text()
    after = (tmp_path / "params.yaml").read_text()
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [("  years: [2016, 2017, 2018]", "  years: [2016, 2017]")]
    assert "chapters: [begeleiding" in after and "\n             samenwerking," in after


def test_add_export_refuses_to_replace_an_added_export_without_force(
    good, mapping, tmp_path, capsys
):
    out = tmp_path / "raw" / "2018.csv"
    out.parent.mkdir()
    out.write_bytes(b"synthetic\n")
    path = tmp_path / "export.csv"
    path.write_bytes(_export_frame(good).to_csv(index=False).encode())
    assert _add_export(tmp_path, path, mapping(), "--no-dvc") == 0  # 2018 is synthetic: replaced
    assert f"replacing the synthetic {out}" in capsys.readouterr().out
    params = (tmp_path / "params.yaml").read_bytes()
    df = _export_frame(good).copy()
    df.loc[0, "V26"] = "41" if df.loc[0, "V26"] != "41" else "42"
    path.write_bytes(df.to_csv(index=False).encode())
    assert _add_export(tmp_path, path, mapping(), "--no-dvc") == 1  # 2018 is no longer synthetic
    err = capsys.readouterr().err
    print(err)
    assert f"{out} exists and is not synthetic" in err and "--force" in err
    assert out.read_bytes() == paths.raw_path(2018).read_bytes()
    assert (tmp_path / "params.yaml").read_bytes() == params
    assert _add_export(tmp_path, path, mapping(), "--no-dvc", "--force") == 0
    assert pd.read_csv(out, dtype=str).loc[0, "V26"] == df.loc[0, "V26"]
    assert not out.stat().st_mode & 0o222


def test_add_export_puts_everything_back_when_dvc_add_fails(
    good, mapping, tmp_path, capsys, monkeypatch
):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dvc").write_text("#!/bin/sh\necho 'ERROR: simulated failure' >&2\nexit 3\n")
    (fake / "dvc").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    out = tmp_path / "raw" / "2018.csv"
    out.parent.mkdir()
    out.write_bytes(b"the synthetic file\n")
    path = tmp_path / "export.csv"
    path.write_bytes(_export_frame(good).to_csv(index=False).encode())
    assert _add_export(tmp_path, path, mapping()) == 1
    err = capsys.readouterr().err
    print(err)
    assert "failed (3)" in err and "back as they were" in err
    assert out.read_bytes() == b"the synthetic file\n"
    assert (tmp_path / "params.yaml").read_bytes() == paths.PARAMS.read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == ["2018.csv"]  # no temporary files


def test_unreadable_mapping_file_is_a_clear_error(good, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(good.to_csv(index=False).encode())
    bad = tmp_path / "mapping.yaml"
    for text, expected in (
        ("columns: [a, b\n", "cannot read the mapping file"),
        ("columns: [a, b]\n", "expected a mapping with `wave`, `columns:"),
        ("csv: {encoding: latin-9000}\n", "unknown encoding 'latin-9000'"),
        ("csv: {delimiter: ';;'}\n", "one character as delimiter"),
    ):
        bad.write_text(text)
        code = cli.main(["validate", "--codebook", str(CB_PATH), "--mapping", str(bad), str(path)])
        err = capsys.readouterr().err
        print(err)
        assert code == 1 and err.startswith(f"{bad}: ") and expected in err
    missing = str(tmp_path / "none.yaml")
    assert cli.main(["validate", "--codebook", str(CB_PATH), "--mapping", missing, str(path)]) == 1
    assert "cannot read the mapping file" in capsys.readouterr().err


def test_export_rows_are_file_lines_after_a_multi_line_cell(good, mapping, tmp_path, codebooks):
    """An open answer with a line break (Excel allows them) does not shift later row numbers."""
    df = _export_frame(good).copy()
    i = df.index[df["V02_anders"] != ""][0]
    df.loc[i, "V02_anders"] = "Sport\nen taal"
    df.loc[i + 1, "grootteklasse"] = "G5"
    path = tmp_path / "export.csv"
    path.write_bytes(df.to_csv(index=False, sep=";").encode())
    _, problems = validate_export(path, codebooks[2018], load_mapping(mapping({"delimiter": ";"})))
    assert [(p.row, p.column, p.value) for p in problems] == [(i + 4, "grootteklasse", "G5")]
    assert path.read_text().splitlines()[i + 3].split(";")[2] == "G5"
