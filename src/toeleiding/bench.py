"""Benchmark of the notebook stage: ``make bench`` (or ``python -m toeleiding.bench``).

It works on a scratch copy of the repository, so the user's outputs are not touched, and
prints, beside the naive way (papermill's command line on one notebook after another):

- cold: executing every chapter notebook for every edition through ``dvc repro``;
- no-op: a ``dvc repro`` with nothing to do;
- one chapter edited: ``dvc repro`` after a change to one notebook.

Peak memory is the largest total proportional set size (PSS) of the process tree seen while it
runs, sampled five times a second.
Targets on the 2-core reference machine: cold <= 0.5 x naive, no-op <= 2 s, memory <= 1 GiB.
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
BIN = Path(sys.executable).parent  # the project environment's dvc and papermill
# The book stage needs Quarto and is not part of what is measured here; these are the last
# stages before it, and DVC brings their upstream stages along (as `make repro` does).
CORE = ["metrics", "execute"]


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
        ignore = shutil.ignore_patterns(".venv", "build", "_site", "*.egg-info", "__pycache__")
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
    for name, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
