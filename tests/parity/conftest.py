"""Shared builds for the parity suite: per scenario, one bronze and one DuckDB reference build.

The engine builds live in their test modules' fixtures, so `pytest -m postgres` never starts
Spark and `pytest -m spark` never needs a PostgreSQL server. Scenarios (see parity_builds.py):
both for PostgreSQL, `small` only for Spark; KAM_PARITY_SCENARIOS / KAM_SPARK_SCENARIOS
(comma-separated names) choose others.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from parity_builds import (
    SCENARIOS,
    Scenario,
    build_duckdb,
    import_or_unavailable,
    make_bronze,
    mart_keys,
    scenario_names,
    unavailable,
)

from pipelines.lib.config import Settings


@pytest.fixture(scope="session", params=scenario_names("KAM_PARITY_SCENARIOS", "small,wide"))
def scenario(request: pytest.FixtureRequest) -> Scenario:
    """The data set a parity test runs on (test modules may narrow the list)."""
    return SCENARIOS[request.param]


@pytest.fixture(scope="session")
def parity_root(tmp_path_factory: pytest.TempPathFactory, scenario: Scenario) -> Path:
    return tmp_path_factory.mktemp(f"parity_{scenario.name}")


@pytest.fixture(scope="session")
def bronze_settings(parity_root: Path, scenario: Scenario) -> Settings:
    return make_bronze(parity_root, scenario)


@pytest.fixture(scope="session")
def duckdb_reference(bronze_settings: Settings, parity_root: Path, scenario: Scenario) -> Path:
    """The DuckDB build every other engine is compared with (path of its database file)."""
    work_dir = parity_root / "duckdb"
    work_dir.mkdir()
    database, build = build_duckdb(bronze_settings, work_dir, scenario)
    build.assert_ok()
    return database


@pytest.fixture(scope="session")
def reference_keys(duckdb_reference: Path) -> dict[str, tuple[str, ...]]:
    """Mart name -> primary key, from the reference build's manifest."""
    return mart_keys(duckdb_reference.parent / "target_duckdb" / "manifest.json")


def _server() -> str:
    return f"{os.environ.get('PGHOST', 'localhost')}:{os.environ.get('PGPORT', '5432')}"


@pytest.fixture(scope="session")
def new_pg_database() -> Iterator[Callable[[], str]]:
    """Creates a fresh database per call (all dropped afterwards), or hands out PGDATABASE when
    the role may not create databases. A database per consumer, because tables one build leaves
    behind would turn the next build of the incremental models into an incremental run over
    another data set's rows."""
    psycopg = import_or_unavailable("psycopg", "KAM_REQUIRE_POSTGRES")
    try:
        admin = psycopg.connect("", connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as error:
        unavailable(
            f"no PostgreSQL server answers at {_server()}: {str(error).strip()} "
            '(start one with: eval "$(bash .ci/postgres.sh)")',
            "KAM_REQUIRE_POSTGRES",
        )
    created: list[str] = []

    def create() -> str:
        name = f"kam_parity_{uuid.uuid4().hex[:8]}"
        try:
            admin.execute(f'create database "{name}"')
        except psycopg.errors.InsufficientPrivilege:
            return os.environ.get("PGDATABASE", "")
        created.append(name)
        return name

    try:
        yield create
    finally:
        for name in created:
            admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@pytest.fixture(scope="session")
def pg_database(new_pg_database: Callable[[], str]) -> str:
    """One fresh database shared by the tests that only load bronze into it."""
    return new_pg_database()
