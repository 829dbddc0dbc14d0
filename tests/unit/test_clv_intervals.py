"""80 % intervals: they contain the estimate, widen as data shrink, and are reproducible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.lib.clv import FitStatus, predict_account_clv
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.intervals import _percentiles
from pipelines.lib.clv.simulate import simulate_summary
from pipelines.lib.clv.valuation import NodeValuation, if_alive_present_values

PURCHASES = BgNbdParams(0.8, 6.0, 0.9, 4.0)
SPEND = GammaGammaParams(6.0, 4.0, 800.0)
POINTS = ("expected_purchases_12m", "clv_12m", "clv_36m")
# The same account is added to every portfolio: its interval must narrow as the portfolio grows.
REFERENCE = pd.DataFrame(
    {
        "account_id": ["REF"],
        "frequency": [6],
        "recency_weeks": [40.0],
        "t_weeks": [52.0],
        "monetary_value": [1500.0],
        "repeat_purchase_days_52w": [6],
    }
)


def portfolio(accounts: int) -> pd.DataFrame:
    summary = simulate_summary(accounts, PURCHASES, SPEND, seed=7)
    summary["account_id"] = summary["account_id"].astype(str)
    return pd.concat([summary, REFERENCE], ignore_index=True)


def relative_widths(accounts: int) -> dict[str, float]:
    result = predict_account_clv(portfolio(accounts))
    assert [fit.status for fit in result.fits] == [FitStatus.CONVERGED] * 2
    row = result.accounts.set_index("account_id").loc["REF"]
    return {point: (row[f"{point}_p90"] - row[f"{point}_p10"]) / row[point] for point in POINTS}


def test_intervals_contain_the_estimate() -> None:
    table = predict_account_clv(portfolio(2000)).accounts
    for point in POINTS:
        assert (table[f"{point}_p10"] <= table[point]).all()
        assert (table[point] <= table[f"{point}_p90"]).all()
        # Proper intervals, not points, wherever the estimate is not zero.
        positive = table[point] > 0
        assert (table.loc[positive, f"{point}_p90"] > table.loc[positive, f"{point}_p10"]).all()


def test_intervals_widen_as_data_shrink() -> None:
    widths = [relative_widths(n) for n in (8000, 2000, 500, 200)]
    for point in POINTS:
        series = [width[point] for width in widths]
        assert series == sorted(series), (point, series)
        # Parameter uncertainty shrinks like 1 / sqrt(accounts): 40 times the data, about 6
        # times narrower.
        assert series[-1] / series[0] > 3, (point, series)


def test_intervals_are_reproducible() -> None:
    summary = portfolio(1000)
    first = predict_account_clv(summary).accounts
    second = predict_account_clv(summary).accounts
    pd.testing.assert_frame_equal(first, second)


def test_run_rate_intervals_reflect_how_many_purchases_the_rate_rests_on() -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["none", "few", "many"],
            "frequency": [3, 2, 60],
            "recency_weeks": [10.0, 50.0, 104.0],
            "t_weeks": [104.0, 104.0, 104.0],
            "monetary_value": [100.0, 100.0, 100.0],
            "repeat_purchase_days_52w": [0, 2, 40],
        }
    )
    table = predict_account_clv(frame).accounts.set_index("account_id")
    assert set(table["expected_purchases_method"]) == {"run_rate"}
    # No repeat day in the window: estimate 0, and the interval still allows a few purchases.
    assert table.loc["none", "expected_purchases_12m"] == 0.0
    assert table.loc["none", "expected_purchases_12m_p10"] == 0.0
    assert table.loc["none", "expected_purchases_12m_p90"] > 0.0
    width = (table["expected_purchases_12m_p90"] - table["expected_purchases_12m_p10"]) / table[
        "expected_purchases_12m"
    ]
    assert width["few"] > 3 * width["many"]


def test_node_valuation_is_exact_for_a_straight_cumulative_curve() -> None:
    nodes = NodeValuation((12, 36), 0.10)
    straight = 0.5 * nodes.nodes[None, :].astype(float)  # half a purchase day per month
    monthly = np.full(36, 0.5)
    discount = (1.10) ** (-np.arange(1, 37) / 12)
    for horizon in (12, 36):
        expected = float((monthly[:horizon] * discount[:horizon]).sum())
        assert float((straight @ nodes.weights[horizon])[0]) == pytest.approx(expected, rel=1e-12)


def test_node_valuation_is_close_to_the_monthly_valuation() -> None:
    params = BgNbdParams(0.8, 6.0, 0.9, 4.0)
    x = np.array([0.0, 1.0, 5.0, 40.0])
    t = np.array([10.0, 30.0, 80.0, 150.0])
    _, exact = if_alive_present_values(params, x, t, (12, 36), 0.10)
    _, approximate = NodeValuation((12, 36), 0.10).values(params, x, t)
    for horizon in (12, 36):
        np.testing.assert_allclose(approximate[horizon], exact[horizon], rtol=5e-3)


def test_percentiles_match_numpy() -> None:
    values = np.random.default_rng(1).lognormal(size=(200, 300))
    low, high = _percentiles(values)
    expected_low, expected_high = np.percentile(values, [10, 90], axis=0)
    np.testing.assert_allclose(low, expected_low, rtol=1e-12)
    np.testing.assert_allclose(high, expected_high, rtol=1e-12)


def test_percentiles_ignore_missing_draws_like_numpy() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 50))
    values[rng.random(values.shape) < 0.05] = np.nan
    low, high = _percentiles(values)
    expected_low, expected_high = np.nanpercentile(values, [10, 90], axis=0)
    np.testing.assert_allclose(low, expected_low, rtol=1e-12)
    np.testing.assert_allclose(high, expected_high, rtol=1e-12)
