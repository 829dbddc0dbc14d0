"""Bad-row policy per entity and per rule: thresholds over the run, exclusions, reconciliation."""

from __future__ import annotations

import json

import pytest

from pipelines.lib.ingest import IngestError, ingest_entity
from pipelines.lib.ingest.manifest import read_manifest
from tests.unit.landing_helpers import (
    CURRENT_LINES,
    INVOICE_HEADER,
    invoice_rows,
    land,
    query,
    settings_for,
    statuses,
    with_parents,
)


def daily(settings, day: int, rows: str) -> None:
    land(settings, f"sales/invoice_lines/nf_2025-01-{day:02d}.csv", INVOICE_HEADER + rows)


def test_one_bad_row_in_a_small_daily_file_does_not_fail_the_run(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    daily(settings, 5, invoice_rows("N1", 34) + "N2;1;05/01/2025;A001;P1;abc;10,00\n")

    report = ingest_entity(settings, "invoice_lines")

    report.raise_for_failures()  # 1 of 35 is 2.9 %, above 1 %, but within the 10-row allowance
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (35, 34, 1)


def test_the_threshold_is_judged_over_the_whole_run_and_withdraws_all_of_it(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    bad = "".join(f"B{n};1;05/01/2025;A001;P1;abc;10,00\n" for n in range(6))
    daily(settings, 5, invoice_rows("N5", 100) + bad)  # 6 bad rows: within 10, per file fine
    daily(settings, 6, invoice_rows("N6", 100, day="06/01/2025") + bad.replace("05/01", "06/01"))
    daily(settings, 7, invoice_rows("N7", 100, day="07/01/2025"))  # clean

    report = ingest_entity(settings, "invoice_lines")

    # 12 of 312 rows: more than 1 % and more than 10 rows over the run -> the run fails whole.
    with pytest.raises(IngestError) as raised:
        report.raise_for_failures()
    message = str(raised.value)
    assert message.startswith(
        "invoice_lines: 12 of 312 rows (3.8%) broke row rules in this run: more than both the "
        "allowed share 1.0% (ingest.max_bad_row_share in kam.yml) and the allowance of 10 "
        "row(s) (ingest.max_bad_rows); nothing of this run's invoice_lines was loaded"
    )
    # Where the bad rows are, and how to list them.
    assert f"quarantined rows: {report.new_quarantine_files[0]}" in message
    assert report.new_quarantine_files[0].parent == settings.bronze_dir / "_quarantine" / (
        "invoice_lines"
    )
    assert f"`kam quarantine --home {settings.home} --entity invoice_lines --load " in message
    assert set(statuses(report).values()) == {"failed"}
    assert report.new_bronze_files == []
    assert query(settings, "SELECT count(*) FROM bronze.invoice_lines") == [(0,)]
    assert query(settings, "SELECT count(*) FROM bronze.quarantine") == [(12,)]
    # The clean file was withdrawn with the rest, and every file is tried again next run.
    again = ingest_entity(settings, "invoice_lines")
    assert statuses(again) == {f"nf_2025-01-0{d}.csv": "failed" for d in (5, 6, 7)}


def test_a_per_entity_policy_overrides_the_default(tmp_path):
    settings = settings_for(
        tmp_path, {"sources": {"invoice_lines": {"max_bad_row_share": 0.5, "max_bad_rows": 0}}}
    )
    with_parents(settings)
    daily(
        settings,
        5,
        invoice_rows("N1", 8) + "".join(f"B{n};1;05/01/2025;A001;P1;x;1\n" for n in range(12)),
    )

    report = ingest_entity(settings, "invoice_lines")

    # 12 of 20 (60 %) > 50 % and > 0: fails, naming the entity's own keys.
    assert "sources.invoice_lines.max_bad_row_share" in report.failure_message()
    assert report.has_failures


def test_rows_breaking_an_excluded_rule_are_counted_kept_and_not_bad_rows(tmp_path):
    settings = settings_for(
        tmp_path,
        {"sources": {"invoice_lines": {"rules": {"account_id.missing": "exclude"}}}},
    )
    with_parents(settings)
    counter_sales = "".join(f"C{n};1;05/01/2025;;P1;1;5,00\n" for n in range(30))
    daily(settings, 5, invoice_rows("N1", 20) + counter_sales + "N9;1;05/01/2025;A001;P1;x;1\n")

    report = ingest_entity(settings, "invoice_lines")

    report.raise_for_failures()  # 30 excluded rows are not bad rows; 1 quarantined is allowed
    load = report.files[0]
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined, load.rows_excluded) == (
        51, 20, 1, 30,
    )  # fmt: skip
    assert load.rows_read == load.rows_loaded + load.rows_quarantined + load.rows_excluded
    record = read_manifest(settings, "invoice_lines")[-1]
    assert (record["rows_excluded"], record["rows_quarantined"]) == (30, 1)
    rows = query(
        settings,
        "SELECT disposition, rule, count(*) FROM bronze.quarantine GROUP BY ALL ORDER BY 1",
    )
    assert rows == [("excluded", "account_id.missing", 30), ("quarantined", "quantity.invalid", 1)]
    assert report.metadata()["rows_excluded"] == 30
    assert load.sample_exclusions[0].startswith("line 22, column account_id: missing required")


def test_exclusion_wins_over_quarantine_on_the_same_row(tmp_path):
    settings = settings_for(
        tmp_path,
        {"sources": {"invoice_lines": {"rules": {"account_id.missing": "exclude"}}}},
    )
    with_parents(settings)
    daily(settings, 5, invoice_rows("N1", 3) + "C1;1;05/01/2025;;P1;abc;5,00\n")

    load = ingest_entity(settings, "invoice_lines").files[0]

    assert (load.rows_quarantined, load.rows_excluded) == (0, 1)
    assert query(settings, "SELECT DISTINCT disposition FROM bronze.quarantine") == [("excluded",)]


def test_exclude_when_leaves_out_matching_rows_with_their_reason(tmp_path):
    settings = settings_for(
        tmp_path,
        {
            "sources": {
                "invoice_lines": {
                    "exclude_when": [
                        {"when": "product_id = 'P2' and net_amount = 0", "reason": "free sample"}
                    ]
                }
            }
        },
    )
    with_parents(settings)
    daily(
        settings,
        5,
        invoice_rows("N1", 2)
        + "S1;1;05/01/2025;A001;P2;1;0,00\n"
        + "S1;2;05/01/2025;A001;P2;1;3,00\n",
    )

    report = ingest_entity(settings, "invoice_lines")

    assert (report.rows_loaded, report.rows_excluded, report.rows_quarantined) == (3, 1, 0)
    assert query(
        settings, "SELECT line, column_name, reason, rule, disposition FROM bronze.quarantine"
    ) == [(4, None, "free sample", "exclude_when", "excluded")]
    assert report.files[0].sample_exclusions == ["line 4: free sample"]


def test_materialization_counts_reconcile_per_file(tmp_path):
    settings = settings_for(
        tmp_path, {"sources": {"invoice_lines": {"rules": {"key.duplicate": "exclude"}}}}
    )
    with_parents(settings)
    daily(settings, 5, invoice_rows("N1", 5) + "N1;1;05/01/2025;A001;P1;1;10,00\n")
    daily(settings, 6, invoice_rows("N2", 4, day="06/01/2025") + "N3;1;06/01/2025;A999;P1;1;1\n")

    report = ingest_entity(settings, "invoice_lines")

    for load in report.files:
        assert load.rows_read == load.rows_loaded + load.rows_quarantined + load.rows_excluded
    assert report.metadata() == {
        "files_seen": 2,
        "files_loaded": 2,
        "files_skipped": 0,
        "files_failed": 0,
        "rows_read": 11,
        "rows_loaded": 9,
        "rows_quarantined": 1,
        "rows_excluded": 1,
    }
    assert query(settings, "SELECT count(*) FROM bronze.invoice_lines") == [(9,)]
    records = [
        json.loads(line) for line in (settings.bronze_dir / "_manifest" / "loads.jsonl").open()
    ]
    assert [r["rows_read"] for r in records if r["entity"] == "invoice_lines"] == [6, 5]
    assert len(query(settings, CURRENT_LINES)) == 9
