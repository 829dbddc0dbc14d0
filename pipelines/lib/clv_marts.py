"""What dbt's Python models `account_clv` and `clv_model_fits` compute, on the DuckDB target.

dbt builds the purchase summary in SQL (`clv_summary`), so it scales with the warehouse; the fit is
plain Python (`pipelines.lib.clv`), run by two dbt Python models inside the same `dbt build` as
every other model (docs/decisions.md, "CLV is fitted inside the dbt build"). The model files only
hand their inputs over; the work is here, importable and tested without dbt.

A model the data cannot identify never stops the warehouse: its accounts are valued by the
documented fallback, `clv_model_fits` says why, and the publish step turns that into a run warning
(`fit_warnings`). Broken values (an account without a row, NaN, infinity, negative CLV) raise
ClvError: the dbt model fails and nothing is published.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipelines.lib.clv import ClvError, ClvSettings, fit_models, fit_warning, predict_account_clv
from pipelines.lib.clv.predict import REQUIRED_COLUMNS
from pipelines.lib.clv_tables import account_clv_frame, broken_values, model_fits_frame

# dbt var -> (ClvSettings field, type): the names kam.yml's `dbt: vars:` and dbt_project.yml use.
SETTING_VARS = {
    "clv_discount_rate": ("discount_rate", float),
    "clv_min_repeat_buyers": ("min_repeat_buyers", int),
    "clv_min_q_lower_bound": ("min_q_lower_bound", float),
    "clv_spend_prior_days": ("spend_prior_days", float),
}


def clv_settings(values: Mapping[str, object]) -> ClvSettings:
    """The CLV settings from the dbt vars in `values` (the model's meta carries them as dbt
    rendered them); ClvError naming the var when one is not a number of the right kind."""
    fields = {}
    for name, (field, kind) in SETTING_VARS.items():
        raw = values.get(name)
        try:
            value = kind(raw)
            if kind is int and value != raw and str(value) != str(raw).strip():
                raise ValueError(raw)
        except (TypeError, ValueError):
            raise ClvError(
                f"dbt var {name} (kam.yml, dbt: vars:) must be "
                f"{'a whole number' if kind is int else 'a number'}, got {raw!r}"
            ) from None
        fields[field] = value
    try:
        return ClvSettings(**fields).validated()
    except ClvError as error:
        raise ClvError(f"{error} (kam.yml, dbt: vars:)") from None


def account_clv_table(
    summary: pd.DataFrame,
    accounts: pd.DataFrame,
    as_of_dates: pd.DataFrame,
    settings: ClvSettings,
) -> pd.DataFrame:
    """`account_clv`: one row per account of `accounts` (dim_accounts), valued from `summary`
    (clv_summary); `as_of_dates` is int_as_of_date, for a run with no purchase yet."""
    result = predict_account_clv(summary_for_model(summary), settings)
    table = account_clv_frame(
        accounts.loc[:, ["account_id", "account_name", "owner_kam_id"]],
        summary,
        result.accounts,
        result.fits,
        as_of_date=run_as_of_date(summary, as_of_dates),
    )
    problems = broken_values(table, accounts["account_id"])
    if problems:
        raise ClvError("account_clv is not fit to publish: " + "; ".join(problems))
    return table


def model_fits_table(
    summary: pd.DataFrame, as_of_dates: pd.DataFrame, settings: ClvSettings
) -> pd.DataFrame:
    """`clv_model_fits`: one row per model fit of `summary`, the fits `account_clv` used."""
    fits = fit_models(summary_for_model(summary), settings)
    return model_fits_frame(fits, as_of_date=run_as_of_date(summary, as_of_dates))


def fit_warnings(fits: pd.DataFrame) -> list[str]:
    """The run warnings `clv_model_fits` holds: one per fit whose predictions are not the
    model's without reservation (the publish record and `kam status` show them)."""
    warnings = []
    for row in fits.itertuples(index=False):
        fallback = row.fallback_method if isinstance(row.fallback_method, str) else None
        text = fit_warning(row.model, row.fit_status, row.status_reason, fallback)
        if text:
            warnings.append(text)
    return warnings


def summary_for_model(summary: pd.DataFrame) -> pd.DataFrame:
    """The columns the model library expects, from the dbt summary."""
    frame = summary.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["frequency"] = frame["frequency"].astype("int64")
    frame["repeat_purchase_days_52w"] = frame["repeat_purchase_days_52w"].astype("int64")
    for column in ("recency_weeks", "t_weeks", "monetary_value"):
        frame[column] = frame[column].astype("float64")
    return frame.sort_values("account_id", kind="stable").reset_index(drop=True)


def run_as_of_date(summary: pd.DataFrame, as_of_dates: pd.DataFrame) -> object:
    """The run's as-of date: the summary's, else (no purchase up to it, so no summary row to
    carry it) dbt's one-row model of the run's dates."""
    if len(summary):
        return summary["as_of_date"].iloc[0]
    return as_of_dates["as_of_date"].iloc[0] if len(as_of_dates) else None
