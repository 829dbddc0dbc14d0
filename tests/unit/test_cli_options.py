"""The command line refuses what cannot work before any work starts, in one plain line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli.main import main
from pipelines.cli.run import RunOutcome, describe


def _usage_error(capsys: pytest.CaptureFixture, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_as_of_must_be_an_iso_date(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    err = _usage_error(capsys, "run", "--home", str(tmp_path / "home"), "--as-of", "30/10/2026")
    assert "as-of date '30/10/2026': expected a date YYYY-MM-DD, e.g. 2026-10-30" in err
    assert not (tmp_path / "home").exists()  # nothing was prepared, let alone run
    err = _usage_error(capsys, "run", "--as-of", "2026-02-30")
    assert "expected a date YYYY-MM-DD" in err


def test_period_must_be_a_month(capsys: pytest.CaptureFixture) -> None:
    for value in ("2025-3", "2025-13", "2025-03-15", "03/2025"):
        assert "expected a month YYYY-MM, e.g. 2025-03" in _usage_error(
            capsys, "run", "--period", value
        )


def test_a_config_error_is_printed_once_without_a_traceback(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    config = tmp_path / "kam.yml"
    config.write_text("duckdb:\n  thread: 3\n", encoding="utf-8")
    for command in ("status", "run", "docs", "rollback", "dev"):
        code = main([command, "--config", str(config), "--home", str(tmp_path / "home")])
        err = capsys.readouterr().err
        assert code == 2, command
        assert err.count("duckdb.thread: unknown key") == 1, err
        assert "did you mean 'threads'" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_summary_says_each_reason_once_and_what_stays_published() -> None:
    outcome = RunOutcome(
        success=False,
        run_id="r1",
        seconds=3.0,
        failures=[
            "bronze__accounts: no space left on the file system holding /srv/kam (0 bytes free)",
            "bronze__users: no space left on the file system holding /srv/kam (0 bytes free)",
            "kam_dbt_models: dbt build: 1 model(s) or test(s) failed:\n- test x (a.yml): Got 1",
        ],
        skipped_steps=["publish__published_warehouse", "review_pack"],
        previous_version="20261030T020000Z-abc",
    )
    text = describe(outcome)
    assert text.count("no space left") == 1
    assert "failed: bronze__accounts, bronze__users: no space left" in text
    assert "    - test x (a.yml): Got 1" in text
    assert "not run because of the failure: publish__published_warehouse, review_pack" in text
    assert "previously published version (20261030T020000Z-abc) is unchanged" in text

    outcome.previous_version = None
    assert "nothing was published (no version had been published yet)" in describe(outcome)
    assert "previously published" not in describe(outcome)


def test_messages_never_lead_with_a_dagster_class_name() -> None:
    from pipelines.cli.progress import plain_error_text

    assert plain_error_text(
        "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred\n"
    ) == ("Error occurred")
    assert plain_error_text("Failure: not published: gx_mart_x") == "not published: gx_mart_x"
    assert (
        plain_error_text("pipelines.lib.ingest.errors.IngestError: a.csv line 2: expected a date")
        == "a.csv line 2: expected a date"
    )
    # Anything else keeps its class: it is a bug to report, and the class says which.
    assert plain_error_text("KeyError: 'account_id'") == "KeyError: 'account_id'"


def test_progress_leaves_out_dagsters_notes_on_abandoned_steps() -> None:
    import logging

    from pipelines.cli.progress import CompactFilter

    def record(step: str, text: str) -> logging.LogRecord:
        entry = logging.LogRecord("kam", logging.ERROR, __file__, 1, text, None, None)
        entry.dagster_meta = {"step_key": step, "orig_message": text}
        return entry

    keep = CompactFilter().filter
    assert not keep(
        record("kam_dbt_models", "Dependencies for step kam_dbt_models failed: ['x', 'x'].")
    )
    assert keep(record("bronze__accounts", "accounts: 1 file(s) loaded, 40 row(s)"))
