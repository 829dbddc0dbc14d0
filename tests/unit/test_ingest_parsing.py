"""Landing files -> typed bronze rows: declared formats, header mapping, XLSX, Parquet, views."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.lib import cnpj
from pipelines.lib.config import load_settings
from pipelines.lib.ingest import (
    delivery_period,
    discover_files,
    ingest_entity,
    register_bronze_views,
)
from pipelines.lib.ingest.casting import TRUE_WORDS, number_pattern
from pipelines.lib.ingest.names import normalize_name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def settings_for(tmp_path: Path, **overrides):
    settings = load_settings(home=tmp_path)
    return dataclasses.replace(settings, **overrides) if overrides else settings


def land(settings, relative: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = settings.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def land_fixture(settings, fixture: str, relative: str) -> Path:
    path = settings.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / fixture, path)
    return path


def query(settings, sql: str) -> list[tuple]:
    con = duckdb.connect()
    register_bronze_views(con, settings)
    return con.execute(sql).fetchall()


def test_brazilian_latin1_export_arrives_exact(tmp_path):
    settings = settings_for(tmp_path)
    land_fixture(settings, "accounts_latin1.csv", "crm/accounts.csv")

    report = ingest_entity(settings, "accounts")

    report.raise_for_failures()
    assert report.rows_loaded == 3
    rows = query(
        settings,
        "SELECT account_id, account_name, city, created_at, market_potential, beds, "
        "is_reference_site, cnpj, _source_line FROM bronze.accounts ORDER BY account_id",
    )
    assert rows[0] == (
        "A001", "Hospital São Lucas", "São Paulo", dt.datetime(2025, 1, 31),
        Decimal("1234.56"), 120, True, "11.222.333/0001-81", 2,
    )  # fmt: skip
    assert rows[1][1] == "Clínica Ação Saúde"
    assert rows[1][3] == dt.datetime(2024, 2, 15, 8, 30)
    assert rows[1][4] == Decimal("987654321.09")
    assert rows[1][5] is None and rows[1][6] is False
    assert rows[2][4] == Decimal("0.50") and rows[2][6] is False
    # The unknown export column is dropped and noted in the manifest.
    notes = query(settings, "SELECT notes FROM bronze.load_manifest")[0][0]
    assert "legacy_code" in notes


def test_invoice_lines_typed_with_period_and_negative_credit_notes(tmp_path):
    settings = settings_for(tmp_path)
    land_fixture(settings, "accounts_latin1.csv", "crm/accounts.csv")
    land_fixture(settings, "products.csv", "sales/products.csv")
    land_fixture(
        settings, "invoice_lines_2025-01-05.csv", "sales/invoice_lines/invoice_lines_2025-01-05.csv"
    )
    for name in ("accounts", "products", "invoice_lines"):
        ingest_entity(settings, name).raise_for_failures()

    rows = query(
        settings,
        "SELECT invoice_id, line_number, invoice_date, quantity, net_amount, "
        "_delivery_period, _source_file FROM bronze.invoice_lines ORDER BY invoice_id, line_number",
    )
    assert rows[1] == (
        "NF-1", 2, dt.date(2025, 1, 5), Decimal("5.500"), Decimal("180.95"), "2025-01-05",
        "sales/invoice_lines/invoice_lines_2025-01-05.csv",
    )  # fmt: skip
    assert rows[2][3:5] == (Decimal("-2.000"), Decimal("-300.00"))


def test_windows_1252_is_transcoded_before_reading(tmp_path):
    settings = settings_for(tmp_path)
    fmt = dataclasses.replace(settings.sources["products"].format, encoding="windows-1252")
    source = dataclasses.replace(settings.sources["products"], format=fmt)
    settings = dataclasses.replace(settings, sources={**settings.sources, "products": source})
    land(
        settings,
        "sales/products.csv",
        "product_id,product_name,product_category,list_price\nP1,Oncoxa “Plus”,oncologia,1.50\n",
        encoding="cp1252",
    )

    ingest_entity(settings, "products").raise_for_failures()

    assert query(settings, "SELECT product_name FROM bronze.products") == [("Oncoxa “Plus”",)]


def test_headers_match_case_accents_and_column_map(tmp_path):
    settings = settings_for(tmp_path)
    source = dataclasses.replace(
        settings.sources["products"],
        column_map={"código": "product_id", "nome do produto": "product_name"},
    )
    settings = dataclasses.replace(settings, sources={**settings.sources, "products": source})
    land(
        settings,
        "sales/products.csv",
        " Código ,Nome do Produto,THERAPEUTIC_AREA,List_Price_BRL\nP1,Oncoxa,oncologia,10\n",
    )

    ingest_entity(settings, "products").raise_for_failures()

    assert query(settings, "SELECT product_id, product_name FROM bronze.products") == [
        ("P1", "Oncoxa")
    ]


def test_quoted_line_breaks_keep_physical_line_numbers(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=0.5)
    land(
        settings,
        "sales/products.csv",
        "product_id,product_name,product_category,list_price\n"
        'P1,"Oncoxa\nextended\nrelease",oncologia,10\n'
        "P2,Cardiol,cardiologia,abc\n"
        "P3,Neuro,neurologia,5\n",
    )

    report = ingest_entity(settings, "products")

    assert report.files[0].status == "loaded"
    lines = query(settings, "SELECT product_id, _source_line FROM bronze.products ORDER BY 1")
    assert lines == [("P1", 2), ("P3", 6)]
    assert query(settings, "SELECT line, column_name FROM bronze.quarantine") == [(5, "list_price")]


def test_xlsx_portuguese_sheet_and_headers_map_to_contract(tmp_path):
    settings = settings_for(tmp_path)
    land_fixture(settings, "accounts_latin1.csv", "crm/accounts.csv")
    ingest_entity(settings, "accounts").raise_for_failures()
    workbook = openpyxl.Workbook()
    actions = workbook.active
    actions.title = "Ações"
    actions.append(["Ação ID", "Conta ID", "KAM_ID", "Descrição", "Prazo", "Status"])
    actions.append(["AC1", "A001", "K01", "Revisar contrato", dt.date(2026, 3, 31), "planned"])
    actions.append([None, None, None, None, None, None])  # trailing formatted row
    actions.append(["AC2", "A002", "K01", "Visitar farmácia", dt.datetime(2026, 4, 2), "Done"])
    objectives = workbook.create_sheet("Objetivos")
    objectives.append(["Período", "Conta_ID", "KPI", "KAM_ID", "Meta", "Peso"])
    objectives.append(["2026-Q1", "A001", "net_revenue", "K01", 150000.5, 0.6])
    objectives.append(["2026-Q1", "A001", "market_share", "K01", 10, 0.4])
    path = settings.landing / "plan" / "plano_2026.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)

    assert discover_files(settings, "actions") == [path]
    assert discover_files(settings, "swot") == []  # no SWOT sheet: not a source for swot
    ingest_entity(settings, "actions").raise_for_failures()
    report = ingest_entity(dataclasses.replace(settings, max_bad_row_share=0.5), "objectives")

    assert query(
        settings,
        "SELECT action_id, account_id, description, due_date, status, _source_line "
        "FROM bronze.actions ORDER BY 1",
    ) == [
        ("AC1", "A001", "Revisar contrato", dt.date(2026, 3, 31), "planned", 2),
        ("AC2", "A002", "Visitar farmácia", dt.date(2026, 4, 2), "done", 4),
    ]
    assert report.files[0].rows_loaded == 1
    assert query(settings, "SELECT target_value, weight FROM bronze.objectives") == [
        (Decimal("150000.5000"), 0.6)
    ]
    ((line, column, value, reason),) = query(
        settings,
        "SELECT line, column_name, value, reason FROM bronze.quarantine "
        "WHERE entity = 'objectives'",
    )
    assert (line, column, value) == (3, "kpi", "market_share")
    assert "expected one of: net_revenue, units, new_listings, visits" in reason


def test_parquet_is_cast_with_the_same_rules(tmp_path):
    settings = settings_for(tmp_path)
    table = pa.table(
        {
            "Product_ID": ["P1", "P2"],
            "product_name": ["Oncoxa", "Cardiol"],
            "product_category": ["oncologia", "cardiologia"],
            "list_price": pa.array([Decimal("10.50"), Decimal("3.25")], pa.decimal128(10, 2)),
            "launched_date": [dt.date(2020, 1, 2), None],
        }
    )
    path = settings.landing / "sales" / "products.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(table, path)

    ingest_entity(settings, "products").raise_for_failures()

    assert query(
        settings,
        "SELECT product_id, list_price, launched_date, _source_line FROM bronze.products "
        "ORDER BY 1",
    ) == [("P1", Decimal("10.50"), dt.date(2020, 1, 2), 1), ("P2", Decimal("3.25"), None, 2)]


def test_views_are_typed_and_empty_before_any_load(tmp_path):
    settings = settings_for(tmp_path)
    con = duckdb.connect()
    register_bronze_views(con, settings)

    assert con.execute("SELECT count(*) FROM bronze.invoice_lines").fetchone() == (0,)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'bronze' AND table_name = 'invoice_lines'"
        ).fetchall()
    )
    assert types["net_amount"] == "DECIMAL(18,2)"
    assert types["invoice_date"] == "DATE"
    assert types["_loaded_at"] == "TIMESTAMP"
    assert types["_delivery_period"] == "VARCHAR"
    for view in ("quarantine", "load_manifest", "objectives"):
        assert con.execute(f"SELECT count(*) FROM bronze.{view}").fetchone() == (0,)


@pytest.mark.parametrize(
    ("name", "period"),
    [
        ("invoice_lines_2025-01-31.csv", "2025-01-31"),
        ("nf_20250131.csv", "2025-01-31"),
        ("faturamento_2025-02.parquet", "2025-02"),
    ],
)
def test_delivery_period_from_file_name(name, period):
    assert delivery_period(Path(name)) == period


def test_a_name_without_a_period_leaves_it_to_the_lines():
    # A whole history or a quarter in one file: each line's period column places it.
    assert delivery_period(Path("invoices.csv")) is None
    assert delivery_period(Path("faturamento_2025-13.csv")) is None


def test_number_pattern_refuses_the_other_convention():
    import re

    brazilian = number_pattern(load_settings().formats["brazilian_csv"], 2)
    assert re.fullmatch(brazilian, "1.234,56")
    assert re.fullmatch(brazilian, "1234,5600")
    assert not re.fullmatch(brazilian, "1,234.56")
    assert not re.fullmatch(brazilian, "1,234")  # three decimals would be rounded away


def test_normalize_name_and_boolean_words():
    assert normalize_name(" Descrição da  Ação ") == "descricao_da_acao"
    assert {"sim", "s", "y"} <= set(TRUE_WORDS)


def test_cnpj_rule_in_sql_matches_python(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=1.0)
    good = cnpj.format_masked("112223330001" + cnpj.check_digits("112223330001"))
    land(
        settings,
        "crm/accounts.csv",
        "account_id;account_name;account_type;state;owner_kam_id;created_at;cnpj\n"
        f"A1;Um;hospital;SP;K1;01/01/2025;{good}\n"
        "A2;Dois;hospital;SP;K1;01/01/2025;11.222.333/0001-82\n"
        "A3;Tres;hospital;SP;K1;01/01/2025;11111111111111\n",
        encoding="latin-1",
    )

    ingest_entity(settings, "accounts")

    assert query(settings, "SELECT account_id FROM bronze.accounts") == [("A1",)]
    reasons = query(settings, "SELECT line, reason FROM bronze.quarantine ORDER BY line")
    assert [line for line, _ in reasons] == [3, 4]
    assert all("invalid CNPJ" in reason for _, reason in reasons)


def test_damaged_workbook_fails_with_its_name(tmp_path):
    settings = settings_for(tmp_path)
    path = settings.landing / "plan" / "plano.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a zip archive")

    report = ingest_entity(settings, "objectives")

    assert [f.status for f in report.files] == ["failed"]
    assert report.files[0].message.startswith("plan/plano.xlsx: cannot be read as an Excel")


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/worksheets/sheet1.xml"])
def test_workbook_with_a_damaged_part_fails_with_its_name(tmp_path, part):
    """The sheet list is readable but another part is not: still a message, never a crash."""
    import zipfile

    settings = settings_for(tmp_path)
    land_fixture(settings, "accounts_latin1.csv", "crm/accounts.csv")
    ingest_entity(settings, "accounts").raise_for_failures()
    path = settings.landing / "plan" / "plano.xlsx"
    path.parent.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    workbook.active.title = "objetivos"
    workbook.active.append(["conta", "kpi"])
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = parts[part][: len(parts[part]) // 2]  # cut off mid-element
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    report = ingest_entity(settings, "objectives")

    assert [f.status for f in report.files] == ["failed"]
    assert report.files[0].message.startswith("plan/plano.xlsx: cannot be read as an Excel")


def test_bom_and_windows_line_endings(tmp_path):
    settings = settings_for(tmp_path)
    body = "\ufeffproduct_id,product_name,product_category,list_price\r\nP1,Oncoxa,onco,10\r\n"
    land(settings, "sales/products.csv", body)

    ingest_entity(settings, "products").raise_for_failures()

    assert query(settings, "SELECT product_id, list_price, _source_line FROM bronze.products") == [
        ("P1", Decimal("10.00"), 2)
    ]
