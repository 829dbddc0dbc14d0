"""A publish starts from the previous version's file and rewrites only what changed.

Real DuckDB files throughout: each test builds a small build file, publishes it, changes the build
the way a nightly run would, publishes again and compares the new version with the build row by
row. The previous version must stay byte-identical, since BI may still be reading it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from pipelines.lib import mart_copy, publish
from pipelines.lib.mart_copy import COPIED, PARTITIONS_REPLACED, UNCHANGED, MartCopyError
from pipelines.lib.publish import PublishRecord

PARTITIONS = {"fct_sales": "month_start_date"}
MARTS = ["dim_accounts", "fct_sales"]


def make_build(path: Path) -> Path:
    """Five months of sales lines (ten lines each) and an accounts dimension."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_accounts as select 'A' || i as account_id from range(3) t(i)"
    )
    con.execute(
        """
        create table marts.fct_sales as
        select
            date '2026-01-01' + to_months(cast(i // 10 as integer)) as month_start_date,
            i as invoice_line_id,
            cast(i * 10.5 as decimal(18, 2)) as net_revenue
        from range(50) t(i)
        """
    )
    con.close()
    return path


def change(build: Path, *statements: str) -> None:
    con = duckdb.connect(str(build))
    for statement in statements:
        con.execute(statement)
    con.close()


def publish_version(build: Path, published: Path, version: str, marts=MARTS):
    return publish.publish_build(
        build,
        published,
        marts=marts,
        record=PublishRecord(run_id=version, as_of_date=None, checks={"all": True}),
        version=version,
        partition_columns=PARTITIONS,
    )


def rows(db: Path, mart: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(f"select * from marts.{mart}").fetchall(), key=repr)
    finally:
        con.close()


def parquet_rows(path: Path) -> list[tuple]:
    return sorted(duckdb.sql(f"select * from read_parquet('{path}')").fetchall(), key=repr)


def marts_in(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    finally:
        con.close()
    return {name for (name,) in names}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_version_equals_build(published: Path, version: str, build: Path, marts=MARTS) -> None:
    folder = published / "versions" / version
    assert marts_in(folder / "kam.duckdb") == set(marts)
    for mart in marts:
        expected = rows(build, mart)
        assert rows(folder / "kam.duckdb", mart) == expected, mart
        assert parquet_rows(folder / "parquet" / f"{mart}.parquet") == expected, mart


def test_a_new_day_rewrites_its_month_and_links_unchanged_exports(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    first = publish_version(build, published, "v1")
    assert first.started_from is None and {c.how for c in first.marts} == {COPIED}
    v1_file = sha256(published / "versions" / "v1" / "kam.duckdb")

    # A re-delivered line in February and a new line in March; the accounts do not change.
    change(
        build,
        "update marts.fct_sales set net_revenue = 1 where invoice_line_id = 12",
        "insert into marts.fct_sales values (date '2026-03-01', 99, 7.25)",
    )
    second = publish_version(build, published, "v2")

    assert second.started_from == "v1"
    outcome = {copy.mart: copy for copy in second.marts}
    assert outcome["dim_accounts"].how == UNCHANGED
    assert outcome["fct_sales"].how == PARTITIONS_REPLACED
    assert (outcome["fct_sales"].partitions_replaced, outcome["fct_sales"].partitions_total) == (
        2,
        5,
    )
    assert second.row_counts == {"dim_accounts": 3, "fct_sales": 51}
    assert "fct_sales: 2 of 5 partitions replaced" in second.describe_changes()
    assert_version_equals_build(published, "v2", build)

    v1_parquet, v2_parquet = (published / "versions" / v / "parquet" for v in ("v1", "v2"))
    unchanged_export = (v2_parquet / "dim_accounts.parquet").stat()
    assert unchanged_export.st_ino == (v1_parquet / "dim_accounts.parquet").stat().st_ino
    changed_export = (v2_parquet / "fct_sales.parquet").stat()
    assert changed_export.st_ino != (v1_parquet / "fct_sales.parquet").stat().st_ino
    # The version BI may still be reading was never written to, and still says what it said.
    assert sha256(published / "versions" / "v1" / "kam.duckdb") == v1_file
    assert publish.rollback(published) == "v1"
    assert len(rows(published / "kam.duckdb", "fct_sales")) == 50


def test_vanished_and_null_months_are_replaced_too(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")

    # The as-of date moved back: March is gone. A line without a month appears.
    change(
        build,
        "delete from marts.fct_sales where month_start_date = date '2026-03-01'",
        "insert into marts.fct_sales values (null, 100, 1.00)",
    )
    second = publish_version(build, published, "v2")
    assert {c.mart: c.describe() for c in second.marts}["fct_sales"] == (
        "2 of 5 partitions replaced"
    )
    assert_version_equals_build(published, "v2", build)

    # The line without a month is corrected: the NULL partition is replaced, not duplicated.
    change(build, "update marts.fct_sales set net_revenue = 2 where invoice_line_id = 100")
    publish_version(build, published, "v3")
    assert_version_equals_build(published, "v3", build)


def test_a_changed_schema_or_mostly_changed_mart_is_copied_whole(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")

    change(build, "alter table marts.fct_sales add column is_credit_note boolean default false")
    second = publish_version(build, published, "v2")
    assert {c.mart: c.how for c in second.marts} == {"dim_accounts": UNCHANGED, "fct_sales": COPIED}
    assert_version_equals_build(published, "v2", build)

    change(build, "update marts.fct_sales set net_revenue = net_revenue + 1")
    third = publish_version(build, published, "v3")
    assert {c.mart: c.how for c in third.marts}["fct_sales"] == COPIED
    assert_version_equals_build(published, "v3", build)


def test_marts_the_build_no_longer_has_are_dropped(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")

    publish_version(build, published, "v2", marts=["fct_sales"])

    assert_version_equals_build(published, "v2", build, marts=["fct_sales"])
    assert not (published / "versions" / "v2" / "parquet" / "dim_accounts.parquet").exists()


def test_a_damaged_previous_version_is_not_reused(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    damaged = published / "versions" / "v1" / "kam.duckdb"
    damaged.chmod(0o644)
    damaged.write_bytes(b"not a database" * 1000)

    change(build, "insert into marts.fct_sales values (date '2026-03-01', 99, 7.25)")
    second = publish_version(build, published, "v2")

    assert second.started_from is None
    assert_version_equals_build(published, "v2", build)


def test_a_copy_that_does_not_match_the_build_is_never_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row-count check after the refresh is what stands between a logic error and BI."""
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    change(build, "insert into marts.fct_sales values (date '2026-03-01', 99, 7.25)")
    monkeypatch.setattr(mart_copy, "_replace_partitions", lambda *args: None)

    with pytest.raises(MartCopyError, match="fct_sales: the new file holds 50 rows, the build 51"):
        publish_version(build, published, "v2")

    assert publish.list_versions(published) == ["v1"]
    assert publish.current_version(published) == "v1"
