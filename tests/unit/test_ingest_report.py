"""IngestReport.validation_batches: which new bronze loads are checked together."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.ingest.report import LOADED, SKIPPED_DUPLICATE, FileLoad, IngestReport


def report_of(*loads: tuple[str, str | None, int]) -> IngestReport:
    """A report whose loads are (load_id, delivery period, rows), one landing file each."""
    report = IngestReport(entity="invoice_lines")
    for load_id, period, rows in loads:
        report.files.append(
            FileLoad(
                f"{period}.csv",
                "sha",
                1,
                LOADED,
                rows_loaded=rows,
                load_id=load_id,
                delivery_period=period,
            )
        )
        if Path(f"{load_id}.parquet") not in report.new_bronze_files:
            report.new_bronze_files.append(Path(f"{load_id}.parquet"))
    return report


def names(batches: list[list[Path]]) -> list[list[str]]:
    return [[path.stem for path in batch] for batch in batches]


def test_loads_of_different_periods_share_a_batch() -> None:
    report = report_of(("a", "2026-10-01", 10), ("a", "2026-10-02", 10), ("b", "2026-10-03", 10))
    assert names(report.validation_batches(1_000)) == [["a", "b"]]


def test_a_redelivered_period_goes_to_its_own_batch() -> None:
    """Its rows repeat the keys of the first delivery: together they would fail the key check."""
    report = report_of(("a", "2026-10-01", 10), ("b", "2026-10-01", 10), ("c", "2026-10-02", 10))
    assert names(report.validation_batches(1_000)) == [["a"], ["b", "c"]]


def test_a_batch_holds_at_most_the_row_budget_unless_one_load_is_larger() -> None:
    report = report_of(("a", "2026-01", 60), ("b", "2026-02", 60), ("c", "2026-03", 200))
    assert names(report.validation_batches(100)) == [["a"], ["b"], ["c"]]
    assert names(report.validation_batches(120)) == [["a", "b"], ["c"]]


def test_loads_without_a_period_are_checked_one_by_one() -> None:
    """CRM exports have no delivery period: a later export may repeat every key of an earlier."""
    report = report_of(("a", None, 5), ("b", None, 5))
    assert names(report.validation_batches(1_000)) == [["a"], ["b"]]


def test_skipped_files_do_not_count() -> None:
    report = report_of(("a", "2026-10-01", 10))
    report.files.append(
        FileLoad("old.csv", "sha", 1, SKIPPED_DUPLICATE, delivery_period="2026-10-01")
    )
    assert names(report.validation_batches(1_000)) == [["a"]]
