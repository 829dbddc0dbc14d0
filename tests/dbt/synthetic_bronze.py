"""A small synthetic bronze schema for building the dbt project in tests.

Tables are created from the landing contract (columns, types, lineage columns), then filled with
SQL-generated rows, so a contract change that the dbt sources do not follow breaks the build test.
The data is deterministic (no random()): ~24 accounts over two years, a re-delivered invoice period,
a second version of one account, tier overrides, objectives and actions in the last quarters, and
one product (P08, postage) that is not merchandise.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import duckdb

from pipelines.lib.contract import BRONZE_LINEAGE_COLUMNS, DELIVERY_PERIOD_COLUMN, ENTITIES

AS_OF = "2026-06-30"

_LINEAGE = (
    "'L1' as _load_id, 'fixture.csv' as _source_file, cast(1 as bigint) as _source_line, "
    "timestamp '2026-07-01 03:00:00' as _loaded_at"
)


def _series(column: str, start: int, stop: int) -> str:
    """Integers start .. stop - 1 as a one-column subquery (DuckDB's range yields BIGINT)."""
    subquery = f"select cast(range as integer) as {column} from range({start}, {stop})"
    return f"({subquery}) as {column}_values"


_ROWS: dict[str, str] = {
    "users": f"""
        select 'K' || lpad(cast(i as varchar), 3, '0') as kam_id, 'User ' || i as full_name,
            case when i <= 3 then 'key_account_manager' when i <= 5 then 'account_manager'
                else 'regional_manager' end as role,
            'Sudeste' as region, 'user' || i || '@example.com' as email,
            case when i <= 5 then 'K006' end as manager_id, date '2020-01-01' + i as hired_date,
            true as is_active, {_LINEAGE}
        from {_series("i", 1, 7)}
    """,
    "accounts": f"""
        select 'A' || lpad(cast(i as varchar), 3, '0') as account_id,
            'Hospital ' || i as account_name,
            (['hospital', 'clinic', 'pharmacy_chain', 'distributor'])[1 + i % 4] as account_type,
            (['SP', 'RJ', 'BA', 'RS', 'GO', 'AM'])[1 + i % 6] as state,
            'K' || lpad(cast(1 + i % 5 as varchar), 3, '0') as owner_kam_id,
            timestamp '2024-01-01 00:00:00' + to_days(cast(i * 10 as integer)) as created_at,
            'São Paulo' as city, 'BR' as country, cast(i * 20 as integer) as beds,
            cast(500000 + i * 100000 as decimal(18, 2)) as market_potential,
            case when i % 5 = 0 then 'A001' end as referred_by_account_id,
            i % 7 = 0 as is_reference_site, {_LINEAGE}
        from {_series("i", 1, 25)}
    """,
    "products": f"""
        select 'P' || lpad(cast(i as varchar), 2, '0') as product_id,
            'Product ' || i as product_name,
            (['oncology', 'cardiology', 'diabetes'])[1 + i % 3] as product_category,
            cast(100 + i * 10 as decimal(18, 2)) as list_price,
            case when i % 4 <> 0 then cast(40 + i * 3 as decimal(18, 2)) end as unit_cost,
            -- P08 stands for postage billed on invoices: not merchandise.
            case when i = 8 then false when i = 7 then true end as is_merchandise,
            {_LINEAGE}
        from {_series("i", 1, 9)}
    """,
    "invoice_lines": f"""
        with days as (
            select cast(date '2024-07-01' + cast(d as integer) as date) as invoice_date, d
            from {_series("d", 0, 730)}
        ), lines as (
            select invoice_date, d, j, 1 + (d * 7 + j * 13) % 24 as account_number,
                1 + (d + j * 3) % 8 as product_number
            from days cross join {_series("j", 0, 3)}
        )
        select 'NF' || strftime(invoice_date, '%Y%m%d') || '-' || j as invoice_id, 1 as line_number,
            invoice_date, 'A' || lpad(cast(account_number as varchar), 3, '0') as account_id,
            'P' || lpad(cast(product_number as varchar), 2, '0') as product_id,
            cast(case when (d + j) % 97 = 0 then -2 else 1 + (d + j) % 5 end as decimal(18, 3))
                as quantity,
            cast((case when (d + j) % 97 = 0 then -2 else 1 + (d + j) % 5 end)
                * (100 + product_number * 10) * (1 + account_number % 4) as decimal(18, 2))
                as net_amount,
            cast(100 + product_number * 10 as decimal(18, 2)) as unit_price,
            'L1' as _load_id, 'sales/invoice_lines/' || strftime(invoice_date, '%Y-%m') || '.csv'
                as _source_file, cast(j + 2 as bigint) as _source_line,
            timestamp '2026-07-01 03:00:00' as _loaded_at,
            strftime(invoice_date, '%Y-%m') as {DELIVERY_PERIOD_COLUMN}
        from lines
        where account_number not in (23, 24) or invoice_date < date '2025-06-01'
    """,
    "contacts": f"""
        select 'C' || lpad(cast(i as varchar), 3, '0') as contact_id,
            'A' || lpad(cast(1 + i % 24 as varchar), 3, '0') as account_id,
            (['decision_maker', 'influencer', 'champion', 'gatekeeper', 'user'])[1 + i % 5]
                as decision_role,
            cast(1 + i % 5 as integer) as relationship_level, 'Contact ' || i as full_name,
            'c' || i || '@example.com' as email, true as is_active, {_LINEAGE}
        from {_series("i", 1, 80)}
    """,
    "activities": f"""
        select 'ACT' || i as activity_id,
            'A' || lpad(cast(1 + i % 24 as varchar), 3, '0') as account_id,
            'K' || lpad(cast(1 + (1 + i % 24) % 5 as varchar), 3, '0') as kam_id,
            (['visit', 'call', 'email', 'meeting', 'event'])[1 + i % 5] as activity_type,
            timestamp '2024-07-01 09:00:00' + to_hours(cast(i * 19 as integer)) as started_at,
            'C' || lpad(cast(1 + (i * 7) % 79 as varchar), 3, '0') as contact_id,
            true as is_completed, {_LINEAGE}
        from {_series("i", 1, 900)}
    """,
    "service_requests": f"""
        select 'SR' || i as request_id,
            'A' || lpad(cast(1 + i % 24 as varchar), 3, '0') as account_id,
            timestamp '2024-07-01 08:00:00' + to_hours(cast(i * 41 as integer)) as opened_at,
            case when i % 11 <> 0 then timestamp '2024-07-01 08:00:00'
                + to_hours(cast(i * 41 as integer))
                + to_minutes(cast((i * 97) % 2400 as integer)) end
                as first_response_at,
            'phone' as channel, (['low', 'medium', 'high', 'critical'])[1 + i % 4] as priority,
            {_LINEAGE}
        from {_series("i", 1, 420)}
    """,
    "opportunities": f"""
        select 'OP' || i as opportunity_id,
            'A' || lpad(cast(1 + i % 24 as varchar), 3, '0') as account_id,
            (['formulary_inclusion', 'tender', 'contract_renewal', 'new_product', 'upsell'])
                [1 + i % 5] as opportunity_type,
            case when i % 3 = 0 then 'closed_won' else 'negotiation' end as stage,
            cast(10000 + i * 100 as decimal(18, 2)) as amount,
            timestamp '2024-08-01 00:00:00' + to_days(cast(i * 5 as integer)) as created_at,
            cast(date '2024-09-01' + cast(i * 5 as integer) as date) as close_date,
            i % 3 = 0 as is_won, i % 3 = 0 as is_closed, {_LINEAGE}
        from {_series("i", 1, 140)}
    """,
    "objectives": f"""
        with periods as (select * from (values ('2026-Q1'), ('2026-Q2')) as periods(plan_period)),
        kpis as (
            select * from (values ('net_revenue', 60000), ('units', 100), ('new_listings', 1),
                ('visits', 2), ('decision_makers_engaged', 1), ('sla_compliance_pct', 90),
                ('opportunities_won', 1)) as kpis(kpi, target)
        )
        select plan_period, 'A' || lpad(cast(i as varchar), 3, '0') as account_id, kpi,
            'K' || lpad(cast(1 + i % 5 as varchar), 3, '0') as kam_id,
            cast(target as decimal(18, 4)) as target_value, 1.0 as weight, {_LINEAGE}
        from periods cross join kpis
        cross join {_series("i", 1, 11)}
    """,
    "actions": f"""
        select 'AC' || i as action_id,
            'A' || lpad(cast(1 + i % 10 as varchar), 3, '0') as account_id,
            'K' || lpad(cast(1 + (1 + i % 10) % 5 as varchar), 3, '0') as kam_id,
            'Action ' || i as description,
            cast(date '2026-01-05' + cast(i * 4 as integer) as date) as due_date,
            (['planned', 'in_progress', 'done', 'cancelled', 'done'])[1 + i % 5] as status,
            case when i % 5 in (2, 4)
                then cast(date '2026-01-05' + cast(i * 4 + i % 3 - 1 as integer) as date)
                end as completed_date,
            {_LINEAGE}
        from {_series("i", 1, 45)}
    """,
    "swot": f"""
        select 2026 as plan_year, 'A' || lpad(cast(a as varchar), 3, '0') as account_id,
            (['strength', 'weakness', 'opportunity', 'threat'])[1 + q] as quadrant,
            'item ' || q as item,
            {_LINEAGE}
        from {_series("a", 1, 8)}
        cross join {_series("q", 0, 4)}
        where not (a = 3 and q = 3)
    """,
    "tier_overrides": f"""
        select * from (values
            ('A005', date '2025-01-01', 'key', 'National tender', cast(null as date), 'K006'),
            ('A005', date '2026-03-01', 'strategic', 'Tender lost', cast(null as date), 'K006'),
            ('A010', date '2025-06-01', 'maintain', 'Credit hold', date '2025-12-31', 'K006')
        ) as overrides(account_id, valid_from, tier, reason, valid_to, approved_by),
        (select {_LINEAGE}) as lineage
    """,
}

# Later loads: a second version of one account, and a re-delivery of one invoice period.
_LATER_LOADS = [
    """
    insert into bronze.accounts by name
    select * replace (
        'K001' as owner_kam_id, 'L2' as _load_id, timestamp '2026-07-02 03:00:00' as _loaded_at
    )
    from bronze.accounts where account_id = 'A002'
    """,
    f"""
    insert into bronze.invoice_lines by name
    select * replace (
        net_amount * 2 as net_amount, 'L2' as _load_id,
        timestamp '2026-07-02 03:00:00' as _loaded_at
    )
    from bronze.invoice_lines
    where {DELIVERY_PERIOD_COLUMN} = '2026-05' and invoice_id not like '%-0'
    """,
]


def create_bronze(path: Path, delivered: Collection[str] | None = None) -> Path:
    """Write the synthetic bronze schema into the DuckDB file at `path` and return the path.

    `delivered` names the entities that get rows (default: all); the others are typed and empty,
    as bronze is for an optional input that was never delivered.
    """
    connection = duckdb.connect(str(path))
    try:
        connection.execute("create schema if not exists bronze")
        for name, entity in ENTITIES.items():
            columns = [f"{column.name} {column.type}" for column in entity.columns]
            columns += [f"{column} {type_}" for column, type_ in BRONZE_LINEAGE_COLUMNS.items()]
            if entity.is_periodic:
                columns.append(f"{DELIVERY_PERIOD_COLUMN} VARCHAR")
            connection.execute(f"create or replace table bronze.{name} ({', '.join(columns)})")
            if delivered is None or name in delivered:
                connection.execute(f"insert into bronze.{name} by name {_ROWS[name]}")
        for statement in _LATER_LOADS:
            connection.execute(statement)
    finally:
        connection.close()
    return path
