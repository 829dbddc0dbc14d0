"""Take back loads that a quality gate rejected after they were written.

Row rules run while a file is parsed; the Great Expectations suite runs on the finished load, and
the entity's bad-row policy is judged over the whole run. When either fails, the load's Parquet is
moved to `bronze/_rejected/<entity>/` (kept, never deleted,
so the engineer can inspect it) and the manifest records `rejected` for each of its files. The
views no longer see it, and the landing files count as not loaded: every later run tries them again
and fails the same way until the file is corrected or removed, so a bad delivery is never silently
dropped.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.ingest.manifest import append_records, read_manifest
from pipelines.lib.ingest.report import LOADED, REJECTED, IngestReport

__all__ = ["REJECTED", "reject_loads"]


def reject_loads(settings: Settings, report: IngestReport, *, reason: str) -> list[Path]:
    """Withdraw the bronze files `report` wrote; return where they were moved."""
    moved = []
    load_ids = {path.stem for path in report.new_bronze_files}
    target_dir = settings.bronze_dir / "_rejected" / report.entity
    for path in report.new_bronze_files:
        if path.exists():
            target_dir.mkdir(parents=True, exist_ok=True)
            target = target_dir / path.name
            shutil.move(str(path), target)
            moved.append(target)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat()
    append_records(
        settings,
        [
            {**record, "status": REJECTED, "message": reason, "loaded_at": now}
            for record in read_manifest(settings, report.entity)
            if record.get("load_id") in load_ids and record.get("status") == LOADED
        ],
    )
    return moved
