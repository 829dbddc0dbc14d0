"""`kam run`: materialize the asset graph in this process and explain the outcome in plain words."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import dagster as dg

from pipelines.cli.progress import compact_console_logger, dbt_output_filtered, failure_reason
from pipelines.defs.ingest.partitions import DELIVERY_MONTHS
from pipelines.lib.config import Settings
from pipelines.lib.ingest.files import landing_months

CLI_JOB_NAME = "kam_cli_run"
PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    seconds: float
    failures: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    loaded: dict[str, dict[str, int]] = field(default_factory=dict)
    published: dict[str, object] = field(default_factory=dict)


def invoice_months(settings: Settings) -> list[str]:
    """The delivery months of the periodic entities' landing files, oldest first (a file without
    a period in its name counts with the months it was loaded for)."""
    return landing_months(settings)


def register_months(instance: dg.DagsterInstance, months: list[str]) -> None:
    known = set(instance.get_dynamic_partitions(DELIVERY_MONTHS.name))
    new = [month for month in months if month not in known]
    if new:
        instance.add_dynamic_partitions(DELIVERY_MONTHS.name, new)


def partition_tags(months: list[str]) -> dict[str, str]:
    """Tags that make one run cover every month at once (single-run backfill policy)."""
    if not months:
        return {}
    return {PARTITION_RANGE_START: months[0], PARTITION_RANGE_END: months[-1]}


# The CLV fit, the audit and the atomic publish work on the DuckDB build file. On PostgreSQL or
# Spark, dbt builds the marts in the engine itself (schema `marts`), which is what BI reads there.
DUCKDB_ONLY_ASSETS = ("marts/account_clv", "marts/clv_model_fits", "publish/published_warehouse")


def run_selection(select: str | None, target: str) -> dg.AssetSelection:
    selection = dg.AssetSelection.from_string(select) if select else dg.AssetSelection.all()
    if target == "duckdb":
        return selection
    return selection - dg.AssetSelection.assets(
        *(dg.AssetKey.from_user_string(key) for key in DUCKDB_ONLY_ASSETS)
    )


def run_pipeline(
    settings: Settings,
    *,
    select: str | None = None,
    as_of: str | None = None,
    period: str | None = None,
    force: bool = False,
    wait_seconds: float | None = None,
) -> RunOutcome:
    from pipelines.definitions import defs  # loads the dbt manifest: only when a run starts

    instance = dg.DagsterInstance.get()
    months = invoice_months(settings)
    register_months(instance, months)
    if period:
        month = period[:7]
        if month not in months:
            raise ValueError(
                f"no invoice files for period {period} in {settings.landing}; "
                f"months found: {', '.join(months) or 'none'}"
            )
        months = [month]

    job = dg.define_asset_job(CLI_JOB_NAME, selection=run_selection(select, settings.dbt_target))
    cli_defs = dg.Definitions.merge(
        defs, dg.Definitions(jobs=[job], loggers={"compact": compact_console_logger})
    )
    job_def = cli_defs.resolve_job_def(CLI_JOB_NAME)
    resources_config = {
        "kam": {"config": {"as_of_date": as_of, "force_reload": force}},
        "writer": {"config": {"wait_seconds": -1 if wait_seconds is None else wait_seconds}},
    }
    started = time.monotonic()
    with dbt_output_filtered():
        result = job_def.execute_in_process(
            instance=instance,
            tags={**partition_tags(months), "kam/launched_by": "cli"},
            run_config={"resources": resources_config, "loggers": {"compact": {}}},
            raise_on_error=False,
        )
    return summarize(result, time.monotonic() - started)


def summarize(result: dg.ExecuteInProcessResult, seconds: float) -> RunOutcome:
    outcome = RunOutcome(success=result.success, run_id=result.run_id, seconds=seconds)
    loaded: dict[str, dict[str, int]] = defaultdict(dict)
    for event in result.all_events:
        kind = event.event_type_value
        if kind == "STEP_FAILURE":
            outcome.failures.append(f"{event.step_key}: {failure_reason(event)}")
        elif kind == "STEP_SKIPPED":
            outcome.skipped_steps.append(event.step_key or "?")
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                outcome.failed_checks.append(
                    f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}: "
                    f"{evaluation.description or 'failed'}"
                )
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key.to_user_string()
            metadata = {name: value.value for name, value in materialization.metadata.items()}
            if key.startswith("bronze/"):
                loaded[key.removeprefix("bronze/")] = {
                    name: int(metadata[name])
                    for name in (
                        "files_loaded",
                        "files_skipped",
                        "rows_read",
                        "rows_loaded",
                        "rows_quarantined",
                        "rows_excluded",
                    )
                    if name in metadata
                }
            elif key == "publish/published_warehouse":
                outcome.published = metadata
    outcome.loaded = dict(loaded)
    return outcome


def describe(outcome: RunOutcome) -> str:
    """The end-of-run summary a person reads."""
    lines = []
    if outcome.loaded:
        rows = sum(stats.get("rows_loaded", 0) for stats in outcome.loaded.values())
        quarantined = sum(stats.get("rows_quarantined", 0) for stats in outcome.loaded.values())
        excluded = sum(stats.get("rows_excluded", 0) for stats in outcome.loaded.values())
        files = sum(stats.get("files_loaded", 0) for stats in outcome.loaded.values())
        skipped = sum(stats.get("files_skipped", 0) for stats in outcome.loaded.values())
        lines.append(
            f"loaded: {files:,} new files, {rows:,} rows into bronze "
            f"({quarantined:,} rows quarantined, {excluded:,} excluded by kam.yml rules; "
            f"{skipped:,} files already loaded)"
        )
    if outcome.published:
        counts = outcome.published.get("row_counts") or {}
        lines.append(
            f"published: version {outcome.published.get('version')} "
            f"(as of {outcome.published.get('as_of_date') or '?'}, {len(counts)} marts, "
            f"{sum(counts.values()):,} rows) -> {outcome.published.get('path')}"
        )
    if outcome.success:
        lines.append(f"run {outcome.run_id} succeeded in {outcome.seconds:.1f} s")
        return "\n".join(lines)
    lines.append(f"run {outcome.run_id} FAILED after {outcome.seconds:.1f} s")
    lines.extend(f"  failed: {failure}" for failure in outcome.failures)
    lines.extend(f"  check failed: {check}" for check in outcome.failed_checks)
    if outcome.skipped_steps:
        lines.append(
            f"  not run because of the failure: {', '.join(sorted(outcome.skipped_steps))}"
        )
    lines.append("  nothing was published; the previously published version is unchanged")
    return "\n".join(lines)
