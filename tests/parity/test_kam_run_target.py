"""`kam run --target postgres`: the command line builds every mart in PostgreSQL from bronze."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from parity_builds import import_or_unavailable

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

psycopg = import_or_unavailable("psycopg", "KAM_REQUIRE_POSTGRES")
REPO = Path(__file__).resolve().parents[2]


def test_kam_run_target_postgres_builds_the_marts_there(
    tmp_path: Path, new_pg_database: Callable[[], str]
) -> None:
    from pipelines.lib.sample_data import generate_landing

    pg_database = new_pg_database()
    landing = tmp_path / "landing"
    generate_landing(landing, accounts=20, years=1, seed=5)
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    env.update({"DAGSTER_HOME": str(tmp_path / "home" / "dagster"), "PGDATABASE": pg_database})

    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--target", "postgres"]
        + ["--home", str(tmp_path / "home"), "--landing", str(landing)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "the CLV fit and the DuckDB publish step are not part of this run" in result.stderr
    assert not (tmp_path / "home" / "published" / "kam.duckdb").exists()
    with psycopg.connect(f"dbname={pg_database}") as connection:
        lines = connection.execute("select count(*) from bronze.invoice_lines").fetchone()[0]
        fct = connection.execute("select count(*) from marts.fct_sales").fetchone()[0]
        tiers = connection.execute("select count(distinct tier) from marts.account_tiers")
        assert lines == fct > 0
        assert tiers.fetchone()[0] >= 2
