"""Where dbt builds: DuckDB (embedded default), PostgreSQL or Apache Spark.

Bronze Parquet is the system of record whatever the engine; each engine gets bronze its own way
before `dbt build --target <engine>`:

- duckdb: views over the Parquet files in the build file (`register_bronze_views`);
- postgres: the bronze tables copied into schema `bronze` with COPY (PostgreSQL cannot read
  Parquet);
- spark: external tables over the Parquet files in place, in a Hive metastore dbt's Spark session
  shares.

dbt then connects with the profile the run writes from its settings (`write_dbt_profile`).

Engine drivers (psycopg, pyspark) are imported only when their engine is used, so the embedded
install needs neither.
"""

from __future__ import annotations

from pipelines.lib.config import Settings
from pipelines.lib.engines.profile import TARGETS, dbt_profile, write_dbt_profile


def _check(target: str) -> None:
    if target not in TARGETS:
        raise ValueError(f"unknown dbt target {target!r}; expected one of {', '.join(TARGETS)}")


def prepare_bronze(settings: Settings, target: str) -> None:
    """Make `bronze.<entity>` readable by dbt on `target`; call it right before `dbt build`.

    postgres connects with libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD,
    PGDATABASE), the same variables the dbt profile reads.
    """
    _check(target)
    if target == "duckdb":
        from pipelines.lib.build_db import connect_build_db
        from pipelines.lib.ingest import register_bronze_views

        with connect_build_db(settings) as con:
            register_bronze_views(con, settings)
    elif target == "postgres":
        from pipelines.lib.engines.postgres import load_bronze

        load_bronze(settings)
    else:
        from pipelines.lib.engines.spark import register_bronze_in_subprocess

        register_bronze_in_subprocess(settings)


__all__ = ["TARGETS", "dbt_profile", "prepare_bronze", "write_dbt_profile"]
