"""The writer lock queues a second writer and never outlives a killed process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines.lib.writer_lock import WriterBusyError, writer_lock


def hold_lock_in_child(home: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from pathlib import Path
                from pipelines.lib.writer_lock import writer_lock
                with writer_lock(Path({str(home)!r})):
                    print("held", flush=True)
                    time.sleep(600)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout.readline().strip() == "held"
    return child


def test_second_writer_waits_then_gives_up_with_a_plain_message(tmp_path: Path) -> None:
    child = hold_lock_in_child(tmp_path)
    messages: list[str] = []
    try:
        with (
            pytest.raises(WriterBusyError, match=rf"another run \(pid {child.pid}\) is writing"),
            writer_lock(tmp_path, wait_seconds=0.3, poll_seconds=0.05, on_wait=messages.append),
        ):
            pass
        assert messages and "waiting for it" in messages[0]
    finally:
        child.kill()
        child.wait()


def test_sigkill_releases_the_lock(tmp_path: Path) -> None:
    child = hold_lock_in_child(tmp_path)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with writer_lock(tmp_path, wait_seconds=2, poll_seconds=0.05):
        pass
