"""Parameter recovery: data drawn from known BG/NBD + Gamma-Gamma processes are fitted back."""

from __future__ import annotations

import pytest

from pipelines.lib.clv import FitStatus, bgnbd, gamma_gamma
from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams
from pipelines.lib.clv.simulate import simulate_summary


@pytest.mark.parametrize(
    ("purchases", "spend"),
    [
        (BgNbdParams(0.8, 6.0, 0.9, 4.0), GammaGammaParams(6.0, 4.0, 800.0)),
        (BgNbdParams(0.25, 4.4, 0.8, 2.4), GammaGammaParams(6.25, 3.74, 15.44)),
        (BgNbdParams(2.0, 10.0, 3.0, 10.0), GammaGammaParams(3.0, 8.0, 50.0)),
    ],
    ids=["kam-like", "cdnow-like", "frequent"],
)
def test_fits_recover_generating_parameters(
    purchases: BgNbdParams, spend: GammaGammaParams
) -> None:
    summary = simulate_summary(20_000, purchases, spend, day_grid=False, seed=11)
    purchase_fit = bgnbd.fit(
        summary["frequency"], summary["recency_weeks"], summary["t_weeks"], min_repeat_buyers=10
    )
    assert purchase_fit.record.status is FitStatus.CONVERGED, purchase_fit.record.status_reason
    fitted = purchase_fit.params
    # Tolerances are several standard errors at this sample size (checked over many seeds).
    assert fitted.r == pytest.approx(purchases.r, rel=0.10)
    assert fitted.alpha == pytest.approx(purchases.alpha, rel=0.15)
    assert fitted.a == pytest.approx(purchases.a, rel=0.30)
    assert fitted.b == pytest.approx(purchases.b, rel=0.35)

    spend_fit = gamma_gamma.fit(
        summary["frequency"], summary["monetary_value"], min_repeat_buyers=10, min_q_lower_bound=1
    )
    assert spend_fit.record.status is FitStatus.CONVERGED, spend_fit.record.status_reason
    model = spend_fit.params
    assert model.population_mean == pytest.approx(spend.population_mean, rel=0.05)
    assert model.p == pytest.approx(spend.p, rel=0.25)
    assert model.q == pytest.approx(spend.q, rel=0.25)
