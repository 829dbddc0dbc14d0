"""The per-account CLV table: shape, monotonicity, edge cases, settings and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.lib.clv import ClvError, ClvSettings, FitStatus, predict_account_clv
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.predict import REQUIRED_COLUMNS
from pipelines.lib.clv.simulate import simulate_summary

TRUE_PURCHASES = BgNbdParams(r=0.8, alpha=6.0, a=0.9, b=4.0)
TRUE_SPEND = GammaGammaParams(p=6.0, q=4.0, gamma=800.0)


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return simulate_summary(3000, TRUE_PURCHASES, TRUE_SPEND, seed=7)


def numeric(table: pd.DataFrame) -> np.ndarray:
    return table.select_dtypes("number").drop(columns="account_id").to_numpy(dtype=float)


def test_table_is_finite_model_based_and_monotonic_in_horizon(summary: pd.DataFrame) -> None:
    result = predict_account_clv(summary, horizons_months=(6, 12, 36))
    assert [fit.status for fit in result.fits] == [FitStatus.CONVERGED, FitStatus.CONVERGED]
    table = result.accounts
    assert np.isfinite(numeric(table)).all()
    assert (table["clv_6m"] <= table["clv_12m"]).all()
    assert (table["clv_12m"] <= table["clv_36m"]).all()
    assert (table["clv_36m"] > table["clv_12m"]).mean() > 0.99
    assert table["p_alive"].between(0, 1).all()
    assert (table["expected_order_value"] > 0).all()
    assert {"clv_6m_p10", "clv_6m_p90"} <= set(table.columns)


def test_clv_decreases_with_discount_rate(summary: pd.DataFrame) -> None:
    low = predict_account_clv(summary, ClvSettings(discount_rate=0.0)).accounts
    mid = predict_account_clv(summary, ClvSettings(discount_rate=0.10)).accounts
    high = predict_account_clv(summary, ClvSettings(discount_rate=0.30)).accounts
    for column in ("clv_12m", "clv_36m"):
        assert (low[column] >= mid[column]).all() and (mid[column] >= high[column]).all()
        assert high[column].sum() < mid[column].sum() < low[column].sum()


def test_undiscounted_clv_is_expected_purchases_times_order_value(summary: pd.DataFrame) -> None:
    table = predict_account_clv(summary, ClvSettings(discount_rate=0.0)).accounts
    np.testing.assert_allclose(
        table["clv_12m"], table["expected_purchases_12m"] * table["expected_order_value"], rtol=1e-9
    )


def test_margin_ratio_scales_clv_per_account(summary: pd.DataFrame) -> None:
    margin = pd.Series(0.25, index=summary["account_id"]).iloc[::-1]  # order must not matter
    revenue = predict_account_clv(summary).accounts
    margin_clv = predict_account_clv(summary, margin_ratio=margin).accounts
    np.testing.assert_allclose(margin_clv["clv_36m"], 0.25 * revenue["clv_36m"])
    np.testing.assert_allclose(margin_clv["clv_36m_p90"], 0.25 * revenue["clv_36m_p90"])


def test_margin_ratio_missing_for_an_account_is_an_error(summary: pd.DataFrame) -> None:
    margin = pd.Series(0.3, index=summary["account_id"].iloc[1:])
    with pytest.raises(ClvError, match="margin_ratio for account_id 1 is missing"):
        predict_account_clv(summary, margin_ratio=margin)


def test_one_time_buyers_get_population_order_value_and_are_alive(summary: pd.DataFrame) -> None:
    result = predict_account_clv(summary)
    spend = result.fits[1]
    one_time = result.accounts[summary["frequency"].to_numpy() == 0]
    assert len(one_time) > 0
    assert (one_time["p_alive"] == 1.0).all()
    np.testing.assert_allclose(
        one_time["expected_order_value"], spend.diagnostics["population_mean_order_value"]
    )


def test_very_large_frequencies_are_finite(summary: pd.DataFrame) -> None:
    heavy = summary.copy()
    heavy.loc[0, ["frequency", "recency_weeks", "t_weeks", "monetary_value"]] = [
        1000,  # a purchase almost every day of its 1,092 days, the last one today
        156.0,
        156.0,
        1234.0,
    ]
    heavy.loc[0, "repeat_purchase_days_52w"] = 330
    table = predict_account_clv(heavy).accounts
    assert np.isfinite(numeric(table)).all()
    assert table.loc[0, "expected_order_value"] == pytest.approx(1234.0, rel=1e-3)
    assert table.loc[0, "clv_36m"] > table["clv_36m"].drop(index=0).max()


def test_empty_summary_gives_no_rows_and_two_unfitted_models() -> None:
    result = predict_account_clv(pd.DataFrame(columns=list(REQUIRED_COLUMNS)))
    assert result.accounts.empty
    assert [fit.status for fit in result.fits] == [FitStatus.TOO_FEW_BUYERS] * 2
    assert len(result.warnings) == 2


def test_a_single_account_is_valued_by_the_fallbacks() -> None:
    one = pd.DataFrame(
        {
            "account_id": ["A1"],
            "frequency": [4],
            "recency_weeks": [30.0],
            "t_weeks": [40.0],
            "monetary_value": [500.0],
            "repeat_purchase_days_52w": [4],
        }
    )
    result = predict_account_clv(one)
    row = result.accounts.iloc[0]
    assert [fit.status for fit in result.fits] == [FitStatus.TOO_FEW_BUYERS] * 2
    # Run rate: 4 repeat days in its 40 weeks, carried over 52.18 weeks.
    assert row["expected_purchases_12m"] == pytest.approx(4 / 40 * 365.25 / 7)
    assert np.isnan(row["p_alive"])
    # The median of one account is its own mean: the shrunk mean is that value.
    assert row["expected_order_value"] == pytest.approx(500.0)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("frequency", -1, "a whole number >= 0"),
        ("frequency", 1.5, "a whole number >= 0"),
        ("t_weeks", 1.0, "t_weeks >= recency_weeks"),
        ("recency_weeks", np.nan, "a finite number"),
        ("monetary_value", np.nan, "a finite mean repeat-day value"),
        ("repeat_purchase_days_52w", 4, "a whole number between 0 and frequency"),
    ],
)
def test_bad_rows_name_row_account_and_column(column: str, value: float, expected: str) -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["A", "B"],
            "frequency": [0.0, 3.0],
            "recency_weeks": [0.0, 10.0],
            "t_weeks": [20.0, 20.0],
            "monetary_value": [0.0, 80.0],
            "repeat_purchase_days_52w": [0, 3],
        }
    )
    frame.loc[1, column] = value
    with pytest.raises(ClvError, match=rf"row 1 \(account_id 'B'\), column {column}.*{expected}"):
        predict_account_clv(frame)


def test_duplicate_accounts_and_missing_columns_are_errors() -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["A", "A"],
            "frequency": [0, 1],
            "recency_weeks": [0.0, 1.0],
            "t_weeks": [2.0, 2.0],
            "monetary_value": [0.0, 1.0],
            "repeat_purchase_days_52w": [0, 1],
        }
    )
    with pytest.raises(ClvError, match="one row per account"):
        predict_account_clv(frame)
    with pytest.raises(ClvError, match=r"missing column\(s\) \['monetary_value'\]"):
        predict_account_clv(frame.drop(columns="monetary_value"))


@pytest.mark.parametrize(
    ("settings", "horizons", "message"),
    [
        (ClvSettings(discount_rate=-0.1), (12,), "discount_rate must be"),
        (ClvSettings(discount_rate=float("nan")), (12,), "discount_rate must be"),
        (ClvSettings(), (0, 12), "horizons_months must be"),
        (ClvSettings(min_repeat_buyers=0), (12,), "clv_min_repeat_buyers must be"),
        (ClvSettings(min_q_lower_bound=0.9), (12,), "clv_min_q_lower_bound must be"),
        (ClvSettings(spend_prior_days=-1), (12,), "clv_spend_prior_days must be"),
    ],
)
def test_bad_settings_are_errors_naming_the_setting(
    summary: pd.DataFrame, settings: ClvSettings, horizons: tuple, message: str
) -> None:
    with pytest.raises(ClvError, match=message):
        predict_account_clv(summary, settings, horizons_months=horizons)
