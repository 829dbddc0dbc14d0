"""The load manifest: an append-only JSON-lines file, one record per landing file per attempt.

JSON lines because a record is appended with one `write` + `fsync` (no rewrite of earlier records,
readable with `tail`, `jq`, or DuckDB's read_json) and because the manifest must survive the loss of
build/ and published/: together with the bronze Parquet files it is the system of record.

A `loaded` record says which content a landing path holds in bronze (history.py decides from them
what a run loads again); a later `rejected` record withdraws it. An unchanged file that is skipped
is not recorded (that would add ~1,500 lines per nightly run and say nothing new); a new file
skipped as a copy of the latest load is, once, with that load's id (`skipped_duplicate`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.lib.config import Settings

if TYPE_CHECKING:
    from pipelines.lib.ingest.readers import LandingFile
    from pipelines.lib.ingest.report import FileLoad

# Column names and DuckDB types of a manifest record (also the typed `bronze.load_manifest` view).
MANIFEST_COLUMNS: dict[str, str] = {
    "entity": "VARCHAR",
    "file": "VARCHAR",
    "sha256": "VARCHAR",
    "size": "BIGINT",
    "mtime_ns": "BIGINT",
    "rows_read": "BIGINT",
    "rows_loaded": "BIGINT",
    "rows_quarantined": "BIGINT",
    "rows_excluded": "BIGINT",
    "load_id": "VARCHAR",
    "loaded_at": "TIMESTAMP",
    "status": "VARCHAR",
    "message": "VARCHAR",
    "delivery_period": "VARCHAR",
    # Lists in the file, JSON text in the view (every engine's bronze copy can hold text):
    # the months a file without a period in its name was loaded for,
    "periods": "VARCHAR",
    "bronze_file": "VARCHAR",
    # and the file's columns as read: "account_id", "Conta -> account_id", "net_amount = ...".
    "columns_mapped": "VARCHAR",
    "columns_derived": "VARCHAR",
    "columns_ignored": "VARCHAR",
    "notes": "VARCHAR",
}


def manifest_path(settings: Settings) -> Path:
    return settings.bronze_dir / "_manifest" / "loads.jsonl"


def read_manifest(settings: Settings, entity: str | None = None) -> list[dict[str, Any]]:
    """All records (of one entity when given), oldest first.

    A torn last line (a crash during an append) is ignored: its load's Parquet file, if written,
    is then treated as an orphan and set aside on the next run.
    """
    path = manifest_path(settings)
    if not path.is_file():
        return []
    records = []
    with path.open("r", encoding="utf-8") as handle:
        for text in handle:
            text = text.strip()
            if not text:
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                continue
            if entity is None or record.get("entity") == entity:
                records.append(record)
    return records


def append_records(settings: Settings, records: Iterable[dict[str, Any]]) -> None:
    """Append records in one write and fsync, so a crash leaves whole lines or a torn last one."""
    lines = [json.dumps(record, ensure_ascii=False, default=str) for record in records]
    if not lines:
        return
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = ("\n".join(lines) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.fstat(fd).st_size:
            # Start on a fresh line even if a previous append was torn mid-line.
            with path.open("rb") as check:
                check.seek(-1, os.SEEK_END)
                if check.read(1) != b"\n":
                    payload = b"\n" + payload
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


def manifest_record(
    entity: str,
    landing: LandingFile,
    load: FileLoad,
    loaded_at: dt.datetime,
    bronze_file: Path | None,
) -> dict[str, Any]:
    """The manifest record of one landing file's attempt (one line of loads.jsonl)."""
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
