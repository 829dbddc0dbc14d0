"""Jobs, the nightly schedule and the landing sensor.

Every job runs in one process (the in-process executor): the steps share the DuckDB build file
and run one after another anyway, and one process saves the per-step start-up cost. Runs from the
daemon are queued one at a time (DAGSTER_HOME/dagster.yaml); runs from any source also take the
writer lock, so a second run waits instead of failing on a DuckDB lock.
"""

import json

import dagster as dg

from pipelines.defs.ingest.factory import bronze_key
from pipelines.defs.ingest.partitions import DELIVERY_MONTHS, register_months
from pipelines.lib.config import load_settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.ingest import discover_files
from pipelines.lib.ingest.files import landing_months, leads_outside_landing
from pipelines.lib.landing_scan import run_key, scan

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
WRITER_TAGS = {"kam/writer": "build"}
PERIODIC_ASSETS = [bronze_key(name) for name, spec in ENTITIES.items() if spec.is_periodic]

nightly_job = dg.define_asset_job(
    "kam_nightly",
    selection=dg.AssetSelection.all(),
    description="Everything: ingest new landing files, build, audit, publish.",
    executor_def=dg.in_process_executor,
    tags=WRITER_TAGS,
)
invoice_period_job = dg.define_asset_job(
    "invoice_period_backfill",
    selection=dg.AssetSelection.assets(*PERIODIC_ASSETS).downstream(),
    partitions_def=DELIVERY_MONTHS,
    description="Reload one delivery month (or a range) of the periodic entities (invoice lines) "
    "and rebuild downstream.",
    executor_def=dg.in_process_executor,
    tags=WRITER_TAGS,
)


def _landing_months(context) -> list[str]:
    months = landing_months(load_settings())
    register_months(context.instance, months)
    return months


def _range_tags(months: list[str]) -> dict[str, str]:
    return {RANGE_START: months[0], RANGE_END: months[-1]} if months else {}


@dg.schedule(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="America/Sao_Paulo",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(tags=_range_tags(_landing_months(context)))


@dg.sensor(
    job=nightly_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts a run when new or changed landing files appear (keyed on content).",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    settings = load_settings()
    cursor = json.loads(context.cursor) if context.cursor else {}
    paths = sorted({path for name in ENTITIES for path in discover_files(settings, name)})
    seen = set(cursor.get("seen", []))
    result = scan(
        settings.landing,
        # A link leading outside the landing folder is refused by the run, never read here.
        [path for path in paths if not leads_outside_landing(path, settings)],
        cursor.get("files", {}),
        seen,
        generations=cursor.get("generations", {}),
    )
    seen.update(result.new_hashes)
    new_cursor = json.dumps(
        {"files": result.files, "seen": sorted(seen), "generations": result.generations}
    )
    if not result.new_deliveries:
        context.update_cursor(new_cursor)
        return dg.SkipReason("no new landing content")
    months = _landing_months(context)
    request = dg.RunRequest(
        run_key=run_key(result.new_deliveries),
        tags={**_range_tags(months), "kam/new_files": str(len(result.new_paths))},
    )
    return dg.SensorResult(run_requests=[request], cursor=new_cursor)
