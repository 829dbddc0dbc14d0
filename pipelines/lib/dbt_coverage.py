"""Whether a run's dbt invocations together built and tested every model: the ledger's "full build".

A run builds the dbt project in one invocation; an engineer may rerun part of it (one model and
downstream). The build ledger (`audit.build_steps`, pipelines.lib.build_db) may say `dbt_build` is
clean only when every model was rebuilt and tested since it last said otherwise, so each
invocation records the models it built, per run, in `audit.build_coverage`; the step is clean
once one run's invocations together cover every model. A rerun of part of the graph still cannot
vouch for models it did not build: its own coverage never reaches every model.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from pipelines.lib.build_db import ensure_ledger, record_step

COVERAGE_TABLE = "audit.build_coverage"


def starts_full_build(selected: Iterable[str], every_model: Iterable[str]) -> bool:
    """True for an invocation that builds every model."""
    return set(selected) >= set(every_model)


def begin_invocation(
    con: duckdb.DuckDBPyConnection,
    step: str,
    run_id: str,
    selected: Iterable[str],
    every_model: Iterable[str],
) -> None:
    """Before a dbt invocation: a full build says the step is not clean (a run killed half-way
    must not leave it clean) and forgets earlier runs' coverage."""
    if starts_full_build(selected, every_model):
        record_step(con, step, run_id, ok=False)
        reset_coverage(con, step, run_id)


def finish_invocation(
    con: duckdb.DuckDBPyConnection,
    step: str,
    run_id: str,
    selected: Iterable[str],
    every_model: Iterable[str],
) -> bool:
    """After a dbt invocation that built and tested `selected`: the step is clean again once this
    run has built every model. Returns whether it is."""
    covered = add_coverage(con, step, run_id, selected)
    is_full = covered >= set(every_model)
    if is_full:
        record_step(con, step, run_id, ok=True)
    return is_full


def reset_coverage(con: duckdb.DuckDBPyConnection, step: str, run_id: str) -> None:
    """Forget what earlier runs built: a new full build of `step` starts in `run_id`."""
    _ensure_table(con)
    con.execute(f"delete from {COVERAGE_TABLE} where step = ? and run_id <> ?", [step, run_id])


def add_coverage(
    con: duckdb.DuckDBPyConnection, step: str, run_id: str, models: Iterable[str]
) -> set[str]:
    """Record that `run_id` built and tested `models`; return every model that run has built."""
    _ensure_table(con)
    rows = [[step, run_id, model] for model in sorted(set(models))]
    if rows:
        con.executemany(f"insert or ignore into {COVERAGE_TABLE} values (?, ?, ?)", rows)
    covered = con.execute(
        f"select model from {COVERAGE_TABLE} where step = ? and run_id = ?", [step, run_id]
    ).fetchall()
    return {row[0] for row in covered}


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    ensure_ledger(con)
    con.execute(
        f"create table if not exists {COVERAGE_TABLE} "
        "(step varchar, run_id varchar, model varchar, primary key (step, run_id, model))"
    )
