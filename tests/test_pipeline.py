"""The DVC project: configuration, stages per year, and an up-to-date lock."""

import subprocess

import yaml

from toeleiding import paths


def _dvc(*args):
    res = subprocess.run(["dvc", *args], cwd=paths.ROOT, capture_output=True, text=True)
    return res.returncode, res.stdout.strip()


def test_dvc_config_is_offline_with_a_default_remote():
    assert _dvc("config", "--project", "core.analytics") == (0, "false")
    assert _dvc("config", "--project", "core.check_update") == (0, "false")
    code, remote = _dvc("remote", "default", "--project")
    assert code == 0 and remote
    code, listing = _dvc("remote", "list", "--project")
    assert remote in listing


def test_stages_follow_params():
    dvc = yaml.safe_load((paths.ROOT / "dvc.yaml").read_text())
    params = yaml.safe_load(paths.PARAMS.read_text())
    assert dvc["stages"]["synthesize"]["foreach"] == "${synthesize.years}"
    assert set(params["synthesize"]["years"]) <= set(params["years"])
    assert dvc["stages"]["clean"]["foreach"] == "${years}"
    assert dvc["stages"]["synthesize"]["do"]["params"] == ["synthesize.seed"]
    clean = dvc["stages"]["clean"]["do"]
    # The calibration file is never an input of clean or of anything after it.
    assert not any("calibration" in d for d in clean["deps"]) and "calibration" not in clean["cmd"]
    lock = yaml.safe_load((paths.ROOT / "dvc.lock").read_text())
    assert {f"clean@{y}" for y in params["years"]} <= set(lock["stages"])


def test_pipeline_is_up_to_date():
    """After `dvc repro`, the committed dvc.lock describes the workspace: nothing to run."""
    res = subprocess.run(["dvc", "status", "--quiet"], cwd=paths.ROOT, capture_output=True,
                         text=True)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_book_is_no_stage_so_the_lock_is_the_same_with_or_without_quarto():
    """The site depends on the Quarto of the machine; DVC refuses a git-ignored lock file.

    So the book is rendered after the pipeline (`make render`), not by DVC, and neither
    dvc.yaml nor dvc.lock knows it (README, "The book").
    """
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=paths.ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    assert [f for f in listed.stdout.splitlines() if f.endswith("dvc.yaml")] == ["dvc.yaml"]
    stages = yaml.safe_load((paths.ROOT / "dvc.yaml").read_text())["stages"]
    lock = yaml.safe_load((paths.ROOT / "dvc.lock").read_text())["stages"]
    assert "render" not in stages and not any(s.startswith("render") for s in lock)
    outs = [o for s in lock.values() for o in s.get("outs", [])]
    assert not any(o["path"].startswith(("_site", ".book-cache")) for o in outs)
    makefile = (paths.ROOT / "Makefile").read_text()
    assert "python -m toeleiding render $(BOOK_ARGS) --out _site" in makefile


def _imports(module: str) -> set[str]:
    """The package modules a module imports, directly or inside functions."""
    import ast

    tree = ast.parse((paths.ROOT / "src" / "toeleiding" / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def _closure(modules: set[str]) -> set[str]:
    todo, seen = list(modules), set()
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(_imports(m) - seen)
    return seen


# What each stage runs: the command line's module and, for `execute`, what the notebooks import.
ENTRY = {
    "synthesize": {"synthesize", "calibration", "io"},
    "clean": {"clean", "validate"},
    "metrics": {"metrics"},
    "execute": {"execute", "chapter", "metrics"},
}


def test_each_stage_declares_exactly_the_package_code_it_runs():
    stages = yaml.safe_load((paths.ROOT / "dvc.yaml").read_text())["stages"]
    for name, entry in ENTRY.items():
        spec = stages[name].get("do", stages[name])
        declared = {
            d.removeprefix("src/toeleiding/").removesuffix(".py")
            for d in spec["deps"]
            if d.startswith("src/toeleiding/")
        }
        # The command line dispatches to the stage's modules (imported lazily, per command).
        needed = _closure(entry) | {"cli", "__main__", "errors", "codebook"}
        assert declared == needed, (name, sorted(declared ^ needed))
