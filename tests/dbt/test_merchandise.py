"""Non-merchandise lines (postage, fees) stay in fct_sales, flagged, and count in no revenue metric.

In the synthetic bronze, product P08 is postage: the product master says is_merchandise = false.
"""

from __future__ import annotations

import duckdb
from conftest import DbtRun


def _one(connection: duckdb.DuckDBPyConnection, sql: str):
    return connection.execute(sql).fetchone()


def test_lines_are_kept_and_flagged(built_project: DbtRun) -> None:
    with duckdb.connect(str(built_project.database), read_only=True) as con:
        flagged = _one(
            con,
            "select count(*), count(distinct product_id), min(product_id), sum(net_amount) "
            "from marts.fct_sales where not is_merchandise",
        )
        product = _one(
            con, "select is_merchandise from marts.dim_products where product_id = 'P08'"
        )
        unflagged = _one(
            con, "select count(*) from marts.fct_sales where product_id = 'P08' and is_merchandise"
        )
    assert flagged[0] > 0 and flagged[1] == 1 and flagged[2] == "P08" and flagged[3] > 0
    assert product == (False,)
    assert unflagged == (0,)


def test_revenue_metrics_count_merchandise_only(built_project: DbtRun) -> None:
    with duckdb.connect(str(built_project.database), read_only=True) as con:
        merchandise, every_line = _one(
            con,
            "select sum(case when is_merchandise then net_amount end), sum(net_amount) "
            "from marts.fct_sales",
        )
        tiers = _one(con, "select sum(revenue_month) from marts.account_tiers")[0]
        lifetime = _one(con, "select sum(lifetime_revenue) from marts.dim_accounts")[0]
        clv = _one(con, "select sum(historical_revenue) from marts.clv_summary")[0]
        cohorts = _one(con, "select sum(cohort_revenue) from marts.retention_cohorts")[0]
        attainment = con.execute(
            """
            select attainment.account_id, attainment.plan_period, attainment.actual_value,
                sum(sales.net_amount) as merchandise_revenue
            from marts.objective_attainment as attainment
            inner join marts.fct_sales as sales
                on attainment.account_id = sales.account_id
                and sales.is_merchandise
                and sales.invoice_date between attainment.period_start_date
                    and attainment.measured_to_date
            where attainment.kpi = 'net_revenue'
            group by all
            """
        ).fetchall()
    assert merchandise < every_line
    assert tiers == merchandise
    assert lifetime == merchandise
    assert clv == merchandise
    assert cohorts == merchandise
    assert attainment, "the synthetic plan has revenue objectives"
    assert all(abs(actual - float(expected)) < 1e-6 for _, _, actual, expected in attainment)
