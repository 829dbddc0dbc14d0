"""Small build files for publish tests: real DuckDB files with the column types the marts use.

The marts hold VARCHAR, BIGINT, INTEGER, DOUBLE, DECIMAL (several precisions), DATE, TIMESTAMP and
BOOLEAN columns; these builds hold each of them, so a test of the published file's format or of its
Parquet types covers what a real run publishes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.mart_docs import MartDoc
from pipelines.lib.publish import PublishRecord

MARTS = ["dim_accounts", "fct_sales"]
PARTITIONS = {"fct_sales": "month_start_date"}

DOCS = {
    "dim_accounts": MartDoc(
        name="dim_accounts",
        description="Account profile. Grain: one row per account_id.",
        grain="one row per account_id",
        columns={
            "account_id": "CRM id of the account.",
            "created_at": "UTC time the account was created in the CRM.",
            "market_potential": "Yearly market potential in the configured currency.",
            "beds": "Hospital beds.",
            "is_reference_site": "True when the account is a reference site.",
        },
    ),
    "fct_sales": MartDoc(
        name="fct_sales",
        description="Invoice lines. Grain: one row per invoice_line_id.",
        grain="one row per invoice_line_id",
        columns={
            "month_start_date": "First day of the invoice month.",
            "invoice_line_id": "Id of the line.",
            "quantity": "Units invoiced; negative for returns.",
            "net_amount": "Net amount of the line (it's after discounts).",
            "gross_margin": "Gross margin of the line.",
            "revenue_12m": "Trailing revenue of the account.",
            "discount_share": "Discount as a share of list price (0-1).",
        },
    ),
}


def make_build(path: Path, *, lines: int = 50) -> Path:
    """Accounts and `lines` sales lines over five months (ten lines a month for 50)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        con.execute(
            """
            create or replace table marts.dim_accounts as
            select
                'A' || i as account_id,
                timestamp '2024-01-01 08:00:00' + to_days(cast(i as integer)) as created_at,
                cast(1000000.50 * (i + 1) as decimal(18, 2)) as market_potential,
                cast(100 + i as integer) as beds,
                i % 2 = 0 as is_reference_site
            from range(3) as accounts(i)
            """
        )
        con.execute(
            f"""
            create or replace table marts.fct_sales as
            select
                date '2026-01-01' + to_months(cast(i * 5 // {lines} as integer))
                    as month_start_date,
                i as invoice_line_id,
                cast(i - 2.5 as decimal(18, 3)) as quantity,
                cast(i * 10.5 as decimal(18, 2)) as net_amount,
                cast(i * 1.123456 as decimal(28, 6)) as gross_margin,
                cast(i * 1000.25 as decimal(38, 2)) as revenue_12m,
                i / 100.0 as discount_share
            from range({lines}) as lines(i)
            """
        )
    finally:
        con.close()
    return path


def change(build: Path, *statements: str) -> None:
    con = duckdb.connect(str(build))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def record(run_id: str = "run-1", **fields) -> PublishRecord:
    return PublishRecord(
        run_id=run_id, as_of_date="2026-05-31", checks={"bronze:accounts": True}, **fields
    )
