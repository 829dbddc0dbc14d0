"""Every model, column and source is documented, and the docs match the built relations.

The built columns come from the session's DuckDB build, so a column added to a model without a
description (or a description left behind for a dropped column) fails here, not in review.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import DbtRun


@pytest.fixture(scope="module")
def manifest(built_project: DbtRun) -> dict:
    assert built_project.manifest_path.exists(), built_project.output[-3000:]
    return json.loads(built_project.manifest_path.read_text(encoding="utf-8"))


def _models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "kam"
    ]


def test_every_model_and_documented_column_has_a_description(manifest: dict) -> None:
    missing = []
    for node in _models(manifest):
        if not node["description"].strip():
            missing.append(node["name"])
        for column in node["columns"].values():
            if not (column.get("description") or "").strip():
                missing.append(f"{node['name']}.{column['name']}")
    assert missing == []


def test_every_built_column_is_documented(manifest: dict, built_project: DbtRun) -> None:
    undocumented, stale = [], []
    with duckdb.connect(str(built_project.database), read_only=True) as connection:
        for node in _models(manifest):
            built = {
                row[0].lower()
                for row in connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [node["schema"], node["alias"]],
                ).fetchall()
            }
            assert built, f"{node['schema']}.{node['alias']} was not built"
            documented = {name.lower() for name in node["columns"]}
            undocumented += [f"{node['name']}.{name}" for name in sorted(built - documented)]
            stale += [f"{node['name']}.{name}" for name in sorted(documented - built)]
    assert undocumented == [], "columns without a description"
    assert stale == [], "documented columns the model does not have"


def test_every_source_table_and_column_is_described(manifest: dict) -> None:
    missing = []
    for source in manifest["sources"].values():
        if not source["description"].strip():
            missing.append(source["name"])
        missing += [
            f"{source['name']}.{name}"
            for name, column in source["columns"].items()
            if not (column.get("description") or "").strip()
        ]
    assert missing == []


def test_every_model_has_a_primary_key_test(manifest: dict) -> None:
    tested: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or "test_metadata" not in node:
            continue
        for parent in node["depends_on"]["nodes"]:
            tested.setdefault(parent, set()).add(node["test_metadata"]["name"])
    without_key = [
        node["name"]
        for node in _models(manifest)
        if not (
            {"unique", "not_null"} <= tested.get(node["unique_id"], set())
            or "unique_combination" in tested.get(node["unique_id"], set())
            # a one-row model's key is the empty tuple
            or "exactly_one_row" in tested.get(node["unique_id"], set())
        )
    ]
    assert without_key == []


def test_marts_state_their_grain(manifest: dict) -> None:
    without_grain = [
        node["name"]
        for node in _models(manifest)
        if node["schema"] == "marts"
        and ("Grain:" not in node["description"] or not node["meta"].get("grain"))
    ]
    assert without_grain == []


def test_every_mart_has_an_enforced_contract(manifest: dict) -> None:
    """A changed column must be a build error, not a surprise in a dashboard.

    dbt enforces contracts on SQL models only: the Python marts (account_clv, clv_model_fits)
    declare their types all the same, and the next test holds the build to them.
    """
    problems = []
    for node in _models(manifest):
        if node["schema"] != "marts":
            continue
        if node["language"] == "sql" and not node["config"]["contract"]["enforced"]:
            problems.append(f"{node['name']}: contract not enforced")
        problems += [
            f"{node['name']}.{name}: no data_type"
            for name, column in node["columns"].items()
            if not column.get("data_type")
        ]
    assert problems == []


def test_python_marts_build_the_declared_types(manifest: dict, built_project: DbtRun) -> None:
    """What a contract does for a SQL mart, checked after the build for the Python ones."""
    duckdb_types = {"string": "VARCHAR", "double": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN"}
    python_marts = [node for node in _models(manifest) if node["language"] == "python"]
    assert {node["name"] for node in python_marts} == {"account_clv", "clv_model_fits"}
    with duckdb.connect(str(built_project.database), read_only=True) as connection:
        for node in python_marts:
            built = connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [node["schema"], node["alias"]],
            ).fetchall()
            declared = [
                (name, duckdb_types.get(column["data_type"], column["data_type"].upper()))
                for name, column in node["columns"].items()
            ]
            assert built == declared, node["name"]
