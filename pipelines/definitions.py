"""The one Definitions object of the KAM code location (`kam dev` serves it in the UI)."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.dbt.assets import build_dbt_assets
from pipelines.defs.ingest.crm import crm_assets
from pipelines.defs.ingest.plan import plan_assets
from pipelines.defs.ingest.sales import sales_assets
from pipelines.defs.publish.assets import build_publish_asset
from pipelines.defs.resources import run_resources
from pipelines.defs.schedules import (
    invoice_period_job,
    landing_sensor,
    nightly_job,
    nightly_schedule,
)


def build_definitions() -> dg.Definitions:
    dbt_models = build_dbt_assets()
    mart_keys = [key for key in dbt_models.keys if key.path[0] == "marts"]
    return dg.Definitions(
        assets=[
            *crm_assets,
            *sales_assets,
            *plan_assets,
            dbt_models,
            build_publish_asset(mart_keys),
        ],
        jobs=[nightly_job, invoice_period_job],
        schedules=[nightly_schedule],
        sensors=[landing_sensor],
        # One KamResource per run holds the run's settings; dbt is invoked with a profile
        # written from them (pipelines/defs/dbt/assets.py), so it is not a resource of its own.
        resources=run_resources(),
        executor=dg.in_process_executor,
    )


defs = build_definitions()
