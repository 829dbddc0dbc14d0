"""One settings object per run, shared by every step and the writer lock; failures that a
person can act on are said plainly and never retried."""

from __future__ import annotations

import errno
from pathlib import Path

import dagster as dg
import pytest

import pipelines.defs.resources as resources_module
from pipelines.cli.progress import failure_reason
from pipelines.cli.run import summarize
from pipelines.defs.failures import plain_failures
from pipelines.defs.resources import KamResource, WriterLockResource, run_resources
from pipelines.lib.ingest.errors import IngestError

SEEN: list[object] = []


@dg.asset
def first_step(kam: KamResource, writer: WriterLockResource) -> None:
    SEEN.append(kam.settings())
    SEEN.append(writer.kam.settings())


@dg.asset(deps=[first_step])
def second_step(kam: KamResource, writer: WriterLockResource) -> None:
    SEEN.append(kam.settings())


def test_settings_are_loaded_once_and_shared_by_every_step_and_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kam.yml"
    config.write_text("duckdb:\n  threads: 3\n", encoding="utf-8")
    loads: list[dict] = []
    real_load = resources_module.load_settings

    def counting_load(*args, **kwargs):
        loads.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(resources_module, "load_settings", counting_load)
    SEEN.clear()
    home = tmp_path / "home"

    result = dg.materialize(
        [first_step, second_step],
        resources=run_resources(),
        run_config={
            "resources": {
                "kam": {
                    "config": {
                        "config_path": str(config),
                        "home": str(home),
                        "dbt_target": "duckdb",
                    }
                },
                "writer": {"config": {"wait_seconds": 0}},
            }
        },
    )

    assert result.success
    assert len(loads) == 1
    assert len(SEEN) == 3 and all(settings is SEEN[0] for settings in SEEN)
    assert SEEN[0].home == home and SEEN[0].duckdb_threads == 3
    assert (home / ".writer.lock").exists()  # the lock was taken in this run's home


def test_a_bad_as_of_date_fails_the_run_before_any_step(tmp_path: Path) -> None:
    result = dg.materialize(
        [first_step],
        resources=run_resources(),
        run_config={
            "resources": {"kam": {"config": {"home": str(tmp_path), "as_of_date": "30/10/2026"}}}
        },
        raise_on_error=False,
    )
    assert not result.success
    assert not any(event.event_type_value == "STEP_START" for event in result.all_events)
    outcome = summarize(result, 0.0, planned_steps=["first_step"])
    assert outcome.failures == [
        "first_step: as-of date '30/10/2026': expected a date YYYY-MM-DD, e.g. 2026-10-30"
    ]


ATTEMPTS: list[str] = []
RETRY = dg.RetryPolicy(max_retries=2, delay=0)


def _flaky_asset(name: str, error: Exception) -> dg.AssetsDefinition:
    @dg.asset(name=name, retry_policy=RETRY)
    @plain_failures
    def _asset() -> None:
        ATTEMPTS.append(name)
        raise error

    return _asset


@pytest.mark.parametrize(
    ("error", "attempts", "reason"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "/srv/kam/bronze/a.parquet"),
            1,
            "no space left on the file system holding /srv/kam/bronze/a.parquet",
        ),
        (IngestError("accounts.csv line 3: expected a date"), 1, "accounts.csv line 3"),
        (ConnectionResetError("server went away"), 3, "ConnectionResetError: server went away"),
    ],
)
def test_bad_input_and_full_disks_are_not_retried(
    error: Exception, attempts: int, reason: str
) -> None:
    ATTEMPTS.clear()
    result = dg.materialize([_flaky_asset("flaky", error)], raise_on_error=False)

    assert not result.success
    assert len(ATTEMPTS) == attempts
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = failure_reason(failure)
    assert text.startswith(reason) and "\n" not in text
    assert not text.startswith(("dagster", "Failure"))
