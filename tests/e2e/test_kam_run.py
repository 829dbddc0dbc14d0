"""`kam run` end to end on generated data: what gets published, and what never does."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.quality import BRONZE_SUITES, MART_SUITES
from tests.e2e.conftest import (
    REPO,
    file_sha256,
    kam_command,
    kam_env,
    mart_counts,
    run_kam,
    start_kam,
)

pytestmark = pytest.mark.slow

SPEC_MARTS = {
    "dim_accounts",
    "dim_kams",
    "dim_products",
    "dim_dates",
    "fct_sales",
    "account_tiers",
    "account_tier_changes",
    "retention_cohorts",
    "retention_summary",
    "account_churn",
    "account_clv",
    "clv_model_fits",
    "objective_attainment",
    "kam_scorecard",
    "plan_execution",
    "decision_unit_coverage",
    "sla_compliance",
}


def test_a_full_run_publishes_every_mart(published_home: Path) -> None:
    counts = mart_counts(published_home / "published" / "kam.duckdb")
    missing = SPEC_MARTS - set(counts)
    assert not missing, f"marts not published: {sorted(missing)}"
    empty = sorted(name for name in SPEC_MARTS if counts[name] == 0)
    assert not empty, f"empty marts: {empty}"
    con = duckdb.connect(str(published_home / "published" / "kam.duckdb"), read_only=True)
    try:
        checks_passed, checks_total = con.execute(
            "select checks_passed, checks_total from meta.publish"
        ).fetchone()
        tiers = {
            row[0]
            for row in con.execute("select distinct tier from marts.account_tiers").fetchall()
        }
    finally:
        con.close()
    # A GX suite per bronze entity and per mart GX audits (the CLV fits' check only warns).
    assert checks_total >= len(BRONZE_SUITES) + len(MART_SUITES)
    assert checks_passed == checks_total
    assert tiers <= {"key", "strategic", "core", "maintain"} and "key" in tiers
    assert (published_home / "published" / "parquet" / "account_tiers.parquet").is_file()


def test_status_reports_the_publish(published_home: Path) -> None:
    result = subprocess.run(
        kam_command("status", "--home", str(published_home)),
        cwd=REPO,
        env=kam_env(published_home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "published: version" in result.stdout
    assert "account_tiers" in result.stdout
    assert "currency: BRL; DuckDB storage version: v0.10.0" in result.stdout
    assert "match the publish record" in result.stdout
    assert "last run:" in result.stdout and "SUCCESS" in result.stdout


def test_running_again_on_the_same_files_changes_no_count(home: Path, landing: Path) -> None:
    before = mart_counts(home / "published" / "kam.duckdb")
    result = run_kam(home, landing)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 new files" in result.stdout
    version = (home / "published" / "CURRENT").read_text().strip()
    assert f"nothing changed since version {version}; no new version" in result.stdout
    assert len(list((home / "published" / "versions").iterdir())) == 1
    # The entry point skips module teardown, where DuckDB's bindings printed leak warnings.
    assert "leaked" not in result.stderr
    assert mart_counts(home / "published" / "kam.duckdb") == before


def test_rebuild_from_bronze_alone_gives_identical_marts(home: Path, landing: Path) -> None:
    def snapshot(db: Path) -> dict[str, list]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return {
                mart: con.execute(f"select * from marts.{mart} order by all").fetchall()
                for mart in ("account_tiers", "retention_summary", "objective_attainment")
            }
        finally:
            con.close()

    before = snapshot(home / "published" / "kam.duckdb")
    for folder in ("build", "published"):
        subprocess.run(["chmod", "-R", "u+w", str(home / folder)], check=True)
        subprocess.run(["rm", "-rf", str(home / folder)], check=True)
    result = run_kam(home, landing)
    assert result.returncode == 0, result.stdout + result.stderr
    assert snapshot(home / "published" / "kam.duckdb") == before


def test_corrupt_file_fails_the_run_and_leaves_published_byte_identical(
    home: Path, landing: Path
) -> None:
    published = home / "published" / "kam.duckdb"
    before = file_sha256(published)
    corrupt = landing / "sales" / "invoice_lines" / "invoice_lines_2026-11-02.csv"
    corrupt.write_bytes(b"\x00\x01PK\x03\x04 not a csv at all \xff\xfe\n" * 50)

    result = run_kam(home, landing)

    assert result.returncode == 1
    assert "invoice_lines_2026-11-02.csv" in result.stderr
    assert "nothing was published" in result.stderr
    assert file_sha256(published) == before


def test_a_failing_check_blocks_publish(home: Path, landing: Path) -> None:
    """An account owned by a KAM the CRM does not know passes row rules but fails a dbt test."""
    published = home / "published" / "kam.duckdb"
    before = file_sha256(published)
    accounts = landing / "crm" / "accounts.csv"
    header, first_row = accounts.read_text(encoding="latin-1").splitlines()[:2]
    columns = header.split(";")
    values = first_row.split(";")
    values[columns.index("account_id")] = "ACC-ORPHAN"
    values[columns.index("owner_kam_id")] = "KAM-NOBODY"
    if "cnpj" in columns:
        values[columns.index("cnpj")] = ""
    (landing / "crm" / "accounts.orphan.csv").write_text(
        header + "\n" + ";".join(values) + "\n", encoding="latin-1"
    )

    result = run_kam(home, landing)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing was published" in result.stderr
    assert file_sha256(published) == before
    # dbt's failure in plain lines, once: which test, in which file, what it found.
    assert "dbt build: 1 model(s) or test(s) failed:" in result.stderr
    reason = (
        "- test relationships_when_delivered_dim_accounts_owner_kam_id__kam_id__ref_dim_kams_ "
        "(models/marts/accounts/_accounts__models.yml): Got 1 result, configured to fail if != 0"
    )
    assert result.stderr.count(reason) == 1, result.stderr
    assert "dbt CLI process" not in result.stderr and "Traceback" not in result.stderr
    assert ("not run because of the failure: publish__published_warehouse") in result.stderr

    # Rerunning only a mart downstream of the failure cannot vouch for the rest of the build.
    rerun = run_kam(home, landing, "--select", 'key:"marts/account_tiers"+')
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr
    assert "build step dbt_build did not finish cleanly" in rerun.stderr
    assert file_sha256(published) == before


def test_sigkill_during_dbt_leaves_published_unchanged_and_next_run_recovers(
    home: Path, landing: Path
) -> None:
    published = home / "published" / "kam.duckdb"
    before = file_sha256(published)
    (home / "build").chmod(0o755)
    process = start_kam(home, landing, "--force")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not _dbt_running(process.pid):
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.2)
    assert _dbt_running(process.pid), "dbt never started"
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert process.returncode == -signal.SIGKILL
    assert file_sha256(published) == before
    result = run_kam(home, landing)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bi_reader_held_open_does_not_block_a_run(home: Path, landing: Path) -> None:
    published = home / "published" / "kam.duckdb"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, duckdb
                con = duckdb.connect({str(published)!r}, read_only=True)
                query = "select run_id from meta.publish"
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
    old_run = reader.stdout.readline().strip()
    add_a_new_day(landing)

    result = run_kam(home, landing)
    assert result.returncode == 0, result.stdout + result.stderr

    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == old_run  # still the version it opened
    assert reader.wait(timeout=30) == 0
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("select run_id from meta.publish").fetchone()[0] != old_run
    finally:
        con.close()


def test_two_runs_started_together_queue_without_a_lock_error(home: Path, landing: Path) -> None:
    first = start_kam(home, landing)
    second = start_kam(home, landing)
    out_first, _ = first.communicate(timeout=900)
    out_second, _ = second.communicate(timeout=900)
    assert first.returncode == 0, out_first
    assert second.returncode == 0, out_second
    combined = out_first + out_second
    assert "Could not set lock" not in combined
    assert "waiting for it" in combined


def _dbt_running(parent_pid: int) -> bool:
    """True when a dbt process runs in the process group of `parent_pid`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if os.getpgid(int(entry.name)) != parent_pid:
                continue
        except (OSError, ProcessLookupError):
            continue
        if any(part.endswith(b"/dbt") or part == b"dbt" for part in cmdline[:2]):
            return True
    return False


def test_rollback_points_bi_at_the_previous_version(home: Path, landing: Path) -> None:
    published = home / "published" / "kam.duckdb"
    first_version = (home / "published" / "CURRENT").read_text().strip()
    first_sha = file_sha256(published)
    add_a_new_day(landing)
    assert run_kam(home, landing).returncode == 0  # a second version

    result = subprocess.run(
        kam_command("rollback", "--home", str(home)),
        cwd=REPO,
        env=kam_env(home),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert first_version in result.stdout
    assert file_sha256(published) == first_sha


def test_docs_site_builds_for_analysts(published_home: Path) -> None:
    result = subprocess.run(
        kam_command("docs", "--home", str(published_home)),
        cwd=REPO,
        env=kam_env(published_home),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    site = published_home / "docs"  # under the home, never in the installation
    assert (site / "index.html").is_file() and (site / "catalog.json").is_file()
    assert f"docs site: {site / 'index.html'}" in result.stdout


def add_a_new_day(landing: Path) -> None:
    """The last day's invoice file again, one day later, as new invoices: the data changes."""
    folder = landing / "sales" / "invoice_lines"
    last_file = sorted(folder.glob("invoice_lines_????-??-??.csv"))[-1]
    last_day = dt.date.fromisoformat(last_file.stem.removeprefix("invoice_lines_"))
    new_day = last_day + dt.timedelta(days=1)
    content = last_file.read_bytes().replace(
        last_day.strftime("%d/%m/%Y").encode(), new_day.strftime("%d/%m/%Y").encode()
    )
    content = content.replace(b"NF-", b"NX-")  # new invoices, not a re-delivery of old ones
    (folder / f"invoice_lines_{new_day.isoformat()}.csv").write_bytes(content)


def test_a_new_day_publishes_the_build_rewriting_only_its_month(home: Path, landing: Path) -> None:
    """The nightly case: the new version starts from the previous one and still equals the build."""
    add_a_new_day(landing)

    result = run_kam(home, landing)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "fct_sales: 1 of" in result.stderr, result.stderr
    build = duckdb.connect(str(home / "build" / "kam.duckdb"), read_only=True)
    try:
        build.execute(f"attach '{home / 'published' / 'kam.duckdb'}' as published (read_only)")
        for mart in mart_counts(home / "published" / "kam.duckdb"):
            differences = build.execute(
                f"select count(*) from ((select * from marts.{mart} except all "
                f"select * from published.marts.{mart}) union all (select * from "
                f"published.marts.{mart} except all select * from marts.{mart}))"
            ).fetchone()[0]
            assert differences == 0, mart
    finally:
        build.close()


def test_a_first_run_with_a_redelivered_day_keeps_the_later_delivery(
    tmp_path: Path, landing: Path
) -> None:
    """A folder holding a day's file and its correction loads both in one run (two loads of the
    same period); the bronze check must not read the repeated keys as duplicates."""
    folder = landing / "sales" / "invoice_lines"
    first = sorted(folder.glob("invoice_lines_????-??-??.csv"))[-1]
    lines = first.read_bytes().splitlines(keepends=True)
    correction = folder / f"{first.stem}_corrigido.csv"
    correction.write_bytes(b"".join(lines[:-1]))  # the corrected delivery drops the last line
    later = first.stat().st_mtime + 60
    os.utime(correction, (later, later))

    result = run_kam(tmp_path / "fresh", landing)

    assert result.returncode == 0, result.stdout + result.stderr
    day = dt.date.fromisoformat(first.stem.removeprefix("invoice_lines_"))
    con = duckdb.connect(str(tmp_path / "fresh" / "published" / "kam.duckdb"), read_only=True)
    try:
        rows, keys = con.execute(
            "select count(*), count(distinct (invoice_id, line_number)) from marts.fct_sales "
            "where invoice_date = ?",
            [day],
        ).fetchone()
    finally:
        con.close()
    assert rows == keys == len(lines) - 2  # header and the dropped line
