"""What a run loads again: the latest delivery always wins, whatever its content history."""

from __future__ import annotations

import os
import time
from decimal import Decimal

from pipelines.lib.ingest import ingest_entity
from tests.unit.landing_helpers import (
    CURRENT_LINES,
    INVOICE_HEADER,
    invoice_rows,
    land,
    query,
    settings_for,
    statuses,
    with_parents,
)

ACCOUNTS = "account_id,account_name,account_type,state,owner_kam_id,created_at\n"
CURRENT_ACCOUNTS = """
    SELECT account_name FROM (
        SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY _loaded_at DESC) AS n
        FROM bronze.accounts
    ) WHERE n = 1
"""


def csv_accounts(tmp_path):
    return settings_for(tmp_path, {"sources": {"accounts": {"format": "standard_csv"}}})


def accounts_file(name: str) -> str:
    return ACCOUNTS + f"A1,{name},hospital,SP,K1,2024-01-31\n"


def test_a_snapshot_file_restored_to_earlier_content_wins_again(tmp_path):
    settings = csv_accounts(tmp_path)
    for name in ("Version One", "Version Two", "Version One"):
        land(settings, "crm/accounts.csv", accounts_file(name))
        report = ingest_entity(settings, "accounts")
        assert statuses(report) == {"accounts.csv": "loaded"}, name
        assert query(settings, CURRENT_ACCOUNTS) == [(name,)]


def test_an_unchanged_file_is_not_loaded_again(tmp_path):
    settings = csv_accounts(tmp_path)
    land(settings, "crm/accounts.csv", accounts_file("Same"))
    ingest_entity(settings, "accounts").raise_for_failures()

    report = ingest_entity(settings, "accounts")

    assert statuses(report) == {"accounts.csv": "skipped_duplicate"}
    assert "unchanged since it was loaded" in report.files[0].message


def test_a_period_restored_to_earlier_content_wins_again(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    path = "sales/invoice_lines/nf_2025-01-05.csv"
    for amount in ("10,00", "20,00", "10,00"):
        land(settings, path, INVOICE_HEADER + invoice_rows("N1", 2, amount=amount))
        assert statuses(ingest_entity(settings, "invoice_lines")) == {"nf_2025-01-05.csv": "loaded"}
        expected = Decimal(amount.replace(",", "."))
        assert {row[2] for row in query(settings, CURRENT_LINES)} == {expected}


def test_a_copy_under_another_name_is_skipped_only_when_nothing_was_loaded_since(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    first = INVOICE_HEADER + invoice_rows("N1", 2, amount="10,00")
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", first)
    ingest_entity(settings, "invoice_lines").raise_for_failures()

    # The same content again, nothing loaded in between: loading it would change nothing.
    land(settings, "sales/invoice_lines/copy_nf_2025-01-05.csv", first)
    assert statuses(ingest_entity(settings, "invoice_lines"))["copy_nf_2025-01-05.csv"] == (
        "skipped_duplicate"
    )

    # A correction of the period, then the first content once more under a third name: the
    # third file is the latest delivery of the period and must win.
    land(
        settings,
        "sales/invoice_lines/fix_nf_2025-01-05.csv",
        INVOICE_HEADER + invoice_rows("N1", 2, amount="99,00"),
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    assert {row[2] for row in query(settings, CURRENT_LINES)} == {Decimal("99.00")}
    land(settings, "sales/invoice_lines/again_nf_2025-01-05.csv", first)

    report = ingest_entity(settings, "invoice_lines")

    assert statuses(report)["again_nf_2025-01-05.csv"] == "loaded"
    assert {row[2] for row in query(settings, CURRENT_LINES)} == {Decimal("10.00")}


def test_a_correction_with_the_same_name_size_and_time_is_loaded(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    path = land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        INVOICE_HEADER + invoice_rows("N1", 2, amount="10,00"),
    )
    stamp = path.stat().st_mtime_ns
    # Let the file age past the file system's timestamp granularity, so that the hash recorded
    # now is one a later run trusts as long as nothing about the file changes.
    time.sleep(2.2)
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    assert statuses(ingest_entity(settings, "invoice_lines")) == {
        "nf_2025-01-05.csv": "skipped_duplicate"
    }

    # The ERP re-sends a corrected file: same name, same size, and its tool keeps the time.
    corrected = INVOICE_HEADER + invoice_rows("N1", 2, amount="19,00")
    assert len(corrected) == path.stat().st_size
    path.write_bytes(corrected.encode("latin-1"))
    os.utime(path, ns=(stamp, stamp))

    report = ingest_entity(settings, "invoice_lines")

    assert statuses(report) == {"nf_2025-01-05.csv": "loaded"}
    assert {row[2] for row in query(settings, CURRENT_LINES)} == {Decimal("19.00")}


def test_a_load_withdrawn_by_a_gate_no_longer_counts_as_loaded(tmp_path):
    from pipelines.lib.ingest import reject_loads

    settings = csv_accounts(tmp_path)
    land(settings, "crm/accounts.csv", accounts_file("First"))
    ingest_entity(settings, "accounts").raise_for_failures()
    land(settings, "crm/accounts.csv", accounts_file("Second"))
    second = ingest_entity(settings, "accounts")
    reject_loads(settings, second, reason="suite failed")
    assert query(settings, CURRENT_ACCOUNTS) == [("First",)]

    again = ingest_entity(settings, "accounts")

    assert statuses(again) == {"accounts.csv": "loaded"}  # retried, never silently dropped
