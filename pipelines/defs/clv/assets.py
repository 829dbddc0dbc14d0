"""Fit the CLV models on every account up to the as-of date and write the CLV marts.

The purchase summary is SQL (dbt's `clv_summary`), so it scales with the warehouse; the fit is
plain Python (`pipelines.lib.clv`). Its checks are blocking: a fit that did not converge, or any
non-finite value, stops the run before publish.
"""

import dagster as dg
import pandas as pd

from pipelines.defs.dbt.project import dbt_var
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.build_db import connect_build_db, record_step
from pipelines.lib.clv import predict_account_clv
from pipelines.lib.clv_tables import (
    account_clv_frame,
    model_fits_frame,
    non_finite_prediction_columns,
)

CLV_STEP = "clv_fit"
ACCOUNT_CLV_KEY = dg.AssetKey(["marts", "account_clv"])
MODEL_FITS_KEY = dg.AssetKey(["marts", "clv_model_fits"])
SUMMARY_KEY = dg.AssetKey(["marts", "clv_summary"])


@dg.multi_asset(
    name="clv_models",
    group_name="marts",
    specs=[
        dg.AssetSpec(
            ACCOUNT_CLV_KEY,
            deps=[SUMMARY_KEY],
            description="One row per account: p_alive, expected purchases and order value, "
            "discounted CLV over 12 and 36 months (BG/NBD + Gamma-Gamma).",
            kinds={"python", "duckdb"},
        ),
        dg.AssetSpec(
            MODEL_FITS_KEY,
            deps=[SUMMARY_KEY],
            description="One row per model fit of this run: parameters, log-likelihood, converged.",
            kinds={"python", "duckdb"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec("fits_converged", asset=MODEL_FITS_KEY, blocking=True),
        dg.AssetCheckSpec("values_finite", asset=ACCOUNT_CLV_KEY, blocking=True),
    ],
)
def clv_models(context: dg.AssetExecutionContext, kam: KamResource, writer: WriterLockResource):
    settings = kam.settings()
    discount_rate = float(dbt_var("clv_discount_rate", settings.dbt_vars))
    with connect_build_db(settings) as con:
        record_step(con, CLV_STEP, context.run_id, ok=False)
        summary = con.execute("select * from marts.clv_summary order by account_id").df()
        account_ids = con.execute("select account_id from marts.dim_accounts").df()["account_id"]
    if summary.empty:
        raise dg.Failure(
            description="no purchases up to the as-of date: there is nothing to fit the CLV "
            "models on; choose a later --as-of date",
            allow_retries=False,
        )

    result = predict_account_clv(
        summary_for_model(summary), discount_rate=discount_rate, horizons_months=(12, 36)
    )
    accounts = account_clv_frame(account_ids, summary, result.accounts)
    fits = model_fits_frame(result.fits, as_of_date=_as_of(summary))

    not_converged = [fit for fit in result.fits if not fit.converged]
    non_finite = non_finite_prediction_columns(accounts)
    with connect_build_db(settings) as con:
        con.execute("create schema if not exists marts")
        con.register("account_clv_frame", accounts)
        con.register("model_fits_frame", fits)
        con.execute("create or replace table marts.account_clv as select * from account_clv_frame")
        con.execute(
            "create or replace table marts.clv_model_fits as select * from model_fits_frame"
        )
        if not not_converged and not non_finite:
            record_step(con, CLV_STEP, context.run_id, ok=True)

    yield dg.MaterializeResult(
        asset_key=ACCOUNT_CLV_KEY,
        metadata={"dagster/row_count": len(accounts), "discount_rate": discount_rate},
    )
    yield dg.MaterializeResult(
        asset_key=MODEL_FITS_KEY,
        metadata={
            "dagster/row_count": len(fits),
            **{f"{fit.model}": dg.MetadataValue.json(fit.parameters) for fit in result.fits},
        },
    )
    yield dg.AssetCheckResult(
        check_name="fits_converged",
        asset_key=MODEL_FITS_KEY,
        passed=not not_converged,
        description="all fits converged"
        if not not_converged
        else "; ".join(f"{fit.model}: {fit.message}" for fit in not_converged),
    )
    yield dg.AssetCheckResult(
        check_name="values_finite",
        asset_key=ACCOUNT_CLV_KEY,
        passed=not non_finite and len(accounts) == len(account_ids),
        description="every account has finite CLV values"
        if not non_finite
        else f"non-finite values in {', '.join(non_finite)}",
    )


def summary_for_model(summary: pd.DataFrame) -> pd.DataFrame:
    """The columns the model library expects, from the dbt summary."""
    return pd.DataFrame(
        {
            "account_id": summary["account_id"],
            "frequency": summary["frequency"].astype("int64"),
            "recency_weeks": summary["recency_weeks"].astype("float64"),
            "t_weeks": summary["t_weeks"].astype("float64"),
            "monetary_value": summary["monetary_value"].astype("float64"),
        }
    )


def _as_of(summary: pd.DataFrame) -> str | None:
    if "as_of_date" in summary and len(summary):
        return str(pd.Timestamp(summary["as_of_date"].iloc[0]).date())
    return None
