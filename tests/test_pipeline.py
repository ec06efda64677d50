"""The DVC project: configuration, stages per year, and an up-to-date lock."""

import shutil
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
    """After `dvc repro`, the committed dvc.lock describes the workspace: nothing to run.

    Without Quarto the book stage cannot run here, so only the other stages are checked.
    """
    stages = yaml.safe_load((paths.ROOT / "dvc.yaml").read_text())["stages"]
    targets = [] if shutil.which("quarto") else [s for s in stages if s != "render"]
    if not targets:
        print("quarto found: checking every stage, the book included")
    res = subprocess.run(
        ["dvc", "status", "--quiet", *targets], cwd=paths.ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr


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
    "render": {"book"},
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
