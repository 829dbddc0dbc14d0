"""Whether a run's dbt steps together built and tested every model: the ledger's "full build".

A run normally builds the dbt project in two invocations: everything except the models that read
what the CLV step writes, then the CLV step, then those models (account_health). The build ledger
(`audit.build_steps`, pipelines.lib.build_db) may say `dbt_build` is clean only when every model
was rebuilt and tested since it last said otherwise, so each invocation records the models it
built, per run, in `audit.build_coverage`; the step is clean once one run's invocations together
cover every model. A rerun of part of the graph (one model and downstream) still cannot vouch for
models it did not build: its own coverage never reaches every model.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from pipelines.lib.build_db import ensure_ledger, record_step

COVERAGE_TABLE = "audit.build_coverage"


def starts_full_build(
    selected: Iterable[str], every_model: Iterable[str], waiting: Iterable[str]
) -> bool:
    """True for the first invocation of a build of every model: it selects every model that does
    not wait for a step outside dbt (`waiting`), and possibly those too."""
    return set(selected) >= set(every_model) - set(waiting)


def begin_invocation(
    con: duckdb.DuckDBPyConnection,
    step: str,
    run_id: str,
    selected: Iterable[str],
    every_model: Iterable[str],
    waiting: Iterable[str],
) -> None:
    """Before a dbt invocation: the first invocation of a full build says the step is not clean
    (a run killed half-way must not leave it clean) and forgets earlier runs' coverage."""
    if starts_full_build(selected, every_model, waiting):
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
