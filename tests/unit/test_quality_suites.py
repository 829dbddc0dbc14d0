"""The committed suites: complete, in sync with the contract, and loadable by Great Expectations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines.lib.contract import ENTITIES
from pipelines.lib.quality import (
    BRONZE_SUITES,
    DEFAULT_CONTEXT_ROOT,
    DERIVED_BATCH_SQL,
    MART_SUITES,
    SUITE_NAMES,
    build_suites,
    load_suite,
)


def test_one_bronze_suite_per_entity_and_one_per_checked_mart() -> None:
    assert sorted(BRONZE_SUITES) == sorted(ENTITIES)
    assert all(name == f"bronze_{entity}" for entity, name in BRONZE_SUITES.items())
    # Rules on SQL marts are dbt tests; GX keeps the values of the Python-computed CLV mart.
    assert set(MART_SUITES) == {"account_clv"}
    assert dict(DERIVED_BATCH_SQL) == {}
    assert len(SUITE_NAMES) == len(set(SUITE_NAMES)) == 12 + 1


def test_committed_json_matches_what_the_contract_generates() -> None:
    assert build_suites.stale_suites(DEFAULT_CONTEXT_ROOT) == [], (
        "run: python -m pipelines.lib.quality.build_suites"
    )


def test_check_mode_reports_a_hand_edited_suite(tmp_path: Path) -> None:
    build_suites.write_suites(tmp_path)
    path = tmp_path / "expectations" / "bronze_accounts.json"
    document = json.loads(path.read_text())
    document["expectations"].pop()
    path.write_text(json.dumps(document))
    assert build_suites.main(["--check", "--context-root", str(tmp_path)]) == 1
    assert build_suites.stale_suites(tmp_path) == ["bronze_accounts"]


@pytest.mark.parametrize("suite_name", SUITE_NAMES)
def test_every_suite_loads_and_is_not_empty(suite_name: str) -> None:
    suite = load_suite(suite_name)
    assert suite.name == suite_name
    types = [expectation.expectation_type for expectation in suite.expectations]
    assert "expect_table_row_count_to_be_between" in types


def test_bronze_suite_follows_the_contract() -> None:
    document = json.loads(
        (DEFAULT_CONTEXT_ROOT / "expectations" / "bronze_objectives.json").read_text()
    )
    by_type: dict[str, list[dict]] = {}
    for expectation in document["expectations"]:
        by_type.setdefault(expectation["type"], []).append(expectation["kwargs"])
    not_null = {kwargs["column"] for kwargs in by_type["expect_column_values_to_not_be_null"]}
    assert set(ENTITIES["objectives"].required_columns) <= not_null
    assert {"_load_id", "_source_file", "_source_line", "_loaded_at"} <= not_null
    assert by_type["expect_compound_columns_to_be_unique"] == [
        {"column_list": ["plan_period", "account_id", "kpi"]}
    ]
    assert by_type["expect_column_values_to_match_regex"][0]["column"] == "plan_period"
    (in_set,) = by_type["expect_column_values_to_be_in_set"]
    assert in_set["column"] == "kpi" and "net_revenue" in in_set["value_set"]


def test_file_context_reads_the_committed_suites(tmp_path: Path) -> None:
    """The JSON is in GX's own store layout: a FileDataContext on a copy lists every suite."""
    import great_expectations as gx

    root = tmp_path / "expectations"
    shutil.copytree(DEFAULT_CONTEXT_ROOT, root)
    context = gx.get_context(mode="file", context_root_dir=str(root))
    assert sorted(suite.name for suite in context.suites.all()) == sorted(SUITE_NAMES)
