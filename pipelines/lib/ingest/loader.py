"""`ingest_entity`: landing files of one entity -> bronze loads, quarantine and manifest records.

Steps per call: set aside orphaned bronze files, find the entity's landing files, skip content
already loaded (sha256, under any name), check each new file's header, read the new files in
batches (one DuckDB scan per batch), type and check them in SQL, then per file either load its
valid rows (quarantining the bad ones) or fail it whole when too many rows are bad.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.contract import DELIVERY_PERIOD_COLUMN, ENTITIES, Entity
from pipelines.lib.contract import entity as contract_entity
from pipelines.lib.ingest import bronze
from pipelines.lib.ingest.casting import (
    ValueRules,
    build_checked,
    build_problems,
    ident,
    parse_format_for,
)
from pipelines.lib.ingest.errors import IngestError
from pipelines.lib.ingest.files import delivery_period, discover_files, relative_name, sha256_file
from pipelines.lib.ingest.manifest import append_records, read_manifest
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
from pipelines.lib.ingest.reconcile import quarantine_swallowed, unreconciled_message
from pipelines.lib.ingest.rejection import REJECTED
from pipelines.lib.ingest.report import (
    EMPTY,
    FAILED,
    LOADED,
    SKIPPED_DUPLICATE,
    FileLoad,
    IngestReport,
)
from pipelines.lib.ingest.workbooks import missing_sheet_message, workbooks_without_sheet

# A batch of invoice files is read by one DuckDB scan and written as one bronze Parquet file;
# the budget bounds the memory one batch needs (DuckDB spills beyond memory_limit anyway).
BATCH_BYTES = 128 * 1024 * 1024
_SAMPLE_PROBLEMS = 5

Log = Callable[[str], None]


def ingest_entity(
    settings: Settings,
    entity: str,
    *,
    months: Sequence[str] | None = None,
    force: bool = False,
    log: Log | None = None,
) -> IngestReport:
    """Load the entity's new landing files into bronze and report file by file.

    `months` ('YYYY-MM') restricts invoice_lines to files whose delivery period falls in them (the
    monthly Dagster partitions); `force` reloads content loaded before as a new, superseding load.
    Failures are reported, not raised: call `report.raise_for_failures()` to stop a run on them.
    """
    contract = contract_entity(entity)
    say = log or (lambda message: None)
    report = IngestReport(entity=entity)

    for orphan in bronze.set_aside_orphans(settings, entity):
        say(f"{entity}: set aside {orphan.name}: written by a load the manifest never recorded")

    records = read_manifest(settings, entity)
    loaded_hashes: set[str] = set()
    for record in records:  # oldest first: a later rejection withdraws an earlier load
        if record.get("status") == LOADED:
            loaded_hashes.add(record["sha256"])
        elif record.get("status") == REJECTED:
            loaded_hashes.discard(record["sha256"])
    known_hashes = {(r["file"], r.get("size"), r.get("mtime_ns")): r["sha256"] for r in records}
    recorded_empty = {(r["file"], r["sha256"]) for r in records if r.get("status") == EMPTY}
    wanted_months = set(months or ()) if entity == "invoice_lines" else set()

    candidates: list[LandingFile] = []
    seen_this_call: set[str] = set()
    new_records: list[dict] = []
    for path in discover_files(settings, entity):
        rel = relative_name(path, settings)
        stat = path.stat()
        period = None
        if entity == "invoice_lines":
            try:
                period = delivery_period(path)
            except IngestError as error:
                _fail_early(
                    report, new_records, rel, "", stat, str(error).replace(path.name, rel, 1)
                )
                continue
            if wanted_months and period[:7] not in wanted_months:
                continue
        sha = known_hashes.get((rel, stat.st_size, stat.st_mtime_ns)) or sha256_file(path)
        landing = LandingFile(path, rel, sha, stat.st_size, stat.st_mtime_ns, period)
        if stat.st_size == 0:
            _record_empty(
                report, new_records, recorded_empty, landing, "the file is empty (0 bytes)"
            )
            continue
        if (sha in loaded_hashes and not force) or sha in seen_this_call:
            report.files.append(
                FileLoad(
                    rel,
                    sha,
                    stat.st_size,
                    SKIPPED_DUPLICATE,
                    delivery_period=period,
                    message=f"{rel}: same content as a file already loaded; skipped",
                )
            )
            continue
        seen_this_call.add(sha)
        candidates.append(landing)

    _check_workbook_sheets(settings, contract, records, report, new_records, say)

    workdir = settings.build_dir / "tmp" / f"ingest-{os.getpid()}-{entity}"
    try:
        ready = _prepare(candidates, settings, contract, workdir, report, new_records)
        if ready:
            with _connect(settings) as con:
                parents = _parent_keys(con, settings, contract)
                if isinstance(parents, str):
                    for landing in ready:
                        _fail_early(
                            report,
                            new_records,
                            landing.rel,
                            landing.sha256,
                            landing,
                            f"{landing.rel}: {parents}",
                            landing.period,
                        )
                else:
                    for batch in _batches(ready, entity):
                        batch_records = _load_batch(con, settings, contract, batch, parents, report)
                        append_records(settings, batch_records)
                        # Clean files are summed up per batch (a first load has ~1,500 daily
                        # files); a file with quarantined rows or a failure gets its own line.
                        for record in batch_records:
                            if record["status"] != LOADED or record.get("rows_quarantined"):
                                say(_log_line(record))
                        clean = [r for r in batch_records if r["status"] == LOADED]
                        if clean:
                            rows = sum(r.get("rows_loaded") or 0 for r in clean)
                            say(f"{entity}: {len(clean)} file(s) loaded, {rows:,} row(s)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        append_records(settings, new_records)
    for record in new_records:
        say(_log_line(record))
    say(report.summary())
    return report


# --------------------------------------------------------------------------------------------------


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
            _fail_early(
                report, new_records, landing.rel, landing.sha256, landing, failure, landing.period
            )
        else:
            ready.append(landing)
    return ready


def _check_workbook_sheets(settings, contract, records, report, new_records, say) -> None:
    """A workbook the entity's paths match but without its sheet fails when it delivered the
    entity before (its old rows would be republished as current), else is a warning."""
    source = settings.sources[contract.name]
    delivered = {r["file"] for r in records if r.get("status") == LOADED}
    for path, sheets in workbooks_without_sheet(settings.landing, source.paths, source.sheets):
        rel = relative_name(path, settings)
        message = missing_sheet_message(rel, contract.name, source.sheets, sheets, rel in delivered)
        if rel in delivered:
            _fail_early(report, new_records, rel, "", path.stat(), message)
        else:
            say(f"{contract.name}: warning: {message}")


def _parent_keys(
    con: duckdb.DuckDBPyConnection, settings: Settings, contract: Entity
) -> dict[str, str] | str:
    """Temp tables of the parent keys each reference is checked against, or why there are none.

    A reference to an optional entity that was never delivered is not checked: no check may
    demand rows of an input that is not there (its marts say so instead).
    """
    tables: dict[str, str] = {}
    for column, parent in contract.references.items():
        folder = bronze.entity_dir(settings, parent)
        if not (folder.is_dir() and any(folder.glob("*.parquet"))):
            if not ENTITIES[parent].is_required:
                continue
            return (
                f"cannot check {column} against {parent}: {parent} has no bronze data yet; "
                f"ingest {parent} before {contract.name}"
            )
        key = ENTITIES[parent].key[0]
        table = f"_parent_{column}"
        pattern = quote_literal(str(folder / "*.parquet"))
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS "
            f"SELECT DISTINCT {ident(key)} AS key FROM read_parquet({pattern}, union_by_name=true)"
        )
        tables[column] = table
    return tables


def _batches(files: list[LandingFile], entity: str) -> list[list[LandingFile]]:
    """Group files into loads.

    Invoice files of one format share a load up to BATCH_BYTES, but never two files of the same
    delivery period: "latest load per period wins" downstream needs them in successive loads (in
    file-time order). Other entities load file by file, so "latest version per key" never ties.
    """
    if entity != "invoice_lines":
        return [[f] for f in files]
    batches: list[list[LandingFile]] = []
    for kind in ("csv", "parquet", "xlsx"):
        current: list[LandingFile] = []
        periods: set[str | None] = set()
        size = 0
        ordered = sorted(
            (f for f in files if f.kind == kind), key=lambda f: (f.period, f.mtime_ns, f.rel)
        )
        for landing in ordered:
            if current and (landing.period in periods or size + landing.size > BATCH_BYTES):
                batches.append(current)
                current, periods, size = [], set(), 0
            current.append(landing)
            periods.add(landing.period)
            size += landing.size
        if current:
            batches.append(current)
    return batches


def _load_batch(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    contract: Entity,
    batch: list[LandingFile],
    parents: dict[str, str],
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
    rules = ValueRules(settings.vocabularies, settings.default_country)
    build_checked(con, "_raw", "_checked", contract, parse_format_for(kind, source), rules)
    build_problems(con, "_checked", "_problems", contract, parents)
    # Values that swallowed lines (found by readers.py) are quarantined with every record in them.
    swallowed_records = quarantine_swallowed(
        con, "_problems", {f.rel: f.swallowed for f in batch if f.swallowed}
    )

    read_counts = dict(
        con.execute("SELECT _file, count(*) FROM _checked GROUP BY _file").fetchall()
    )
    bad_counts = dict(
        con.execute("SELECT _file, count(DISTINCT _line) FROM _problems GROUP BY _file").fetchall()
    )
    for rel, records in swallowed_records.items():  # besides each swallowing row's own
        read_counts[rel] = read_counts.get(rel, 0) + records
        bad_counts[rel] = bad_counts.get(rel, 0) + records
    samples: dict[str, list[str]] = {}
    for rel, line, column, value, reason in con.execute(
        f"""
        SELECT _file, _line, column_name, value, reason FROM (
            SELECT *, row_number() OVER (PARTITION BY _file ORDER BY _line, column_name) AS n
            FROM _problems
        ) WHERE n <= {_SAMPLE_PROBLEMS} ORDER BY _file, _line, column_name
        """
    ).fetchall():
        shown = "empty" if value is None else repr(value)
        samples.setdefault(rel, []).append(
            f"line {line}, column {column}: {reason} (value {shown})"
        )

    load_id, loaded_at = bronze.new_load_id("".join(f.sha256 for f in batch))
    share = settings.max_bad_row_share
    outcomes: dict[str, FileLoad] = {}
    for landing in batch:
        rows = read_counts.get(landing.rel, 0)
        bad = bad_counts.get(landing.rel, 0)
        load = FileLoad(
            landing.rel,
            landing.sha256,
            landing.size,
            LOADED,
            rows_read=rows,
            rows_quarantined=bad,
            load_id=load_id,
            delivery_period=landing.period,
            sample_problems=samples.get(landing.rel, []),
        )
        if landing.rel in failures:
            load.status, load.message, load.rows_read = FAILED, failures[landing.rel], 0
        elif unreconciled_message(landing.rel, landing.records_delivered, rows):
            load.status, load.rows_read = FAILED, 0
            load.message = unreconciled_message(landing.rel, landing.records_delivered, rows)
        elif rows == 0:
            load.status = EMPTY
            load.message = f"{landing.rel}: the file has a header but no rows; nothing loaded"
        elif bad / rows > share:
            load.status = FAILED
            load.message = (
                f"{landing.rel}: {bad} of {rows} rows ({bad / rows:.1%}) broke row rules, more "
                f"than the allowed {share:.1%} (ingest.max_bad_row_share in kam.yml); nothing of "
                f"this file was loaded; every problem is in bronze.quarantine (load {load_id})"
            )
        else:
            load.rows_loaded = rows - bad
            load.message = f"{landing.rel}: {rows - bad} row(s) loaded" + (
                f", {bad} quarantined (see bronze.quarantine, load {load_id})" if bad else ""
            )
        outcomes[landing.rel] = load

    loaded = [rel for rel, load in outcomes.items() if load.status == LOADED]
    bronze_file = None
    if loaded:
        bronze_file = bronze.entity_dir(settings, contract.name) / f"{load_id}.parquet"
        select = _bronze_select(contract, batch, loaded, load_id, loaded_at, con, bool(bad_counts))
        bronze.write_parquet(con, select, bronze_file)
        report.new_bronze_files.append(bronze_file)
    if bad_counts:
        target = bronze.quarantine_dir(settings, contract.name) / f"{load_id}.parquet"
        bronze.write_parquet(con, _quarantine_select(contract, load_id, loaded_at), target)
        report.new_quarantine_files.append(target)

    records = []
    for landing in batch:
        load = outcomes[landing.rel]
        report.files.append(load)
        records.append(
            _record(
                contract.name,
                landing,
                load,
                loaded_at,
                bronze_file if load.status == LOADED else None,
            )
        )
    for relation in ("_raw", "_raw_stage", "_checked", "_problems"):
        drop_relation(con, relation)
    return records


def _bronze_select(
    contract: Entity,
    batch: list[LandingFile],
    loaded: list[str],
    load_id: str,
    loaded_at: dt.datetime,
    con: duckdb.DuckDBPyConnection,
    has_problems: bool,
) -> str:
    """The rows a load writes: typed columns plus lineage, minus every line with a problem."""
    con.execute("CREATE OR REPLACE TEMP TABLE _batch_files (rel VARCHAR, period VARCHAR)")
    con.executemany(
        "INSERT INTO _batch_files VALUES (?, ?)",
        [(f.rel, f.period) for f in batch if f.rel in loaded],
    )
    columns = [f"c.{ident(name)}" for name in contract.column_names]
    lineage = [
        f"{quote_literal(load_id)} AS _load_id",
        "c._file AS _source_file",
        "c._line AS _source_line",
        f"TIMESTAMP {quote_literal(loaded_at.isoformat(sep=' '))} AS _loaded_at",
    ]
    if contract.name == "invoice_lines":
        lineage.append(f"f.period AS {DELIVERY_PERIOD_COLUMN}")
    select = (
        f"SELECT {', '.join(columns + lineage)} FROM _checked AS c "
        "JOIN _batch_files AS f ON f.rel = c._file"
    )
    if has_problems:  # the anti-join costs a hash build; a clean batch skips it
        select += (
            " ANTI JOIN (SELECT DISTINCT _file, _line FROM _problems) AS p "
            "ON p._file = c._file AND p._line = c._line"
        )
    return select


def _quarantine_select(contract: Entity, load_id: str, loaded_at: dt.datetime) -> str:
    return (
        f"SELECT {quote_literal(contract.name)} AS entity, {quote_literal(load_id)} AS load_id, "
        "_file AS source_file, _line AS line, column_name, value, reason, "
        f"TIMESTAMP {quote_literal(loaded_at.isoformat(sep=' '))} AS quarantined_at "
        "FROM _problems ORDER BY _file, _line, column_name"
    )


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
        "load_id": load.load_id,
        "loaded_at": loaded_at.isoformat(),
        "status": load.status,
        "message": load.message,
        "delivery_period": landing.period,
        "bronze_file": bronze_file.name if bronze_file else None,
        "notes": "; ".join(landing.notes) or None,
    }


def _fail_early(report, new_records, rel, sha, stat_or_landing, message, period=None) -> None:
    """A file that failed before any row was read: reported and recorded with its reason."""
    size = getattr(stat_or_landing, "st_size", getattr(stat_or_landing, "size", 0))
    mtime = getattr(stat_or_landing, "st_mtime_ns", getattr(stat_or_landing, "mtime_ns", None))
    load = FileLoad(rel, sha, size, FAILED, message=message, delivery_period=period)
    report.files.append(load)
    landing = LandingFile(Path(rel), rel, sha, size, mtime or 0, period)
    new_records.append(_record(report.entity, landing, load, _utc_now(), None))


def _record_empty(report, new_records, recorded_empty, landing: LandingFile, why: str) -> None:
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
    if (landing.rel, landing.sha256) not in recorded_empty:
        new_records.append(_record(report.entity, landing, load, _utc_now(), None))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _log_line(record: dict) -> str:
    return f"{record['entity']}: {record['status']}: {record['message']}"
