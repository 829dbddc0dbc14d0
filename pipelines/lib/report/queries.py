"""Every SQL query of the review pack, one function per section of a page.

The pack reads one published DuckDB file and nothing else. Each function here returns plain rows
(dicts keyed by column name) or a small dataclass, so the pages never see SQL and a mart that is
renamed or added (an `account_health` mart, currency-neutral money columns) is re-pointed here
only. Where the marts do not carry a figure yet, it is derived here from the marts that do, and
the function's docstring says which mart should take over.

Queries are set-based (all accounts of the pack at once): at ten million invoice lines a query
per account would rescan `fct_sales` hundreds of times. A list of accounts is passed as one
parameter and joined as `account_id in (select unnest($ids))`, which DuckDB plans as a hash
semi-join, where `list_contains` would compare every row with every listed id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from pipelines.lib.clv_tables import INTERVAL_COLUMNS

# Money columns are currency-neutral (`net_amount`); versions published before the rename call
# them `..._brl`. `_column` picks whichever name the file has, so the pack of an older version
# (after a `kam rollback`, or `kam report --version`) still builds.
NET_AMOUNT_COLUMNS = ("net_amount", "net_amount_brl")
MARKET_POTENTIAL_COLUMNS = ("market_potential", "market_potential_brl")
LIFETIME_REVENUE_COLUMNS = ("lifetime_revenue", "lifetime_revenue_brl")
PRODUCT_CATEGORY_COLUMNS = ("product_category", "therapeutic_area")

# Risk rules (docs/report.md "Accounts at risk"), derived here. The `account_health` mart carries
# most of them too, with the same thresholds (its dbt vars `health_*`); this module adds a recent
# tier downgrade and judges the decision unit by engagement. Reading account_health instead would
# keep one rule in one place.
RISK_REVENUE_DROP = -0.10  # trailing-12-month revenue down more than 10 % on the 12 months before
RISK_DOWNGRADE_MONTHS = 3  # a tier downgrade in the last three month-end snapshots
RISK_PACE_SHARE = 0.8  # weighted attainment below 80 % of the quarter's elapsed share: off track
RISK_SLA_MONTHS = 3  # SLA compliance over the last three months (the as-of month included) ...
RISK_SLA_BELOW_PCT = 90.0  # ... below 90 % ...
RISK_SLA_MIN_REQUESTS = 3  # ... on at least three decided requests
RISK_P_ALIVE = 0.5  # the CLV model gives the account less than even odds of still buying

PACE_STATUSES = ("achieved", "on_track", "at_risk", "off_track")

Row = dict[str, Any]


@dataclass(frozen=True)
class PublishInfo:
    """What the published file says about itself (schema `meta`)."""

    run_id: str
    as_of_date: date
    published_at: datetime  # UTC
    checks_passed: int
    checks_total: int
    checks: list[Row] = field(default_factory=list)  # check_name, passed
    row_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """Which optional inputs reached the marts. Only accounts and invoice lines are required;
    a section fed by an input that was not delivered says so instead of showing zeros."""

    plan: bool
    contacts: bool
    service_requests: bool
    users: bool
    products: bool


def publish_info(con: duckdb.DuckDBPyConnection) -> PublishInfo:
    run_id, as_of_date, published_at, passed, total = con.execute(
        "select run_id, as_of_date, published_at, checks_passed, checks_total from meta.publish"
    ).fetchone()
    checks = _rows(con, "select check_name, passed from meta.check_results order by check_name")
    counts = dict(con.execute("select mart, row_count from meta.mart_row_counts").fetchall())
    return PublishInfo(
        run_id=run_id,
        as_of_date=as_of_date,
        published_at=published_at,
        checks_passed=passed,
        checks_total=total,
        checks=checks,
        row_counts={name: int(count) for name, count in counts.items()},
    )


def delivery(con: duckdb.DuckDBPyConnection) -> Delivery:
    """Which optional inputs reached the marts, read from the marts themselves: an input that
    was not delivered leaves the marts it alone feeds empty (plan, service requests, users,
    products) or its counts at zero (contacts). The same for every published file, old or new;
    the reasons a publish recorded are shown beside it (`empty_reasons`)."""

    def has_rows(mart: str) -> bool:
        return _table_exists(con, mart) and bool(
            con.execute(f"select exists (select 1 from marts.{mart})").fetchone()[0]
        )

    contacts = has_rows("decision_unit_coverage") and bool(
        con.execute(
            "select coalesce(sum(stakeholders), 0) > 0 from marts.decision_unit_coverage"
        ).fetchone()[0]
    )
    return Delivery(
        plan=has_rows("objective_attainment") or has_rows("plan_execution"),
        contacts=contacts,
        service_requests=has_rows("sla_compliance"),
        users=has_rows("dim_kams"),
        products=has_rows("dim_products"),
    )


def empty_reasons(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Why each empty mart is empty, as the publish recorded it (none for older files)."""
    if "empty_reason" not in _columns(con, "marts", schema="meta"):
        return {}
    return dict(
        con.execute(
            "select mart, empty_reason from meta.marts where empty_reason is not null"
        ).fetchall()
    )


def plan_period_of(day: date) -> str:
    """The plan quarter a day falls in, as the plan inputs name it: `2026-Q4`."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def months_back(month_start: date, months: int) -> date:
    """The first day of the month `months` before `month_start`'s month."""
    index = month_start.year * 12 + month_start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


# ---- cockpit -------------------------------------------------------------------------------


def tier_summary(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Accounts and trailing-12-month revenue per tier at the latest month-end snapshot."""
    return _rows(
        con,
        """
        with latest as (
            select * from marts.account_tiers
            where snapshot_date = (select max(snapshot_date) from marts.account_tiers)
        )
        select
            tier,
            count(*) as accounts,
            sum(revenue_12m) as revenue_12m,
            sum(revenue_share) as revenue_share,
            avg(strategic_score) as avg_strategic_score,
            count(*) filter (where is_override) as overrides
        from latest
        group by tier
        """,
    )


def pareto_points(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Accounts ranked by trailing-12-month revenue (ties by account_id, as the ABC rule ranks
    them): the share of accounts so far and the cumulative share of revenue, with each tier."""
    return _rows(
        con,
        """
        with latest as (
            select * from marts.account_tiers
            where snapshot_date = (select max(snapshot_date) from marts.account_tiers)
        ),
        ranked as (
            select
                account_id,
                tier,
                greatest(revenue_12m, 0) as revenue,
                row_number() over (order by revenue_12m desc, account_id) as account_rank,
                count(*) over () as accounts,
                sum(greatest(revenue_12m, 0)) over () as total_revenue
            from latest
        )
        select
            account_id,
            tier,
            account_rank,
            account_rank / accounts as account_share,
            sum(revenue) over (order by account_rank) / nullif(total_revenue, 0)
                as cumulative_revenue_share
        from ranked
        order by account_rank
        """,
    )


def retention_by_tier(con: duckdb.DuckDBPyConnection, months: int = 12) -> list[Row]:
    """Logo retention, NRR and GRR per period for all accounts and per tier, last `months`
    complete periods. Slices without accounts at the start of a period are left out, and so is
    the partial as-of month (its retention is null: docs/marts.md "Partial periods")."""
    complete = (
        "not is_partial_period"
        if "is_partial_period" in _columns(con, "retention_summary")
        else "true"  # versions published before partial periods were flagged
    )
    return _rows(
        con,
        f"""
        with periods as (
            select distinct period_start_date from marts.retention_summary
            where period_type = 'month' and {complete}
            order by period_start_date desc
            limit $months
        )
        select
            summary.period_start_date,
            summary.period_end_date,
            summary.slice_type,
            summary.slice_value,
            summary.accounts_at_start,
            summary.retained_accounts,
            summary.churned_accounts,
            summary.new_accounts,
            summary.reactivated_accounts,
            summary.logo_retention,
            summary.nrr,
            summary.grr
        from marts.retention_summary as summary
        inner join periods on summary.period_start_date = periods.period_start_date
        where summary.period_type = 'month'
            and summary.slice_type in ('all', 'tier') and summary.accounts_at_start > 0
        order by summary.period_start_date, summary.slice_type, summary.slice_value
        """,
        months=months,
    )


def churn_status_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(
        con.execute("select status, count(*) from marts.account_churn group by status").fetchall()
    )


def kam_quarter(
    con: duckdb.DuckDBPyConnection, plan_period: str, *, with_email: bool = False
) -> list[Row]:
    """One row per account owner for the quarter: workload, attainment and pace, actions, SLA.

    From `kam_scorecard`, with the at-risk count it lacks taken from `objective_attainment`.
    Without a users file there is no scorecard: owners then come from the accounts' owner
    column, with their accounts counted and nothing else known. The KAM's e-mail is read only
    `with_email` (the LGPD setting) and when `dim_kams` was published with it.
    """
    email = "kams.email" if with_email and "email" in _columns(con, "dim_kams") else "null"
    return _rows(
        con,
        f"""
        with owners as (
            select
                owner_kam_id as kam_id,
                count(*) as accounts_owned,
                count(*) filter (where tier = 'key') as key_accounts_owned
            from marts.dim_accounts
            where owner_kam_id is not null
            group by owner_kam_id
        ),
        pace as (
            select
                kam_id,
                count(*) as objectives,
                count(*) filter (where pace_status = 'achieved') as achieved,
                count(*) filter (where pace_status = 'on_track') as on_track,
                count(*) filter (where pace_status = 'at_risk') as at_risk,
                count(*) filter (where pace_status = 'off_track') as off_track,
                max(expected_pct) as expected_pct
            from marts.objective_attainment
            where plan_period = $plan_period
            group by kam_id
        ),
        scorecard as (
            select * from marts.kam_scorecard where plan_period = $plan_period
        )
        select
            coalesce(scorecard.kam_id, owners.kam_id) as kam_id,
            kams.kam_name,
            {email} as kam_email,
            coalesce(scorecard.role, kams.role) as role,
            kams.region,
            coalesce(scorecard.accounts_owned, owners.accounts_owned, 0) as accounts_owned,
            coalesce(scorecard.key_accounts_owned, owners.key_accounts_owned, 0)
                as key_accounts_owned,
            scorecard.workload_status,
            scorecard.weighted_attainment_pct,
            pace.expected_pct,
            coalesce(pace.objectives, 0) as objectives,
            coalesce(pace.achieved, 0) as achieved,
            coalesce(pace.on_track, 0) as on_track,
            coalesce(pace.at_risk, 0) as at_risk,
            coalesce(pace.off_track, 0) as off_track,
            scorecard.actions_planned,
            scorecard.actions_done,
            scorecard.actions_done_on_time,
            scorecard.actions_overdue,
            scorecard.service_requests_measured,
            scorecard.sla_compliance_pct
        from scorecard
        full outer join owners on scorecard.kam_id = owners.kam_id
        left join marts.dim_kams as kams on coalesce(scorecard.kam_id, owners.kam_id) = kams.kam_id
        left join pace on coalesce(scorecard.kam_id, owners.kam_id) = pace.kam_id
        where coalesce(scorecard.accounts_owned, owners.accounts_owned, 0) > 0
        order by kam_id
        """,
        plan_period=plan_period,
    )


def sla_by_tier(con: duckdb.DuckDBPyConnection, first_month: date, last_month: date) -> list[Row]:
    """First-response SLA per tier (the tier of each month) over a range of months.

    Compliance counts decided requests only (met or breached, as `sla_compliance` does); the
    response time is the mean of the first-response hours, weighted by responded requests,
    since monthly medians cannot be combined.
    """
    return _rows(
        con,
        """
        select
            tier,
            sum(requests) as requests,
            sum(responses_within_sla) as met,
            sum(breached_requests) as breached,
            sum(pending_requests) as pending,
            100 * sum(responses_within_sla)
                / nullif(sum(responses_within_sla) + sum(breached_requests), 0)
                as sla_compliance_pct,
            sum(avg_first_response_hours * responded_requests) / nullif(sum(responded_requests), 0)
                as avg_first_response_hours,
            max(sla_hours) as sla_hours
        from marts.sla_compliance
        where month_start_date between $first_month and $last_month
        group by tier
        """,
        first_month=first_month,
        last_month=last_month,
    )


# ---- accounts -------------------------------------------------------------------------------


def accounts_in_tiers(con: duckdb.DuckDBPyConnection, tiers: Sequence[str]) -> list[str]:
    """The accounts that get a page: current tier (as of the publish) in `tiers`."""
    return [
        row[0]
        for row in con.execute(
            "select account_id from marts.dim_accounts where tier in (select unnest($tiers)) "
            "order by account_id",
            {"tiers": list(tiers)},
        ).fetchall()
    ]


def account_profiles(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Step 1 (analysis) and step 2 (segmentation) for every account, with growth and score."""
    potential = _column(con, "dim_accounts", MARKET_POTENTIAL_COLUMNS)
    lifetime = _column(con, "dim_accounts", LIFETIME_REVENUE_COLUMNS)
    return _rows(
        con,
        f"""
        with latest as (
            select * from marts.account_tiers
            where snapshot_date = (select max(snapshot_date) from marts.account_tiers)
        )
        select
            accounts.account_id,
            accounts.account_name,
            accounts.account_type,
            accounts.cnpj,
            accounts.city,
            accounts.state,
            accounts.region,
            accounts.country,
            accounts.beds,
            accounts.{potential} as market_potential,
            accounts.competitors,
            accounts.is_reference_site,
            accounts.referrals_count,
            accounts.owner_kam_id,
            kams.kam_name as owner_kam_name,
            accounts.created_at,
            accounts.first_purchase_date,
            accounts.last_purchase_date,
            accounts.tenure_months,
            accounts.{lifetime} as lifetime_revenue,
            accounts.revenue_12m,
            latest.revenue_prev_12m,
            latest.growth_12m,
            latest.revenue_share,
            latest.share_of_potential,
            latest.orders_12m,
            accounts.abc_class,
            accounts.strategic_score,
            latest.score_top_pct,
            accounts.tier,
            accounts.is_tier_override,
            accounts.tier_reason
        from marts.dim_accounts as accounts
        left join latest on accounts.account_id = latest.account_id
        left join marts.dim_kams as kams on accounts.owner_kam_id = kams.kam_id
        order by accounts.account_id
        """,
    )


def tier_history(con: duckdb.DuckDBPyConnection, account_ids: Sequence[str]) -> list[Row]:
    """Step 2 over time: every tier change of the accounts, newest first, with its reason."""
    return _rows(
        con,
        """
        select
            changes.account_id,
            changes.snapshot_date,
            changes.from_tier,
            changes.to_tier,
            changes.change_direction,
            changes.to_abc_class as abc_class,
            changes.strategic_score,
            tiers.score_top_pct,
            tiers.revenue_12m,
            changes.is_override,
            changes.tier_reason
        from marts.account_tier_changes as changes
        left join marts.account_tiers as tiers
            on changes.account_id = tiers.account_id
            and changes.snapshot_date = tiers.snapshot_date
        where changes.account_id in (select unnest($ids))
        order by changes.account_id, changes.snapshot_date desc
        """,
        ids=list(account_ids),
    )


def monthly_revenue_by_category(
    con: duckdb.DuckDBPyConnection, account_ids: Sequence[str], first_month: date, last_month: date
) -> list[Row]:
    """Net revenue per account, month and product category (the trend and the mix).

    Lines of products missing from `dim_products` (or every line, when no products file was
    delivered) fall under a null category.
    """
    amount = _column(con, "fct_sales", NET_AMOUNT_COLUMNS)
    category = _column(con, "dim_products", PRODUCT_CATEGORY_COLUMNS, required=False)
    category_sql = f"products.{category}" if category else "cast(null as varchar)"
    return _rows(
        con,
        f"""
        select
            sales.account_id,
            sales.month_start_date,
            {category_sql} as product_category,
            sum(sales.{amount}) as net_revenue
        from marts.fct_sales as sales
        left join marts.dim_products as products on sales.product_id = products.product_id
        where sales.account_id in (select unnest($ids))
            and sales.month_start_date between $first_month and $last_month
        group by all
        order by sales.account_id, sales.month_start_date, product_category
        """,
        ids=list(account_ids),
        first_month=first_month,
        last_month=last_month,
    )


def decision_units(con: duckdb.DuckDBPyConnection, account_ids: Sequence[str]) -> list[Row]:
    """Step 3: roles mapped and engaged per account, counts only (LGPD: no contact is named).

    The role-level gap view other engineers are adding will replace the gap rules on the pages.
    """
    return _rows(
        con,
        """
        select
            account_id,
            stakeholders,
            decision_makers_mapped,
            decision_makers_engaged,
            influencers_mapped,
            champions_mapped,
            contacts_engaged,
            decision_maker_engaged_share,
            avg_relationship_level,
            avg_decision_maker_relationship_level,
            is_single_threaded,
            has_no_engagement,
            engaged_window_days
        from marts.decision_unit_coverage
        where account_id in (select unnest($ids))
        """,
        ids=list(account_ids),
    )


def plan_execution(con: duckdb.DuckDBPyConnection, plan_period: str) -> list[Row]:
    """Steps 4 and 6: SWOT completeness and the actions of the quarter, per account."""
    return _rows(
        con,
        """
        select
            account_id,
            kam_id,
            objectives_count,
            actions_planned,
            actions_done,
            actions_done_on_time,
            actions_overdue,
            actions_cancelled,
            actions_done_share,
            swot_quadrants_filled,
            swot_items,
            is_swot_complete
        from marts.plan_execution
        where plan_period = $plan_period
        """,
        plan_period=plan_period,
    )


def objectives(con: duckdb.DuckDBPyConnection, plan_period: str) -> list[Row]:
    """Step 5 and 7: every objective of the quarter with attainment and pace."""
    return _rows(
        con,
        """
        select
            account_id,
            kam_id,
            kpi,
            target_value,
            actual_value,
            attainment_pct,
            expected_pct,
            pace_status,
            weight,
            measured_to_date
        from marts.objective_attainment
        where plan_period = $plan_period
        order by account_id, kpi
        """,
        plan_period=plan_period,
    )


def sla_by_account(
    con: duckdb.DuckDBPyConnection, account_ids: Sequence[str], first_month: date, last_month: date
) -> list[Row]:
    """First-response SLA per account over a range of months (see `sla_by_tier`)."""
    return _rows(
        con,
        """
        select
            account_id,
            sum(requests) as requests,
            sum(responses_within_sla) as met,
            sum(breached_requests) as breached,
            sum(pending_requests) as pending,
            100 * sum(responses_within_sla)
                / nullif(sum(responses_within_sla) + sum(breached_requests), 0)
                as sla_compliance_pct,
            sum(avg_first_response_hours * responded_requests) / nullif(sum(responded_requests), 0)
                as avg_first_response_hours,
            max(sla_hours) as sla_hours
        from marts.sla_compliance
        where account_id in (select unnest($ids))
            and month_start_date between $first_month and $last_month
        group by account_id
        """,
        ids=list(account_ids),
        first_month=first_month,
        last_month=last_month,
    )


def churn_and_clv(con: duckdb.DuckDBPyConnection, account_ids: Sequence[str]) -> list[Row]:
    """Step 7: churn status and the CLV model's view of each account, with its 80 % intervals
    (published as `<figure>_p10` / `<figure>_p90`, read here as `<figure>_low` / `_high`)."""
    published = set(_columns(con, "account_clv"))
    interval_sql = [
        f"clv.{low} as {figure}_low, clv.{high} as {figure}_high"
        if {low, high} <= published  # versions published before the intervals have none
        else f"null as {figure}_low, null as {figure}_high"
        for figure, low, high in INTERVAL_COLUMNS
    ]
    fits_converged = (
        "(select bool_and(is_converged) from marts.clv_model_fits)"
        if _table_exists(con, "clv_model_fits")
        else "null"
    )
    return _rows(
        con,
        f"""
        select
            churn.account_id,
            churn.status as churn_status,
            churn.last_purchase_date,
            churn.days_since_last_purchase,
            churn.typical_interval_days,
            churn.churn_threshold_days,
            clv.has_purchase_history,
            clv.p_alive,
            clv.expected_purchases_12m,
            clv.expected_order_value,
            clv.clv_12m,
            clv.clv_36m,
            clv.acv,
            {", ".join(interval_sql)},
            {fits_converged} as is_model_converged
        from marts.account_churn as churn
        left join marts.account_clv as clv on churn.account_id = clv.account_id
        where churn.account_id in (select unnest($ids))
        """,
        ids=list(account_ids),
    )


def risk_signals(con: duckdb.DuckDBPyConnection, as_of: date, plan_period: str) -> list[Row]:
    """The facts behind "at risk", one row per account that has any (rules: module constants).

    The pages turn each non-null column into a reason sentence.
    """
    as_of_month = date(as_of.year, as_of.month, 1)
    return _rows(
        con,
        """
        with latest as (
            select * from marts.account_tiers
            where snapshot_date = (select max(snapshot_date) from marts.account_tiers)
        ),
        downgrades as (
            select
                account_id,
                arg_max(from_tier, snapshot_date) as downgraded_from,
                arg_max(to_tier, snapshot_date) as downgraded_to,
                max(snapshot_date) as downgraded_on
            from marts.account_tier_changes
            where change_direction = 'downgrade'
                and month_start_date > $downgrade_after
            group by account_id
        ),
        pace as (
            select
                account_id,
                sum(weight * attainment_pct) / nullif(sum(weight), 0) as attainment_pct,
                max(expected_pct) as expected_pct
            from marts.objective_attainment
            where plan_period = $plan_period and attainment_pct is not null
            group by account_id
        ),
        sla as (
            select
                account_id,
                sum(responses_within_sla) + sum(breached_requests) as decided,
                100 * sum(responses_within_sla)
                    / nullif(sum(responses_within_sla) + sum(breached_requests), 0)
                    as sla_compliance_pct
            from marts.sla_compliance
            where month_start_date > $sla_after
            group by account_id
        ),
        contacts_delivered as (
            select coalesce(sum(stakeholders), 0) > 0 as delivered
            from marts.decision_unit_coverage
        ),
        signals as (
            select
                accounts.account_id,
                case when churn.status in ('at_risk', 'churned') then churn.status end
                    as churn_status,
                churn.days_since_last_purchase,
                case
                    when latest.revenue_prev_12m > 0 and latest.growth_12m < $revenue_drop
                        then latest.growth_12m
                end as revenue_growth,
                downgrades.downgraded_from,
                downgrades.downgraded_to,
                downgrades.downgraded_on,
                case
                    when pace.attainment_pct < $pace_share * pace.expected_pct
                        then pace.attainment_pct
                end as plan_attainment_pct,
                pace.expected_pct as plan_expected_pct,
                contacts_delivered.delivered
                    and coalesce(units.decision_makers_engaged, 0) = 0 as no_decision_maker_engaged,
                contacts_delivered.delivered and coalesce(units.is_single_threaded, false)
                    as is_single_threaded,
                case
                    when sla.decided >= $sla_min_requests and sla.sla_compliance_pct < $sla_below
                        then sla.sla_compliance_pct
                end as sla_compliance_pct,
                case
                    when clv.has_purchase_history and clv.p_alive < $p_alive then clv.p_alive
                end as p_alive
            from marts.dim_accounts as accounts
            cross join contacts_delivered
            left join latest on accounts.account_id = latest.account_id
            left join marts.account_churn as churn on accounts.account_id = churn.account_id
            left join downgrades on accounts.account_id = downgrades.account_id
            left join pace on accounts.account_id = pace.account_id
            left join marts.decision_unit_coverage as units
                on accounts.account_id = units.account_id
            left join sla on accounts.account_id = sla.account_id
            left join marts.account_clv as clv on accounts.account_id = clv.account_id
        )
        select *
        from signals
        where churn_status is not null
            or revenue_growth is not null
            or downgraded_to is not null
            or plan_attainment_pct is not null
            or no_decision_maker_engaged
            or is_single_threaded
            or sla_compliance_pct is not null
            or p_alive is not null
        order by account_id
        """,
        downgrade_after=months_back(as_of_month, RISK_DOWNGRADE_MONTHS),
        plan_period=plan_period,
        sla_after=months_back(as_of_month, RISK_SLA_MONTHS),
        revenue_drop=RISK_REVENUE_DROP,
        pace_share=RISK_PACE_SHARE,
        sla_min_requests=RISK_SLA_MIN_REQUESTS,
        sla_below=RISK_SLA_BELOW_PCT,
        p_alive=RISK_P_ALIVE,
    )


# ---- helpers --------------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[Row]:
    cursor = con.execute(sql, params) if params else con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _table_exists(con: duckdb.DuckDBPyConnection, table: str, schema: str = "marts") -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _columns(con: duckdb.DuckDBPyConnection, table: str, *, schema: str = "marts") -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _column(
    con: duckdb.DuckDBPyConnection, table: str, candidates: Iterable[str], *, required: bool = True
) -> str | None:
    """The first of `candidates` that `marts.<table>` has (a column being renamed)."""
    present = set(_columns(con, table))
    for name in candidates:
        if name in present:
            return name
    if required:
        raise LookupError(
            f"marts.{table} has none of the columns {', '.join(candidates)}; "
            "the published file is older or newer than this review pack expects"
        )
    return None
