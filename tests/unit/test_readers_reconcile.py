"""The byte scan and the reconciliation of a CSV reader's rows with a file's lines."""

from __future__ import annotations

import random

import duckdb

from pipelines.lib.contract import entity as contract_entity
from pipelines.lib.ingest.byte_scan import scan_chunks
from pipelines.lib.ingest.readers import LandingFile, prepare_csv, raw_table_sql, read_csv_files
from pipelines.lib.ingest.reconcile import CsvCounts, records_delivered, unreconciled_message
from tests.ingest_helpers import settings_for
from tests.unit.landing_helpers import land


def reference_lines(data: bytes) -> tuple[int, list[int]]:
    """Physical lines and blank line numbers, the slow obvious way."""
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not text:
        return 0, []
    lines = text.split(b"\n")
    if text.endswith(b"\n"):
        lines = lines[:-1]
    return len(lines), [n for n, line in enumerate(lines, start=1) if n > 1 and not line]


def test_byte_scan_counts_lines_and_blank_lines_across_any_chunking():
    rng = random.Random(20261130)
    for _ in range(5000):
        data = bytes(rng.choice(b"ab\n\r\n\r\r") for _ in range(rng.randint(0, 30)))
        cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randint(0, 4))))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        scan = scan_chunks(chunks, probe_utf8=False)
        assert (scan.lines, list(scan.blank_lines)) == reference_lines(data), (data, chunks)
        assert scan.has_lone_cr == (b"\r" in data.replace(b"\r\n", b"")), (data, chunks)


def test_byte_scan_finds_utf8_only_in_files_that_are_utf8():
    utf8 = "id;nome\n1;Farmácias\n".encode()
    evidence = scan_chunks([utf8[:12], utf8[12:]], probe_utf8=True).utf8
    assert (evidence.line, evidence.column, evidence.sequence) == (2, 7, b"\xc3\xa1")
    assert scan_chunks(["1;Farmácias\n".encode("latin-1")], probe_utf8=True).utf8 is None
    mixed = "1;José\n".encode() + "2;Ação\n".encode("latin-1")
    assert scan_chunks([mixed], probe_utf8=True).utf8 is None
    assert scan_chunks([b"plain ascii\n"], probe_utf8=True).utf8 is None


def test_records_delivered_come_from_the_bytes_and_free_text_breaks():
    scan = scan_chunks([b"h1,h2\n1,2\n\n3,4\n5,6\n"], probe_utf8=False)
    assert records_delivered(scan, CsvCounts(), skip_blank=True) == 3
    assert records_delivered(scan, CsvCounts(), skip_blank=False) == 4  # one column: a row
    # A free-text value spanning two lines is one record; a blank line inside it is its own.
    assert records_delivered(scan, CsvCounts(2, 2, 1), skip_blank=True) == 2
    assert unreconciled_message("f.csv", 3, 3) is None
    assert unreconciled_message("f.csv", 3, 2) == (
        "f.csv: does not reconcile: the file delivers 3 record(s) (for a CSV file: lines after "
        "the header, less blank lines and line breaks inside free-text values), but 2 were read "
        "(loaded + quarantined + excluded); nothing of this file was loaded. Check its line "
        "endings and quoting"
    )


def test_reader_reports_records_delivered_for_each_file(tmp_path):
    settings = settings_for(tmp_path)
    entity = contract_entity("products")
    source = settings.sources["products"]
    path = land(
        settings,
        "sales/products.csv",
        b'product_id,product_name,product_category,list_price\nP1,"a\nb",x,1\n\nP2,c,"y\nz",2\n',
    )
    landing = LandingFile(path, "sales/products.csv", "0" * 64, path.stat().st_size, 0)
    assert prepare_csv(landing, source, entity, tmp_path / "work") is None
    con = duckdb.connect()
    con.execute(raw_table_sql("_raw", entity))

    assert read_csv_files(con, "_raw", [landing], source.format, entity) == {}

    # 5 lines after the header, 1 blank, 1 break in a free-text value: 3 records, one of them
    # (P2's swallowed category) counting as two.
    assert landing.records_delivered == 3
    assert [(v.column, v.first_line, v.last_line) for v in landing.swallowed] == [
        ("product_category", 5, 6)
    ]
    assert con.execute("SELECT _line, product_id FROM _raw ORDER BY 1").fetchall() == [
        (2, "P1"),
        (5, "P2"),
    ]


def test_a_file_whose_rows_do_not_add_up_to_its_records_fails_whole(tmp_path, monkeypatch):
    """The loader refuses a file whose rows read differ from the records its bytes deliver (here
    the count is made one too high, as when a reader drops a line)."""
    from pipelines.lib.ingest import ingest_entity, reconcile

    counted = reconcile.records_delivered
    monkeypatch.setattr(reconcile, "records_delivered", lambda *a, **k: counted(*a, **k) + 1)
    settings = settings_for(tmp_path)
    land(
        settings,
        "sales/products.csv",
        b"product_id,product_name,product_category,list_price\nP1,a,x,1\nP2,b,y,2\n",
    )

    report = ingest_entity(settings, "products")

    (load,) = report.files
    assert load.status == "failed"
    assert load.message.startswith(
        "sales/products.csv: does not reconcile: the file delivers 3 record(s)"
    )
    assert "but 2 were read" in load.message
    assert report.new_bronze_files == []
