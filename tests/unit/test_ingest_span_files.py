"""One invoice file for any span: a file without a period in its name delivers each line's month."""

from __future__ import annotations

import os
from decimal import Decimal

from pipelines.lib.ingest import ingest_entity
from pipelines.lib.ingest.files import landing_months
from pipelines.lib.ingest.manifest import read_manifest
from tests.unit.landing_helpers import (
    CURRENT_LINES,
    INVOICE_HEADER,
    land,
    query,
    settings_for,
    statuses,
    with_parents,
)

HISTORY = "sales/invoice_lines/faturamento.csv"


def line(invoice: str, number: int, day: str, amount: str) -> str:
    return f"{invoice};{number};{day};A001;P1;1;{amount}\n"


def deliver(settings, relative: str, *lines: str, mtime_s: int | None = None) -> None:
    path = land(settings, relative, INVOICE_HEADER + "".join(lines))
    if mtime_s is not None:
        os.utime(path, (mtime_s, mtime_s))


def current(settings) -> dict[tuple[str, int], tuple[Decimal, str]]:
    return {(r[0], r[1]): (r[2], r[3]) for r in query(settings, CURRENT_LINES)}


def test_a_whole_history_in_one_file_loads_each_line_into_its_month(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    deliver(
        settings,
        HISTORY,
        line("J", 1, "15/01/2025", "1,00"),
        line("F", 1, "03/02/2025", "2,00"),
        line("M", 1, "31/03/2025", "3,00"),
    )

    report = ingest_entity(settings, "invoice_lines")

    report.raise_for_failures()
    assert len({f.load_id for f in report.loaded}) == 1
    assert report.files[0].periods == ["2025-01", "2025-02", "2025-03"]
    assert current(settings) == {
        ("F", 1): (Decimal("2.00"), "2025-02"),
        ("J", 1): (Decimal("1.00"), "2025-01"),
        ("M", 1): (Decimal("3.00"), "2025-03"),
    }
    assert read_manifest(settings, "invoice_lines")[-1]["periods"] == [
        "2025-01", "2025-02", "2025-03",
    ]  # fmt: skip
    assert landing_months(settings) == ["2025-01", "2025-02", "2025-03"]


def test_a_redelivered_span_replaces_every_month_it_contains_and_only_those(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    deliver(
        settings,
        HISTORY,
        line("J", 1, "15/01/2025", "1,00"),
        line("F", 1, "03/02/2025", "2,00"),
        line("F", 2, "04/02/2025", "2,50"),
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    # The re-export covers February and March only, and February lost its second line.
    deliver(
        settings,
        HISTORY,
        line("F", 1, "03/02/2025", "20,00"),
        line("M", 1, "10/03/2025", "30,00"),
    )

    ingest_entity(settings, "invoice_lines").raise_for_failures()

    assert current(settings) == {
        ("J", 1): (Decimal("1.00"), "2025-01"),  # a month it no longer contains keeps its delivery
        ("F", 1): (Decimal("20.00"), "2025-02"),  # February replaced whole: F-2 is gone
        ("M", 1): (Decimal("30.00"), "2025-03"),
    }


def test_a_daily_file_and_a_span_covering_the_same_days(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    deliver(
        settings,
        HISTORY,
        line("A", 1, "10/02/2025", "1,00"),
        line("B", 1, "10/02/2025", "1,00"),
        mtime_s=1_700_000_000,
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()

    # A daily file delivered later corrects A, adds C.
    deliver(
        settings,
        "sales/invoice_lines/nf_2025-02-10.csv",
        line("A", 1, "10/02/2025", "5,00"),
        line("C", 1, "10/02/2025", "5,00"),
        mtime_s=1_700_100_000,
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    assert current(settings) == {
        ("A", 1): (Decimal("5.00"), "2025-02-10"),  # the later load wins the line
        ("B", 1): (Decimal("1.00"), "2025-02"),  # the daily file replaces its day, not the month
        ("C", 1): (Decimal("5.00"), "2025-02-10"),
    }

    # A later re-export of the history: it wins every line it holds; C, which only the daily
    # file ever delivered, stays (a span replaces months, not the days of daily files).
    deliver(
        settings,
        HISTORY,
        line("A", 1, "10/02/2025", "9,00"),
        line("B", 1, "10/02/2025", "9,00"),
        mtime_s=1_700_200_000,
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    assert current(settings) == {
        ("A", 1): (Decimal("9.00"), "2025-02"),
        ("B", 1): (Decimal("9.00"), "2025-02"),
        ("C", 1): (Decimal("5.00"), "2025-02-10"),
    }


def test_in_one_run_the_later_file_wins_whatever_its_kind(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    deliver(
        settings,
        "sales/invoice_lines/nf_2025-02-10.csv",
        line("A", 1, "10/02/2025", "1,00"),
        mtime_s=1_700_000_000,
    )
    deliver(settings, HISTORY, line("A", 1, "10/02/2025", "2,00"), mtime_s=1_700_100_000)

    report = ingest_entity(settings, "invoice_lines")

    assert len({f.load_id for f in report.loaded}) == 2  # never one load: their keys overlap
    assert current(settings)[("A", 1)] == (Decimal("2.00"), "2025-02")


def test_a_monthly_file_after_a_span_replaces_that_month(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    deliver(
        settings,
        HISTORY,
        line("J", 1, "15/01/2025", "1,00"),
        line("F", 1, "03/02/2025", "2,00"),
        mtime_s=1_700_000_000,
    )
    deliver(
        settings,
        "sales/invoice_lines/nf_2025-02.csv",
        line("F", 9, "20/02/2025", "7,00"),
        mtime_s=1_700_100_000,
    )

    ingest_entity(settings, "invoice_lines").raise_for_failures()

    assert current(settings) == {
        ("F", 9): (Decimal("7.00"), "2025-02"),
        ("J", 1): (Decimal("1.00"), "2025-01"),
    }


def test_a_forced_reload_of_one_month_reads_only_that_months_lines(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    deliver(
        settings, HISTORY, line("J", 1, "15/01/2025", "1,00"), line("F", 1, "03/02/2025", "2,00")
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()

    report = ingest_entity(settings, "invoice_lines", months=["2025-02"], force=True)

    load = report.files[0]
    assert (load.status, load.rows_read, load.rows_loaded, load.periods) == (
        "loaded", 1, 1, ["2025-02"],
    )  # fmt: skip
    assert query(
        settings,
        "SELECT _delivery_period, count(*) FROM bronze.invoice_lines GROUP BY 1 ORDER BY 1",
    ) == [("2025-01", 1), ("2025-02", 2)]


def test_lines_without_a_usable_date_are_quarantined_not_guessed(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    deliver(
        settings,
        HISTORY,
        line("J", 1, "15/01/2025", "1,00"),
        line("X", 1, "", "1,00"),
        line("Y", 1, "2025-01-15", "1,00"),
    )

    report = ingest_entity(settings, "invoice_lines")

    assert statuses(report) == {"faturamento.csv": "loaded"}
    assert (report.rows_loaded, report.rows_quarantined) == (1, 2)
    assert query(settings, "SELECT rule FROM bronze.quarantine ORDER BY line") == [
        ("invoice_date.missing",), ("invoice_date.invalid",),
    ]  # fmt: skip
