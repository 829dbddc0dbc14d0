"""What each page shows, gathered from the queries into plain view models.

Values stay raw here (numbers, dates); the templates format them with the pack's Formatter, so a
test can compare a rendered figure with the same value read from the marts. Only sentences
(reasons an account is at risk, why it has its tier, decision-unit gaps) are composed here,
in the pack's language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from pipelines.lib.contract import KPIS
from pipelines.lib.report import charts, palette, queries
from pipelines.lib.report.formatting import Formatter
from pipelines.lib.report.messages import Catalogue

Row = dict[str, Any]

REVENUE_TREND_MONTHS = 24
RETENTION_TREND_MONTHS = 12
CATEGORIES_SHOWN = 6  # the rest of an account's product mix is one "other" band
TIER_HISTORY_SHOWN = 4
COCKPIT_RISKS_SHOWN = 12
TOP_SHARE_OF_ACCOUNTS = 0.2  # "the top 20 % of accounts bring X % of revenue"


@dataclass(frozen=True)
class WorkloadLimits:
    """The guardrails of `kam_scorecard.workload_status` (dbt vars workload_*)."""

    key_accounts_min: int = 1
    key_accounts_max: int = 5
    accounts_min: int = 5
    accounts_max: int = 20


@dataclass(frozen=True)
class Context:
    """What every page shares: the publish it describes, the quarter, words and formats."""

    info: queries.PublishInfo
    delivery: queries.Delivery
    plan_period: str
    quarter_start: date
    quarter_days: int
    quarter_days_elapsed: int
    generated_at: datetime
    version: str
    t: Catalogue
    fmt: Formatter
    tiers: tuple[str, ...]
    limits: WorkloadLimits
    expose_contact_names: bool = False

    @property
    def as_of(self) -> date:
        return self.info.as_of_date

    @property
    def age_hours(self) -> float:
        """How old the published data was when the pack was built."""
        return (self.generated_at - self.info.published_at).total_seconds() / 3600


@dataclass
class AccountSummary:
    """An account as it appears in lists (cockpit, KAM portfolio) and at the top of its page."""

    profile: Row
    reasons: list[str] = field(default_factory=list)
    has_page: bool = False
    attainment_pct: float | None = None
    expected_pct: float | None = None
    execution: Row | None = None
    sla_quarter: Row | None = None
    churn: Row | None = None

    @property
    def account_id(self) -> str:
        return self.profile["account_id"]

    @property
    def tier(self) -> str | None:
        return self.profile["tier"]


@dataclass
class AccountPage:
    summary: AccountSummary
    tier_reason: str
    tier_history: list[Row]
    revenue_chart: str | None
    product_mix: list[Row]
    decision_unit: Row | None
    decision_unit_gaps: list[str]
    objectives: list[Row]
    sla_12m: Row | None
    clv: Row | None


@dataclass
class KamPage:
    kam: Row
    accounts: list[AccountSummary]
    objectives: list[Row]  # with account_name
    limits_text: str


@dataclass
class Cockpit:
    tiers: list[Row]
    total_revenue_12m: Decimal
    accounts_total: int
    accounts_buying: int
    top_share_revenue: float | None
    pareto_chart: str | None
    retention_latest: list[Row]
    retention_period: date | None
    nrr_chart: str | None
    grr_chart: str | None
    churn_counts: dict[str, int]
    at_risk: list[AccountSummary]
    at_risk_total: int
    pack_accounts_total: int
    kams: list[Row]
    sla_quarter: list[Row]
    sla_12m: list[Row]
    checks_failed: list[Row]
    row_counts: list[tuple[str, int]]
    empty_reasons: dict[str, str]


@dataclass
class PackContent:
    context: Context
    cockpit: Cockpit
    kams: list[KamPage]
    accounts: list[AccountPage]


def gather(
    con: duckdb.DuckDBPyConnection,
    *,
    version: str,
    lang: str,
    currency: str,
    tiers: Sequence[str],
    limits: WorkloadLimits,
    generated_at: datetime,
    expose_contact_names: bool = False,
) -> PackContent:
    """Run every query once and shape the pages' content."""
    info = queries.publish_info(con)
    as_of = info.as_of_date
    period_start = queries.quarter_start(as_of)
    period_end = queries.months_back(period_start, -3)
    context = Context(
        info=info,
        delivery=queries.delivery(con),
        plan_period=queries.plan_period_of(as_of),
        quarter_start=period_start,
        quarter_days=(period_end - period_start).days,
        quarter_days_elapsed=(as_of - period_start).days + 1,
        generated_at=generated_at,
        version=version,
        t=Catalogue(lang),
        fmt=Formatter(lang, currency),
        tiers=tuple(tiers),
        limits=limits,
        expose_contact_names=expose_contact_names,
    )
    objectives = queries.objectives(con, context.plan_period)
    summaries = _account_summaries(con, context, objectives)
    pack_ids = [s.account_id for s in summaries.values() if s.has_page]
    accounts = _account_pages(con, context, summaries, pack_ids, objectives)
    kams = _kam_pages(con, context, summaries, objectives)
    cockpit = _cockpit(con, context, summaries, kams)
    return PackContent(context=context, cockpit=cockpit, kams=kams, accounts=accounts)


# ---- accounts -------------------------------------------------------------------------------


def _account_summaries(
    con: duckdb.DuckDBPyConnection, context: Context, objectives: list[Row]
) -> dict[str, AccountSummary]:
    as_of_month = date(context.as_of.year, context.as_of.month, 1)
    summaries = {
        row["account_id"]: AccountSummary(profile=row, has_page=row["tier"] in context.tiers)
        for row in queries.account_profiles(con)
    }
    for signal in queries.risk_signals(con, context.as_of, context.plan_period):
        summary = summaries.get(signal["account_id"])
        if summary is not None:
            summary.reasons = risk_reasons(signal, context)
    per_account: dict[str, list[Row]] = defaultdict(list)
    for objective in objectives:
        per_account[objective["account_id"]].append(objective)
    for account_id, rows in per_account.items():
        if account_id in summaries:
            summaries[account_id].attainment_pct = weighted_attainment(rows)
            summaries[account_id].expected_pct = max(
                (r["expected_pct"] for r in rows if r["expected_pct"] is not None), default=None
            )
    for row in queries.plan_execution(con, context.plan_period):
        if row["account_id"] in summaries:
            summaries[row["account_id"]].execution = row
    all_ids = list(summaries)
    for row in queries.sla_by_account(con, all_ids, context.quarter_start, as_of_month):
        summaries[row["account_id"]].sla_quarter = row
    for row in queries.churn_and_clv(con, all_ids):
        summaries[row["account_id"]].churn = row
    return summaries


def weighted_attainment(objectives: Sequence[Row]) -> float | None:
    """Σ weight × attainment / Σ weight over measured objectives, as `kam_scorecard` weighs."""
    measured = [o for o in objectives if o["attainment_pct"] is not None]
    weight = sum(float(o["weight"] or 0) for o in measured)
    if not measured or weight == 0:
        return None
    return sum(float(o["weight"] or 0) * o["attainment_pct"] for o in measured) / weight


def risk_reasons(signal: Row, context: Context) -> list[str]:
    """The warning signs of an account as short sentences, most serious first."""
    t, fmt = context.t, context.fmt
    reasons = []
    if signal["churn_status"] == "churned":
        reasons.append(t("risk.churned", days=fmt.integer(signal["days_since_last_purchase"])))
    elif signal["churn_status"] == "at_risk":
        reasons.append(
            t("risk.churn_at_risk", days=fmt.integer(signal["days_since_last_purchase"]))
        )
    if signal["p_alive"] is not None:
        reasons.append(t("risk.low_p_alive", p_alive=fmt.ratio_at_least(signal["p_alive"], 0.01)))
    if signal["revenue_growth"] is not None:
        reasons.append(t("risk.revenue_down", growth=fmt.signed_ratio(signal["revenue_growth"])))
    if signal["downgraded_to"] is not None:
        reasons.append(
            t(
                "risk.tier_downgrade",
                from_tier=t.label("tier", signal["downgraded_from"]),
                to_tier=t.label("tier", signal["downgraded_to"]),
                month=fmt.month(signal["downgraded_on"]),
            )
        )
    if signal["plan_attainment_pct"] is not None:
        reasons.append(
            t(
                "risk.plan_off_pace",
                attainment=fmt.pct(signal["plan_attainment_pct"], 0),
                expected=fmt.pct(signal["plan_expected_pct"], 0),
            )
        )
    if signal["sla_compliance_pct"] is not None:
        reasons.append(t("risk.sla_below", compliance=fmt.pct(signal["sla_compliance_pct"], 0)))
    if signal["no_decision_maker_engaged"]:
        reasons.append(t("risk.no_decision_maker_engaged"))
    elif signal["is_single_threaded"]:
        reasons.append(t("risk.single_threaded"))
    return reasons


def tier_reason(row: Row, context: Context) -> str:
    """Why an account has its tier, in the pack's language, from the tier's own columns."""
    t, fmt = context.t, context.fmt
    if row.get("is_override") or row.get("is_tier_override"):
        # The plan's free-text reason travels inside the mart's sentence, after this prefix.
        text = (row.get("tier_reason") or "").removeprefix("Plan override: ")
        return t("tier_reason.override", reason=text)
    if row.get("revenue_12m") is not None and row["revenue_12m"] <= 0:
        return t("tier_reason.no_revenue")
    if row.get("abc_class") is None or row.get("strategic_score") is None:
        return row.get("tier_reason") or t("common.none")
    return t(
        "tier_reason.computed",
        abc=row["abc_class"],
        score=fmt.integer(row["strategic_score"]),
        top=fmt.integer(row["score_top_pct"]) if row.get("score_top_pct") is not None else "—",
    )


def _account_pages(
    con: duckdb.DuckDBPyConnection,
    context: Context,
    summaries: dict[str, AccountSummary],
    account_ids: list[str],
    objectives: list[Row],
) -> list[AccountPage]:
    as_of_month = date(context.as_of.year, context.as_of.month, 1)
    first_month = queries.months_back(as_of_month, REVENUE_TREND_MONTHS - 1)
    history: dict[str, list[Row]] = defaultdict(list)
    for row in queries.tier_history(con, account_ids):
        history[row["account_id"]].append(row)
    revenue: dict[str, list[Row]] = defaultdict(list)
    for row in queries.monthly_revenue_by_category(con, account_ids, first_month, as_of_month):
        revenue[row["account_id"]].append(row)
    units = {row["account_id"]: row for row in queries.decision_units(con, account_ids)}
    per_account: dict[str, list[Row]] = defaultdict(list)
    for row in objectives:
        per_account[row["account_id"]].append(row)
    sla_12m = {
        row["account_id"]: row
        for row in queries.sla_by_account(
            con, account_ids, queries.months_back(as_of_month, 11), as_of_month
        )
    }
    months = [queries.months_back(as_of_month, back) for back in range(REVENUE_TREND_MONTHS)][::-1]
    pages = []
    for account_id in account_ids:
        summary = summaries[account_id]
        chart, mix = _revenue_trend_and_mix(revenue[account_id], months, context)
        unit = units.get(account_id)
        pages.append(
            AccountPage(
                summary=summary,
                tier_reason=tier_reason(summary.profile, context),
                tier_history=[
                    {**row, "reason": tier_reason(row, context)}
                    for row in history[account_id][:TIER_HISTORY_SHOWN]
                ],
                revenue_chart=chart,
                product_mix=mix,
                decision_unit=unit if context.delivery.contacts else None,
                decision_unit_gaps=decision_unit_gaps(unit, context) if unit else [],
                objectives=sorted(per_account[account_id], key=lambda row: _kpi_order(row["kpi"])),
                sla_12m=sla_12m.get(account_id),
                clv=summary.churn,
            )
        )
    return pages


def decision_unit_gaps(unit: Row, context: Context) -> list[str]:
    """What is missing in an account's decision unit (SPEC step 3), as sentences."""
    t = context.t
    if not context.delivery.contacts:
        return []
    gaps = []
    if unit["decision_makers_mapped"] == 0:
        gaps.append(t("decision_unit.gap.no_decision_maker"))
    elif unit["decision_makers_engaged"] == 0:
        gaps.append(
            t("decision_unit.gap.no_decision_maker_engaged", days=unit["engaged_window_days"])
        )
    elif unit["decision_makers_engaged"] < unit["decision_makers_mapped"]:
        gaps.append(
            t(
                "decision_unit.gap.decision_makers_not_engaged",
                count=unit["decision_makers_mapped"] - unit["decision_makers_engaged"],
                days=unit["engaged_window_days"],
            )
        )
    if unit["champions_mapped"] == 0:
        gaps.append(t("decision_unit.gap.no_champion"))
    if unit["influencers_mapped"] == 0:
        gaps.append(t("decision_unit.gap.no_influencer"))
    if unit["is_single_threaded"]:
        gaps.append(t("decision_unit.gap.single_threaded"))
    elif unit["has_no_engagement"]:
        gaps.append(t("decision_unit.gap.no_engagement", days=unit["engaged_window_days"]))
    return gaps


def _revenue_trend_and_mix(
    rows: list[Row], months: list[date], context: Context
) -> tuple[str | None, list[Row]]:
    """The 24-month stacked revenue chart and the trailing-12-month product mix of one account."""
    t, fmt = context.t, context.fmt
    if not rows:
        return None, []
    totals: dict[str | None, float] = defaultdict(float)
    for row in rows:
        totals[row["product_category"]] += float(row["net_revenue"])
    ranked = sorted(totals, key=lambda category: (-totals[category], category or ""))
    shown = [c for c in ranked if c is not None][:CATEGORIES_SHOWN]
    bands: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        band = row["product_category"] if row["product_category"] in shown else None
        bands[band][row["month_start_date"]] += float(row["net_revenue"])
    series = [
        charts.Series(
            label=t.open_label("product_category", category),
            values=[bands[category].get(month, 0.0) for month in months],
            colour=palette.CATEGORY_COLOURS[index % len(palette.CATEGORY_COLOURS)],
        )
        for index, category in enumerate(shown)
    ]
    if None in bands:
        label = t("account.revenue.other") if shown else t("account.revenue.total")
        series.append(
            charts.Series(
                label=label,
                values=[bands[None].get(month, 0.0) for month in months],
                colour=palette.OTHER_CATEGORY_COLOUR,
            )
        )
    chart = charts.stacked_bars(
        [fmt.month(month) for month in months],
        series,
        value_label=fmt.money_compact,
        name="revenue",
    )
    last_12 = set(months[-12:])
    mix_totals: dict[str | None, float] = defaultdict(float)
    for row in rows:
        if row["month_start_date"] in last_12:
            band = row["product_category"] if row["product_category"] in shown else None
            mix_totals[band] += float(row["net_revenue"])
    positive = sum(value for value in mix_totals.values() if value > 0)
    mix = [
        {
            "product_category": category,
            "label": t.open_label("product_category", category)
            if category is not None
            else series[-1].label,
            "net_revenue": mix_totals[category],
            "share": mix_totals[category] / positive
            if positive > 0 and mix_totals[category] > 0
            else None,
        }
        for category in [*shown, None]
        if category in mix_totals
    ]
    return chart, mix


def _kpi_order(kpi: str) -> int:
    return KPIS.index(kpi) if kpi in KPIS else len(KPIS)


# ---- KAM pages ------------------------------------------------------------------------------


def _kam_pages(
    con: duckdb.DuckDBPyConnection,
    context: Context,
    summaries: dict[str, AccountSummary],
    objectives: list[Row],
) -> list[KamPage]:
    owned: dict[str, list[AccountSummary]] = defaultdict(list)
    for summary in summaries.values():
        if summary.profile["owner_kam_id"]:
            owned[summary.profile["owner_kam_id"]].append(summary)
    per_kam: dict[str, list[Row]] = defaultdict(list)
    for row in objectives:
        profile = summaries.get(row["account_id"])
        name = profile.profile["account_name"] if profile else row["account_id"]
        per_kam[row["kam_id"]].append({**row, "account_name": name})
    pages = []
    for kam in queries.kam_quarter(
        con, context.plan_period, with_email=context.expose_contact_names
    ):
        accounts = sorted(
            owned[kam["kam_id"]],
            key=lambda s: (_tier_rank(s.tier), -float(s.profile["revenue_12m"] or 0), s.account_id),
        )
        pages.append(
            KamPage(
                kam=kam,
                accounts=accounts,
                objectives=sorted(
                    per_kam[kam["kam_id"]],
                    key=lambda row: (row["account_name"], _kpi_order(row["kpi"])),
                ),
                limits_text=_limits_text(kam["role"], context),
            )
        )
    return pages


def _limits_text(role: str | None, context: Context) -> str:
    t, limits = context.t, context.limits
    if role == "key_account_manager":
        return t(
            "kam.limits.key_account_manager",
            low=limits.key_accounts_min,
            high=limits.key_accounts_max,
        )
    if role == "account_manager":
        return t("kam.limits.account_manager", low=limits.accounts_min, high=limits.accounts_max)
    return t("kam.limits.none")


def _tier_rank(tier: str | None) -> int:
    return palette.TIER_ORDER.index(tier) if tier in palette.TIER_ORDER else len(palette.TIER_ORDER)


# ---- cockpit --------------------------------------------------------------------------------


def _cockpit(
    con: duckdb.DuckDBPyConnection,
    context: Context,
    summaries: dict[str, AccountSummary],
    kams: list[KamPage],
) -> Cockpit:
    t, fmt = context.t, context.fmt
    as_of_month = date(context.as_of.year, context.as_of.month, 1)
    tiers = sorted(queries.tier_summary(con), key=lambda row: _tier_rank(row["tier"]))
    points = queries.pareto_points(con)
    top_n = max(1, round(TOP_SHARE_OF_ACCOUNTS * len(points))) if points else 0
    top_share = points[top_n - 1]["cumulative_revenue_share"] if points else None
    pareto_chart = None
    if points and top_share is not None:
        pareto_chart = charts.pareto_curve(
            [float(p["account_share"]) for p in points],
            [float(p["cumulative_revenue_share"] or 0) for p in points],
            [p["tier"] for p in points],
            tier_labels={tier: t.label("tier", tier) for tier in palette.TIER_ORDER},
            x_label=t("cockpit.pareto.x_label"),
            y_label=t("cockpit.pareto.y_label"),
            marker_label=t("cockpit.pareto.a_threshold"),
            percent=lambda value: fmt.ratio(value, 0),
        )
    retention = queries.retention_by_tier(con, RETENTION_TREND_MONTHS)
    periods = sorted({row["period_start_date"] for row in retention})
    latest_period = periods[-1] if periods else None
    nrr_chart = grr_chart = None
    if periods:
        nrr_chart = _retention_chart(retention, periods, "nrr", context)
        grr_chart = _retention_chart(retention, periods, "grr", context)
    at_risk = [s for s in summaries.values() if s.has_page and s.reasons]
    at_risk.sort(
        key=lambda s: (-len(s.reasons), -float(s.profile["revenue_12m"] or 0), s.account_id)
    )
    failed = [row for row in context.info.checks if not row["passed"]]
    return Cockpit(
        tiers=tiers,
        total_revenue_12m=sum((row["revenue_12m"] or 0 for row in tiers), Decimal(0)),
        accounts_total=len(summaries),
        accounts_buying=sum(1 for s in summaries.values() if (s.profile["revenue_12m"] or 0) > 0),
        top_share_revenue=top_share,
        pareto_chart=pareto_chart,
        retention_latest=sorted(
            (row for row in retention if row["period_start_date"] == latest_period),
            key=lambda row: -1 if row["slice_type"] == "all" else _tier_rank(row["slice_value"]),
        ),
        retention_period=latest_period,
        nrr_chart=nrr_chart,
        grr_chart=grr_chart,
        churn_counts=queries.churn_status_counts(con),
        at_risk=at_risk[:COCKPIT_RISKS_SHOWN],
        at_risk_total=len(at_risk),
        pack_accounts_total=sum(1 for s in summaries.values() if s.has_page),
        kams=[page.kam for page in kams],
        sla_quarter=sorted(
            queries.sla_by_tier(con, context.quarter_start, as_of_month),
            key=lambda row: _tier_rank(row["tier"]),
        ),
        sla_12m=sorted(
            queries.sla_by_tier(con, queries.months_back(as_of_month, 11), as_of_month),
            key=lambda row: _tier_rank(row["tier"]),
        ),
        checks_failed=failed,
        row_counts=sorted(context.info.row_counts.items()),
        empty_reasons=queries.empty_reasons(con),
    )


def _retention_chart(rows: list[Row], periods: list[date], metric: str, context: Context) -> str:
    t, fmt = context.t, context.fmt
    by_slice: dict[str, dict[date, float | None]] = defaultdict(dict)
    for row in rows:
        key = "all" if row["slice_type"] == "all" else row["slice_value"]
        by_slice[key][row["period_start_date"]] = row[metric]
    series = [
        charts.Series(
            label=t.label("tier", tier),
            values=[by_slice[tier].get(period) for period in periods],
            colour=palette.tier_colour(tier),
        )
        for tier in palette.TIER_ORDER
        if tier in by_slice
    ]
    series.append(
        charts.Series(
            label=t("cockpit.retention.all_accounts"),
            values=[by_slice["all"].get(period) for period in periods],
            colour=palette.INK,
            dashed=True,
        )
    )
    return charts.trend_lines(
        [fmt.month(period) for period in periods],
        series,
        title=t(f"cockpit.retention.{metric}_title"),
        value_label=lambda value: fmt.ratio(value, 0),
        name=metric,
        reference=1.0,
    )
