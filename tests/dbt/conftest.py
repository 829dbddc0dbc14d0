"""Build the dbt project once per test session on a synthetic bronze DuckDB file.

dbt runs in a subprocess: dbt-duckdb keeps its connection to the database file open inside the
process that ran it, and the tests need to open that file themselves afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from synthetic_bronze import create_bronze

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


@dataclass(frozen=True)
class DbtRun:
    database: Path
    target_path: Path
    returncode: int
    output: str

    @property
    def manifest_path(self) -> Path:
        return self.target_path / "manifest.json"

    @property
    def results(self) -> list[dict]:
        path = self.target_path / "run_results.json"
        return json.loads(path.read_text(encoding="utf-8"))["results"] if path.exists() else []


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        pytest.fail("dbt executable not found next to the Python interpreter nor on PATH")
    return found


def run_dbt(args: list[str], database: Path, work_dir: Path) -> DbtRun:
    """Run one dbt command against `database`, keeping target/ and logs/ in work_dir."""
    target_path = work_dir / "target"
    completed = subprocess.run(
        [
            _dbt_executable(), *args,
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(target_path),
            "--log-path", str(work_dir / "logs"),
            "--no-use-colors",
        ],
        env={**os.environ, "KAM_BUILD_DB": str(database)},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    return DbtRun(
        database=database,
        target_path=target_path,
        returncode=completed.returncode,
        output=completed.stdout + completed.stderr,
    )


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work_dir = tmp_path_factory.mktemp("dbt_build")
    database = create_bronze(work_dir / "kam.duckdb")
    return run_dbt(["build"], database, work_dir)
