"""Real ERP invoice lines nobody on this project wrote publish, and every figure is right.

The UCI Online Retail slice (tests/data/online_retail/, a UK wholesaler's daily exports and its
customer list) is loaded with the example kam.yml of docs/bring_your_own_data.md, unchanged: ids
written `17850.0`, no line number and no line amount (derived), a quarter of the lines without a
customer (excluded, not bad rows), postage and fees among the products (not merchandise), the
as-of month incomplete. Every figure is compared with an independent recomputation from the raw
files (tests/e2e/online_retail_expected.py, pandas and the standard library only).
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.e2e import online_retail_expected as ore
from tests.e2e.conftest import REPO, kam_command, kam_env, run_kam

pytestmark = pytest.mark.slow

SLICE = REPO / "tests" / "data" / "online_retail"
CONFIG = REPO / "docs" / "examples" / "online_retail" / "kam.yml"


@pytest.fixture(scope="module")
def expected() -> ore.Expected:
    return ore.expected(sorted((SLICE / "invoice_lines").glob("invoice_lines_*.csv")))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The slice, checked with `kam check`, then run and published with the example kam.yml."""
    home = tmp_path_factory.mktemp("online_retail") / "home"
    check = subprocess.run(
        kam_command("check", "--home", str(home), "--config", str(CONFIG), "--landing", str(SLICE)),
        cwd=REPO,
        env=kam_env(home),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "invoice_lines: 107 files, 9,909 read, 7,223 would load, 2,686 excluded" in check.stdout
    assert not (home / "bronze").exists(), "kam check must not load anything"

    run = run_kam(home, SLICE, "--config", str(CONFIG))
    assert run.returncode == 0, run.stdout + run.stderr
    return home / "published" / "kam.duckdb"


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_line_is_loaded_excluded_or_quarantined_as_recomputed(
    published: Path, expected: ore.Expected
) -> None:
    ((details, currency, as_of),) = query(
        published, "select details_json, currency, as_of_date from meta.publish"
    )
    lines = json.loads(details)["deliveries"]["invoice_lines"]
    assert lines == {
        "files": len(expected.lines_per_file),
        "rows_read": expected.total_lines,
        "rows_loaded": expected.valid_lines,
        "rows_quarantined": expected.invalid_lines,
        "rows_excluded": expected.excluded_lines,
    }
    assert currency == "GBP"
    assert as_of == expected.as_of_date.date()

    ((merchandise, other),) = query(
        published,
        "select count(*) filter (where is_merchandise), count(*) filter (where not is_merchandise) "
        "from marts.fct_sales",
    )
    assert (merchandise, other) == (expected.merchandise_lines, expected.non_merchandise_lines)


def test_revenue_per_customer_equals_the_recomputation(
    published: Path, expected: ore.Expected
) -> None:
    whole = dict(
        query(
            published,
            "select account_id, sum(net_amount) from marts.fct_sales where is_merchandise "
            "group by account_id",
        )
    )
    assert whole == expected.revenue_by_customer["whole_history"].to_dict()
    assert sum(whole.values(), Decimal(0)) == Decimal("166370.50")

    # The tiers' trailing 12 months end with the last complete month, never the partial one.
    month_end = expected.period_bounds["trailing_12_months"][1].date()
    trailing = dict(
        query(
            published,
            "select account_id, revenue_12m from marts.account_tiers "
            "where snapshot_date = ? and revenue_12m <> 0",
            [month_end],
        )
    )
    recomputed = expected.revenue_by_customer["trailing_12_months"]
    assert trailing == recomputed[recomputed != 0].to_dict()


def test_concentration_equals_the_recomputation(published: Path, expected: ore.Expected) -> None:
    top = expected.concentration["trailing_12_months"]
    month_end = expected.period_bounds["trailing_12_months"][1].date()
    ranked = query(
        published,
        "select account_id, cumulative_share from marts.account_tiers "
        "where snapshot_date = ? and revenue_12m > 0 order by revenue_12m desc, account_id",
        [month_end],
    )
    assert len(ranked) == top.customers_with_revenue
    assert tuple(account for account, _ in ranked[: top.top_customers]) == top.top_customer_ids
    assert ranked[top.top_customers - 1][1] == pytest.approx(top.top_share, abs=1e-9)
    # Without market potential or referrals the score is renormalised over what was delivered,
    # so real data has key accounts, and the reason says which inputs were used.
    reasons = query(
        published,
        "select tier_reason from marts.account_tiers where snapshot_date = ? and tier = 'key'",
        [month_end],
    )
    assert reasons
    assert all(reason.endswith("on revenue, growth, loyalty") for (reason,) in reasons)


def test_monthly_activity_and_the_partial_month(published: Path, expected: ore.Expected) -> None:
    months = query(
        published,
        "select period_start_date, active_accounts, is_partial_period from marts.retention_summary "
        "where period_type = 'month' and slice_type = 'all' order by period_start_date",
    )
    recomputed = [
        (row.month.start_time.date(), row.active_customers, not row.is_complete)
        for row in expected.monthly.itertuples()
    ]
    assert months == recomputed
    # The partial as-of month is no month of churn.
    ((churned, reason),) = query(
        published,
        "select churned_accounts, logo_retention_null_reason from marts.retention_summary "
        "where period_type = 'month' and slice_type = 'all' and is_partial_period",
    )
    assert churned is None
    assert reason.startswith("partial period")


def test_inputs_never_delivered_leave_marts_empty_with_a_reason(published: Path) -> None:
    reasons = dict(
        query(published, "select mart, empty_reason from meta.marts where row_count = 0")
    )
    assert reasons["objective_attainment"] == (
        "no objectives delivered (plan/*.xlsx, plan/objectives.csv)"
    )
    assert reasons["sla_compliance"].startswith("no service requests delivered")
    assert all(reasons.values())
