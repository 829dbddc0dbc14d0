"""`dbt build` on a synthetic bronze: every model builds and every data and unit test passes."""

from __future__ import annotations

import duckdb
from conftest import DbtRun, run_dbt
from synthetic_bronze import AS_OF, create_bronze

MARTS = {
    "dim_accounts", "dim_kams", "dim_products", "dim_dates", "fct_sales", "account_tiers",
    "account_tier_changes", "retention_cohorts", "retention_summary", "account_churn",
    "objective_attainment", "kam_scorecard", "plan_execution", "decision_unit_coverage",
    "decision_unit_gaps", "sla_compliance", "sla_by_tier", "account_health", "clv_summary",
}  # fmt: skip


def test_build_passes_with_data_and_unit_tests(built_project: DbtRun) -> None:
    failures = [
        f"{result['unique_id']}: {result['status']} {result.get('message') or ''}"
        for result in built_project.results
        if result["status"] not in ("success", "pass")
    ]
    assert failures == [], built_project.output[-3000:]
    assert built_project.returncode == 0, built_project.output[-3000:]
    kinds = {result["unique_id"].split(".")[0] for result in built_project.results}
    assert {"model", "test", "unit_test"} <= kinds


def test_every_mart_is_published_in_schema_marts(built_project: DbtRun) -> None:
    with duckdb.connect(str(built_project.database), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    assert tables >= MARTS


def test_staging_keeps_the_latest_load(built_project: DbtRun) -> None:
    with duckdb.connect(str(built_project.database), read_only=True) as connection:
        owner = connection.execute(
            "select owner_kam_id from marts.dim_accounts where account_id = 'A002'"
        ).fetchone()
        delivered = connection.execute(
            """
            select count(*), sum(net_amount) from bronze.invoice_lines
            where _delivery_period = '2026-05' and _load_id = 'L2'
            """
        ).fetchone()
        staged = connection.execute(
            """
            select count(*), sum(net_amount) from marts.fct_sales
            where delivery_period = '2026-05'
            """
        ).fetchone()
        first_lines = connection.execute(
            "select count(*) from marts.fct_sales "
            "where delivery_period = '2026-05' and invoice_id like '%-0'"
        ).fetchone()
    assert owner == ("K001",)
    # The re-delivery of 2026-05 (load L2, without each day's first invoice) replaced the period.
    assert staged == delivered
    assert first_lines == (0,)


def test_tier_snapshots_cover_every_month_and_shares_sum_to_one(
    built_project: DbtRun,
) -> None:
    with duckdb.connect(str(built_project.database), read_only=True) as connection:
        months = connection.execute(
            "select count(distinct snapshot_date), max(snapshot_date) from marts.account_tiers"
        ).fetchone()
        shares = connection.execute(
            """
            select min(total_share), max(total_share) from (
                select snapshot_date, sum(revenue_share) as total_share
                from marts.account_tiers group by snapshot_date
            ) as totals
            """
        ).fetchone()
        overrides = connection.execute(
            """
            select snapshot_date, tier, is_override from marts.account_tiers
            where account_id = 'A005' and snapshot_date in ('2025-06-30', '2026-06-30')
            order by snapshot_date
            """
        ).fetchall()
    assert months[0] == 24
    assert str(months[1]) == AS_OF
    assert abs(shares[0] - 1) < 1e-9 and abs(shares[1] - 1) < 1e-9
    assert [(str(row[0]), row[1], row[2]) for row in overrides] == [
        ("2025-06-30", "key", True),
        ("2026-06-30", "strategic", True),
    ]


def test_as_of_date_var_rebuilds_history(tmp_path) -> None:
    database = create_bronze(tmp_path / "kam.duckdb")
    result = run_dbt(
        ["run", "--vars", "{as_of_date: '2025-12-15'}"],
        database,
        tmp_path,
    )
    assert result.returncode == 0, result.output[-3000:]
    with duckdb.connect(str(database), read_only=True) as connection:
        last_sale = connection.execute("select max(invoice_date) from marts.fct_sales").fetchone()
        last_snapshot = connection.execute(
            "select max(snapshot_date) from marts.account_tiers"
        ).fetchone()
        periods = connection.execute(
            "select distinct plan_period from marts.objective_attainment"
        ).fetchall()
        partial = connection.execute(
            """
            select period_type, period_start_date, accounts_at_start, churned_accounts,
                retained_accounts, logo_retention, nrr, logo_retention_null_reason
            from marts.retention_summary
            where is_partial_period and slice_type = 'all'
            order by period_type
            """
        ).fetchall()
        complete_churn = connection.execute(
            """
            select count(*) from marts.retention_summary
            where not is_partial_period and slice_type = 'all' and churned_accounts is null
            """
        ).fetchone()
        partial_snapshot = connection.execute(
            "select distinct snapshot_date from marts.account_tiers where is_partial_period"
        ).fetchall()
    assert str(last_sale[0]) == "2025-12-15"
    assert str(last_snapshot[0]) == "2025-12-31"
    # Fifteen days into December is not a month of churn: December and Q4 are partial periods,
    # with accounts at start but no retained or churned accounts and no ratios.
    assert [(row[0], str(row[1])) for row in partial] == [
        ("month", "2025-12-01"),
        ("quarter", "2025-10-01"),
    ]
    for _, _, at_start, churned, retained, logo_retention, nrr, reason in partial:
        assert at_start > 0
        assert churned is None and retained is None and logo_retention is None and nrr is None
        assert reason == "partial period: data up to 2025-12-15"
    assert complete_churn == (0,)
    assert [str(row[0]) for row in partial_snapshot] == ["2025-12-31"]
    # Objectives exist for 2026-Q1 and 2026-Q2 only; neither had started on 2025-12-15.
    assert periods == []
