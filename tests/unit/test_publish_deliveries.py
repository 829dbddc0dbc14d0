"""The publish record states what landing data stands behind the marts: per entity the files and
the rows read, loaded, quarantined and excluded (kam.yml rules), and which inputs were never
delivered; `kam status` shows it."""

from __future__ import annotations

import duckdb

from pipelines.lib.ingest import ingest_entity
from pipelines.lib.ingest.deliveries import delivery_totals
from pipelines.lib.publish_record import PublishRecord, read_publish_info_from, write_meta
from tests.unit.landing_helpers import INVOICE_HEADER, land, settings_for, with_parents

DAY = "sales/invoice_lines/invoice_lines_2025-01-05.csv"


def _landed(tmp_path):
    settings = settings_for(
        tmp_path, {"sources": {"invoice_lines": {"rules": {"account_id.missing": "exclude"}}}}
    )
    with_parents(settings)
    land(
        settings,
        DAY,
        INVOICE_HEADER
        + "NF1;1;05/01/2025;A001;P1;1;10,00\n"  # loaded
        + "NF1;2;05/01/2025;;P1;1;5,00\n"  # no customer: excluded by the rule
        + "NF1;3;05/01/2025;A001;P1;x;5,00\n",  # not a number: quarantined
    )
    ingest_entity(settings, "invoice_lines").raise_for_failures()
    return settings


def test_totals_count_each_landing_file_once_with_its_latest_content(tmp_path):
    settings = _landed(tmp_path)
    # The same day re-delivered, corrected: only the latest content counts.
    land(settings, DAY, INVOICE_HEADER + "NF1;1;05/01/2025;A001;P1;1;10,00\n")
    ingest_entity(settings, "invoice_lines").raise_for_failures()

    totals = delivery_totals(settings)

    lines = totals["invoice_lines"]
    assert (lines.files, lines.rows_read, lines.rows_loaded) == (1, 1, 1)
    assert totals["accounts"].is_delivered and not totals["contacts"].is_delivered


def test_publish_record_and_status_show_loaded_quarantined_excluded_and_missing(tmp_path):
    settings = _landed(tmp_path)
    totals = delivery_totals(settings)
    lines = totals["invoice_lines"]
    assert (lines.rows_read, lines.rows_loaded, lines.rows_quarantined, lines.rows_excluded) == (
        3,
        1,
        1,
        1,
    )

    db = tmp_path / "published.duckdb"
    con = duckdb.connect(str(db))
    record = PublishRecord(
        run_id="r1",
        as_of_date="2025-01-05",
        checks={"c": True},
        deliveries={entity: t.as_dict() for entity, t in totals.items()},
    )
    write_meta(con, record, {"fct_sales": 1}, docs={}, storage_version="v0.10.0")
    stored = con.execute(
        "select files, rows_read, rows_loaded, rows_quarantined, rows_excluded, is_required "
        "from meta.deliveries where entity = 'invoice_lines'"
    ).fetchone()
    con.close()

    assert stored == (1, 3, 1, 1, 1, True)
    info = read_publish_info_from(db)
    assert info.deliveries["contacts"]["files"] == 0
    assert record.same_content_as(info)

    from pipelines.cli.status import _deliveries

    text = "\n".join(_deliveries(info))
    assert "1 quarantined, 1 excluded by kam.yml rules" in text
    missing = next(line for line in text.splitlines() if "not delivered:" in line)
    assert "contacts" in missing and "accounts" not in missing
