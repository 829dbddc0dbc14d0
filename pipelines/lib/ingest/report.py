"""What one `ingest_entity` call did, file by file, for Dagster metadata, logs and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.ingest.errors import IngestError

# Load statuses, named once: a manifest record's `status` and a FileLoad's.
LOADED = "loaded"
SKIPPED_DUPLICATE = "skipped_duplicate"
EMPTY = "empty"
FAILED = "failed"
# Recorded after the fact for loads a gate withdrew (the GX suite, the entity's bad-row policy).
REJECTED = "rejected"
STATUSES = (LOADED, SKIPPED_DUPLICATE, EMPTY, FAILED)

# How many quarantine reasons a failure message quotes, and how many failed files it lists; the
# rest are in the quarantine table and the manifest.
_REASONS_IN_MESSAGE = 5
_FILES_IN_MESSAGE = 10


@dataclass
class FileLoad:
    """One landing file's outcome. `file` is relative to the landing folder.

    Every file that was read reconciles: rows_read = rows_loaded + rows_quarantined +
    rows_excluded (the loader checks it against the bronze file it wrote).
    """

    file: str
    sha256: str
    size: int
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_excluded: int = 0
    load_id: str | None = None
    message: str = ""
    delivery_period: str | None = None
    # A file without a period in its name: the months its lines were loaded for.
    periods: list[str] = field(default_factory=list)
    # The first few problems ("line 4, column quantity: expected ..."), already redacted.
    sample_problems: list[str] = field(default_factory=list)
    sample_exclusions: list[str] = field(default_factory=list)
    columns_mapped: list[str] = field(default_factory=list)
    columns_derived: list[str] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)
    quarantine_file: Path | None = None

    @property
    def all_periods(self) -> set[str | None]:
        return set(self.periods) if self.periods else {self.delivery_period}


@dataclass
class IngestReport:
    entity: str
    files: list[FileLoad] = field(default_factory=list)
    # Bronze Parquet files written by this call, so a quality check can validate only what is new.
    new_bronze_files: list[Path] = field(default_factory=list)
    new_quarantine_files: list[Path] = field(default_factory=list)
    # Failures of the entity as a whole (its bad-row policy, a required entity never delivered).
    problems: list[str] = field(default_factory=list)
    # The home the rows went to, so a failure can say how to list them.
    home: Path | None = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files if f.status == LOADED)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rows_excluded(self) -> int:
        return sum(f.rows_excluded for f in self.files)

    @property
    def loaded(self) -> list[FileLoad]:
        return [f for f in self.files if f.status == LOADED]

    @property
    def skipped(self) -> list[FileLoad]:
        return [f for f in self.files if f.status == SKIPPED_DUPLICATE]

    @property
    def empty(self) -> list[FileLoad]:
        return [f for f in self.files if f.status == EMPTY]

    @property
    def failed(self) -> list[FileLoad]:
        return [f for f in self.files if f.status == FAILED]

    @property
    def has_failures(self) -> bool:
        return bool(self.failed or self.problems)

    def validation_batches(self, rows_per_batch: int) -> list[list[Path]]:
        """The new bronze files, grouped for one data-quality batch each.

        A batch never holds two loads of the same delivery period: a re-delivered period is a
        later load with the same invoice keys, which a key check across the batch would reject.
        Within that, loads are grouped up to `rows_per_batch` rows (the rows of the loads, as
        loaded), so a key repeated across two loads of different periods is still caught and
        one batch stays within what a check query can hold in memory.
        """
        periods: dict[str, set[str | None]] = {}
        rows: dict[str, int] = {}
        for load in self.loaded:
            load_id = load.load_id or ""
            periods.setdefault(load_id, set()).update(load.all_periods)
            rows[load_id] = rows.get(load_id, 0) + load.rows_loaded
        batches: list[list[Path]] = []
        batch_periods: set[str | None] = set()
        batch_rows = 0
        for path in self.new_bronze_files:
            load_periods = periods.get(path.stem, set())
            load_rows = rows.get(path.stem, 0)
            if (
                batches
                and not (batch_periods & load_periods)
                and (batch_rows + load_rows <= rows_per_batch)
            ):
                batches[-1].append(path)
            else:
                batches.append([path])
                batch_periods, batch_rows = set(), 0
            batch_periods |= load_periods
            batch_rows += load_rows
        return batches

    def summary(self) -> str:
        """One line for a run log: counts only, never values."""
        return (
            f"{self.entity}: {len(self.loaded)} file(s) loaded, "
            f"{len(self.skipped)} already loaded, {len(self.empty)} empty, "
            f"{len(self.failed)} failed; {self.rows_loaded} row(s) loaded, "
            f"{self.rows_quarantined} quarantined, {self.rows_excluded} excluded"
        )

    def failure_message(self) -> str:
        lines = [f"{self.entity}: {problem}" for problem in self.problems]
        if self.failed:
            lines.append(f"{self.entity}: {len(self.failed)} landing file(s) could not be loaded:")
        # Files with quarantined rows first: their reasons say what to fix.
        shown = sorted(self.failed, key=lambda f: -f.rows_quarantined)[:_FILES_IN_MESSAGE]
        for load in shown:
            lines.append(f"- {load.message}")
            for problem in load.sample_problems[:_REASONS_IN_MESSAGE]:
                lines.append(f"    {problem}")
        if len(self.failed) > len(shown):
            lines.append(f"- ... and {len(self.failed) - len(shown)} more file(s)")
        hint = self.quarantine_hint()
        if hint:
            lines.append(hint)
        return "\n".join(lines)

    def quarantine_hint(self) -> str:
        """Where this call's quarantined rows are, and the command that lists them."""
        files = [path for path in self.new_quarantine_files if path.exists()]
        if not files or not any(f.rows_quarantined for f in self.files):
            return ""
        listed = ", ".join(str(path) for path in files[:3])
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        command = "kam quarantine"
        if self.home is not None:
            command += f" --home {self.home}"
        command += f" --entity {self.entity}"
        if len(files) == 1:
            command += f" --load {files[0].stem}"
        return f"quarantined rows: {listed}{more}; list them with `{command}`"

    def raise_for_failures(self) -> None:
        """Raise IngestError naming every failed file, why, its first quarantine reasons and
        where the quarantined rows are."""
        if self.has_failures:
            raise IngestError(self.failure_message())

    def metadata(self) -> dict[str, int]:
        """Counts for the asset's materialization (the publish record copies the row counts)."""
        return {
            "files_seen": len(self.files),
            "files_loaded": len(self.loaded),
            "files_skipped": len(self.skipped),
            "files_failed": len(self.failed),
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "rows_excluded": self.rows_excluded,
        }
