"""File-level errors: each names the file, where, and what was expected."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipelines.lib.config import load_settings
from pipelines.lib.ingest import IngestError, ingest_entity

PRODUCTS_HEADER = "product_id,product_name,product_category,list_price\n"


def settings_for(tmp_path: Path, **overrides):
    settings = load_settings(home=tmp_path)
    return dataclasses.replace(settings, **overrides) if overrides else settings


def land(settings, relative: str, content: bytes) -> Path:
    path = settings.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def failure_of(settings, entity: str = "products") -> str:
    report = ingest_entity(settings, entity)
    assert [f.status for f in report.files] == ["failed"]
    assert report.new_bronze_files == []
    with pytest.raises(IngestError) as raised:
        report.raise_for_failures()
    assert report.files[0].message in str(raised.value)
    return report.files[0].message


def test_missing_required_column_names_file_column_and_found_columns(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "sales/products.csv", b"product_id,name,product_category\nP1,X,onco\n")

    message = failure_of(settings)

    assert message.startswith("sales/products.csv line 1: missing required column(s) ")
    assert "product_name, list_price" in message
    assert "columns found: 'product_id', 'name', 'product_category'" in message
    assert "column_map" in message


def test_invalid_utf8_names_line_column_and_the_encoding_setting(tmp_path):
    settings = settings_for(tmp_path)
    body = PRODUCTS_HEADER + "P1,Oncoxa,oncologia,1.0\n"
    land(
        settings, "sales/products.csv", body.encode() + "P2,Coração,cardio,2.0\n".encode("latin-1")
    )

    message = failure_of(settings)

    assert message.startswith("sales/products.csv line 3, column 8: byte 0xe7 is not valid utf-8")
    assert "`encoding: latin-1`" in message and "kam.yml" in message


def test_invalid_utf8_in_header_is_reported_at_line_1(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "sales/products.csv", "product_id,descrição\n".encode("latin-1"))

    assert failure_of(settings).startswith("sales/products.csv line 1, column 18: byte 0xe7")


def test_unbalanced_quote_names_file_and_line(tmp_path):
    settings = settings_for(tmp_path)
    body = PRODUCTS_HEADER + 'P1,Oncoxa,oncologia,1.0\nP2,"Cardiol,cardio,2.0\nP3,X,y,3\n'
    land(settings, "sales/products.csv", body.encode())

    message = failure_of(settings)

    assert message.startswith("sales/products.csv line 3: cannot be parsed as CSV")
    assert "unterminated quote" in message


def test_wrong_delimiter_names_file_line_and_the_delimiter_to_declare(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "sales/products.csv", PRODUCTS_HEADER.replace(",", ";").encode() + b"P1;X;y;1\n")

    message = failure_of(settings)

    assert message.startswith("sales/products.csv line 1: cannot be parsed: the header is a single")
    assert "declare `delimiter: ';'`" in message


def test_binary_garbage_names_file_and_line(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "sales/products.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe")

    message = failure_of(settings)

    assert message.startswith("sales/products.csv line 1: cannot be parsed as CSV")
    assert "NUL bytes" in message


def test_row_with_too_many_fields_names_the_line(tmp_path):
    settings = settings_for(tmp_path)
    body = PRODUCTS_HEADER + "P1,X,y,1\nP2,X,y,2\nP3,X,y,3,extra\n"
    land(settings, "sales/products.csv", body.encode())

    message = failure_of(settings)

    assert message.startswith("sales/products.csv line 4: cannot be parsed as CSV")


def test_bad_file_in_a_batch_does_not_block_the_others(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv",
         "account_id;account_name;account_type;state;owner_kam_id;created_at\n"
         "A001;Um;hospital;SP;K1;01/01/2025\n".encode("latin-1"))  # fmt: skip
    land(settings, "sales/products.csv", (PRODUCTS_HEADER + "P1,X,y,1\n").encode())
    for name in ("accounts", "products"):
        ingest_entity(settings, name).raise_for_failures()
    header = "invoice_id;line_number;invoice_date;account_id;product_id;quantity;net_amount\n"
    good = header + "N1;1;05/01/2025;A001;P1;1;10,00\n"
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", good.encode())
    land(
        settings, "sales/invoice_lines/nf_2025-01-06.csv", (header + 'N2;1;"06/01/2025\n').encode()
    )
    land(settings, "sales/invoice_lines/nf_2025-01-07.csv", good.replace("N1", "N3").encode())

    report = ingest_entity(settings, "invoice_lines")

    statuses = {f.file.rsplit("/", 1)[1]: f.status for f in report.files}
    assert statuses == {
        "nf_2025-01-05.csv": "loaded",
        "nf_2025-01-06.csv": "failed",
        "nf_2025-01-07.csv": "loaded",
    }
    assert report.failed[0].message.startswith("sales/invoice_lines/nf_2025-01-06.csv line 2:")
    assert report.rows_loaded == 2
