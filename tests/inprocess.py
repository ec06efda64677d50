"""Run a chapter notebook's code in this process: the chapter code path without a kernel.

Papermill starts a kernel per notebook, a few seconds each; property-based tests run many
generated waves, so they execute the notebook's code cells here instead, with the parameters
papermill would inject, and keep what the cells display as their outputs. The result is an
executed notebook that book assembly reads like papermill's. (The pipeline's own ``execute``,
with papermill, is tested on the thin-strata waves in ``test_thin_strata.py``.)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import nbformat

from toeleiding import chapter as chapter_module


@contextlib.contextmanager
def _cwd(path: Path):
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_notebook(notebook: Path, parameters: dict, out_dir: Path) -> Path:
    """Execute ``notebook``'s code cells with ``parameters`` in ``out_dir``; return its copy.

    Raises whatever a cell raises, with the cell's source in the message.
    """
    nb = nbformat.read(notebook, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    namespace: dict = {}
    outputs: list = []

    def display(*objects, **_):
        for obj in objects:
            data = {"text/plain": repr(obj)}
            if hasattr(obj, "_repr_markdown_"):
                data["text/markdown"] = obj._repr_markdown_()
            outputs.append(nbformat.v4.new_output("display_data", data=data))

    real = chapter_module.display
    chapter_module.display = display
    try:
        with _cwd(out_dir):
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                outputs = []
                try:
                    exec(compile(cell.source, str(notebook), "exec"), namespace)  # noqa: S102
                except Exception as exc:
                    raise AssertionError(f"{notebook.name}: cell failed:\n{cell.source}") from exc
                if "parameters" in cell.metadata.get("tags", []):
                    namespace.update(parameters)  # as papermill's injected cell does
                cell.outputs = outputs
    finally:
        chapter_module.display = real
    target = out_dir / notebook.name
    nbformat.write(nb, target)
    return target
