"""A full disk is recognised in each library's own words and named in one line."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from pipelines.lib.disk_full import disk_full_in_text, disk_full_message


def test_python_oserror_names_its_file(tmp_path: Path) -> None:
    error = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "bronze" / "x.parquet"))
    message = disk_full_message(error)
    assert message is not None and message.count("\n") == 0
    assert message.startswith(f"no space left on the file system holding {tmp_path}/bronze/x")
    assert "free" in message


def test_duckdb_text_names_its_file() -> None:
    text = 'IO Error: Could not write file "/srv/kam/build/kam.duckdb.wal": No space left on device'
    message = disk_full_in_text(text)
    assert message is not None and "/srv/kam/build/kam.duckdb.wal" in message


def test_sqlite_full_is_named_by_the_place_it_writes_to(tmp_path: Path) -> None:
    try:
        raise RuntimeError("could not store the run") from sqlite3.OperationalError(
            "database or disk is full"
        )
    except RuntimeError as error:
        message = disk_full_message(error, where=tmp_path / "dagster")
    assert message is not None and f"{tmp_path}/dagster" in message


def test_an_io_error_counts_only_when_the_disk_is_nearly_full(tmp_path: Path) -> None:
    # tmp_path's file system has room: a plain I/O error there is something else.
    assert disk_full_in_text("disk I/O error", where=tmp_path) is None


def test_other_errors_are_not_disk_full() -> None:
    assert disk_full_message(OSError(errno.EACCES, "Permission denied", "/srv/kam")) is None
    assert disk_full_message(ValueError("expected a date")) is None
