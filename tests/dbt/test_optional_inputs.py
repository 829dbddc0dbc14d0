"""Only accounts and invoice lines are required: the project builds and tests green without them.

Bronze holds every entity typed, and only accounts and invoice lines with rows (as an installation
that delivers nothing else sees it). Every dbt model builds, every data and unit test passes, every
mart has rows or a reason for being empty that names the missing input, and the columns a missing
input feeds are null, never a 0 that reads as measured.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import DbtRun, run_dbt
from synthetic_bronze import create_bronze

from pipelines.lib.contract import ENTITIES, REQUIRED_ENTITIES
from pipelines.lib.empty_marts import empty_mart_reasons


@pytest.fixture(scope="module")
def required_only(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work_dir = tmp_path_factory.mktemp("required_only")
    database = create_bronze(work_dir / "kam.duckdb", delivered=REQUIRED_ENTITIES)
    return run_dbt(["build"], database, work_dir)


@pytest.fixture(scope="module")
def mart_rows(required_only: DbtRun) -> dict[str, int]:
    with duckdb.connect(str(required_only.database), read_only=True) as con:
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        return {
            mart: con.execute(f'select count(*) from marts."{mart}"').fetchone()[0]
            for mart in marts
        }


def test_every_model_and_test_passes_with_only_the_required_inputs(required_only: DbtRun) -> None:
    assert REQUIRED_ENTITIES == ("accounts", "invoice_lines")
    failures = [
        f"{result['unique_id']}: {result['status']} {result.get('message') or ''}"
        for result in required_only.results
        if result["status"] not in ("success", "pass")
    ]
    assert failures == [], required_only.output[-3000:]
    assert required_only.returncode == 0


def test_every_mart_has_rows_or_a_reason_naming_the_missing_input(
    required_only: DbtRun, mart_rows: dict[str, int]
) -> None:
    with duckdb.connect(str(required_only.database), read_only=True) as con:
        reasons = empty_mart_reasons(con)
    empty = {mart for mart, rows in mart_rows.items() if rows == 0}
    assert set(reasons) == empty
    assert reasons["decision_unit_coverage"] == "no contacts delivered (crm/contacts.*)"
    assert reasons["dim_kams"] == "no users delivered (crm/users.*)"
    assert reasons["sla_by_tier"].startswith(
        "no service requests delivered (crm/service_requests.*)"
    )
    assert (
        "no objectives delivered (plan/*.xlsx, plan/objectives.csv)"
        in reasons["objective_attainment"]
    )
    assert reasons["dim_products"] == "no products delivered (sales/products.*)"
    # What the required inputs feed is never empty.
    for mart in (
        "dim_accounts",
        "account_tiers",
        "retention_summary",
        "account_churn",
        "fct_sales",
    ):
        assert mart_rows[mart] > 0, mart


def test_columns_fed_by_a_missing_input_are_null(required_only: DbtRun) -> None:
    with duckdb.connect(str(required_only.database), read_only=True) as con:
        stakeholders = con.execute(
            "select count(*), count(contacts_count), count(decision_makers_count) "
            "from marts.dim_accounts"
        ).fetchone()
        health = con.execute(
            "select count(*), count(decision_unit_gaps), count(sla_requests_decided_3m), "
            "count(p_alive), count(is_churn_risk), count(risk_level) from marts.account_health"
        ).fetchone()
        margins = con.execute("select count(unit_cost), count(*) from marts.fct_sales").fetchone()
    assert stakeholders[0] > 0 and stakeholders[1:] == (0, 0)
    assert health[0] == stakeholders[0]
    assert health[1:3] == (0, 0)  # no contacts, no service requests
    assert health[3] > 0  # CLV needs invoice lines only
    assert health[4] > 0 and health[5] == health[0]
    assert margins[0] == 0 and margins[1] > 0


def test_contract_feeds_name_marts_the_entity_really_feeds(required_only: DbtRun) -> None:
    """Every mart an entity's `feeds` names exists and lies downstream of its bronze source."""
    manifest = json.loads(required_only.manifest_path.read_text(encoding="utf-8"))
    children = manifest["child_map"]
    marts = {
        node["name"]: unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }

    def downstream(unique_id: str) -> set[str]:
        seen: set[str] = set()
        stack = [unique_id]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    wrong = []
    for name, entity in ENTITIES.items():
        reachable = downstream(f"source.kam.bronze.{name}")
        for mart in entity.feeds:
            if mart not in marts:
                wrong.append(f"{name}: {mart} is not a mart")
            elif marts[mart] not in reachable:
                wrong.append(f"{name}: {mart} does not read it")
    assert wrong == []


def test_the_bronze_views_of_undelivered_entities_are_empty(required_only: DbtRun) -> None:
    with duckdb.connect(str(required_only.database), read_only=True) as con:
        counts = {
            name: con.execute(f"select count(*) from bronze.{name}").fetchone()[0]
            for name in ENTITIES
        }
    assert {name for name, rows in counts.items() if rows} == set(REQUIRED_ENTITIES)


def test_a_delivered_build_names_no_missing_input(built_project: DbtRun) -> None:
    with duckdb.connect(str(built_project.database), read_only=True) as con:
        reasons = empty_mart_reasons(con)
    assert not any("delivered" in reason for reason in reasons.values()), reasons


def test_the_inputs_marts_need_rows_from_are_among_those_the_contract_says_feed_them() -> None:
    from pipelines.lib.empty_marts import ROW_SOURCES

    wrong = [
        f"{mart}: {name}"
        for mart, groups in ROW_SOURCES.items()
        for group in groups
        for name in group
        if mart not in ENTITIES[name].feeds
    ]
    assert wrong == []
