"""Every dbt model and test as Dagster assets, built by one `dbt build` per run.

The CLV models are dbt Python models on the DuckDB target (models/marts/clv/*.py), so the whole
warehouse, account_health after account_clv included, is one dbt invocation: dbt starts once, and
its threads run the CLV fit beside the SQL models that do not need it.
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


def build_dbt_assets() -> dg.AssetsDefinition:
    """The dbt assets: every model of the project, and its tests inside the same build."""
    # Filled right after decoration: in a subset run `context.assets_def` is itself the subset,
    # so the full set of model keys has to be remembered here.
    every_model_key: set[dg.AssetKey] = set()
    translator = KamDbtTranslator(
        # dbt tests stay inside `dbt build`, where a failing test fails the step and blocks
        # everything downstream. Mirroring each of ~170 tests as a Dagster check would store two
        # events per test per run in the event log, which measured as the largest fixed cost.
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=False)
    )

    @dbt_assets(
        manifest=runtime_manifest(),
        dagster_dbt_translator=translator,
        name="kam_dbt_models",
    )
    @plain_failures
    def kam_dbt_models(
        context: dg.AssetExecutionContext,
        kam: KamResource,
        writer: WriterLockResource,
    ) -> Iterator[Any]:
        settings = kam.settings()
        # The ledger says whether the whole build last passed dbt's tests. A build of every
        # model resets it first (a run killed half-way must not leave it clean) and sets it again
        # once it succeeded. A partial rerun (one model and downstream) can only spoil it: it
        # must not vouch for models it did not rebuild.
        selected = [key.to_user_string() for key in context.selected_asset_keys]
        every_model = [key.to_user_string() for key in every_model_key]
        with connect_build_db(settings) as con:
            begin_invocation(con, DBT_STEP, context.run_id, selected, every_model)
        # On PostgreSQL this copies every bronze table and on Spark it registers them in a JVM.
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

    every_model_key.update(kam_dbt_models.keys)
    return kam_dbt_models
