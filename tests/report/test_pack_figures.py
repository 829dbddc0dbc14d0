"""The figures on the pages equal the marts: each page is read back from its HTML and compared,
as rendered, with SQL on the published file (written here, independently of the pack's queries).

Money is also parsed back from its Portuguese form (R$ 1.234,56) and compared with the mart to the
cent, so a formatter that drifted would fail here even though both sides share it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.report.formatting import Formatter
from pipelines.lib.report.messages import Catalogue
from tests.report.html_reading import normalise, read_page

pytestmark = pytest.mark.slow

PT = Formatter("pt")
T = Catalogue("pt")


def shown(value: str) -> str:
    return normalise(value)


def parse_brl(text: str) -> Decimal:
    """`R$ 1.234,56` / `-R$ 7,00` -> Decimal, exactly as printed."""
    match = re.fullmatch(r"(-?)R\$ ([\d.]+),(\d\d)", normalise(text))
    assert match, f"not a pt-BR money figure: {text!r}"
    sign, units, cents = match.groups()
    return Decimal(f"{sign}{units.replace('.', '')}.{cents}")


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def page(pack: Path, relative: str) -> tuple[dict[str, str], str]:
    return read_page((pack / relative).read_text(encoding="utf-8"))


def current_quarter(db: Path) -> str:
    (as_of,) = query(db, "select as_of_date from meta.publish")[0]
    return f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"


def test_cockpit_tiers_retention_and_publish_facts_equal_the_marts(pack_pt, published_db):
    pack, _ = pack_pt
    metrics, text = page(pack, "index.html")

    tiers = query(
        published_db,
        """
        select tier, count(*), sum(revenue_12m), sum(revenue_share)
        from marts.account_tiers
        where snapshot_date = (select max(snapshot_date) from marts.account_tiers)
        group by tier
        """,
    )
    assert tiers, "the sample has tiers"
    for tier, accounts, revenue, share in tiers:
        assert metrics[f"tier.{tier}.accounts"] == shown(PT.integer(accounts))
        assert parse_brl(metrics[f"tier.{tier}.revenue_12m"]) == revenue
        assert metrics[f"tier.{tier}.revenue_share"] == shown(PT.ratio(share))

    retention = query(
        published_db,
        """
        select case when slice_type = 'all' then 'all' else slice_value end,
               accounts_at_start, logo_retention, nrr, grr
        from marts.retention_summary
        where period_type = 'month'
            and period_start_date = (
                select max(period_start_date) from marts.retention_summary
                where period_type = 'month' and not is_partial_period
            )
            and slice_type in ('all', 'tier') and accounts_at_start > 0
        """,
    )
    for key, at_start, logo, nrr, grr in retention:
        assert metrics[f"retention.{key}.accounts_at_start"] == shown(PT.integer(at_start))
        assert metrics[f"retention.{key}.logo_retention"] == shown(PT.ratio(logo))
        assert metrics[f"retention.{key}.nrr"] == shown(PT.ratio(nrr))
        assert metrics[f"retention.{key}.grr"] == shown(PT.ratio(grr))

    as_of, published_at, passed, total = query(
        published_db,
        "select as_of_date, published_at, checks_passed, checks_total from meta.publish",
    )[0]
    assert metrics["as_of_date"] == as_of.strftime("%d/%m/%Y")
    assert metrics["about.as_of"] == as_of.strftime("%d/%m/%Y")
    assert metrics["about.published_at"] == published_at.strftime("%d/%m/%Y %H:%M UTC")
    assert metrics["about.checks"] == f"{passed} de {total}"
    for mart, rows in query(published_db, "select mart, row_count from meta.mart_row_counts"):
        assert metrics[f"rows.{mart}"] == shown(PT.integer(rows))
    assert "Pacote de revisão KAM" in text and "Painel da carteira" in text


def test_cockpit_kam_table_and_sla_equal_the_marts(pack_pt, published_db):
    pack, _ = pack_pt
    metrics, _ = page(pack, "index.html")
    period = current_quarter(published_db)
    scorecard = query(
        published_db,
        """
        select kam_id, accounts_owned, key_accounts_owned, weighted_attainment_pct, actions_overdue
        from marts.kam_scorecard where plan_period = ? and accounts_owned > 0
        """,
        [period],
    )
    assert scorecard
    for kam_id, accounts, key_accounts, attainment, overdue in scorecard:
        assert metrics[f"kam.{kam_id}.accounts"] == f"{accounts} ({key_accounts})"
        assert metrics[f"kam.{kam_id}.attainment"] == shown(PT.pct(attainment, 0))
        assert metrics[f"kam.{kam_id}.actions_overdue"] == shown(PT.integer(overdue))

    (as_of,) = query(published_db, "select as_of_date from meta.publish")[0]
    sla = query(
        published_db,
        """
        select tier, 100.0 * sum(responses_within_sla)
            / nullif(sum(responses_within_sla) + sum(breached_requests), 0)
        from marts.sla_compliance
        where month_start_date > date_trunc('month', ?::date) - interval 12 month
        group by tier
        """,
        [as_of],
    )
    assert sla
    for tier, compliance in sla:
        assert metrics[f"sla.{tier}.last_12m_pct"] == shown(PT.pct(compliance))


def test_a_kam_page_equals_the_marts(pack_pt, published_db):
    pack, _ = pack_pt
    period = current_quarter(published_db)
    kam_id, accounts, attainment, overdue = query(
        published_db,
        """
        select kam_id, accounts_owned, weighted_attainment_pct, actions_overdue
        from marts.kam_scorecard
        where plan_period = ? and objectives_count > 0
        order by objectives_count desc, kam_id
        limit 1
        """,
        [period],
    )[0]
    metrics, text = page(pack, f"kams/{kam_id}.html")
    assert metrics["accounts_owned"] == shown(PT.integer(accounts))
    assert metrics["weighted_attainment"] == shown(PT.pct(attainment, 0))
    assert metrics["actions_overdue"] == shown(PT.integer(overdue))

    owned = query(
        published_db,
        "select account_id, revenue_12m from marts.dim_accounts where owner_kam_id = ?",
        [kam_id],
    )
    assert len(owned) == accounts
    for account_id, revenue in owned:
        assert parse_brl(metrics[f"account.{account_id}.revenue_12m"]) == revenue

    objectives = query(
        published_db,
        """
        select account_id, kpi, actual_value, attainment_pct
        from marts.objective_attainment where kam_id = ? and plan_period = ?
        """,
        [kam_id, period],
    )
    assert objectives
    for account_id, kpi, actual, attainment_pct in objectives:
        prefix = f"objective.{account_id}.{kpi}"
        assert metrics[f"{prefix}.attainment"] == shown(PT.pct(attainment_pct, 0))
        if kpi == "net_revenue":
            assert parse_brl(metrics[f"{prefix}.actual"]) == Decimal(str(round(actual, 2)))
        elif kpi == "sla_compliance_pct":
            assert metrics[f"{prefix}.actual"] == shown(PT.pct(actual))
        else:
            assert metrics[f"{prefix}.actual"] == shown(PT.number(actual, 0))
    assert T("kam.portfolio.heading") in text


def test_an_account_page_equals_the_marts(pack_pt, published_db):
    pack, _ = pack_pt
    account_id, revenue, lifetime, potential, first, last, tier = query(
        published_db,
        """
        select account_id, revenue_12m, lifetime_revenue, market_potential,
               first_purchase_date, last_purchase_date, tier
        from marts.dim_accounts where tier = 'key'
        order by revenue_12m desc, account_id limit 1
        """,
    )[0]
    metrics, text = page(pack, f"accounts/{account_id}.html")
    assert parse_brl(metrics["revenue_12m"]) == revenue
    assert parse_brl(metrics["lifetime_revenue"]) == lifetime
    assert parse_brl(metrics["market_potential"]) == potential
    assert metrics["first_purchase_date"] == first.strftime("%d/%m/%Y")
    assert metrics["last_purchase_date"] == last.strftime("%d/%m/%Y")
    assert metrics["tier"] == T.label("tier", tier)

    (previous,) = query(
        published_db,
        """
        select revenue_prev_12m from marts.account_tiers
        where account_id = ?
            and snapshot_date = (select max(snapshot_date) from marts.account_tiers)
        """,
        [account_id],
    )[0]
    assert parse_brl(metrics["revenue_prev_12m"]) == previous

    mapped, engaged, stakeholders = query(
        published_db,
        """
        select decision_makers_mapped, decision_makers_engaged, stakeholders
        from marts.decision_unit_coverage where account_id = ?
        """,
        [account_id],
    )[0]
    assert metrics["du.decision_makers_mapped"] == str(mapped)
    assert metrics["du.decision_makers_engaged"] == str(engaged)
    assert metrics["du.stakeholders"] == str(stakeholders)

    period = current_quarter(published_db)
    for kpi, target, attainment, pace in query(
        published_db,
        """
        select kpi, target_value, attainment_pct, pace_status
        from marts.objective_attainment where account_id = ? and plan_period = ?
        """,
        [account_id, period],
    ):
        assert metrics[f"objective.{kpi}.attainment"] == shown(PT.pct(attainment, 0))
        assert metrics[f"objective.{kpi}.pace"] == T.label("pace", pace or "not_measured")
        if kpi == "net_revenue":
            assert parse_brl(metrics[f"objective.{kpi}.target"]) == Decimal(str(round(target, 2)))

    planned, overdue = query(
        published_db,
        "select actions_planned, actions_overdue from marts.plan_execution "
        "where account_id = ? and plan_period = ?",
        [account_id, period],
    )[0]
    assert metrics["actions.planned"] == str(planned)
    assert metrics["actions.overdue"] == str(overdue)

    days_since, clv_12m, p_alive, clv_low, clv_high = query(
        published_db,
        """
        select churn.days_since_last_purchase, clv.clv_12m, clv.p_alive,
               clv.clv_12m_p10, clv.clv_12m_p90
        from marts.account_churn as churn
        inner join marts.account_clv as clv using (account_id)
        where account_id = ?
        """,
        [account_id],
    )[0]
    assert metrics["churn.days_since"] == T.plural(
        "unit.days", days_since, value=shown(PT.integer(days_since))
    )
    assert parse_brl(metrics["clv.clv_12m"]) == Decimal(str(round(clv_12m, 2)))
    if clv_low is not None:
        low, high = re.findall(r"-?R\$ [\d.]+,\d\d", normalise(metrics["clv.clv_12m_interval"]))
        assert parse_brl(low) == Decimal(str(round(clv_low, 2)))
        assert parse_brl(high) == Decimal(str(round(clv_high, 2)))
    assert metrics["clv.p_alive"] == shown(PT.ratio(p_alive))

    (as_of,) = query(published_db, "select as_of_date from meta.publish")[0]
    mix = query(
        published_db,
        """
        select products.product_category, sum(sales.net_amount)
        from marts.fct_sales as sales
        inner join marts.dim_products as products using (product_id)
        where sales.account_id = ?
            and sales.month_start_date > date_trunc('month', ?::date) - interval 12 month
        group by all
        order by 2 desc
        limit 3
        """,
        [account_id, as_of],
    )
    for category, amount in mix:
        key = f"mix.{category}.revenue"
        if key in metrics:  # categories beyond the six largest of 24 months form one band
            assert parse_brl(metrics[key]) == amount
    assert any(f"mix.{category}.revenue" in metrics for category, _ in mix)
    assert metrics["as_of_date"] == as_of.strftime("%d/%m/%Y")
    assert "Perfil da conta" in text and "Unidade de decisão" in text


def test_english_pages_use_english_words_and_iso_dates(pack_en, published_db):
    metrics, text = page(pack_en, "index.html")
    (as_of,) = query(published_db, "select as_of_date from meta.publish")[0]
    assert metrics["as_of_date"] == as_of.isoformat()
    assert "Portfolio cockpit" in text and "Painel da carteira" not in text
    (revenue,) = query(
        published_db,
        """
        select sum(revenue_12m) from marts.account_tiers
        where snapshot_date = (select max(snapshot_date) from marts.account_tiers)
            and tier = 'key'
        """,
    )[0]
    assert metrics["tier.key.revenue_12m"] == shown(Formatter("en").money(revenue))
    assert re.fullmatch(r"R\$[\d,]+\.\d\d", metrics["tier.key.revenue_12m"])


def test_every_key_and_strategic_account_and_every_owner_has_a_page(pack_pt, published_db):
    pack, summary = pack_pt
    accounts = {
        row[0]
        for row in query(
            published_db,
            "select account_id from marts.dim_accounts where tier in ('key', 'strategic')",
        )
    }
    owners = {
        row[0]
        for row in query(
            published_db,
            "select distinct owner_kam_id from marts.dim_accounts where owner_kam_id is not null",
        )
    }
    assert {path.stem for path in (pack / "accounts").glob("*.html")} == accounts
    assert {path.stem for path in (pack / "kams").glob("*.html")} == owners
    assert summary.account_pages == len(accounts) and summary.kam_pages == len(owners)
    assert summary.pages == 1 + len(accounts) + len(owners)
