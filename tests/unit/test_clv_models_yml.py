"""The dbt yml documents exactly the columns the CLV Python models write, every one of them.

dbt enforces no contract on a Python model, and the publish step copies these descriptions into
the published file as column comments, so a column added in Python without a description (or a
description left for a removed column) would reach BI tools wrong.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pipelines.lib.clv import FitStatus
from pipelines.lib.clv_tables import (
    ACCOUNT_CLV_COLUMNS,
    MODEL_FITS_COLUMNS,
    ORDER_VALUE_METHODS,
    PURCHASES_METHODS,
)

MODELS_YML = Path(__file__).resolve().parents[2] / "dbt_project/models/marts/clv/_clv__models.yml"
PYTHON_MODELS = ("account_clv", "clv_model_fits")


def tables() -> dict[str, dict]:
    document = yaml.safe_load(MODELS_YML.read_text(encoding="utf-8"))
    return {model["name"]: model for model in document["models"] if model["name"] in PYTHON_MODELS}


def columns(table: str) -> dict[str, str]:
    return {column["name"]: column.get("description", "") for column in tables()[table]["columns"]}


def test_the_yml_lists_exactly_the_written_columns_in_order() -> None:
    assert tuple(columns("account_clv")) == ACCOUNT_CLV_COLUMNS
    assert tuple(columns("clv_model_fits")) == MODEL_FITS_COLUMNS


def test_every_table_and_column_is_described() -> None:
    for name, table in tables().items():
        assert table.get("description", "").strip(), name
        assert table["config"]["meta"]["grain"], name
        for column, description in columns(name).items():
            assert len(description.strip()) > 20, (name, column)


def test_statuses_and_methods_are_all_explained() -> None:
    fit_status = columns("clv_model_fits")["fit_status"]
    for status in FitStatus:
        assert f"{status.value}:" in fit_status or f"{status.value} (" in fit_status, status
    for method in PURCHASES_METHODS:
        assert method in columns("account_clv")["expected_purchases_method"]
    for method in ORDER_VALUE_METHODS:
        assert method in columns("account_clv")["expected_order_value_method"]
