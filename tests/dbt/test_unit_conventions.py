"""Column names say what the values are (docs/marts.md "Units and names"), checked on a build.

`_share`, `_ratio`, `logo_retention` and `grr` run 0–1 and `nrr` is a ratio too (1 = all revenue
kept), `_pct` runs 0–100 where the definition bounds it, money has no currency in its name and its
description says "in the configured currency", `_date` columns are dates, `_at` columns are
timestamps (UTC), booleans start with `is_` or `has_`.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from conftest import DbtRun

# Percentages the definition does not bound above: 150 % attained is a fact, not an error.
UNBOUNDED_PCT = {"attainment_pct", "weighted_attainment_pct"}
# A margin share of the list price is at most 1 but negative when the cost exceeds the price.
SHARES_WITHOUT_FLOOR = {"list_margin_share"}
# Date columns whose names SPEC fixes: the calendar day of dim_dates, the cohort of a triangle.
DATES_NAMED_BY_SPEC = {"date_day", "cohort_month"}
RATIO_NAMES = {"logo_retention", "grr"}


@pytest.fixture(scope="module")
def columns(built_project: DbtRun) -> list[tuple[str, str, str, str]]:
    """(mart, column, DuckDB type, description) for every column of every mart dbt built."""
    manifest = json.loads(built_project.manifest_path.read_text(encoding="utf-8"))
    descriptions = {
        (node["name"], name): column.get("description") or ""
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
        for name, column in node["columns"].items()
    }
    with duckdb.connect(str(built_project.database), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall()
    return [
        (mart, name, type_, descriptions[(mart, name)])
        for mart, name, type_ in rows
        if (mart, name) in descriptions
    ]


def _range(database, mart: str, column: str) -> tuple[float | None, float | None]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            f'select min("{column}"), max("{column}") from marts."{mart}"'
        ).fetchone()


def test_every_mart_column_was_checked(columns, built_project: DbtRun) -> None:
    with duckdb.connect(str(built_project.database), read_only=True) as con:
        built = con.execute(
            "select count(*) from information_schema.columns where table_schema = 'marts'"
        ).fetchone()[0]
    assert len(columns) == built


def test_shares_ratios_and_percentages_hold_values_of_their_kind(
    columns, built_project: DbtRun
) -> None:
    problems, checked = [], 0
    for mart, name, _, _ in columns:
        if name.endswith(("_share", "_ratio")) or name in RATIO_NAMES:
            low, high = 0.0, 1.0 + 1e-9
            if name in SHARES_WITHOUT_FLOOR:
                low = float("-inf")
        elif name.endswith("_pct"):
            low, high = 0.0, float("inf") if name in UNBOUNDED_PCT else 100.0
        elif name == "nrr":
            low, high = 0.0, 10.0  # a ratio: an NRR of 115 would be a percentage
        else:
            continue
        checked += 1
        minimum, maximum = _range(built_project.database, mart, name)
        if minimum is None:
            continue
        if not (low <= minimum and maximum <= high):
            problems.append(f"{mart}.{name}: values {minimum} .. {maximum}")
    assert problems == []
    assert checked >= 15


def test_dates_timestamps_and_booleans_are_named_by_their_type(columns) -> None:
    problems = []
    for mart, name, type_, _ in columns:
        if type_ == "DATE" and not name.endswith("_date") and name not in DATES_NAMED_BY_SPEC:
            problems.append(f"{mart}.{name}: a DATE not named _date")
        if name.endswith("_date") and type_ != "DATE":
            problems.append(f"{mart}.{name}: named _date but {type_}")
        if type_.startswith("TIMESTAMP") != name.endswith("_at"):
            problems.append(f"{mart}.{name}: {type_} vs its name (timestamps end in _at)")
        if type_ == "BOOLEAN" and not name.startswith(("is_", "has_")):
            problems.append(f"{mart}.{name}: a BOOLEAN not named is_/has_")
    assert problems == []


def test_money_is_in_the_configured_currency(columns) -> None:
    problems = []
    for mart, name, type_, description in columns:
        if re.search(r"\b(brl|usd|eur)\b", name, re.IGNORECASE):
            problems.append(f"{mart}.{name}: a currency in the name")
        if re.search(r"\bBRL\b|R\$", description):
            problems.append(f"{mart}.{name}: names a currency in its description")
        if re.fullmatch(r"DECIMAL\(\d+,2\)", type_) and "in the configured currency" not in (
            description
        ):
            problems.append(f"{mart}.{name}: money without 'in the configured currency'")
    assert problems == []
