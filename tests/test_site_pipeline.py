"""The site as a local publishing step: the same committed state with and without Quarto,
lab runs outside the book, and a render that is parallel and renders only what changed.

A stand-in ``quarto`` (written by ``write_standin``) takes the place of Quarto here. It only
tests the plumbing: it writes a minimal ``_book/`` (an ``index.html`` and one page per chapter
and appendix of the edition's ``_quarto.yml``) and logs every call, so a test can see which
editions and pages were rendered, and when. It is never the book: the real render is checked
in ``tests/test_book.py`` where Quarto is installed.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import BOOK_INPUTS
from toeleiding import book, paths
from toeleiding.book import BookError, render, render_inputs

PARAMS = yaml.safe_load(paths.PARAMS.read_text())
YEARS = PARAMS["years"]
SYNTHETIC_YEARS = PARAMS["synthesize"]["years"]
BIN = Path(sys.executable).parent
BUILD = paths.ROOT / "build"
COMMON = dict(BOOK_INPUTS, build_dir=BUILD, synthetic_years=SYNTHETIC_YEARS)
TWO = YEARS[-2:]  # most tests need two editions only: less assembling
ONE = YEARS[-1:]

STANDIN = r'''#!{python}
"""Stand-in for `quarto render` (tests only): writes a minimal _book/ and logs the call."""
import hashlib, json, os, shutil, sys, time
from pathlib import Path

import yaml

args = sys.argv[1:]
if args[:1] == ["--version"]:
    print("0.0.0-stand-in")
    sys.exit(0)
if args[:1] != ["render"]:
    sys.exit("stand-in quarto: only `render` is known")
inputs = []
for arg in args[1:]:
    if arg.startswith("-"):
        break
    inputs.append(arg)
start = time.time()
whole = len(inputs) == 1 and Path(inputs[0]).is_dir()
project = Path(inputs[0]).resolve() if whole else Path.cwd()
time.sleep(float(os.environ.get("STANDIN_QUARTO_SLEEP", "0")))
if os.environ.get("STANDIN_QUARTO_FAIL") == project.name:
    sys.exit("kapot: stand-in quarto fails for " + project.name)


def pages(entries):
    for entry in entries or []:
        if isinstance(entry, str):
            yield entry
        else:
            if "href" in entry:
                yield entry["href"]
            yield from pages(entry.get("chapters"))


def write(page):
    source = (project / page).read_bytes()
    html = project / "_book" / (Path(page).stem + ".html")
    html.write_text(page + " " + hashlib.sha256(source).hexdigest() + "\n")


config = yaml.safe_load((project / "_quarto.yml").read_text())["book"]
if whole:
    shutil.rmtree(project / "_book", ignore_errors=True)
    (project / "_book").mkdir()
    for page in [*pages(config.get("chapters")), *pages(config.get("appendices"))]:
        write(page)
else:
    for page in inputs:
        write(page)
line = dict(project=str(project), year=project.name, whole=whole,
            files=[] if whole else inputs, start=start, end=time.time())
with open({log!r}, "a") as fh:
    fh.write(json.dumps(line) + "\n")
'''


def write_standin(bin_dir: Path, log: Path) -> Path:
    """Write the stand-in ``quarto`` into ``bin_dir``; it appends each call to ``log``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "quarto"
    text = STANDIN.replace("{python}", sys.executable).replace("{log!r}", repr(str(log)))
    script.write_text(text)
    script.chmod(0o755)
    log.touch()
    return script


def calls(log: Path) -> list[dict]:
    """The stand-in's calls so far, in the order they ended."""
    return [json.loads(line) for line in log.read_text().splitlines()]


def summary(entries: list[dict]) -> dict[int, object]:
    """Per edition: "whole", or the pages rendered on their own."""
    return {int(c["year"]): "whole" if c["whole"] else c["files"] for c in entries}


@pytest.fixture
def standin(tmp_path):
    log = tmp_path / "quarto-calls.jsonl"
    return str(write_standin(tmp_path / "bin", log)), log


def _edit_chapter(build: Path, slug: str, year: int, sentence: str) -> None:
    """Change the text of an executed chapter, leaving its labels and title as they are."""
    path = build / slug / str(year) / f"{slug}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells[1:] if c.cell_type == "markdown" and "{#" not in c.source)
    cell.source += f"\n\n{sentence}"
    nbformat.write(nb, path)


@pytest.fixture
def build(tmp_path):
    """A copy of the executed chapters that a test may change."""
    out = tmp_path / "build"
    for slug in PARAMS["execute"]["chapters"]:
        shutil.copytree(BUILD / slug, out / slug)
    return out


# --- render: parallel, and only what changed ----------------------------------------------------


def test_cold_renders_every_edition_whole_and_again_nothing(tmp_path, standin):
    quarto, log = standin
    site = tmp_path / "_site"
    done = render(YEARS, site=site, quarto=quarto, **COMMON)
    assert done == {y: "whole" for y in YEARS}
    assert summary(calls(log)) == {y: "whole" for y in YEARS}
    assert len(calls(log)) == len(YEARS)
    for year in YEARS:
        assert (site / str(year) / "index.html").is_file()
        assert (site / str(year) / "beleid.html").is_file()
    assert f"{max(YEARS)}/index.html" in (site / "index.html").read_text()
    assert (tmp_path / ".book-cache" / "manifest.json").is_file()
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    assert render(YEARS, site=site, quarto=quarto, **COMMON) == {}
    assert len(calls(log)) == len(YEARS)  # no Quarto call at all
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == before


def test_a_new_commit_alone_renders_nothing(tmp_path, standin, monkeypatch):
    quarto, log = standin
    site = tmp_path / "_site"
    render(ONE, site=site, quarto=quarto, **COMMON)
    manifest = tmp_path / ".book-cache" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["inputs"] = "something changed"  # so every edition is assembled and compared
    manifest.write_text(json.dumps(data))
    info = book.git_info(paths.ROOT)
    later = {"commit": "f" * 40, "date": "2031-01-02", "release": "9.9.9 (fffffff)"}
    assert later != info
    monkeypatch.setattr(book, "git_info", lambda _repo: later)
    assert render(ONE, site=site, quarto=quarto, **COMMON) == {}
    assert len(calls(log)) == len(ONE)  # the cold render only
    colophon = (tmp_path / ".book-cache" / str(max(ONE)) / "colofon.qmd").read_text()
    assert info["commit"] in colophon  # still the stamp it was rendered with
    done = render(ONE, site=site, quarto=quarto, force=True, **COMMON)
    assert done == {y: "whole" for y in ONE}
    assert later["commit"] in (tmp_path / ".book-cache" / str(max(ONE)) / "colofon.qmd").read_text()


def test_a_changed_chapter_renders_only_that_page_of_the_editions_concerned(
    tmp_path, standin, build
):
    quarto, log = standin
    site = tmp_path / "_site"
    common = dict(COMMON, build_dir=build)
    render(YEARS, site=site, quarto=quarto, **common)
    old = (site / str(max(YEARS)) / "beleid.html").read_text()
    first = len(calls(log))
    changed = YEARS[1:]
    for year in changed:
        _edit_chapter(build, "beleid", year, "Deze zin is nieuw.")
    done = render(YEARS, site=site, quarto=quarto, **common)
    assert done == {y: "beleid.ipynb" for y in changed}
    assert summary(calls(log)[first:]) == {y: ["beleid.ipynb"] for y in changed}
    assert (site / str(max(YEARS)) / "beleid.html").read_text() != old
    assert (
        "Deze zin is nieuw."
        in (tmp_path / ".book-cache" / str(max(YEARS)) / "beleid.ipynb").read_text()
    )


def test_a_changed_figure_renders_the_pages_that_show_it_and_is_published(tmp_path, standin, build):
    quarto, log = standin
    site = tmp_path / "_site"
    common = dict(COMMON, build_dir=build)
    year = max(TWO)
    render(TWO, site=site, quarto=quarto, **common)
    first = len(calls(log))
    figure = sorted((build / "beleid" / str(year) / "figures").iterdir())[0]
    figure.write_bytes(figure.read_bytes() + b"\0")  # other bytes, same name
    render(TWO, site=site, quarto=quarto, **common)
    (call,) = calls(log)[first:]
    assert call["year"] == str(year) and "beleid.ipynb" in call["files"], call
    published = site / str(year) / "figures" / figure.name
    assert published.read_bytes() == figure.read_bytes()


def test_a_changed_configuration_renders_that_edition_whole(tmp_path, standin):
    quarto, log = standin
    site = tmp_path / "_site"
    render(TWO, site=site, quarto=quarto, **COMMON)
    first = len(calls(log))
    # The oldest of the two becomes an edition of a real export: its configuration changes.
    real = dict(COMMON, synthetic_years=[y for y in SYNTHETIC_YEARS if y != min(TWO)])
    assert render(TWO, site=site, quarto=quarto, **real) == {min(TWO): "whole"}
    assert summary(calls(log)[first:]) == {min(TWO): "whole"}


def test_a_new_section_renders_that_edition_whole(tmp_path, standin, build):
    """Quarto numbers the sections; a reference on another page to a later one would go stale."""
    quarto, log = standin
    common = dict(COMMON, build_dir=build)
    render(TWO, site=tmp_path / "_site", quarto=quarto, **common)
    first = len(calls(log))
    _edit_chapter(build, "beleid", max(TWO), "## Een nieuwe paragraaf")
    assert render(TWO, site=tmp_path / "_site", quarto=quarto, **common) == {max(TWO): "whole"}
    assert summary(calls(log)[first:]) == {max(TWO): "whole"}


@pytest.mark.parametrize("damage", ["manifest", "book", "source"])
def test_a_damaged_cache_renders_whole(tmp_path, standin, build, damage):
    quarto, log = standin
    site = tmp_path / "_site"
    cache = tmp_path / ".book-cache"
    common = dict(COMMON, build_dir=build)
    render(TWO, site=site, quarto=quarto, **common)
    first = len(calls(log))
    year = max(TWO)
    if damage == "manifest":
        (cache / "manifest.json").write_text("{ kapot")
        expected = {y: "whole" for y in TWO}
    elif damage == "book":
        shutil.rmtree(cache / str(year) / "_book")
        expected = {year: "whole"}
    else:  # a kept source no longer what the manifest says: not trusted for one page
        (cache / str(year) / "methode.ipynb").write_text("{}")
        _edit_chapter(build, "beleid", year, "Deze zin is nieuw.")
        expected = {year: "whole"}
    assert render(TWO, site=site, quarto=quarto, **common) == expected
    assert summary(calls(log)[first:]) == expected


def test_a_failed_render_discards_that_editions_cache(tmp_path, standin, build, monkeypatch):
    quarto, log = standin
    site = tmp_path / "_site"
    cache = tmp_path / ".book-cache"
    common = dict(COMMON, build_dir=build)
    year = max(TWO)
    render(TWO, site=site, quarto=quarto, **common)
    published = (site / str(year) / "beleid.html").read_text()
    _edit_chapter(build, "beleid", year, "Deze zin is nieuw.")
    monkeypatch.setenv("STANDIN_QUARTO_FAIL", str(year))
    with pytest.raises(BookError, match="kapot"):
        render(TWO, site=site, quarto=quarto, **common)
    assert not (cache / str(year)).exists()
    editions = json.loads((cache / "manifest.json").read_text())["editions"]
    assert str(year) not in editions and str(min(TWO)) in editions  # the other one is kept
    assert (site / str(year) / "beleid.html").read_text() == published  # the site as it was
    monkeypatch.delenv("STANDIN_QUARTO_FAIL")
    first = len(calls(log))
    assert render(TWO, site=site, quarto=quarto, **common) == {year: "whole"}
    assert summary(calls(log)[first:]) == {year: "whole"}


def test_an_edition_rendered_in_a_failed_run_is_published_by_the_next(
    tmp_path, standin, build, monkeypatch
):
    quarto, log = standin
    site = tmp_path / "_site"
    common = dict(COMMON, build_dir=build)
    first_year, last_year = TWO
    render(TWO, site=site, quarto=quarto, **common)
    before = (site / str(first_year) / "beleid.html").read_text()
    _edit_chapter(build, "beleid", first_year, "Deze zin is nieuw.")
    assemble = book.assemble

    def failing(year, *args, **kwargs):
        if year == last_year:
            raise BookError("kapot: de openbaarmakingscontrole vond iets")
        return assemble(year, *args, **kwargs)

    monkeypatch.setattr(book, "assemble", failing)
    with pytest.raises(BookError, match="kapot"):
        render(TWO, site=site, quarto=quarto, **common)
    assert (site / str(first_year) / "beleid.html").read_text() == before  # not published
    monkeypatch.setattr(book, "assemble", assemble)
    calls_before = len(calls(log))
    assert render(TWO, site=site, quarto=quarto, **common) == {}  # nothing left to render
    assert len(calls(log)) == calls_before
    cached = tmp_path / ".book-cache" / str(first_year) / "_book" / "beleid.html"
    assert (site / str(first_year) / "beleid.html").read_text() == cached.read_text() != before


def test_editions_render_side_by_side_bounded_by_workers(tmp_path, standin, monkeypatch):
    quarto, log = standin
    # Assembled beforehand, so that only Quarto's runs (two seconds each here) take time.
    args = {k: v for k, v in COMMON.items() if k != "synthetic_years"}
    ready = {
        y: book.assemble(y, YEARS, out=tmp_path / "ready" / str(y),
                         synthetic=y in SYNTHETIC_YEARS, **args)
        for y in YEARS
    }  # fmt: skip

    def assembled(year, years, *inputs, **options):
        out = Path(inputs[6])  # where render wants the edition
        shutil.copytree(ready[year], out)
        return out

    monkeypatch.setattr(book, "assemble", assembled)
    monkeypatch.setenv("STANDIN_QUARTO_SLEEP", "2")
    render(YEARS, site=tmp_path / "_site", quarto=quarto, workers=2, **COMMON)
    spans = [(c["start"], c["end"]) for c in calls(log)]
    assert len(spans) == len(YEARS)
    most = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
    print(f"{len(YEARS)} editions, 2 workers: at most {most} Quarto runs at once")
    assert most == 2


def test_check_says_what_would_render_and_renders_nothing(tmp_path, standin, build):
    quarto, log = standin
    site = tmp_path / "_site"
    common = dict(COMMON, build_dir=build)
    assert render(ONE, site=site, quarto=quarto, check=True, **common) == {y: "whole" for y in ONE}
    assert not site.exists() and calls(log) == []
    render(ONE, site=site, quarto=quarto, **common)
    assert render(ONE, site=site, quarto=quarto, check=True, **common) == {}
    _edit_chapter(build, "beleid", max(ONE), "Deze zin is nieuw.")
    first = len(calls(log))
    assert render(ONE, site=site, quarto=quarto, check=True, **common) == {max(ONE): "beleid.ipynb"}
    assert len(calls(log)) == first


# --- lab runs do not touch the book -------------------------------------------------------------


def _parameters(slug: str) -> dict:
    nb = nbformat.read(paths.ROOT / "notebooks" / f"{slug}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    values: dict = {}
    exec(cell.source, {}, values)  # scalars only, so this is all the cell does
    return values


def test_lab_output_is_outside_every_stage_and_the_book():
    lab = "lab"
    notebooks = sorted((paths.ROOT / "notebooks").glob("*.ipynb"))
    assert {p.stem for p in notebooks} >= set(PARAMS["execute"]["chapters"])
    for nb in notebooks:
        assert _parameters(nb.stem)["out_dir"] == f"../{lab}/{nb.stem}", nb.name
    assert f"/{lab}/" in (paths.ROOT / ".gitignore").read_text().splitlines()
    stages = yaml.safe_load((paths.ROOT / "dvc.yaml").read_text())["stages"]
    for name, stage in stages.items():
        for dep in stage.get("do", stage)["deps"]:
            assert dep.split("/")[0] != lab and "/lab" not in dep, (name, dep)
    inputs = render_inputs(
        **{k: v for k, v in COMMON.items() if k not in ("min_count", "synthetic_years")}
    )
    assert all(paths.ROOT / lab not in p.parents and p != paths.ROOT / lab for p in inputs)
    # Of build/ the book reads only the chapter folders that `execute` writes.
    template = book.load_template(paths.ROOT / "book")
    assert [p for p in inputs if BUILD in p.parents] == [
        BUILD / s for s in book.chapter_slugs(template)
    ]


def test_only_the_executed_chapters_make_the_book_stale(tmp_path, build):
    args = {k: v for k, v in COMMON.items() if k not in ("min_count", "synthetic_years")}
    args["build_dir"] = build

    def fingerprint():
        return book.inputs_fingerprint(render_inputs(**args), {})

    before = fingerprint()
    (build / "lab" / "beleid").mkdir(parents=True)  # what a lab run in the old place wrote
    (build / "lab" / "beleid" / "beleid.ipynb").write_text("{}")
    (build / ".kernel-2018.log").write_text("log")
    assert fingerprint() == before
    _edit_chapter(build, "beleid", max(YEARS), "Deze zin is nieuw.")
    assert fingerprint() != before


# --- the same committed state with and without Quarto (a fresh clone, make) ---------------------


def _env(clone: Path, path: str) -> dict:
    return {**os.environ, "PATH": path, "PYTHONPATH": str(clone / "src")}


def _make(clone: Path, path: str, *targets: str) -> str:
    """`make <targets>` in the clone with this test run's environment, never installing."""
    venv = BIN.parent
    cmd = ["make", "--no-print-directory", "-C", str(clone), f"VENV={venv}",
           "-o", f"{venv}/.installed", *targets]  # fmt: skip
    # The clone's files are newer than this environment's install stamp: make must not run
    # the set-up (it would install the clone into the environment the tests run in).
    dry = subprocess.run([*cmd, "-n"], env=_env(clone, path), capture_output=True, text=True)
    assert "pip install" not in dry.stdout and "ipykernel install" not in dry.stdout, dry.stdout
    res = subprocess.run(cmd, env=_env(clone, path), capture_output=True, text=True)
    assert res.returncode == 0, f"{cmd}:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
    return res.stdout


def _porcelain(clone: Path) -> str:
    res = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True,
                         text=True, check=True)  # fmt: skip
    return res.stdout


def _path_without_quarto() -> str:
    """PATH without any folder holding a real quarto (make, git and dvc stay reachable)."""
    keep = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "quarto").exists()]
    path = os.pathsep.join([str(BIN), *keep])
    missing = [t for t in ("make", "git") if shutil.which(t, path=path) is None]
    if missing or shutil.which("quarto", path=path):
        pytest.skip(f"cannot hide quarto from PATH without also hiding {missing or 'it'}")
    return path


def _seed_outputs(source: Path, clone: Path) -> None:
    """Give ``clone`` the pipeline outputs of ``source`` and their DVC cache objects.

    DVC counts an output that is missing from its cache as changed, so both are copied: the
    clone then runs only the stages whose outputs differ from its commit.
    """
    lock = yaml.safe_load((clone / "dvc.lock").read_text())
    cache = Path(".dvc") / "cache" / "files" / "md5"
    for entry in [o for s in lock["stages"].values() for o in s.get("outs", [])]:
        src, dst = source / entry["path"], clone / entry["path"]
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif src.is_file() and not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        objects = [entry.get("md5", "")]
        listing = source / cache / objects[0][:2] / objects[0][2:]
        if objects[0].endswith(".dir") and listing.is_file():
            objects += [f["md5"] for f in json.loads(listing.read_text())]
        for md5 in filter(None, objects):
            obj = cache / md5[:2] / md5[2:]
            if (source / obj).is_file() and not (clone / obj).exists():
                (clone / obj).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / obj, clone / obj)


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A fresh clone of the last commit, with the pipeline outputs of this checkout.

    Copying the outputs (which `make test` has brought up to date) saves the cold run of every
    notebook; where they differ from the commit, DVC runs those stages in the clone as on any
    fresh clone. `.ci/run` does the cold run itself.
    """
    repo = tmp_path_factory.mktemp("fresh") / "repo"
    subprocess.run(["git", "clone", "-q", str(paths.ROOT), str(repo)], check=True)
    _seed_outputs(paths.ROOT, repo)
    return repo


def test_fresh_clone_is_clean_with_and_without_quarto(clone, tmp_path):
    without = _path_without_quarto()
    # Without Quarto: the pipeline, no book, nothing in git changes.
    out = _make(clone, without, "repro")
    assert "Quarto not found" in out, out
    assert _porcelain(clone) == ""
    assert "Data and pipelines are up to date" in _make(clone, without, "status")
    assert not (clone / "_site").exists()
    # Plain `dvc repro` has no book stage to stop at.
    res = subprocess.run([BIN / "dvc", "repro"], cwd=clone, env=_env(clone, without),
                         capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert _porcelain(clone) == ""
    # With a quarto on PATH (the stand-in): the book is rendered, still nothing in git changes.
    log = tmp_path / "quarto-calls.jsonl"
    write_standin(tmp_path / "bin", log)
    with_quarto = os.pathsep.join([str(tmp_path / "bin"), without])
    _make(clone, with_quarto, "repro")
    years = yaml.safe_load((clone / "params.yaml").read_text())["years"]
    assert summary(calls(log)) == {y: "whole" for y in years}
    for year in years:
        assert (clone / "_site" / str(year) / "index.html").is_file()
    assert (clone / "_site" / "index.html").is_file()
    assert _porcelain(clone) == ""
    status = _make(clone, with_quarto, "status")
    assert "Data and pipelines are up to date" in status and "Book up to date" in status, status
    _make(clone, with_quarto, "repro")  # a second run renders nothing
    assert len(calls(log)) == len(years)
    assert _porcelain(clone) == ""
    # And without Quarto again: the rendered site does not make anything out of date.
    assert "Data and pipelines are up to date" in _make(clone, without, "status")
    assert _porcelain(clone) == ""
