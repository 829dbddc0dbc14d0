"""Shaping the CLV marts: every account appears, prospects are flagged, values stay finite."""

from __future__ import annotations

import math

import pandas as pd

from pipelines.lib.clv import ModelFit
from pipelines.lib.clv_tables import (
    PREDICTION_COLUMNS,
    account_clv_frame,
    model_fits_frame,
    non_finite_prediction_columns,
)


def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["A2", "A1"],
            "historical_revenue": [100.0, 50.0],
            "historical_margin": [40.0, None],
            "acv": [80.0, 50.0],
            "frequency": [3, 0],
            "recency_weeks": [10.0, 0.0],
            "t_weeks": [20.0, 5.0],
        }
    )


def predictions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["A1", "A2"],
            "p_alive": [1.0, 0.8],
            "expected_purchases_12m": [0.5, 2.0],
            "expected_order_value": [30.0, 35.0],
            "clv_12m": [14.0, 66.0],
            "clv_36m": [35.0, 160.0],
        }
    )


def test_every_account_is_valued_and_prospects_are_flagged() -> None:
    frame = account_clv_frame(pd.Series(["A3", "A1", "A2"]), summary(), predictions())

    assert frame["account_id"].tolist() == ["A1", "A2", "A3"]
    assert frame["has_purchase_history"].tolist() == [True, True, False]
    prospect = frame.set_index("account_id").loc["A3"]
    assert all(prospect[column] == 0 for column in PREDICTION_COLUMNS)
    assert prospect["historical_revenue"] == 0
    assert frame.set_index("account_id").loc["A2", "clv_12m"] == 66.0
    assert non_finite_prediction_columns(frame) == []


def test_non_finite_predictions_are_named() -> None:
    broken = predictions().assign(clv_36m=[math.inf, 1.0], p_alive=[math.nan, 1.0])
    frame = account_clv_frame(pd.Series(["A1", "A2"]), summary(), broken)
    assert non_finite_prediction_columns(frame) == ["p_alive", "clv_36m"]


def test_model_fits_rows() -> None:
    fit = ModelFit(
        model="bg_nbd",
        parameters={"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43},
        log_likelihood=-9582.4,
        accounts_used=2357,
        converged=True,
        message="converged",
    )
    frame = model_fits_frame([fit], as_of_date="2026-10-31")
    row = frame.iloc[0]
    assert (row["model"], row["accounts_used"], bool(row["is_converged"])) == ("bg_nbd", 2357, True)
    assert '"alpha": 4.41' in row["parameters_json"]
    assert str(row["as_of_date"]) == "2026-10-31"
