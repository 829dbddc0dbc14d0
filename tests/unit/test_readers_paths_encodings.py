"""Landing names are literal paths; a declared encoding that does not fit the file is an error."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.lib.ingest import ingest_entity
from pipelines.lib.sql_text import has_glob_characters, literal_paths
from tests.ingest_helpers import (
    INVOICE_COLUMNS,
    land_bytes,
    load_parents,
    query,
    settings_for,
    with_format,
)

HEADER = ";".join(INVOICE_COLUMNS) + "\n"


def invoice_file(invoice: str, amount: str) -> bytes:
    return (HEADER + f"{invoice};1;06/11/2025;A001;P1;1;{amount};D01\n").encode("latin-1")


@pytest.mark.parametrize(
    "name", ["invoice_lines_2025-11-06_v[2].csv", "invoice_lines_2025-11-06_v?.csv"]
)
def test_a_csv_name_with_glob_characters_reads_that_file_only(tmp_path, name):
    settings = settings_for(tmp_path)
    load_parents(settings)
    # Files the glob would match instead, delivered earlier for other periods.
    land_bytes(settings, "sales/invoice_lines/invoice_lines_2025-11-06_v2.csv", b"")
    land_bytes(settings, "sales/invoice_lines/invoice_lines_2025-11-06_vX.csv", b"")
    land_bytes(settings, f"sales/invoice_lines/{name}", invoice_file("RIGHT", "10,00"))

    report = ingest_entity(settings, "invoice_lines")

    assert {f.file.rsplit("/", 1)[1]: f.status for f in report.files}[name] == "loaded"
    assert query(settings, "SELECT invoice_id, _source_file FROM bronze.invoice_lines") == [
        ("RIGHT", f"sales/invoice_lines/{name}")
    ]


def test_a_star_in_a_name_does_not_expand(tmp_path):
    settings = settings_for(tmp_path, max_bad_row_share=1.0)
    load_parents(settings)
    land_bytes(settings, "sales/invoice_lines/nf_2025-11-06*.csv", invoice_file("STAR", "1,00"))
    land_bytes(settings, "sales/invoice_lines/nf_2025-11-06-other.csv", invoice_file("B", "2,00"))

    ingest_entity(settings, "invoice_lines").raise_for_failures()

    rows = query(settings, "SELECT invoice_id, _source_file FROM bronze.invoice_lines ORDER BY 1")
    assert rows == [
        ("B", "sales/invoice_lines/nf_2025-11-06-other.csv"),
        ("STAR", "sales/invoice_lines/nf_2025-11-06*.csv"),
    ]


def test_parquet_and_transcoded_names_with_glob_characters(tmp_path):
    settings = settings_for(tmp_path)
    load_parents(settings)
    table = pa.table(
        {
            "invoice_id": ["PQ"],
            "line_number": [1],
            "invoice_date": ["2025-11-07"],
            "account_id": ["A001"],
            "product_id": ["P1"],
            "quantity": [1.0],
            "net_amount": [3.5],
        }
    )
    (settings.landing / "sales/invoice_lines").mkdir(parents=True)
    pq.write_table(table, settings.landing / "sales/invoice_lines/nf_2025-11-07_[a].parquet")
    pq.write_table(
        table.set_column(0, "invoice_id", pa.array(["WRONG"])),
        settings.landing / "sales/invoice_lines/nf_2025-11-07_a.parquet",
    )
    (settings.landing / "sales/invoice_lines/nf_2025-11-07_a.parquet").unlink()
    cp1252 = with_format(settings, "invoice_lines", encoding="windows-1252")
    land_bytes(cp1252, "sales/invoice_lines/nf_2025-11-08_[b].csv", invoice_file("TX", "1,00"))
    land_bytes(cp1252, "sales/invoice_lines/nf_2025-11-08_b.csv", b"")

    ingest_entity(cp1252, "invoice_lines").raise_for_failures()

    assert query(cp1252, "SELECT invoice_id FROM bronze.invoice_lines ORDER BY 1") == [
        ("PQ",),
        ("TX",),
    ]


def test_literal_paths_link_only_names_with_glob_characters(tmp_path):
    plain, globbed = tmp_path / "plain.csv", tmp_path / "a[1].csv"
    plain.write_text("x")
    globbed.write_text("y")

    with literal_paths([plain, globbed]) as (first, second):
        assert first == plain
        assert not has_glob_characters(second) and second.suffix == ".csv"
        assert second.read_text() == "y"
    assert not second.exists()


# --------------------------------------------------------------------------------------------------
# Encodings

ACCOUNTS = (
    "account_id;account_name;account_type;state;owner_kam_id;created_at\n"
    "A001;Hospital Central;hospital;SP;K01;31/01/2025\n"
    "A002;Farmácias Boa Saúde;pharmacy_chain;MG;K01;15/02/2024\n"
)


def test_utf8_file_declared_latin1_fails_naming_line_column_and_encoding(tmp_path):
    settings = settings_for(tmp_path)
    land_bytes(settings, "crm/accounts.csv", ACCOUNTS.encode("utf-8"))

    report = ingest_entity(settings, "accounts")

    (load,) = report.files
    assert load.status == "failed"
    assert load.message.startswith(
        "crm/accounts.csv line 3, column 10: the file is most likely UTF-8, not latin-1 as "
        "format 'brazilian_csv' declares: bytes 0xc3 0xa1 are UTF-8 for 'á'"
    )
    assert "'Ã¡'" in load.message and "`encoding: utf-8`" in load.message
    assert report.new_bronze_files == []


def test_utf8_byte_order_mark_in_a_file_declared_latin1_fails(tmp_path):
    settings = settings_for(tmp_path)
    land_bytes(settings, "crm/accounts.csv", b"\xef\xbb\xbf" + ACCOUNTS[:120].encode("ascii"))

    (load,) = ingest_entity(settings, "accounts").files

    assert load.message.startswith(
        "crm/accounts.csv line 1, column 1: the file starts with a UTF-8 byte-order mark"
    )


def test_utf8_file_declared_windows_1252_fails_before_transcoding(tmp_path):
    settings = with_format(settings_for(tmp_path), "accounts", encoding="windows-1252")
    land_bytes(settings, "crm/accounts.csv", ACCOUNTS.encode("utf-8"))

    (load,) = ingest_entity(settings, "accounts").files

    assert "the file is most likely UTF-8, not windows-1252" in load.message


def test_real_latin1_and_cp1252_files_still_load(tmp_path):
    settings = settings_for(tmp_path)
    land_bytes(settings, "crm/accounts.csv", ACCOUNTS.encode("latin-1"))

    ingest_entity(settings, "accounts").raise_for_failures()

    assert query(settings, "SELECT account_name FROM bronze.accounts ORDER BY 1") == [
        ("Farmácias Boa Saúde",),
        ("Hospital Central",),
    ]
    # A cp1252 text whose first accented pair happens to be valid UTF-8 (“JOSÉ” ends in
    # bytes 0xc9 0x94) is not mistaken for UTF-8: the rest of the file is not.
    cp1252 = with_format(settings_for(tmp_path / "other"), "accounts", encoding="windows-1252")
    text = ACCOUNTS.replace("Hospital Central", "Hospital “JOSÉ” Ação")
    land_bytes(cp1252, "crm/accounts.csv", text.encode("cp1252"))
    ingest_entity(cp1252, "accounts").raise_for_failures()


def test_utf16_file_declared_latin1_names_utf16(tmp_path):
    settings = settings_for(tmp_path)
    land_bytes(settings, "crm/accounts.csv", ACCOUNTS.encode("utf-16"))

    (load,) = ingest_entity(settings, "accounts").files

    assert "NUL bytes (it starts like UTF-16 text: declare `encoding: utf-16`)" in load.message
