"""Execute one chapter notebook for every edition, in parallel, with stable output bytes.

Most of a notebook's run time is the kernel start and the imports, so the editions of a
chapter run side by side in separate processes (one kernel each). Papermill's timing and path
metadata are stripped from the executed notebooks, so an unchanged input gives an unchanged
output and ``dvc.lock`` stays put from run to run and machine to machine.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# nbformat validates through jsonschema, which at import compiles a grammar for IRI formats
# when rfc3987-syntax is installed (by JupyterLab's dependencies): over a second of every
# stage, for a format that notebook validation never uses. Block that optional import.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402 - after the block above

KERNEL = "toeleiding"


class ExecutionError(RuntimeError):
    """A chapter notebook failed for one or more editions."""


def _check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        raise ExecutionError(
            f"Jupyter kernel '{KERNEL}' not found: run `make setup` to register it"
        ) from None


def strip_run_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove timings, absolute paths and interpreter versions from an executed notebook."""
    pm = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": pm.get("parameters", {})}
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def kernel_config(socket_dir: str | Path):
    """Traitlets config that makes a kernel talk over Unix sockets in ``socket_dir``.

    Parameters
    ----------
    socket_dir
        A folder private to one kernel; its sockets are ``<socket_dir>/k-<n>``.

    Returns
    -------
    traitlets.config.Config
        To pass as ``config`` to papermill (and through it to nbclient's kernel manager).
    """
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": str(Path(socket_dir) / "k")}})


def _run_one(notebook: str, out_dir: str, parameters: dict) -> str | None:
    """Execute one edition in its own process; return an error message or None."""
    import papermill as pm

    target = Path(out_dir) / Path(notebook).name
    # The kernel writes start-up and shut-down chatter to stderr; keep it out of the pipeline's
    # output, and show it only when the edition fails.
    log = Path(out_dir).parent / f".kernel-{Path(out_dir).name}.log"
    with log.open("w") as fh:
        os.dup2(fh.fileno(), 2)
    # Kernels started side by side over TCP can collide on a port: jupyter_client picks a free
    # port, releases it and the kernel binds it later, and in between another kernel (or a
    # client's outgoing connection) may take it ("Address already in use"). Unix sockets in a
    # folder of this process's own cannot collide.
    sockets = tempfile.mkdtemp(prefix="tlk-")
    # A fresh IPython profile per kernel: the user's startup files and settings cannot change a
    # pipeline run, and kernels side by side do not share (and lock) one history database.
    # This process is a forked worker, so the variable goes no further than its own kernel.
    os.environ["IPYTHONDIR"] = str(Path(sockets) / "ipython")
    try:
        pm.execute_notebook(
            notebook,
            str(target),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=out_dir,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            config=kernel_config(sockets),
        )
    except Exception as exc:  # papermill wraps the failing cell; report it, do not hide it
        tail = log.read_text(errors="replace")[-2000:]
        return f"{type(exc).__name__}: {exc}\n{tail}".rstrip()
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    nb = nbformat.read(target, as_version=4)
    nbformat.write(strip_run_metadata(nb), target)
    return None


def execute_chapter(
    notebook: str | Path,
    years: list[int],
    clean_dir: str | Path,
    codebook_dir: str | Path,
    out: str | Path,
    workers: int = 3,
    synthetic_years: list[int] | None = None,
) -> list[Path]:
    """Execute ``notebook`` once per year into ``out/<year>/``.

    The editions are built in a temporary folder beside ``out`` and moved into place only
    when all succeeded, so a failed or killed run leaves the previous output untouched.

    Parameters
    ----------
    notebook
        The chapter notebook (``notebooks/<slug>.ipynb``).
    years
        The editions to build.
    clean_dir, codebook_dir
        Cleaned tables and codebooks.
    out
        The chapter's output folder (``build/<slug>``).
    workers
        How many editions run at the same time.
    synthetic_years
        The years whose data are synthetic (their pages say so); all years when omitted.

    Returns
    -------
    list of Path
        The executed notebooks.
    """
    _check_kernel()
    notebook, out = Path(notebook).resolve(), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    old = out.with_name(f".{out.name}.old")
    if old.exists() and not out.exists():
        old.rename(out)  # a run killed between the two renames below: put the old output back
    for stale in out.parent.glob(f".{out.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a run that was killed
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        jobs = []
        for year in years:
            year_dir = staging / str(year)
            year_dir.mkdir()
            # Relative paths from the final folder (same depth as the staging one): the
            # executed notebook records its parameters, and absolute paths differ by machine.
            final = out / str(year)
            params = {
                "year": int(year),
                "clean_dir": os.path.relpath(clean_dir, final),
                "codebook_dir": os.path.relpath(codebook_dir, final),
                "out_dir": ".",
                "synthetic": synthetic_years is None or int(year) in synthetic_years,
            }
            jobs.append((str(notebook), str(year_dir), params))
        import papermill  # noqa: F401 - imported once here, shared by the forked workers

        ctx = multiprocessing.get_context("fork")
        n_workers = max(1, min(workers, len(jobs)))
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
            errors = list(pool.map(_run_one, *zip(*jobs, strict=True)))
        for log in staging.glob(".kernel-*.log"):
            log.unlink()
        failed = [f"{y}: {e}" for y, e in zip(years, errors, strict=True) if e]
        if failed:
            raise ExecutionError(f"{notebook.name} failed:\n" + "\n".join(failed))
        if out.exists():
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / str(y) / notebook.name for y in years]
