"""A full disk, recognised in whichever shape it arrives, said in one line that names the place.

A run writes through several libraries and each reports a full disk its own way: Python raises
OSError (errno ENOSPC or EDQUOT) with the file name, DuckDB an IOException whose text holds the
file and "No space left on device", SQLite (Dagster's run storage) "database or disk is full" or
a bare "disk I/O error", dbt the DuckDB text inside its own log. A person needs one thing from
all of them: which file system is full. Waiting does not help either, so a full disk is never
retried.
"""

from __future__ import annotations

import errno
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_TEXTS = ("no space left on device", "database or disk is full", "disk quota exceeded")
# SQLite reports some failed writes on a full disk as a plain I/O error; it counts as a full
# disk only when the file system it writes to is (nearly) full.
_IO_ERROR_TEXT = "disk i/o error"
_NEARLY_FULL_BYTES = 1 << 20
_QUOTED_PATH = re.compile(r"""["'](/[^"'\n]+)["']""")


class DiskFullError(Exception):
    """A step or command stopped because a file system is full; the message names it."""


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and the errors it was raised from or while handling, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def disk_full_message(error: BaseException, where: Path | None = None) -> str | None:
    """One line naming the full file system when `error` (or its cause) is a full disk, else
    None. `where` names the place written to when the error itself does not (SQLite's)."""
    for link in error_chain(error):
        if isinstance(link, OSError) and link.errno in DISK_FULL_ERRNOS:
            path = link.filename if isinstance(link.filename, str) else None
            return describe_disk_full(Path(path) if path else where)
        message = disk_full_in_text(str(link), where)
        if message:
            return message
    return None


def disk_full_in_text(text: str, where: Path | None = None) -> str | None:
    """The same for an error that only reached us as text (a failed step, dbt's output)."""
    lowered = text.lower()
    if any(marker in lowered for marker in _FULL_TEXTS):
        return describe_disk_full(_path_in(text) or where)
    if _IO_ERROR_TEXT in lowered:
        path = _path_in(text) or where
        free = _free_bytes(path) if path is not None else None
        if free is not None and free < _NEARLY_FULL_BYTES:
            return describe_disk_full(path)
    return None


def describe_disk_full(path: Path | None) -> str:
    if path is None:
        return (
            "no space left on a file system this run writes to (the home or the temporary "
            "folder); free some space there and run again"
        )
    free = _free_bytes(path)
    left = f" ({_size(free)} free)" if free is not None else ""
    return (
        f"no space left on the file system holding {path}{left}; free some space there "
        "(or use a home on a larger disk) and run again"
    )


def _path_in(text: str) -> Path | None:
    match = _QUOTED_PATH.search(text)
    return Path(match.group(1)) if match else None


def _free_bytes(path: Path) -> int | None:
    """Free bytes on the file system of `path`, or of its nearest existing parent."""
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value, units = count / 1024, ["KB", "MB", "GB", "TB"]
    while value >= 1024 and len(units) > 1:
        value /= 1024
        units.pop(0)
    return f"{value:.1f} {units[0]}"
