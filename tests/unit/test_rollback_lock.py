"""`kam rollback` takes the writer lock: a rollback during a run waits for it.

Before, a rollback during a run switched BI back at once and the run's publish silently switched it
forward again a few seconds later. Now it queues behind the run like a second run does, or gives
up after `--wait` seconds with a plain message and changes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pipelines.lib import publish
from tests.publish_builds import DOCS, MARTS, change, make_build, record
from tests.unit.test_writer_lock import hold_lock_in_child

REPO = Path(__file__).resolve().parents[2]


def two_versions(home: Path, tmp_path: Path) -> Path:
    build = make_build(tmp_path / "build.duckdb")
    published = home / "published"
    for version in ("v1", "v2"):
        publish.publish_build(
            build, published, marts=MARTS, record=record(version), version=version, docs=DOCS
        )
        change(build, "update marts.fct_sales set net_amount = net_amount + 1")
    return published


def kam_rollback(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "rollback", "--home", str(home), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_rollback_during_a_run_gives_up_after_its_wait(tmp_path: Path) -> None:
    home = tmp_path / "home"
    published = two_versions(home, tmp_path)
    run = hold_lock_in_child(home)
    try:
        rollback = kam_rollback(home, "--wait", "0.5")
        out, err = rollback.communicate(timeout=120)
    finally:
        run.kill()
        run.wait()

    assert rollback.returncode == 2, out + err
    assert f"another run (pid {run.pid}) is writing to {home}; gave up after 0.5 s" in err
    assert "nothing was rolled back" in err and "Traceback" not in err
    assert publish.current_version(published) == "v2"


def test_a_rollback_during_a_run_waits_for_it_then_switches(tmp_path: Path) -> None:
    home = tmp_path / "home"
    published = two_versions(home, tmp_path)
    run = hold_lock_in_child(home)
    try:
        rollback = kam_rollback(home)
        assert "waiting for it" in rollback.stderr.readline()
        time.sleep(0.5)
        assert rollback.poll() is None  # still queued behind the run
        assert publish.current_version(published) == "v2"
    finally:
        run.kill()
        run.wait()

    out, err = rollback.communicate(timeout=120)
    assert rollback.returncode == 0, out + err
    assert "now points at version v1" in out
    assert publish.current_version(published) == "v1"
