"""Validate bronze Parquet files with Great Expectations' SQL engine running inside DuckDB.

Why SQL here: a bronze load of invoice lines is millions of rows. Read into pandas, each batch of
~1.6M rows costs ~3 s and ~1.5 GB before GX starts; as SQL, DuckDB scans only the columns each
expectation needs, in parallel, under the run's memory limit, and the whole load is one batch (so
the compound key is checked across every file of the load, not file by file).

Why two adjustments to GX: GX 1.x does not list DuckDB among its SQL dialects, and out of the box
every metric comes back empty through duckdb-engine, which an unguarded gate would read as a pass.
- GX fetches query results after returning the connection to SQLAlchemy's pool; DuckDB drops a
  pending result when its connection is reset. GX already keeps one persistent connection for
  dialects that need it (SQLite, SQL Server...); DuckDB is added to that list.
- GX has no regular-expression operator for DuckDB; `regexp_matches` (a search, like pandas'
  `str.contains`, which is what the pandas path uses) is supplied when GX finds none.
Both are applied once per process, touch only the DuckDB dialect, and are proven by tests in
which known-bad Parquet files fail with the same messages as on the pandas path
(tests/unit/test_quality_sql.py): a change in GX that breaks them makes those tests fail, and an
expectation that errors is a failed gate (runner.outcome_from_result), never a pass.

On the one persistent connection, a query DuckDB rejects (out of memory, a type mismatch) aborts
the transaction, and every later metric query of the batch fails with "Current transaction is
aborted". So the first database error is recorded and put first in the outcome: it is the cause an
engineer needs, the others are its echo.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipelines.lib.quality.runner import (
    GX_LOCK,
    RESULT_FORMAT,
    ValidationOutcome,
    ephemeral_context,
    errored_outcome,
    first_line,
    load_suite_and_personal_columns,
    outcome_from_result,
)

DUCKDB_DIALECT = "duckdb"
_datasource_numbers = itertools.count(1)
_dialect_enabled = False


def validate_parquet(
    suite_name: str,
    paths: Sequence[Path],
    *,
    duckdb_config: Mapping[str, object] | None = None,
    context_root: Path | None = None,
) -> ValidationOutcome:
    """Validate the rows of `paths` (Parquet files of one schema) as one batch.

    `duckdb_config` (threads, memory_limit, temp_directory) bounds the DuckDB connection GX
    queries through. Same contract as `validate_frame`: an unknown suite raises UnknownSuiteError;
    anything else that goes wrong is a failed outcome.
    """
    if not paths:
        raise ValueError("validate_parquet needs at least one Parquet file")
    started = time.perf_counter()
    suite, personal = load_suite_and_personal_columns(suite_name, context_root)
    statistics: dict[str, Any] = {"files": len(paths)}
    columns: set[str] = set(personal)  # until the schema is read, assume it holds personal data
    try:
        columns = set(pq.read_schema(paths[0]).names)
        statistics["rows"] = sum(pq.ParquetFile(path).metadata.num_rows for path in paths)
        with GX_LOCK:
            result, database_error = _validate_query(
                suite, _select_files(paths), duckdb_config or {}
            )
        outcome = outcome_from_result(suite_name, suite, personal, result, statistics, started)
        if database_error is not None and not outcome.success:
            message = (
                "message withheld: the batch has personal-data columns"
                if columns & personal
                else first_line(database_error)
            )
            outcome.failed.insert(
                0,
                f"the database raised {type(database_error).__name__} (the queries of this "
                f"batch after it fail with 'transaction is aborted'): {message}",
            )
        return outcome
    except Exception as error:  # any failure to validate is a failed gate, never a pass
        # DuckDB's conversion errors quote the offending value: withhold it for personal data.
        return errored_outcome(
            suite_name, suite, error, statistics, started, withhold_message=bool(columns & personal)
        )


def _validate_query(
    suite: Any, query: str, duckdb_config: Mapping[str, object]
) -> tuple[Any, BaseException | None]:
    """Run `suite` on the rows of `query` through a throwaway in-memory DuckDB datasource.

    Returns GX's result and the first error the database raised, if any. Insertion order is not
    preserved: no expectation depends on row order, and it spares DuckDB keeping GX's key query
    in order. (That alone did not let 100M rows through one batch under a 1 GB limit: the ingest
    assets cap a batch's rows, see IngestReport.validation_batches.)
    """
    import sqlalchemy as sa

    context = ephemeral_context()
    _enable_duckdb_dialect()
    name = f"duckdb_batch_{next(_datasource_numbers)}"
    config = {**duckdb_config, "preserve_insertion_order": False}
    datasource = context.data_sources.add_sql(
        name,
        connection_string=f"{DUCKDB_DIALECT}:///:memory:",
        kwargs={"connect_args": {"config": config}},
    )
    database_errors: list[BaseException] = []

    def record_error(error_context: Any) -> None:
        database_errors.append(error_context.original_exception)

    # The execution engine GX validates through (built once per datasource, then reused).
    execution_engine = datasource.get_execution_engine()
    sa.event.listen(execution_engine.engine, "handle_error", record_error)
    try:
        batch = (
            datasource.add_query_asset("batch", query=query)
            .add_batch_definition_whole_table("whole")
            .get_batch()
        )
        result = batch.validate(suite, result_format=RESULT_FORMAT)
        return result, (database_errors[0] if database_errors else None)
    finally:
        sa.event.remove(execution_engine.engine, "handle_error", record_error)
        # Close the persistent connection and the file handles DuckDB holds on the Parquet files.
        execution_engine.close()
        datasource.get_engine().dispose()
        context.data_sources.delete(name)


class _DialectName(str):
    """A dialect name that also answers `.value`, as the members of GX's dialect enum do."""

    @property
    def value(self) -> str:
        return str(self)


def _select_files(paths: Sequence[Path]) -> str:
    listed = ", ".join("'" + str(path).replace("'", "''") + "'" for path in paths)
    return f"select * from read_parquet([{listed}])"


def _enable_duckdb_dialect() -> None:
    """Teach GX the two things it lacks for DuckDB (see the module docstring). Idempotent."""
    global _dialect_enabled
    if _dialect_enabled:
        return
    import sys

    import sqlalchemy as sa
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module
    from great_expectations.expectations.metrics import util as metrics_util

    if DUCKDB_DIALECT not in engine_module._PERSISTED_CONNECTION_DIALECTS:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (
            *engine_module._PERSISTED_CONNECTION_DIALECTS,
            _DialectName(DUCKDB_DIALECT),
        )

    gx_regex_expression = metrics_util.get_dialect_regex_expression

    def regex_expression(column: Any, regex: str, dialect: Any, positive: bool = True) -> Any:
        expression = gx_regex_expression(column, regex, dialect, positive)
        name = getattr(getattr(dialect, "dialect", dialect), "name", "")
        if expression is None and name == DUCKDB_DIALECT:
            matches = sa.func.regexp_matches(column, sa.literal(regex))
            return matches if positive else sa.not_(matches)
        return expression

    # The metric modules imported the function by name; replace it where they hold it.
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("great_expectations.expectations.metrics") and (
            getattr(module, "get_dialect_regex_expression", None) is gx_regex_expression
        ):
            module.get_dialect_regex_expression = regex_expression
    _dialect_enabled = True
