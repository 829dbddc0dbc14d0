"""The comparison itself: it must see every kind of drift the engines are known to produce."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from compare import Table, assert_marts_match, compare_tables, type_kind

COLUMNS = ("account_id", "snapshot_date", "revenue", "score", "is_key", "tier", "orders")
DUCK_TYPES = ("VARCHAR", "DATE", "DECIMAL(18,2)", "DOUBLE", "BOOLEAN", "VARCHAR", "BIGINT")
PG_TYPES = ("text", "date", "numeric", "double precision", "boolean", "text", "integer")
KEY = ("account_id", "snapshot_date")
DAY = dt.date(2026, 6, 30)
ROWS = [
    ("A1", DAY, Decimal("10.50"), 0.1 + 0.2, True, "key", 3),
    ("A2", DAY, Decimal("-1.00"), 1e-20, False, None, 0),
]


def _pair(right_rows: list[tuple], right_types: tuple[str, ...] = PG_TYPES) -> tuple[Table, Table]:
    return (
        Table("duckdb", COLUMNS, DUCK_TYPES, list(ROWS)),
        Table("postgres", COLUMNS, right_types, right_rows),
    )


def _change(row: tuple, column: str, value: object) -> tuple:
    values = list(row)
    values[COLUMNS.index(column)] = value
    return tuple(values)


def test_identical_rows_in_another_order_match() -> None:
    left, right = _pair([ROWS[1], _change(ROWS[0], "revenue", Decimal("10.5"))])
    diff = compare_tables("account_tiers", left, right, KEY)
    assert diff.ok, str(diff)


def test_doubles_match_within_relative_tolerance_only() -> None:
    close = _change(ROWS[0], "score", 0.3 * (1 + 1e-12))
    assert compare_tables("m", *_pair([close, ROWS[1]]), KEY).ok
    far = _change(ROWS[0], "score", 0.3 * (1 + 1e-6))
    diff = compare_tables("m", *_pair([far, ROWS[1]]), KEY)
    assert not diff.ok
    assert "column score" in str(diff)


def test_a_decimal_off_by_a_cent_is_reported_with_mart_key_column_and_values() -> None:
    drifted = _change(ROWS[0], "revenue", Decimal("10.51"))
    diff = compare_tables("account_tiers", *_pair([drifted, ROWS[1]]), KEY)
    message = str(diff)
    assert message.startswith("account_tiers: duckdb and postgres differ (1 differing values)")
    assert "key (account_id='A1', snapshot_date=datetime.date(2026, 6, 30))" in message
    assert "column revenue: duckdb=Decimal('10.50') postgres=Decimal('10.51')" in message


def test_a_decimal_that_became_a_double_differs() -> None:
    as_double = _change(ROWS[0], "revenue", 10.5)
    assert not compare_tables("m", *_pair([as_double, ROWS[1]]), KEY).ok


def test_null_versus_value_and_boolean_versus_integer_differ() -> None:
    null_tier = _change(ROWS[0], "tier", None)
    assert "column tier" in str(compare_tables("m", *_pair([null_tier, ROWS[1]]), KEY))
    int_flag = _change(ROWS[0], "is_key", 1)
    assert "column is_key" in str(compare_tables("m", *_pair([int_flag, ROWS[1]]), KEY))


def test_missing_extra_and_duplicate_keys_are_reported() -> None:
    other = _change(ROWS[1], "account_id", "A9")
    message = str(compare_tables("m", *_pair([ROWS[0], other, other]), KEY))
    assert "row count: duckdb=2 postgres=3" in message
    assert "1 keys only in duckdb, e.g. (account_id='A2'" in message
    assert "1 keys only in postgres, e.g. (account_id='A9'" in message
    assert "postgres: 1 duplicate keys" in message


def test_type_drifts_are_reported_even_when_values_agree() -> None:
    timestamptz = tuple("timestamp with time zone" if t == "date" else t for t in PG_TYPES)
    real = tuple("real" if t == "double precision" else t for t in PG_TYPES)
    for types, expected in ((timestamptz, "timestamptz"), (real, "float4")):
        diff = compare_tables("m", *_pair(list(ROWS), types), KEY)
        assert not diff.ok
        assert f"({expected})" in str(diff)


def test_column_sets_must_agree() -> None:
    left = Table("duckdb", COLUMNS, DUCK_TYPES, list(ROWS))
    right = Table("spark", COLUMNS[:-1], PG_TYPES[:-1], [row[:-1] for row in ROWS])
    assert "only in duckdb: ['orders']" in str(compare_tables("m", left, right, KEY))


def test_aware_timestamps_are_not_equal_to_naive_ones() -> None:
    columns, types = ("id", "at"), ("VARCHAR", "TIMESTAMP")
    naive = dt.datetime(2026, 1, 1, 12)
    left = Table("duckdb", columns, types, [("x", naive)])
    right = Table("postgres", columns, ("text", "timestamp"), [("x", naive.replace(tzinfo=dt.UTC))])
    assert not compare_tables("m", left, right, ("id",)).ok


def test_type_kinds_across_engine_spellings() -> None:
    assert {type_kind(t) for t in ("VARCHAR", "text", "string", "character varying")} == {"text"}
    assert {type_kind(t) for t in ("BIGINT", "integer", "int", "HUGEINT")} == {"integer"}
    assert {type_kind(t) for t in ("DECIMAL(18,2)", "numeric", "decimal(38,6)")} == {"decimal"}
    assert {type_kind(t) for t in ("DOUBLE", "double precision", "double")} == {"double"}
    assert {type_kind(t) for t in ("FLOAT", "real")} == {"float4"}
    assert type_kind("timestamp with time zone") == "timestamptz"


def test_assert_marts_match_lists_matched_and_failed_marts() -> None:
    good = compare_tables("dim_kams", *_pair([ROWS[1], ROWS[0]]), KEY)
    bad = compare_tables("fct_sales", *_pair([ROWS[0]]), KEY)
    assert_marts_match([good])
    with pytest.raises(AssertionError, match=r"1 of 2 marts differ \(matched: dim_kams\)"):
        assert_marts_match([good, bad])


def test_excluded_columns_leave_the_comparison_and_nothing_else() -> None:
    from compare import without_columns

    left, right = _pair([_change(row, "score", 99.0) for row in ROWS])
    assert not compare_tables("m", left, right, KEY).ok
    assert compare_tables(
        "m", without_columns(left, ["score"]), without_columns(right, ["score"]), KEY
    ).ok
    trimmed = without_columns(right, ["score", "not_a_column"])
    assert "score" not in trimmed.columns and len(trimmed.columns) == len(COLUMNS) - 1
    assert len(trimmed.rows[0]) == len(COLUMNS) - 1
