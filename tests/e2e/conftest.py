"""End-to-end helpers: a small generated landing folder and `kam` run as a real subprocess."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]


def kam_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *args]


def kam_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    env["DAGSTER_HOME"] = str(home / "dagster")
    env["GX_ANALYTICS_ENABLED"] = "false"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def run_kam(
    home: Path, landing: Path, *args: str, timeout: float = 900
) -> subprocess.CompletedProcess:
    return subprocess.run(
        kam_command("run", "--home", str(home), "--landing", str(landing), *args),
        cwd=REPO,
        env=kam_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_kam(home: Path, landing: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        kam_command("run", "--home", str(home), "--landing", str(landing), *args),
        cwd=REPO,
        env=kam_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so a test can kill dbt with it
    )


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mart_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        return {
            table: con.execute(f"select count(*) from marts.{table}").fetchone()[0]
            for table in sorted(tables)
        }
    finally:
        con.close()


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small but complete landing folder, generated once per test session."""
    from pipelines.lib.sample_data import generate_landing

    landing = tmp_path_factory.mktemp("landing_master")
    generate_landing(landing, accounts=60, years=2, seed=7)
    return landing


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory, sample_landing: Path) -> Path:
    """A home where one full run has published; tests copy it rather than re-running."""
    home = tmp_path_factory.mktemp("home_master")
    result = run_kam(home, sample_landing)
    assert result.returncode == 0, result.stdout + result.stderr
    return home


@pytest.fixture
def landing(tmp_path: Path, sample_landing: Path) -> Path:
    """A private copy of the sample landing folder that a test may damage."""
    target = tmp_path / "landing"
    shutil.copytree(sample_landing, target)
    return target


@pytest.fixture
def home(tmp_path: Path, published_home: Path) -> Path:
    """A private copy of a published home (bronze, build, published, run history)."""
    target = tmp_path / "home"
    shutil.copytree(published_home, target, symlinks=True)
    return target
