"""The dbt profile of one run, written from the run's settings with literal values.

dbt reads its connection from a profiles.yml. The installation's `dbt_project/profiles.yml`
serves `make setup`'s parse and the dbt tests; a run writes its own under
`<home>/build/dbt/` instead, holding this home's build file, kam.yml's DuckDB threads and memory
limit, the spill folder and the Spark catalog paths as plain values. Nothing is handed to the
dbt process through environment variables the pipeline sets, so what dbt connects with is what
the settings say, and it can be read in one file after a run.

Secrets stay out of the file: the PostgreSQL output reads libpq's own variables (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE) when dbt renders it, and the Spark output reads the machine
choices the README documents (KAM_SPARK_MASTER, KAM_SPARK_DRIVER_MEMORY, ...).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from pipelines.lib.build_db import duckdb_config
from pipelines.lib.config import Settings

PROFILE_NAME = "kam"
PROFILES_FILE = "profiles.yml"
TARGETS = ("duckdb", "postgres", "spark")
# dbt builds this many models at once on PostgreSQL (the server decides how each query runs).
POSTGRES_THREADS = 2


def spark_dir(settings: Settings) -> Path:
    """Where this installation's Spark catalog lives (metastore and managed tables)."""
    return settings.build_dir / "spark"


def spark_warehouse(settings: Settings) -> Path:
    return spark_dir(settings) / "warehouse"


def spark_metastore(settings: Settings) -> Path:
    return spark_dir(settings) / "metastore_db"


def dbt_profile(settings: Settings, target: str) -> dict[str, Any]:
    """The profiles.yml content for `target`: one profile, one output, the target selected."""
    if target not in TARGETS:
        raise ValueError(f"unknown dbt target {target!r}; expected one of {', '.join(TARGETS)}")
    output = {"duckdb": _duckdb, "postgres": _postgres, "spark": _spark}[target](settings)
    return {PROFILE_NAME: {"target": target, "outputs": {target: output}}}


def write_dbt_profile(settings: Settings, target: str, directory: Path) -> Path:
    """Write the profile into `directory` (atomically: dbt may be reading the previous one)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PROFILES_FILE
    text = (
        "# Written by kam for each run from kam.yml and the run's options; edits are replaced.\n"
        + yaml.safe_dump(dbt_profile(settings, target), sort_keys=False)
    )
    temporary = path.with_name(f".{PROFILES_FILE}.{os.getpid()}")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def jinja_literal(value: str) -> str:
    """`value` as dbt will read it: dbt renders every profile string with Jinja, so a path
    holding `{{`, `{%` or `{#` is written as a Jinja string expression that renders to itself."""
    if not any(marker in value for marker in ("{{", "{%", "{#")):
        return value
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return "{{ '" + escaped + "' }}"


def _duckdb(settings: Settings) -> dict[str, Any]:
    # DuckDB's own settings for the database dbt opens: the same threads, memory limit and
    # spill folder as every other DuckDB connection of a run. Given when the database is opened
    # (`config_options`), not as `settings`, which dbt-duckdb re-applies with SET on every new
    # cursor: once a build has spilled, DuckDB refuses any SET of temp_directory, even to the
    # same folder ("Cannot switch temporary directory after the current one has been used").
    bounds = duckdb_config(settings)
    return {
        "type": "duckdb",
        "path": jinja_literal(str(settings.build_db)),
        # dbt's threads: models built at once, sharing that one database.
        "threads": settings.duckdb_threads,
        "config_options": {
            name: jinja_literal(value) if isinstance(value, str) else value
            for name, value in bounds.items()
        },
    }


def _postgres(settings: Settings) -> dict[str, Any]:
    return {
        "type": "postgres",
        "host": "{{ env_var('PGHOST', '127.0.0.1') }}",
        "port": "{{ env_var('PGPORT', '5432') | as_number }}",
        "user": "{{ env_var('PGUSER', 'kam') }}",
        "password": "{{ env_var('PGPASSWORD', '') }}",
        "dbname": "{{ env_var('PGDATABASE', 'kam') }}",
        "schema": "public",
        "threads": POSTGRES_THREADS,
        "connect_timeout": 10,
    }


def _spark(settings: Settings) -> dict[str, Any]:
    metastore = str(spark_metastore(settings))
    return {
        "type": "spark",
        "method": "session",
        "host": "local",
        "schema": "{{ env_var('KAM_SPARK_SCHEMA', 'default') }}",
        "threads": 1,
        "server_side_parameters": {
            "spark.master": "{{ env_var('KAM_SPARK_MASTER', 'local[*]') }}",
            "spark.app.name": "kam-dbt",
            "spark.driver.memory": "{{ env_var('KAM_SPARK_DRIVER_MEMORY', '4g') }}",
            "spark.sql.warehouse.dir": jinja_literal(str(spark_warehouse(settings))),
            "spark.hadoop.javax.jdo.option.ConnectionURL": jinja_literal(
                f"jdbc:derby:;databaseName={metastore};create=true"
            ),
            "spark.driver.extraJavaOptions": jinja_literal(
                f"-Dderby.system.home={Path(metastore).parent} -Duser.timezone=UTC"
            ),
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.legacy.createHiveTableByDefault": "false",
            "spark.sql.sources.default": "parquet",
            "spark.sql.shuffle.partitions": "{{ env_var('KAM_SPARK_SHUFFLE_PARTITIONS', '4') }}",
            "spark.ui.enabled": "false",
        },
    }
