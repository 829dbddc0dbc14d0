"""`kam run`: materialize the asset graph in this process and explain the outcome in plain words."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import dagster as dg

from pipelines.cli.progress import compact_console_logger, dbt_output_filtered, failure_reason
from pipelines.cli.selection import DUCKDB_ONLY_ASSETS, run_selection
from pipelines.defs.ingest.partitions import DELIVERY_MONTHS
from pipelines.lib.config import Settings
from pipelines.lib.ingest.files import landing_months
from pipelines.lib.publish import current_version

CLI_JOB_NAME = "kam_cli_run"
PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"

__all__ = ["DUCKDB_ONLY_ASSETS", "RunOutcome", "describe", "run_pipeline", "run_selection"]


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
    previous_version: str | None = None  # what was published before the run, if anything


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


def kam_resource_config(settings: Settings, *, as_of: str | None, force: bool) -> dict[str, object]:
    """The run's KamResource config: everything the CLI resolved, passed explicitly."""
    return {
        "config_path": str(settings.config_path),
        "home": str(settings.home),
        "landing": str(settings.landing),
        "as_of_date": as_of,
        "force_reload": force,
        "dbt_target": settings.dbt_target,
    }


def run_pipeline(
    settings: Settings,
    selection: dg.AssetSelection,
    *,
    months: list[str],
    as_of: str | None = None,
    force: bool = False,
    wait_seconds: float | None = None,
) -> RunOutcome:
    """Run `selection` (already checked, see pipelines.cli.selection) over `months`."""
    from pipelines.definitions import defs  # loads the dbt manifest: only when a run starts

    instance = dg.DagsterInstance.get()
    register_months(instance, months)
    job = dg.define_asset_job(CLI_JOB_NAME, selection=selection)
    cli_defs = dg.Definitions.merge(
        defs, dg.Definitions(jobs=[job], loggers={"compact": compact_console_logger})
    )
    job_def = cli_defs.resolve_job_def(CLI_JOB_NAME)
    resources_config = {
        "kam": {"config": kam_resource_config(settings, as_of=as_of, force=force)},
        "writer": {"config": {"wait_seconds": -1 if wait_seconds is None else wait_seconds}},
    }
    previous_version = current_version(settings.published_dir)
    started = time.monotonic()
    with dbt_output_filtered():
        result = job_def.execute_in_process(
            instance=instance,
            tags={**partition_tags(months), "kam/launched_by": "cli"},
            run_config={"resources": resources_config, "loggers": {"compact": {}}},
            raise_on_error=False,
        )
    planned = [node.name for node in job_def.nodes_in_topological_order]
    outcome = summarize(result, time.monotonic() - started, planned_steps=planned)
    outcome.previous_version = previous_version
    return outcome


def summarize(
    result: dg.ExecuteInProcessResult, seconds: float, *, planned_steps: Sequence[str] = ()
) -> RunOutcome:
    outcome = RunOutcome(success=result.success, run_id=result.run_id, seconds=seconds)
    loaded: dict[str, dict[str, int]] = defaultdict(dict)
    started: set[str] = set()
    run_failure = ""
    for event in result.all_events:
        kind = event.event_type_value
        if kind == "STEP_START":
            started.add(event.step_key or "?")
        elif kind in ("STEP_FAILURE", "RESOURCE_INIT_FAILURE"):
            # A resource that cannot start (the settings, the writer lock) fails before a step.
            outcome.failures.append(f"{event.step_key or 'run'}: {failure_reason(event)}")
        elif kind == "PIPELINE_FAILURE" and not outcome.failures:
            run_failure = failure_reason(event)
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
    if not result.success and not outcome.failures:
        outcome.failures.append(f"run: {run_failure or 'failed'}")
    # Steps after a failure are abandoned without an event of their own.
    outcome.skipped_steps += [
        step for step in planned_steps if step not in started and step not in outcome.skipped_steps
    ]
    outcome.loaded = dict(loaded)
    return outcome


def describe(outcome: RunOutcome) -> str:
    """The end-of-run summary a person reads: each failure reason once."""
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
    if outcome.published.get("new_version") is False:
        lines.append(
            f"published: nothing changed since version {outcome.published.get('version')}; "
            "no new version"
        )
    elif outcome.published:
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
    for steps, reason in _grouped(outcome.failures):
        first, *rest = reason.splitlines() or [""]
        lines.append(f"  failed: {', '.join(steps)}: {first}")
        lines.extend(f"    {line}" for line in rest)
    lines.extend(f"  check failed: {check}" for check in outcome.failed_checks)
    if outcome.skipped_steps:
        lines.append(
            f"  not run because of the failure: {', '.join(sorted(outcome.skipped_steps))}"
        )
    if outcome.previous_version:
        lines.append(
            f"  nothing was published; the previously published version "
            f"({outcome.previous_version}) is unchanged"
        )
    else:
        lines.append("  nothing was published (no version had been published yet)")
    return "\n".join(lines)


def _grouped(failures: list[str]) -> list[tuple[list[str], str]]:
    """`step: reason` entries with the same reason merged, so a reason is printed once."""
    by_reason: dict[str, list[str]] = {}
    for failure in failures:
        step, _, reason = failure.partition(": ")
        by_reason.setdefault(reason, []).append(step)
    return [(steps, reason) for reason, steps in by_reason.items()]
