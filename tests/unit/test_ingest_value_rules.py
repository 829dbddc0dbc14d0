"""Values that cannot be right: opposite signs, and event dates after the run date."""

from __future__ import annotations

import datetime as dt

from pipelines.lib.ingest import ingest_entity
from tests.unit.landing_helpers import INVOICE_HEADER, land, query, settings_for, with_parents


def test_quantity_and_amount_of_opposite_signs_are_quarantined(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        INVOICE_HEADER
        + "N1;1;05/01/2025;A001;P1;2;20,00\n"  # a sale
        + "N1;2;05/01/2025;A001;P1;-1;-10,00\n"  # a return (credit note): both negative
        + "N1;3;05/01/2025;A001;P1;-1;10,00\n"  # cannot be right
        + "N1;4;05/01/2025;A001;P1;3;-30,00\n"  # cannot be right either
        + "N1;5;05/01/2025;A001;P1;0;-5,00\n",  # a price correction: no quantity
    )

    report = ingest_entity(settings, "invoice_lines")

    assert (report.rows_loaded, report.rows_quarantined) == (3, 2)
    rows = query(settings, "SELECT line, column_name, value, rule, reason FROM bronze.quarantine")
    assert [row[:4] for row in rows] == [
        (4, "net_amount", "10,00", "opposite_signs"),
        (5, "net_amount", "-30,00", "opposite_signs"),
    ]
    assert rows[0][4].startswith("quantity and net amount have opposite signs")


def test_opposite_signs_can_be_excluded_by_rule(tmp_path):
    settings = settings_for(
        tmp_path, {"sources": {"invoice_lines": {"rules": {"opposite_signs": "exclude"}}}}
    )
    with_parents(settings)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        INVOICE_HEADER + "N1;1;05/01/2025;A001;P1;2;20,00\nN1;2;05/01/2025;A001;P1;-1;10,00\n",
    )

    report = ingest_entity(settings, "invoice_lines")

    assert (report.rows_loaded, report.rows_quarantined, report.rows_excluded) == (1, 0, 1)


def test_event_dates_after_the_run_date_are_quarantined_with_their_reason(tmp_path):
    settings = settings_for(tmp_path)  # future_tolerance_days: 1
    with_parents(settings)
    today = dt.date(2025, 1, 10)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01.csv",
        INVOICE_HEADER
        + "N1;1;10/01/2025;A001;P1;1;1,00\n"  # the run date
        + "N1;2;11/01/2025;A001;P1;1;1,00\n"  # tomorrow: within the tolerance (time zones)
        + "N1;3;12/01/2025;A001;P1;1;1,00\n"  # beyond it
        + "N1;4;01/01/2099;A001;P1;1;1,00\n",  # the kind of line that moved the as-of to 2099
    )

    report = ingest_entity(settings, "invoice_lines", today=today)

    assert (report.rows_loaded, report.rows_quarantined) == (2, 2)
    rows = query(settings, "SELECT line, value, rule, reason FROM bronze.quarantine ORDER BY line")
    assert [row[:3] for row in rows] == [
        (4, "12/01/2025", "invoice_date.invalid"),
        (5, "01/01/2099", "invoice_date.invalid"),
    ]
    assert rows[0][3] == (
        "in the future: later than 2025-01-11 (the run date 2025-01-10 plus "
        "ingest.future_tolerance_days in kam.yml); an event date cannot lie ahead of the run"
    )
    assert query(settings, "SELECT max(invoice_date) FROM bronze.invoice_lines") == [
        (dt.date(2025, 1, 11),)
    ]


def test_the_run_date_is_todays_date_not_the_datas(tmp_path):
    settings = settings_for(tmp_path, future_tolerance_days=0)
    with_parents(settings)
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    land(
        settings,
        f"sales/invoice_lines/nf_{tomorrow.isoformat()}.csv",
        INVOICE_HEADER + f"N1;1;{tomorrow:%d/%m/%Y};A001;P1;1;1,00\n",
    )

    report = ingest_entity(settings, "invoice_lines")

    assert report.rows_quarantined == 1


def test_timestamps_in_the_future_are_caught_too(tmp_path):
    settings = settings_for(tmp_path, future_tolerance_days=0)
    header = "account_id;account_name;account_type;state;owner_kam_id;created_at\n"
    land(
        settings,
        "crm/accounts.csv",
        header
        + "A1;H;hospital;SP;K1;31/12/2024 23:59:00\nA2;H;hospital;SP;K1;01/01/2025 00:00:01\n",
    )

    report = ingest_entity(settings, "accounts", today=dt.date(2024, 12, 31))

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert query(settings, "SELECT value FROM bronze.quarantine") == [("01/01/2025 00:00:01",)]
