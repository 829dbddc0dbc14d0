"""Derived columns (kam.yml `sources.<entity>.derived`): computed while parsing, then checked."""

from __future__ import annotations

import json
from decimal import Decimal

from pipelines.lib.ingest import ingest_entity
from pipelines.lib.ingest.manifest import read_manifest
from tests.unit.landing_helpers import land, query, settings_for, with_parents

NO_AMOUNT_HEADER = "invoice_id;line_number;invoice_date;account_id;product_id;quantity;unit_price\n"


def test_amount_from_quantity_times_price_without_the_column_in_the_file(tmp_path):
    settings = settings_for(
        tmp_path,
        {"sources": {"invoice_lines": {"derived": {"net_amount": "quantity * unit_price"}}}},
    )
    with_parents(settings)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        NO_AMOUNT_HEADER
        + "N1;1;05/01/2025;A001;P1;3;12,50\n"
        + "N1;2;05/01/2025;A001;P1;2,5;1.000,10\n"
        + "N1;3;05/01/2025;A001;P1;1;\n",  # no price: the amount cannot be computed
    )

    report = ingest_entity(settings, "invoice_lines")

    load = report.files[0]
    assert (load.status, load.rows_loaded, load.rows_quarantined) == ("loaded", 2, 1)
    assert query(
        settings, "SELECT line_number, net_amount FROM bronze.invoice_lines ORDER BY 1"
    ) == [(1, Decimal("37.50")), (2, Decimal("2500.25"))]
    assert query(settings, "SELECT line, column_name, reason, rule FROM bronze.quarantine") == [
        (4, "net_amount", "missing required value (derived: quantity * unit_price)",
         "net_amount.missing"),
    ]  # fmt: skip
    record = read_manifest(settings, "invoice_lines")[-1]
    assert record["columns_derived"] == ["net_amount = quantity * unit_price"]
    assert "net_amount" not in record["columns_mapped"]
    assert "unit_price" in record["columns_mapped"]


def test_ids_written_as_decimals_are_normalised_before_references_are_checked(tmp_path):
    settings = settings_for(
        tmp_path,
        {
            "sources": {
                "invoice_lines": {
                    "derived": {"account_id": r"regexp_replace(account_id, '\.0$', '')"}
                }
            }
        },
    )
    with_parents(settings)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        "invoice_id;line_number;invoice_date;account_id;product_id;quantity;net_amount\n"
        "N1;1;05/01/2025;A001.0;P1;1;10,00\n"
        "N1;2;05/01/2025;A002;P1;1;10,00\n"
        "N1;3;05/01/2025;A009.0;P1;1;10,00\n",
    )

    report = ingest_entity(settings, "invoice_lines")

    assert report.files[0].rows_loaded == 2
    assert query(settings, "SELECT account_id FROM bronze.invoice_lines ORDER BY 1") == [
        ("A001",), ("A002",),
    ]  # fmt: skip
    # The problem shows the computed id, and names the expression it came from.
    assert query(settings, "SELECT value, rule FROM bronze.quarantine") == [
        ("A009", "account_id.unknown")
    ]


def test_a_constant_country_turns_the_brazilian_rules_off(tmp_path):
    header = "account_id,account_name,account_type,state,owner_kam_id,created_at\n"
    row = "A1,Hospital,hospital,Greater London,K1,2024-01-31\n"
    plain = settings_for(tmp_path / "plain", {"sources": {"accounts": {"format": "standard_csv"}}})
    land(plain, "crm/accounts.csv", header + row, encoding="utf-8")
    gb = settings_for(
        tmp_path / "gb",
        {"sources": {"accounts": {"format": "standard_csv", "derived": {"country": "'GB'"}}}},
    )
    land(gb, "crm/accounts.csv", header + row, encoding="utf-8")

    assert ingest_entity(plain, "accounts").files[0].rows_quarantined == 1  # a state of Brazil?
    report = ingest_entity(gb, "accounts")

    assert report.files[0].rows_loaded == 1
    assert query(gb, "SELECT country, state FROM bronze.accounts") == [("GB", "Greater London")]


def test_a_line_number_within_each_invoice_counts_per_file(tmp_path):
    settings = settings_for(
        tmp_path,
        {
            "sources": {
                "invoice_lines": {
                    "derived": {
                        "line_number": "row_number() over (partition by invoice_id order by _line)"
                    }
                }
            }
        },
    )
    with_parents(settings)
    header = "invoice_id;invoice_date;account_id;product_id;quantity;net_amount\n"
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        header
        + "N1;05/01/2025;A001;P1;1;1,00\n"
        + "N2;05/01/2025;A001;P1;1;2,00\n"
        + "N1;05/01/2025;A001;P2;1;3,00\n",
    )
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-06.csv",
        header + "N3;06/01/2025;A001;P1;1;4,00\n" + "N1;06/01/2025;A001;P1;1;5,00\n",
    )

    report = ingest_entity(settings, "invoice_lines")

    assert [f.status for f in report.files] == ["loaded", "loaded"]
    rows = query(
        settings,
        "SELECT _source_file[-14:], invoice_id, line_number, net_amount FROM bronze.invoice_lines "
        "ORDER BY _source_file, _source_line",
    )
    assert [row[1:3] for row in rows] == [
        ("N1", 1), ("N2", 1), ("N1", 2),  # numbered within the first file
        ("N3", 1), ("N1", 1),  # and from 1 again in the second: a window sees one file
    ]  # fmt: skip


def test_a_value_the_expression_cannot_give_the_type_is_a_problem_naming_it(tmp_path):
    settings = settings_for(
        tmp_path,
        {"sources": {"invoice_lines": {"derived": {"quantity": "'about ' || quantity"}}}},
    )
    with_parents(settings)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        "invoice_id;line_number;invoice_date;account_id;product_id;quantity;net_amount\n"
        "N1;1;05/01/2025;A001;P1;2;10,00\n",
    )

    report = ingest_entity(settings, "invoice_lines")

    assert report.files[0].rows_quarantined == 1
    assert query(settings, "SELECT value, reason FROM bronze.quarantine") == [
        (
            "about 2.000",
            "the expression's value cannot be read as DECIMAL(18, 3) "
            "(derived: 'about ' || quantity)",
        )
    ]


def test_an_expression_that_fails_while_running_fails_its_files_naming_it(tmp_path):
    settings = settings_for(
        tmp_path,
        {"sources": {"invoice_lines": {"derived": {"quantity": "cast(invoice_id as integer)"}}}},
    )
    with_parents(settings)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        "invoice_id;line_number;invoice_date;account_id;product_id;quantity;net_amount\n"
        "N1;1;05/01/2025;A001;P1;2;10,00\n",
    )

    report = ingest_entity(settings, "invoice_lines")

    assert [f.status for f in report.files] == ["failed"]
    message = report.failure_message()
    assert "quantity = cast(invoice_id as integer)" in message and "try_cast" in message
    assert "N1" not in message.replace("sales/invoice_lines", "")  # no value is echoed


def test_manifest_says_which_columns_were_mapped_derived_and_ignored(tmp_path):
    settings = settings_for(
        tmp_path,
        {
            "sources": {
                "products": {
                    "column_map": {"Descrição": "product_name"},
                    "derived": {"list_price": "coalesce(list_price, 0)"},
                }
            }
        },
    )
    land(
        settings,
        "sales/products.csv",
        "product_id,Descrição,product_category,list_price,obs\nP1,Oncoxa,oncology,,x\n",
        encoding="utf-8",
    )

    ingest_entity(settings, "products").raise_for_failures()

    record = json.loads((settings.bronze_dir / "_manifest" / "loads.jsonl").read_text())
    assert record["columns_mapped"] == [
        "product_id",
        "Descrição -> product_name",
        "product_category",
    ]
    assert record["columns_derived"] == ["list_price = coalesce(list_price, 0)"]
    assert record["columns_ignored"] == ["obs"]
    assert query(settings, "SELECT list_price FROM bronze.products") == [(Decimal("0.00"),)]
