"""Is the published file still the one that was published?

`published/kam.duckdb` is an independent, read-only copy of the current version's file. Read-only
mode does not stop root, or a tool that changes permissions, from opening it read-write; such a
write changes what BI reads without any run having published it. So each version records the
SHA-256 and size of its file at publish time (`versions/<version>/checksum.json`, beside the file:
the file cannot hold its own checksum), and `kam status` compares both the published copy and the
version's own file against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.file_copy import FileChecksum, file_checksum

CHECKSUM_FILE_NAME = "checksum.json"

MATCHES = "matches"
MODIFIED = "MODIFIED"
MISSING = "missing"


def record_checksum(db_path: Path) -> FileChecksum:
    """Checksum `db_path` and write it beside the file, in the version's folder."""
    checksum = file_checksum(db_path)
    payload = {"file": db_path.name, "sha256": checksum.sha256, "size": checksum.size}
    (db_path.parent / CHECKSUM_FILE_NAME).write_text(
        json.dumps(payload, indent=2) + "\n", encoding="utf-8"
    )
    return checksum


def read_checksum(version_dir: Path) -> FileChecksum | None:
    path = version_dir / CHECKSUM_FILE_NAME
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return FileChecksum(sha256=str(payload["sha256"]), size=int(payload["size"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class IntegrityVerdict:
    """The published copy's and the version file's state against the recorded checksum."""

    version: str
    recorded: FileChecksum | None
    published_copy: str  # MATCHES, MODIFIED or MISSING
    version_file: str

    @property
    def intact(self) -> bool:
        return self.published_copy == MATCHES and self.version_file == MATCHES

    def describe(self, published_path: Path, version_path: Path) -> list[str]:
        if self.recorded is None:
            return [
                f"checksum: none recorded for version {self.version} "
                "(published before checksums were kept); nothing to compare"
            ]
        if self.intact:
            return [
                f"checksum: {published_path.name} and version {self.version} match the "
                f"publish record (sha256 {self.recorded.sha256[:16]}…, "
                f"{self.recorded.size:,} bytes)"
            ]
        lines = []
        for label, path, state in (
            ("the published file", published_path, self.published_copy),
            (f"the file of version {self.version}", version_path, self.version_file),
        ):
            if state == MODIFIED:
                lines.append(
                    f"WARNING: {label} {path} was MODIFIED after publishing: its SHA-256 "
                    "differs from the publish record; BI may be reading data no run published"
                )
            elif state == MISSING:
                lines.append(f"WARNING: {label} {path} is missing")
        if self.published_copy != MATCHES and self.version_file == MATCHES:
            lines.append(
                f"  `kam rollback --to {self.version}` copies the intact version file back"
            )
        return lines


def verify_published(published_file: Path, version_dir: Path, db_name: str) -> IntegrityVerdict:
    """Compare `published_file` and `version_dir/db_name` with the version's recorded checksum."""
    recorded = read_checksum(version_dir)
    if recorded is None:
        return IntegrityVerdict(version_dir.name, None, MISSING, MISSING)
    return IntegrityVerdict(
        version=version_dir.name,
        recorded=recorded,
        published_copy=_state(published_file, recorded),
        version_file=_state(version_dir / db_name, recorded),
    )


def _state(path: Path, recorded: FileChecksum) -> str:
    if not path.is_file():
        return MISSING
    if path.stat().st_size != recorded.size:
        return MODIFIED  # no need to read 400 MB to know
    return MATCHES if file_checksum(path) == recorded else MODIFIED
