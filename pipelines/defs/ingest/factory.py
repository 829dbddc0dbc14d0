"""Build one bronze asset per landing entity, with its Great Expectations suite as a blocking check.

The suite runs inside the asset on exactly the rows this run loaded, and its verdict is reported
as the asset's check result: a failed suite fails the step, so nothing downstream runs, and the
load is marked rejected in the manifest so no later run builds on it.

Bad input and a full disk fail the step without a retry (`dg.Failure(allow_retries=False)`):
waiting does not fix a file or free a disk. The retry policy is for what is left: transient
errors (a file locked for a moment, a network share that dropped).
"""

from collections.abc import Sequence

import dagster as dg

from pipelines.defs.failures import plain_failures
from pipelines.defs.ingest.partitions import DELIVERY_MONTHS, register_months
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.contract import ENTITIES
from pipelines.lib.contract import entity as contract_entity
from pipelines.lib.ingest import IngestError, IngestReport, ingest_entity, reject_loads
from pipelines.lib.ingest.errors import DiskFullError
from pipelines.lib.ingest.raw_checks import validate_new_loads

RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def source_system_assets(source_system: str) -> list[dg.AssetsDefinition]:
    """The bronze assets of one source system (crm, sales, plan), from the contract."""
    return [
        build_ingest_asset(name)
        for name, spec in ENTITIES.items()
        if spec.source_system == source_system
    ]


def bronze_key(entity_name: str) -> dg.AssetKey:
    return dg.AssetKey(["bronze", entity_name])


def gx_check_name(entity_name: str) -> str:
    return f"gx_bronze_{entity_name}"


def build_ingest_asset(entity_name: str) -> dg.AssetsDefinition:
    """The bronze asset of `entity_name`; parents named in the contract load first."""
    contract = contract_entity(entity_name)
    parents = sorted(set(contract.references.values()) - {entity_name})
    is_partitioned = contract.is_periodic

    @dg.asset(
        key=bronze_key(entity_name),
        group_name="ingest",
        description=f"{entity_name} from the landing folder, parsed by its contract into bronze "
        "Parquet (immutable loads + manifest; bad rows to quarantine).",
        deps=[bronze_key(parent) for parent in parents],
        kinds={"python", "parquet"},
        partitions_def=DELIVERY_MONTHS if is_partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if is_partitioned else None,
        check_specs=[
            dg.AssetCheckSpec(
                gx_check_name(entity_name),
                asset=bronze_key(entity_name),
                blocking=True,
                description=f"Great Expectations suite bronze_{entity_name} on the rows loaded",
            )
        ],
        retry_policy=RETRY,
    )
    @plain_failures  # bad input and full disks: one plain line, never retried
    def _ingest(
        context: dg.AssetExecutionContext, kam: KamResource, writer: WriterLockResource
    ) -> dg.MaterializeResult:
        settings = kam.settings()
        months = _selected_months(context) if is_partitioned else None
        try:
            report = ingest_entity(
                settings, entity_name, months=months, force=kam.force_reload, log=context.log.info
            )
        except DiskFullError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        try:
            report.raise_for_failures()
        except IngestError as error:
            # Not retried: bad input does not get better by waiting.
            raise dg.Failure(
                description=str(error), metadata=_report_metadata(report), allow_retries=False
            ) from None
        if is_partitioned:
            months_loaded = sorted({p for load in report.loaded for p in load.periods})
            register_months(context.instance, months_loaded)
        check = _validate_new_loads(settings, entity_name, report)
        return dg.MaterializeResult(metadata=_report_metadata(report), check_results=[check])

    return _ingest


def _selected_months(context: dg.AssetExecutionContext) -> Sequence[str] | None:
    """The months this run is restricted to, or None for every month.

    A run over every known month (what `kam run`, the schedule and the sensor start) is not a
    restriction: a new file without a period in its name, whose months are not known before it is
    read, must load then too.
    """
    if context.has_partition_key_range:
        selected = list(context.partition_keys)
    elif context.has_partition_key:
        selected = [context.partition_key]
    else:
        return None
    known = set(context.instance.get_dynamic_partitions(DELIVERY_MONTHS.name))
    return None if known <= set(selected) else selected


def _validate_new_loads(settings, entity_name: str, report: IngestReport) -> dg.AssetCheckResult:
    """Run the entity's suite on the bronze files this run wrote, in as few batches as allowed;
    a failed suite withdraws the loads (pipelines.lib.ingest.raw_checks)."""
    check_name = gx_check_name(entity_name)
    if not report.new_bronze_files:
        return dg.AssetCheckResult(
            check_name=check_name,
            passed=True,
            description="nothing new loaded: every earlier load passed this suite when it landed",
            metadata={"rows_validated": 0},
        )
    outcomes = validate_new_loads(settings, report)
    failed = [outcome for outcome in outcomes if not outcome.success]
    if failed:
        reject_loads(settings, report, reason=failed[0].summary())
    rows = sum(outcome.statistics.get("rows", 0) for outcome in outcomes)
    shown = failed[0] if failed else outcomes[-1]
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=not failed,
        description=shown.summary()
        if failed
        else f"bronze_{entity_name} passed on {rows:,} new rows "
        f"({len(report.new_bronze_files)} load file(s), {len(outcomes)} batch(es))",
        metadata={**shown.as_metadata(), "rows_validated": rows, "batches": len(outcomes)},
    )


def _report_metadata(report: IngestReport) -> dict[str, int]:
    """Counts of this run's load of the entity (rows_read = rows_loaded + rows_quarantined +
    rows_excluded over the files read): the publish record copies them."""
    return {**report.metadata(), "dagster/row_count": report.rows_loaded}
