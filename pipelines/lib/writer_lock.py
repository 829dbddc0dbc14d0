"""One writer at a time.

DuckDB allows one read-write process per file; a second writer would fail with a lock error in the
middle of a run. Runs take this advisory lock on `<home>/.writer.lock` for their whole duration, so
a second run waits its turn (queues) instead. The kernel releases a `flock` when its process dies,
so a run killed with SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE_NAME = ".writer.lock"


class WriterBusyError(RuntimeError):
    """Another run holds the writer lock and the wait ran out."""


@contextmanager
def writer_lock(
    home: Path,
    *,
    wait_seconds: float | None = None,
    poll_seconds: float = 1.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the writer lock of `home`; wait for it (forever when `wait_seconds` is None)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_FILE_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(fd)
                if deadline is not None and time.monotonic() >= deadline:
                    raise WriterBusyError(
                        f"another run ({holder}) is writing to {home}; "
                        f"gave up after {wait_seconds:g} s"
                    ) from None
                if on_wait and not told:
                    on_wait(f"another run ({holder}) is writing to {home}; waiting for it")
                    told = True
                time.sleep(poll_seconds)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown process"
    except OSError:
        return "unknown process"
