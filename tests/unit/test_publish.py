"""Write-audit-publish on real DuckDB files: atomic switch, refusal, readers, rollback, pruning."""

from __future__ import annotations

import hashlib
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.lib import publish
from pipelines.lib.publish import PublishError, PublishRecord


def make_build(path: Path, revenue: int) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.dim_accounts as select 'A1' as account_id")
    con.execute(
        "create or replace table marts.account_tiers as "
        f"select 'A1' as account_id, {revenue} as revenue_12m"
    )
    con.close()
    return path


def record(run_id: str = "run-1", passed: bool = True) -> PublishRecord:
    return PublishRecord(run_id=run_id, as_of_date="2026-10-31", checks={"bronze_accounts": passed})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


MARTS = ["dim_accounts", "account_tiers"]


def read_revenue(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select revenue_12m from marts.account_tiers").fetchone()[0]
    finally:
        con.close()


def test_publish_writes_marts_meta_and_parquet(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb", 100)
    published = tmp_path / "published"

    result = publish.publish_build(build, published, marts=MARTS, record=record())

    assert read_revenue(published / "kam.duckdb") == 100
    assert result.row_counts == {"dim_accounts": 1, "account_tiers": 1}
    assert (published / "parquet" / "account_tiers.parquet").is_file()
    assert publish.current_version(published) == result.version
    info = publish.read_publish_info(published)
    assert info is not None
    assert (info.run_id, info.as_of_date, info.checks_passed, info.checks_total) == (
        "run-1",
        "2026-10-31",
        1,
        1,
    )
    mode = stat.S_IMODE((published / "kam.duckdb").stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0


def test_failed_checks_refuse_and_leave_published_file_byte_identical(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish.publish_build(
        make_build(tmp_path / "b1.duckdb", 100), published, marts=MARTS, record=record()
    )
    before = sha256(published / "kam.duckdb")

    with pytest.raises(PublishError, match="failed checks: bronze_accounts"):
        publish.publish_build(
            make_build(tmp_path / "b2.duckdb", 999),
            published,
            marts=MARTS,
            record=record("run-2", passed=False),
        )

    assert sha256(published / "kam.duckdb") == before
    assert len(publish.list_versions(published)) == 1


def test_no_check_results_is_a_refusal_not_a_pass(tmp_path: Path) -> None:
    empty = PublishRecord(run_id="r", as_of_date=None, checks={})
    with pytest.raises(PublishError, match="no check results"):
        publish.publish_build(
            make_build(tmp_path / "b.duckdb", 1), tmp_path / "p", marts=MARTS, record=empty
        )


def test_a_missing_mart_fails_without_leaving_a_partial_version(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish.publish_build(
        make_build(tmp_path / "b1.duckdb", 100), published, marts=MARTS, record=record()
    )
    before = sha256(published / "kam.duckdb")

    with pytest.raises(duckdb.CatalogException):
        publish.publish_build(
            make_build(tmp_path / "b2.duckdb", 5),
            published,
            marts=[*MARTS, "no_such_mart"],
            record=record("run-2"),
        )

    assert sha256(published / "kam.duckdb") == before
    leftovers = [p.name for p in (published / "versions").iterdir()]
    assert len(leftovers) == 1 and not leftovers[0].startswith(".")


def test_open_reader_keeps_old_data_and_new_connection_sees_new(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish.publish_build(
        make_build(tmp_path / "b1.duckdb", 100), published, marts=MARTS, record=record()
    )

    # A separate process holds a read-only connection across the publish, like a BI tool.
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, duckdb
                con = duckdb.connect({str(published / "kam.duckdb")!r}, read_only=True)
                query = "select revenue_12m from marts.account_tiers"
                print(con.execute(query).fetchone()[0], flush=True)
                sys.stdin.readline()
                print(con.execute(query).fetchone()[0], flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "100"

    publish.publish_build(
        make_build(tmp_path / "b2.duckdb", 200), published, marts=MARTS, record=record("run-2")
    )

    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "100"
    assert reader.wait(timeout=30) == 0
    assert read_revenue(published / "kam.duckdb") == 200


def test_rollback_and_pruning(tmp_path: Path) -> None:
    published = tmp_path / "published"
    versions = []
    for revenue in (1, 2, 3, 4):
        result = publish.publish_build(
            make_build(tmp_path / f"b{revenue}.duckdb", revenue),
            published,
            marts=MARTS,
            record=record(f"run-{revenue}"),
            keep_versions=3,
            version=f"v{revenue}",
        )
        versions.append(result.version)

    assert publish.list_versions(published) == ["v2", "v3", "v4"]
    assert publish.rollback(published) == "v3"
    assert read_revenue(published / "kam.duckdb") == 3
    assert publish.rollback(published, "v2") == "v2"
    assert read_revenue(published / "kam.duckdb") == 2
    assert (published / "parquet").resolve() == (
        published / "versions" / "v2" / "parquet"
    ).resolve()
    with pytest.raises(PublishError, match="no published version v1; available: v2, v3, v4"):
        publish.rollback(published, "v1")
    with pytest.raises(PublishError, match="nothing to roll back to"):
        publish.rollback(published)


def test_read_publish_info_when_nothing_published(tmp_path: Path) -> None:
    assert publish.read_publish_info(tmp_path) is None


def test_the_copy_runs_under_the_given_duckdb_settings(tmp_path: Path) -> None:
    """The copy connection takes the installation's memory limit and spill folder: left to its
    default, DuckDB took 13 GiB to copy 100 million sales lines."""
    build = make_build(tmp_path / "build.duckdb", 100)
    published = tmp_path / "published"
    spill = tmp_path / "spill"
    spill.mkdir()

    publish.publish_build(
        build,
        published,
        marts=MARTS,
        record=record(),
        duckdb_config={"memory_limit": "256MB", "threads": 1, "temp_directory": str(spill)},
    )
    assert read_revenue(published / "kam.duckdb") == 100

    # A setting DuckDB rejects fails the publish and leaves no version behind: the settings
    # really reach the connection that writes the new file.
    with pytest.raises(duckdb.Error):
        publish.publish_build(
            build, tmp_path / "other", marts=MARTS, record=record(), duckdb_config={"threads": -1}
        )
    assert publish.list_versions(tmp_path / "other") == []
