"""validate_parquet: the bronze suites run as SQL in DuckDB give the verdicts of the pandas path.

Every case writes a batch to Parquet, validates it through GX's SQL engine on DuckDB and through
the pandas engine, and expects the same verdict; the bad batches must fail naming the rule. These
tests are what stands behind the two adjustments `sql_batches` makes to GX for DuckDB: if either
stops working, known-bad files would pass or known-good ones would error, and these fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.lib.contract import ENTITIES
from pipelines.lib.quality import BRONZE_SUITES, UnknownSuiteError, validate_frame
from pipelines.lib.quality.sql_batches import validate_parquet
from tests.unit.test_quality_validate import assert_fails_naming, bronze_frame

DUCKDB_CONFIG = {"threads": 1, "memory_limit": "256MB"}


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def both_paths(suite_name: str, frame: pd.DataFrame, tmp_path: Path):
    """(SQL outcome, pandas outcome) for the same rows."""
    path = write_parquet(frame, tmp_path / f"{suite_name}.parquet")
    return (
        validate_parquet(suite_name, [path], duckdb_config=DUCKDB_CONFIG),
        validate_frame(suite_name, frame),
    )


@pytest.mark.parametrize("entity_name", sorted(ENTITIES))
def test_known_good_bronze_file_passes(entity_name: str, tmp_path: Path) -> None:
    sql, pandas = both_paths(BRONZE_SUITES[entity_name], bronze_frame(entity_name), tmp_path)
    assert sql.success, sql.failed
    assert sql.evaluated == sql.expected == pandas.expected
    assert sql.statistics["rows"] == 4 and sql.statistics["errored"] == 0


def _null_key(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[1, "invoice_id"] = None
    return frame


def _duplicate_line(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[2, ["invoice_id", "line_number"]] = frame.loc[0, ["invoice_id", "line_number"]]
    return frame


def _line_number_zero(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[0, "line_number"] = 0
    return frame


def _bad_period(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[3, "_delivery_period"] = "October"
    return frame


def _missing_column(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["account_id"])


def _extra_column(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(surprise=1)


def _no_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0]


def _text_line_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    frame["line_number"] = ["one", "two", "three", "four"]
    return frame


@pytest.mark.parametrize(
    ("defect", "words"),
    [
        (_null_key, ["'invoice_id' must not be null", "1 of 4"]),
        (_duplicate_line, ["(invoice_id, line_number) must be unique", "2 of 4"]),
        (_line_number_zero, ["'line_number' must be >= 1", "1 of 4", "0"]),
        (_bad_period, ["'_delivery_period' must match", "October"]),
        (_missing_column, ["'account_id' must exist", "missing account_id"]),
        (_extra_column, ["unexpected surprise"]),
        (_no_rows, ["at least 1 row", "observed 0"]),
        (_text_line_numbers, ["'line_number'"]),
    ],
    ids=lambda value: getattr(value, "__name__", "")[1:] or None,
)
def test_known_bad_invoice_file_fails_as_on_the_pandas_path(defect, words, tmp_path) -> None:
    frame = defect(bronze_frame("invoice_lines"))
    sql, pandas = both_paths("bronze_invoice_lines", frame, tmp_path)
    assert_fails_naming(sql, *words)
    assert not pandas.success


@pytest.mark.parametrize(
    ("entity_name", "column", "value", "words"),
    [
        ("contacts", "decision_role", "spaceship", ["'decision_role' must be one of", "spaceship"]),
        ("contacts", "relationship_level", 7, ["'relationship_level' must be between 1 and 5"]),
        ("objectives", "plan_period", "2026Q3", ["'plan_period' must match", "2026Q3"]),
    ],
)
def test_rules_of_other_entities_fail_in_sql_too(
    entity_name: str, column: str, value: object, words: list[str], tmp_path: Path
) -> None:
    frame = bronze_frame(entity_name)
    frame.loc[0, column] = value
    sql, pandas = both_paths(BRONZE_SUITES[entity_name], frame, tmp_path)
    assert_fails_naming(sql, *words)
    assert not pandas.success


def test_duplicate_key_across_files_of_one_load_fails(tmp_path: Path) -> None:
    """A load written as several files is one batch: a key repeated in two files is caught."""
    first = write_parquet(bronze_frame("invoice_lines"), tmp_path / "part-1.parquet")
    second = write_parquet(bronze_frame("invoice_lines").iloc[:1], tmp_path / "part-2.parquet")
    outcome = validate_parquet("bronze_invoice_lines", [first, second])
    assert_fails_naming(outcome, "(invoice_id, line_number) must be unique")
    assert outcome.statistics["rows"] == 5 and outcome.statistics["files"] == 2
    assert validate_parquet("bronze_invoice_lines", [first]).success


def test_personal_values_never_appear_in_sql_failures(tmp_path: Path) -> None:
    secret = "maria.silva@hospital.com.br"
    frame = bronze_frame("contacts")
    frame["email"] = secret
    frame.loc[1, "contact_id"] = frame.loc[0, "contact_id"]
    outcome = validate_parquet(
        "bronze_contacts", [write_parquet(frame, tmp_path / "contacts.parquet")]
    )
    assert not outcome.success
    assert secret not in json.dumps(outcome.as_metadata()) + outcome.summary()


def test_unreadable_file_is_a_failed_outcome(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really parquet")
    outcome = validate_parquet("bronze_accounts", [broken])
    assert not outcome.success and outcome.evaluated == 0
    assert "validation raised" in outcome.failed[0]


def test_unknown_suite_and_no_files_are_wiring_errors(tmp_path: Path) -> None:
    path = write_parquet(bronze_frame("accounts"), tmp_path / "accounts.parquet")
    with pytest.raises(UnknownSuiteError):
        validate_parquet("bronze_acounts", [path])
    with pytest.raises(ValueError, match="at least one Parquet file"):
        validate_parquet("bronze_accounts", [])


def test_sql_validation_leaves_no_datasource_behind(tmp_path: Path) -> None:
    from pipelines.lib.quality.runner import ephemeral_context

    path = write_parquet(bronze_frame("swot"), tmp_path / "swot.parquet")
    before = set(ephemeral_context().data_sources.all())
    assert validate_parquet("bronze_swot", [path]).success
    assert set(ephemeral_context().data_sources.all()) == before


def test_the_first_database_error_is_named_not_its_echo(tmp_path: Path) -> None:
    """One rejected query aborts the connection's transaction and every later query of the batch
    fails with "transaction is aborted": the outcome must lead with the error that caused it."""
    frame = bronze_frame("invoice_lines")
    frame["line_number"] = ["one", "two", "three", "four"]
    outcome = validate_parquet(
        "bronze_invoice_lines",
        [write_parquet(frame, tmp_path / "text.parquet")],
        duckdb_config=DUCKDB_CONFIG,
    )
    assert not outcome.success
    assert outcome.failed[0].startswith("the database raised BinderException")
    assert "Cannot compare values of type VARCHAR" in outcome.summary()
