"""One case per fit status: what the data look like, what the fit says, what the accounts get.

Every status other than `converged` must leave a finite, non-negative table, say which method
valued each account, and raise a warning; none of them raises an error.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipelines.lib.clv import FitStatus, bgnbd, gamma_gamma, predict_account_clv
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.simulate import simulate_summary
from pipelines.lib.clv.status import STATUS_MEANINGS

SPEND = GammaGammaParams(p=6.0, q=4.0, gamma=800.0)


def assert_usable_table(result) -> None:
    table = result.accounts
    values = table.select_dtypes("number").drop(columns=["account_id", "p_alive"], errors="ignore")
    assert np.isfinite(values.to_numpy(dtype=float)).all()
    assert (values.to_numpy(dtype=float) >= 0).all()


def purchase_fit(summary: pd.DataFrame) -> bgnbd.BgNbdFit:
    return bgnbd.fit(
        summary["frequency"], summary["recency_weeks"], summary["t_weeks"], min_repeat_buyers=10
    )


def test_every_status_has_a_meaning() -> None:
    assert set(STATUS_MEANINGS) == set(FitStatus)


def test_converged_uses_both_models_without_warning() -> None:
    summary = simulate_summary(3000, BgNbdParams(0.8, 6.0, 0.9, 4.0), SPEND, seed=7)
    result = predict_account_clv(summary)
    assert [fit.status for fit in result.fits] == [FitStatus.CONVERGED] * 2
    assert all(fit.uses_model and fit.fallback_method is None for fit in result.fits)
    assert result.warnings == []
    assert set(result.accounts["expected_purchases_method"]) == {"bg_nbd"}


def test_partially_identified_keeps_the_model_and_warns() -> None:
    """Every account drops out with the same small probability (a and b huge, a / (a + b) =
    0.0011): only that probability is identified, and the predictions barely depend on the rest."""
    summary = simulate_summary(
        500, BgNbdParams(1.5, 2.3, 300.0, 270_000.0), SPEND, max_tenure_days=1095, seed=1
    )
    fit = purchase_fit(summary)
    record = fit.record
    assert record.status is FitStatus.PARTIALLY_IDENTIFIED, record.status_reason
    assert "mean dropout probability" in record.status_reason
    assert fit.params is not None and record.uses_model
    assert record.standard_errors["a"] is None and record.standard_errors["b"] is None
    assert record.standard_errors["r"] > 0 and record.standard_errors["alpha"] > 0
    result = predict_account_clv(summary)
    assert set(result.accounts["expected_purchases_method"]) == {"bg_nbd"}
    assert any(text.startswith("bg_nbd: partially_identified") for text in result.warnings)
    assert_usable_table(result)


def test_not_identified_falls_back_to_the_run_rate() -> None:
    """No dropout visible in a year of data (a -> 0): P(alive) depends on what the data leave
    open, so the model is not used and P(alive) is null."""
    summary = simulate_summary(
        2000, BgNbdParams(0.8, 10.0, 1e-4, 100.0), SPEND, max_tenure_days=365, seed=1
    )
    result = predict_account_clv(summary)
    purchases = result.fits[0]
    assert purchases.status is FitStatus.NOT_IDENTIFIED, purchases.status_reason
    assert "almost no dropout" in purchases.status_reason
    assert purchases.fallback_method == "run_rate" and not purchases.uses_model
    assert set(result.accounts["expected_purchases_method"]) == {"run_rate"}
    assert result.accounts["p_alive"].isna().all()
    assert_usable_table(result)


def test_at_bound_falls_back_to_the_run_rate() -> None:
    summary = simulate_summary(
        300, BgNbdParams(0.8, 10.0, 1e-4, 100.0), SPEND, max_tenure_days=365, seed=1
    )
    result = predict_account_clv(summary)
    purchases = result.fits[0]
    assert purchases.status is FitStatus.AT_BOUND, purchases.status_reason
    assert "search bound" in purchases.status_reason
    assert set(result.accounts["expected_purchases_method"]) == {"run_rate"}
    assert_usable_table(result)


def test_not_converged_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """An optimiser that gives up (simulated: the result is marked unsuccessful)."""
    real = bgnbd.maximise_log_likelihood

    def giving_up(*args, **kwargs):
        return dataclasses.replace(
            real(*args, **kwargs), optimiser_success=False, optimiser_message="ABNORMAL"
        )

    monkeypatch.setattr(bgnbd, "maximise_log_likelihood", giving_up)
    summary = simulate_summary(1000, BgNbdParams(0.8, 6.0, 0.9, 4.0), SPEND, seed=3)
    result = predict_account_clv(summary)
    purchases = result.fits[0]
    assert purchases.status is FitStatus.NOT_CONVERGED
    assert "did not report success (ABNORMAL)" in purchases.status_reason
    assert not purchases.converged and purchases.parameters  # kept for diagnosis
    assert set(result.accounts["expected_purchases_method"]) == {"run_rate"}
    assert_usable_table(result)


def test_too_few_buyers_fits_nothing() -> None:
    summary = simulate_summary(3000, BgNbdParams(0.8, 6.0, 0.9, 4.0), SPEND, seed=7)
    repeaters = summary[summary["frequency"] > 0].head(9)
    few = pd.concat([summary[summary["frequency"] == 0], repeaters])
    result = predict_account_clv(few)
    assert [fit.status for fit in result.fits] == [FitStatus.TOO_FEW_BUYERS] * 2
    assert all(fit.parameters == {} and fit.log_likelihood is None for fit in result.fits)
    assert "9 account(s) with a repeat purchase day, at least 10 needed" in (
        result.fits[0].status_reason
    )
    assert_usable_table(result)


def test_the_threshold_is_a_setting() -> None:
    from pipelines.lib.clv import ClvSettings

    summary = simulate_summary(3000, BgNbdParams(0.8, 6.0, 0.9, 4.0), SPEND, seed=7)
    repeaters = summary[summary["frequency"] > 0].head(9)
    few = pd.concat([summary[summary["frequency"] == 0], repeaters])
    result = predict_account_clv(few, ClvSettings(min_repeat_buyers=5))
    assert result.fits[0].status is not FitStatus.TOO_FEW_BUYERS


def heavy_tailed_spend(seed: int = 11, accounts: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Key-account portfolios: a few huge accounts make q < 1 (infinite population mean)."""
    rng = np.random.default_rng(seed)
    frequency = rng.integers(1, 12, size=accounts).astype(float)
    nu = rng.gamma(shape=0.7, scale=1 / 50.0, size=accounts)  # q = 0.7, gamma = 50
    spend = np.array(
        [
            rng.gamma(6.0, 1 / rate, size=int(x)).mean()
            for x, rate in zip(frequency, nu, strict=True)
        ]
    )
    return frequency, spend


def test_unstable_mean_when_q_is_not_credibly_above_one() -> None:
    frequency, spend = heavy_tailed_spend()
    fit = gamma_gamma.fit(frequency, spend, min_repeat_buyers=10, min_q_lower_bound=1.0)
    record = fit.record
    assert record.status is FitStatus.UNSTABLE_MEAN, record.status_reason
    assert record.converged and not record.is_stable and fit.params is None
    assert record.parameters["q"] < 1.0
    assert "population mean order value is infinite" in record.status_reason
    assert record.stability_condition.endswith(": not met")


def test_a_stricter_q_bound_rejects_a_fit_with_q_above_one() -> None:
    summary = simulate_summary(3000, BgNbdParams(0.8, 6.0, 0.9, 4.0), SPEND, seed=7)
    fit = gamma_gamma.fit(
        summary["frequency"], summary["monetary_value"], min_repeat_buyers=10, min_q_lower_bound=8
    )
    assert fit.record.status is FitStatus.UNSTABLE_MEAN
    assert "is not stable" in fit.record.status_reason


def test_identical_spend_is_not_identified() -> None:
    summary = simulate_summary(3000, BgNbdParams(0.8, 6.0, 0.9, 4.0), SPEND, seed=7)
    flat = summary.assign(monetary_value=np.where(summary["frequency"] > 0, 250.0, 0.0))
    result = predict_account_clv(flat)
    spend = result.fits[1]
    assert spend.status is FitStatus.NOT_IDENTIFIED
    assert "same mean repeat-day value" in spend.status_reason
    np.testing.assert_allclose(result.accounts["expected_order_value"], 250.0, rtol=1e-12)
