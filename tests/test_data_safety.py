"""No data loss: read-only raw data, runs killed half-way, push and pull through remotes."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from toeleiding import paths

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}


def _env(cwd: Path) -> dict:
    """Run a clone with its own package source (the installed package is the working tree's)."""
    return {**ENV, "PYTHONPATH": str(Path(cwd) / "src")}


def _run(cmd, cwd, check=True, **kw):
    res = subprocess.run(cmd, cwd=cwd, env=_env(cwd), capture_output=True, text=True, **kw)
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed:\n{res.stdout}\n{res.stderr}")
    return res


@pytest.fixture(scope="module")
def clones(tmp_path_factory):
    """Two fresh clones of the committed repository, side by side (sharing the default remote)."""
    base = tmp_path_factory.mktemp("clones")
    for name in ("a", "b"):
        _run(["git", "clone", "-q", str(paths.ROOT), str(base / name)], base)
    # Clone a makes the data; the kernel is only needed by `execute`, not run here.
    _run([BIN / "dvc", "repro", "--quiet", "synthesize", "clean"], base / "a")
    return base / "a", base / "b"


def _lock_outs(repo: Path) -> dict[str, str]:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    outs = {}
    for stage, entry in lock["stages"].items():
        if stage.startswith(("synthesize@", "clean@")):
            for out in entry["outs"]:
                outs[out["path"]] = out["md5"]
    return outs


def _md5(path: Path) -> str:
    import hashlib

    return hashlib.md5(path.read_bytes()).hexdigest()


def test_default_local_remote_push_then_pull_into_a_fresh_clone(clones):
    a, b = clones
    remote = a.parent / "toeleiding-dvc-remote"  # the default remote: beside the clone
    _run([BIN / "dvc", "push", "--quiet"] + list(_lock_outs(a)), a)
    assert remote.is_dir() and any(remote.rglob("*"))
    _run([BIN / "dvc", "pull", "--quiet"] + list(_lock_outs(b)), b)
    for path, md5 in _lock_outs(b).items():
        assert _md5(b / path) == md5 == _md5(a / path), path
    assert (
        _run([BIN / "dvc", "status", "synthesize", "clean"], b)
        .stdout.strip()
        .endswith("Data and pipelines are up to date.")
    )


def _sshd_available():
    return shutil.which("sshd") or Path("/usr/sbin/sshd").exists()


def test_push_and_pull_over_ssh(clones, tmp_path):
    if not _sshd_available():
        pytest.skip("no OpenSSH server here: `apt-get install openssh-server` (CI does)")
    if os.geteuid() != 0:
        pytest.skip("the throwaway sshd in this test logs in as root, which needs root")
    pytest.importorskip("dvc_ssh", reason="dvc-ssh is not installed")
    a, b = clones
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    host_key, user_key = tmp_path / "host_key", tmp_path / "user_key"
    for key in (host_key, user_key):
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], tmp_path)
    (tmp_path / "authorized_keys").write_text(user_key.with_suffix(".pub").read_text())
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"AuthorizedKeysFile {tmp_path / 'authorized_keys'}\nPidFile {tmp_path / 'sshd.pid'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nStrictModes no\n"
        "UsePAM no\nSubsystem sftp internal-sftp\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    server = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    try:
        for _ in range(50):  # bounded wait for the server to listen
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        home = tmp_path / "home"
        (home / ".ssh").mkdir(parents=True)
        pub = host_key.with_suffix(".pub").read_text().split()
        (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n")
        env = {**_env(a), "HOME": str(home)}
        url = f"ssh://root@127.0.0.1:{port}{tmp_path / 'ssh-remote'}"
        targets = list(_lock_outs(a))
        for repo in (a, b):
            _run([BIN / "dvc", "remote", "add", "--local", "-f", "sshtest", url], repo)
            _run([BIN / "dvc", "remote", "modify", "--local", "sshtest", "keyfile", str(user_key)],
                 repo)  # fmt: skip
        for path in targets:
            (b / path).unlink(missing_ok=True)
        res = subprocess.run([BIN / "dvc", "push", "-r", "sshtest", *targets], cwd=a, env=env,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
        assert res.returncode == 0, res.stderr
        shutil.rmtree(b / ".dvc" / "cache", ignore_errors=True)
        res = subprocess.run([BIN / "dvc", "pull", "-r", "sshtest", *targets], cwd=b, env=env,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
        assert res.returncode == 0, res.stderr
        for path, md5 in _lock_outs(b).items():
            assert _md5(b / path) == md5, path
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def test_killed_run_leaves_previous_outputs_and_next_repro_recovers(clones, tmp_path):
    """Kill `dvc repro` in the middle of a chapter; the old chapter stays, a re-run recovers."""
    a, _ = clones
    work = tmp_path / "work"
    shutil.copytree(a, work, ignore=shutil.ignore_patterns(".venv"))
    _run([BIN / "dvc", "repro", "--quiet", "execute@werkzame-elementen"], work)
    out = work / "build" / "werkzame-elementen"
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    nb = work / "notebooks" / "werkzame-elementen.ipynb"
    nb.write_text(nb.read_text().replace("Werkzame elementen", "Werkzame elementen ", 1))
    proc = subprocess.Popen(
        [BIN / "dvc", "repro", "--quiet", "execute@werkzame-elementen"], cwd=work, env=_env(work),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip

    def staging():
        return [p for p in out.parent.glob(".werkzame-elementen.*") if p.suffix != ".old"]

    try:
        deadline = time.time() + 60
        while time.time() < deadline and not staging() and proc.poll() is None:
            time.sleep(0.05)  # wait until the stage is writing its staging folder
        assert staging(), "the stage never started writing its staging folder"
        time.sleep(1.0)  # well inside the run: the kernels take seconds per edition
        # Killed mid-stage for real: still running, the new output not yet moved into place.
        assert proc.poll() is None, "the stage finished before it could be killed"
        assert staging(), "the staging folder was moved into place before the kill"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole tree: dvc, papermill, kernels
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the previous outputs are intact
    _run([BIN / "dvc", "repro", "--quiet", "execute@werkzame-elementen"], work)
    assert not list(out.parent.glob(".werkzame-elementen.*"))  # leftovers cleaned up
    status = _run([BIN / "dvc", "status", "execute@werkzame-elementen"], work).stdout
    assert "up to date" in status
    heading = (out / "2018" / "werkzame-elementen.ipynb").read_text()
    assert "Werkzame elementen " in heading  # the edit made it through


def test_raw_data_are_only_read(clones):
    """Cleaning reads the raw export and never writes it."""
    a, _ = clones
    raw = a / "data" / "raw" / "2018.csv"
    before, stat = raw.read_bytes(), raw.stat()
    _run([BIN / "dvc", "repro", "--quiet", "--force", "--single-item", "clean@2018"], a)
    assert raw.read_bytes() == before
    assert (raw.stat().st_mtime_ns, raw.stat().st_ino) == (stat.st_mtime_ns, stat.st_ino)


# --- no data loss: a `clean` that fails or is killed while writing --------------------------

CHILD = """
import pathlib, sys, time
import pandas as pd
from toeleiding import cli

real = pd.DataFrame.to_parquet

def half_then_wait(self, path, *args, **kwargs):
    real(self, path, *args, **kwargs)
    path = pathlib.Path(path)
    path.write_bytes(path.read_bytes()[:100])  # half-written, as when the disk stalls
    pathlib.Path(sys.argv[1]).touch()  # tell the test: killed now, the write is half done
    time.sleep(120)

pd.DataFrame.to_parquet = half_then_wait
sys.exit(cli.main(sys.argv[2:]))
"""


def _clean_args(out):
    cb, raw = paths.codebook_path(2018), paths.raw_path(2018)
    return ["clean", "--codebook", str(cb), "--raw", str(raw), "--out", str(out)]


def test_clean_killed_while_writing_leaves_the_previous_output(tmp_path):
    from toeleiding import cli

    out = tmp_path / "clean" / "2018.parquet"
    assert cli.main(_clean_args(out)) == 0
    before = out.read_bytes()
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ready), *_clean_args(out)])
    try:
        deadline = time.time() + 60
        while not ready.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the child never reached the write"
        partial = list(out.parent.glob(".2018.parquet.*.tmp"))
        assert len(partial) == 1 and partial[0].stat().st_size == 100  # mid-write, for real
        assert proc.poll() is None, "the child finished before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert out.read_bytes() == before  # the previous output is intact
    assert cli.main(_clean_args(out)) == 0  # the next run recovers ...
    assert sorted(p.name for p in out.parent.iterdir()) == ["2018.parquet"]  # ... and tidies up
    assert out.read_bytes() == before


def test_clean_failing_while_writing_leaves_the_previous_output(tmp_path, monkeypatch):
    from toeleiding import cli

    out = tmp_path / "clean" / "2018.parquet"
    assert cli.main(_clean_args(out)) == 0
    before = out.read_bytes()

    def disk_full(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)
    with pytest.raises(OSError, match="No space left"):
        cli.main(_clean_args(out))
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["2018.parquet"]
