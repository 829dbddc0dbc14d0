"""Validate a pandas DataFrame or Arrow table against one committed Great Expectations suite.

Why pandas batches: GX 1.x cannot read DuckDB as a SQL datasource (through duckdb-engine every
metric comes back empty, which would look like a pass), so the caller reads bronze Parquet or a mart
query into Arrow/pandas and GX's pandas engine checks it in memory.

Why a verdict stricter than GX's own: GX reports an expectation that raised (missing column, wrong
dtype) as merely unsuccessful, and an empty suite or a validation that evaluated nothing as a
success. A data gate must never pass on "nothing was checked", so `success` here also requires
that every expectation of the suite was evaluated and none raised; any exception is a failure.

The suites are read from the JSON files of the file context into an in-memory (ephemeral) GX
context, so validation writes nothing under `expectations/`: it works on a read-only checkout and in
several processes at once. The context and parsed suites are cached per process.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from pipelines.lib.contract import ENTITIES
from pipelines.lib.quality.suites import DEFAULT_CONTEXT_ROOT, SUITE_NAMES, suite_path

if TYPE_CHECKING:
    import great_expectations as gx

# Every column the contract marks as personal data, whatever the entity: a mart that exposes
# `full_name` by configuration gets the same protection as bronze contacts.
PERSONAL_COLUMNS: frozenset[str] = frozenset(
    name for entity in ENTITIES.values() for name in entity.personal_columns
)
REDACTED = "values redacted (personal data)"
SAMPLE_VALUES = 5  # unexpected values quoted per failed expectation
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": SAMPLE_VALUES,
    "include_unexpected_rows": False,
}
_VALUE_WIDTH = 40

# GX contexts and batches are not thread-safe; every validation in the process takes this lock.
GX_LOCK = threading.RLock()
_context: Any = None
_batch_definition: Any = None
_suite_cache: dict[Path, tuple[float, Any, frozenset[str]]] = {}


class UnknownSuiteError(ValueError):
    """The suite name is not one of ours, or its JSON is missing from the file context."""


@dataclass(frozen=True)
class ValidationOutcome:
    """The verdict on one batch, in plain values a Dagster check or a log line can carry."""

    suite_name: str
    success: bool
    evaluated: int
    expected: int
    failed: list[str] = field(default_factory=list)
    statistics: dict[str, Any] = field(default_factory=dict)

    def as_metadata(self) -> dict[str, Any]:
        """JSON-able values for Dagster check metadata (no GX objects, no personal data)."""
        return {
            "suite": self.suite_name,
            "success": self.success,
            "expectations_evaluated": self.evaluated,
            "expectations_in_suite": self.expected,
            "failed_count": len(self.failed),
            "failed": list(self.failed),
            **{key: _plain(value) for key, value in self.statistics.items()},
        }

    def summary(self) -> str:
        """One line: verdict, counts, and the first failure."""
        verdict = "passed" if self.success else "FAILED"
        line = (
            f"{self.suite_name} {verdict}: {self.evaluated}/{self.expected} expectations evaluated"
        )
        if "rows" in self.statistics:
            line += f" on {self.statistics['rows']} rows"
        if self.failed:
            line += f", {len(self.failed)} failed; first: {self.failed[0]}"
        return line


def validate_frame(
    suite_name: str,
    frame: pd.DataFrame | pa.Table,
    *,
    context_root: Path | None = None,
) -> ValidationOutcome:
    """Validate `frame` against suite `suite_name` from the file context at `context_root`.

    Raises UnknownSuiteError for a suite that does not exist (a wiring mistake, not bad data);
    everything that goes wrong while validating is returned as a failed outcome instead.
    """
    started = time.perf_counter()
    suite, personal = _load_suite(suite_name, context_root)
    statistics: dict[str, Any] = {}
    try:
        data = _to_pandas(frame)
        statistics["rows"] = len(data)
        with GX_LOCK:
            batch = _get_batch_definition().get_batch(batch_parameters={"dataframe": data})
            result = batch.validate(suite, result_format=RESULT_FORMAT)
        return outcome_from_result(suite_name, suite, personal, result, statistics, started)
    except Exception as error:  # any failure to validate is a failed gate, never a pass
        # An error text can quote a cell (pandas conversion errors do); withhold it when the
        # frame carries personal data.
        return errored_outcome(
            suite_name,
            suite,
            error,
            statistics,
            started,
            withhold_message=bool(_column_names(frame) & personal),
        )


def outcome_from_result(
    suite_name: str,
    suite: Any,
    personal: frozenset[str],
    result: Any,
    statistics: dict[str, Any],
    started: float,
) -> ValidationOutcome:
    """The strict verdict on a GX result: every expectation evaluated, none raised, none failed."""
    expected = len(suite.expectations)
    evaluated, failed, counts = _interpret(result, expected, personal)
    statistics.update(counts)
    statistics["seconds"] = round(time.perf_counter() - started, 3)
    success = (
        bool(result.success) and evaluated == expected > 0 and counts["errored"] == 0 and not failed
    )
    return ValidationOutcome(suite_name, success, evaluated, expected, failed, statistics)


def errored_outcome(
    suite_name: str,
    suite: Any,
    error: BaseException,
    statistics: dict[str, Any],
    started: float,
    *,
    withhold_message: bool,
) -> ValidationOutcome:
    """A validation that could not run: a failed outcome that names the error."""
    statistics["seconds"] = round(time.perf_counter() - started, 3)
    message = (
        "message withheld: the batch has personal-data columns"
        if withhold_message
        else first_line(error)
    )
    return ValidationOutcome(
        suite_name,
        success=False,
        evaluated=0,
        expected=len(suite.expectations),
        failed=[f"validation raised {type(error).__name__}: {message}"],
        statistics=statistics,
    )


def _interpret(
    result: Any, expected: int, personal: frozenset[str]
) -> tuple[int, list[str], dict[str, int]]:
    """Failure sentences and counts from a GX suite result; errored expectations count as failed."""
    failed: list[str] = []
    errored = 0
    for expectation_result in result.results:
        config = expectation_result.expectation_config
        is_personal = bool(set(_columns_of(config.kwargs)) & personal)
        message = _exception_message(expectation_result.exception_info)
        if message is not None:
            errored += 1
            if is_personal:
                message = "raised an error (message withheld: personal-data column)"
            failed.append(f"{_describe(config.type, config.kwargs)}: {message}")
        elif not expectation_result.success:
            detail = _detail(config.type, expectation_result.result, is_personal)
            failed.append(f"{_describe(config.type, config.kwargs)}: {detail}")
    evaluated = len(result.results)
    if expected == 0:
        failed.append("the suite has no expectations, so nothing was checked")
    elif evaluated != expected:
        failed.append(f"only {evaluated} of {expected} expectations were evaluated")
    counts = {
        "successful": sum(1 for item in result.results if item.success),
        "unsuccessful": sum(1 for item in result.results if not item.success),
        "errored": errored,
    }
    return evaluated, failed, counts


def load_suite(suite_name: str, *, context_root: Path | None = None) -> gx.ExpectationSuite:
    """The parsed suite `suite_name` (cached; reread when its file changes)."""
    return _load_suite(suite_name, context_root)[0]


def load_suite_and_personal_columns(
    suite_name: str, context_root: Path | None = None
) -> tuple[Any, frozenset[str]]:
    """The parsed suite and the columns whose values must never be quoted in its failures."""
    return _load_suite(suite_name, context_root)


def _load_suite(suite_name: str, context_root: Path | None) -> tuple[Any, frozenset[str]]:
    path = suite_path(suite_name, context_root or DEFAULT_CONTEXT_ROOT)
    if not path.is_file():
        where = "" if suite_name in SUITE_NAMES else f"; known suites: {', '.join(SUITE_NAMES)}"
        raise UnknownSuiteError(f"no Great Expectations suite {suite_name!r} at {path}{where}")
    mtime = path.stat().st_mtime
    with GX_LOCK:
        cached = _suite_cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1], cached[2]
        gx = _gx()
        document = json.loads(path.read_text(encoding="utf-8"))
        suite = gx.ExpectationSuite(**document)
        personal = PERSONAL_COLUMNS | frozenset(
            document.get("meta", {}).get("personal_columns", ())
        )
        _suite_cache[path] = (mtime, suite, personal)
        return suite, personal


def _gx() -> Any:
    # GX must never phone home; set before its first import so every code path sees it.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations

    return great_expectations


def ephemeral_context() -> Any:
    """The process's in-memory GX context (created on first use; GX imported then)."""
    global _context
    with GX_LOCK:
        if _context is None:
            gx = _gx()
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            _context = gx.get_context(
                mode="ephemeral",
                project_config=DataContextConfig(
                    analytics_enabled=False,
                    progress_bars=ProgressBarsConfig(globally=False),
                    store_backend_defaults=InMemoryStoreBackendDefaults(),
                ),
            )
        return _context


def _get_batch_definition() -> Any:
    """One pandas whole-dataframe batch definition in the process's context."""
    global _batch_definition
    with GX_LOCK:
        if _batch_definition is None:
            asset = (
                ephemeral_context()
                .data_sources.add_pandas("kam_frames")
                .add_dataframe_asset("frame")
            )
            _batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
        return _batch_definition


def _to_pandas(frame: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """Arrow to pandas with decimals as float64: Decimal objects make every range check 10x slower
    and float is exact enough for bounds like 0 or 100."""
    if isinstance(frame, pa.Table):
        for index, column in enumerate(frame.schema):
            if pa.types.is_decimal(column.type):
                frame = frame.set_column(index, column.name, frame.column(index).cast(pa.float64()))
        return frame.to_pandas()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame or pyarrow Table, got {type(frame).__name__}")
    decimals = [
        name
        for name, dtype in frame.dtypes.items()
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)
    ]
    if decimals:
        frame = frame.astype({name: "float64" for name in decimals})
    return frame


def _column_names(frame: object) -> set[str]:
    if isinstance(frame, pa.Table):
        return set(frame.column_names)
    if isinstance(frame, pd.DataFrame):
        return {str(name) for name in frame.columns}
    return set()


def _exception_message(info: Any) -> str | None:
    """GX puts either one {raised_exception, exception_message} dict or one per metric here."""
    if not info:
        return None
    candidates = [info] if "raised_exception" in info else list(info.values())
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("raised_exception"):
            return f"raised {first_line(candidate.get('exception_message') or 'an error')}"
    return None


def _columns_of(kwargs: dict[str, Any]) -> list[str]:
    columns = [kwargs[key] for key in ("column", "column_A", "column_B") if kwargs.get(key)]
    return columns + list(kwargs.get("column_list") or [])


def _describe(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """The rule in words, naming the column(s)."""
    column = kwargs.get("column")
    if expectation_type == "expect_column_values_to_not_be_null":
        return f"column {column!r} must not be null"
    if expectation_type == "expect_column_values_to_be_in_set":
        values = list(kwargs.get("value_set") or [])
        shown = ", ".join(map(str, values[:8])) + (", ..." if len(values) > 8 else "")
        return f"column {column!r} must be one of {{{shown}}}"
    if expectation_type == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            return f"column {column!r} must be between {low:g} and {high:g}"
        if low is not None:
            return f"column {column!r} must be >= {low:g}"
        return f"column {column!r} must be <= {high:g}"
    if expectation_type == "expect_column_values_to_match_regex":
        return f"column {column!r} must match {kwargs.get('regex')}"
    if expectation_type == "expect_column_values_to_be_unique":
        return f"column {column!r} must be unique"
    if expectation_type == "expect_compound_columns_to_be_unique":
        return f"columns ({', '.join(kwargs['column_list'])}) must be unique together"
    if expectation_type == "expect_column_to_exist":
        return f"column {column!r} must exist"
    if expectation_type == "expect_table_row_count_to_be_between":
        return f"the table must have at least {kwargs.get('min_value')} row(s)"
    if expectation_type == "expect_table_columns_to_match_set":
        return "the columns must be exactly the contract's"
    if expectation_type == "expect_column_pair_values_a_to_be_greater_than_b":
        sign = ">=" if kwargs.get("or_equal") else ">"
        return f"column {kwargs['column_A']!r} must be {sign} column {kwargs['column_B']!r}"
    return f"{expectation_type} on {', '.join(map(repr, _columns_of(kwargs))) or 'the table'}"


def _detail(expectation_type: str, result: dict[str, Any], is_personal: bool) -> str:
    """What was observed: counts, sample unexpected values (unless personal), or observed value."""
    if expectation_type == "expect_table_columns_to_match_set":
        mismatched = (result.get("details") or {}).get("mismatched") or {}
        parts = []
        if mismatched.get("missing"):
            parts.append(f"missing {', '.join(map(str, mismatched['missing']))}")
        if mismatched.get("unexpected"):
            parts.append(f"unexpected {', '.join(map(str, mismatched['unexpected']))}")
        return "; ".join(parts) or f"observed {result.get('observed_value')}"
    if expectation_type == "expect_column_to_exist":
        return "column is missing"
    if "unexpected_count" in result:
        count = result.get("unexpected_count") or 0
        total = result.get("element_count") or 0
        percent = result.get("unexpected_percent")
        text = f"{count} of {total} rows fail"
        if percent is not None:
            text += f" ({percent:.4g} %)"
        if expectation_type == "expect_column_values_to_not_be_null":
            return text
        if is_personal:
            return f"{text}; {REDACTED}"
        samples = result.get("partial_unexpected_counts") or []
        if samples:
            shown = ", ".join(
                f"{_short(sample.get('value'))} x{sample.get('count')}" for sample in samples
            )
            text += f"; e.g. {shown}"
        return text
    if "observed_value" in result:
        observed = result["observed_value"]
        return f"observed {REDACTED if is_personal else _short(observed)}"
    return "unsuccessful"


def _short(value: Any) -> str:
    text = repr(_plain(value))
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 3] + "..."


def _plain(value: Any) -> Any:
    """JSON-able form of numpy scalars, Decimals, tuples and timestamps."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def first_line(error: object) -> str:
    """The first line of an error's text (DuckDB appends hints and links below it)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
