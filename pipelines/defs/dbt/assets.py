"""Every dbt model and test as Dagster assets and checks, built by one `dbt build` per run."""

import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, dbt_assets

from pipelines.defs.dbt.project import dbt_cli, runtime_manifest
from pipelines.defs.dbt.translator import KamDbtTranslator
from pipelines.defs.failures import plain_failures
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.build_db import record_step_in_file
from pipelines.lib.config import Settings
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


def build_dbt_assets() -> dg.AssetsDefinition:
    # Filled right after decoration: in a subset run `context.assets_def` is itself the subset,
    # so the full set of model keys has to be remembered here.
    every_model_key: set[dg.AssetKey] = set()

    @dbt_assets(
        manifest=runtime_manifest(),
        # dbt tests stay inside `dbt build`, where a failing test fails the step and blocks
        # everything downstream. Mirroring each of ~170 tests as a Dagster check would store two
        # events per test per run in the event log, which measured as the largest fixed cost.
        dagster_dbt_translator=KamDbtTranslator(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=False)
        ),
        name="kam_dbt_models",
    )
    @plain_failures
    def kam_dbt_models(
        context: dg.AssetExecutionContext,
        kam: KamResource,
        writer: WriterLockResource,
    ) -> Iterator[Any]:
        settings = kam.settings()
        # The ledger says whether the whole build last passed dbt's tests. A full build resets
        # it and sets it when it succeeds; a partial rerun (one model and downstream) can only
        # spoil it: it must not vouch for models it did not rebuild.
        is_full_build = set(context.selected_asset_keys) >= every_model_key
        if is_full_build:
            record_step_in_file(settings, DBT_STEP, context.run_id, ok=False)
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
            yield from invocation.stream()
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
        if is_full_build:
            record_step_in_file(settings, DBT_STEP, context.run_id, ok=True)

    every_model_key.update(kam_dbt_models.keys)
    return kam_dbt_models
