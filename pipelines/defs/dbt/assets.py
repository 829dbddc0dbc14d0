"""Every dbt model and test as Dagster assets, built by `dbt build` in two invocations per run.

Models that read what the CLV step writes (source `marts`: account_health) form a second dbt
asset, so a run goes dbt (everything else, clv_summary included) -> CLV step -> dbt (those
models). Two definitions rather than one subsettable multi-asset whose cycle Dagster would resolve
itself: Dagster splits such a multi-asset by the number of other assets on each path, and the
ingest assets' parent-first order (accounts before contacts) then cut a third dbt invocation off
the staging layer. The build ledger counts both invocations as one full, tested build
(pipelines.lib.dbt_coverage).
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, dbt_assets

from pipelines.defs.dbt.project import dbt_cli, runtime_manifest
from pipelines.defs.dbt.translator import KamDbtTranslator
from pipelines.defs.failures import plain_failures
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.build_db import connect_build_db, record_step_in_file
from pipelines.lib.config import Settings
from pipelines.lib.dbt_coverage import begin_invocation, finish_invocation
from pipelines.lib.dbt_failures import describe_dbt_failure
from pipelines.lib.dbt_runner import DbtWorkspace
from pipelines.lib.engines import prepare_bronze

DBT_STEP = "dbt_build"
# The dbt selection of the models that read the CLV step's tables (dbt source `marts`): built by
# the second dbt asset.
AFTER_CLV_SELECTION = "source:marts+"


def dbt_vars(settings: Settings, as_of_date: str | None) -> dict[str, Any]:
    """The vars a run passes to dbt: kam.yml overrides, the as-of date, the privacy switch.

    Only values that differ from dbt_project.yml's defaults are passed: any `--vars` makes dbt
    re-parse the whole project (seconds) instead of reusing the parse state of the last run.
    """
    values: dict[str, Any] = dict(settings.dbt_vars)
    if settings.expose_contact_names:
        values["expose_contact_names"] = True
    if as_of_date:
        values["as_of_date"] = as_of_date
    return values


def dbt_build_args(settings: Settings, as_of_date: str | None) -> list[str]:
    """`dbt build` for the configured target, without dbt's unit tests.

    Unit tests check the models' logic against fixed inputs: they belong in CI (`make test`
    runs them) and cost a run ~15 s while saying nothing about tonight's data.
    """
    args = ["build", "--exclude", "test_type:unit", "--target", settings.dbt_target]
    values = dbt_vars(settings, as_of_date)
    return [*args, "--vars", json.dumps(values, sort_keys=True)] if values else args


def without_test_observations(events: Iterable[Any]) -> Iterator[Any]:
    """dagster-dbt's events for a build, less the one observation it makes of each dbt test.

    With asset checks off, dagster-dbt reports every test result as an `AssetObservation`:
    about 240 events a run, each written to Dagster's event log and its index (≈ 10 ms apiece,
    2-3 s a run), that nothing reads. A failing test already fails the step, and the step's
    message names it (pipelines.lib.dbt_failures); every result stays in the invocation's
    run_results.json.
    """
    for event in events:
        if not isinstance(event, dg.AssetObservation):
            yield event


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    """The dbt assets: every model but those after the CLV step, and those (in that order)."""
    # Filled right after decoration: in a subset run `context.assets_def` is itself the subset,
    # so the full sets of model keys have to be remembered here.
    every_model_key: set[dg.AssetKey] = set()
    after_clv_key: set[dg.AssetKey] = set()
    translator = KamDbtTranslator(
        # dbt tests stay inside `dbt build`, where a failing test fails the step and blocks
        # everything downstream. Mirroring each of ~170 tests as a Dagster check would store two
        # events per test per run in the event log, which measured as the largest fixed cost.
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=False)
    )

    def build(
        context: dg.AssetExecutionContext, kam: KamResource, *, prepares_bronze: bool
    ) -> Iterator[Any]:
        settings = kam.settings()
        # The ledger says whether the whole build last passed dbt's tests. The first invocation
        # of a full build resets it; it is set again once this run's invocations have built
        # every model. A partial rerun (one model and downstream) can only spoil it: it must not
        # vouch for models it did not rebuild.
        selected = [key.to_user_string() for key in context.selected_asset_keys]
        every_model = [key.to_user_string() for key in every_model_key]
        waiting = [key.to_user_string() for key in after_clv_key]
        with connect_build_db(settings) as con:
            begin_invocation(con, DBT_STEP, context.run_id, selected, every_model, waiting)
        if prepares_bronze:
            # Only the first invocation reads bronze. On PostgreSQL this copies every bronze
            # table and on Spark it registers them in a JVM: never twice in a run.
            prepare_bronze(settings, settings.dbt_target)
        workspace = DbtWorkspace.of(settings)
        workspace.write_profile(settings)
        target = workspace.start_invocation(context.run_id)
        invocation = dbt_cli(settings).cli(
            dbt_build_args(settings, kam.as_of_date),
            context=context,
            target_path=target,
            raise_on_error=False,
        )
        try:
            yield from without_test_observations(invocation.stream())
        except BaseException:
            record_step_in_file(settings, DBT_STEP, context.run_id, ok=False)
            raise
        finally:
            workspace.keep_parse_state(target)
        error = invocation.get_error()
        if error is not None:
            record_step_in_file(settings, DBT_STEP, context.run_id, ok=False)
            raise dg.Failure(
                description=describe_dbt_failure(target, str(error)), allow_retries=False
            )
        with connect_build_db(settings) as con:
            finish_invocation(con, DBT_STEP, context.run_id, selected, every_model)

    @dbt_assets(
        manifest=runtime_manifest(),
        exclude=AFTER_CLV_SELECTION,
        dagster_dbt_translator=translator,
        name="kam_dbt_models",
    )
    @plain_failures
    def kam_dbt_models(
        context: dg.AssetExecutionContext,
        kam: KamResource,
        writer: WriterLockResource,
    ) -> Iterator[Any]:
        yield from build(context, kam, prepares_bronze=True)

    @dbt_assets(
        manifest=runtime_manifest(),
        select=AFTER_CLV_SELECTION,
        dagster_dbt_translator=translator,
        name="kam_dbt_models_after_clv",
    )
    @plain_failures
    def kam_dbt_models_after_clv(
        context: dg.AssetExecutionContext,
        kam: KamResource,
        writer: WriterLockResource,
    ) -> Iterator[Any]:
        yield from build(context, kam, prepares_bronze=False)

    every_model_key.update(kam_dbt_models.keys, kam_dbt_models_after_clv.keys)
    after_clv_key.update(kam_dbt_models_after_clv.keys)
    return [kam_dbt_models, kam_dbt_models_after_clv]
