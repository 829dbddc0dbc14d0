"""kam.yml's DuckDB threads and memory limit reach the connection dbt itself opens in a run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb

from pipelines.defs.dbt.project import DBT_PROJECT_DIR
from pipelines.lib.config import load_settings
from pipelines.lib.dbt_runner import DbtWorkspace, dbt_executable

QUERY = (
    "select current_setting('threads') as threads, "
    "current_setting('memory_limit') as memory_limit, "
    "current_setting('temp_directory') as spill"
)


def test_dbt_connects_with_the_threads_and_memory_limit_of_kam_yml(tmp_path: Path) -> None:
    config = tmp_path / "kam.yml"
    config.write_text("duckdb:\n  threads: 3\n  memory_limit: 700MB\n", encoding="utf-8")
    settings = load_settings(config, home=tmp_path / "home")
    workspace = DbtWorkspace.of(settings)
    workspace.write_profile(settings)  # what the dbt step does before `dbt build`
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}

    completed = subprocess.run(
        [
            dbt_executable(), "--no-use-colors", "--quiet", "show",
            "--inline", QUERY, "--output", "json",
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(workspace.profiles_dir),
            "--target-path", str(workspace.targets_dir / "show"),
            "--log-path", str(workspace.logs_dir),
        ],
        env={**env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stdout + completed.stderr
    shown = json.loads(completed.stdout[completed.stdout.index("{") :])["show"][0]
    with duckdb.connect(config={"memory_limit": "700MB"}) as reference:
        expected_memory = reference.execute("select current_setting('memory_limit')").fetchone()[0]
    assert shown == {
        "threads": 3,
        "memory_limit": expected_memory,
        "spill": str(settings.build_dir / "tmp"),
    }
    assert settings.build_db.is_file()  # dbt opened this home's build file, nothing else
