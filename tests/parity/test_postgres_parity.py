"""The dbt project on PostgreSQL builds the same marts as on DuckDB, row by row.

Needs a server at PGHOST/PGPORT (`eval "$(bash .ci/postgres.sh)"` starts one). Without one the
module is skipped, unless KAM_REQUIRE_POSTGRES=1 (CI sets it) turns the skip into a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from compare import compare_tables, without_columns
from parity_builds import (
    PARITY_EXCLUDED_COLUMNS,
    PROJECT_DIR,
    Scenario,
    fetch_duckdb,
    fetch_postgres,
    import_or_unavailable,
    run_dbt_build,
)

from pipelines.lib.config import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

psycopg = import_or_unavailable("psycopg", "KAM_REQUIRE_POSTGRES")

MARTS = sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql"))


@pytest.fixture(scope="session")
def postgres_build(
    bronze_settings: Settings,
    duckdb_reference: Path,
    new_pg_database: Callable[[], str],
    parity_root: Path,
    scenario: Scenario,
) -> Iterator[object]:
    from pipelines.lib.engines.postgres import load_bronze

    pg_database = new_pg_database()
    conninfo = f"dbname={pg_database}" if pg_database else ""
    counts = load_bronze(bronze_settings, conninfo)
    assert counts["invoice_lines"] > 0, counts
    work_dir = parity_root / "postgres"
    work_dir.mkdir()
    env = {"PGDATABASE": pg_database} if pg_database else {}
    build = run_dbt_build("postgres", work_dir, env, scenario)
    build.assert_ok()
    with psycopg.connect(conninfo) as connection:
        yield connection


def test_bronze_row_counts_match_duckdb(
    postgres_build: object, duckdb_reference: Path, bronze_settings: Settings
) -> None:
    import duckdb

    from pipelines.lib.contract import ENTITIES

    with duckdb.connect(str(duckdb_reference), read_only=True) as con:
        expected = {
            name: con.execute(f"select count(*) from bronze.{name}").fetchone()[0]
            for name in ENTITIES
        }
    with postgres_build.cursor() as cursor:
        actual = {
            name: cursor.execute(f"select count(*) from bronze.{name}").fetchone()[0]
            for name in ENTITIES
        }
    assert actual == expected


def test_every_mart_file_is_built(
    postgres_build: object, reference_keys: dict[str, tuple[str, ...]]
) -> None:
    assert sorted(reference_keys) == MARTS
    with postgres_build.cursor() as cursor:
        built = {
            row[0]
            for row in cursor.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    assert set(MARTS) <= built


@pytest.mark.parametrize("mart", MARTS)
def test_mart_matches_duckdb(
    mart: str,
    postgres_build: object,
    duckdb_reference: Path,
    reference_keys: dict[str, tuple[str, ...]],
) -> None:
    excluded = PARITY_EXCLUDED_COLUMNS.get(mart, ())
    diff = compare_tables(
        mart,
        without_columns(fetch_duckdb(duckdb_reference, mart), excluded),
        without_columns(fetch_postgres(postgres_build, mart), excluded),
        reference_keys[mart],
    )
    assert diff.ok, str(diff)
