"""The Dagster code location: stable asset keys, stage groups, schedule, sensor, checks."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.lib.contract import ENTITIES

SNAPSHOT = Path(__file__).with_name("asset_keys.txt")


def all_asset_keys() -> list[str]:
    return sorted(key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys())


def test_asset_keys_match_the_reviewed_snapshot() -> None:
    """A renamed asset breaks BI and reruns: make every rename visible in review.

    Regenerate with `KAM_UPDATE_SNAPSHOT=1 pytest tests/integration/test_definitions.py`.
    """
    keys = all_asset_keys()
    if os.environ.get("KAM_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text("\n".join(keys) + "\n", encoding="utf-8")
    assert keys == SNAPSHOT.read_text(encoding="utf-8").split()


def test_assets_are_grouped_by_stage() -> None:
    graph = defs.resolve_asset_graph()
    groups = {
        key.to_user_string(): graph.get(key).group_name
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }
    assert {groups[f"bronze/{name}"] for name in ENTITIES} == {"ingest"}
    assert groups["staging/stg_crm__accounts"] == "staging"
    assert groups["marts/account_tiers"] == "marts"
    assert groups["marts/account_clv"] == "marts"
    assert groups["publish/published_warehouse"] == "publish"
    assert set(groups.values()) == {"ingest", "staging", "marts", "publish"}


def test_every_bronze_asset_has_a_blocking_gx_check() -> None:
    graph = defs.resolve_asset_graph()
    for name in ENTITIES:
        key = dg.AssetCheckKey(dg.AssetKey(["bronze", name]), f"gx_bronze_{name}")
        assert graph.get_check_spec(key).blocking, name


def test_publish_depends_on_every_mart_and_audits_them() -> None:
    graph = defs.resolve_asset_graph()
    publish = graph.get(dg.AssetKey(["publish", "published_warehouse"]))
    parents = {key.to_user_string() for key in publish.parent_keys}
    marts = {key for key in all_asset_keys() if key.startswith("marts/")}
    assert marts <= parents
    audits = {check.name for check in publish.check_keys}
    assert audits == {"gx_mart_account_clv", "clv_fits_converged"}
    blocking = {
        spec.name: spec.blocking for spec in graph.assets_def_for_key(publish.key).check_specs
    }
    assert blocking == {"gx_mart_account_clv": True, "clv_fits_converged": False}


def test_one_dbt_step_builds_every_model_the_clv_models_included() -> None:
    """clv_summary -> account_clv -> account_health inside one dbt asset: a run starts dbt once."""
    graph = defs.resolve_asset_graph()
    clv = dg.AssetKey(["marts", "account_clv"])
    health = graph.get(dg.AssetKey(["marts", "account_health"]))
    assert clv in graph.get(dg.AssetKey(["intermediate", "int_accounts__clv"])).parent_keys
    assert dg.AssetKey(["intermediate", "int_accounts__clv"]) in health.parent_keys
    assert dg.AssetKey(["marts", "clv_summary"]) in graph.get(clv).parent_keys
    dbt_steps = {
        graph.assets_def_for_key(key).node_def.name
        for key in graph.get_all_asset_keys()
        if key.path[0] in ("staging", "intermediate", "marts")
    }
    assert dbt_steps == {"kam_dbt_models"}


def test_nightly_schedule_runs_at_two_in_sao_paulo() -> None:
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "America/Sao_Paulo"
    assert schedule.job_name == "kam_nightly"


def test_jobs_run_in_one_process() -> None:
    for name in ("kam_nightly", "invoice_period_backfill"):
        assert defs.resolve_job_def(name).executor_def.name == "in_process"


@pytest.fixture
def landing_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    (landing / "sales" / "invoice_lines").mkdir(parents=True)
    monkeypatch.setenv("KAM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KAM_LANDING", str(landing))
    return landing


def write_settled(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    old = time.time() - 600
    os.utime(path, (old, old))


def test_landing_sensor_starts_one_run_per_new_content(landing_env: Path) -> None:
    sensor = defs.resolve_sensor_def("landing_sensor")
    instance = dg.DagsterInstance.ephemeral()
    write_settled(landing_env / "crm" / "accounts.csv", "account_id\nA1\n")
    write_settled(
        landing_env / "sales" / "invoice_lines" / "invoice_lines_2026-10-01.csv", "x\n1\n"
    )

    first = sensor(dg.build_sensor_context(instance=instance))
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    assert request.tags["dagster/asset_partition_range_start"] == "2026-10"
    assert "2026-10" in instance.get_dynamic_partitions("delivery_months")

    # Nothing new: no run. The same content under a new name: still no run.
    cursor = first.cursor
    again = sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(again, dg.SkipReason)
    write_settled(landing_env / "crm" / "accounts_copy.csv", "account_id\nA1\n")
    copy = sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(copy, dg.SkipReason) or not copy.run_requests

    # Changed content: a new run with a different key.
    write_settled(landing_env / "crm" / "accounts.csv", "account_id\nA1\nA2\n")
    changed = sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert changed.run_requests[0].run_key != request.run_key
    assert json.loads(changed.cursor)["seen"]
