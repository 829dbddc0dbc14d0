"""Write-audit-publish as one asset: audit the finished build, then publish it atomically.

The audit runs the Great Expectations mart suites on the build itself, here, every time, and reads
this run's other check verdicts (bronze suites) from the Dagster event log. dbt's own tests, and the
CLV models' own refusal of broken values, are vouched for by the build ledger: `dbt_build` is clean
only after a full `dbt build`, tests included, succeeded. Publishing happens only when all of them
passed and the ledger says dbt finished cleanly: an engineer rerunning only this step cannot publish
a build an earlier run left half-checked. A CLV fit valued by its fallback is published with a
warning (the non-blocking check `clv_fits_converged`, the publish record, `kam status`).
"""

from collections.abc import Iterator
from datetime import timedelta

import dagster as dg

from pipelines.defs.dbt.assets import DBT_STEP
from pipelines.defs.dbt.project import MANIFEST_PATH
from pipelines.defs.publish.review_pack import review_pack_hook
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.build_db import connect_build_db, duckdb_config, existing_tables, failed_steps
from pipelines.lib.clv_marts import fit_warnings
from pipelines.lib.empty_marts import empty_mart_reasons
from pipelines.lib.ingest.deliveries import delivery_totals
from pipelines.lib.mart_docs import MartDoc, MartDocsError, read_mart_docs
from pipelines.lib.publish import PublishError, PublishRecord, publish_build
from pipelines.lib.quality import DERIVED_BATCH_SQL, MART_SUITES, validate_frame

PUBLISH_KEY = dg.AssetKey(["publish", "published_warehouse"])
CLV_FITS_CHECK = "clv_fits_converged"
MART_COLUMNS_SQL = (
    "select column_name from duckdb_columns() "
    "where schema_name = 'marts' and table_name = ? order by column_index"
)
# The one mart that grows with history: a publish rewrites only its changed months. The others are
# small enough to rewrite whole when anything in them changed.
PUBLISH_PARTITION_COLUMNS = {"fct_sales": "month_start_date"}
# BI expects last night's data: warn after 26 hours (one missed night plus slack), fail after 50.
PUBLISHED_FRESHNESS = dg.FreshnessPolicy.time_window(
    warn_window=timedelta(hours=26), fail_window=timedelta(hours=50)
)


def audit_check_name(suite_name: str) -> str:
    return f"gx_{suite_name}"


def build_publish_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    # Each audit suite and the query whose result it validates: a mart as built, or a batch
    # derived from one (e.g. revenue shares summed per snapshot).
    audit_batches = {
        **{suite: f"select * from marts.{mart}" for mart, suite in MART_SUITES.items()},
        **DERIVED_BATCH_SQL,
    }
    suite_names = sorted(audit_batches)

    @dg.asset(
        key=PUBLISH_KEY,
        group_name="publish",
        deps=mart_keys,
        description="The audited build, published as <home>/published/kam.duckdb (schema marts) "
        "and <home>/published/parquet/, switched atomically; earlier versions kept for rollback.",
        kinds={"duckdb", "parquet"},
        freshness_policy=PUBLISHED_FRESHNESS,
        check_specs=[
            *(
                dg.AssetCheckSpec(audit_check_name(name), asset=PUBLISH_KEY, blocking=True)
                for name in suite_names
            ),
            dg.AssetCheckSpec(
                CLV_FITS_CHECK,
                asset=PUBLISH_KEY,
                blocking=False,
                description="Warns when a CLV fit is not `converged` (its accounts are valued by "
                "a fallback; marts.clv_model_fits says why).",
            ),
        ],
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, kam: KamResource, writer: WriterLockResource
    ) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
        settings = kam.settings()
        audit: dict[str, bool] = {}
        with connect_build_db(settings, read_only=True) as con:
            unfinished = failed_steps(con, [DBT_STEP])
            tables = sorted(existing_tables(con, "marts"))
            for suite_name in suite_names:
                batch = con.sql(audit_batches[suite_name]).to_arrow_table()
                outcome = validate_frame(suite_name, batch)
                audit[audit_check_name(suite_name)] = outcome.success
                yield dg.AssetCheckResult(
                    check_name=audit_check_name(suite_name),
                    passed=outcome.success,
                    description=outcome.summary(),
                    metadata=outcome.as_metadata(),
                )
            warnings = _clv_warnings(con, tables)
            for warning in warnings:
                context.log.warning(f"CLV: {warning}")
            yield dg.AssetCheckResult(
                check_name=CLV_FITS_CHECK,
                passed=not warnings,
                severity=dg.AssetCheckSeverity.WARN,
                description="; ".join(warnings)
                or "every CLV fit converged, every parameter identified",
            )
            as_of = _as_of_date(con)
            empty_reasons = empty_mart_reasons(
                con, {entity: source.paths for entity, source in settings.sources.items()}
            )
            columns = {
                mart: [name for (name,) in con.execute(MART_COLUMNS_SQL, [mart]).fetchall()]
                for mart in tables
            }

        earlier = run_check_verdicts(context)
        checks = {**earlier, **audit}
        problems = [name for name, passed in checks.items() if not passed]
        problems += [
            f"build step {step} did not finish cleanly (a full `kam run`, without --select, "
            "rebuilds and re-checks everything)"
            for step in unfinished
        ]
        if problems:
            raise dg.Failure(
                description="not published: " + "; ".join(problems),
                allow_retries=False,
            )
        try:
            docs = read_mart_docs(MANIFEST_PATH, tables)
        except MartDocsError as error:
            raise dg.Failure(description=f"not published: {error}", allow_retries=False) from None
        undocumented = undocumented_columns(docs, columns)
        if undocumented:
            context.log.warning(
                "published without a description (add it to the dbt docs): "
                + ", ".join(undocumented)
            )
        record = PublishRecord(
            run_id=context.run_id,
            as_of_date=as_of,
            checks=checks,
            warnings=warnings,
            currency=settings.currency,
            empty_reasons=empty_reasons,
            deliveries={
                entity: totals.as_dict() for entity, totals in delivery_totals(settings).items()
            },
        )
        try:
            published = publish_build(
                settings.build_db,
                settings.published_dir,
                marts=tables,
                record=record,
                keep_versions=settings.keep_versions,
                duckdb_config=duckdb_config(settings),
                partition_columns=PUBLISH_PARTITION_COLUMNS,
                storage_version=settings.storage_version,
                docs=docs,
                before_switch=review_pack_hook(settings, context.log.info, context.log.warning),
            )
        except PublishError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        if published.removed_partials:
            context.log.info(
                "removed what an interrupted publish left: " + ", ".join(published.removed_partials)
            )
        for mart, reason in sorted(empty_reasons.items()):
            context.log.info(f"{mart} is published empty: {reason}")
        if published.is_new:
            context.log.info(
                f"published version {published.version} ({len(tables)} marts, storage "
                f"{published.storage_version}) to {settings.published_db}; "
                f"{published.describe_changes()}"
            )
        else:
            context.log.info(published.describe_changes())
        yield dg.MaterializeResult(
            metadata={
                "version": published.version,
                "new_version": published.is_new,
                "path": str(settings.published_db),
                "as_of_date": as_of or "",
                "checks_passed": sum(checks.values()),
                "row_counts": dg.MetadataValue.json(published.row_counts),
                "started_from_version": published.started_from or "",
                "storage_version": published.storage_version or "",
                "sha256": published.checksum.sha256 if published.checksum else "",
                "mart_changes": dg.MetadataValue.json(
                    {mart.mart: mart.describe() for mart in published.marts}
                ),
            }
        )

    return published_warehouse


def run_check_verdicts(context: dg.AssetExecutionContext) -> dict[str, bool]:
    """Every error-severity check evaluated earlier in this run, as `asset:check -> passed`."""
    verdicts: dict[str, bool] = {}
    records = context.instance.all_logs(
        context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    )
    for record in records:
        evaluation = record.dagster_event.event_specific_data
        if evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue  # a warning (a dbt test with severity warn) is reported, not blocking
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        verdicts[name] = verdicts.get(name, True) and bool(evaluation.passed)
    return verdicts


def undocumented_columns(docs: dict[str, MartDoc], columns: dict[str, list[str]]) -> list[str]:
    """Marts and columns the dbt docs do not describe (they are published with empty comments)."""
    missing = []
    for mart, names in columns.items():
        doc = docs.get(mart)
        if doc is None or not doc.description:
            missing.append(mart)
        missing += [f"{mart}.{name}" for name in names if doc is None or not doc.column(name)]
    return missing


def _clv_warnings(con, tables: list[str]) -> list[str]:
    """The warnings of the CLV fits being published (none where the CLV models are not built)."""
    if "clv_model_fits" not in tables:
        return []
    return fit_warnings(con.execute("select * from marts.clv_model_fits order by model").df())


def _as_of_date(con) -> str | None:
    if "clv_summary" not in existing_tables(con, "marts"):
        return None
    row = con.execute("select max(as_of_date) from marts.clv_summary").fetchone()
    return row[0].isoformat() if row and row[0] else None
