"""validate_frame: what a data engineer sees when a batch is good, bad, empty or unreadable."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipelines.lib.contract import (
    BOOLEAN,
    DATE,
    DELIVERY_PERIOD_COLUMN,
    ENTITIES,
    INTEGER,
    TEXT,
    TIMESTAMP,
)
from pipelines.lib.quality import (
    BRONZE_SUITES,
    DEFAULT_CONTEXT_ROOT,
    UnknownSuiteError,
    ValidationOutcome,
    validate_frame,
)

ROWS = 4


def good_value(entity_name: str, column_name: str, row: int) -> Any:
    """A value the contract accepts; text keys are distinct per row so every key is unique."""
    column = ENTITIES[entity_name].column(column_name)
    if column.allowed:
        return column.allowed[row % len(column.allowed)]
    if column.pattern:
        return f"2026-Q{row % 4 + 1}"
    if column.type == TEXT:
        return f"{column_name}-{row}"
    if column.type == INTEGER:
        return int(column.minimum or 0) + row
    if column.type == BOOLEAN:
        return row % 2 == 0
    if column.type == DATE:
        return dt.date(2026, 1, 1 + row)
    if column.type == TIMESTAMP:
        return pd.Timestamp(2026, 1, 1 + row, 8, 30)
    if column.maximum is not None:
        return column.maximum / 2
    return float(column.minimum or 0) + row + 0.25


def bronze_frame(entity_name: str, rows: int = ROWS) -> pd.DataFrame:
    entity = ENTITIES[entity_name]
    data: dict[str, list[Any]] = {
        name: [good_value(entity_name, name, row) for row in range(rows)]
        for name in entity.column_names
    }
    data["_load_id"] = ["load-1"] * rows
    data["_source_file"] = [f"{entity.source_system}/{entity_name}.csv"] * rows
    data["_source_line"] = list(range(2, rows + 2))
    data["_loaded_at"] = [pd.Timestamp(2026, 2, 1, 3)] * rows
    if entity_name == "invoice_lines":
        data[DELIVERY_PERIOD_COLUMN] = ["2026-01"] * rows
    return pd.DataFrame(data)


def assert_fails_naming(outcome: ValidationOutcome, *words: str) -> str:
    assert not outcome.success, outcome.summary()
    text = "\n".join(outcome.failed)
    for word in words:
        assert word in text, f"{word!r} not in failures:\n{text}"
    return text


@pytest.mark.parametrize("entity_name", sorted(ENTITIES))
def test_known_good_bronze_batch_passes(entity_name: str) -> None:
    outcome = validate_frame(BRONZE_SUITES[entity_name], bronze_frame(entity_name))
    assert outcome.success, outcome.failed
    assert outcome.failed == []
    assert outcome.evaluated == outcome.expected > 5


def test_optional_columns_may_be_null() -> None:
    frame = bronze_frame("opportunities")
    for name in ("kam_id", "probability", "close_date", "is_won"):
        frame[name] = None
    assert validate_frame("bronze_opportunities", frame).success


def test_arrow_table_with_decimals_passes() -> None:
    frame = bronze_frame("invoice_lines")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in ("quantity", "net_amount", "unit_price", "discount"):
        index = table.schema.get_field_index(name)
        decimals = pa.array(
            [Decimal(f"{value:.2f}") for value in frame[name]], pa.decimal128(18, 2)
        )
        table = table.set_column(index, name, decimals)
    outcome = validate_frame("bronze_invoice_lines", table)
    assert outcome.success, outcome.failed


def test_null_key_fails_naming_the_column() -> None:
    frame = bronze_frame("invoice_lines")
    frame.loc[1, "invoice_id"] = None
    assert_fails_naming(
        validate_frame("bronze_invoice_lines", frame), "'invoice_id' must not be null", "1 of 4"
    )


def test_duplicate_compound_key_fails_naming_both_columns() -> None:
    frame = bronze_frame("invoice_lines")
    frame.loc[2, ["invoice_id", "line_number"]] = frame.loc[0, ["invoice_id", "line_number"]]
    text = assert_fails_naming(
        validate_frame("bronze_invoice_lines", frame), "(invoice_id, line_number)", "unique"
    )
    assert "invoice_id-0" in text  # the duplicated key is quoted so it can be found


def test_duplicate_single_key_fails() -> None:
    frame = bronze_frame("accounts")
    frame.loc[3, "account_id"] = frame.loc[0, "account_id"]
    assert_fails_naming(validate_frame("bronze_accounts", frame), "'account_id' must be unique")


def test_value_outside_enum_fails_with_the_value() -> None:
    # A fixed enum (the marts' logic depends on it); configurable vocabularies such as account
    # types are enforced once, by the ingest row rules, with the settings' list.
    frame = bronze_frame("contacts")
    frame.loc[0, "decision_role"] = "spaceship"
    assert_fails_naming(validate_frame("bronze_contacts", frame), "'decision_role'", "spaceship")


def test_value_outside_range_fails() -> None:
    frame = bronze_frame("contacts")
    frame.loc[0, "relationship_level"] = 7
    assert_fails_naming(
        validate_frame("bronze_contacts", frame),
        "'relationship_level' must be between 1 and 5",
        "7",
    )


def test_plan_period_must_be_a_quarter() -> None:
    frame = bronze_frame("objectives")
    frame.loc[0, "plan_period"] = "2026Q3"
    assert_fails_naming(validate_frame("bronze_objectives", frame), "'plan_period'", "2026Q3")


def test_missing_required_column_fails_naming_it() -> None:
    frame = bronze_frame("invoice_lines").drop(columns=["account_id"])
    outcome = validate_frame("bronze_invoice_lines", frame)
    assert_fails_naming(outcome, "'account_id' must exist", "missing account_id")


def test_extra_column_fails() -> None:
    frame = bronze_frame("products").assign(surprise=1)
    assert_fails_naming(validate_frame("bronze_products", frame), "unexpected surprise")


def test_empty_batch_fails() -> None:
    frame = bronze_frame("accounts").iloc[0:0]
    outcome = validate_frame("bronze_accounts", frame)
    assert_fails_naming(outcome, "at least 1 row", "observed 0")
    assert outcome.statistics["rows"] == 0


def test_expectation_that_raises_counts_as_failure() -> None:
    frame = bronze_frame("invoice_lines")
    frame["line_number"] = ["one", "two", "three", "four"]  # text where a number is compared
    outcome = validate_frame("bronze_invoice_lines", frame)
    assert_fails_naming(outcome, "'line_number'", "raised")
    assert outcome.statistics["errored"] >= 1


def test_unreadable_input_is_a_failed_outcome_not_an_exception() -> None:
    outcome = validate_frame("bronze_accounts", [{"account_id": "a"}])  # type: ignore[arg-type]
    assert not outcome.success
    assert outcome.evaluated == 0
    assert "TypeError" in outcome.failed[0]


def test_unknown_suite_is_a_clear_error() -> None:
    with pytest.raises(UnknownSuiteError, match="bronze_acounts.*known suites: bronze_accounts"):
        validate_frame("bronze_acounts", bronze_frame("accounts"))


def _write_suite(root: Path, name: str, expectations: list[dict[str, Any]]) -> None:
    (root / "expectations").mkdir(parents=True, exist_ok=True)
    document = {"name": name, "expectations": expectations, "meta": {}}
    (root / "expectations" / f"{name}.json").write_text(json.dumps(document))


def test_suite_without_expectations_never_passes(tmp_path: Path) -> None:
    _write_suite(tmp_path, "nothing_checked", [])
    outcome = validate_frame("nothing_checked", bronze_frame("accounts"), context_root=tmp_path)
    assert not outcome.success
    assert outcome.evaluated == 0
    assert "nothing was checked" in outcome.failed[0]


def test_personal_data_never_appears_in_failures(tmp_path: Path) -> None:
    secrets = ["maria.silva@hospital.com.br", "Maria Silva", "+55 11 91234-5678"]
    _write_suite(
        tmp_path,
        "contacts_personal",
        [
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "email"}},
            {
                "type": "expect_column_values_to_match_regex",
                "kwargs": {"column": "full_name", "regex": "^[A-Z]+$"},
            },
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "phone", "value_set": ["0"]},
            },
            {
                "type": "expect_compound_columns_to_be_unique",
                "kwargs": {"column_list": ["contact_id", "email"]},
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "email", "min_value": 0},
            },
        ],
    )
    frame = pd.DataFrame(
        {
            "contact_id": ["c1", "c1"],
            "email": [secrets[0], secrets[0]],
            "full_name": [secrets[1], secrets[1]],
            "phone": [secrets[2], secrets[2]],
        }
    )
    outcome = validate_frame("contacts_personal", frame, context_root=tmp_path)
    assert not outcome.success
    assert len(outcome.failed) == 5
    published = json.dumps(outcome.as_metadata()) + outcome.summary()
    for secret in secrets:
        assert secret not in published
        assert "maria" not in published.lower()
    assert "redacted" in published


def test_error_text_is_withheld_when_the_batch_has_personal_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.lib.quality import runner

    def explode(frame: object) -> None:
        raise ValueError("could not convert 'maria.silva@hospital.com.br' to float")

    monkeypatch.setattr(runner, "_to_pandas", explode)
    outcome = validate_frame("bronze_contacts", bronze_frame("contacts"))
    assert not outcome.success
    assert "maria" not in json.dumps(outcome.as_metadata())
    assert "ValueError" in outcome.failed[0]
    plain = validate_frame("bronze_products", bronze_frame("products"))
    assert "could not convert" in plain.failed[0]  # no personal columns: the error is shown


def test_validation_writes_nothing_into_the_context(tmp_path: Path) -> None:
    root = tmp_path / "expectations"
    shutil.copytree(DEFAULT_CONTEXT_ROOT, root)
    before = sorted(str(path) for path in root.rglob("*"))
    assert validate_frame("bronze_swot", bronze_frame("swot"), context_root=root).success
    assert not validate_frame(
        "bronze_swot", bronze_frame("swot").iloc[:0], context_root=root
    ).success
    assert sorted(str(path) for path in root.rglob("*")) == before


def test_outcome_metadata_is_plain_json_and_summary_is_one_line() -> None:
    frame = bronze_frame("accounts")
    frame.loc[0, "beds"] = -3
    outcome = validate_frame("bronze_accounts", frame)
    metadata = outcome.as_metadata()
    assert json.loads(json.dumps(metadata)) == metadata
    assert metadata["success"] is False and metadata["failed_count"] == 1
    assert "\n" not in outcome.summary()
    assert outcome.summary().startswith("bronze_accounts FAILED")
    assert "beds" in outcome.summary()


# Marts -------------------------------------------------------------------------------------------


def account_clv() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["a1", "a2"],
            "p_alive": [0.97, 0.2],
            "clv_12m": [12_000.5, 10.0],
            "clv_36m": [30_000.0, 12.0],
            "expected_purchases_12m": [11.2, 0.1],
            "expected_order_value": [1_100.0, 95.0],
        }
    )


MART_FRAMES = {"mart_account_clv": account_clv}


@pytest.mark.parametrize("suite_name", sorted(MART_FRAMES))
def test_known_good_mart_passes(suite_name: str) -> None:
    outcome = validate_frame(suite_name, MART_FRAMES[suite_name]())
    assert outcome.success, outcome.failed
    assert outcome.evaluated == outcome.expected


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_clv_fails(bad: float) -> None:
    frame = account_clv()
    frame.loc[0, "clv_36m"] = bad
    assert_fails_naming(validate_frame("mart_account_clv", frame), "'clv_36m'")


def test_mart_missing_a_spec_column_fails() -> None:
    frame = account_clv().drop(columns=["p_alive"])
    assert_fails_naming(validate_frame("mart_account_clv", frame), "'p_alive'")
