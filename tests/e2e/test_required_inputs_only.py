"""A landing folder with only accounts and invoice lines runs end to end and publishes.

Every other input is optional: the marts that need one are published empty, each with a reason
that names the missing input, and no check (dbt test, Great Expectations mart suite, CLV check)
demands rows from an input that was never delivered.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.contract import REQUIRED_ENTITIES
from pipelines.lib.empty_marts import empty_mart_reasons
from tests.e2e.conftest import REPO, kam_command, kam_env, mart_counts, run_kam

pytestmark = pytest.mark.slow


def test_only_accounts_and_invoice_lines_publish_with_reasons(
    tmp_path: Path, sample_landing: Path
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing, landing)
    for path in sorted(landing.rglob("*")):
        if path.is_file() and not path.relative_to(landing).as_posix().startswith(
            ("crm/accounts.", "sales/invoice_lines/")
        ):
            path.unlink()
    assert REQUIRED_ENTITIES == ("accounts", "invoice_lines")
    home = tmp_path / "home"

    result = run_kam(home, landing)

    assert result.returncode == 0, result.stdout + result.stderr
    counts = mart_counts(home / "published" / "kam.duckdb")
    with duckdb.connect(str(home / "build" / "kam.duckdb"), read_only=True) as con:
        reasons = empty_mart_reasons(con)
    assert {mart for mart, rows in counts.items() if rows == 0} == set(reasons)
    assert reasons["decision_unit_coverage"] == "no contacts delivered (crm/contacts.*)"
    assert reasons["objective_attainment"] == (
        "no objectives delivered (plan/*.xlsx, plan/objectives.csv)"
    )
    for mart in ("account_tiers", "retention_summary", "account_churn", "account_clv"):
        assert counts[mart] > 0, mart

    # The reasons travel with the published file and are shown by `kam status`.
    with duckdb.connect(str(home / "published" / "kam.duckdb"), read_only=True) as con:
        published = dict(
            con.execute(
                "select mart, empty_reason from meta.marts where empty_reason is not null"
            ).fetchall()
        )
    assert published == reasons
    status = subprocess.run(
        kam_command("status", "--home", str(home)),
        cwd=REPO,
        env=kam_env(home),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert "empty: no contacts delivered (crm/contacts.*)" in status.stdout
