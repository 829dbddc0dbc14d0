"""`kam dev`: the Dagster UI and daemon over this home, stopped promptly on Ctrl-C or SIGTERM.

It starts Dagster's own entry points, `dagster-webserver` (the UI) and `dagster-daemon run`
(schedule, sensor, run queue), each loading the code location `pipelines.definitions`, the
same pair the README describes for production. `dagster dev` does the same but is superseded
in Dagster 1.13 (it prints a notice pointing at `dg dev`, which comes with its own package set
and runs the same code underneath), and after a signal it waits on the webserver's open
connections and leaves its code servers to time out on their own.

Each service runs in its own process group with its code server. On SIGINT or SIGTERM both
groups get SIGTERM, and whatever still runs after a few seconds is killed: the UI holds nothing
that needs saving (run history is written as it happens), and a run it launched is stopped the
way a killed run is, leaving the published version untouched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from pipelines.cli.environment import child_environment
from pipelines.lib.config import Settings

CODE_LOCATION = "pipelines.definitions"
STOP_GRACE_SECONDS = 4.0
_POLL_SECONDS = 0.2


def service_commands(port: int, host: str) -> dict[str, list[str]]:
    """The Dagster services `kam dev` runs, by name."""
    bin_dir = Path(sys.executable).parent
    return {
        "webserver": [
            str(bin_dir / "dagster-webserver"),
            "-m",
            CODE_LOCATION,
            "--host",
            host,
            "--port",
            str(port),
        ],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", "-m", CODE_LOCATION],
    }


def prepare_instance() -> None:
    """Create the Dagster instance's storage (SQLite under DAGSTER_HOME) once, here: the
    webserver and the daemon starting together on a new home would both create the same
    tables, and one of them fails ("table alembic_version already exists")."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    instance.get_runs(limit=1)
    instance.all_instigator_state()
    instance.get_asset_keys()
    instance.dispose()


def serve(settings: Settings, *, port: int, host: str = "127.0.0.1") -> int:
    """Run the UI and the daemon until a signal; 0 when stopped on request, 1 when one died."""
    prepare_instance()
    env = child_environment(settings)
    processes: dict[str, subprocess.Popen] = {}
    stop_requested: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.append(signum)

    previous = {
        signum: signal.signal(signum, request_stop) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        for name, command in service_commands(port, host).items():
            if not stop_requested:
                processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
        print(
            f"kam dev: Dagster UI at http://{host}:{port} over home {settings.home} "
            "(Ctrl-C stops it)",
            file=sys.stderr,
            flush=True,
        )
        while not stop_requested:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(
                        f"error: the Dagster {name} stopped (exit {process.returncode}); "
                        "stopping kam dev",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(_POLL_SECONDS)
        print("kam dev: stopping", file=sys.stderr, flush=True)
        return 0
    finally:
        stop(list(processes.values()))
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop(processes: list[subprocess.Popen], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every process group, wait up to `grace` seconds, then SIGKILL what is left."""
    groups = [process.pid for process in processes]
    for group in groups:
        _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    # The code servers of each service are in its group too: nothing outlives `kam dev`.
    for group in groups:
        _signal_group(group, signal.SIGKILL)
    for process in processes:
        process.wait()


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)
