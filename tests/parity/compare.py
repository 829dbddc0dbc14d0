"""Row-by-row comparison of one mart as two engines built it.

A mart matches when both sides have the same columns with the same kind of type, the same number
of rows, the same keys, and per key the same values: text, dates, timestamps, integers, booleans
and decimals exactly; doubles to a relative tolerance (1e-9 by default), because engines sum
floating-point numbers in different orders. Every difference names the mart, the key, the column
and both values, so a failing test says what to look at without opening either database.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Kinds of column type that must agree between engines. Integers of any width are one kind;
# `float4` (a 4-byte REAL) and `timestamptz` are kinds of their own because they are the usual
# portability slips (dbt.type_float() on DuckDB, dbt.date_trunc() on PostgreSQL).
KINDS = ("text", "integer", "decimal", "double", "float4", "boolean", "date", "timestamp",
         "timestamptz", "other")  # fmt: skip

_KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^(varchar|text|string|character varying|char).*", "text"),
    (r"^(tinyint|smallint|integer|int|int2|int4|int8|bigint|hugeint|long|short|byte"
     r"|utinyint|usmallint|uinteger|ubigint)$", "integer"),
    (r"^(decimal|numeric).*", "decimal"),
    (r"^(double|double precision|float8)$", "double"),
    (r"^(float|real|float4)$", "float4"),
    (r"^(boolean|bool)$", "boolean"),
    (r"^date$", "date"),
    (r"^(timestamp|timestamp without time zone|timestamp_ntz|datetime)$", "timestamp"),
    (r"^(timestamp with time zone|timestamptz|timestamp_ltz)$", "timestamptz"),
)  # fmt: skip


def type_kind(type_name: str) -> str:
    """The kind of an engine's column type name (DuckDB, PostgreSQL or Spark spelling)."""
    normalized = type_name.strip().lower()
    for pattern, kind in _KIND_PATTERNS:
        if re.match(pattern, normalized):
            return kind
    return "other"


@dataclass(frozen=True)
class Table:
    """One mart as fetched from one engine: column names, their type names, and the rows."""

    engine: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def kinds(self) -> dict[str, str]:
        pairs = zip(self.columns, self.types, strict=True)
        return {name: type_kind(type_) for name, type_ in pairs}


def without_columns(table: Table, names: Sequence[str]) -> Table:
    """`table` without the columns `names` (those absent are ignored)."""
    keep = [i for i, column in enumerate(table.columns) if column not in set(names)]
    return Table(
        table.engine,
        tuple(table.columns[i] for i in keep),
        tuple(table.types[i] for i in keep),
        [tuple(row[i] for i in keep) for row in table.rows],
    )


@dataclass
class MartDiff:
    """What differs in one mart; empty `problems` means the engines agree."""

    mart: str
    left: str
    right: str
    problems: list[str] = field(default_factory=list)
    differing_values: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"{self.mart}: {self.left} and {self.right} agree"
        header = f"{self.mart}: {self.left} and {self.right} differ"
        if self.differing_values:
            header += f" ({self.differing_values} differing values)"
        return "\n  ".join([header, *self.problems])


def values_equal(left: Any, right: Any, kind: str, rel_tol: float = 1e-9) -> bool:
    """Equality under the rules of `kind` (the reference side's column kind)."""
    if left is None or right is None:
        return left is None and right is None
    if kind in ("double", "float4"):
        if isinstance(left, Decimal) or isinstance(right, Decimal):
            # A double on one side and a decimal on the other is a type drift, not a match.
            return False
        left_f, right_f = float(left), float(right)
        if math.isnan(left_f) or math.isnan(right_f):
            return math.isnan(left_f) and math.isnan(right_f)
        return math.isclose(left_f, right_f, rel_tol=rel_tol, abs_tol=rel_tol * 1e-3)
    if kind in ("decimal", "integer"):
        if isinstance(left, float) or isinstance(right, float):
            return False
        if isinstance(left, bool) or isinstance(right, bool):
            return False
        return Decimal(left) == Decimal(right)
    if kind == "timestamp":
        return _naive(left) == _naive(right) and _is_naive(left) == _is_naive(right)
    return type(left) is type(right) and left == right if kind == "boolean" else left == right


def _is_naive(value: Any) -> bool:
    return not isinstance(value, dt.datetime) or value.tzinfo is None


def _naive(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _format_key(names: Sequence[str], values: Sequence[Any]) -> str:
    return "(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, values, strict=True)) + ")"


def compare_tables(
    mart: str,
    left: Table,
    right: Table,
    key: Sequence[str],
    *,
    rel_tol: float = 1e-9,
    max_reported: int = 25,
) -> MartDiff:
    """Compare `right` with the reference `left` on the primary key `key`.

    Checks, in order: the same column names, the same kind of type per column, no duplicate or
    NULL key, the same row count and keys, then every value of every row. At most `max_reported`
    value differences are listed; `differing_values` counts them all.
    """
    diff = MartDiff(mart, left.engine, right.engine)
    if set(left.columns) != set(right.columns):
        only_left = sorted(set(left.columns) - set(right.columns))
        only_right = sorted(set(right.columns) - set(left.columns))
        diff.problems.append(
            f"columns differ: only in {left.engine}: {only_left}; only in {right.engine}: "
            f"{only_right}"
        )
        return diff
    left_kinds, right_kinds = left.kinds(), right.kinds()
    for column in left.columns:
        if left_kinds[column] != right_kinds[column]:
            diff.problems.append(
                f"column {column}: type {left.engine}={_type_of(left, column)} "
                f"({left_kinds[column]}) vs {right.engine}={_type_of(right, column)} "
                f"({right_kinds[column]})"
            )
    missing_key = [column for column in key if column not in left.columns]
    if missing_key:
        diff.problems.append(f"key columns {missing_key} are not columns of the mart")
        return diff

    left_rows = _keyed(left, key, diff)
    right_rows = _keyed(right, key, diff)
    if len(left.rows) != len(right.rows):
        diff.problems.append(
            f"row count: {left.engine}={len(left.rows)} {right.engine}={len(right.rows)}"
        )
    only_left = sorted(set(left_rows) - set(right_rows), key=repr)
    only_right = sorted(set(right_rows) - set(left_rows), key=repr)
    for side, keys in ((left.engine, only_left), (right.engine, only_right)):
        if keys:
            shown = "; ".join(_format_key(key, k) for k in keys[:5])
            diff.problems.append(f"{len(keys)} keys only in {side}, e.g. {shown}")

    right_index = {name: i for i, name in enumerate(right.columns)}
    reported = 0
    for row_key in sorted(set(left_rows) & set(right_rows), key=repr):
        left_row, right_row = left_rows[row_key], right_rows[row_key]
        for i, column in enumerate(left.columns):
            left_value = left_row[i]
            right_value = right_row[right_index[column]]
            if values_equal(left_value, right_value, left_kinds[column], rel_tol):
                continue
            diff.differing_values += 1
            if reported < max_reported:
                reported += 1
                diff.problems.append(
                    f"key {_format_key(key, row_key)} column {column}: "
                    f"{left.engine}={left_value!r} {right.engine}={right_value!r}"
                )
    if diff.differing_values > reported:
        diff.problems.append(f"... and {diff.differing_values - reported} more differing values")
    return diff


def _type_of(table: Table, column: str) -> str:
    return table.types[table.columns.index(column)]


def _keyed(table: Table, key: Sequence[str], diff: MartDiff) -> dict[tuple[Any, ...], tuple]:
    positions = [table.columns.index(column) for column in key]
    keyed: dict[tuple[Any, ...], tuple] = {}
    duplicates = 0
    for row in table.rows:
        row_key = tuple(_naive(row[p]) for p in positions)
        if any(value is None for value in row_key):
            diff.problems.append(f"{table.engine}: NULL in key {_format_key(key, row_key)}")
        if row_key in keyed:
            duplicates += 1
        keyed[row_key] = row
    if duplicates:
        diff.problems.append(f"{table.engine}: {duplicates} duplicate keys on {list(key)}")
    return keyed


def assert_marts_match(diffs: Iterable[MartDiff]) -> None:
    """Fail with every differing mart's report, after listing which marts matched."""
    diffs = list(diffs)
    failed = [diff for diff in diffs if not diff.ok]
    if failed:
        matched = sorted(diff.mart for diff in diffs if diff.ok)
        raise AssertionError(
            f"{len(failed)} of {len(diffs)} marts differ (matched: {', '.join(matched) or '-'})\n"
            + "\n".join(str(diff) for diff in failed)
        )
