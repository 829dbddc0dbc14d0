"""Shape the CLV model output into the `account_clv` and `clv_model_fits` marts (SPEC columns)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

PREDICTION_COLUMNS = (
    "p_alive",
    "expected_purchases_12m",
    "expected_order_value",
    "clv_12m",
    "clv_36m",
)
SUMMARY_COLUMNS = (
    "account_id",
    "historical_revenue",
    "historical_margin",
    "acv",
    "frequency",
    "recency_weeks",
    "t_weeks",
)


def account_clv_frame(
    account_ids: pd.Series, summary: pd.DataFrame, predictions: pd.DataFrame
) -> pd.DataFrame:
    """One row per account: its history beside the model's predictions.

    Accounts that have not bought anything up to the as-of date (prospects, new accounts) are
    kept, so BI can list every account: zero history, zero expected value, p_alive 0 and
    `has_purchase_history` false. The model says nothing about them, and the flag says so.
    """
    history = summary[[column for column in SUMMARY_COLUMNS if column in summary.columns]]
    valued = history.merge(
        predictions[["account_id", *PREDICTION_COLUMNS]],
        on="account_id",
        how="left",
        validate="1:1",
    )
    frame = pd.DataFrame({"account_id": account_ids}).merge(
        valued, on="account_id", how="left", validate="1:1"
    )
    frame["has_purchase_history"] = frame["account_id"].isin(history["account_id"])
    no_history = ~frame["has_purchase_history"]
    for column in ("historical_revenue", "acv", "frequency", *PREDICTION_COLUMNS):
        if column in frame:
            frame.loc[no_history, column] = 0
    return frame.sort_values("account_id", kind="stable").reset_index(drop=True)


def model_fits_frame(fits: Sequence[Any], *, as_of_date: str | None) -> pd.DataFrame:
    """One row per fit: as-of date, model, parameters (JSON), log-likelihood, accounts, verdict."""
    return pd.DataFrame(
        [
            {
                "as_of_date": pd.Timestamp(as_of_date).date() if as_of_date else None,
                "model": fit.model,
                "parameters_json": json.dumps(fit.parameters, sort_keys=True),
                "log_likelihood": float(fit.log_likelihood),
                "accounts_used": int(fit.accounts_used),
                "is_converged": bool(fit.converged),
                "message": fit.message,
            }
            for fit in fits
        ],
        columns=[
            "as_of_date",
            "model",
            "parameters_json",
            "log_likelihood",
            "accounts_used",
            "is_converged",
            "message",
        ],
    )


def non_finite_prediction_columns(frame: pd.DataFrame) -> list[str]:
    """Prediction columns holding NaN or infinity (history columns may be null by design)."""
    numeric = frame[list(PREDICTION_COLUMNS)].astype("float64")
    return [
        column
        for column in PREDICTION_COLUMNS
        if not numeric[column].map(pd.notna).all() or numeric[column].abs().eq(float("inf")).any()
    ]
