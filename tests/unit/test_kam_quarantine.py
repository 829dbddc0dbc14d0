"""`kam quarantine`: where the rows a run set aside are, listed by file, line, column and rule."""

from __future__ import annotations

import duckdb

from pipelines.cli.main import main
from pipelines.lib.ingest import ingest_entity
from pipelines.lib.ingest.batch_load import reconcile
from pipelines.lib.ingest.report import FileLoad
from tests.unit.landing_helpers import (
    INVOICE_HEADER,
    invoice_rows,
    land,
    settings_for,
    with_parents,
)


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_listing_shows_file_line_column_rule_reason_and_value(tmp_path, capsys):
    settings = settings_for(
        tmp_path, {"sources": {"invoice_lines": {"rules": {"account_id.missing": "exclude"}}}}
    )
    with_parents(settings)
    land(
        settings,
        "sales/invoice_lines/nf_2025-01-05.csv",
        INVOICE_HEADER
        + invoice_rows("N1", 20)
        + "N2;1;05/01/2025;A001;P1;abc;10,00\n"
        + "N2;2;05/01/2025;;P1;1;10,00\n",
    )
    report = ingest_entity(settings, "invoice_lines")
    load_id = report.files[0].load_id

    code, out = run(capsys, "quarantine", "--home", str(settings.home), "--entity", "invoice_lines")

    assert code == 0
    assert f"invoice_lines, load {load_id}:" in out
    assert (
        "sales/invoice_lines/nf_2025-01-05.csv line 22, column quantity: quarantined "
        "[quantity.invalid] expected a number like 1.234,56" in out
    )
    assert "line 23, column account_id: excluded [account_id.missing]" in out
    assert "(value 'abc')" in out and "(value empty)" in out

    code, out = run(
        capsys, "quarantine", "--home", str(settings.home), "--load", load_id,
        "--disposition", "excluded",
    )  # fmt: skip
    assert "1 row problem(s)" in out and "quantity" not in out


def test_limit_and_an_empty_quarantine(tmp_path, capsys):
    settings = settings_for(tmp_path, max_bad_rows=100)
    with_parents(settings)
    bad = "".join(f"B{n};1;05/01/2025;A001;P1;x;1\n" for n in range(5))
    land(settings, "sales/invoice_lines/nf_2025-01-05.csv", INVOICE_HEADER + bad)
    ingest_entity(settings, "invoice_lines")

    code, out = run(capsys, "quarantine", "--home", str(settings.home), "--limit", "2")

    assert "5 row problem(s)" in out and "the first 2 (--limit N for more)" in out
    assert out.count(" line ") == 2
    code, out = run(capsys, "quarantine", "--home", str(tmp_path / "nothing"))
    assert code == 0 and out.startswith("no quarantined or excluded rows")
    code, out = run(capsys, "quarantine", "--home", str(settings.home), "--entity", "invoices")
    assert code == 2 and "unknown entity 'invoices'" in out


def test_quarantine_files_written_before_the_rule_column_still_list(tmp_path, capsys):
    settings = settings_for(tmp_path)
    folder = settings.bronze_dir / "_quarantine" / "accounts"
    folder.mkdir(parents=True)
    duckdb.sql(
        "COPY (SELECT 'accounts' AS entity, 'L0' AS load_id, 'crm/accounts.csv' AS source_file, "
        "2::BIGINT AS line, 'state' AS column_name, 'XX' AS value, 'bad state' AS reason, "
        f"now()::TIMESTAMP AS quarantined_at) TO '{folder / 'L0.parquet'}' (FORMAT parquet)"
    )

    code, out = run(capsys, "quarantine", "--home", str(settings.home))

    assert "crm/accounts.csv line 2, column state: quarantined [?] bad state" in out


def test_a_file_that_does_not_reconcile_fails_and_its_load_is_withdrawn(tmp_path):
    settings = settings_for(tmp_path)
    bronze_file = settings.bronze_dir / "invoice_lines" / "L1.parquet"
    bronze_file.parent.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT 'a.csv' AS _source_file FROM range(3)) TO '{bronze_file}' (FORMAT parquet)"
    )
    outcomes = {
        "a.csv": FileLoad("a.csv", "s", 1, "loaded", rows_read=5, rows_quarantined=1),
        "b.csv": FileLoad("b.csv", "s", 1, "loaded", rows_read=2, rows_quarantined=2),
    }

    assert not reconcile(con, settings, _contract(), bronze_file, outcomes, ["a.csv", "b.csv"])

    assert outcomes["a.csv"].status == "failed"
    assert outcomes["a.csv"].message == (
        "a.csv: does not reconcile: 5 row(s) read, 3 written to bronze, 1 quarantined, "
        "0 excluded; nothing of this load was kept"
    )
    assert outcomes["b.csv"].message == "b.csv: withdrawn with a.csv, which shared its load"
    assert not bronze_file.exists()
    assert (settings.bronze_dir / "_rejected" / "invoice_lines" / "L1.parquet").exists()


def _contract():
    from pipelines.lib.contract import entity

    return entity("invoice_lines")
