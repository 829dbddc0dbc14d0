"""Run a dbt command in a subprocess with this project's profiles, outside Dagster.

Used for the chores around runs (parse the manifest ahead, build the docs site); the run itself
goes through dagster-dbt so every model and test becomes an asset event.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


class DbtCommandError(RuntimeError):
    """dbt exited non-zero; the message carries the tail of its output."""


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: Sequence[str],
    *,
    project_dir: Path,
    env: Mapping[str, str] | None = None,
    capture: bool = True,
) -> str:
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
    ]
    completed = subprocess.run(
        command,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})},
        capture_output=capture,
        text=True,
        check=False,
    )
    output = (completed.stdout or "") + (completed.stderr or "")
    if completed.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-20:])
        raise DbtCommandError(f"dbt {' '.join(args)} failed (exit {completed.returncode}):\n{tail}")
    return output
