"""A failed `dbt build` is described from its own artifacts: node, file, reason, no data."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.lib.dbt_failures import describe_dbt_failure

TEST_ID = "test.kam.relationships_dim_accounts_owner_kam_id__kam_id__ref_dim_kams_.6a82b51681"


def _artifacts(target: Path, results: list[dict]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / "run_results.json").write_text(json.dumps({"results": results}), encoding="utf-8")
    nodes = {
        TEST_ID: {"original_file_path": "models/marts/accounts/_accounts__models.yml"},
        "model.kam.fct_sales": {"original_file_path": "models/marts/sales/fct_sales.sql"},
    }
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}), encoding="utf-8")


def test_failed_test_and_model_are_named_with_their_files(tmp_path: Path) -> None:
    _artifacts(
        tmp_path,
        [
            {"unique_id": "model.kam.dim_kams", "status": "success", "message": "OK"},
            {
                "unique_id": TEST_ID,
                "status": "fail",
                "message": "Got 1 result, configured to fail if != 0",
            },
            {
                "unique_id": "model.kam.fct_sales",
                "status": "error",
                "message": "Runtime Error in model fct_sales\n  Conversion Error: Could not "
                "convert string 'Maria Souza' to INT32",
            },
        ],
    )

    text = describe_dbt_failure(tmp_path, "The dbt CLI process with command ... failed")

    lines = text.splitlines()
    assert lines[0] == "dbt build: 2 model(s) or test(s) failed:"
    assert lines[1] == (
        "- test relationships_dim_accounts_owner_kam_id__kam_id__ref_dim_kams_ "
        "(models/marts/accounts/_accounts__models.yml): Got 1 result, configured to fail if != 0"
    )
    assert lines[2].startswith("- model fct_sales (models/marts/sales/fct_sales.sql): Runtime")
    assert "Maria" not in text and "'<value>'" in text  # a row's value may be personal data
    assert lines[-1] == f"dbt's log: {tmp_path / 'dbt.log'}"
    assert "dbt CLI process" not in text


def test_a_project_that_does_not_compile_shows_dbts_error_lines(tmp_path: Path) -> None:
    error = (
        "The dbt CLI process with command\n\n`dbt build`\n\nfailed with exit code `2`.\n\n"
        "Errors parsed from dbt logs:\n\n"
        "\x1b[31mCompilation Error\x1b[0m\n  Model 'model.kam.x' (models/x.sql) depends on a "
        "node named 'nope' which was not found"
    )
    text = describe_dbt_failure(tmp_path / "no_artifacts", error)
    assert text.splitlines()[:3] == [
        "dbt build failed before running the models:",
        "  Compilation Error",
        "  Model 'model.kam.x' (models/x.sql) depends on a node named 'nope' which was not found",
    ]


def test_a_full_disk_inside_dbt_is_one_line(tmp_path: Path) -> None:
    _artifacts(
        tmp_path,
        [
            {
                "unique_id": "model.kam.fct_sales",
                "status": "error",
                "message": 'IO Error: Could not write file "/srv/kam/build/tmp/x.tmp": '
                "No space left on device",
            }
        ],
    )
    text = describe_dbt_failure(tmp_path)
    assert "\n" not in text and "/srv/kam/build/tmp/x.tmp" in text


def test_a_failed_python_model_shows_its_error_without_the_traceback(tmp_path: Path) -> None:
    traceback = (
        "Runtime Error in model account_clv (models/marts/clv/account_clv.py)\n"
        "  Python model failed:\n"
        "  Traceback (most recent call last):\n"
        '    File "/venv/dbt/adapters/duckdb/environments/__init__.py", line 286, in '
        "run_python_job\n"
        "      df = module.model(dbt, con)\n"
        "           ^^^^^^^^^^^^^^^^^^^^^^\n"
        "  pipelines.lib.clv.fitting.ClvError: CLV summary row 3 (account_id 'Maria'), column "
        "t_weeks: got -1.0, expected t_weeks >= recency_weeks (1 row(s) affected)\n"
    )
    _artifacts(
        tmp_path,
        [{"unique_id": "model.kam.account_clv", "status": "error", "message": traceback}],
    )
    description = describe_dbt_failure(tmp_path)
    assert (
        "- model account_clv: CLV summary row 3 (account_id '<value>'), column t_weeks: got -1.0, "
        "expected t_weeks >= recency_weeks (1 row(s) affected)"
    ) in description
    assert "Traceback" not in description and "run_python_job" not in description


def test_another_exception_of_a_python_model_keeps_its_kind(tmp_path: Path) -> None:
    message = "Python model failed:\nTraceback (most recent call last):\nKeyError: 'frequency'\n"
    _artifacts(
        tmp_path, [{"unique_id": "model.kam.account_clv", "status": "error", "message": message}]
    )
    assert "- model account_clv: KeyError: '<value>'" in describe_dbt_failure(tmp_path)
