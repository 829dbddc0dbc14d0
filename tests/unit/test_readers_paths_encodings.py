"""Landing names are literal paths; a declared encoding that does not fit the file is an error."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.lib.ingest import ingest_entity
from tests.ingest_helpers import INVOICE_COLUMNS, settings_for, with_format
from tests.unit.landing_helpers import land, query, with_parents

HEADER = ";".join(INVOICE_COLUMNS) + "\n"


def invoice_file(invoice: str, amount: str) -> bytes:
    return (HEADER + f"{invoice};1;06/11/2025;A001;P1;1;{amount};D01\n").encode("latin-1")


def broken_file(name: str) -> bytes:
    return (HEADER + f"{name};1;06/11/2025;A001;P1;1;1,00;D01;one field too many\n").encode()


@pytest.mark.parametrize(
    ("name", "decoys"),
    [
        ("nf_2025-11-06_v[2].csv", ["nf_2025-11-06_v2.csv"]),
        ("nf_2025-11-06_v?.csv", ["nf_2025-11-06_v2.csv", "nf_2025-11-06_vX.csv"]),
        ("nf_2025-11-06*.csv", ["nf_2025-11-06-other.csv"]),
    ],
)
def test_a_csv_name_with_glob_characters_reads_that_file_only(tmp_path, name, decoys):
    settings = settings_for(tmp_path)
    with_parents(settings)
    # Files the name would match as a glob: unreadable, so reading them instead (or as well)
    # would fail the right file.
    for decoy in decoys:
        land(settings, f"sales/invoice_lines/{decoy}", broken_file(decoy))
    land(settings, f"sales/invoice_lines/{name}", invoice_file("RIGHT", "10,00"))

    report = ingest_entity(settings, "invoice_lines")

    statuses = {f.file.rsplit("/", 1)[1]: f.status for f in report.files}
    assert statuses == {name: "loaded", **{decoy: "failed" for decoy in decoys}}
    assert query(settings, "SELECT invoice_id, _source_file FROM bronze.invoice_lines") == [
        ("RIGHT", f"sales/invoice_lines/{name}")
    ]


def test_a_parquet_name_with_glob_characters_reads_that_file_only(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    table = pa.table(
        {
            "invoice_id": ["RIGHT"],
            "line_number": [1],
            "invoice_date": ["2025-11-07"],
            "account_id": ["A001"],
            "product_id": ["P1"],
            "quantity": [1.0],
            "net_amount": [3.5],
        }
    )
    folder = settings.landing / "sales/invoice_lines"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "nf_2025-11-07_[a].parquet")
    pq.write_table(
        table.set_column(0, "invoice_id", pa.array(["DECOY"])), folder / "nf_2025-11-07_a.parquet"
    )

    ingest_entity(settings, "invoice_lines").raise_for_failures()

    rows = query(settings, "SELECT _source_file, invoice_id FROM bronze.invoice_lines ORDER BY 1")
    assert rows == [
        ("sales/invoice_lines/nf_2025-11-07_[a].parquet", "RIGHT"),
        ("sales/invoice_lines/nf_2025-11-07_a.parquet", "DECOY"),
    ]


def test_a_transcoded_file_with_glob_characters_in_its_name_loads(tmp_path):
    settings = with_format(settings_for(tmp_path), "invoice_lines", encoding="windows-1252")
    with_parents(settings)
    land(settings, "sales/invoice_lines/nf_2025-11-08_[b].csv", invoice_file("TX", "1,00"))

    ingest_entity(settings, "invoice_lines").raise_for_failures()

    assert query(settings, "SELECT invoice_id FROM bronze.invoice_lines") == [("TX",)]


# --------------------------------------------------------------------------------------------------
# Encodings

ACCOUNTS = (
    "account_id;account_name;account_type;state;owner_kam_id;created_at\n"
    "A001;Hospital Central;hospital;SP;K01;31/01/2025\n"
    "A002;Farmácias Boa Saúde;pharmacy_chain;MG;K01;15/02/2024\n"
)


def test_utf8_file_declared_latin1_fails_naming_line_column_and_encoding(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv", ACCOUNTS.encode("utf-8"))

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
    land(settings, "crm/accounts.csv", b"\xef\xbb\xbf" + ACCOUNTS[:120].encode("ascii"))

    (load,) = ingest_entity(settings, "accounts").files

    assert load.message.startswith(
        "crm/accounts.csv line 1, column 1: the file starts with a UTF-8 byte-order mark"
    )


def test_utf8_file_declared_windows_1252_fails_before_transcoding(tmp_path):
    settings = with_format(settings_for(tmp_path), "accounts", encoding="windows-1252")
    land(settings, "crm/accounts.csv", ACCOUNTS.encode("utf-8"))

    (load,) = ingest_entity(settings, "accounts").files

    assert "the file is most likely UTF-8, not windows-1252" in load.message


def test_real_latin1_and_cp1252_files_still_load(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv", ACCOUNTS.encode("latin-1"))

    ingest_entity(settings, "accounts").raise_for_failures()

    assert query(settings, "SELECT account_name FROM bronze.accounts ORDER BY 1") == [
        ("Farmácias Boa Saúde",),
        ("Hospital Central",),
    ]
    # A cp1252 text whose first accented pair happens to be valid UTF-8 (“JOSÉ” ends in
    # bytes 0xc9 0x94) is not mistaken for UTF-8: the rest of the file is not.
    cp1252 = with_format(settings_for(tmp_path / "other"), "accounts", encoding="windows-1252")
    text = ACCOUNTS.replace("Hospital Central", "Hospital “JOSÉ” Ação")
    land(cp1252, "crm/accounts.csv", text.encode("cp1252"))
    ingest_entity(cp1252, "accounts").raise_for_failures()


def test_utf16_file_declared_latin1_names_utf16(tmp_path):
    settings = settings_for(tmp_path)
    land(settings, "crm/accounts.csv", ACCOUNTS.encode("utf-16"))

    (load,) = ingest_entity(settings, "accounts").files

    assert "NUL bytes (it starts like UTF-16 text: declare `encoding: utf-16`)" in load.message
