"""The fallback rules, by hand, and what they prevent: CLV a director would not believe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.lib.clv import FitStatus, predict_account_clv
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.fallback import (
    population_median,
    run_rate,
    shrunk_mean_order_value,
)
from pipelines.lib.clv.gamma_gamma import GammaGammaParams, conditional_expected_order_value
from pipelines.lib.clv.simulate import simulate_summary


def test_run_rate_by_hand() -> None:
    # 10 repeat days in the last 52 weeks; 3 in a 13-week life; bought today for the first time.
    rates = run_rate(np.array([10, 3, 0]), np.array([150.0, 13.0, 0.0]))
    np.testing.assert_allclose(rates, [10 / 52, 3 / 13, 0.0])


def test_shrunk_mean_by_hand() -> None:
    x = np.array([0.0, 1.0, 3.0, 2.0])
    m = np.array([0.0, 100.0, 10_000.0, 1_000.0])
    median = population_median(x, m)
    assert median == 1_000.0  # of 100, 10,000 and 1,000
    values = shrunk_mean_order_value(x, m, prior_days=1.0)
    # exp((x log m + 1 log M) / (x + 1)): geometric weights x / (x + 1) on the own mean.
    assert values[0] == pytest.approx(1_000.0)
    assert values[1] == pytest.approx(np.sqrt(100.0 * 1_000.0))
    assert values[2] == pytest.approx(10_000.0**0.75 * 1_000.0**0.25)
    assert values[3] == pytest.approx(1_000.0)
    # Never outside [own mean, median]; no pull at all with prior weight 0.
    assert 100.0 < values[1] < 1_000.0 < values[2] < 10_000.0
    np.testing.assert_allclose(shrunk_mean_order_value(x, m, 0.0)[1:], m[1:])


def test_q_below_one_uses_the_fallback_and_stays_near_the_accounts_own_history() -> None:
    """A sample like the demo's: spend so heavy-tailed across accounts that q < 1.

    The Gamma-Gamma posterior with those parameters would value some account at 20 times or
    more its own mean repeat-day value; the fallback keeps every established account's 12-month
    CLV within three times its own yearly repeat revenue.
    """
    summary = simulate_summary(
        300, BgNbdParams(1.4, 2.5, 0.11, 51.0), GammaGammaParams(0.3, 0.8, 1e5), seed=5
    )
    result = predict_account_clv(summary)
    spend = result.fits[1]
    assert spend.status is FitStatus.UNSTABLE_MEAN and spend.parameters["q"] < 1.0
    table = result.accounts.merge(summary, on="account_id")
    assert set(table["expected_order_value_method"]) == {"shrunk_mean"}

    repeat = table[table["frequency"] > 0]
    median = population_median(repeat["frequency"], repeat["monetary_value"])
    low = np.minimum(repeat["monetary_value"], median)
    high = np.maximum(repeat["monetary_value"], median)
    value = repeat["expected_order_value"]
    assert ((value >= low * (1 - 1e-9)) & (value <= high * (1 + 1e-9))).all()

    established = table[(table["t_weeks"] >= 52) & (table["frequency"] >= 2)]
    own_year = established["frequency"] * established["monetary_value"] / established["t_weeks"]
    own_year *= 365.25 / 7
    assert len(established) > 100
    assert (established["clv_12m"] <= 3 * own_year).all()

    rejected = GammaGammaParams(
        spend.parameters["p"], spend.parameters["q"], spend.parameters["gamma"]
    )
    posterior = conditional_expected_order_value(
        rejected, repeat["frequency"], repeat["monetary_value"]
    )
    assert (posterior / repeat["monetary_value"]).max() > 20


def test_sample_account_with_three_purchase_days(tmp_path) -> None:
    """ACC-000295 of the demo sample: 3 purchase days, R$ 48,289 in total, 2 repeat days worth
    R$ 17,406 on average. The Gamma-Gamma fit of that portfolio (p = 0.108, q = 0.799,
    gamma = 105,281) gave it an expected order value of R$ 1.03 million."""
    old = conditional_expected_order_value(
        GammaGammaParams(0.10789651, 0.79883192, 105281.18), np.array([2.0]), np.array([17405.79])
    )
    assert old[0] == pytest.approx(1_033_544, rel=1e-3)
    median = 21_122.48  # median repeat-day value over the sample's repeat buyers
    new = shrunk_mean_order_value(
        np.array([2.0, 1.0, 1.0]), np.array([17405.79, median, 30_000.0]), 0.25
    )
    assert 17_405.79 < new[0] < median
    assert new[0] == pytest.approx(17_405.79 ** (2 / 2.25) * median ** (0.25 / 2.25))


def test_prospects_and_one_time_buyers_under_the_run_rate() -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["once", "lapsed", "steady"],
            "frequency": [0, 5, 12],
            "recency_weeks": [0.0, 20.0, 100.0],
            "t_weeks": [30.0, 104.0, 104.0],
            "monetary_value": [0.0, 800.0, 1_200.0],
            "repeat_purchase_days_52w": [0, 0, 6],
        }
    )
    table = predict_account_clv(frame).accounts.set_index("account_id")
    assert table.loc["once", "expected_purchases_12m"] == 0.0
    assert table.loc["lapsed", "expected_purchases_12m"] == 0.0
    assert table.loc["steady", "expected_purchases_12m"] == pytest.approx(6 / 52 * 365.25 / 7)
    assert table["p_alive"].isna().all()
    assert (table["clv_36m"] >= table["clv_12m"]).all()
