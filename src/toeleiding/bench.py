"""Benchmark of the notebook stage: ``make bench`` (or ``python -m toeleiding.bench``).

It works on a scratch copy of the repository, so the user's outputs are not touched, and
prints, beside the naive way (papermill's command line on one notebook after another):

- cold: executing every chapter notebook for every edition through ``dvc repro``;
- no-op: a ``dvc repro`` with nothing to do;
- one chapter edited: ``dvc repro`` after a change to one notebook.

Where Quarto is installed it also times the book (``python -m toeleiding render``): every
edition from cold, and the site updated after a sentence of one chapter notebook changed,
its ``execute`` stage included. Without Quarto it says so and skips them.

Peak memory is the largest total proportional set size (PSS) of the process tree seen while it
runs, sampled five times a second.
Targets on the 2-core reference machine: cold <= 0.5 x naive, no-op <= 2 s, memory <= 1 GiB;
the book: all editions from cold <= 15 s, one notebook edited -> site updated <= 15 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
import yaml

from . import paths

COLD_RATIO, NOOP_SECONDS, MEMORY_BYTES = 0.5, 2.0, 1 << 30
RENDER_SECONDS = 15.0  # the book: all editions from cold, and one notebook edited -> site
BIN = Path(sys.executable).parent  # the project environment's dvc and papermill
# The book stage needs Quarto and is not part of what is measured here; these are the last
# stages before it, and DVC brings their upstream stages along (as `make repro` does).
CORE = ["metrics", "execute"]
# The book as `make render` renders it (the Makefile's BOOK_ARGS).
RENDER = [
    "-m", "toeleiding", "render", "--params", "params.yaml", "--book", "book", "--build", "build",
    "--codebook-dir", "data/codebook", "--clean-dir", "data/clean", "--assumptions",
    "docs/ASSUMPTIONS.md", "--lock", "dvc.lock", "--metrics", "metrics", "--out", "_site",
]  # fmt: skip


def _run(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Run a command; return wall seconds and peak resident bytes of its process tree."""
    peak = 0
    # The scratch copy runs its own package source, not the (editable) installed one.
    env = {**os.environ, "PYTHONPATH": str(cwd / "src"), "PATH": f"{BIN}:{os.environ['PATH']}"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:  # the tree changed while it was being listed
                procs = []
            for p in procs:
                try:
                    # PSS shares each page among the processes mapping it: forked workers and
                    # shared libraries are not counted twice, as a sum of RSS would.
                    total += p.memory_full_info().pss
                except psutil.Error:
                    pass
            peak = max(peak, total)
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    done.set()
    thread.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    return seconds, peak


def _naive(work: Path, chapters: list[str], years: list[int]) -> tuple[float, int]:
    """Papermill's command line, one notebook after another."""
    total, peak = 0.0, 0
    out = work / "naive"
    for chapter in chapters:
        for year in years:
            d = out / chapter / str(year)
            d.mkdir(parents=True, exist_ok=True)
            cmd = [
                str(BIN / "papermill"), "--no-progress-bar", "-k", "toeleiding", "--cwd", str(d),
                str(work / "notebooks" / f"{chapter}.ipynb"), str(d / f"{chapter}.ipynb"),
                "-p", "year", str(year), "-p", "clean_dir", str(work / "data" / "clean"),
                "-p", "codebook_dir", str(work / "data" / "codebook"), "-p", "out_dir", ".",
            ]  # fmt: skip
            s, p = _run(cmd, work)
            total, peak = total + s, max(peak, p)
    return total, peak


def _edit(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[2].source += "\n"  # a harmless edit to the title cell
    nbformat.write(nb, notebook)


def _edit_text(notebook: Path) -> None:
    """Add a sentence to the first paragraph of a chapter notebook (not its title)."""
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells[1:] if c.cell_type == "markdown" and "{#" not in c.source)
    cell.source += "\nDeze zin is toegevoegd door de benchmark."
    nbformat.write(nb, notebook)


def _book(work: Path, chapter: str) -> tuple[float, float]:
    """Seconds to render every edition from cold, and to update the site after an edit."""
    render = [str(BIN / "python"), *RENDER]
    cold_s, _ = _run(render, work)
    _edit_text(work / "notebooks" / f"{chapter}.ipynb")
    start = time.perf_counter()
    _run([str(BIN / "dvc"), "repro", "--quiet", *CORE], work)
    _run(render, work)
    return cold_s, time.perf_counter() - start


def _book_report(book, quarto, params: dict, chapter: str) -> tuple[list[str], list]:
    """The book's lines and checks, or why it was not measured."""
    if book is None:
        return [
            "book: not measured, quarto is not on the PATH; where Quarto is installed this "
            "times all editions from cold and one notebook edited -> site updated "
            f"(targets <= {RENDER_SECONDS:.0f} s each)"
        ], []
    version = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout
    workers = (params.get("render") or {}).get("workers") or os.cpu_count()
    lines = [
        f"book (Quarto {version.strip()}, up to {workers} editions side by side)",
        f"{'render: all editions, from cold':38} {book[0]:8.1f}s",
        f"{f'edit {chapter!r} -> site (execute+render)':38} {book[1]:8.1f}s",
    ]
    checks = [
        (f"book cold <= {RENDER_SECONDS:.0f} s", book[0] <= RENDER_SECONDS),
        (f"edit -> site <= {RENDER_SECONDS:.0f} s", book[1] <= RENDER_SECONDS),
    ]
    return lines, checks


def _mib(b: int) -> str:
    return f"{b / (1 << 20):.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edit", default="beleid", help="chapter to edit for the re-run")
    args = parser.parse_args(argv)
    params = yaml.safe_load(paths.PARAMS.read_text())
    chapters, years = params["execute"]["chapters"], params["years"]
    with tempfile.TemporaryDirectory(prefix="toeleiding-bench-") as tmp:
        work = Path(tmp) / "repo"
        ignore = shutil.ignore_patterns(
            ".venv", "build", "lab", "_site", ".book-cache", "_quarto_build", "*.egg-info",
            "__pycache__",
        )  # fmt: skip
        shutil.copytree(paths.ROOT, work, ignore=ignore, symlinks=True)
        dvc = str(BIN / "dvc")
        _run([dvc, "repro", "--quiet", "clean", "metrics"], work)  # data ready, not timed

        print(f"Benchmark: {len(chapters)} chapters x {len(years)} editions", flush=True)
        naive_s, naive_mem = _naive(work, chapters, years)
        cold_s, cold_mem = _run([dvc, "repro", "--quiet", *CORE], work)
        noop_s, _ = _run([dvc, "repro", "--quiet", *CORE], work)
        _edit(work / "notebooks" / f"{args.edit}.ipynb")
        edit_s, edit_mem = _run([dvc, "repro", "--quiet", *CORE], work)
        naive_one_s, _ = _naive(work, [args.edit], years)
        quarto = shutil.which("quarto")
        book = _book(work, args.edit) if quarto else None

    rows = [
        ("cold: all notebooks, all editions", cold_s, naive_s, cold_s / naive_s),
        (f"re-run after editing '{args.edit}'", edit_s, naive_one_s, edit_s / naive_one_s),
        ("no-op dvc repro", noop_s, None, None),
    ]
    print(f"{'':38} {'pipeline':>9} {'naive':>9} {'ratio':>6}")
    for name, s, n, r in rows:
        naive_col = f"{n:8.1f}s" if n is not None else f"{'':9}"
        ratio_col = f"{r:6.2f}" if r is not None else ""
        print(f"{name:38} {s:8.1f}s {naive_col} {ratio_col}")
    peak = max(cold_mem, edit_mem)
    print(f"peak memory: pipeline {_mib(peak)}, naive {_mib(naive_mem)}")
    checks = [
        (f"cold <= {COLD_RATIO} x naive", cold_s / naive_s <= COLD_RATIO),
        (f"no-op <= {NOOP_SECONDS:.0f} s", noop_s <= NOOP_SECONDS),
        ("peak memory <= 1 GiB", peak <= MEMORY_BYTES),
    ]
    lines, book_checks = _book_report(book, quarto, params, args.edit)
    print("\n".join(lines))
    checks += book_checks
    for name, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
