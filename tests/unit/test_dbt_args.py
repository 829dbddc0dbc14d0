"""What a run passes to dbt: nothing that would force a re-parse unless it must."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipelines.defs.dbt.assets import dbt_build_args
from pipelines.lib.config import load_settings


def settings(tmp_path: Path):
    return load_settings(home=tmp_path)


def test_defaults_pass_no_vars(tmp_path: Path) -> None:
    assert dbt_build_args(settings(tmp_path), None) == [
        "build",
        "--exclude",
        "test_type:unit",
        "--target",
        "duckdb",
    ]


def test_as_of_privacy_and_overrides_are_passed(tmp_path: Path) -> None:
    custom = replace(
        settings(tmp_path),
        expose_contact_names=True,
        dbt_vars={"churn_after_days": 120},
        dbt_target="postgres",
    )
    assert dbt_build_args(custom, "2026-06-30") == [
        "build",
        "--exclude",
        "test_type:unit",
        "--target",
        "postgres",
        "--vars",
        '{"as_of_date": "2026-06-30", "churn_after_days": 120, "expose_contact_names": true}',
    ]


def test_other_engines_skip_the_duckdb_only_steps() -> None:
    from pipelines.cli.run import run_selection
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()

    def keys(target: str) -> set[str]:
        return {key.to_user_string() for key in run_selection(None, target).resolve(graph)}

    assert "publish/published_warehouse" in keys("duckdb")
    postgres = keys("postgres")
    assert "publish/published_warehouse" not in postgres
    assert "marts/account_clv" not in postgres
    assert {"bronze/accounts", "marts/account_tiers"} <= postgres
