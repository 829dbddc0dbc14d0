"""Loads over time: idempotency, re-delivery, empty files, quarantine, thresholds, privacy."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.config import load_settings
from pipelines.lib.ingest import IngestError, ingest_entity, register_bronze_views
from pipelines.lib.ingest.manifest import manifest_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
INVOICE_HEADER = "invoice_id;line_number;invoice_date;account_id;product_id;quantity;net_amount\n"
CONTACT_HEADER = "contact_id,account_id,decision_role,relationship_level,full_name,email,phone\n"


def settings_for(tmp_path: Path, **overrides):
    settings = load_settings(home=tmp_path)
    return dataclasses.replace(settings, **overrides) if overrides else settings


def land(settings, relative: str, content: str, encoding: str = "latin-1") -> Path:
    path = settings.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode(encoding))
    return path


def query(settings, sql: str) -> list[tuple]:
    con = duckdb.connect()
    register_bronze_views(con, settings)
    return con.execute(sql).fetchall()


def with_parents(settings) -> None:
    for fixture, relative, name in (
        ("accounts_latin1.csv", "crm/accounts.csv", "accounts"),
        ("products.csv", "sales/products.csv", "products"),
    ):
        target = settings.landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / fixture, target)
        ingest_entity(settings, name).raise_for_failures()


def invoice_rows(invoice: str, count: int, amount: str = "10,00", day: str = "05/01/2025") -> str:
    return "".join(f"{invoice};{n};{day};A001;P1;1;{amount}\n" for n in range(1, count + 1))


CURRENT_INVOICES = """
    SELECT invoice_id, line_number, net_amount FROM (
        SELECT *, max(_load_id) OVER (PARTITION BY _delivery_period) AS latest_load
        FROM bronze.invoice_lines
    ) WHERE _load_id = latest_load ORDER BY invoice_id, line_number
"""


def test_loading_twice_changes_nothing(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + invoice_rows("N1", 3))

    first = ingest_entity(settings, "invoice_lines")
    second = ingest_entity(settings, "invoice_lines")

    assert [f.status for f in first.files] == ["loaded"]
    assert [f.status for f in second.files] == ["skipped_duplicate"]
    assert second.new_bronze_files == []
    assert query(settings, "SELECT count(*) FROM bronze.invoice_lines") == [(3,)]
    assert query(
        settings, "SELECT count(*) FROM bronze.load_manifest WHERE entity = 'invoice_lines'"
    ) == [(1,)]


def test_same_content_under_another_name_is_skipped(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    body = INVOICE_HEADER + invoice_rows("N1", 2)
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", body)
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    land(settings, "sales/invoice_lines/copy_of_nf_2025-01-05.csv", body)

    report = ingest_entity(settings, "invoice_lines")

    statuses = {f.file: f.status for f in report.files}
    assert statuses["sales/invoice_lines/copy_of_nf_2025-01-05.csv"] == "skipped_duplicate"
    assert query(settings, "SELECT count(*) FROM bronze.invoice_lines") == [(2,)]


def test_redelivered_period_replaces_old_rows_downstream(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    path = land(
        settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + invoice_rows("OLD", 3)
    )
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-06.csv",
        INVOICE_HEADER + invoice_rows("D6", 1, day="06/01/2025"),
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    path.write_bytes((INVOICE_HEADER + invoice_rows("NEW", 2, amount="20,00")).encode("latin-1"))

    report = ingest_entity(settings, "invoice_lines")

    assert [(f.file, f.status) for f in report.files if f.status == "loaded"] == [
        ("sales/invoice_lines/nf_2025-01-05.csv", "loaded")
    ]
    # Bronze keeps every load; "latest load per delivery period" leaves only the new rows.
    assert query(settings, "SELECT count(*) FROM bronze.invoice_lines") == [(6,)]
    current = query(settings, CURRENT_INVOICES)
    assert [row[0] for row in current] == ["D6", "NEW", "NEW"]


def test_two_files_for_one_period_in_one_run_load_in_file_time_order(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    first = land(
        settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + invoice_rows("A", 1)
    )
    second = land(
        settings, "sales/invoice_lines/nf_20250105_fix.csv", INVOICE_HEADER + invoice_rows("B", 1)
    )
    os.utime(first, ns=(1_000_000_000, 1_000_000_000))
    os.utime(second, ns=(2_000_000_000, 2_000_000_000))

    report = ingest_entity(settings, "invoice_lines")

    assert len({f.load_id for f in report.files}) == 2
    assert [row[0] for row in query(settings, CURRENT_INVOICES)] == ["B"]


def test_force_reloads_and_months_restrict(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + invoice_rows("J", 1))
    land(
        settings,
        "sales/invoice_lines/nf_2025-02-05.csv",
        INVOICE_HEADER + invoice_rows("F", 1, day="05/02/2025"),
    )

    january = ingest_entity(settings, "invoice_lines", months=["2025-01"])
    forced = ingest_entity(settings, "invoice_lines", months=["2025-01"], force=True)

    assert [f.file for f in january.files] == ["sales/invoice_lines/nf_2025-01-05.csv"]
    assert [f.status for f in forced.files] == ["loaded"]
    assert forced.files[0].load_id != january.files[0].load_id
    assert query(settings, "SELECT count(*) FROM bronze.invoice_lines") == [(2,)]


def test_empty_file_never_wipes_loaded_data(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    path = land(
        settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + invoice_rows("N1", 2)
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()

    path.write_bytes(b"")
    zero = ingest_entity(settings, "invoice_lines")
    path.write_bytes(INVOICE_HEADER.encode())
    header_only = ingest_entity(settings, "invoice_lines")

    assert zero.files[0].status == "empty" and "empty (0 bytes)" in zero.files[0].message
    assert header_only.files[0].status == "empty"
    assert "header but no rows" in header_only.files[0].message
    assert [row[0] for row in query(settings, CURRENT_INVOICES)] == ["N1", "N1"]
    header_only.raise_for_failures()  # empty is not a failure


def test_quarantine_rows_carry_file_line_column_value_reason(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=0.5)
    with_parents(settings)
    body = (
        INVOICE_HEADER
        + invoice_rows("N1", 6)
        + "N2;1;32/01/2025;A001;P1;1;10,00\n"  # line 8: bad date
        + "N2;2;05/01/2025;A999;P1;1;1.000,5\n"  # line 9: unknown account
        + "N1;3;05/01/2025;A001;P1;1;10,00\n"  # line 10: duplicate key
    )
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", body)

    report = ingest_entity(settings, "invoice_lines")

    load = report.files[0]
    assert (load.status, load.rows_read, load.rows_loaded, load.rows_quarantined) == (
        "loaded", 9, 6, 3,
    )  # fmt: skip
    rows = query(
        settings,
        "SELECT source_file, line, column_name, value, reason, load_id FROM bronze.quarantine "
        "ORDER BY line",
    )
    assert [r[:4] for r in rows] == [
        ("sales/invoice_lines/nf_2025-01-05.csv", 8, "invoice_date", "32/01/2025"),
        ("sales/invoice_lines/nf_2025-01-05.csv", 9, "account_id", "A999"),
        ("sales/invoice_lines/nf_2025-01-05.csv", 10, "invoice_id, line_number", "N1, 3"),
    ]
    assert rows[0][4] == "expected a date like 31/01/2025 (formats %d/%m/%Y)"
    assert "unknown account_id" in rows[1][4] and "accounts" in rows[1][4]
    assert "first seen on line 4" in rows[2][4]
    assert {r[5] for r in rows} == {load.load_id}


def test_personal_data_never_reaches_messages_logs_or_quarantine(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=0.0, max_bad_rows=0)
    with_parents(settings)
    land(
        settings,
        "crm/contacts.csv",
        CONTACT_HEADER
        + "C1,A001,decision_maker,9,Maria Secreta da Silva,maria.secreta@example.com,"
        + "+55 11 99999-0000\n"
        + "C2,A001,influencer,3,João Privado,joao.privado@example.com,\n"
        + "C2,A001,influencer,3,Maria Secreta da Silva,maria.secreta@example.com,\n",
        encoding="utf-8",
    )
    logged: list[str] = []

    report = ingest_entity(settings, "contacts", log=logged.append)

    with pytest.raises(IngestError) as raised:
        report.raise_for_failures()
    quarantine = query(settings, "SELECT * FROM bronze.quarantine")
    everything = "\n".join(
        [str(raised.value), *logged, repr(report), repr(quarantine),
         manifest_path(settings).read_text(encoding="utf-8")]
    )  # fmt: skip
    for secret in ("Maria", "Secreta", "maria.secreta", "João", "joao.privado", "99999"):
        assert secret not in everything
    assert "line 2, column relationship_level: expected a value between 1 and 5" in everything


def test_personal_column_values_are_redacted_in_quarantine(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=1.0)
    with_parents(settings)
    users = "kam_id,full_name,role,region,email\n,Ana Confidencial,account_manager,Sul,ana@x.com\n"
    land(settings, "crm/users.csv", users, encoding="utf-8")

    ingest_entity(settings, "users")

    rows = query(settings, "SELECT column_name, value, reason FROM bronze.quarantine")
    assert rows == [("kam_id", None, "missing key value (key: kam_id)")]
    assert "Ana" not in manifest_path(settings).read_text(encoding="utf-8")


def test_reference_to_entity_without_bronze_is_a_clear_failure(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + invoice_rows("N1", 1))

    report = ingest_entity(settings, "invoice_lines")

    assert report.files[0].status == "failed"
    assert report.files[0].message == (
        "sales/invoice_lines/nf_2025-01-05.csv: cannot check account_id against accounts: "
        "accounts has no bronze data yet; ingest accounts before invoice_lines"
    )


def test_manifest_is_append_only_json_lines(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + invoice_rows("N1", 1))
    ingest_entity(settings, "invoice_lines")

    records = [json.loads(line) for line in manifest_path(settings).read_text().splitlines()]

    assert [r["entity"] for r in records] == ["accounts", "products", "invoice_lines"]
    invoice = records[-1]
    assert invoice["delivery_period"] == "2025-01-05" and invoice["rows_loaded"] == 1
    assert (settings.bronze_dir / "invoice_lines" / f"{invoice['load_id']}.parquet").is_file()


def test_orphaned_bronze_file_is_set_aside_and_reloaded(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    orphan = settings.bronze_dir / "invoice_lines" / "20200101T000000000000Z-deadbeef.parquet"
    orphan.parent.mkdir(parents=True)
    shutil.copyfile(next((settings.bronze_dir / "products").glob("*.parquet")), orphan)

    ingest_entity(settings, "invoice_lines")

    assert not orphan.exists()
    assert (settings.bronze_dir / "_orphans" / "invoice_lines" / orphan.name).is_file()
