"""Bronze Parquet as Spark tables `bronze.<entity>`, read in place, for the dbt `spark` target.

Spark reads Parquet natively, so nothing is copied: each entity becomes an external table over
its bronze folder with the contract's column types declared (a load written before a column was
added reads that column as NULL, as DuckDB's `union_by_name` does). An external table's DROP
never deletes its files, so re-registering is safe for bronze, the system of record.

dbt's `session` method starts its own SparkSession in the dbt process, so the tables must live in
a catalog both processes see: a Hive metastore (embedded Derby) and a warehouse folder under
`<home>/build/spark/`. Embedded Derby admits one JVM at a time, which is why `register_bronze`
runs in a child process that exits before dbt starts (`python -m pipelines.lib.engines.spark`).
The run's dbt profile names the same paths (pipelines/lib/engines/profile.py), so both sessions
open one catalog.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.config import Settings, load_settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.engines.profile import spark_dir, spark_metastore, spark_warehouse
from pipelines.lib.ingest.bronze import QUARANTINE_COLUMNS, bronze_columns, entity_dir

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

BRONZE_SCHEMA = "bronze"

_SIMPLE_TYPES = {
    "VARCHAR": "string",
    "TEXT": "string",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
}
_DECIMAL = re.compile(r"^DECIMAL\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


class SparkRegistrationError(RuntimeError):
    """Bronze could not be registered in the Spark catalog; the message says why."""


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type holding the same values as a DuckDB bronze column type."""
    normalized = duckdb_type.strip().upper()
    if normalized in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[normalized]
    match = _DECIMAL.match(normalized)
    if match:
        return f"decimal({match.group(1)},{match.group(2)})"
    raise ValueError(
        f"no Spark type for DuckDB type {duckdb_type!r}; expected DECIMAL(p, s) or one of "
        f"{', '.join(sorted(_SIMPLE_TYPES))}"
    )


def spark_conf(settings: Settings, master: str = "local[*]") -> dict[str, str]:
    """The Spark configuration the run's dbt profile uses, for sessions opened from Python."""
    metastore = spark_metastore(settings)
    return {
        "spark.master": master,
        "spark.sql.warehouse.dir": str(spark_warehouse(settings)),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore};create=true"
        ),
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={metastore.parent} -Duser.timezone=UTC"
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.sql.sources.default": "parquet",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
    }


def open_session(settings: Settings, master: str = "local[*]") -> SparkSession:
    """A Hive-enabled SparkSession on this installation's catalog."""
    from pyspark.sql import SparkSession

    spark_dir(settings).mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("kam").enableHiveSupport()
    for key, value in spark_conf(settings, master).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def register_bronze(spark: SparkSession, settings: Settings) -> dict[str, str]:
    """Create database `bronze` and one relation per entity (plus `quarantine`).

    Returns {relation: what it reads}. An entity with no load yet becomes a typed empty view, so
    dbt builds on a fresh install just as it does on DuckDB.
    """
    spark.sql(f"create database if not exists {BRONZE_SCHEMA}")
    registered: dict[str, str] = {}
    for name, entity in ENTITIES.items():
        registered[name] = _register(
            spark, name, bronze_columns(entity), entity_dir(settings, name), recursive=False
        )
    registered["quarantine"] = _register(
        spark,
        "quarantine",
        QUARANTINE_COLUMNS,
        settings.bronze_dir / "_quarantine",
        recursive=True,
    )
    return registered


def _register(
    spark: SparkSession,
    name: str,
    columns: Mapping[str, str],
    folder: Path,
    *,
    recursive: bool,
) -> str:
    relation = f"{BRONZE_SCHEMA}.`{name}`"
    _drop(spark, relation)
    pattern = "**/*.parquet" if recursive else "*.parquet"
    if folder.is_dir() and any(folder.glob(pattern)):
        definitions = ", ".join(f"`{column}` {spark_type(t)}" for column, t in columns.items())
        options = "recursiveFileLookup 'true', " if recursive else ""
        spark.sql(
            f"create table {relation} ({definitions}) using parquet "
            f"options ({options}path {_literal(str(folder))})"
        )
        return str(folder)
    casts = ", ".join(
        f"cast(null as {spark_type(type_)}) as `{column}`" for column, type_ in columns.items()
    )
    spark.sql(f"create view {relation} as select {casts} where false")
    return "(empty)"


def _drop(spark: SparkSession, relation: str) -> None:
    """Drop a previous registration: a view, or an external table (its files stay)."""
    database, table = BRONZE_SCHEMA, relation.split(".", 1)[1].strip("`")
    if not spark.catalog.tableExists(f"{database}.{table}"):
        return
    kind = spark.catalog.getTable(f"{database}.{table}").tableType
    if kind == "VIEW":
        spark.sql(f"drop view {relation}")
    elif kind == "EXTERNAL":
        spark.sql(f"drop table {relation}")
    else:
        raise SparkRegistrationError(
            f"{database}.{table} is a {kind} table in the Spark catalog; bronze relations are "
            "external tables or views, refusing to drop it (it may hold data)"
        )


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def register_bronze_in_subprocess(settings: Settings, master: str = "local[*]") -> None:
    """Run `register_bronze` in a child JVM that exits, releasing the embedded metastore."""
    command = [
        sys.executable,
        "-m",
        "pipelines.lib.engines.spark",
        "--home",
        str(settings.home),
        "--landing",
        str(settings.landing),
        "--config",
        str(settings.config_path),
        "--master",
        master,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, "TZ": "UTC"}
    )
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-20:])
        raise SparkRegistrationError(
            f"registering bronze in the Spark catalog under {spark_dir(settings)} failed "
            f"(exit {completed.returncode}):\n{tail}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Register bronze Parquet as Spark tables.")
    parser.add_argument("--home", required=True)
    parser.add_argument("--landing")
    parser.add_argument("--config")
    parser.add_argument("--master", default="local[*]")
    args = parser.parse_args(argv)
    settings = load_settings(args.config, home=args.home, landing=args.landing)
    spark = open_session(settings, args.master)
    try:
        for relation, source in register_bronze(spark, settings).items():
            print(f"bronze.{relation}: {source}")
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
