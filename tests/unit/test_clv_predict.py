"""The per-account CLV table: shape, monotonicity, edge cases and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.fitting import ClvError
from pipelines.lib.clv.gamma_gamma import MIN_REPEAT_BUYERS, GammaGammaParams
from pipelines.lib.clv.predict import predict_account_clv
from pipelines.lib.clv.simulate import simulate_summary

TRUE_PURCHASES = BgNbdParams(r=0.8, alpha=6.0, a=0.9, b=4.0)
TRUE_SPEND = GammaGammaParams(p=6.0, q=4.0, gamma=800.0)


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return simulate_summary(3000, TRUE_PURCHASES, TRUE_SPEND, seed=7)


def assert_finite(table: pd.DataFrame) -> None:
    assert np.isfinite(table.drop(columns="account_id").to_numpy(dtype=float)).all()


def test_table_is_finite_converged_and_monotonic_in_horizon(summary: pd.DataFrame) -> None:
    result = predict_account_clv(summary, horizons_months=(6, 12, 36))
    assert result.converged, [f.message for f in result.fits]
    table = result.accounts
    assert_finite(table)
    assert (table["clv_6m"] <= table["clv_12m"]).all()
    assert (table["clv_12m"] <= table["clv_36m"]).all()
    assert (table["clv_36m"] > table["clv_12m"]).mean() > 0.99
    assert table["p_alive"].between(0, 1).all()
    assert (table["expected_order_value"] > 0).all()


def test_clv_decreases_with_discount_rate(summary: pd.DataFrame) -> None:
    low = predict_account_clv(summary, discount_rate=0.0).accounts
    mid = predict_account_clv(summary, discount_rate=0.10).accounts
    high = predict_account_clv(summary, discount_rate=0.30).accounts
    for column in ("clv_12m", "clv_36m"):
        assert (low[column] >= mid[column]).all() and (mid[column] >= high[column]).all()
        assert high[column].sum() < mid[column].sum() < low[column].sum()


def test_undiscounted_clv_is_expected_purchases_times_order_value(summary: pd.DataFrame) -> None:
    table = predict_account_clv(summary, discount_rate=0.0).accounts
    np.testing.assert_allclose(
        table["clv_12m"], table["expected_purchases_12m"] * table["expected_order_value"], rtol=1e-9
    )


def test_margin_ratio_scales_clv_per_account(summary: pd.DataFrame) -> None:
    margin = pd.Series(0.25, index=summary["account_id"]).iloc[::-1]  # order must not matter
    revenue = predict_account_clv(summary).accounts
    margin_clv = predict_account_clv(summary, margin_ratio=margin).accounts
    np.testing.assert_allclose(margin_clv["clv_36m"], 0.25 * revenue["clv_36m"])


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
        one_time["expected_order_value"], spend.parameters["mean_order_value"]
    )


def test_very_large_frequencies_are_finite(summary: pd.DataFrame) -> None:
    heavy = summary.copy()
    heavy.loc[0, ["frequency", "recency_weeks", "t_weeks", "monetary_value"]] = [
        1000,  # a purchase almost every day of its 1,092 days, the last one today
        156.0,
        156.0,
        1234.0,
    ]
    table = predict_account_clv(heavy).accounts
    assert_finite(table)
    assert table.loc[0, "expected_order_value"] == pytest.approx(1234.0, rel=1e-3)
    assert table.loc[0, "clv_36m"] > table["clv_36m"].drop(index=0).max()


def test_empty_summary_is_a_clear_error() -> None:
    empty = pd.DataFrame(
        columns=["account_id", "frequency", "recency_weeks", "t_weeks", "monetary_value"]
    )
    with pytest.raises(ClvError, match="summary is empty: no account has a purchase day"):
        predict_account_clv(empty)


def test_single_account_is_finite_but_not_converged() -> None:
    one = pd.DataFrame(
        {
            "account_id": ["A1"],
            "frequency": [4],
            "recency_weeks": [30.0],
            "t_weeks": [40.0],
            "monetary_value": [500.0],
        }
    )
    result = predict_account_clv(one)
    assert_finite(result.accounts)
    assert not result.converged
    spend = result.fits[1]
    assert not spend.converged and "only 1 repeat buyer" in spend.message
    # The fallback is the observed mean, which for one account is its own mean.
    assert result.accounts.loc[0, "expected_order_value"] == 500.0


def test_no_repeat_buyer_at_all_is_reported_not_converged() -> None:
    summary = pd.DataFrame(
        {
            "account_id": range(50),
            "frequency": 0,
            "recency_weeks": 0.0,
            "t_weeks": np.linspace(1, 50, 50),
            "monetary_value": np.nan,
        }
    )
    result = predict_account_clv(summary)
    assert_finite(result.accounts)
    purchases, spend = result.fits
    assert not purchases.converged and "no account has a repeat purchase day" in purchases.message
    assert not spend.converged
    assert (result.accounts["clv_36m"] >= 0).all()


def test_all_zero_repeat_spend_falls_back_to_zero_order_value(summary: pd.DataFrame) -> None:
    free = summary.assign(monetary_value=0.0)
    result = predict_account_clv(free)
    assert_finite(result.accounts)
    spend = result.fits[1]
    assert not spend.converged and "all repeat spend is zero" in spend.message
    assert (result.accounts["clv_36m"] == 0).all()


def test_few_repeat_buyers_fall_back_with_message(summary: pd.DataFrame) -> None:
    repeaters = summary[summary["frequency"] > 0].head(MIN_REPEAT_BUYERS - 1)
    few = pd.concat([summary[summary["frequency"] == 0], repeaters])
    spend = predict_account_clv(few).fits[1]
    assert not spend.converged
    assert f"at least {MIN_REPEAT_BUYERS} needed" in spend.message
    assert spend.parameters["mean_order_value"] == pytest.approx(repeaters["monetary_value"].mean())


def test_identical_spend_is_degenerate_but_converged(summary: pd.DataFrame) -> None:
    flat = summary.assign(monetary_value=np.where(summary["frequency"] > 0, 250.0, 0.0))
    result = predict_account_clv(flat)
    spend = result.fits[1]
    assert spend.converged and "degenerate but well defined" in spend.message
    assert (result.accounts["expected_order_value"] == 250.0).all()


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("frequency", -1, "a whole number >= 0"),
        ("frequency", 1.5, "a whole number >= 0"),
        ("t_weeks", 1.0, "t_weeks >= recency_weeks"),
        ("recency_weeks", np.nan, "a finite number"),
        ("monetary_value", np.nan, "a finite mean repeat-day value"),
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
        }
    )
    with pytest.raises(ClvError, match="one row per account"):
        predict_account_clv(frame)
    with pytest.raises(ClvError, match=r"missing column\(s\) \['monetary_value'\]"):
        predict_account_clv(frame.drop(columns="monetary_value"))


@pytest.mark.parametrize(
    "kwargs",
    [{"discount_rate": -0.1}, {"discount_rate": float("nan")}, {"horizons_months": (0, 12)}],
)
def test_bad_options_are_errors(summary: pd.DataFrame, kwargs: dict) -> None:
    with pytest.raises(ClvError):
        predict_account_clv(summary, **kwargs)


def test_heavy_tailed_spend_with_q_below_one_stays_finite_and_converged() -> None:
    """Key-account portfolios: a few huge accounts make q <= 1 (infinite population mean)."""
    import numpy as np

    from pipelines.lib.clv import gamma_gamma

    rng = np.random.default_rng(11)
    accounts = 3000
    frequency = rng.integers(1, 12, size=accounts).astype(float)
    nu = rng.gamma(shape=0.7, scale=1 / 50.0, size=accounts)  # q = 0.7, gamma = 50
    spend = [
        rng.gamma(6.0, 1 / rate, size=int(x)).mean() for x, rate in zip(frequency, nu, strict=True)
    ]
    frequency = np.append(frequency, 0.0)  # one account without a repeat purchase day
    spend = np.append(spend, 0.0)

    model, fit = gamma_gamma.fit(frequency, spend)
    values = model.expected_order_value(frequency, spend)

    assert fit.converged, fit.message
    assert fit.parameters["q"] <= 1.0
    assert "heavy-tailed" in fit.message
    assert np.all(np.isfinite(values)) and np.all(values > 0)
    assert values[-1] == pytest.approx(np.mean(spend[:-1]))
