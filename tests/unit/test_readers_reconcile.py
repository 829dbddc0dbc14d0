"""The byte scan and the reconciliation of a CSV reader's rows with a file's lines."""

from __future__ import annotations

import random

import duckdb

from pipelines.lib.contract import entity as contract_entity
from pipelines.lib.ingest.byte_scan import scan_chunks
from pipelines.lib.ingest.readers import LandingFile, prepare_csv, raw_table_sql, read_csv_files
from pipelines.lib.ingest.reconcile import CsvCounts, parse_mismatch, records_delivered
from tests.ingest_helpers import land_bytes, settings_for


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
        data = bytes(rng.choice(b"ab\n\r\n\r") for _ in range(rng.randint(0, 30)))
        cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randint(0, 4))))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        scan = scan_chunks(chunks, probe_utf8=False)
        assert (scan.lines, list(scan.blank_lines)) == reference_lines(data), (data, chunks)


def test_byte_scan_finds_utf8_only_in_files_that_are_utf8():
    utf8 = "id;nome\n1;Farmácias\n".encode()
    evidence = scan_chunks([utf8[:12], utf8[12:]], probe_utf8=True).utf8
    assert (evidence.line, evidence.column, evidence.sequence) == (2, 7, b"\xc3\xa1")
    assert scan_chunks(["1;Farmácias\n".encode("latin-1")], probe_utf8=True).utf8 is None
    mixed = "1;José\n".encode() + "2;Ação\n".encode("latin-1")
    assert scan_chunks([mixed], probe_utf8=True).utf8 is None
    assert scan_chunks([b"plain ascii\n"], probe_utf8=True).utf8 is None


def test_a_file_the_reader_does_not_cover_fails_with_both_counts(tmp_path):
    """The reader's rows are checked against the bytes, not taken on trust."""
    scan = scan_chunks([b"h1,h2\n1,2\n\n3,4\n5,6\n"], probe_utf8=False)
    assert parse_mismatch("f.csv", scan, CsvCounts(rows=3), skip_blank=True) is None
    message = parse_mismatch("f.csv", scan, CsvCounts(rows=2), skip_blank=True)
    assert message == (
        "f.csv: does not reconcile: its bytes hold 3 line(s) of records after the header "
        "(5 lines, 1 blank), but the CSV reader returned 2 row(s) covering 2 line(s); nothing of "
        "this file was loaded. Check the file's line endings and quoting"
    )
    free_break = CsvCounts(rows=2, breaks=1, free_breaks=1)
    assert records_delivered(scan, free_break, skip_blank=True) == 2


def test_reader_reports_records_delivered_for_each_file(tmp_path):
    settings = settings_for(tmp_path)
    entity = contract_entity("products")
    source = settings.sources["products"]
    path = land_bytes(
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
