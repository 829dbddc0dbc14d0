"""clv_model_fits: the BG/NBD and Gamma-Gamma fits behind account_clv, one row each (docs/clv.md).

A dbt Python model, built on the DuckDB target only (the yml enables it there); the work is in
pipelines.lib.clv_marts. It fits the same summary with the same settings as account_clv (the fits
are deterministic, and take a fraction of a second; the valuation is what takes time).
"""

from pipelines.lib.clv_marts import clv_settings, model_fits_table


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
    return model_fits_table(
        summary=dbt.ref("clv_summary").df(),
        as_of_dates=dbt.ref("int_as_of_date").df(),
        settings=settings,
    )
