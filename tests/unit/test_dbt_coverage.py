"""The build ledger's dbt step is clean only after one run built and tested every model.

A run builds the dbt project in one invocation; a partial rerun must never vouch for models it did
not rebuild, and invocations of one run count together.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.lib.build_db import failed_steps
from pipelines.lib.dbt_coverage import begin_invocation, finish_invocation, starts_full_build

STEP = "dbt_build"
FIRST = ["staging/stg_a", "marts/dim_accounts", "marts/clv_summary", "marts/account_tiers"]
REST = ["marts/account_health"]
EVERY = FIRST + REST


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    yield connection
    connection.close()


def invoke(con, run_id: str, selected: list[str], *, succeed: bool = True) -> None:
    """One dbt invocation as the dbt assets run it; a failure records the step as failed."""
    begin_invocation(con, STEP, run_id, selected, EVERY)
    if succeed:
        finish_invocation(con, STEP, run_id, selected, EVERY)
    else:
        from pipelines.lib.build_db import record_step

        record_step(con, STEP, run_id, ok=False)


def is_clean(con) -> bool:
    return failed_steps(con, [STEP]) == []


def test_two_invocations_of_one_run_make_a_full_build(con) -> None:
    invoke(con, "run-1", EVERY, succeed=False)
    invoke(con, "run-1", FIRST)
    assert not is_clean(con), "half a build must not count as clean"
    invoke(con, "run-1", REST)
    assert is_clean(con)


def test_one_invocation_of_every_model_is_a_full_build(con) -> None:
    invoke(con, "run-1", EVERY)
    assert is_clean(con)


def test_a_failed_build_leaves_the_step_failed(con) -> None:
    invoke(con, "run-1", EVERY)
    invoke(con, "run-2", EVERY, succeed=False)
    assert not is_clean(con)


def test_a_run_killed_after_the_first_invocation_started_is_not_clean(con) -> None:
    invoke(con, "run-1", EVERY)
    begin_invocation(con, STEP, "run-2", EVERY, EVERY)  # then the process dies
    assert not is_clean(con)


def test_a_partial_rerun_cannot_vouch_for_models_it_did_not_build(con) -> None:
    invoke(con, "run-1", FIRST, succeed=False)
    invoke(con, "run-2", ["marts/account_tiers"])
    invoke(con, "run-2", REST)
    assert not is_clean(con)
    # Models built by an earlier run do not count for a later one either.
    invoke(con, "run-3", ["marts/dim_accounts", "staging/stg_a", "marts/clv_summary"])
    assert not is_clean(con)


def test_a_partial_rerun_after_a_clean_build_keeps_it_clean(con) -> None:
    invoke(con, "run-1", EVERY)
    invoke(con, "run-2", ["marts/account_tiers"])
    assert is_clean(con)


def test_only_a_selection_of_every_model_starts_a_full_build() -> None:
    assert starts_full_build(EVERY, EVERY)
    assert not starts_full_build(FIRST, EVERY)
    assert not starts_full_build(REST, EVERY)
