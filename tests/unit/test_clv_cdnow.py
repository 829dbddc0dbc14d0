"""CDNOW sample: the fits must reproduce the published BG/NBD and Gamma-Gamma estimates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.lib.clv import FitStatus, bgnbd, gamma_gamma
from pipelines.lib.clv.predict import predict_account_clv
from pipelines.lib.clv.summary import summarise_transactions

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow"
CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")  # 39 weeks after the calibration end


def load_transactions() -> pd.DataFrame:
    raw = pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "account_id", "date", "cds", "value"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return load_transactions()


@pytest.fixture(scope="module")
def calibration(transactions: pd.DataFrame) -> pd.DataFrame:
    return summarise_transactions(transactions, as_of=CALIBRATION_END)


def holdout_purchase_days(transactions: pd.DataFrame, accounts: pd.Series) -> pd.Series:
    """Repeat purchase days per account in the 39 holdout weeks (0 when none)."""
    late = transactions[
        (transactions["date"] > CALIBRATION_END) & (transactions["date"] <= HOLDOUT_END)
    ]
    days = late.drop_duplicates(["account_id", "date"]).groupby("account_id").size()
    return days.reindex(accounts.to_numpy(), fill_value=0)


def test_summary_matches_raw_file_conventions(calibration: pd.DataFrame) -> None:
    assert len(calibration) == 2357
    assert int((calibration["frequency"] > 0).sum()) == 946
    first = calibration.set_index("account_id").loc[1]
    # Customer 1 bought on 1997-01-01, 01-18 and 08-02: two repeat days, t_x = 213 / 7 weeks.
    assert first["frequency"] == 2
    assert round(first["recency_weeks"], 2) == 30.43
    assert round(first["t_weeks"], 2) == 38.86
    assert first["monetary_value"] == pytest.approx((29.73 + 14.96) / 2)


def test_summary_matches_shipped_summary_csv(calibration: pd.DataFrame) -> None:
    shipped = pd.read_csv(DATA / "cdnow_customers_summary.csv").set_index("ID")
    ours = calibration.set_index("account_id").loc[shipped.index]
    assert (ours["frequency"].to_numpy() == shipped["frequency"].to_numpy()).all()
    np.testing.assert_allclose(ours["recency_weeks"].round(2), shipped["recency"], atol=1e-9)
    np.testing.assert_allclose(ours["t_weeks"].round(2), shipped["T"], atol=1e-9)


def bgnbd_fit(summary: pd.DataFrame, *columns: str) -> bgnbd.BgNbdFit:
    names = columns or ("frequency", "recency_weeks", "t_weeks")
    return bgnbd.fit(*(summary[name] for name in names), min_repeat_buyers=10)


def test_bgnbd_reproduces_published_fit(calibration: pd.DataFrame) -> None:
    fit = bgnbd_fit(calibration)
    record, params = fit.record, fit.params
    assert record.status is FitStatus.CONVERGED, record.status_reason
    assert record.accounts_used == 2357
    assert round(params.r, 3) == 0.243
    assert round(params.alpha, 3) == 4.414
    assert round(params.a, 3) == 0.793
    assert round(params.b, 3) == 2.426
    assert round(record.log_likelihood, 1) == -9582.4
    # Standard errors from the observed information, natural scale (delta method).
    errors = record.standard_errors
    assert all(errors[name] is not None and errors[name] > 0 for name in errors)
    assert errors["r"] == pytest.approx(0.0126, rel=0.02)
    assert errors["b"] == pytest.approx(0.705, rel=0.02)


def test_bgnbd_on_shipped_summary_csv_gives_the_same_fit() -> None:
    shipped = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    fit = bgnbd_fit(shipped, "frequency", "recency", "T")
    params = fit.params
    assert fit.record.status is FitStatus.CONVERGED, fit.record.status_reason
    assert (round(params.r, 3), round(params.alpha, 3)) == (0.243, 4.414)
    assert (round(params.a, 3), round(params.b, 3)) == (0.793, 2.426)
    assert round(fit.record.log_likelihood, 1) == -9582.4


def test_gamma_gamma_reproduces_published_fit(calibration: pd.DataFrame) -> None:
    fit = gamma_gamma.fit(
        calibration["frequency"],
        calibration["monetary_value"],
        min_repeat_buyers=10,
        min_q_lower_bound=1.0,
    )
    record = fit.record
    assert record.status is FitStatus.CONVERGED, record.status_reason
    assert record.accounts_used == 946
    assert round(fit.params.p, 2) == 6.25
    assert round(fit.params.q, 2) == 3.74
    assert round(fit.params.gamma, 2) == 15.44
    # q is credibly above 1, so the population mean (35.17 dollars) is finite and stable.
    assert record.is_stable and record.diagnostics["q_lower_95"] > 3.0


def test_published_conditional_expectation_for_customer_one(calibration: pd.DataFrame) -> None:
    params = bgnbd_fit(calibration).params
    x, t_x, t_cal = np.array([2.0]), np.array([30.43]), np.array([38.86])
    expected = bgnbd.conditional_expected_purchases(params, 39.0, x, t_x, t_cal)
    # Fader, Hardie & Lee (2005), section 5: 1.226 expected transactions in the 39 weeks.
    assert round(float(expected[0]), 3) == 1.226


def holdout_by_frequency(
    predicted: np.ndarray, actual: np.ndarray, frequency: np.ndarray
) -> pd.DataFrame:
    """Predicted vs actual repeat purchase days per calibration frequency group 0..6, 7+."""
    group = np.minimum(frequency, 7)
    frame = pd.DataFrame({"group": group, "predicted": predicted, "actual": actual})
    return frame.groupby("group").agg(
        accounts=("actual", "size"),
        actual=("actual", "mean"),
        predicted=("predicted", "mean"),
        actual_total=("actual", "sum"),
        predicted_total=("predicted", "sum"),
    )


def test_holdout_prediction_tracks_actual_repeat_purchases(
    transactions: pd.DataFrame, calibration: pd.DataFrame
) -> None:
    params = bgnbd_fit(calibration).params
    predicted = bgnbd.conditional_expected_purchases(
        params,
        39.0,
        calibration["frequency"],
        calibration["recency_weeks"],
        calibration["t_weeks"],
    )
    actual = holdout_purchase_days(transactions, calibration["account_id"]).to_numpy()
    # 1,653 predicted against 1,882 actual purchase days (docs/clv.md): the model is known to
    # under-predict CDNOW's light repeat buyers a little; a wrong model misses by far more.
    assert abs(predicted.sum() / actual.sum() - 1.0) < 0.15
    groups = holdout_by_frequency(predicted, actual, calibration["frequency"].to_numpy())
    assert list(groups.index) == list(range(8))
    for x, row in groups.iterrows():
        assert abs(row["predicted"] - row["actual"]) < 0.5 + 0.25 * row["actual"], x


def test_predict_account_clv_on_cdnow_is_finite_and_uses_both_models(
    calibration: pd.DataFrame,
) -> None:
    result = predict_account_clv(calibration)
    assert [f.model for f in result.fits] == ["bg_nbd", "gamma_gamma"]
    assert [f.status for f in result.fits] == [FitStatus.CONVERGED, FitStatus.CONVERGED]
    assert result.warnings == []
    table = result.accounts
    assert len(table) == 2357
    numeric = table.select_dtypes("number").drop(columns="account_id")
    assert np.isfinite(numeric.to_numpy()).all()
    assert set(table["expected_purchases_method"]) == {"bg_nbd"}
    assert set(table["expected_order_value_method"]) == {"gamma_gamma"}
    one_time = table[calibration["frequency"].to_numpy() == 0]
    assert np.allclose(one_time["expected_order_value"], 6.25 * 15.44 / 2.74, rtol=2e-3)
    assert (one_time["p_alive"] == 1.0).all()
    for point in ("expected_purchases_12m", "clv_12m", "clv_36m"):
        assert (table[f"{point}_p10"] <= table[point]).all()
        assert (table[point] <= table[f"{point}_p90"]).all()
        assert (table[f"{point}_p90"] > table[f"{point}_p10"]).mean() > 0.99
