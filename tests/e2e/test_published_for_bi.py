"""What a BI tool gets from a real run: a file its driver's DuckDB opens, described in full.

One full `kam run` on generated data (the test session's published home), then the published file
and its Parquet exports are read the way BI tools read them: with DuckDB 1.1 (the drivers bundle
older releases than the Python package), with pyarrow and pandas (Arrow field metadata, numeric
types).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.e2e.conftest import mart_counts
from tests.old_duckdb import read_with_old_duckdb

pytestmark = pytest.mark.slow


def test_duckdb_1_1_reads_every_mart_and_every_export(published_home: Path) -> None:
    published = published_home / "published"
    report = read_with_old_duckdb(published / "kam.duckdb", published / "parquet")

    assert report["version"].startswith("1.1."), report["version"]
    assert report["errors"] == []
    counts = mart_counts(published / "kam.duckdb")
    assert report["marts"] == counts
    assert report["parquet"] == counts


def test_every_published_table_and_column_has_a_comment(published_home: Path) -> None:
    con = duckdb.connect(str(published_home / "published" / "kam.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "select schema_name || '.' || table_name, comment from duckdb_tables() "
            "where schema_name in ('marts', 'meta')"
        ).fetchall()
        columns = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name, comment "
            "from duckdb_columns() where schema_name in ('marts', 'meta')"
        ).fetchall()
    finally:
        con.close()
    assert len(tables) > 20 and len(columns) > 250  # 18 marts and the meta tables
    assert [name for name, comment in tables if not (comment or "").strip()] == []
    assert [name for name, comment in columns if not (comment or "").strip()] == []


def test_every_parquet_field_has_a_description_and_a_numeric_type(published_home: Path) -> None:
    exports = sorted((published_home / "published" / "parquet").glob("*.parquet"))
    assert len(exports) == len(mart_counts(published_home / "published" / "kam.duckdb"))
    for path in exports:
        schema = pq.read_schema(path)
        undescribed = [
            field.name
            for field in schema
            if not (field.metadata or {}).get(b"description", b"").strip()
        ]
        assert undescribed == [], path.name
        assert pq.read_metadata(path).metadata[b"description"].strip(), path.name
        assert not [field.name for field in schema if pa.types.is_decimal(field.type)], path.name


def test_exact_decimals_stay_in_duckdb_and_read_as_floats_from_parquet(
    published_home: Path,
) -> None:
    published = published_home / "published"
    con = duckdb.connect(str(published / "kam.duckdb"), read_only=True)
    try:
        decimals = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and data_type like 'DECIMAL%' order by all"
        ).fetchall()
    finally:
        con.close()
    assert len(decimals) > 10  # money columns are exact DECIMAL in the DuckDB file
    for table, column in decimals:
        frame = pd.read_parquet(published / "parquet" / f"{table}.parquet", columns=[column])
        assert frame[column].dtype == "float64", f"{table}.{column}: {frame[column].dtype}"


def test_the_publish_record_lists_each_mart(published_home: Path) -> None:
    con = duckdb.connect(str(published_home / "published" / "kam.duckdb"), read_only=True)
    try:
        marts = con.execute(
            "select mart, grain, row_count, as_of_date, currency, empty_reason from meta.marts"
        ).fetchall()
        as_of, currency, storage = con.execute(
            "select as_of_date, currency, storage_version from meta.publish"
        ).fetchone()
    finally:
        con.close()
    counts = mart_counts(published_home / "published" / "kam.duckdb")
    assert {mart: rows for mart, _, rows, _, _, _ in marts} == counts
    assert all(grain and grain.startswith("one row per") for _, grain, *_ in marts)
    assert {(row[3], row[4]) for row in marts} == {(as_of, "BRL")}
    assert (currency, storage) == ("BRL", "v0.10.0")
    assert all(row[5] is None for row in marts if row[2] > 0)
