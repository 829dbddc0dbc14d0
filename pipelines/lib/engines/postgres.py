"""Bronze Parquet -> PostgreSQL schema `bronze`, by COPY, for the dbt `postgres` target.

PostgreSQL cannot read Parquet, so each bronze table is copied: DuckDB reads the same typed
`bronze.<entity>` views the embedded build uses and writes them as CSV, and the CSV is streamed
into `COPY ... FROM STDIN`. COPY is one statement per table whatever the row count (row INSERTs
would be orders of magnitude slower), and CSV keeps values exact: decimals travel as their
digits, doubles as DuckDB's shortest round-trip text, and a NULL (unquoted empty field) stays
distinct from an empty string (DuckDB writes it as `""`).

Each table is replaced inside one transaction (drop, create, copy, commit), so a reader sees the
previous load or the new one, never half of it. Dropping cascades to the dbt staging views built
on top; the `dbt build` that follows recreates them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from pipelines.lib.config import Settings
from pipelines.lib.ingest import register_bronze_views
from pipelines.lib.ingest.readers import quote_literal

BRONZE_SCHEMA = "bronze"
_CHUNK_BYTES = 1 << 20

_SIMPLE_TYPES = {
    "VARCHAR": "text",
    "TEXT": "text",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
}
_DECIMAL = re.compile(r"^DECIMAL\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


class PostgresLoadError(RuntimeError):
    """A bronze table could not be copied; the message names the table and the cause."""


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL type holding the same values as a DuckDB bronze column type."""
    normalized = duckdb_type.strip().upper()
    if normalized in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[normalized]
    match = _DECIMAL.match(normalized)
    if match:
        return f"numeric({match.group(1)},{match.group(2)})"
    raise ValueError(
        f"no PostgreSQL type for DuckDB type {duckdb_type!r}; expected DECIMAL(p, s) or one of "
        f"{', '.join(sorted(_SIMPLE_TYPES))}"
    )


def bronze_relations(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """View name -> {column: DuckDB type} of every relation in DuckDB schema `bronze`."""
    rows = con.execute(
        """
        select table_name, column_name, data_type
        from information_schema.columns
        where table_schema = 'bronze'
        order by table_name, ordinal_position
        """
    ).fetchall()
    relations: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        relations.setdefault(table, {})[column] = data_type
    return relations


def copy_relation(
    duck: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    *,
    source: str,
    table: str,
    columns: Mapping[str, str],
    schema: str = BRONZE_SCHEMA,
    work_dir: Path,
) -> int:
    """Replace `schema.table` in PostgreSQL by the rows of the DuckDB relation `source`.

    `columns` maps column names to DuckDB types. Runs in one PostgreSQL transaction and returns
    the number of rows copied.
    """
    names = list(columns)
    csv_path = work_dir / f"{table}.csv"
    select_list = ", ".join(_duck_ident(name) for name in names)
    duck.execute(
        f"COPY (SELECT {select_list} FROM {source}) TO {quote_literal(str(csv_path))} "
        "(FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', ESCAPE '\"', "
        "DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')"
    )
    target = sql.Identifier(schema, table)
    column_list = sql.SQL(", ").join(sql.Identifier(name) for name in names)
    definitions = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(type_)))
        for name, type_ in columns.items()
    )
    try:
        with pg.transaction(), pg.cursor() as cursor:
            cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            cursor.execute(sql.SQL("drop table if exists {} cascade").format(target))
            cursor.execute(sql.SQL("create table {} ({})").format(target, definitions))
            copy_sql = sql.SQL("copy {} ({}) from stdin (format csv, header false)").format(
                target, column_list
            )
            with cursor.copy(copy_sql) as copy, csv_path.open("rb") as handle:
                while chunk := handle.read(_CHUNK_BYTES):
                    copy.write(chunk)
            rows = cursor.rowcount
            cursor.execute(sql.SQL("analyze {}").format(target))
    except psycopg.Error as error:
        raise PostgresLoadError(
            f"copying {source} into PostgreSQL table {schema}.{table} failed: {error}"
        ) from error
    finally:
        csv_path.unlink(missing_ok=True)
    return rows


@contextmanager
def connect(conninfo: str = "") -> Iterator[psycopg.Connection]:
    """A PostgreSQL connection; an empty conninfo means libpq's PGHOST/PGPORT/PGUSER/... vars."""
    try:
        connection = psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise PostgresLoadError(
            f"cannot connect to PostgreSQL ({_describe(conninfo)}): {error}".strip()
        ) from error
    try:
        yield connection
    finally:
        connection.close()


def load_bronze(settings: Settings, conninfo: str = "") -> dict[str, int]:
    """Copy every bronze relation (entities, quarantine, load manifest) into PostgreSQL.

    Returns {table: rows copied}. The typed DuckDB views are the one definition of bronze, so
    the PostgreSQL tables get the same names, columns and (mapped) types by construction.
    """
    counts: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory(prefix="kam-pg-copy-") as scratch,
        duckdb.connect() as duck,
        connect(conninfo) as pg,
    ):
        register_bronze_views(duck, settings)
        for table, columns in bronze_relations(duck).items():
            counts[table] = copy_relation(
                duck,
                pg,
                source=f"bronze.{_duck_ident(table)}",
                table=table,
                columns=columns,
                work_dir=Path(scratch),
            )
    return counts


def _duck_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe(conninfo: str) -> str:
    """Where a connection went, for error messages (never the password)."""
    params = psycopg.conninfo.conninfo_to_dict(conninfo) if conninfo else {}
    host = params.get("host") or os.environ.get("PGHOST", "localhost")
    port = params.get("port") or os.environ.get("PGPORT", "5432")
    user = params.get("user") or os.environ.get("PGUSER", "")
    dbname = params.get("dbname") or os.environ.get("PGDATABASE", "")
    return f"host={host} port={port} user={user} dbname={dbname}"
