"""One batch of landing files -> one bronze load: read, type, check, write, reconcile.

A batch is read by one DuckDB scan (readers.py), typed and checked in SQL (casting.py: derived
columns, row rules, exclusions), and written as one bronze Parquet file plus one quarantine file
holding every problem row with its disposition. Every file of the batch must reconcile: rows read
= rows written to bronze + quarantined + excluded, the written rows counted in the file itself.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.contract import DELIVERY_PERIOD_COLUMN, Entity
from pipelines.lib.ingest import bronze
from pipelines.lib.ingest.casting import (
    EXCLUDED,
    QUARANTINED,
    ValueRules,
    build_checked,
    build_dispositions,
    build_problems,
    ident,
    parse_format_for,
)
from pipelines.lib.ingest.errors import disk_full
from pipelines.lib.ingest.manifest import manifest_record
from pipelines.lib.ingest.names import normalize_name
from pipelines.lib.ingest.readers import (
    LandingFile,
    drop_relation,
    raw_table_sql,
    read_csv_files,
    read_parquet_files,
    read_xlsx_files,
)
from pipelines.lib.ingest.reconcile import quarantine_swallowed, unreconciled_message
from pipelines.lib.ingest.report import EMPTY, FAILED, LOADED, FileLoad, IngestReport
from pipelines.lib.sql_text import quote_literal

_SAMPLE_PROBLEMS = 5


def load_batch(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    contract: Entity,
    batch: list[LandingFile],
    parents: dict[str, str],
    rules: ValueRules,
    restrictions: dict[str, frozenset[str]],
    report: IngestReport,
) -> list[dict]:
    """Read, type, check and write one batch; return its manifest records."""
    source = settings.sources[contract.name]
    kind = batch[0].kind
    drop_relation(con, "_raw")
    con.execute(raw_table_sql("_raw", contract))
    if kind == "csv":
        failures = read_csv_files(con, "_raw", batch, source.format, contract)
    elif kind == "parquet":
        failures = read_parquet_files(con, "_raw", batch, contract)
    else:
        failures = read_xlsx_files(con, "_raw", batch, source, contract)
    load_id, loaded_at = bronze.new_load_id("".join(f.sha256 for f in batch))
    try:
        build_checked(
            con, "_raw", "_checked", contract, parse_format_for(kind, source), rules, source.derived
        )
    except duckdb.Error as error:
        if not source.derived or disk_full(error, settings.build_dir) is not None:
            raise
        # A derived expression that fails while running (a cast inside it, a bad pattern): the
        # files of this batch fail with the expression named, the run stops here.
        message = _derived_failure(source.derived, error)
        return _fail_batch(settings, contract, batch, failures, message, load_id, loaded_at, report)
    _register_batch_files(con, batch, failures)
    outside = _drop_unselected_months(con, contract, batch, restrictions)
    build_problems(con, "_checked", "_problems", contract, parents, source.exclude_when)
    _span_without_period(con, contract, batch)
    # Values that swallowed lines (found by readers.py) are quarantined with every record in them.
    swallowed = quarantine_swallowed(
        con, "_problems", {f.rel: f.swallowed for f in batch if f.swallowed}
    )
    excluded_rules = [rule for rule, action in source.rules.items() if action == "exclude"]
    build_dispositions(con, "_problems", "_lines", excluded_rules)

    read_counts = dict(
        con.execute("SELECT _file, count(*) FROM _checked GROUP BY _file").fetchall()
    )
    line_counts: dict[tuple[str, str], int] = {
        (rel, disposition): count
        for rel, disposition, count in con.execute(
            "SELECT _file, disposition, count(*) FROM _lines GROUP BY ALL"
        ).fetchall()
    }
    for rel, records in swallowed.items():  # besides each swallowing row's own
        read_counts[rel] = read_counts.get(rel, 0) + records
        line_counts[(rel, QUARANTINED)] = line_counts.get((rel, QUARANTINED), 0) + records
    samples = _samples(con)
    has_problems = bool(line_counts)

    outcomes: dict[str, FileLoad] = {}
    for landing in batch:
        load = _outcome(landing, contract, source, load_id, read_counts, line_counts, samples)
        # Lines of months a forced reload did not select were read, then set aside unloaded.
        accounted = load.rows_read + outside.get(landing.rel, 0)
        unreconciled = unreconciled_message(landing.rel, landing.records_delivered, accounted)
        if landing.rel in failures:
            load.status, load.message, load.rows_read = FAILED, failures[landing.rel], 0
            load.rows_quarantined = load.rows_excluded = 0
        elif unreconciled:
            # The records the file delivers (its bytes) differ from the rows read: nothing of it
            # is loaded (readers.py, reconcile.py).
            load.status, load.message, load.rows_read = FAILED, unreconciled, 0
            load.rows_loaded = load.rows_quarantined = load.rows_excluded = 0
        elif load.rows_read == 0:
            load.status = EMPTY
            load.message = f"{landing.rel}: the file has a header but no rows; nothing loaded"
        if landing.rel in outside:
            landing.notes.append(
                f"{outside[landing.rel]} line(s) of months outside this run's selection not read"
            )
        outcomes[landing.rel] = load

    loaded = [rel for rel, load in outcomes.items() if load.status == LOADED]
    # A file whose every row was quarantined or excluded writes nothing: like an empty file, it
    # never supersedes what an earlier delivery loaded.
    to_write = [rel for rel in loaded if outcomes[rel].rows_loaded > 0]
    bronze_file = None
    quarantine_file = None
    if has_problems:
        quarantine_file = bronze.quarantine_dir(settings, contract.name) / f"{load_id}.parquet"
        bronze.write_parquet(con, _quarantine_select(contract, load_id, loaded_at), quarantine_file)
        report.new_quarantine_files.append(quarantine_file)
    if to_write:
        bronze_file = bronze.entity_dir(settings, contract.name) / f"{load_id}.parquet"
        con.execute(
            "UPDATE _batch_files SET is_loaded = true WHERE rel IN (SELECT unnest(?::VARCHAR[]))",
            [to_write],
        )
        select = _bronze_select(contract, load_id, loaded_at, has_problems)
        bronze.write_parquet(con, select, bronze_file)
    if loaded and not reconcile(con, settings, contract, bronze_file, outcomes, loaded):
        bronze_file = None
    if bronze_file is not None:
        report.new_bronze_files.append(bronze_file)
        if contract.is_periodic:
            _record_periods(con, bronze_file, outcomes)

    records = []
    for landing in batch:
        load = outcomes[landing.rel]
        load.quarantine_file = quarantine_file if load.rows_quarantined else None
        report.files.append(load)
        keeps_file = load.status == LOADED and load.rows_loaded > 0 and bronze_file is not None
        kept_in = bronze_file if keeps_file else None
        records.append(manifest_record(contract.name, landing, load, loaded_at, kept_in))
    for relation in ("_raw", "_raw_stage", "_checked", "_problems", "_lines", "_batch_files"):
        drop_relation(con, relation)
    return records


def _outcome(
    landing: LandingFile,
    contract: Entity,
    source,
    load_id: str,
    read_counts: dict[str, int],
    line_counts: dict[tuple[str, str], int],
    samples: dict[str, tuple[list[str], list[str]]],
) -> FileLoad:
    rows = read_counts.get(landing.rel, 0)
    bad = line_counts.get((landing.rel, QUARANTINED), 0)
    excluded = line_counts.get((landing.rel, EXCLUDED), 0)
    problems, exclusions = samples.get(landing.rel, ([], []))
    load = FileLoad(
        landing.rel,
        landing.sha256,
        landing.size,
        LOADED,
        rows_read=rows,
        rows_loaded=rows - bad - excluded,
        rows_quarantined=bad,
        rows_excluded=excluded,
        load_id=load_id,
        delivery_period=landing.period,
        sample_problems=problems,
        sample_exclusions=exclusions,
        **_columns(landing, contract, source.derived),
    )
    parts = [f"{load.rows_loaded} row(s) loaded"]
    if bad:
        parts.append(f"{bad} quarantined")
    if excluded:
        parts.append(f"{excluded} excluded")
    load.message = f"{landing.rel}: {', '.join(parts)}"
    if bad or excluded:
        load.message += f" (see the quarantine table, load {load_id})"
    return load


def _columns(landing: LandingFile, contract: Entity, derived: dict[str, str]) -> dict:
    """Which of the file's columns were mapped to which contract column, derived, or ignored.

    Headers that are not contract names are not recorded for an entity holding personal data:
    a file without a header row would put a person's name there.
    """
    mapped, ignored = [], []
    for header, target in zip(landing.headers, landing.targets, strict=False):
        if target is None:
            ignored.append(header)
        elif target in derived:
            continue
        elif normalize_name(header) == target:
            mapped.append(target)
        else:
            mapped.append(f"{header} -> {target}")
    if ignored and contract.has_personal_data:
        ignored = [
            f"{len(ignored)} column(s), names not recorded ({contract.name} holds personal data)"
        ]
    return {
        "columns_mapped": mapped,
        "columns_derived": [f"{name} = {expression}" for name, expression in derived.items()],
        "columns_ignored": ignored,
    }


def _register_batch_files(
    con: duckdb.DuckDBPyConnection, batch: list[LandingFile], failures: dict[str, str]
) -> None:
    """The batch's readable files and their periods; `is_loaded` is set once counts are known.

    One statement with list parameters: `executemany` costs ~2 ms a row in DuckDB.
    """
    readable = [f for f in batch if f.rel not in failures]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _batch_files AS SELECT unnest(?::VARCHAR[]) AS rel, "
        "unnest(?::VARCHAR[]) AS period, false AS is_loaded",
        [[f.rel for f in readable], [f.period for f in readable]],
    )


def _drop_unselected_months(
    con: duckdb.DuckDBPyConnection,
    contract: Entity,
    batch: list[LandingFile],
    restrictions: dict[str, frozenset[str]],
) -> dict[str, int]:
    """A forced reload of some months reads only those months' lines of a file without a period
    in its name; the others are not part of this load (not read, not counted)."""
    outside: dict[str, int] = {}
    for landing in batch:
        months = restrictions.get(landing.rel)
        if months is None or contract.period_column is None:
            continue
        column = ident(contract.period_column)
        listed = ", ".join(quote_literal(month) for month in sorted(months))
        count = con.execute(
            f"DELETE FROM _checked WHERE _file = ? AND {column} IS NOT NULL "
            f"AND strftime({column}, '%Y-%m') NOT IN ({listed})",
            [landing.rel],
        ).fetchall()[0][0]
        if count:
            outside[landing.rel] = count
    return outside


def _span_without_period(
    con: duckdb.DuckDBPyConnection, contract: Entity, batch: list[LandingFile]
) -> None:
    """A line of a file without a period in its name needs its period column to have a month."""
    if contract.period_column is None or all(f.period is not None for f in batch):
        return
    column = contract.period_column
    reason = (
        f"no {column}: this file's name carries no period, so each line's {column} says which "
        "month it belongs to"
    )
    con.execute(
        f"""
        INSERT INTO _problems
        SELECT c._file, c._line, {quote_literal(column)}, NULL, {quote_literal(reason)},
               {quote_literal(column + ".missing")}
        FROM _checked AS c JOIN _batch_files AS f ON f.rel = c._file
        WHERE f.period IS NULL AND c.{ident(column)} IS NULL AND c.{ident("_p_" + column)} IS NULL
        """
    )


def _samples(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[list[str], list[str]]]:
    """The first problems of each file, in plain words, split by what happened to the row."""
    samples: dict[str, tuple[list[str], list[str]]] = {}
    for rel, line, column, value, reason, disposition in con.execute(
        f"""
        SELECT _file, _line, column_name, value, reason, disposition FROM (
            SELECT p.*, l.disposition, row_number() OVER (
                PARTITION BY p._file, l.disposition ORDER BY p._line, p.column_name
            ) AS n
            FROM _problems AS p JOIN _lines AS l USING (_file, _line)
        ) WHERE n <= {_SAMPLE_PROBLEMS} ORDER BY _file, _line, column_name
        """
    ).fetchall():
        problems, exclusions = samples.setdefault(rel, ([], []))
        if column is None:
            text = f"line {line}: {reason}"
        else:
            shown = "empty" if value is None else repr(value)
            text = f"line {line}, column {column}: {reason} (value {shown})"
        (exclusions if disposition == EXCLUDED else problems).append(text)
    return samples


def _bronze_select(
    contract: Entity,
    load_id: str,
    loaded_at: dt.datetime,
    has_problems: bool,
) -> str:
    """The rows a load writes: typed columns plus lineage, minus every line with a problem."""
    columns = [f"c.{ident(name)}" for name in contract.column_names]
    lineage = [
        f"{quote_literal(load_id)} AS _load_id",
        "c._file AS _source_file",
        "c._line AS _source_line",
        f"TIMESTAMP {quote_literal(loaded_at.isoformat(sep=' '))} AS _loaded_at",
    ]
    if contract.is_periodic:
        # A file with a period in its name delivers that period; one without delivers each
        # line's month.
        month = (
            f"strftime(c.{ident(contract.period_column)}, '%Y-%m')"
            if contract.period_column
            else "NULL"
        )
        lineage.append(f"coalesce(f.period, {month}) AS {DELIVERY_PERIOD_COLUMN}")
    select = (
        f"SELECT {', '.join(columns + lineage)} FROM _checked AS c "
        "JOIN _batch_files AS f ON f.rel = c._file WHERE f.is_loaded"
    )
    if has_problems:  # the anti-join costs a hash build; a clean batch skips it
        select = (
            f"SELECT * FROM ({select}) AS c ANTI JOIN _lines AS p "
            "ON p._file = c._source_file AND p._line = c._source_line"
        )
    return select


def _quarantine_select(contract: Entity, load_id: str, loaded_at: dt.datetime) -> str:
    return (
        f"SELECT {quote_literal(contract.name)} AS entity, {quote_literal(load_id)} AS load_id, "
        "p._file AS source_file, p._line AS line, p.column_name, p.value, p.reason, p.rule, "
        "l.disposition, "
        f"TIMESTAMP {quote_literal(loaded_at.isoformat(sep=' '))} AS quarantined_at "
        "FROM _problems AS p JOIN _lines AS l USING (_file, _line) "
        "ORDER BY p._file, p._line, p.column_name"
    )


def reconcile(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    contract: Entity,
    bronze_file: Path | None,
    outcomes: dict[str, FileLoad],
    loaded: list[str],
) -> bool:
    """Every file: rows read = rows written to bronze + quarantined + excluded, the written rows
    counted in the file just written. A file that does not add up fails, and the load is
    withdrawn whole (moved to bronze/_rejected/). True when everything reconciles."""
    written: dict[str, int] = {}
    if bronze_file is not None:
        written = dict(
            con.execute(
                "SELECT _source_file, count(*) FROM "
                f"read_parquet({quote_literal(str(bronze_file))}) GROUP BY _source_file"
            ).fetchall()
        )
    broken = []
    for rel in loaded:
        load = outcomes[rel]
        in_bronze = written.get(rel, 0)
        if load.rows_read != in_bronze + load.rows_quarantined + load.rows_excluded:
            broken.append(rel)
            load.status = FAILED
            load.message = (
                f"{rel}: does not reconcile: {load.rows_read} row(s) read, {in_bronze} written "
                f"to bronze, {load.rows_quarantined} quarantined, {load.rows_excluded} excluded; "
                "nothing of this load was kept"
            )
        load.rows_loaded = in_bronze
    if not broken:
        return True
    if bronze_file is not None:
        target = settings.bronze_dir / "_rejected" / contract.name
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(bronze_file), target / bronze_file.name)
    for rel in loaded:
        load = outcomes[rel]
        load.rows_loaded = 0
        if load.status == LOADED:
            load.status = FAILED
            load.message = f"{rel}: withdrawn with {broken[0]}, which shared its load"
    return False


def _record_periods(
    con: duckdb.DuckDBPyConnection, bronze_file: Path, outcomes: dict[str, FileLoad]
) -> None:
    """Months each file without a period in its name was loaded for (manifest `periods`)."""
    spans = [
        rel for rel, load in outcomes.items() if load.status == LOADED and not load.delivery_period
    ]
    if not spans or not bronze_file.exists():
        return
    for rel, months in con.execute(
        f"SELECT _source_file, list(DISTINCT {DELIVERY_PERIOD_COLUMN} ORDER BY "
        f"{DELIVERY_PERIOD_COLUMN}) FROM read_parquet({quote_literal(str(bronze_file))}) "
        "GROUP BY _source_file"
    ).fetchall():
        if rel in spans:
            outcomes[rel].periods = list(months)


def _fail_batch(settings, contract, batch, failures, message, load_id, loaded_at, report):
    records = []
    for landing in batch:
        load = FileLoad(
            landing.rel,
            landing.sha256,
            landing.size,
            FAILED,
            message=failures.get(landing.rel) or f"{landing.rel}: {message}",
            delivery_period=landing.period,
            load_id=load_id,
        )
        report.files.append(load)
        records.append(manifest_record(contract.name, landing, load, loaded_at, None))
    return records


def _derived_failure(derived: dict[str, str], error: duckdb.Error) -> str:
    # DuckDB quotes the offending value, which may be personal data: only its shape is kept.
    first = re.sub(r"'[^']*'", "'...'", str(error).splitlines()[0])
    listed = "; ".join(f"{name} = {expression}" for name, expression in derived.items())
    return (
        f"a derived column could not be computed ({listed}): {first}. Fix the expression under "
        "sources.<entity>.derived in kam.yml (try_cast instead of cast keeps a bad value a "
        "quarantined row instead of an error)"
    )
