"""account_clv: every account valued by the CLV models fitted on clv_summary (docs/clv.md).

A dbt Python model, built on the DuckDB target only (the yml enables it there); the work is in
pipelines.lib.clv_marts. The settings are dbt vars, which a Python model cannot read: the yml
passes them in the model's meta.
"""

from pipelines.lib.clv_marts import account_clv_table, clv_settings


def model(dbt, session):
    # One literal call per var, in each model: dbt finds the meta keys a Python model reads
    # by parsing its source for `dbt.config.meta_get("...")`, so a shared helper would read none.
    settings = clv_settings(
        {
            "clv_discount_rate": dbt.config.meta_get("clv_discount_rate"),
            "clv_min_repeat_buyers": dbt.config.meta_get("clv_min_repeat_buyers"),
            "clv_min_q_lower_bound": dbt.config.meta_get("clv_min_q_lower_bound"),
            "clv_spend_prior_days": dbt.config.meta_get("clv_spend_prior_days"),
        }
    )
    return account_clv_table(
        summary=dbt.ref("clv_summary").df(),
        accounts=dbt.ref("dim_accounts").df(),
        as_of_dates=dbt.ref("int_as_of_date").df(),
        settings=settings,
    )
