"""The published marts agree with an independent recomputation from the landing files.

tests/e2e/recompute.py re-derives ABC tiers, cohort retention, monthly and quarterly NRR/GRR and
objective attainment with pandas from the sample landing folder (SPEC "Marts"); these tests
compare it with what `kam run` published. Classes and counts must match exactly, money to the
cent, ratios to 1e-9, and a ratio the marts leave null (a partial period, too little history,
too small a base) must be null in the recomputation too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.lib.config import load_settings
from tests.e2e import recompute
from tests.e2e.conftest import REPO, run_kam

pytestmark = pytest.mark.slow

RATIO_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def three_year_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three years of sample data: NRR and GRR need 24 months of history before a period ends,
    so the test session's two-year sample would leave every one of them null."""
    from pipelines.lib.sample_data import generate_landing

    landing = tmp_path_factory.mktemp("landing_three_years")
    generate_landing(landing, accounts=60, years=3, seed=7)
    return landing


@pytest.fixture(scope="module")
def three_year_home(tmp_path_factory: pytest.TempPathFactory, three_year_landing: Path) -> Path:
    home = tmp_path_factory.mktemp("home_three_years")
    result = run_kam(home, three_year_landing)
    assert result.returncode == 0, result.stdout + result.stderr
    return home


@pytest.fixture(scope="module")
def landing_data(three_year_landing: Path, three_year_home: Path) -> recompute.Landing:
    settings = load_settings(REPO / "kam.yml", home=three_year_home, landing=three_year_landing)
    return recompute.read_landing(three_year_landing, settings)


@pytest.fixture(scope="module")
def query(three_year_home: Path) -> Callable[[str], pd.DataFrame]:
    """Runs a query on the published DuckDB file, the one BI opens (read-only)."""
    database = three_year_home / "published" / "kam.duckdb"

    def run(sql: str) -> pd.DataFrame:
        con = duckdb.connect(str(database), read_only=True)
        try:
            return con.execute(sql).fetchdf()
        finally:
            con.close()

    return run


def to_cents(values: pd.Series) -> pd.Series:
    return np.round(values.astype(float) * 100).astype("int64")


def merge_on(keys: list[str], published: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Published and recomputed rows side by side; both must hold exactly the same keys."""
    merged = published.merge(
        expected, on=keys, how="outer", suffixes=("_mart", "_expected"), indicator=True
    )
    unmatched = merged[merged["_merge"] != "both"]
    assert unmatched.empty, f"keys only on one side:\n{unmatched[keys + ['_merge']]}"
    return merged.drop(columns="_merge")


def assert_equal(merged: pd.DataFrame, keys: list[str], column: str) -> None:
    left, right = merged[f"{column}_mart"], merged[f"{column}_expected"]
    differs = left.ne(right)
    assert not differs.any(), (
        f"{column} differs:\n{merged.loc[differs, keys + [left.name, right.name]]}"
    )


def assert_close(
    merged: pd.DataFrame, keys: list[str], column: str, relative: bool = False
) -> None:
    """Equal nulls, and values within RATIO_TOLERANCE (absolute, or relative when asked)."""
    left = pd.to_numeric(merged[f"{column}_mart"], errors="coerce").astype(float)
    right = pd.to_numeric(merged[f"{column}_expected"], errors="coerce").astype(float)
    null_differs = left.isna() != right.isna()
    assert not null_differs.any(), f"{column} null on one side:\n{merged.loc[null_differs]}"
    scale = np.maximum(right.abs(), 1.0) if relative else 1.0
    differs = ((left - right).abs() > RATIO_TOLERANCE * scale) & right.notna()
    assert not differs.any(), (
        f"{column} differs by more than {RATIO_TOLERANCE}:\n"
        f"{merged.loc[differs, keys + [left.name, right.name]]}"
    )


@pytest.mark.parametrize("years_back", [0, 1], ids=["latest_snapshot", "a_year_earlier"])
def test_account_tiers_match_a_pareto_recomputation(
    landing_data: recompute.Landing, query: Callable[[str], pd.DataFrame], years_back: int
) -> None:
    snapshot_month = landing_data.as_of_date.to_period("M") - 12 * years_back
    expected = recompute.account_tiers(landing_data, snapshot_month)
    published = query(
        "select account_id, revenue_12m, revenue_prev_12m, revenue_share, cumulative_share, "
        "abc_class from marts.account_tiers "
        f"where snapshot_date = date '{snapshot_month.end_time.date()}'"
    )
    assert not published.empty, f"no account_tiers snapshot for {snapshot_month}"
    published["revenue_12m_cents"] = to_cents(published.pop("revenue_12m"))
    published["revenue_prev_12m_cents"] = to_cents(published.pop("revenue_prev_12m"))

    keys = ["account_id"]
    merged = merge_on(keys, published, expected)
    assert_equal(merged, keys, "revenue_12m_cents")
    assert_equal(merged, keys, "revenue_prev_12m_cents")
    assert_close(merged, keys, "revenue_share")
    assert_close(merged, keys, "cumulative_share")
    assert_equal(merged, keys, "abc_class")
    assert set(expected["abc_class"]) == {"A", "B", "C"}, "the sample should exercise all classes"


def test_retention_cohorts_match_a_cohort_recomputation(
    landing_data: recompute.Landing, query: Callable[[str], pd.DataFrame]
) -> None:
    expected = recompute.retention_cohorts(landing_data)
    published = query(
        "select cohort_month, months_since_first, is_partial_period, cohort_size, "
        "active_accounts, logo_retention, "
        "cohort_revenue, revenue_retention from marts.retention_cohorts"
    )
    published["cohort_month"] = pd.to_datetime(published["cohort_month"]).astype(
        expected["cohort_month"].dtype
    )
    published["months_since_first"] = published["months_since_first"].astype("int64")
    published["cohort_revenue_cents"] = to_cents(published.pop("cohort_revenue"))

    keys = ["cohort_month", "months_since_first"]
    merged = merge_on(keys, published, expected)
    for column in ["cohort_size", "active_accounts", "cohort_revenue_cents"]:
        merged[f"{column}_mart"] = merged[f"{column}_mart"].astype("int64")
        assert_equal(merged, keys, column)
    assert_equal(merged, keys, "is_partial_period")
    assert_close(merged, keys, "logo_retention")
    assert_close(merged, keys, "revenue_retention")


@pytest.mark.parametrize("period_type", ["month", "quarter"])
def test_retention_summary_matches_a_period_recomputation(
    landing_data: recompute.Landing, query: Callable[[str], pd.DataFrame], period_type: str
) -> None:
    expected = recompute.retention_summary(landing_data, period_type)
    columns = [column for column in expected.columns if column != "period_start_date"]
    published_columns = set(
        query("select * from marts.retention_summary limit 0").columns.str.lower()
    )
    assert set(columns) <= published_columns, sorted(set(columns) - published_columns)
    published = query(
        f"select period_start_date, {', '.join(columns)} from marts.retention_summary "
        f"where period_type = '{period_type}' and slice_type = 'all' and slice_value = 'all'"
    )
    published["period_start_date"] = pd.to_datetime(published["period_start_date"]).astype(
        expected["period_start_date"].dtype
    )

    keys = ["period_start_date"]
    merged = merge_on(keys, published, expected)
    counts = [column for column in columns if column.endswith("_accounts")]
    assert "accounts_at_start" in columns and "retained_accounts" in counts
    for column in counts:
        # Nullable counts (retained and churned are unknown in a partial period) as floats.
        assert_close(merged, keys, column)
    assert_equal(merged, keys, "is_partial_period")
    for column in ["logo_retention", "nrr", "grr"]:
        assert_close(merged, keys, column)
    # The sample ends mid-month: exactly one partial period, with no churn and no ratios.
    partial = merged[merged["is_partial_period_expected"]]
    assert len(partial) == 1
    assert partial["churned_accounts_mart"].isna().all() and partial["nrr_mart"].isna().all()
    if period_type == "month":
        assert expected["nrr"].notna().sum() >= 12, "the sample should give a year of NRR values"
    else:
        assert expected["nrr"].notna().sum() >= 3, "the sample should give quarterly NRR values"


KPIS = ("net_revenue", "units", "visits")


def test_objective_attainment_matches_actuals_from_the_landing_files(
    landing_data: recompute.Landing, query: Callable[[str], pd.DataFrame]
) -> None:
    expected = recompute.objective_attainment(landing_data, KPIS)
    published = query(
        "select account_id, kpi, plan_period, target_value, actual_value, attainment_pct "
        "from marts.objective_attainment "
        f"where kpi in ({', '.join(repr(kpi) for kpi in KPIS)})"
    )

    keys = ["account_id", "kpi", "plan_period"]
    merged = merge_on(keys, published, expected)
    assert set(merged["kpi"]) == set(KPIS), "the sample plan should have objectives for each KPI"
    assert_close(merged, keys, "target_value", relative=True)

    money = merged["kpi"] == "net_revenue"
    cents = merged.loc[money, ["actual_value_mart", "actual_value_expected"]].apply(to_cents)
    differs = cents["actual_value_mart"] != cents["actual_value_expected"]
    assert not differs.any(), f"net_revenue actuals differ:\n{merged.loc[money][differs]}"
    assert_close(merged[~money], keys, "actual_value", relative=True)
    assert_close(merged, keys, "attainment_pct", relative=True)
