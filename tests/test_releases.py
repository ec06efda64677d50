"""Releases: the record, the changelog, the appendix "Herzieningen", and a release rebuilt exactly.

The first part checks the pieces on small inputs. The last part makes two real releases in a
scratch clone of the last commit (``make release``, as the README says), with a published number
changed on purpose in between, and checks the revisions page, `dvc metrics diff`, `dvc params
diff`, and that the first release comes back byte for byte: rebuilt from its tag in a fresh
clone, and pulled from the DVC remote.
"""

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from toeleiding import book, paths, releases
from toeleiding.releases import (
    COLUMNS,
    ReleaseError,
    State,
    changelog_with,
    compare,
    dump_record,
    read_item,
    revisions_values,
    with_version,
)

BIN = Path(sys.executable).parent
VALUE_HEADER = ["jaar", "vraag", "optie", "categorie", "aantal", "basis_n", "waarde",
                "waarde_afgerond", "eenheid", "gewogen", "ci_laag", "ci_hoog", "item"]  # fmt: skip
TEST_HEADER = ["jaar", "bewering", "vergelijking", "methode", "verschil", "ci_laag",
               "ci_hoog", "eenheid", "statistiek", "vrijheidsgraden", "p", "ondersteund",
               "uitkomst"]  # fmt: skip


def _csv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _value_rows(ja: str = "60", gewogen: str = "59.5017") -> list[list]:
    return [
        ["2018", "beleid", "ja", "Ja", "169", "282", "59.93", ja, "%", gewogen, "56.5706",
         "62.3666", "Figuur 3.1"],
        ["2018", "beleid", "nee", "Nee", "71", "282", "25.18", "25", "%", "25.8604", "23.2681",
         "28.6337", "Figuur 3.1"],
        ["2017", "beleid", "ja", "Ja", "205", "250", "82", "82", "%", "81.3473", "78.343",
         "84.0199", "Figuur 3.1"],
        ["2018", "beleid", "eens+helemaal_eens", "(Helemaal) eens", "197", "282", "69.86", "70",
         "% (groep)", "69.6606", "66.5207", "72.6271", "Figuur 3.1"],
    ]  # fmt: skip


def _test_rows(verdict: str = "duidelijk") -> list[list]:
    return [["2018", "Meer gemeenten doen X.", "2017 tegenover 2018", "t-toets", "12.9008",
             "8.5998", "17.2017", "procentpunt", "5.92", "165", "1.79e-08", "1",
             verdict]]  # fmt: skip


def _build(root: Path, ja: str = "60", gewogen: str = "59.5017", verdict: str = "duidelijk"):
    """A build folder with one chapter: a figure and a test of the 2018 edition."""
    data = root / "build" / "beleid" / "2018" / "data"
    _csv(data / "fig-beleid.csv", VALUE_HEADER, _value_rows(ja, gewogen))
    _csv(data / "toets-x.csv", TEST_HEADER, _test_rows(verdict))
    return root / "build"


# --- versions and records ------------------------------------------------------------------------


def test_version_lives_in_pyproject_and_only_its_project_table_changes():
    text = (paths.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert releases.project_version(paths.ROOT) == re.search(r'^version = "(.+)"', text, re.M)[1]
    extra = text + '\n[tool.other]\nversion = "9.9.9"\n'
    new = with_version(extra, "2.3.4")
    assert 'version = "2.3.4"' in new and 'version = "9.9.9"' in new
    assert new.replace('version = "2.3.4"', "", 1) == extra.replace(
        f'version = "{releases.project_version(paths.ROOT)}"', "", 1
    )
    for bad in ("1.2", "v1.2.3", "1.02.3", "1.2.3-rc1", ""):
        with pytest.raises(ReleaseError, match="MAJOR.MINOR.PATCH"):
            with_version(text, bad)
    assert not re.search(r"__version__\s*=\s*['\"]", (paths.ROOT / "src/toeleiding/__init__.py")
                         .read_text()), "a second place for the version"  # fmt: skip


def test_an_item_gives_one_value_per_row_with_the_printed_value_and_the_interval(tmp_path):
    build = _build(tmp_path)
    item = read_item(build / "beleid" / "2018" / "data" / "fig-beleid.csv", 2018)
    assert item["item"] == "Figuur 3.1" and item["kind"] == "value"
    assert item["values"][0] == ["2018|beleid|ja|%", "Ja", "%", "60", "59.5017", "56.5706",
                                 "62.3666"]  # fmt: skip
    test = read_item(build / "beleid" / "2018" / "data" / "toets-x.csv", 2018)
    assert test["item"] == "Toets: Meer gemeenten doen X." and test["kind"] == "test"
    assert test["values"] == [["2018|2017 tegenover 2018", "2017 tegenover 2018", "procentpunt",
                               "duidelijk", "12.9008", "8.5998", "17.2017"]]  # fmt: skip
    values = releases.published_values(build, ["beleid"], 2018)
    assert set(values) == {"fig-beleid", "toets-x"}
    assert (
        values["fig-beleid"]["md5"]
        == hashlib.md5((build / "beleid/2018/data/fig-beleid.csv").read_bytes()).hexdigest()
    )


def test_bad_downloads_are_refused_naming_file_and_lines(tmp_path):
    rows = _value_rows()
    dup = _csv(tmp_path / "dup.csv", VALUE_HEADER, [rows[0], rows[1], rows[0]])
    with pytest.raises(ReleaseError, match=r"dup\.csv, lines 2 and 4: two rows"):
        read_item(dup, 2018)
    odd = _csv(tmp_path / "odd.csv", ["jaar", "iets"], [["2018", "x"]])
    with pytest.raises(ReleaseError, match=r"odd\.csv: neither a figure or table"):
        read_item(odd, 2018)
    short = _csv(tmp_path / "short.csv", ["jaar", "waarde_afgerond"], [["2018", "3"]])
    with pytest.raises(ReleaseError, match=r"short\.csv: column\(s\) categorie, eenheid missing"):
        read_item(short, 2018)
    with pytest.raises(ReleaseError, match="run `dvc repro`"):
        releases.published_values(tmp_path / "build", ["beleid"], 2018)


def _record(tmp_path, version, previous, **build) -> dict:
    items = releases.published_values(_build(tmp_path / version, **build), ["beleid"], 2018)
    lock = {"stages": {"clean@2018": {
        "deps": [{"path": "data/raw/2018.csv", "md5": "a" * 32}],
        "outs": [{"path": "data/clean/2018.parquet", "md5": "b" * 32}]}}}  # fmt: skip
    return releases.make_record(version, previous, "c" * 40, "2026-11-25", f"Notes {version}.",
                                {2018: items}, lock)  # fmt: skip


def test_record_is_deterministic_json_with_one_value_per_line(tmp_path):
    record = _record(tmp_path, "1.0.0", None)
    text = dump_record(record)
    assert json.loads(text) == record and dump_record(json.loads(text)) == text
    assert record["columns"] == COLUMNS
    assert record["editions"]["2018"]["data"]["clean"] == {
        "path": "data/clean/2018.parquet", "md5": "b" * 32}  # fmt: skip
    value_lines = [line for line in text.splitlines() if line.strip().startswith('["20')]
    assert len(value_lines) == 5  # four values of the figure, one of the test


def test_records_are_read_in_version_order_and_checked(tmp_path):
    folder = tmp_path / "releases"
    folder.mkdir()
    for version in ("0.10.0", "0.9.0", "0.9.1"):
        (folder / f"{version}.json").write_text(dump_record(_record(tmp_path, version, None)))
    assert list(releases.load_records(tmp_path)) == ["0.9.0", "0.9.1", "0.10.0"]
    (folder / "1.0.0.json").write_text(dump_record(_record(tmp_path, "0.9.9", None)))
    with pytest.raises(ReleaseError, match=r"1\.0\.0\.json: not the record of release 1\.0\.0"):
        releases.load_records(tmp_path)


# --- what counts as a revision -------------------------------------------------------------------


def test_a_value_changes_when_it_prints_differently(tmp_path):
    old = _record(tmp_path, "1.0.0", None)["editions"]["2018"]["items"]
    same = _record(tmp_path, "1.0.1", None, gewogen="60.4")["editions"]["2018"]["items"]
    assert compare(old, same, ["beleid"]).changed == []  # 59.5017 and 60.4 both print 60
    moved = _record(tmp_path, "1.0.2", None, gewogen="60.5")["editions"]["2018"]["items"]
    r = compare(old, moved, ["beleid"])
    assert [(c["item"], c["old"][1], c["old"][4], c["new"][4]) for c in r.changed] == [
        ("Figuur 3.1", "Ja", "59.5017", "60.5")
    ]
    printed = _record(tmp_path, "1.0.3", None, ja="61", verdict="niet aangetoond")
    r = compare(old, printed["editions"]["2018"]["items"], ["beleid"])
    assert [(c["item"], c["new"][3]) for c in r.changed] == [
        ("Figuur 3.1", "61"), ("Toets: Meer gemeenten doen X.", "niet aangetoond")]  # fmt: skip
    assert r.added == r.removed == []
    fewer = {k: v for k, v in printed["editions"]["2018"]["items"].items() if k != "toets-x"}
    r = compare(old, fewer, ["beleid"])
    assert r.removed == ["Toets: Meer gemeenten doen X."] and r.added == []
    assert compare(fewer, old, ["beleid"]).added == ["Toets: Meer gemeenten doen X."]


def test_the_same_number_written_differently_is_no_change():
    row = ["2018|q|a|%", "A", "%", "69", "59.5", "56", "62"]
    assert not releases.value_changed(row, [*row[:3], "69.0", "59.50", "56.0", "62.0"], "value")
    # 59.5 prints 60, 59.4999 prints 59: half up, as the book rounds
    assert releases.value_changed(row, [*row[:4], "59.4999", "56", "62"], "value")
    assert not releases.value_changed(row, [*row[:4], "60.4999", "56", "62"], "value")
    means = ["2018|q|gemiddeld_aantal_antwoorden|antwoorden", "Gem.", "antwoorden", "3.2",
             "3.24", "3.1", "3.4"]  # fmt: skip
    assert releases.value_changed(means, [*means[:4], "3.25", "3.1", "3.4"], "value")


def _page(rel: State, items: dict, tmp_path: Path) -> str:
    values = revisions_values(rel, 2018, items, ["beleid"])
    rows = values.pop("wijzigingen")
    table = book.mdtable.pipe_table(["a", "b", "c", "d"], rows, "llll") if rows else None
    return releases_text(table, len(rows), values)


def releases_text(table, n, values) -> str:
    from toeleiding import templates

    return templates.fill(paths.ROOT / "book" / "_bijlagen" / "herzieningen.qmd", jaar=2018,
                          tabel=table, aantal=n, **values)  # fmt: skip


def test_the_revisions_page_in_each_case(tmp_path):
    first = _record(tmp_path, "1.0.0", None)
    second = _record(tmp_path, "1.1.0", "1.0.0", ja="61", gewogen="61.2")
    items1 = first["editions"]["2018"]["items"]
    items2 = second["editions"]["2018"]["items"]

    def sentences(text: str) -> list[str]:  # the reader text above the block for researchers
        return [s for s in text.split("::: {.callout-note")[0].splitlines()[1:] if s.strip()]

    # Before the first release, and at the first release: one sentence each.
    assert sentences(_page(State("1.0.0", False), items1, tmp_path)) == [
        "Van dit boek is nog geen release uitgebracht, dus er is nog niets herzien."]  # fmt: skip
    page = _page(State("1.0.0", True, first, None), items1, tmp_path)
    assert sentences(page) == [
        "Deze editie hoort bij release 1.0.0 van het boek, uitgebracht op "
        "25 november 2026: de eerste release, dus er is nog niets herzien."
    ]
    # Nothing changed since the last release: one sentence.
    page = _page(State("1.0.0", False, None, first), items1, tmp_path)
    assert sentences(page) == [
        "Deze editie is nog niet uitgebracht; sinds de laatste release, 1.0.0 van 25 november "
        "2026, is geen enkel gepubliceerd cijfer van deze editie veranderd."]  # fmt: skip
    # The second release: the value that changed, with the reason from the notes.
    page = _page(State("1.1.0", True, second, first), items2, tmp_path)
    assert "> Notes 1.1.0." in page and "de vorige release, 1.0.0 van 25 november 2026" in page
    table = [line for line in page.splitlines() if line.startswith("| Figuur")]
    assert table == ["| Figuur 3.1 | Ja | 60% → 61% | 60% (57–62) → 61% (57–62) |"]
    assert "{#tbl-herzieningen}" in page and "Het gaat om één cijfer." in page
    # Not released, with changes since the last release: no reason yet.
    page = _page(State("1.0.0", False, None, first), items2, tmp_path)
    assert "De reden komt in de toelichting bij de volgende release." in page
    # An edition the previous release did not have.
    other = {**first, "editions": {}}
    page = _page(State("1.1.0", True, second, other), items2, tmp_path)
    assert "had deze editie nog niet, dus alle cijfers ervan zijn nieuw" in page


def test_changelog_sections_newest_first_and_unreleased_notes_move_along():
    text = changelog_with(None, "1.0.0", "2026-11-25", "First notes.", "Summary one.")
    assert text.count("## [Unreleased]") == 1 and "## [1.0.0] - 2026-11-25" in text
    text = text.replace("## [Unreleased]\n", "## [Unreleased]\n\n- Written while working.\n")
    text = changelog_with(text, "1.1.0", "2026-12-01", "Second notes.", "Summary two.")
    heads = re.findall(r"^## \[(.+?)\]", text, re.M)
    assert heads == ["Unreleased", "1.1.0", "1.0.0"]
    newest = text.split("## [1.1.0] - 2026-12-01\n")[1].split("## [1.0.0]")[0]
    assert newest.strip().split("\n\n") == ["Second notes.", "- Written while working.",
                                            "Summary two."]  # fmt: skip
    assert text.split("## [Unreleased]\n")[1].startswith("\n## [1.1.0]")


# --- the state of a checkout: released or not ----------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}  # fmt: skip
    res = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_a_checkout_is_a_release_only_at_its_release_commit(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.1.0"\n')
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "start")
    assert releases.state(repo) == State("0.1.0", False)
    source = _git(repo, "rev-parse", "HEAD")
    record = {**_record(tmp_path, "0.1.0", None), "commit": source}
    (repo / "releases").mkdir()
    (repo / "releases" / "0.1.0.json").write_text(dump_record(record))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "Release 0.1.0")
    rel = releases.state(repo)
    assert rel.released and rel.record == record and rel.previous is None
    assert rel.label == "0.1.0" and rel.package_version == "0.1.0"
    (repo / "notes.txt").write_text("uncommitted")  # a dirty tree is no release
    assert not releases.state(repo).released
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "later")
    rel = releases.state(repo)
    assert not rel.released and rel.previous == record
    assert rel.label == "nog niet uitgebracht (na release 0.1.0)"
    assert rel.package_version == "0.1.0+niet-uitgebracht"
    assert rel.footer == "Nog niet uitgebracht · laatste release: 0.1.0 van 25 november 2026"
    _git(repo, "checkout", "-q", "HEAD^")  # back at the release commit
    assert releases.state(repo).released
    # In a shallow clone the parent is unknown: the tag on the release commit says it.
    _git(repo, "tag", "-a", "v0.1.0", "-m", "Release 0.1.0")
    for tagged in (False, True):
        shallow = tmp_path / f"shallow-{tagged}"
        _git(tmp_path, "clone", "-q", "--depth", "1", "--branch",
             "v0.1.0" if tagged else "master", f"file://{repo}", str(shallow))  # fmt: skip
        assert releases.state(shallow).released == tagged


def test_a_release_is_refused_without_notes_on_a_dirty_tree_or_an_old_version(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "releases").mkdir()
    (repo / "releases" / "0.2.0.json").write_text(dump_record(_record(tmp_path, "0.2.0", None)))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "start")
    with pytest.raises(ReleaseError, match="notes are empty"):
        releases.check_can_release(repo, "0.3.0", "  ")
    for old in ("0.2.0", "0.1.9"):
        with pytest.raises(ReleaseError, match="exists|would not be the newest"):
            releases.check_can_release(repo, old, "notes")
    _git(repo, "tag", "v0.3.0")
    with pytest.raises(ReleaseError, match="tag v0.3.0 exists"):
        releases.check_can_release(repo, "0.3.0", "notes")
    (repo / "new.txt").write_text("x")
    with pytest.raises(ReleaseError, match=r"not clean(.|\n)*new\.txt"):
        releases.check_can_release(repo, "0.4.0", "notes")


def _tiny_repo(tmp_path: Path) -> Path:
    """A git and DVC repository with a book of one chapter, its build and a dvc.lock."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _build(repo)
    (repo / ".gitignore").write_text("/build/\n")
    (repo / "book").mkdir()
    (repo / "book" / "_quarto.yml").write_text("book:\n  chapters: [index.qmd, beleid.ipynb]\n")
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.1.0"\n')
    lock = {"stages": {"clean@2018": {
        "deps": [{"path": "data/raw/2018.csv", "md5": "a" * 32}],
        "outs": [{"path": "data/clean/2018.parquet", "md5": "b" * 32}]}}}  # fmt: skip
    (repo / "dvc.lock").write_text(yaml.safe_dump(lock))
    res = subprocess.run([BIN / "dvc", "init", "-q"], cwd=repo, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "start")
    return repo


def test_a_failed_release_leaves_no_commit_tag_or_file_behind(tmp_path, monkeypatch):
    repo = _tiny_repo(tmp_path)
    for name, value in (("NAME", "t"), ("EMAIL", "t@example.org")):
        monkeypatch.setenv(f"GIT_AUTHOR_{name}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{name}", value)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    head = _git(repo, "rev-parse", "HEAD")
    kwargs = dict(years=[2018], synthetic_years=[2018], book_dir=repo / "book",
                  build_dir=repo / "build", lock_path=repo / "dvc.lock", push=False,
                  log=lambda _line: None)  # fmt: skip

    def broken_book():
        assert releases.state(repo).released  # the book is assembled at the release commit
        raise ReleaseError("the book cannot be assembled")

    def clean() -> None:
        assert _git(repo, "rev-parse", "HEAD") == head and _git(repo, "tag") == ""
        assert _git(repo, "status", "--porcelain") == ""
        assert not list((repo / "releases").glob("*")) and not (repo / "CHANGELOG.md").exists()
        assert releases.project_version(repo) == "0.1.0"

    with pytest.raises(ReleaseError, match="cannot be assembled"):  # after the commit
        releases.make_release(repo, "0.2.0", "Notes.", assemble_book=broken_book, **kwargs)
    clean()
    hook = repo / ".git" / "hooks" / "pre-commit"  # before it: the commit itself fails
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(ReleaseError, match="git commit failed"):
        releases.make_release(repo, "0.2.0", "Notes.", assemble_book=lambda: None, **kwargs)
    clean()
    hook.unlink()
    record = releases.make_release(repo, "0.2.0", "Notes.", assemble_book=lambda: None, **kwargs)
    assert record["commit"] == head and _git(repo, "rev-parse", "HEAD^") == head
    assert _git(repo, "tag") == "v0.2.0" and releases.state(repo).released


def test_an_edition_has_the_revisions_appendix_and_names_its_release(tmp_path):
    """On this checkout's build (the latest edition; the scratch clone below checks them all):
    the appendix with our Dutch text, and the foot of every page and the colophon name the
    release state."""
    template = book.load_template(paths.ROOT / "book")
    assert "herzieningen.qmd" in template["book"]["appendices"]
    params = yaml.safe_load((paths.ROOT / "params.yaml").read_text())
    years = [int(y) for y in params["years"]]
    rel = releases.state(paths.ROOT)
    for year in years[-1:]:
        src = book.assemble(
            year, years, paths.ROOT / "book", paths.ROOT / "build", paths.CODEBOOK_DIR,
            paths.ROOT / "docs" / "ASSUMPTIONS.md", paths.ROOT / "dvc.lock",
            paths.ROOT / "metrics", tmp_path / str(year), clean_dir=paths.CLEAN_DIR,
            min_count=int(params["disclosure"]["min_count"]),
        )  # fmt: skip
        page = (src / "herzieningen.qmd").read_text(encoding="utf-8")
        assert page.startswith("# Herzieningen {#sec-herzieningen}")
        assert "herzien" in page or "veranderd" in page
        cfg = yaml.safe_load((src / "_quarto.yml").read_text(encoding="utf-8"))
        assert cfg["book"]["page-footer"]["center"].startswith(rel.footer)
        colophon = (src / "colofon.qmd").read_text(encoding="utf-8")
        assert ("hoort bij release" in colophon) == rel.released
        assert ("nog niet uitgebracht" in colophon) == (not rel.released)


# --- two real releases in a scratch clone ---------------------------------------------------------

# The number changed on purpose: in 2018, the share of municipalities with policy of their own
# (Figuur 3.1, V01 code 1) goes from 60 to 61 % and "in ontwikkeling" (code 4) from 14 to 13 %,
# so the routed base of Figuur 3.6 (codes 1 and 4: 208 municipalities) stays as published.
CALIBRATION_EDIT = ("    percent: {1: 60, 2: 25, 3: 1, 4: 14}\n",
                    "    percent: {1: 61, 2: 25, 3: 1, 4: 13}\n")  # fmt: skip
PARAMS_EDIT = ("  workers: 3\n", "  workers: 2\n")  # execute.workers: a parameter that changes
TIMES: dict[str, float] = {}  # seconds per step, printed at the end (pytest -s shows them)


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _env(repo: Path, path: str) -> dict:
    return {**os.environ, "PATH": path, "PYTHONPATH": str(repo / "src"), "PYTHONHASHSEED": "0",
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}  # fmt: skip


def _run(cmd: list, repo: Path, path: str, check: bool = True, step: str | None = None):
    start = time.monotonic()
    res = subprocess.run([str(c) for c in cmd], cwd=repo, env=_env(repo, path),
                         capture_output=True, text=True)  # fmt: skip
    if step:
        TIMES[step] = TIMES.get(step, 0) + time.monotonic() - start
    if check:
        assert res.returncode == 0, f"{cmd}:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
    return res


def _make(repo: Path, path: str, *args: str, check: bool = True, step: str | None = None):
    """`make` in the clone with this test run's environment, never installing into it."""
    venv = BIN.parent
    cmd = ["make", "--no-print-directory", "-C", repo, f"VENV={venv}", "-o",
           f"{venv}/.installed", *args]  # fmt: skip
    dry = _run([*cmd, "-n"], repo, path, check=False)
    assert "pip install" not in dry.stdout, dry.stdout
    return _run(cmd, repo, path, check=check, step=step)


def _path(tmp: Path) -> str:
    """PATH with this environment first and a stand-in for Quarto instead of any real one."""
    from test_site_pipeline import write_standin

    keep = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "quarto").exists()]
    write_standin(tmp / "quarto-bin", tmp / "quarto-calls.jsonl")
    return os.pathsep.join([str(tmp / "quarto-bin"), str(BIN), *keep])


def _seed_outputs(source: Path, repo: Path) -> None:
    """Give the clone this checkout's pipeline outputs and their DVC cache objects, so that its
    first `dvc repro` runs only what differs from its commit (nothing, after `make test`)."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    cache = Path(".dvc") / "cache" / "files" / "md5"
    for entry in [o for s in lock["stages"].values() for o in s.get("outs", [])]:
        src, dst = source / entry["path"], repo / entry["path"]
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif src.is_file() and not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        md5 = entry.get("md5", "")
        objects = [md5]
        listing = source / cache / md5[:2] / md5[2:]
        if md5.endswith(".dir") and listing.is_file():
            objects += [f["md5"] for f in json.loads(listing.read_text())]
        for obj in [cache / m[:2] / m[2:] for m in objects if m]:
            if (source / obj).is_file() and not (repo / obj).exists():
                (repo / obj).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / obj, repo / obj)


def _csvs(repo: Path) -> dict[str, str]:
    """md5 of every CSV download of the build, by ``<year>/<file name>``."""
    return {f"{p.parent.parent.name}/{p.name}": _md5(p)
            for p in sorted((repo / "build").glob("*/*/data/*.csv"))}  # fmt: skip


def _record_csvs(record: dict) -> dict[str, str]:
    return {f"{year}/{name}.csv": item["md5"] for year, e in record["editions"].items()
            for name, item in e["items"].items()}  # fmt: skip


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """Releases 0.0.1 and 0.0.2 of a scratch clone, with a published number changed between."""
    start = time.monotonic()
    tmp = tmp_path_factory.mktemp("releases")
    path = _path(tmp)
    repo = tmp / "a" / "repo"  # the DVC remote is ../toeleiding-dvc-remote beside the clone
    _run(["git", "clone", "-q", paths.ROOT, repo], tmp, path)
    _seed_outputs(paths.ROOT, repo)
    _run([BIN / "dvc", "repro", "-q", "metrics", "execute"], repo, path, step="dvc repro (seeded)")
    assert _run(["git", "status", "--porcelain"], repo, path).stdout == "", (
        "the last commit's dvc.lock is not what its pipeline gives: `make repro` and commit first"
    )
    # A history of its own: the project's releases are left out of the scratch clone, so the
    # test's releases are its first, whatever versions the project has released.
    records = sorted((repo / "releases").glob("*.json"))
    if records:
        _git(repo, "rm", "-q", *[str(r) for r in records])
        _git(repo, "commit", "-qm", "scratch history without the project's releases")
    for tag in _git(repo, "tag", "--list", "v*").split():
        _git(repo, "tag", "-d", tag)
    # Refused: a dirty tree.
    (repo / "scratch.txt").write_text("not committed")
    res = _make(repo, path, "release", "VERSION=0.0.1", "NOTES=Eerste.", check=False)
    assert res.returncode != 0 and "not clean" in res.stderr and "scratch.txt" in res.stderr
    (repo / "scratch.txt").unlink()
    assert not (repo / "releases" / "0.0.1.json").exists()
    # Release 0.0.1.
    _make(repo, path, "release", "VERSION=0.0.1", "NOTES=Eerste release van het boek.",
          step="make release 0.0.1")  # fmt: skip
    first_book = {p.relative_to(repo / "_quarto_build").as_posix(): p.read_bytes()
                  for p in sorted((repo / "_quarto_build").rglob("*")) if p.is_file()}  # fmt: skip
    # The change on purpose, committed without running the pipeline: refused as stale.
    for file, (old, new) in (("data/calibration/2018.yaml", CALIBRATION_EDIT),
                             ("params.yaml", PARAMS_EDIT)):  # fmt: skip
        text = (repo / file).read_text(encoding="utf-8")
        at = text.find(old, text.index("\nexecute:") if file == "params.yaml" else 0)
        assert at >= 0, f"{file} no longer has {old!r}: update the test's edit"
        (repo / file).write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    _run(["git", "commit", "-qam", "Figuur 3.1: andere kalibratie (test)"], repo, path)
    res = _make(repo, path, "release", "VERSION=0.0.2", "NOTES=x", check=False)
    assert res.returncode != 0 and "pipeline is not up to date" in res.stderr, res.stderr
    _run([BIN / "dvc", "repro", "-q", "metrics", "execute"], repo, path, step="dvc repro (0.0.2)")
    _run(["git", "add", "-A"], repo, path)
    _run(["git", "commit", "-qm", "Pijplijn bijgewerkt"], repo, path)
    notes = 'Figuur 3.1: de "eigen beleid"-cijfers van 2018 zijn gecorrigeerd (test).'
    _make(repo, path, "release", "VERSION=0.0.2", f"NOTES={notes}", step="make release 0.0.2")
    TIMES["releases in all"] = time.monotonic() - start
    return {"repo": repo, "path": path, "tmp": tmp, "notes": notes, "first_book": first_book}


def _records(repo: Path) -> tuple[dict, dict]:
    return tuple(json.loads((repo / "releases" / f"{v}.json").read_text())
                 for v in ("0.0.1", "0.0.2"))  # fmt: skip


def test_release_commits_record_changelog_and_version_and_tags_it(released):
    repo, path = released["repo"], released["path"]
    first, second = _records(repo)
    assert _run(["git", "status", "--porcelain"], repo, path).stdout == ""
    for record, before in ((first, None), (second, "0.0.1")):
        version = record["version"]
        tag = _run(["git", "rev-list", "-n1", f"v{version}"], repo, path).stdout.strip()
        # The tag is the release commit; the record names its parent, the commit that was built.
        parent = _run(["git", "rev-parse", f"{tag}^"], repo, path).stdout.strip()
        assert record["commit"] == parent and record["previous"] == before
        assert record["date"] == _run(["git", "log", "-1", "--format=%cs", parent], repo,
                                      path).stdout.strip()  # fmt: skip
        changed = _run(["git", "diff", "--name-only", parent, tag], repo, path).stdout.split()
        assert sorted(changed) == ["CHANGELOG.md", "pyproject.toml", f"releases/{version}.json"]
        shown = _run(["git", "show", f"{tag}:pyproject.toml"], repo, path).stdout
        assert f'version = "{version}"' in shown
        # A clone without tags finds the release commit from the record file.
        added = _run(["git", "log", "--diff-filter=A", "--format=%H", "--",
                      f"releases/{version}.json"], repo, path).stdout.strip()  # fmt: skip
        assert added == tag
        lock = yaml.safe_load(_run(["git", "show", f"{parent}:dvc.lock"], repo, path).stdout)
        for year, edition in record["editions"].items():
            assert edition["data"] == releases.data_hashes(lock, int(year))
    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.index("## [0.0.2] - ") < changelog.index("## [0.0.1] - ")
    assert released["notes"] in changelog and "Eerste release van het boek." in changelog
    # Every published value is in the record: one per row of every CSV download.
    rows = sum(len(item["values"]) for e in second["editions"].values()
               for item in e["items"].values())  # fmt: skip
    lines = sum(
        len(p.read_text().splitlines()) - 1 for p in (repo / "build").glob("*/*/data/*.csv")
    )
    assert rows == lines > 0
    assert _record_csvs(second) == _csvs(repo)
    check = [BIN / "python", "-m", "toeleiding", "check-release"]
    assert "identical to release 0.0.2" in _run([*check, "0.0.2"], repo, path).stdout
    res = _run([*check, "0.0.1"], repo, path, check=False)
    assert res.returncode == 1 and "data/clean/2018.parquet: md5 " in res.stderr, res.stderr


def _rounded(text: str | None, decimals: int):
    if text is None:
        return None
    try:
        return Decimal(text).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    except ArithmeticError:
        return text


def _expected_changes(old: dict, new: dict, year: str) -> set[tuple[str, str]]:
    """(item, category) of every value that prints differently, computed from the records."""
    out = set()
    for name in set(old["items"]) & set(new["items"]):
        kind = new["items"][name]["kind"]
        a = {row[0]: row for row in old["items"][name]["values"]}
        b = {row[0]: row for row in new["items"][name]["values"]}
        for key in set(a) | set(b):
            x, y = a.get(key), b.get(key)
            row = y or x
            d = 1 if kind == "test" or row[2] == "antwoorden" else 0
            if (
                x
                and y
                and _rounded(x[3], 4) == _rounded(y[3], 4)
                and all(_rounded(x[i], d) == _rounded(y[i], d) for i in (4, 5, 6))
            ):
                continue
            label = row[1] + (
                " (samengevoegd)" if kind == "value" and row[2] == "% (groep)" else ""
            )
            wave = key.split("|")[0]
            label += f" ({wave})" if wave != year else ""
            out.add((new["items"][name]["item"], label))
    return out


def _table(page: str) -> set[tuple[str, str]]:
    rows = [line for line in page.splitlines() if line.startswith("| ")][1:]  # after the header
    cells = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)[1:-1]]
             for row in rows]  # fmt: skip
    return {(c[0], c[1]) for c in cells}


def test_revisions_page_of_the_second_release_lists_exactly_what_changed(released):
    repo = released["repo"]
    first, second = _records(repo)
    for year in second["editions"]:
        page = (repo / "_quarto_build" / year / "herzieningen.qmd").read_text(encoding="utf-8")
        expected = _expected_changes(first["editions"][year], second["editions"][year], year)
        assert _table(page) == expected, year
        if expected:
            assert f"> {released['notes']}" in page
            assert "sinds de vorige release, 0.0.1 van" in page
        else:
            assert "is geen enkel gepubliceerd cijfer van deze editie veranderd" in page
    page = (repo / "_quarto_build" / "2018" / "herzieningen.qmd").read_text(encoding="utf-8")
    assert "| Figuur 3.1 | Ja | 60% → 61% |" in page  # the number changed on purpose
    first_page = released["first_book"]["2018/herzieningen.qmd"].decode()
    assert "release 0.0.1 van het boek, uitgebracht op" in first_page
    assert "de eerste release, dus er is nog niets herzien" in first_page


def test_book_site_and_downloads_name_the_release(released):
    repo = released["repo"]
    for year in ("2016", "2017", "2018"):
        src = repo / "_quarto_build" / year
        cfg = yaml.safe_load((src / "_quarto.yml").read_text(encoding="utf-8"))
        assert (
            cfg["book"]["page-footer"]["center"].startswith("Release 0.0.2 van ")
            and "vorige release: 0.0.1" in cfg["book"]["page-footer"]["center"]
        )
        assert cfg["citation"]["version"] == "0.0.2"
        colophon = (src / "colofon.qmd").read_text(encoding="utf-8")
        assert "Deze editie hoort bij release 0.0.2 van het boek" in colophon
        assert "De vorige release was 0.0.1, van " in colophon
        import zipfile

        with zipfile.ZipFile(next((src / "data").glob("*.zip"))) as zf:
            assert json.loads(zf.read("datapackage.json"))["version"] == "0.0.2"
    landing = (repo / "_site" / "index.html").read_text(encoding="utf-8")
    assert "Release 0.0.2 van " in landing  # rendered by the stand-in for Quarto


def test_dvc_metrics_and_params_diff_between_release_tags(released):
    repo, path = released["repo"], released["path"]

    def at(tag, file):
        return _run(["git", "show", f"{tag}:{file}"], repo, path).stdout

    res = _run([BIN / "dvc", "metrics", "diff", "--json", "v0.0.1", "v0.0.2"], repo, path)
    got = {(f, k, v["old"], v["new"]) for f, ms in json.loads(res.stdout or "{}").items()
           for k, v in ms.items()}  # fmt: skip
    expected = set()
    for year in (2016, 2017, 2018):
        old, new = (json.loads(at(t, f"metrics/{year}.json")) for t in ("v0.0.1", "v0.0.2"))
        expected |= {(f"metrics/{year}.json", k, old.get(k), new.get(k))
                     for k in set(old) | set(new) if old.get(k) != new.get(k)}  # fmt: skip
    assert got == expected
    assert ("metrics/2018.json", "beleid_aanvullend_pct", 60, 61) in got
    res = _run([BIN / "dvc", "params", "diff", "--json", "v0.0.1", "v0.0.2"], repo, path)
    changed = {(f, k, v["old"], v["new"]) for f, ps in json.loads(res.stdout).items()
               for k, v in ps.items()}  # fmt: skip
    assert changed == {("params.yaml", "execute.workers", 3, 2)}


def test_first_release_is_rebuilt_byte_for_byte_from_its_tag(released):
    """A fresh clone at v0.0.1 runs the whole pipeline from nothing (no DVC cache, no pull)."""
    repo, path, tmp = released["repo"], released["path"], released["tmp"]
    first, _ = _records(repo)
    clone = tmp / "b" / "repo"
    _run(["git", "clone", "-q", repo, clone], tmp, path)
    _run(["git", "checkout", "-q", "v0.0.1"], clone, path)
    _run([BIN / "dvc", "repro", "-q", "--no-run-cache", "metrics", "execute"], clone, path,
         step="rebuild of 0.0.1 from nothing")  # fmt: skip
    assert _run(["git", "status", "--porcelain"], clone, path).stdout == ""  # dvc.lock as tagged
    for edition in first["editions"].values():
        for what in ("raw", "clean"):
            assert _md5(clone / edition["data"][what]["path"]) == edition["data"][what]["md5"]
    assert _csvs(clone) == _record_csvs(first)
    check = [BIN / "python", "-m", "toeleiding", "check-release", "0.0.1"]
    assert "identical to release 0.0.1" in _run(check, clone, path).stdout
    # The book at the tag is the book the release made (the same sources, byte for byte).
    _make(clone, path, "site", step="make site at v0.0.1")
    rebuilt = {p.relative_to(clone / "_quarto_build").as_posix(): p.read_bytes()
               for p in sorted((clone / "_quarto_build").rglob("*")) if p.is_file()}  # fmt: skip
    assert rebuilt.keys() == released["first_book"].keys()
    differ = [k for k in rebuilt if rebuilt[k] != released["first_book"][k]]
    assert differ == []


def test_first_release_comes_back_with_checkout_and_dvc_pull(released, capsys):
    repo, path, tmp = released["repo"], released["path"], released["tmp"]
    first, _ = _records(repo)
    clone = tmp / "a" / "pulled"  # beside the first clone: the same default DVC remote
    _run(["git", "clone", "-q", repo, clone], tmp, path)
    _run(["git", "checkout", "-q", "v0.0.1"], clone, path)
    _run([BIN / "dvc", "pull", "-q"], clone, path, step="dvc pull of 0.0.1")
    for edition in first["editions"].values():
        for what in ("raw", "clean"):
            assert _md5(clone / edition["data"][what]["path"]) == edition["data"][what]["md5"]
    assert _csvs(clone) == _record_csvs(first)
    with capsys.disabled():
        print("\nrelease test timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in TIMES.items()))


def test_revisions_dates_are_dutch():
    assert releases.dutch_date("2026-03-01") == "1 maart 2026"
    assert date.fromisoformat("2026-03-01")
