"""Write-audit-publish: turn a fully checked build into the file BI tools read.

Layout under `<home>/published/`:

    versions/<version>/kam.duckdb      one immutable, read-only copy of the marts per publish
    versions/<version>/checksum.json   SHA-256 and size of that file at publish time
    versions/<version>/parquet/*.parquet
    kam.duckdb                          an independent read-only copy of the current version's file
    parquet -> versions/<version>/parquet   symlink to the current version's Parquet exports
    CURRENT                             the current version's name

Why this shape:
- A BI process holding `kam.duckdb` open keeps reading the inode it opened. Publishing never writes
  into an existing file; it builds a new one beside it and swaps the name with `os.replace`, which
  is atomic on POSIX. So a reader never blocks the writer, never sees half a build, and a new
  connection after the switch sees the new data.
- `kam.duckdb` is a copy, not a hard link: whoever opens it read-write (root ignores the read-only
  mode) must not be able to change the version file it came from, which rollback relies on. The
  copy is a reflink where the file system can share blocks, else a kernel-side copy. The Parquet
  folder is only ever read through a symlink.
- The file is written in an older DuckDB storage format (`storage_version`), so the DuckDB
  releases bundled in BI tools' drivers (ODBC, JDBC, Node) can open it, not only the newest one.
- Versions are kept (default 7) so `kam rollback` is the same atomic switch, pointed backwards.
- A new version starts from a copy of the current one and rewrites only the marts, or the months
  of `fct_sales`, that changed (pipelines.lib.mart_copy); an unchanged mart's Parquet export is a
  hard link to the previous version's read-only file. Each version stays complete on its own.
  When nothing changed at all (same marts, same as-of date and checks, same docs) no version is
  written, so quiet nights do not push the real rollback points out of the versions kept.
- Callers hold the writer lock (pipelines.lib.writer_lock) while publishing or rolling back, so a
  `.partial` folder found when a publish starts was left by one that was killed; it is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.lib.file_copy import FileChecksum, copy_file
from pipelines.lib.mart_copy import (
    BUILD_CATALOG,
    COPIED,
    MARTS_SCHEMA,
    PARTITIONS_REPLACED,
    UNCHANGED,
    MartCopy,
    MartPlan,
    RefreshPlan,
    apply_refresh,
    plan_refresh,
)
from pipelines.lib.mart_docs import MartDoc, docs_fingerprint
from pipelines.lib.parquet_export import (
    PARQUET_OPTIONS,
    export_is_current,
    export_metadata,
    export_query,
    write_export,
)
from pipelines.lib.publish_defaults import DEFAULT_STORAGE_VERSION
from pipelines.lib.publish_record import (
    PublishInfo,
    PublishRecord,
    read_meta,
    read_publish_info_from,
    write_meta,
)
from pipelines.lib.published_integrity import record_checksum

__all__ = [
    "DEFAULT_STORAGE_VERSION",
    "PARQUET_OPTIONS",
    "PublishError",
    "PublishInfo",
    "PublishRecord",
    "PublishedVersion",
    "current_version",
    "list_versions",
    "prune_versions",
    "publish_build",
    "read_publish_info",
    "remove_interrupted_publishes",
    "rollback",
    "switch_to",
]

PUBLISHED_DB_NAME = "kam.duckdb"
PARQUET_LINK_NAME = "parquet"
CURRENT_POINTER_NAME = "CURRENT"
VERSIONS_DIR_NAME = "versions"
PARTIAL_SUFFIX = ".partial"
READ_ONLY_MODE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
NEW_VERSION_CATALOG = "new_version"
PREVIOUS_CATALOG = "previous"
_NO_SPACE = re.compile(r'Could not write file \\?"(?P<path>[^"\\]+)\\?": No space left on device')


class PublishError(RuntimeError):
    """Publishing was refused or failed; the previously published version is untouched."""


@dataclass(frozen=True)
class PublishedVersion:
    version: str
    path: Path
    row_counts: dict[str, int]
    marts: list[MartCopy] = field(default_factory=list)
    started_from: str | None = None  # the version whose file the new one was copied from
    is_new: bool = True  # False: nothing changed, `version` is the one still published
    checksum: FileChecksum | None = None
    storage_version: str | None = None
    removed_partials: list[str] = field(default_factory=list)

    def describe_changes(self) -> str:
        """e.g. `from 20261122T020001Z-1a2b3c4d: 2 marts unchanged, 15 rewritten; fct_sales: 1 of
        48 partitions replaced`: what the version reused from the one before."""
        if not self.is_new:
            return f"nothing changed since version {self.version}; no new version"
        if self.started_from is None:
            return "every mart copied from the build"
        unchanged = sum(1 for mart in self.marts if mart.how == UNCHANGED)
        rewritten = sum(1 for mart in self.marts if mart.how == COPIED)
        parts = [f"{unchanged} marts unchanged, {rewritten} rewritten"]
        parts += [f"{m.mart}: {m.describe()}" for m in self.marts if m.how == PARTITIONS_REPLACED]
        return f"from {self.started_from}: " + "; ".join(parts)


@dataclass(frozen=True)
class _Written:
    """What writing (or deciding not to write) a version produced."""

    copies: list[MartCopy]
    started_from: str | None
    changed: bool = True


def new_version_name(run_id: str, now: datetime | None = None) -> str:
    """Sortable by time, unique per run: `20261123T020001Z-1a2b3c4d`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{run_id.replace('-', '')[:8]}"


def publish_build(
    build_db: Path,
    published_dir: Path,
    *,
    marts: Sequence[str],
    record: PublishRecord,
    keep_versions: int = 7,
    version: str | None = None,
    duckdb_config: dict[str, object] | None = None,
    partition_columns: Mapping[str, str] | None = None,
    storage_version: str = DEFAULT_STORAGE_VERSION,
    docs: Mapping[str, MartDoc] | None = None,
    before_switch: Callable[[Path], None] | None = None,
) -> PublishedVersion:
    """Copy the marts of `build_db` into a new published version and switch BI to it.

    Refuses (PublishError) unless every check in `record` passed: the caller's guarantee is
    checked again here because publishing something unchecked is the one mistake BI cannot undo.
    `duckdb_config` (threads, memory limit, spill folder) bounds the copy's memory.
    `partition_columns` names, per mart, the column by which a changed mart is rewritten in parts
    (`fct_sales` by month); other marts are rewritten whole when anything in them changed.
    `storage_version` is the DuckDB storage format of the new file; `docs` (mart -> MartDoc)
    become the comments of its tables and columns and the descriptions in the Parquet exports.
    `before_switch` is called with the staged version folder, its `kam.duckdb` finished and
    read-only, right before the switch: what it writes there is published with the version, and
    an exception from it aborts the publish. The caller holds the writer lock.
    """
    if not record.all_checks_passed:
        failed = sorted(name for name, passed in record.checks.items() if not passed)
        reason = f"failed checks: {', '.join(failed)}" if failed else "no check results recorded"
        raise PublishError(f"refusing to publish: {reason}")
    if not marts:
        raise PublishError("refusing to publish: no marts given")

    removed = remove_interrupted_publishes(published_dir)
    version = version or new_version_name(record.run_id, record.published_at)
    versions_dir = published_dir / VERSIONS_DIR_NAME
    final_dir = versions_dir / version
    staging_dir = versions_dir / f".{version}{PARTIAL_SUFFIX}"
    if final_dir.exists():
        raise PublishError(f"version {version} already exists in {versions_dir}")
    previous = current_version(published_dir)
    previous_dir = versions_dir / previous if previous else None
    docs = dict(docs or {})

    try:
        with _disk_full_names(staging_dir):
            (staging_dir / PARQUET_LINK_NAME).mkdir(parents=True)
            written = _write_version(
                build_db,
                staging_dir,
                marts,
                record,
                duckdb_config or {},
                previous_dir=previous_dir,
                partition_columns=partition_columns or {},
                storage_version=storage_version,
                docs=docs,
            )
        if not written.changed:
            _force_remove(staging_dir)
            return PublishedVersion(
                version=previous,
                path=published_dir / PUBLISHED_DB_NAME,
                row_counts={copy.mart: copy.rows for copy in written.copies},
                marts=written.copies,
                started_from=previous,
                is_new=False,
                storage_version=storage_version,
                removed_partials=removed,
            )
        with _disk_full_names(staging_dir / PUBLISHED_DB_NAME):
            _make_read_only(staging_dir)
            checksum = record_checksum(staging_dir / PUBLISHED_DB_NAME)
        if before_switch is not None:
            _run_before_switch(before_switch, staging_dir)
        with _disk_full_names(staging_dir):
            _make_read_only(staging_dir)
            _fsync_tree(staging_dir)
            os.replace(staging_dir, final_dir)
            _fsync_dir(versions_dir)
    except BaseException:
        _force_remove(staging_dir)
        raise

    try:
        switch_to(published_dir, version)
    except BaseException:
        _force_remove(final_dir)  # never published; it would only hold disk space
        raise
    prune_versions(published_dir, keep=keep_versions)
    return PublishedVersion(
        version=version,
        path=final_dir / PUBLISHED_DB_NAME,
        row_counts={outcome.mart: outcome.rows for outcome in written.copies},
        marts=written.copies,
        started_from=written.started_from,
        checksum=checksum,
        storage_version=storage_version,
        removed_partials=removed,
    )


def _write_version(
    build_db: Path,
    target_dir: Path,
    marts: Sequence[str],
    record: PublishRecord,
    duckdb_config: dict[str, object],
    *,
    previous_dir: Path | None,
    partition_columns: Mapping[str, str],
    storage_version: str,
    docs: Mapping[str, MartDoc],
) -> _Written:
    """Write the version's file and Parquet exports, or decide that nothing changed.

    The previous version is compared with the build first, read-only. It is reused (copied and
    edited) only when it was written in the same storage version, so a file in another format is
    never carried forward. Should DuckDB fail on the previous file (damaged, unreadable), the
    version is written again from an empty file, so a bad old version never blocks publishing.
    """
    exports, plan, stored = _compare_with_previous(
        build_db,
        target_dir,
        marts,
        duckdb_config,
        previous_dir,
        partition_columns,
        storage_version,
        docs,
    )
    if plan is not None and _nothing_changed(plan, stored, record, docs, previous_dir, exports):
        copies = [MartCopy(mart.mart, mart.rows or 0, UNCHANGED) for mart in plan.marts]
        return _Written(copies, previous_dir.name, changed=False)
    if plan is not None:
        try:
            return _fill_version(
                build_db,
                target_dir,
                record,
                duckdb_config,
                storage_version,
                docs,
                exports,
                plan,
                previous_dir,
            )
        except duckdb.Error:
            for path in target_dir.rglob("*"):
                if path.is_file():
                    path.unlink()
    fresh = RefreshPlan(tuple(MartPlan(mart, COPIED) for mart in marts))
    return _fill_version(
        build_db, target_dir, record, duckdb_config, storage_version, docs, exports, fresh, None
    )


def _compare_with_previous(
    build_db: Path,
    scratch_dir: Path,
    marts: Sequence[str],
    duckdb_config: dict[str, object],
    previous_dir: Path | None,
    partition_columns: Mapping[str, str],
    storage_version: str,
    docs: Mapping[str, MartDoc],
) -> tuple[dict[str, tuple[str, dict[str, str]]], RefreshPlan | None, PublishInfo | None]:
    """Per mart the export query and metadata; and, when the previous version can be reused, the
    plan to bring its copy up to the build and what its `meta` says."""
    con = duckdb.connect(config=duckdb_config)
    try:
        _check_storage_version(con, storage_version)
        con.execute(f"attach '{_sql_path(build_db)}' as {BUILD_CATALOG} (read_only)")
        exports = {}
        for mart in marts:
            query = export_query(con, BUILD_CATALOG, MARTS_SCHEMA, mart)
            exports[mart] = (query, export_metadata(con, query, docs.get(mart), scratch_dir))
        previous_db = previous_dir / PUBLISHED_DB_NAME if previous_dir else None
        if previous_db is None or not previous_db.is_file():
            return exports, None, None
        try:
            con.execute(f"attach '{_sql_path(previous_db)}' as {PREVIOUS_CATALOG} (read_only)")
            stored = read_meta(con, PREVIOUS_CATALOG, previous_dir.name)
            if stored.storage_version != storage_version:
                return exports, None, None  # another format: write the version from scratch
            plan = plan_refresh(
                con, marts, stored_catalog=PREVIOUS_CATALOG, partition_columns=partition_columns
            )
        except duckdb.Error:
            return exports, None, None
        return exports, plan, stored
    finally:
        con.close()


def _nothing_changed(
    plan: RefreshPlan,
    stored: PublishInfo | None,
    record: PublishRecord,
    docs: Mapping[str, MartDoc],
    previous_dir: Path | None,
    exports: Mapping[str, tuple[str, dict[str, str]]],
) -> bool:
    """Same marts, same record, same docs, and every previous export still what we would write."""
    return (
        plan.changes_nothing
        and stored is not None
        and previous_dir is not None
        and record.same_content_as(stored)
        and stored.docs_fingerprint == docs_fingerprint(docs)
        and all(
            export_is_current(previous_dir / PARQUET_LINK_NAME / f"{mart}.parquet", metadata)
            for mart, (_, metadata) in exports.items()
        )
    )


def _fill_version(
    build_db: Path,
    target_dir: Path,
    record: PublishRecord,
    duckdb_config: dict[str, object],
    storage_version: str,
    docs: Mapping[str, MartDoc],
    exports: Mapping[str, tuple[str, dict[str, str]]],
    plan: RefreshPlan,
    previous_dir: Path | None,
) -> _Written:
    target_db = target_dir / PUBLISHED_DB_NAME
    if previous_dir is not None:
        # A copy of the read-only previous file; only the copy is ever opened to write. An
        # existing file keeps the storage format it was written in.
        with _disk_full_names(target_db):
            copy_file(previous_dir / PUBLISHED_DB_NAME, target_db)
    con = duckdb.connect(config=duckdb_config)
    try:
        with _disk_full_names(target_db):
            con.execute(
                f"attach '{_sql_path(target_db)}' as {NEW_VERSION_CATALOG} "
                f"(storage_version '{_sql_text(storage_version)}')"
            )
        con.execute(f"use {NEW_VERSION_CATALOG}")
        con.execute(f"attach '{_sql_path(build_db)}' as {BUILD_CATALOG} (read_only)")
        with _disk_full_names(target_db):
            copies = apply_refresh(con, plan)
            _comment_marts(con, [copy.mart for copy in copies], docs)
        for outcome in copies:
            parquet_path = target_dir / PARQUET_LINK_NAME / f"{outcome.mart}.parquet"
            query, metadata = exports[outcome.mart]
            earlier = previous_dir / PARQUET_LINK_NAME / parquet_path.name if previous_dir else None
            if (
                outcome.how == UNCHANGED
                and earlier is not None
                and export_is_current(earlier, metadata)
            ):
                # Same content, types and docs as the previous version's export, a file no one
                # writes again.
                os.link(earlier, parquet_path)
                continue
            with _disk_full_names(parquet_path):
                write_export(con, query, parquet_path, metadata)
        con.execute(f"detach {BUILD_CATALOG}")
        with _disk_full_names(target_db):
            write_meta(
                con,
                record,
                {outcome.mart: outcome.rows for outcome in copies},
                docs=docs,
                storage_version=storage_version,
            )
            con.execute("checkpoint")
        con.execute("use memory")
        con.execute(f"detach {NEW_VERSION_CATALOG}")
    finally:
        con.close()
    return _Written(copies, previous_dir.name if previous_dir else None)


def _check_storage_version(con: duckdb.DuckDBPyConnection, storage_version: str) -> None:
    """Say which setting is wrong, rather than DuckDB's list of every version it knows."""
    try:
        con.execute(
            f"attach ':memory:' as storage_probe (storage_version '{_sql_text(storage_version)}')"
        )
        con.execute("detach storage_probe")
    except duckdb.Error:
        raise PublishError(
            f"publish.storage_version {storage_version!r} is not a DuckDB storage version this "
            f"DuckDB ({duckdb.__version__}) can write; expected a release name such as "
            f"{DEFAULT_STORAGE_VERSION!r} (the default) or 'v1.1.0'"
        ) from None


def _comment_marts(
    con: duckdb.DuckDBPyConnection, marts: Sequence[str], docs: Mapping[str, MartDoc]
) -> None:
    """The dbt docs as comments: BI tools and `duckdb_columns()` show them beside the data."""
    for mart in marts:
        doc = docs.get(mart)
        table = f"{MARTS_SCHEMA}.{_ident(mart)}"
        con.execute(f"comment on table {table} is {_literal(doc.description if doc else '')}")
        columns = con.execute(
            "select column_name from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? and table_name = ?",
            [MARTS_SCHEMA, mart],
        ).fetchall()
        for (column,) in columns:
            text = doc.column(column) if doc else ""
            con.execute(f"comment on column {table}.{_ident(column)} is {_literal(text)}")


def switch_to(published_dir: Path, version: str) -> None:
    """Atomically point `kam.duckdb`, `parquet/` and `CURRENT` at `version`.

    Everything that takes space is prepared first (the copy of the version's file, the new
    symlink, the pointer file); then three renames switch. A full disk fails the preparation and
    leaves the previous version published.
    """
    version_dir = published_dir / VERSIONS_DIR_NAME / version
    if not (version_dir / PUBLISHED_DB_NAME).is_file():
        raise PublishError(f"no published version {version} in {published_dir / VERSIONS_DIR_NAME}")

    db_tmp = published_dir / f".{PUBLISHED_DB_NAME}.{version}.tmp"
    link_tmp = published_dir / f".{PARQUET_LINK_NAME}.{version}.tmp"
    pointer_tmp = published_dir / f".{CURRENT_POINTER_NAME}.tmp"
    try:
        with _disk_full_names(db_tmp):
            for leftover in (db_tmp, link_tmp, pointer_tmp):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            copy_file(version_dir / PUBLISHED_DB_NAME, db_tmp)
            db_tmp.chmod(READ_ONLY_MODE)
            _fsync_file(db_tmp)
            os.symlink(Path(VERSIONS_DIR_NAME) / version / PARQUET_LINK_NAME, link_tmp)
            pointer_tmp.write_text(version + "\n", encoding="utf-8")
            _fsync_file(pointer_tmp)
    except BaseException:
        for leftover in (db_tmp, link_tmp, pointer_tmp):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    os.replace(db_tmp, published_dir / PUBLISHED_DB_NAME)
    os.replace(link_tmp, published_dir / PARQUET_LINK_NAME)
    os.replace(pointer_tmp, published_dir / CURRENT_POINTER_NAME)
    _fsync_dir(published_dir)


def current_version(published_dir: Path) -> str | None:
    pointer = published_dir / CURRENT_POINTER_NAME
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def list_versions(published_dir: Path) -> list[str]:
    """Published versions, oldest first (names sort by time)."""
    versions_dir = published_dir / VERSIONS_DIR_NAME
    if not versions_dir.is_dir():
        return []
    return sorted(
        path.name
        for path in versions_dir.iterdir()
        if path.is_dir() and not path.name.startswith(".")
    )


def prune_versions(published_dir: Path, *, keep: int) -> list[str]:
    """Delete all but the newest `keep` versions, never the current one; return the removed."""
    current = current_version(published_dir)
    versions = list_versions(published_dir)
    removable = [v for v in versions[: max(len(versions) - keep, 0)] if v != current]
    for version in removable:
        _force_remove(published_dir / VERSIONS_DIR_NAME / version)
    return removable


def remove_interrupted_publishes(published_dir: Path) -> list[str]:
    """Remove what a publish killed mid-way left: `versions/.<version>.partial` folders and the
    switch's temporary files. Only call it holding the writer lock: then no publish is running,
    and anything of that shape is stale. Returns the names removed."""
    removed = []
    versions_dir = published_dir / VERSIONS_DIR_NAME
    if versions_dir.is_dir():
        for path in sorted(versions_dir.iterdir()):
            if path.name.startswith(".") and path.name.endswith(PARTIAL_SUFFIX):
                _force_remove(path)
                removed.append(path.name)
    if published_dir.is_dir():
        for path in sorted(published_dir.glob(".*.tmp")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path.name)
    return removed


def rollback(published_dir: Path, to_version: str | None = None) -> str:
    """Point BI back at `to_version`, or at the version published before the current one."""
    versions = list_versions(published_dir)
    current = current_version(published_dir)
    if to_version is None:
        if current not in versions or versions.index(current) == 0:
            raise PublishError(
                f"nothing to roll back to: published versions are {', '.join(versions) or 'none'}"
            )
        to_version = versions[versions.index(current) - 1]
    elif to_version not in versions:
        raise PublishError(
            f"no published version {to_version}; available: {', '.join(versions) or 'none'}"
        )
    switch_to(published_dir, to_version)
    return to_version


def read_publish_info(published_dir: Path) -> PublishInfo | None:
    """What the current published file says about itself, or None when nothing is published."""
    db_path = published_dir / PUBLISHED_DB_NAME
    if not db_path.is_file():
        return None
    return read_publish_info_from(db_path, current_version(published_dir))


def _run_before_switch(before_switch: Callable[[Path], None], staging_dir: Path) -> None:
    try:
        with _disk_full_names(staging_dir):
            before_switch(staging_dir)
    except PublishError:
        raise
    except Exception as error:
        raise PublishError(
            f"not published: preparing the version folder failed ({error}); "
            "the previously published version is unchanged"
        ) from error


@contextlib.contextmanager
def _disk_full_names(path: Path) -> Iterator[None]:
    """A full disk becomes one line naming the file being written, never a traceback; it is a
    PublishError, so it is neither retried nor taken for a damaged previous version."""
    try:
        yield
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        raise PublishError(
            f"no space left on device while writing {error.filename or path}"
        ) from None
    except duckdb.Error as error:
        if "No space left on device" not in str(error):
            raise
        match = _NO_SPACE.search(str(error))
        raise PublishError(
            f"no space left on device while writing {match.group('path') if match else path}"
        ) from None


def _make_read_only(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(READ_ONLY_MODE)


def _sql_path(path: Path) -> str:
    return _sql_text(str(path))


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _literal(text: str) -> str:
    return "'" + _sql_text(text) + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            _fsync_file(path)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _force_remove(path: Path) -> None:
    """Remove a tree whose files are read-only (rmtree needs the directories writable only)."""
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
