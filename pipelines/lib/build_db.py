"""The writer's private DuckDB file under `<home>/build/`.

Runs build here; BI never opens it. It also keeps a small ledger (`audit.build_steps`) of which
build steps last succeeded, so publishing can refuse a build whose dbt step failed in an earlier
run even when an engineer reruns only the publish step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.lib.config import Settings

LEDGER_TABLE = "audit.build_steps"


def duckdb_config(settings: Settings) -> dict[str, object]:
    """Threads, memory limit and spill folder (`<home>/build/tmp`) for any DuckDB connection a
    run opens. Without them DuckDB may take 80 % of the machine's memory for one copy."""
    spill = settings.build_dir / "tmp"
    spill.mkdir(parents=True, exist_ok=True)
    return {
        "threads": settings.duckdb_threads,
        "memory_limit": settings.duckdb_memory_limit,
        "temp_directory": str(spill),
    }


@contextlib.contextmanager
def connect_build_db(
    settings: Settings, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with this installation's threads, memory limit and spill folder."""
    con = duckdb.connect(
        str(settings.build_db), read_only=read_only, config=duckdb_config(settings)
    )
    try:
        yield con
    finally:
        con.close()


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists audit")
    con.execute(
        f"create table if not exists {LEDGER_TABLE} "
        "(step varchar primary key, run_id varchar, ok boolean, recorded_at timestamp)"
    )


def record_step(con: duckdb.DuckDBPyConnection, step: str, run_id: str, *, ok: bool) -> None:
    """Say that `step` started (ok=False) or finished cleanly (ok=True) in `run_id`."""
    ensure_ledger(con)
    con.execute(
        f"insert or replace into {LEDGER_TABLE} values (?, ?, ?, ?)",
        [step, run_id, ok, datetime.now(UTC).replace(tzinfo=None)],
    )


def failed_steps(con: duckdb.DuckDBPyConnection, required: list[str]) -> list[str]:
    """The required steps that have not finished cleanly since they last started."""
    if "build_steps" not in existing_tables(con, "audit"):
        return list(required)
    done = {
        step for step, ok in con.execute(f"select step, ok from {LEDGER_TABLE}").fetchall() if ok
    }
    return [step for step in required if step not in done]


def record_step_in_file(settings: Settings, step: str, run_id: str, *, ok: bool) -> None:
    with connect_build_db(settings) as con:
        record_step(con, step, run_id, ok=ok)


def existing_tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }


def build_db_path_for(home: Path) -> Path:
    return home / "build" / "kam.duckdb"
