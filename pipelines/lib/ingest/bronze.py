"""Bronze: one immutable Parquet file per load, and DuckDB views over all of them.

A load is written once under a temporary name and renamed into place (os.replace is atomic on one
file system), and never rewritten: a re-delivered file adds a newer load and downstream models pick
"the latest successful load per delivery period" (periodic entities: invoice lines) or "the latest
version per key" (everything else). Deleting build/ and published/ therefore loses nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.contract import BRONZE_LINEAGE_COLUMNS, DELIVERY_PERIOD_COLUMN, ENTITIES, Entity
from pipelines.lib.ingest.manifest import MANIFEST_COLUMNS, manifest_path, read_manifest
from pipelines.lib.sql_text import quote_literal

QUARANTINE_COLUMNS: dict[str, str] = {
    "entity": "VARCHAR",
    "load_id": "VARCHAR",
    "source_file": "VARCHAR",
    "line": "BIGINT",
    "column_name": "VARCHAR",
    "value": "VARCHAR",  # '<redacted>' for personal-data columns
    "reason": "VARCHAR",
    "rule": "VARCHAR",  # <column>.missing|invalid|unknown, key.duplicate, a row rule, exclude_when
    "disposition": "VARCHAR",  # quarantined (a bad row) or excluded (left out by kam.yml's rules)
    "quarantined_at": "TIMESTAMP",
}
# Quarantine files written before a column existed read it as this value.
_QUARANTINE_DEFAULTS = {"disposition": "'quarantined'"}

_last_load_time: dt.datetime | None = None


def entity_dir(settings: Settings, entity: str) -> Path:
    return settings.bronze_dir / entity


def quarantine_dir(settings: Settings, entity: str) -> Path:
    return settings.bronze_dir / "_quarantine" / entity


def bronze_columns(entity: Entity) -> dict[str, str]:
    """Column name -> DuckDB type of an entity's bronze table, lineage columns last."""
    columns = {column.name: column.type for column in entity.columns}
    columns.update(BRONZE_LINEAGE_COLUMNS)
    if entity.is_periodic:
        columns[DELIVERY_PERIOD_COLUMN] = "VARCHAR"
    return columns


def new_load_id(content_key: str) -> tuple[str, dt.datetime]:
    """A load id that sorts by time (`20261123T074500123456Z-1a2b3c4d`) and its UTC timestamp.

    Strictly increasing within a process, so two loads in the same microsecond still order.
    """
    global _last_load_time
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if _last_load_time is not None and now <= _last_load_time:
        now = _last_load_time + dt.timedelta(microseconds=1)
    _last_load_time = now
    digest = hashlib.sha256(content_key.encode()).hexdigest()[:8]
    return f"{now:%Y%m%dT%H%M%S%f}Z-{digest}", now


def write_parquet(con: duckdb.DuckDBPyConnection, select_sql: str, target: Path) -> int:
    """COPY a query to `target` via a temporary name; refuse to overwrite an existing load."""
    if target.exists():
        raise FileExistsError(f"{target} already exists; bronze files are never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        con.execute(
            f"COPY ({select_sql}) TO {quote_literal(str(temporary))} "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
        )
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)  # a half-written file (a full disk) is not kept
        raise
    os.replace(temporary, target)
    return target.stat().st_size


def set_aside_orphans(settings: Settings, entity: str) -> list[Path]:
    """Move bronze files no manifest record vouches for (a crash between write and append).

    They are moved to bronze/_orphans/, not deleted, so nothing is ever lost; the landing file they
    came from is loaded again because the manifest does not list it as loaded. Quarantine files of
    failed loads are legitimate (the engineer needs them to see why) and stay.
    """
    records = read_manifest(settings, entity)
    vouched = {
        entity_dir(settings, entity): {
            r.get("load_id") for r in records if r.get("status") == "loaded"
        },
        quarantine_dir(settings, entity): {r.get("load_id") for r in records},
    }
    moved = []
    for folder, known in vouched.items():
        if not folder.is_dir():
            continue
        for path in folder.glob("*.parquet"):
            if path.stem in known:
                continue
            target = settings.bronze_dir / "_orphans" / folder.relative_to(settings.bronze_dir)
            target.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), target / path.name)
            moved.append(target / path.name)
    return moved


def _empty_select(columns: dict[str, str]) -> str:
    casts = ", ".join(f"CAST(NULL AS {type_}) AS {_q(name)}" for name, type_ in columns.items())
    return f"SELECT {casts} WHERE false"


def _typed_select(
    columns: dict[str, str],
    source: str,
    aliases: dict[str, tuple[str, ...]] | None = None,
    missing: dict[str, str] | None = None,
) -> str:
    """Cast each column to its type; a column also written under an earlier name (`aliases`,
    only those present in the files) is read from whichever name a load used; a column no file
    has yet (`missing`) reads as the SQL value given (NULL when absent)."""
    aliases = aliases or {}

    def value(name: str) -> str:
        if missing is not None and name in missing:
            return missing[name]
        names = [_q(name), *(_q(alias) for alias in aliases.get(name, ()))]
        return names[0] if len(names) == 1 else f"coalesce({', '.join(names)})"

    casts = ", ".join(
        f"CAST({value(name)} AS {type_}) AS {_q(name)}" for name, type_ in columns.items()
    )
    return f"SELECT {casts} FROM {source}"


def _legacy_names(
    con: duckdb.DuckDBPyConnection, entity: Entity, source: str
) -> dict[str, tuple[str, ...]]:
    """Earlier column names (e.g. `net_amount_brl`) that loads written before a rename carry."""
    if not any(column.aliases for column in entity.columns):
        return {}
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    found = {
        column.name: tuple(alias for alias in column.aliases if alias in present)
        for column in entity.columns
    }
    return {name: names for name, names in found.items() if names}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quarantine_select(
    con: duckdb.DuckDBPyConnection, settings: Settings, entity: str | None = None
) -> str:
    """SQL over every quarantine file (of one entity), typed, whatever release wrote them."""
    root = settings.bronze_dir / "_quarantine"
    folder = "*" if entity is None else entity
    if not any(root.glob(f"{folder}/*.parquet")):
        return _empty_select(QUARANTINE_COLUMNS)
    pattern = quote_literal(str(root / folder / "*.parquet"))
    source = f"read_parquet({pattern}, union_by_name=true)"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    missing = {
        name: _QUARANTINE_DEFAULTS.get(name, "NULL")
        for name in QUARANTINE_COLUMNS
        if name not in present
    }
    return _typed_select(QUARANTINE_COLUMNS, source, missing=missing)


def register_bronze_views(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Create schema `bronze` with one view per entity, plus `quarantine` and `load_manifest`.

    A view over an entity with no load yet is typed and empty, so dbt builds on a fresh install.
    Views read a glob, so loads written after registration show up without registering again.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS bronze")
    for name, entity in ENTITIES.items():
        columns = bronze_columns(entity)
        folder = entity_dir(settings, name)
        if folder.is_dir() and any(folder.glob("*.parquet")):
            pattern = quote_literal(str(folder / "*.parquet"))
            source = f"read_parquet({pattern}, union_by_name=true)"
            sql = _typed_select(columns, source, _legacy_names(con, entity, source))
        else:
            sql = _empty_select(columns)
        con.execute(f"CREATE OR REPLACE VIEW bronze.{_q(name)} AS {sql}")

    con.execute(f"CREATE OR REPLACE VIEW bronze.quarantine AS {quarantine_select(con, settings)}")

    path = manifest_path(settings)
    if path.is_file() and path.stat().st_size:
        spec = ", ".join(
            f"{quote_literal(n)}: {quote_literal(t)}" for n, t in MANIFEST_COLUMNS.items()
        )
        source = (
            f"read_json({quote_literal(str(path))}, format='newline_delimited', "
            f"columns={{{spec}}}, ignore_errors=true)"
        )
        sql = _typed_select(MANIFEST_COLUMNS, source)
    else:
        sql = _empty_select(MANIFEST_COLUMNS)
    con.execute(f"CREATE OR REPLACE VIEW bronze.load_manifest AS {sql}")
