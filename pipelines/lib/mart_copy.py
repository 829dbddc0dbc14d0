"""Bring the marts of a new published file up to the build, rewriting only what changed.

A publish starts from a copy of the previous published file when there is one (a sequential file
copy, far cheaper than re-encoding every row) and compares each mart with the build's by content
fingerprint: a row count plus the sum of a 64-bit hash of every column of every row, per partition
for the marts that grow with history (`fct_sales` by month). Unchanged marts stay as they are;
changed partitions are deleted and re-inserted; a mart whose columns changed, or most of whose rows
changed, is copied whole. So a nightly run that adds one day rewrites one month of sales lines,
not the whole history, and the new file still ends up equal to the build (checked by row count
before anything is published).

The connection passed in has the build attached as `build`, with the marts in schema `marts`.
`plan_refresh` compares the build with any attached catalog and writes nothing (a publish plans
against the previous version, read-only, and learns whether anything changed at all);
`apply_refresh` carries a plan out on the default database, the new file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

MARTS_SCHEMA = "marts"
BUILD_CATALOG = "build"
_FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
# Past this share of changed rows, copying the mart whole is cheaper than deleting and inserting.
REWRITE_SHARE = 0.5

COPIED = "copied"
UNCHANGED = "unchanged"
PARTITIONS_REPLACED = "partitions replaced"


class MartCopyError(RuntimeError):
    """The new file does not hold what the build holds; nothing may be published from it."""


@dataclass(frozen=True)
class MartCopy:
    """What happened to one mart: copied whole, left unchanged, or some partitions replaced."""

    mart: str
    rows: int
    how: str
    partitions_replaced: int = 0
    partitions_total: int = 0

    def describe(self) -> str:
        if self.how == PARTITIONS_REPLACED:
            return f"{self.partitions_replaced} of {self.partitions_total} partitions replaced"
        return self.how


# Partition value (None: whole table) -> (rows, hash of the exact values, hash with every DOUBLE
# rounded to single precision). The second hash tells a real change from the last-bit noise of
# floating-point sums that DuckDB adds in parallel, in whatever order the threads finish.
Fingerprints = dict[Any, tuple[int, int, int]]


@dataclass(frozen=True)
class MartPlan:
    """What a refresh will do to one mart, decided by comparing fingerprints before writing."""

    mart: str
    how: str
    rows: int | None = None  # the build's rows when known before copying
    partition_column: str | None = None
    changed_partitions: frozenset = frozenset()
    partitions_total: int = 0
    # Changed, but only in floating-point noise: equal once every DOUBLE is rounded to single
    # precision. A version written anyway takes the build's exact values; such a mart alone is
    # no reason to write a version.
    float_noise_only: bool = False


@dataclass(frozen=True)
class RefreshPlan:
    """Per mart what to do, and which stored marts the build no longer has."""

    marts: tuple[MartPlan, ...]
    stale: tuple[str, ...] = ()

    @property
    def changes_nothing(self) -> bool:
        """No mart added, dropped or changed, beyond floating-point noise."""
        return not self.stale and all(
            plan.how == UNCHANGED or plan.float_noise_only for plan in self.marts
        )


def refresh_marts(
    con: duckdb.DuckDBPyConnection,
    marts: Sequence[str],
    *,
    partition_columns: Mapping[str, str] | None = None,
) -> list[MartCopy]:
    """Make schema `marts` of the default database equal to the build's for `marts`.

    Works on an empty new file (every mart is copied) and on a copy of the previous version (only
    what changed is rewritten). Marts of the previous version that the build no longer has are
    dropped. Raises MartCopyError when a mart's row count ends up different from the build's.
    """
    plan = plan_refresh(
        con, marts, stored_catalog=_default_catalog(con), partition_columns=partition_columns
    )
    return apply_refresh(con, plan)


def plan_refresh(
    con: duckdb.DuckDBPyConnection,
    marts: Sequence[str],
    *,
    stored_catalog: str,
    partition_columns: Mapping[str, str] | None = None,
) -> RefreshPlan:
    """Compare the build's marts with those stored in `stored_catalog`, writing nothing.

    The plan holds for any byte-identical copy of the stored file, so a publish can decide on
    the previous version itself (read-only) and apply the plan to its copy, or write nothing at
    all when nothing changed.
    """
    partition_columns = partition_columns or {}
    present = _tables(con, stored_catalog)
    plans = tuple(
        _plan_mart(con, stored_catalog, mart, partition_columns.get(mart))
        if mart in present
        else MartPlan(mart, COPIED)
        for mart in marts
    )
    return RefreshPlan(plans, tuple(sorted(present - set(marts))))


def apply_refresh(con: duckdb.DuckDBPyConnection, plan: RefreshPlan) -> list[MartCopy]:
    """Carry out `plan` on schema `marts` of the default database, then check every row count."""
    con.execute(f"create schema if not exists {MARTS_SCHEMA}")
    for stale in plan.stale:
        con.execute(f"drop table if exists {MARTS_SCHEMA}.{_ident(stale)}")
    results = []
    for mart in plan.marts:
        if mart.how == UNCHANGED:
            results.append(MartCopy(mart.mart, mart.rows or 0, UNCHANGED))
        elif mart.how == PARTITIONS_REPLACED:
            _replace_partitions(con, mart.mart, mart.partition_column, set(mart.changed_partitions))
            results.append(
                MartCopy(
                    mart.mart,
                    mart.rows or 0,
                    PARTITIONS_REPLACED,
                    len(mart.changed_partitions),
                    mart.partitions_total,
                )
            )
        else:
            results.append(_copy_whole(con, mart.mart))
    _check_row_counts(con, results)
    return results


def _plan_mart(
    con: duckdb.DuckDBPyConnection, stored_catalog: str, mart: str, partition_column: str | None
) -> MartPlan:
    columns = _columns(con, BUILD_CATALOG, mart)
    if columns != _columns(con, stored_catalog, mart):
        return MartPlan(mart, COPIED)  # a new, dropped, renamed or retyped column
    if partition_column is not None and partition_column not in dict(columns):
        partition_column = None
    stored_table = f"{_ident(stored_catalog)}.{MARTS_SCHEMA}.{_ident(mart)}"
    stored = _fingerprints(con, stored_table, columns, partition_column)
    built = _fingerprints(con, _build_table(mart), columns, partition_column)
    absent = (0, 0, 0)
    changed = {
        key
        for key in stored.keys() | built.keys()
        if stored.get(key, absent)[:2] != built.get(key, absent)[:2]
    }
    rows = sum(count for count, *_ in built.values())
    if not changed:
        return MartPlan(mart, UNCHANGED, rows)
    noise_only = all(stored.get(key, absent)[::2] == built.get(key, absent)[::2] for key in changed)
    changed_rows = sum(stored.get(key, absent)[0] + built.get(key, absent)[0] for key in changed)
    total_rows = rows + sum(count for count, *_ in stored.values())
    if partition_column is None or changed_rows > REWRITE_SHARE * total_rows:
        return MartPlan(mart, COPIED, rows, float_noise_only=noise_only)
    return MartPlan(
        mart,
        PARTITIONS_REPLACED,
        rows,
        partition_column,
        frozenset(changed),
        len(built),
        float_noise_only=noise_only,
    )


def _copy_whole(con: duckdb.DuckDBPyConnection, mart: str) -> MartCopy:
    con.execute(
        f"create or replace table {MARTS_SCHEMA}.{_ident(mart)} as "
        f"select * from {_build_table(mart)}"
    )
    rows = con.execute(f"select count(*) from {MARTS_SCHEMA}.{_ident(mart)}").fetchone()[0]
    return MartCopy(mart, rows, COPIED)


def _replace_partitions(
    con: duckdb.DuckDBPyConnection, mart: str, partition_column: str, changed: set[Any]
) -> None:
    """Delete the changed partitions (NULL counts as one) and insert the build's rows for them."""
    column = _ident(partition_column)
    # The temp table takes the partition column's type from the build, so comparisons never cast.
    con.execute(
        f"create or replace temp table _changed_partitions as "
        f"select {column} as value from {_build_table(mart)} limit 0"
    )
    con.executemany("insert into _changed_partitions values (?)", [[value] for value in changed])
    matches = f"{column} in (select value from _changed_partitions where value is not null)"
    if None in changed:
        matches = f"({matches} or {column} is null)"
    con.execute(f"delete from {MARTS_SCHEMA}.{_ident(mart)} where {matches}")
    con.execute(
        f"insert into {MARTS_SCHEMA}.{_ident(mart)} select * from {_build_table(mart)} "
        f"where {matches}"
    )
    con.execute("drop table _changed_partitions")


def _fingerprints(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    columns: list[tuple[str, str]],
    partition: str | None,
) -> Fingerprints:
    """Row count and hash sums per partition; the sums are HUGEINT because hash() is a UBIGINT.
    A table without DOUBLE columns (`fct_sales`) is hashed once: both sums are the same."""
    exact = f"sum(cast(hash({', '.join(_ident(name) for name, _ in columns)}) as hugeint))"
    sums = [exact]
    if any(data_type in _FLOAT_TYPES for _, data_type in columns):
        rounded = ", ".join(
            f"cast({_ident(name)} as float)" if data_type in _FLOAT_TYPES else _ident(name)
            for name, data_type in columns
        )
        sums.append(f"sum(cast(hash({rounded}) as hugeint))")
    content = ", ".join(sums)
    if partition is None:
        rows, *digests = con.execute(f"select count(*), {content} from {relation}").fetchone()
        return {None: (rows, digests[0], digests[-1])} if rows else {}
    query = f"select {_ident(partition)}, count(*), {content} from {relation} group by 1"
    return {
        value: (rows, digests[0], digests[-1])
        for value, rows, *digests in con.execute(query).fetchall()
    }


def _check_row_counts(con: duckdb.DuckDBPyConnection, results: list[MartCopy]) -> None:
    for result in results:
        table = f"{MARTS_SCHEMA}.{_ident(result.mart)}"
        stored = con.execute(f"select count(*) from {table}").fetchone()[0]
        built = con.execute(f"select count(*) from {_build_table(result.mart)}").fetchone()[0]
        if stored != built:
            raise MartCopyError(
                f"mart {result.mart}: the new file holds {stored:,} rows, the build {built:,} "
                f"({result.describe()}); nothing was published"
            )


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, MARTS_SCHEMA, table],
    ).fetchall()


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ?",
        [catalog, MARTS_SCHEMA],
    ).fetchall()
    return {name for (name,) in rows}


def _default_catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _build_table(mart: str) -> str:
    return f"{BUILD_CATALOG}.{MARTS_SCHEMA}.{_ident(mart)}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
