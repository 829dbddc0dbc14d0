"""Messages a person can act on: numbers too large for their column, encrypted or old workbooks,
a workbook that lost the sheet it delivered before."""

from __future__ import annotations

import datetime as dt
import io
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
from msoffcrypto.format.ooxml import OOXMLFile

from pipelines.lib.ingest import ingest_entity
from tests.ingest_helpers import INVOICE_COLUMNS, settings_for
from tests.unit.landing_helpers import land, query, with_parents


def test_numbers_too_large_for_their_type_say_so(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=1.0)
    with_parents(settings)
    body = (
        ";".join(INVOICE_COLUMNS)
        + "\n"
        + (
            "N1;1;05/01/2025;A001;P1;1;99999999999999999999,00;D1\n"
            "N1;99999999999;05/01/2025;A001;P1;1;10,00;D1\n"
            "N1;3;05/01/2025;A001;P1;1;12.345.678.901.234,56;D1\n"
        )
    )
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", body.encode())

    ingest_entity(settings, "invoice_lines")

    assert query(
        settings, "SELECT line, column_name, reason FROM bronze.quarantine ORDER BY line"
    ) == [
        (
            2,
            "net_amount",
            "the number is too large for this column: at most 16 digits before the decimal "
            "separator (DECIMAL(18, 2))",
        ),
        (
            3,
            "line_number",
            "the number is too large for this column: expected a whole number between "
            "-2,147,483,648 and 2,147,483,647 (INTEGER)",
        ),
    ]
    # The largest number that fits is loaded exactly.
    assert query(settings, "SELECT net_amount FROM bronze.invoice_lines") == [
        (Decimal("12345678901234.56"),)
    ]


def test_an_infinite_double_is_too_large_not_published(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=1.0)
    with_parents(settings)
    body = (
        "plan_period,account_id,kpi,kam_id,target_value,weight\n"
        "2026-Q1,A001,units,K01,10,1e999\n"
        "2026-Q1,A002,units,K01,10,0.5\n"
    )
    land(settings, "plan/objectives.csv", body.encode())

    ingest_entity(settings, "objectives")

    assert query(settings, "SELECT account_id, weight FROM bronze.objectives") == [("A002", 0.5)]
    assert query(settings, "SELECT column_name, reason FROM bronze.quarantine") == [
        ("weight", "the number is too large for this column (DOUBLE: at most about 1.8e308)")
    ]


def plan_workbook(path: Path, sheets: dict[str, list[tuple]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ACTIONS = [
    ("acao_id", "conta_id", "kam_id", "descricao", "prazo", "status"),
    ("AC1", "A001", "K01", "Revisar contrato", dt.date(2026, 3, 31), "planned"),
]
OBJECTIVES = [
    ("periodo", "conta_id", "kpi", "kam_id", "meta"),
    ("2026-Q1", "A001", "units", "K01", 10),
]


def test_an_encrypted_workbook_says_it_is_password_protected(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    plain = io.BytesIO(plan_workbook(tmp_path / "p.xlsx", {"acoes": ACTIONS}))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("segredo", encrypted)
    land(settings, "plan/plano.xlsx", encrypted.getvalue())

    (load,) = ingest_entity(settings, "actions").files

    assert load.status == "failed"
    assert load.message.startswith(
        "plan/plano.xlsx: the workbook is password-protected (encrypted), so it cannot be read; "
        "save it without a password"
    )


def test_an_old_excel_file_named_xlsx_says_so(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    # The start of every OLE2 compound file, as Excel 97-2003 writes .xls workbooks.
    land(settings, "plan/plano.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

    (load,) = ingest_entity(settings, "actions").files

    assert load.message.startswith(
        "plan/plano.xlsx: this is an Excel 97-2003 workbook (.xls) or another OLE file"
    )


def test_a_workbook_that_lost_the_sheet_it_delivered_fails_naming_its_sheets(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    path = land(
        settings, "plan/plano.xlsx", plan_workbook(tmp_path, {"acoes": ACTIONS, "objetivos": []})
    )
    ingest_entity(settings, "actions").raise_for_failures()
    path.write_bytes(plan_workbook(tmp_path, {"Ações 2026": ACTIONS, "objetivos": OBJECTIVES}))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    report = ingest_entity(settings, "actions")

    (load,) = report.files
    assert load.status == "failed"
    assert load.message == (
        "plan/plano.xlsx: no sheet named acoes or actions (the sheets for actions); the workbook "
        "has sheets: Ações 2026, objetivos. It delivered actions before, so its earlier rows "
        "would be published again as if current: rename the sheet, or add its name under "
        "sources.actions.sheets in kam.yml"
    )


def test_a_workbook_that_never_held_an_entity_is_a_warning(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    land(settings, "plan/plano.xlsx", plan_workbook(tmp_path, {"objetivos": OBJECTIVES}))
    logged: list[str] = []

    report = ingest_entity(settings, "swot", log=logged.append)

    assert report.files == []
    assert (
        "swot: warning: plan/plano.xlsx: not read for swot: no sheet named swot; the workbook "
        "has sheets: objetivos (add a sheet's name under sources.swot.sheets in kam.yml if one "
        "of them holds swot)"
    ) in logged


def test_two_headers_for_one_contract_column_fail_but_unknown_twins_do_not(tmp_path):
    settings = settings_for(tmp_path)
    header = "product_id,product_name,product_category,list_price"
    land(settings, "sales/products.csv", f"{header},List Price\nP1,a,x,1,2\n".encode())

    (load,) = ingest_entity(settings, "products").files

    assert load.message == (
        "sales/products.csv line 1: ambiguous header: 'list_price', 'List Price' all map to "
        "'list_price'; keep one or fix column_map"
    )
    # Columns nobody loads may repeat a name: nothing is ambiguous about ignoring both.
    land(settings, "sales/products.csv", f"{header},Notes,NOTES\nP1,a,x,1,n,m\n".encode())
    ingest_entity(settings, "products").raise_for_failures()
