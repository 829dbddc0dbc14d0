"""The published file and its Parquet exports open in the DuckDB releases BI drivers bundle.

DuckDB 2.0 writes its own storage format by default, which DuckDB 1.4 and older refuse ("Trying to
read a database file with version number 999"); the ODBC, JDBC and Node drivers embed such older
releases. Every test here opens what was published with DuckDB 1.1 (in `.venv-compat`, through a
subprocess) and reads every mart and every export.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.lib import publish
from tests.old_duckdb import read_with_old_duckdb
from tests.publish_builds import DOCS, MARTS, PARTITIONS, change, make_build, record


def publish_version(build: Path, published: Path, version: str, **options):
    return publish.publish_build(
        build,
        published,
        marts=MARTS,
        record=record(version),
        version=version,
        partition_columns=PARTITIONS,
        docs=DOCS,
        **options,
    )


def format_tag(db: Path) -> str:
    """The storage format family DuckDB reports for a file: 'v1.0.0+' is the stable format
    every release since 0.10 reads."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db}' as probe (read_only)")
        return con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'probe'"
        ).fetchone()[0]
    finally:
        con.close()


def rows_now(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            mart: con.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in MARTS
        }
    finally:
        con.close()


def assert_old_duckdb_reads(published: Path, version: str) -> dict:
    folder = published / "versions" / version
    report = read_with_old_duckdb(folder / "kam.duckdb", folder / "parquet")
    assert report["version"].startswith("1.1."), report["version"]
    assert report["errors"] == []
    assert report["marts"] == rows_now(folder / "kam.duckdb")
    assert report["parquet"] == report["marts"]
    return report


def test_duckdb_1_1_reads_the_published_file_and_every_export(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish_version(make_build(tmp_path / "build.duckdb"), published, "v1")

    report = assert_old_duckdb_reads(published, "v1")
    # The published copy BI opens is the same file.
    again = read_with_old_duckdb(published / "kam.duckdb", published / "parquet")
    assert again["errors"] == [] and again["marts"] == report["marts"]
    assert report["table_comments"]["marts.fct_sales"].startswith("Invoice lines.")


def test_a_version_edited_from_the_previous_one_keeps_the_old_format(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")

    change(
        build,
        "update marts.fct_sales set net_amount = 1 where invoice_line_id = 12",
        "insert into marts.fct_sales values (date '2026-05-01', 99, 1.5, 7.25, 0.5, 100.00, 0.1)",
    )
    second = publish_version(build, published, "v2")

    assert second.started_from == "v1"
    assert {copy.mart: copy.how for copy in second.marts}["fct_sales"] == "partitions replaced"
    assert format_tag(published / "versions" / "v2" / "kam.duckdb") == "v1.0.0+"
    report = assert_old_duckdb_reads(published, "v2")
    assert report["marts"]["fct_sales"] == 51


def test_a_previous_version_in_another_format_is_not_reused(tmp_path: Path) -> None:
    """A version written in DuckDB 2.0's own format (as every version was before the setting)
    is not copied and edited: the new version is written whole, in the configured format."""
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1", storage_version="v2.0.0")
    assert format_tag(published / "versions" / "v1" / "kam.duckdb") == "v2.0.0+"
    unreadable = read_with_old_duckdb(
        published / "versions" / "v1" / "kam.duckdb", tmp_path / "no_parquet"
    )
    assert "version number" in " ".join(unreadable["errors"])

    change(build, "update marts.fct_sales set net_amount = 2 where invoice_line_id = 3")
    second = publish_version(build, published, "v2")

    assert second.started_from is None
    assert format_tag(published / "versions" / "v2" / "kam.duckdb") == "v1.0.0+"
    assert_old_duckdb_reads(published, "v2")


def test_an_unknown_storage_version_is_a_clear_refusal(tmp_path: Path) -> None:
    published = tmp_path / "published"
    with pytest.raises(publish.PublishError, match=r"publish.storage_version 'v9.9' is not"):
        publish_version(
            make_build(tmp_path / "build.duckdb"), published, "v1", storage_version="v9.9"
        )
    assert publish.list_versions(published) == []
