"""`ingest_entity`: landing files of one entity -> bronze loads, quarantine and manifest records.

Steps per call: set aside orphaned bronze files, find the entity's landing files (refusing links
that lead outside the landing folder), skip what bronze already holds (history.py), check each new
file's header, read the new files in batches (one DuckDB scan per batch), type them, compute
derived columns and check every rule in SQL, write each batch's rows to bronze with its problems
(quarantined or excluded) beside it, and check that every file reconciles. Last, the entity's
bad-row policy is judged over the whole call: when it fails, every load of the call is withdrawn.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.content_hash import HashCache
from pipelines.lib.contract import DELIVERY_PERIOD_COLUMN, ENTITIES, Entity
from pipelines.lib.contract import entity as contract_entity
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
from pipelines.lib.ingest.errors import DiskFullError, disk_full
from pipelines.lib.ingest.files import (
    delivery_period,
    discover_files,
    leads_outside_landing,
    relative_name,
)
from pipelines.lib.ingest.history import LoadHistory
from pipelines.lib.ingest.manifest import append_records, read_manifest
from pipelines.lib.ingest.names import normalize_name
from pipelines.lib.ingest.readers import (
    LandingFile,
    drop_relation,
    prepare_csv,
    prepare_parquet,
    prepare_xlsx,
    quote_literal,
    raw_table_sql,
    read_csv_files,
    read_parquet_files,
    read_xlsx_files,
)
from pipelines.lib.ingest.rejection import reject_loads
from pipelines.lib.ingest.report import (
    EMPTY,
    FAILED,
    LOADED,
    SKIPPED_DUPLICATE,
    FileLoad,
    IngestReport,
)

# A batch of periodic files is read by one DuckDB scan and written as one bronze Parquet file;
# the budget bounds the memory one batch needs (DuckDB spills beyond memory_limit anyway).
BATCH_BYTES = 128 * 1024 * 1024
_SAMPLE_PROBLEMS = 5
# A derived expression with a window (`... over (partition by invoice_id order by _line)`) must
# see the rows of one file only, so its files are read one per batch.
_WINDOW = re.compile(r"\bover\s*\(", re.IGNORECASE)

Log = Callable[[str], None]


def ingest_entity(
    settings: Settings,
    entity: str,
    *,
    months: Sequence[str] | None = None,
    force: bool = False,
    log: Log | None = None,
    today: dt.date | None = None,
    baseline: Settings | None = None,
) -> IngestReport:
    """Load the entity's new landing files into bronze and report file by file.

    `months` ('YYYY-MM') restricts a periodic entity to those months (the monthly Dagster
    partitions): files whose name carries another period are left alone, and a forced reload of
    a file without a period in its name reloads only its lines of those months. `force` reloads
    content loaded before as a new, superseding load. `today` is the run date (UTC) that event
    times are checked against. `baseline` is the real home of a dry run (`kam check`): its
    manifest and bronze say what is loaded already and which keys exist, while everything this
    call writes goes under `settings.home`, a throwaway folder.
    Failures are reported, not raised: call `report.raise_for_failures()` to stop a run on them.
    A full disk is raised (DiskFullError), never reported as bad input.
    """
    contract = contract_entity(entity)
    say = log or (lambda message: None)
    today = today or dt.datetime.now(dt.UTC).date()
    report = IngestReport(entity=entity)
    new_records: list[dict] = []
    workdir = settings.build_dir / "tmp" / f"ingest-{os.getpid()}-{entity}"
    try:
        for orphan in bronze.set_aside_orphans(settings, entity):
            say(f"{entity}: set aside {orphan.name}: written by a load the manifest never recorded")
        _ingest(
            settings, contract, report, new_records, months, force, say, today, baseline, workdir
        )
    except (OSError, duckdb.Error) as error:
        full = disk_full(error, settings.bronze_dir)
        if full is None:
            raise
        raise full from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        _append_safely(settings, new_records)
    for record in new_records:
        say(_log_line(record))
    say(report.summary())
    return report


def _ingest(
    settings: Settings,
    contract: Entity,
    report: IngestReport,
    new_records: list[dict],
    months: Sequence[str] | None,
    force: bool,
    say: Log,
    today: dt.date,
    baseline: Settings | None,
    workdir: Path,
) -> None:
    entity = contract.name
    records = read_manifest(baseline, entity) if baseline is not None else []
    records += read_manifest(settings, entity)
    history = LoadHistory.from_records(records)
    cache = HashCache.load(_hash_cache_path(baseline or settings, entity))
    cache.path = _hash_cache_path(settings, entity)
    wanted = set(months or ()) if contract.is_periodic else set()
    report.quarantine_hint = _quarantine_hint(settings, entity)

    found = discover_files(settings, entity)
    candidates: list[LandingFile] = []
    restrictions: dict[str, frozenset[str]] = {}
    for path in found:
        rel = relative_name(path, settings)
        if leads_outside_landing(path, settings):
            _fail_early(
                report,
                new_records,
                LandingFile(path, rel, "", 0, 0),
                f"{rel}: a symbolic link to a file outside the landing folder; refused, nothing "
                "of it was read (copy the file into the landing folder instead)",
            )
            continue
        stat = path.stat()
        period = delivery_period(path) if contract.is_periodic else None
        if wanted and period is not None and period[:7] not in wanted:
            continue
        landing = LandingFile(
            path, rel, cache.sha256(rel, path, stat), stat.st_size, stat.st_mtime_ns, period
        )
        if stat.st_size == 0:
            _record_empty(report, new_records, history, landing, "the file is empty (0 bytes)")
            continue
        if not force and history.current_sha(rel) == landing.sha256:
            load_id = (history.current(rel) or {}).get("load_id")
            _skip(report, landing, f"{rel}: unchanged since it was loaded (load {load_id})")
            continue
        if force and wanted and _is_span(contract, landing):
            restrictions[rel] = frozenset(wanted)
        candidates.append(landing)
    cache.keep_only({relative_name(path, settings) for path in found})
    cache.save()

    candidates = _in_delivery_order(candidates, contract, history, report, new_records, force)
    source = settings.sources[entity]
    ready = _prepare(candidates, settings, contract, workdir, report, new_records)
    if ready:
        with _connect(settings) as con:
            parents = _parent_keys(con, settings, baseline, contract)
            if isinstance(parents, str):
                for landing in ready:
                    _fail_early(report, new_records, landing, f"{landing.rel}: {parents}")
            else:
                rules = ValueRules(
                    settings.vocabularies,
                    settings.default_country,
                    latest_event_date=today + dt.timedelta(days=settings.future_tolerance_days),
                    run_date=today,
                )
                for batch in _batches(ready, contract, source.derived):
                    batch_records = _load_batch(
                        con, settings, contract, batch, parents, rules, restrictions, report
                    )
                    append_records(settings, batch_records)
                    _log_batch(entity, batch_records, say)
    _judge_policy(settings, contract, report)
    never_loaded = not report.loaded and not history.has_standing_loads
    if contract.is_required and never_loaded and not report.failed:
        report.problems.append(
            f"required, but nothing was ever loaded: no landing file with rows matches "
            f"{', '.join(source.paths)} in {settings.landing} (sources.{entity}.paths in kam.yml)"
        )


# --------------------------------------------------------------------------------------------------
# Which files are loaded, and in which order


def _is_span(contract: Entity, landing: LandingFile) -> bool:
    """A periodic entity's file whose name carries no period: its lines say which months."""
    return contract.is_periodic and landing.period is None


def _in_delivery_order(
    candidates: list[LandingFile],
    contract: Entity,
    history: LoadHistory,
    report: IngestReport,
    new_records: list[dict],
    force: bool,
) -> list[LandingFile]:
    """Candidates in the order they were delivered (file time, then name); the later wins.

    A new file is skipped as a copy only when its content is what the entity's latest load
    carries for the same slot (the same period, or the entity for snapshot entities) and no
    other file of this call loads before it: then loading it would change nothing. The skip is
    recorded with that load's id, so the copy counts as holding that content from then on and
    is never loaded later over a newer delivery.
    """
    ordered = sorted(candidates, key=lambda f: (f.mtime_ns, f.rel))
    if force:
        return ordered
    latest = history.latest_load()
    carried = {
        (_slot(contract, record.get("delivery_period")), record["sha256"]): record["load_id"]
        for record in latest
    }
    kept: list[LandingFile] = []
    for landing in ordered:
        slot = _slot(contract, landing.period)
        load_id = carried.get((slot, landing.sha256)) if slot is not None else None
        if load_id is None or kept:
            kept.append(landing)
            continue
        what = "period" if contract.is_periodic else "entity"
        load = FileLoad(
            landing.rel,
            landing.sha256,
            landing.size,
            SKIPPED_DUPLICATE,
            load_id=load_id,
            delivery_period=landing.period,
            message=f"{landing.rel}: same content as the latest load of this {what} "
            f"(load {load_id}); skipped",
        )
        report.files.append(load)
        new_records.append(_record(contract.name, landing, load, _utc_now(), None))
    return kept


def _slot(contract: Entity, period: str | None) -> str | None:
    """What a load replaces: its period (periodic), everything (snapshot), or None for a file
    without a period in its name, which is never taken for a copy of another."""
    return period if contract.is_periodic else "*"


def _batches(
    files: list[LandingFile], contract: Entity, derived: dict[str, str]
) -> list[list[LandingFile]]:
    """Group files (already in delivery order) into loads.

    Periodic files of one format share a load up to BATCH_BYTES, but never two files of the same
    delivery period: "latest load per period wins" downstream needs them in successive loads. A
    file without a period in its name is a load of its own (its months overlap other files'),
    and so is every file when a derived column uses a window. Snapshot entities load file by
    file, so "latest version per key" never ties.
    """
    windowed = any(_WINDOW.search(expression) for expression in derived.values())
    if not contract.is_periodic or windowed:
        return [[f] for f in files]
    batches: list[list[LandingFile]] = []
    current: list[LandingFile] = []
    periods: set[str | None] = set()
    size = 0
    for landing in files:
        alone = landing.period is None
        if current and (
            alone
            or current[0].period is None
            or landing.kind != current[0].kind
            or landing.period in periods
            or size + landing.size > BATCH_BYTES
        ):
            batches.append(current)
            current, periods, size = [], set(), 0
        current.append(landing)
        periods.add(landing.period)
        size += landing.size
    if current:
        batches.append(current)
    return batches


# --------------------------------------------------------------------------------------------------
# Reading, typing, checking, writing


@contextmanager
def _connect(settings: Settings):
    """One in-memory DuckDB per call, sized by the config; extensions are never downloaded."""
    temp = settings.build_dir / "tmp" / "duckdb"
    temp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:",
        config={
            "threads": settings.duckdb_threads,
            "memory_limit": settings.duckdb_memory_limit,
            "temp_directory": str(temp),
            "preserve_insertion_order": True,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    try:
        yield con
    finally:
        con.close()


def _prepare(
    candidates: list[LandingFile],
    settings: Settings,
    contract: Entity,
    workdir: Path,
    report: IngestReport,
    new_records: list[dict],
) -> list[LandingFile]:
    """Header and encoding checks per file; a file failing them never reaches a batch."""
    source = settings.sources[contract.name]
    ready = []
    for landing in candidates:
        if landing.kind == "csv":
            failure = prepare_csv(landing, source, contract, workdir)
        elif landing.kind == "parquet":
            failure = prepare_parquet(landing, source, contract)
        else:
            failure = prepare_xlsx(landing, source, contract)
        if failure:
            _fail_early(report, new_records, landing, failure)
        else:
            ready.append(landing)
    return ready


def _parent_keys(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    baseline: Settings | None,
    contract: Entity,
) -> dict[str, str] | str:
    """Temp tables of the parent keys each reference is checked against, or why there are none.

    A reference to an optional entity that was never delivered is not checked: no check may
    demand rows of an input that is not there (its marts say so instead). A dry run also knows
    the keys its real home holds.
    """
    tables: dict[str, str] = {}
    for column, parent in contract.references.items():
        folders = [bronze.entity_dir(s, parent) for s in (settings, baseline) if s is not None]
        patterns = [
            quote_literal(str(folder / "*.parquet"))
            for folder in folders
            if folder.is_dir() and any(folder.glob("*.parquet"))
        ]
        if not patterns:
            if not ENTITIES[parent].is_required:
                continue
            return (
                f"cannot check {column} against {parent}: {parent} has no bronze data yet; "
                f"ingest {parent} before {contract.name}"
            )
        key = ENTITIES[parent].key[0]
        table = f"_parent_{column}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT DISTINCT {ident(key)} AS key "
            f"FROM read_parquet([{', '.join(patterns)}], union_by_name=true)"
        )
        tables[column] = table
    return tables


def _load_batch(
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
    _span_without_period(con, contract)
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
    samples = _samples(con)
    has_problems = bool(line_counts)

    outcomes: dict[str, FileLoad] = {}
    for landing in batch:
        load = _outcome(landing, contract, source, load_id, read_counts, line_counts, samples)
        if landing.rel in failures:
            load.status, load.message, load.rows_read = FAILED, failures[landing.rel], 0
            load.rows_quarantined = load.rows_excluded = 0
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
        select = _bronze_select(contract, to_write, load_id, loaded_at, has_problems)
        bronze.write_parquet(con, select, bronze_file)
    if loaded and not _reconcile(con, settings, contract, bronze_file, outcomes, loaded):
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
        records.append(
            _record(contract.name, landing, load, loaded_at, bronze_file if keeps_file else None)
        )
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
    con.execute("CREATE OR REPLACE TEMP TABLE _batch_files (rel VARCHAR, period VARCHAR)")
    rows = [(f.rel, f.period) for f in batch if f.rel not in failures]
    if rows:
        con.executemany("INSERT INTO _batch_files VALUES (?, ?)", rows)


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


def _span_without_period(con: duckdb.DuckDBPyConnection, contract: Entity) -> None:
    """A line of a file without a period in its name needs its period column to have a month."""
    if not contract.is_periodic or contract.period_column is None:
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
    loaded: list[str],
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
    listed = ", ".join(quote_literal(rel) for rel in loaded)
    select = (
        f"SELECT {', '.join(columns + lineage)} FROM _checked AS c "
        f"JOIN _batch_files AS f ON f.rel = c._file WHERE f.rel IN ({listed})"
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


def _reconcile(
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
        records.append(_record(contract.name, landing, load, loaded_at, None))
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


# --------------------------------------------------------------------------------------------------
# The entity's bad-row policy, over the whole call


def _judge_policy(settings: Settings, contract: Entity, report: IngestReport) -> None:
    """Fail the entity's run when its quarantined rows exceed BOTH the share of the rows read
    and the absolute allowance; then withdraw every load of the call.

    Judged over the call, not per file: one bad row in a 35-row daily file stays within the
    allowance, while the share scales with a first load of millions of rows.
    """
    loaded = report.loaded
    rows = sum(f.rows_read for f in loaded)
    bad = sum(f.rows_quarantined for f in loaded)
    share, allowance = settings.bad_row_policy(contract.name)
    if not loaded or bad <= allowance or bad <= share * rows:
        return
    key = f"sources.{contract.name}" if _has_own_policy(settings, contract.name) else "ingest"
    report.problems.append(
        f"{bad:,} of {rows:,} rows ({bad / rows:.1%}) broke row rules in this run: more than "
        f"both the allowed share {share:.1%} ({key}.max_bad_row_share in kam.yml) and the "
        f"allowance of {allowance:,} row(s) ({key}.max_bad_rows); nothing of this run's "
        f"{contract.name} was loaded"
    )
    reason = f"withdrawn: {contract.name}'s bad-row policy failed in this run"
    reject_loads(settings, report, reason=reason)
    report.new_bronze_files.clear()
    for load in loaded:
        load.status = FAILED
        load.rows_loaded = 0
        load.message = (
            f"{load.file}: {load.rows_quarantined} of {load.rows_read} row(s) quarantined; {reason}"
        )


def _has_own_policy(settings: Settings, entity: str) -> bool:
    source = settings.sources.get(entity)
    return source is not None and (
        source.max_bad_row_share is not None or source.max_bad_rows is not None
    )


def _quarantine_hint(settings: Settings, entity: str) -> str:
    folder = bronze.quarantine_dir(settings, entity)
    return (
        f"quarantined rows: {folder}/<load>.parquet; list them with "
        f"`kam quarantine --home {settings.home} --entity {entity}`"
    )


# --------------------------------------------------------------------------------------------------
# Records and log lines


def _record(
    entity: str,
    landing: LandingFile,
    load: FileLoad,
    loaded_at: dt.datetime,
    bronze_file: Path | None,
) -> dict:
    return {
        "entity": entity,
        "file": landing.rel,
        "sha256": landing.sha256,
        "size": landing.size,
        "mtime_ns": landing.mtime_ns,
        "rows_read": load.rows_read,
        "rows_loaded": load.rows_loaded,
        "rows_quarantined": load.rows_quarantined,
        "rows_excluded": load.rows_excluded,
        "load_id": load.load_id,
        "loaded_at": loaded_at.isoformat(),
        "status": load.status,
        "message": load.message,
        "delivery_period": landing.period,
        "periods": load.periods or None,
        "bronze_file": bronze_file.name if bronze_file else None,
        "columns_mapped": load.columns_mapped or None,
        "columns_derived": load.columns_derived or None,
        "columns_ignored": load.columns_ignored or None,
        "notes": "; ".join(landing.notes) or None,
    }


def _skip(report: IngestReport, landing: LandingFile, message: str) -> None:
    report.files.append(
        FileLoad(
            landing.rel,
            landing.sha256,
            landing.size,
            SKIPPED_DUPLICATE,
            delivery_period=landing.period,
            message=message,
        )
    )


def _fail_early(
    report: IngestReport, new_records: list[dict], landing: LandingFile, message: str
) -> None:
    """A file that failed before any row was read: reported and recorded with its reason."""
    load = FileLoad(
        landing.rel,
        landing.sha256,
        landing.size,
        FAILED,
        message=message,
        delivery_period=landing.period,
    )
    report.files.append(load)
    new_records.append(_record(report.entity, landing, load, _utc_now(), None))


def _record_empty(
    report: IngestReport,
    new_records: list[dict],
    history: LoadHistory,
    landing: LandingFile,
    why: str,
) -> None:
    """An empty file never replaces or wipes loaded data; it is recorded once per content."""
    load = FileLoad(
        landing.rel,
        landing.sha256,
        landing.size,
        EMPTY,
        message=f"{landing.rel}: {why}; nothing loaded",
        delivery_period=landing.period,
    )
    report.files.append(load)
    if (landing.rel, landing.sha256) not in history.recorded_empty:
        new_records.append(_record(report.entity, landing, load, _utc_now(), None))


def _append_safely(settings: Settings, records: list[dict]) -> None:
    """Append the records of files that failed early; a full disk here is reported as such."""
    try:
        append_records(settings, records)
    except OSError as error:
        full = disk_full(error, settings.bronze_dir)
        if full is None:
            raise
        raise full from None


def _log_batch(entity: str, batch_records: list[dict], say: Log) -> None:
    """Clean files are summed up per batch (a first load has ~1,500 daily files); a file with
    quarantined or excluded rows, or a failure, gets its own line."""
    for record in batch_records:
        if record["status"] != LOADED or record["rows_quarantined"] or record["rows_excluded"]:
            say(_log_line(record))
    clean = [r for r in batch_records if r["status"] == LOADED]
    if clean:
        rows = sum(r.get("rows_loaded") or 0 for r in clean)
        say(f"{entity}: {len(clean)} file(s) loaded, {rows:,} row(s)")


def _hash_cache_path(settings: Settings, entity: str) -> Path:
    return settings.build_dir / "cache" / "landing_hashes" / f"{entity}.json"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _log_line(record: dict) -> str:
    return f"{record['entity']}: {record['status']}: {record['message']}"


__all__ = ["DiskFullError", "ingest_entity"]
