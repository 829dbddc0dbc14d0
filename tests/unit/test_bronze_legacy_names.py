"""Bronze written before a column was renamed stays readable under the new name.

Bronze is the system of record and never rewritten: loads from before money columns lost their
currency suffix carry `net_amount_brl`; the bronze views read them as `net_amount`, next to newer
loads that carry the new name, and exports with the old headers still load.
"""

from __future__ import annotations

import duckdb

from pipelines.lib.ingest import ingest_entity, register_bronze_views
from pipelines.lib.ingest.bronze import entity_dir
from tests.unit.test_ingest_loads import INVOICE_HEADER, land, settings_for, with_parents


def test_old_and_new_column_names_read_as_one_column(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    land(settings, "sales/invoice_lines/invoice_lines_2025-01-05.csv",
         INVOICE_HEADER + "NF1;1;05/01/2025;A001;P1;1;10,00\n")  # fmt: skip
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    # A load written before the rename: same layout, the old column name.
    folder = entity_dir(settings, "invoice_lines")
    new_file = next(folder.glob("*.parquet"))
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE ('NF0' AS invoice_id, '2025-01-04' AS _delivery_period, "
        f"'00000000T000000000000Z-legacy' AS _load_id) RENAME (net_amount AS net_amount_brl) "
        f"FROM read_parquet('{new_file}')) TO '{folder / 'legacy.parquet'}' (FORMAT parquet)"
    )

    con = duckdb.connect()
    register_bronze_views(con, settings)
    rows = con.execute(
        "SELECT invoice_id, net_amount FROM bronze.invoice_lines ORDER BY invoice_id"
    ).fetchall()

    assert [(invoice, float(amount)) for invoice, amount in rows] == [("NF0", 10.0), ("NF1", 10.0)]


def test_export_with_the_old_header_loads_without_a_column_map(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    header = INVOICE_HEADER.replace("net_amount", "Net_Amount_BRL")
    land(settings, "sales/invoice_lines/invoice_lines_2025-01-05.csv",
         header + "NF1;1;05/01/2025;A001;P1;2;20,50\n")  # fmt: skip

    ingest_entity(settings, "invoice_lines").raise_for_failures()

    con = duckdb.connect()
    register_bronze_views(con, settings)
    assert float(con.execute("SELECT net_amount FROM bronze.invoice_lines").fetchone()[0]) == 20.5
