"""A fourth wave: a codebook, an export and the year in params.yaml build a new edition."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import yaml

from toeleiding import paths
from toeleiding.calibration import load_calibration
from toeleiding.codebook import load_codebook
from toeleiding.io import write_csv
from toeleiding.synthesize import synthesize

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}


def _env(cwd: Path) -> dict:
    """Run a clone with its own package source (the installed package is the working tree's)."""
    return {**ENV, "PYTHONPATH": str(Path(cwd) / "src")}


def _run(cmd, cwd):
    res = subprocess.run(cmd, cwd=cwd, env=_env(cwd), capture_output=True, text=True)
    assert res.returncode == 0, f"{cmd}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def test_fourth_wave_builds_its_edition_without_code_changes(tmp_path):
    repo = tmp_path / "repo"
    _run(["git", "clone", "-q", str(paths.ROOT), str(repo)], tmp_path)
    # 1. A codebook for the new wave (here: the 2018 questions asked again in 2019).
    text = paths.codebook_path(2018).read_text(encoding="utf-8")
    text = text.replace("wave: 2018", "wave: 2019").replace(
        "vluchtelingen 2018", "vluchtelingen 2019"
    )
    (repo / "data" / "codebook" / "2019.yaml").write_text(text, encoding="utf-8")
    cb = load_codebook(repo / "data" / "codebook" / "2019.yaml")
    # 2. An export of that wave, as the survey tool would deliver it (generated here).
    cal = copy.deepcopy(load_calibration(paths.calibration_path(2018)))
    cal["wave"] = 2019
    export = tmp_path / "export-2019.csv"
    write_csv(synthesize(cb, cal, 2019), export)
    # 3. One command adds it (validation, raw file, DVC tracking, the year in params.yaml).
    before = (repo / "params.yaml").read_text().splitlines()
    _run([BIN / "python", "-m", "toeleiding", "add-export", "--codebook",
          "data/codebook/2019.yaml", "--export", str(export)], repo)  # fmt: skip
    params = yaml.safe_load((repo / "params.yaml").read_text())
    assert params["years"][-1] == 2019 and 2019 not in params["synthesize"]["years"]
    assert (repo / "data" / "raw" / "2019.csv.dvc").exists()
    after = (repo / "params.yaml").read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("years: [2016, 2017, 2018]", "years: [2016, 2017, 2018, 2019]")]
    # Adding it again would replace an export: refused without --force, nothing changed.
    res = subprocess.run([BIN / "python", "-m", "toeleiding", "add-export", "--codebook",
                          "data/codebook/2019.yaml", "--export", str(export)],
                         cwd=repo, env=_env(repo), capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 1 and "--force" in res.stderr, res.stderr
    assert (repo / "params.yaml").read_text().splitlines() == after
    # 4. The pipeline builds every edition, the new one included; nothing in src/ changed.
    _run([BIN / "dvc", "repro", "--quiet", "synthesize", "clean", "metrics", "execute"], repo)
    assert _run(["git", "status", "--porcelain", "src"], repo).stdout == ""
    for chapter in params["execute"]["chapters"]:
        assert (repo / "build" / chapter / "2019" / f"{chapter}.ipynb").exists(), chapter
    assert yaml.safe_load((repo / "metrics" / "2019.json").read_text())["gemeenten"] == 282
    trend = (repo / "build" / "startmoment" / "2019" / "data" / "fig-startmoment.csv").read_text()
    assert "2016" in trend and "2019" in trend
    # The 2019 edition is built on an export, so it does not say its data are synthetic.
    built = repo / "build" / "randvoorwaarden"
    nb = (built / "2019" / "randvoorwaarden.ipynb").read_text(encoding="utf-8")
    assert "synthetische gegevens" not in nb
    assert "synthetische gegevens" in (built / "2018" / "randvoorwaarden.ipynb").read_text()
    _run([BIN / "python", "-m", "toeleiding", "book", "--params", "params.yaml", "--book", "book",
          "--build", "build", "--codebook-dir", "data/codebook", "--clean-dir", "data/clean",
          "--assumptions", "docs/ASSUMPTIONS.md", "--lock", "dvc.lock", "--metrics", "metrics",
          "--out", str(tmp_path / "site-src")], repo)  # fmt: skip
    cfg = yaml.safe_load((tmp_path / "site-src" / "2019" / "_quarto.yml").read_text())
    assert "include-before-body" not in cfg["format"]["html"]
    assert {m["text"] for m in cfg["book"]["navbar"]["right"][-1]["menu"]} == {
        "2016",
        "2017",
        "2018",
        "2019",
    }
