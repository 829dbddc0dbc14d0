"""Shape the CLV model output into the `account_clv` and `clv_model_fits` marts, and check them.

The column lists here are the marts' contract: `dbt_project/models/marts/clv/_clv__models.yml`
documents every column (BI reads the descriptions), and a test keeps the two in step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipelines.lib.clv import ModelFit

NO_HISTORY_METHOD = "none"
PURCHASES_METHODS = ("bg_nbd", "run_rate", NO_HISTORY_METHOD)
ORDER_VALUE_METHODS = ("gamma_gamma", "shrunk_mean", NO_HISTORY_METHOD)

ACCOUNT_COLUMNS = ("account_id", "account_name", "owner_kam_id")
HISTORY_COLUMNS = (
    "historical_revenue",
    "historical_margin",
    "acv",
    "frequency",
    "recency_weeks",
    "t_weeks",
)
# Non-negative predictions with an interval: (point, p10, p90).
INTERVAL_COLUMNS = (
    ("expected_purchases_12m", "expected_purchases_12m_p10", "expected_purchases_12m_p90"),
    ("clv_12m", "clv_12m_p10", "clv_12m_p90"),
    ("clv_36m", "clv_36m_p10", "clv_36m_p90"),
)
ACCOUNT_CLV_COLUMNS = (
    *ACCOUNT_COLUMNS,
    "as_of_date",
    "has_purchase_history",
    *HISTORY_COLUMNS,
    "p_alive",
    *INTERVAL_COLUMNS[0],
    "expected_purchases_method",
    "expected_order_value",
    "expected_order_value_method",
    *INTERVAL_COLUMNS[1],
    *INTERVAL_COLUMNS[2],
    "purchase_fit_status",
    "spend_fit_status",
)
# Prediction columns that are never null (p_alive is null outside the BG/NBD model).
REQUIRED_PREDICTIONS = (
    *(column for group in INTERVAL_COLUMNS for column in group),
    "expected_order_value",
)
MODEL_FITS_COLUMNS = (
    "as_of_date",
    "model",
    "fit_status",
    "status_reason",
    "is_converged",
    "is_model_used",
    "fallback_method",
    "accounts_used",
    "log_likelihood",
    "parameters_json",
    "standard_errors_json",
    "stability_condition",
    "is_stable",
    "diagnostics_json",
)


def account_clv_frame(
    accounts: pd.DataFrame,
    summary: pd.DataFrame,
    predictions: pd.DataFrame,
    fits: Sequence[ModelFit],
    *,
    as_of_date: object,
) -> pd.DataFrame:
    """One row per account of `accounts` (dim_accounts: id, name, owner KAM), history beside
    predictions, plus each model's fit status so a dashboard needs no join.

    Accounts without a purchase day up to the as-of date (prospects, new accounts) are kept:
    zero history and zero expected value, P(alive), recency and T null, methods `none`, and
    `has_purchase_history` false. The models say nothing about them, and the flag says so.
    """
    history = summary[["account_id", *(c for c in HISTORY_COLUMNS if c in summary.columns)]]
    valued = history.merge(predictions, on="account_id", how="left", validate="1:1")
    frame = accounts.loc[:, list(ACCOUNT_COLUMNS)].merge(
        valued, on="account_id", how="left", validate="1:1"
    )
    frame["has_purchase_history"] = frame["account_id"].isin(history["account_id"])
    no_history = ~frame["has_purchase_history"]
    for column in ("historical_revenue", "acv", "frequency", *REQUIRED_PREDICTIONS):
        frame.loc[no_history, column] = 0
    for column in ("expected_purchases_method", "expected_order_value_method"):
        frame.loc[no_history, column] = NO_HISTORY_METHOD
    frame["p_alive"] = frame["p_alive"].astype("Float64")
    frame["as_of_date"] = pd.Timestamp(as_of_date).date() if as_of_date is not None else None
    by_model = {fit.model: fit.status.value for fit in fits}
    frame["purchase_fit_status"] = by_model.get("bg_nbd")
    frame["spend_fit_status"] = by_model.get("gamma_gamma")
    frame = frame.loc[:, list(ACCOUNT_CLV_COLUMNS)]
    return frame.sort_values("account_id", kind="stable").reset_index(drop=True)


def model_fits_frame(fits: Sequence[ModelFit], *, as_of_date: object) -> pd.DataFrame:
    """One row per fit: status and reason, parameters and standard errors (JSON), diagnostics."""
    day = pd.Timestamp(as_of_date).date() if as_of_date is not None else None
    frame = pd.DataFrame(
        [
            {
                "as_of_date": day,
                "model": fit.model,
                "fit_status": fit.status.value,
                "status_reason": fit.status_reason,
                "is_converged": bool(fit.converged),
                "is_model_used": fit.uses_model,
                "fallback_method": fit.fallback_method,
                "accounts_used": int(fit.accounts_used),
                "log_likelihood": fit.log_likelihood,
                "parameters_json": _json(fit.parameters),
                "standard_errors_json": _json(fit.standard_errors),
                "stability_condition": fit.stability_condition,
                "is_stable": bool(fit.is_stable),
                "diagnostics_json": _json(fit.diagnostics),
            }
            for fit in fits
        ],
        columns=list(MODEL_FITS_COLUMNS),
    )
    # Explicit types: a column that is null on every row (nothing fitted) must still be
    # written as DOUBLE / VARCHAR, not as DuckDB's untyped NULL.
    return frame.astype({"log_likelihood": "float64", "fallback_method": "object"})


def broken_values(frame: pd.DataFrame, account_ids: pd.Series) -> list[str]:
    """What makes `account_clv` unfit to publish, in plain words (empty when nothing does).

    A model the data cannot identify is not broken (its accounts use a fallback); these are:
    an account of dim_accounts without exactly one row, a NaN or infinite prediction, a negative
    one, an interval that does not contain its point estimate, P(alive) outside [0, 1] or
    missing where the BG/NBD model valued the account.
    """
    problems = []
    expected = set(account_ids)
    present = frame["account_id"]
    missing = sorted(expected - set(present))
    if missing:
        problems.append(
            f"{len(missing)} account(s) of dim_accounts without a row, e.g. {missing[:3]}"
        )
    extra = sorted(set(present) - expected)
    if extra:
        problems.append(f"{len(extra)} row(s) for accounts not in dim_accounts, e.g. {extra[:3]}")
    duplicated = sorted(set(present[present.duplicated()]))
    if duplicated:
        problems.append(f"account(s) with more than one row, e.g. {duplicated[:3]}")
    for column in REQUIRED_PREDICTIONS:
        values = pd.to_numeric(frame[column], errors="coerce").astype("float64").to_numpy()
        not_finite = ~np.isfinite(values)
        if not_finite.any():
            problems.append(f"{column}: {int(not_finite.sum())} NaN, infinite or null value(s)")
        negative = values < 0
        if negative.any():
            problems.append(f"{column}: {int(negative.sum())} negative value(s)")
    for point, low, high in INTERVAL_COLUMNS:
        values = frame[[low, point, high]].astype("float64").to_numpy()
        outside = (values[:, 0] > values[:, 1]) | (values[:, 1] > values[:, 2])
        if outside.any():
            problems.append(f"{point}: {int(outside.sum())} interval(s) not containing the value")
    alive = frame["p_alive"].astype("Float64").astype("float64").to_numpy(na_value=np.nan)
    modelled = (frame["expected_purchases_method"] == "bg_nbd").to_numpy()
    out_of_range = np.isfinite(alive) & ((alive < 0) | (alive > 1))
    bad_alive = (modelled & ~np.isfinite(alive)) | out_of_range
    if bad_alive.any():
        problems.append(
            f"p_alive: {int(bad_alive.sum())} value(s) outside [0, 1] or missing where the "
            "BG/NBD model valued the account"
        )
    return problems


def _json(values: dict) -> str:
    return json.dumps(
        {key: (float(v) if v is not None else None) for key, v in values.items()},
        sort_keys=True,
    )
