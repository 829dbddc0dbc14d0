"""Published warehouses for the review-pack tests, built by the real pipeline (`kam run`)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]

# Marts fed only by optional inputs (plan, CRM users/contacts/service requests, products): a run
# without those files publishes them empty (SPEC "Landing contract").
OPTIONAL_INPUT_MARTS = (
    "objective_attainment",
    "plan_execution",
    "kam_scorecard",
    "sla_compliance",
    "dim_kams",
    "dim_products",
)


EMPTY_REASON = "optional input not delivered"


def run_kam(home: Path, landing: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    env.update(
        DAGSTER_HOME=str(home / "dagster"),
        GX_ANALYTICS_ENABLED="false",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--home",
            str(home),
            "--landing",
            str(landing),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def current_published_db(home: Path) -> Path:
    version = (home / "published" / "CURRENT").read_text(encoding="utf-8").strip()
    return home / "published" / "versions" / version / "kam.duckdb"


def minimal_landing(full_landing: Path, target: Path) -> Path:
    """Only the required entities: accounts and invoice lines."""
    (target / "crm").mkdir(parents=True)
    for path in (full_landing / "crm").glob("accounts.*"):
        shutil.copy2(path, target / "crm" / path.name)
    shutil.copytree(full_landing / "sales" / "invoice_lines", target / "sales" / "invoice_lines")
    return target


def without_optional_inputs(published_db: Path, target_dir: Path) -> Path:
    """A copy of a published file as a run without the optional inputs would publish it: their
    marts empty, contact counts zero."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / "kam.duckdb"
    shutil.copyfile(published_db, target)
    target.chmod(stat.S_IRUSR | stat.S_IWUSR)
    con = duckdb.connect(str(target))
    try:
        has_marts_record = bool(
            con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'meta' and table_name = 'marts'"
            ).fetchone()[0]
        )
        for mart in OPTIONAL_INPUT_MARTS:
            con.execute(f"delete from marts.{mart}")
            con.execute("update meta.mart_row_counts set row_count = 0 where mart = ?", [mart])
            if has_marts_record:
                con.execute(
                    "update meta.marts set row_count = 0, empty_reason = ? where mart = ?",
                    [EMPTY_REASON, mart],
                )
        con.execute(
            """
            update marts.decision_unit_coverage set
                stakeholders = 0, decision_makers_mapped = 0, decision_makers_engaged = 0,
                influencers_mapped = 0, champions_mapped = 0, contacts_engaged = 0,
                decision_maker_engaged_share = null, avg_relationship_level = null,
                avg_decision_maker_relationship_level = null, is_single_threaded = false,
                has_no_engagement = true
            """
        )
        con.execute(
            """
            update marts.dim_accounts set
                contacts_count = 0, active_contacts_count = 0, decision_makers_count = 0,
                influencers_count = 0, champions_count = 0
            """
        )
        con.execute("checkpoint")
    finally:
        con.close()
    return target
