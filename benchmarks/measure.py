"""Run one command and measure it: wall time, CPU time and peak memory of its process tree.

Two memory figures, because they answer different questions:

- `peak_tree_rss_mib`: the largest *sum* of resident memory over the command and all its
  descendants, sampled from /proc every `interval` seconds (what the machine must hold at once,
  e.g. Dagster plus the dbt subprocess plus DuckDB's buffers);
- `max_rss_mib`: the kernel's ru_maxrss from wait4, the peak of the single largest process in the
  tree (exact, not sampled).

CPU seconds (user + system of the whole tree) are reported next to wall time: on a shared machine
they move less than wall time when other work competes for the cores.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Measurement:
    command: list[str]
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    max_rss_mib: float
    peak_tree_rss_mib: float
    load_average_before: float
    stdout: str
    stderr: str

    def as_dict(self, *, with_output: bool = False) -> dict[str, object]:
        data = asdict(self)
        if not with_output:
            data.pop("stdout")
            data.pop("stderr")
        return data


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss_kib(root: int) -> int:
    """Resident memory of `root` and all its descendants, in KiB."""
    children = _children_map()
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, ()))
    return total


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    interval: float = 0.2,
    log_path: Path | None = None,
) -> Measurement:
    """Run `command` to completion and measure it; its output is kept (and written to log_path)."""
    log_dir = Path(log_path).parent if log_path else None
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
    out_path = Path(log_path) if log_path else Path(f"/tmp/measure-{os.getpid()}.out")
    err_path = out_path.with_suffix(out_path.suffix + ".err")
    load_before = os.getloadavg()[0]
    with out_path.open("wb") as stdout, err_path.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=stdout,
            stderr=stderr,
        )
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_kib(process.pid))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    stdout_text = out_path.read_text(errors="replace")
    stderr_text = err_path.read_text(errors="replace")
    if not log_path:
        out_path.unlink(missing_ok=True)
        err_path.unlink(missing_ok=True)
    return Measurement(
        command=list(command),
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,
        peak_tree_rss_mib=peak[0] / 1024,
        load_average_before=load_before,
        stdout=stdout_text,
        stderr=stderr_text,
    )
