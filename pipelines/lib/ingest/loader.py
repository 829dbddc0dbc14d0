"""`ingest_entity`: landing files of one entity -> bronze loads, quarantine and manifest records.

Steps per call: set aside orphaned bronze files, find the entity's landing files (refusing links
that lead outside the landing folder), skip what bronze already holds (history.py), put the new
files in delivery order, check each one's header, then load them in batches (batch_load.py: one
DuckDB scan, typing, derived columns and rules in SQL, bronze and quarantine written, every file
reconciled). Last, the entity's bad-row policy is judged over the whole call (policy.py): when it
fails, every load of the call is withdrawn.
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
from pipelines.lib.contract import ENTITIES, Entity
from pipelines.lib.contract import entity as contract_entity
from pipelines.lib.ingest import bronze
from pipelines.lib.ingest.batch_load import load_batch
from pipelines.lib.ingest.casting import (
    ValueRules,
    ident,
)
from pipelines.lib.ingest.errors import DiskFullError, disk_full
from pipelines.lib.ingest.files import (
    LandingGuard,
    delivery_period,
    discover_files,
    relative_name,
    unlistable_folders,
)
from pipelines.lib.ingest.history import LoadHistory
from pipelines.lib.ingest.manifest import append_records, manifest_record, read_manifest
from pipelines.lib.ingest.policy import judge_policy
from pipelines.lib.ingest.readers import (
    LandingFile,
    prepare_csv,
    prepare_parquet,
    prepare_xlsx,
)
from pipelines.lib.ingest.report import (
    EMPTY,
    FAILED,
    LOADED,
    SKIPPED_DUPLICATE,
    FileLoad,
    IngestReport,
)
from pipelines.lib.ingest.workbooks import missing_sheet_message, workbooks_without_sheet
from pipelines.lib.sql_text import quote_literal

# A batch of periodic files is read by one DuckDB scan and written as one bronze Parquet file;
# the budget bounds the memory one batch needs (DuckDB spills beyond memory_limit anyway).
BATCH_BYTES = 128 * 1024 * 1024
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
    report.home = settings.home

    for folder, reason in unlistable_folders(settings, entity):
        _fail_early(
            report,
            new_records,
            LandingFile(settings.landing / folder, f"{folder}/", "", 0, 0),
            f"{'the landing folder' if folder == '.' else folder + '/'}: cannot be listed "
            f"({reason}): the user running kam needs read and execute permission on it; "
            "none of its files were loaded",
        )
    found = discover_files(settings, entity)
    guard = LandingGuard(settings.landing)
    names = {path: relative_name(path, settings) for path in found}
    candidates: list[LandingFile] = []
    restrictions: dict[str, frozenset[str]] = {}
    for path in found:
        rel = names[path]
        if guard.leads_outside(path):
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
        try:
            sha256 = cache.sha256(rel, path, stat)
        except PermissionError as error:
            # Hashing is the first read of a new file: a file the run may not read fails here,
            # named, like any other bad delivery (and not as a traceback from deep in a reader).
            _fail_early(
                report,
                new_records,
                LandingFile(path, rel, "", stat.st_size, stat.st_mtime_ns, period),
                f"{rel}: cannot be read ({error.strerror or 'permission denied'}): the user "
                "running kam needs read permission on it; nothing of it was loaded",
            )
            continue
        landing = LandingFile(path, rel, sha256, stat.st_size, stat.st_mtime_ns, period)
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
    cache.keep_only(set(names.values()))
    cache.save()

    candidates = _in_delivery_order(candidates, contract, history, report, new_records, force)
    _check_workbook_sheets(settings, contract, history, report, new_records, say)
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
                    batch_records = load_batch(
                        con, settings, contract, batch, parents, rules, restrictions, report
                    )
                    append_records(settings, batch_records)
                    _log_batch(entity, batch_records, say)
    judge_policy(settings, contract, report)
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
        new_records.append(manifest_record(contract.name, landing, load, _utc_now(), None))
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


def _check_workbook_sheets(
    settings: Settings,
    contract: Entity,
    history: LoadHistory,
    report: IngestReport,
    new_records: list[dict],
    say: Log,
) -> None:
    """A workbook the entity's paths match but without its sheet fails when it delivered the
    entity before (its old rows would be republished as current), else is a warning."""
    source = settings.sources[contract.name]
    for path, sheets in workbooks_without_sheet(settings.landing, source.paths, source.sheets):
        rel = relative_name(path, settings)
        delivered = history.current(rel) is not None
        message = missing_sheet_message(rel, contract.name, source.sheets, sheets, delivered)
        if delivered:
            stat = path.stat()
            landing = LandingFile(path, rel, "", stat.st_size, stat.st_mtime_ns)
            _fail_early(report, new_records, landing, message)
        else:
            say(f"{contract.name}: warning: {message}")


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


# --------------------------------------------------------------------------------------------------
# Records and log lines


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
    new_records.append(manifest_record(report.entity, landing, load, _utc_now(), None))


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
        new_records.append(manifest_record(report.entity, landing, load, _utc_now(), None))


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
