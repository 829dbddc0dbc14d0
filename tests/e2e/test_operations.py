"""Operating `kam`: options checked first, a read-only installation, a full disk, `kam dev`.

The read-only and full-disk cases use a private mount namespace (`unshare -m`, as root): a
read-only bind mount of a copy of the installation, and a small tmpfs as the home. Where that
is not allowed they are skipped, except that the installation is still compared file by file
before and after the run.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, kam_command, kam_env, run_kam

pytestmark = pytest.mark.slow

# What an installation consists of at run time (the virtualenv aside).
INSTALLED = ("pipelines", "dbt_project", "expectations", "kam.yml", "pyproject.toml")


def _mount_namespaces_work(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    completed = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {shlex.quote(str(probe))}"],
        capture_output=True,
        check=False,
    )
    return completed.returncode == 0


def _in_namespace(setup: str, command: list[str]) -> list[str]:
    """`command` run after the shell `setup` in a private mount namespace."""
    return ["unshare", "-m", "sh", "-c", f'{setup} && exec "$@"', "sh", *command]


def _copy_installation(target: Path) -> Path:
    target.mkdir()
    for name in INSTALLED:
        source = REPO / name
        if name == "dbt_project":
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("target", "logs"))
            (target / name / "target").mkdir()
            for prepared in ("manifest.json", "partial_parse.msgpack"):
                if (source / "target" / prepared).is_file():
                    shutil.copy2(source / "target" / prepared, target / name / "target")
        elif source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    subprocess.run(["chmod", "-R", "a-w", str(target)], check=True)
    return target


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(root.rglob("*"))
    }


def test_bad_options_are_refused_before_any_work(tmp_path: Path, landing: Path) -> None:
    home = tmp_path / "home"
    as_of = run_kam(home, landing, "--as-of", "30/10/2026", timeout=120)
    assert as_of.returncode == 2
    assert "expected a date YYYY-MM-DD, e.g. 2026-10-30" in as_of.stderr
    assert not home.exists()

    period = run_kam(home, landing, "--period", "1999-01", timeout=300)
    assert period.returncode == 2
    assert "no invoice files for period 1999-01" in period.stderr

    select = run_kam(home, landing, "--select", 'key:"marts/acount_tiers"+', timeout=300)
    assert select.returncode == 2, select.stdout + select.stderr
    assert "no asset has the key 'marts/acount_tiers'; closest: marts/account_tiers" in (
        select.stderr
    )
    assert "Traceback" not in select.stderr
    assert not (home / "bronze").exists() and not (home / ".writer.lock").exists()


def test_a_period_rerun_reloads_that_month_and_publishes(home: Path, landing: Path) -> None:
    folder = landing / "sales" / "invoice_lines"
    month = sorted(path.stem.removeprefix("invoice_lines_")[:7] for path in folder.glob("*.csv"))[
        -1
    ]
    files = len(list(folder.glob(f"invoice_lines_{month}-*.csv")))

    result = run_kam(home, landing, "--period", month, "--force")

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"invoice_lines: {files} file(s) loaded" in result.stderr
    assert "published: " in result.stdout  # a new version, or "nothing changed since version"


def test_a_read_only_installation_runs_and_builds_its_docs(
    tmp_path: Path, home: Path, landing: Path
) -> None:
    installation = _copy_installation(tmp_path / "installation")
    before = _listing(installation)
    env = {**kam_env(home), "PYTHONPATH": str(installation), "PYTHONDONTWRITEBYTECODE": "1"}
    protect = (
        f"mount --bind {shlex.quote(str(installation))} {shlex.quote(str(installation))} && "
        f"mount -o remount,ro,bind {shlex.quote(str(installation))}"
    )
    read_only = _mount_namespaces_work(tmp_path)

    def kam(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "pipelines.cli", *args, "--home", str(home)]
        return subprocess.run(
            _in_namespace(protect, command) if read_only else command,
            cwd=installation,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    run = kam("run", "--landing", str(landing))
    assert run.returncode == 0, run.stdout + run.stderr
    docs = kam("docs")
    assert docs.returncode == 0, docs.stdout + docs.stderr

    assert _listing(installation) == before
    assert (home / "docs" / "index.html").is_file() and (home / "docs" / "catalog.json").is_file()
    dbt_folder = home / "build" / "dbt"
    assert (dbt_folder / "profiles.yml").is_file()
    assert (dbt_folder / "partial_parse.msgpack").is_file()
    # Only the last invocation's target folder is kept (the fixture's run had one too).
    kept = [path.name for path in (dbt_folder / "target").iterdir()]
    assert len(kept) == 1 and (dbt_folder / "target" / kept[0] / "run_results.json").is_file()


def test_a_full_disk_is_one_line_naming_it(tmp_path: Path, landing: Path) -> None:
    if not _mount_namespaces_work(tmp_path):
        pytest.skip("no private mount namespace here (needs root and unshare)")
    disk = tmp_path / "disk"
    disk.mkdir()
    home = disk / "home"
    command = kam_command("run", "--home", str(home), "--landing", str(landing))

    def run_on_disk(size_kb: int, fill_kb: int) -> subprocess.CompletedProcess:
        setup = (
            f"mount -t tmpfs -o size={size_kb}k tmpfs {shlex.quote(str(disk))} && "
            f"dd if=/dev/zero of={shlex.quote(str(disk / 'filler'))} bs=1k count={fill_kb} "
            "2>/dev/null; true"
        )
        return subprocess.run(
            _in_namespace(setup, command),
            cwd=REPO,
            env=kam_env(home),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    for size_kb, fill_kb in ((1024, 2048), (4096, 3200)):  # full at the start; full mid-run
        result = run_on_disk(size_kb, fill_kb)
        assert result.returncode == 1, result.stdout + result.stderr
        # Said once, wherever it struck: Dagster's run storage, a bronze file, the build.
        said = [line for line in result.stderr.splitlines() if "no space left" in line]
        assert len(said) == 1, result.stderr
        assert f"no space left on the file system holding {home}" in said[0]
        assert "Traceback" not in result.stderr and "sqlite3" not in result.stderr
        assert "will retry" not in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _live_members(groups: list[int]) -> list[str]:
    """Processes of `groups` that still run (zombies waiting for init to reap them excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group in groups and state != "Z":
            members.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
    return members


def test_kam_dev_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = _free_port()
    process = subprocess.Popen(
        kam_command("dev", "--home", str(home), "--port", str(port)),
        cwd=REPO,
        env=kam_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("the Dagster UI never answered")
        service_groups = [
            int(pid)
            for pid in subprocess.run(
                ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
        ]

        process.send_signal(signal.SIGTERM)
        # A hang guard, not a timing: before the fix the UI ignored SIGTERM for about a minute.
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    output = process.stdout.read()

    assert process.returncode == 0, output
    assert service_groups
    # Killed processes take a moment to be gone; none may keep running (a code server would
    # linger until its heartbeat timed out).
    deadline = time.monotonic() + 5
    while _live_members(service_groups) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _live_members(service_groups) == []
    assert "superseded" not in output and "Deprecat" not in output, output
