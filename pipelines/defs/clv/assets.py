"""Fit the CLV models on every account up to the as-of date and write the CLV marts.

The purchase summary is SQL (dbt's `clv_summary`), so it scales with the warehouse; the fit is
plain Python (`pipelines.lib.clv`). A model the data cannot identify never stops the warehouse:
its accounts are valued by the documented fallback, the fits table says why, and the step raises
a warning (the non-blocking check `fits_converged`, the `warnings` metadata the publish step
records, and a log line). Broken values (an account without a row, NaN, infinity, negative CLV)
fail the blocking check `values_valid` and nothing is published.
"""

import dagster as dg
import pandas as pd

from pipelines.defs.dbt.project import dbt_var
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.build_db import connect_build_db, record_step
from pipelines.lib.clv import ClvError, ClvSettings, predict_account_clv
from pipelines.lib.clv.predict import REQUIRED_COLUMNS
from pipelines.lib.clv_tables import account_clv_frame, broken_values, model_fits_frame

CLV_STEP = "clv_fit"
ACCOUNT_CLV_KEY = dg.AssetKey(["marts", "account_clv"])
MODEL_FITS_KEY = dg.AssetKey(["marts", "clv_model_fits"])
SUMMARY_KEY = dg.AssetKey(["marts", "clv_summary"])
ACCOUNTS_KEY = dg.AssetKey(["marts", "dim_accounts"])
WARNINGS_METADATA_KEY = "warnings"
# dbt var -> (ClvSettings field, type): one place for the names kam.yml uses.
SETTING_VARS = {
    "clv_discount_rate": ("discount_rate", float),
    "clv_min_repeat_buyers": ("min_repeat_buyers", int),
    "clv_min_q_lower_bound": ("min_q_lower_bound", float),
    "clv_spend_prior_days": ("spend_prior_days", float),
}


@dg.multi_asset(
    name="clv_models",
    group_name="marts",
    specs=[
        dg.AssetSpec(
            ACCOUNT_CLV_KEY,
            deps=[SUMMARY_KEY, ACCOUNTS_KEY],
            description="One row per account of dim_accounts: P(alive), expected purchases and "
            "order value, discounted CLV over 12 and 36 months with 80 % intervals, the method "
            "behind each prediction and each model's fit status.",
            kinds={"python", "duckdb"},
        ),
        dg.AssetSpec(
            MODEL_FITS_KEY,
            deps=[SUMMARY_KEY],
            description="One row per model fit of this run: status and reason, parameters, "
            "standard errors, log-likelihood, stability condition.",
            kinds={"python", "duckdb"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "fits_converged",
            asset=MODEL_FITS_KEY,
            blocking=False,
            description="Warns when a fit is not `converged` (its accounts use a fallback).",
        ),
        dg.AssetCheckSpec(
            "values_valid",
            asset=ACCOUNT_CLV_KEY,
            blocking=True,
            description="Every account has one row; no NaN, infinite or negative prediction.",
        ),
    ],
)
def clv_models(context: dg.AssetExecutionContext, kam: KamResource, writer: WriterLockResource):
    settings = kam.settings()
    clv_settings = settings_from_vars(settings.dbt_vars)
    with connect_build_db(settings) as con:
        record_step(con, CLV_STEP, context.run_id, ok=False)
        summary = con.execute("select * from marts.clv_summary order by account_id").df()
        accounts = con.execute(
            "select account_id, account_name, owner_kam_id from marts.dim_accounts"
        ).df()
        as_of_date = _as_of(con, summary)

    try:
        result = predict_account_clv(summary_for_model(summary), clv_settings)
    except ClvError as error:
        raise dg.Failure(description=f"CLV step: {error}", allow_retries=False) from None
    table = account_clv_frame(
        accounts, summary, result.accounts, result.fits, as_of_date=as_of_date
    )
    fits = model_fits_frame(result.fits, as_of_date=as_of_date)
    problems = broken_values(table, accounts["account_id"])
    warnings = result.warnings

    with connect_build_db(settings) as con:
        con.execute("create schema if not exists marts")
        con.register("account_clv_frame", table)
        con.register("model_fits_frame", fits)
        con.execute("create or replace table marts.account_clv as select * from account_clv_frame")
        con.execute(
            "create or replace table marts.clv_model_fits as select * from model_fits_frame"
        )
        if not problems:
            record_step(con, CLV_STEP, context.run_id, ok=True)
    for warning in warnings:
        context.log.warning(f"CLV: {warning}")

    statuses = {fit.model: fit.status.value for fit in result.fits}
    yield dg.MaterializeResult(
        asset_key=ACCOUNT_CLV_KEY,
        metadata={
            "dagster/row_count": len(table),
            "discount_rate": clv_settings.discount_rate,
            "fit_status": dg.MetadataValue.json(statuses),
            WARNINGS_METADATA_KEY: dg.MetadataValue.json(warnings),
        },
    )
    yield dg.MaterializeResult(
        asset_key=MODEL_FITS_KEY,
        metadata={
            "dagster/row_count": len(fits),
            **{fit.model: dg.MetadataValue.json(fit.parameters) for fit in result.fits},
        },
    )
    yield dg.AssetCheckResult(
        check_name="fits_converged",
        asset_key=MODEL_FITS_KEY,
        passed=not warnings,
        severity=dg.AssetCheckSeverity.WARN,
        description="every fit converged with every parameter identified"
        if not warnings
        else "; ".join(warnings),
        metadata={"fit_status": dg.MetadataValue.json(statuses)},
    )
    yield dg.AssetCheckResult(
        check_name="values_valid",
        asset_key=ACCOUNT_CLV_KEY,
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="every account of dim_accounts has one row of finite, non-negative values"
        if not problems
        else "; ".join(problems),
    )


def settings_from_vars(dbt_vars: dict) -> ClvSettings:
    """The CLV settings as this run sees them (kam.yml `dbt: vars:` over dbt_project.yml)."""
    values = {}
    for name, (field, kind) in SETTING_VARS.items():
        raw = dbt_var(name, dbt_vars)
        try:
            value = kind(raw)
            if kind is int and value != raw and str(value) != str(raw).strip():
                raise ValueError(raw)
        except (TypeError, ValueError):
            raise dg.Failure(
                description=f"dbt var {name} (kam.yml, dbt: vars:) must be "
                f"{'a whole number' if kind is int else 'a number'}, got {raw!r}",
                allow_retries=False,
            ) from None
        values[field] = value
    try:
        return ClvSettings(**values).validated()
    except ClvError as error:
        raise dg.Failure(
            description=f"{error} (kam.yml, dbt: vars:)", allow_retries=False
        ) from None


def summary_for_model(summary: pd.DataFrame) -> pd.DataFrame:
    """The columns the model library expects, from the dbt summary."""
    frame = summary.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["frequency"] = frame["frequency"].astype("int64")
    frame["repeat_purchase_days_52w"] = frame["repeat_purchase_days_52w"].astype("int64")
    for column in ("recency_weeks", "t_weeks", "monetary_value"):
        frame[column] = frame[column].astype("float64")
    return frame


def _as_of(con, summary: pd.DataFrame) -> object:
    if len(summary):
        return summary["as_of_date"].iloc[0]
    # No purchase up to the as-of date: the summary has no row to carry it; dbt's one-row
    # model of the run's dates does.
    row = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()
    return row[0] if row else None
