"""The exceptions the ingest raises to a person: each message says which file, where, and why."""

from __future__ import annotations

import errno
import re
from pathlib import Path

from pipelines.lib import disk_full as shared_disk_full


class IngestError(Exception):
    """A landing file (or a whole entity) could not be loaded.

    The message is written for the data engineer reading a failed run: it names the file, the line
    and column where that applies, and what was expected instead. It never carries personal data.
    """


class DiskFullError(shared_disk_full.DiskFullError):
    """The disk filled up while the ingest wrote (bronze, quarantine, manifest, DuckDB's spill).

    One line naming the path. Not bad input, and not transient either: retrying fills the same
    disk, so a run stops here and says where space is needed. A kind of the project's one
    DiskFullError (pipelines.lib.disk_full), so every caller that handles that handles this.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        super().__init__(f"no space left on device writing {self.path}")


# DuckDB: `IO Error: ... Could not write file "<path>": No space left on device`.
_DUCKDB_PATH = re.compile(r'(?:file|to file|write file)\s+\\?"([^"\\]+)\\?"')
_NO_SPACE = "no space left on device"


def disk_full(error: BaseException, fallback_path: Path | str) -> DiskFullError | None:
    """The DiskFullError an OSError or DuckDB error stands for, or None when it is another error.

    DuckDB names the file it failed to write (a bronze file, its spill file); Python's OSError
    usually carries the file name; otherwise the folder being written is named.
    """
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(error.filename or fallback_path)
    text = str(error)
    if _NO_SPACE not in text.lower() and '"errno":"28"' not in text:
        return None
    match = _DUCKDB_PATH.search(text)
    return DiskFullError(match.group(1) if match else fallback_path)
