"""Quoted values that span lines, blank lines, and files that must reconcile with their bytes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.lib.ingest import ingest_entity
from tests.ingest_helpers import INVOICE_COLUMNS, settings_for
from tests.unit.landing_helpers import land, query, with_parents

HEADER = ";".join(INVOICE_COLUMNS)
INVOICE = "sales/invoice_lines/nf_2025-01-05.csv"


def invoice_lines(count: int, amount: str = "130,78") -> list[str]:
    return [f"N1;{n};05/01/2025;A001;P1;1;{amount};D01" for n in range(1, count + 1)]


def open_quote(lines: list[str], opened_on: int, closed_on: int) -> list[str]:
    """A quote opened at the end of file line `opened_on`, closed at the end of `closed_on`
    (file line 1 is the header, so data line n is file line n + 1)."""
    changed = list(lines)
    for file_line in (opened_on, closed_on):
        changed[file_line - 2] = changed[file_line - 2].rsplit(";", 1)[0] + ';"'
    return changed


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_quote_left_open_quarantines_every_line_it_swallowed(tmp_path, newline):
    settings = settings_for(tmp_path, max_bad_row_share=0.5)
    with_parents(settings)
    lines = open_quote(invoice_lines(35), opened_on=5, closed_on=8)
    land(settings, INVOICE, (newline.join([HEADER, *lines]) + newline).encode("latin-1"))

    report = ingest_entity(settings, "invoice_lines")

    (load,) = report.files
    assert load.status == "loaded"
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (35, 31, 4)
    ((line, column, reason),) = query(
        settings, "SELECT line, column_name, reason FROM bronze.quarantine"
    )
    assert (line, column) == (5, "distributor_id")
    assert reason == (
        "lines 5–8: a quoted value in distributor_id spans 4 lines; a quote is probably not "
        "closed on line 5"
    )
    # Lines after the swallowing row keep their physical numbers.
    numbered = query(
        settings,
        "SELECT line_number, _source_line FROM bronze.invoice_lines ORDER BY _source_line",
    )
    assert numbered[:4] == [(1, 2), (2, 3), (3, 4), (8, 9)]
    assert numbered[-1] == (35, 36)
    (total,) = query(settings, "SELECT sum(net_amount) FROM bronze.invoice_lines")[0]
    assert total == Decimal("130.78") * 31


def test_too_many_swallowed_lines_fail_the_file_with_the_reason(tmp_path):
    # No allowance: the 4 swallowed records alone exceed the entity's bad-row policy.
    settings = settings_for(tmp_path, max_bad_rows=0)
    with_parents(settings)
    lines = open_quote(invoice_lines(35), opened_on=5, closed_on=8)
    land(settings, INVOICE, ("\n".join([HEADER, *lines]) + "\n").encode("latin-1"))

    report = ingest_entity(settings, "invoice_lines")

    (load,) = report.files
    assert load.status == "failed"
    assert "4 of 35 row(s) quarantined" in load.message
    assert any("lines 5–8: a quoted value in distributor_id" in p for p in load.sample_problems)
    assert report.new_bronze_files == []


def test_line_breaks_in_free_text_are_one_record(tmp_path):
    settings = settings_for(tmp_path)
    body = (
        "product_id,product_name,product_category,list_price\n"
        'P1,"Oncoxa\n\nextended\nrelease",oncologia,10\n'
        "P2,Cardiol,cardiologia,5\n"
    )
    land(settings, "sales/products.csv", body.encode())

    report = ingest_entity(settings, "products")

    assert (report.files[0].rows_read, report.files[0].rows_quarantined) == (2, 0)
    assert query(settings, "SELECT product_id, _source_line FROM bronze.products ORDER BY 1") == [
        ("P1", 2),
        ("P2", 6),
    ]


def test_blank_lines_between_records_keep_line_numbers_right(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=0.5)
    body = (
        "product_id,product_name,product_category,list_price\n"
        "\n"
        "P1,Oncoxa,oncologia,10\n"
        'P2,"Cardiol\n\nforte",cardiologia,5\n'
        "\n\n"
        "P3,Neuro,neurologia,abc\n"
        "P4,Derma,dermatologia,4\n"
        "\n"
    )
    land(settings, "sales/products.csv", body.encode())

    report = ingest_entity(settings, "products")

    assert (report.files[0].rows_read, report.files[0].rows_quarantined) == (4, 1)
    assert query(settings, "SELECT product_id, _source_line FROM bronze.products ORDER BY 1") == [
        ("P1", 3),
        ("P2", 4),
        ("P4", 10),
    ]
    assert query(settings, "SELECT line, column_name FROM bronze.quarantine") == [(9, "list_price")]


def test_swallowed_values_of_personal_data_entities_are_redacted(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=1.0)
    with_parents(settings)
    body = (
        "contact_id,account_id,decision_role,relationship_level,full_name,email\n"
        'C1,A001,influencer,"3\nC2,Maria Secreta,maria@example.com",Ana,ana@example.com\n'
    )
    land(settings, "crm/contacts.csv", body.encode())

    report = ingest_entity(settings, "contacts")

    assert (report.files[0].rows_read, report.files[0].rows_quarantined) == (2, 2)
    rows = query(settings, "SELECT line, column_name, value, reason FROM bronze.quarantine")
    assert rows == [
        (
            2,
            "relationship_level",
            "<redacted: 36 characters>",
            "lines 2–3: a quoted value in relationship_level spans 2 lines; a quote is "
            "probably not closed on line 2",
        )
    ]


def test_a_header_cell_with_a_line_break_is_one_header(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=0.5)
    body = (
        'product_id,product_name,product_category,list_price,"unit\ncost"\n'
        "P1,Oncoxa,oncologia,10,4\n"
        "P2,Cardiol,cardiologia,abc,3\n"
    )
    land(settings, "sales/products.csv", body.encode())

    report = ingest_entity(settings, "products")

    assert (report.files[0].rows_read, report.files[0].rows_quarantined) == (2, 1)
    assert query(settings, "SELECT product_id, unit_cost, _source_line FROM bronze.products") == [
        ("P1", Decimal("4.00"), 3)
    ]
    assert query(settings, "SELECT line, column_name FROM bronze.quarantine") == [(4, "list_price")]
