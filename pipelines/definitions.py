"""The one Definitions object of the KAM code location (`dagster dev -m pipelines.definitions`)."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.clv.assets import clv_models
from pipelines.defs.dbt.assets import build_dbt_assets
from pipelines.defs.dbt.project import kam_dbt_project
from pipelines.defs.ingest.crm import crm_assets
from pipelines.defs.ingest.plan import plan_assets
from pipelines.defs.ingest.sales import sales_assets
from pipelines.defs.publish.assets import build_publish_asset
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.defs.schedules import (
    invoice_period_job,
    landing_sensor,
    nightly_job,
    nightly_schedule,
)
from pipelines.lib.dbt_runner import dbt_executable


def build_definitions() -> dg.Definitions:
    dbt_models = build_dbt_assets()
    mart_keys = [key for assets in dbt_models for key in assets.keys if key.path[0] == "marts"]
    return dg.Definitions(
        assets=[
            *crm_assets,
            *sales_assets,
            *plan_assets,
            *dbt_models,
            clv_models,
            build_publish_asset(mart_keys),
        ],
        jobs=[nightly_job, invoice_period_job],
        schedules=[nightly_schedule],
        sensors=[landing_sensor],
        resources={
            "kam": KamResource(),
            "writer": WriterLockResource(),
            "dbt": DbtCliResource(project_dir=kam_dbt_project(), dbt_executable=dbt_executable()),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions()
