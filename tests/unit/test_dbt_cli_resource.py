"""How a run starts dbt: one dbt process per invocation, nothing else started or built for it.

dagster-dbt's `DbtCliResource.cli` runs `dbt --version` in a subprocess and builds a dbt adapter
in the calling process before every invocation; `KamDbtCliResource` skips both (see its
docstring). These tests fail if dagster-dbt renames the members it overrides, or if the
version check or the adapter come back.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import dagster as dg
import pytest
from dagster_dbt import DbtCliResource
from dagster_dbt.core import resource as dagster_dbt_resource

from pipelines.defs.dbt.assets import without_test_observations
from pipelines.defs.dbt.project import DBT_PROJECT_DIR, KamDbtCliResource, dbt_cli
from pipelines.lib.config import load_settings
from pipelines.lib.dbt_runner import DbtWorkspace


def test_overridden_members_still_exist_in_dagster_dbt() -> None:
    assert "_cli_version" in vars(DbtCliResource)
    assert "_initialize_dbt_core_adapter" in vars(DbtCliResource)


def test_an_invocation_starts_no_version_check_and_builds_no_adapter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(home=tmp_path)
    DbtWorkspace.of(settings).write_profile(settings)

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess besides dbt itself: {args}")

    adapters_built = []

    def no_adapter(self, args):  # dagster-dbt swallows exceptions here: count the calls
        adapters_built.append(args)

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    monkeypatch.setattr(DbtCliResource, "_initialize_dbt_core_adapter", no_adapter)

    resource = dbt_cli(settings)
    assert isinstance(resource, KamDbtCliResource)
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    invocation = resource.cli(["debug", "--config-dir"], target_path=tmp_path / "target")
    assert invocation.is_successful()
    assert adapters_built == []


def test_a_dbt_outside_this_environment_is_still_asked_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_dbt = tmp_path / "dbt"
    other_dbt.write_text("#!/bin/sh\n")
    other_dbt.chmod(0o755)
    monkeypatch.setattr(
        dagster_dbt_resource, "check_output", lambda args: b"Core:\n  - installed: 9.8.7\n"
    )
    resource = KamDbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(other_dbt))
    assert str(resource._cli_version) == "9.8.7"


def test_dbt_test_observations_are_dropped_and_everything_else_kept() -> None:
    key = dg.AssetKey(["marts", "fct_sales"])
    output = dg.Output(None, output_name="fct_sales")
    materialization = dg.AssetMaterialization(asset_key=key)
    events = [dg.AssetObservation(asset_key=key), output, materialization]
    assert list(without_test_observations(events)) == [output, materialization]
