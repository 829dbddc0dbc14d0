"""What a published file says about itself: schema `meta` in the published DuckDB file.

A BI analyst who only has the file can see which run published it, as of which date, in which
currency, with which check verdicts, what each mart holds (grain, rows) and why a mart is empty,
and the run's warnings, without access to the pipeline. Every table and column here carries a
comment, like the marts.

Tables:
    meta.publish          one row: run, as-of date, time, check counts, currency, storage version
    meta.marts            one row per mart: description, grain, rows, as-of date, currency,
                          empty_reason (null when the mart has rows)
    meta.warnings         the run's warnings, in order
    meta.deliveries       one row per landing entity: files and rows read, loaded, quarantined
                          and excluded behind the marts; entities never delivered have 0 files
    meta.check_results    one row per check: name, passed
    meta.mart_row_counts  one row per mart (kept for tools written against earlier versions)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipelines.lib.contract import ENTITIES
from pipelines.lib.mart_docs import MartDoc, docs_fingerprint

META_SCHEMA = "meta"
DELIVERY_COUNTS = ("files", "rows_read", "rows_loaded", "rows_quarantined", "rows_excluded")
DEFAULT_CURRENCY = "BRL"

TABLE_COMMENTS = {
    "publish": "Which run published this file, as of which date, when, in which currency and "
    "storage version, and how many of its checks passed. One row.",
    "marts": "One row per published mart (schema marts): what it holds, its grain, its rows, "
    "the as-of date and currency of its figures, and why it is empty when it is.",
    "warnings": "Warnings of the run that published this file, in the order they were raised.",
    "deliveries": "One row per landing entity: the landing files behind the marts and their "
    "rows read, loaded, quarantined (bad rows) and excluded (rows kam.yml's rules set aside, "
    "such as counter sales). An entity with 0 files was never delivered.",
    "check_results": "Every blocking check of the run that published this file, and its verdict.",
    "mart_row_counts": "Rows per published mart (the same counts as meta.marts.row_count).",
}
COLUMN_COMMENTS = {
    "publish": {
        "run_id": "Id of the pipeline run that published this file (Dagster run id).",
        "as_of_date": "The run's as-of date: the last day whose data the marts count.",
        "published_at": "UTC time the file was published.",
        "checks_passed": "Blocking checks that passed (all of them, or nothing is published).",
        "checks_total": "Blocking checks evaluated by the run.",
        "currency": "Currency of every money column in the marts (ISO 4217 code).",
        "storage_version": "DuckDB storage version the file was written with; DuckDB releases "
        "from that version on can open it.",
        "docs_fingerprint": "SHA-256 of the mart and column descriptions this file carries.",
        "details_json": "Row counts, check verdicts, empty reasons and warnings as one JSON "
        "object.",
    },
    "marts": {
        "mart": "Table name in schema marts.",
        "description": "What the mart holds, from the dbt docs.",
        "grain": "What one row of the mart is.",
        "row_count": "Rows in the mart.",
        "as_of_date": "As-of date of the mart's figures (the run's as-of date).",
        "currency": "Currency of the mart's money columns (ISO 4217 code).",
        "empty_reason": "Why the mart has no rows (e.g. an optional input was not delivered); "
        "null when it has rows.",
    },
    "warnings": {
        "position": "Order in which the run raised the warning (1 = first).",
        "warning": "The warning, in plain words.",
    },
    "deliveries": {
        "entity": "Landing entity (accounts, invoice_lines, contacts, ...).",
        "is_required": "True for the entities every run needs (accounts, invoice lines).",
        "files": "Landing files whose current content is loaded (a re-delivered file counts once).",
        "rows_read": "Records read from those files.",
        "rows_loaded": "Rows loaded into bronze (rows_read minus quarantined and excluded).",
        "rows_quarantined": "Rows that broke a row rule, kept in bronze.quarantine with reason.",
        "rows_excluded": "Rows kam.yml's rules exclude (not bad rows), kept with their reason.",
    },
    "check_results": {
        "check_name": "The check: asset and check name.",
        "passed": "True when the check passed.",
    },
    "mart_row_counts": {
        "mart": "Table name in schema marts.",
        "row_count": "Rows in the mart.",
    },
}


@dataclass(frozen=True)
class PublishRecord:
    """What a published file says about itself (stored in schema `meta`).

    `empty_reasons` (mart -> why it is empty) and `warnings` are filled by the steps that know
    them (optional inputs not delivered, a CLV fit published with a warning); both may be empty.
    """

    run_id: str
    as_of_date: str | None
    checks: Mapping[str, bool]  # check name -> passed
    row_counts: Mapping[str, int] = field(default_factory=dict)
    published_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    empty_reasons: Mapping[str, str] = field(default_factory=dict)
    warnings: Sequence[str] = ()
    currency: str = DEFAULT_CURRENCY
    # entity -> {files, rows_read, rows_loaded, rows_quarantined, rows_excluded}
    deliveries: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def all_checks_passed(self) -> bool:
        return bool(self.checks) and all(self.checks.values())

    def same_content_as(self, stored: PublishInfo) -> bool:
        """True when a file published with this record would say what `stored` says, apart
        from who published it and when: as-of date, checks, currency and empty reasons.

        Warnings are left out on purpose: a run on unchanged data may still warn about time
        passing (no new delivery for days), and that must not make a new version of the same
        data every quiet night.
        """
        return (
            self.as_of_date == stored.as_of_date
            and dict(self.checks) == stored.checks
            and self.currency == stored.currency
            and dict(self.empty_reasons) == stored.empty_reasons
            and {entity: dict(counts) for entity, counts in self.deliveries.items()}
            == stored.deliveries
        )


@dataclass(frozen=True)
class MartInfo:
    name: str
    row_count: int
    grain: str | None = None
    empty_reason: str | None = None


@dataclass(frozen=True)
class PublishInfo:
    """What a published file says about itself, as read back from it."""

    version: str | None
    run_id: str
    as_of_date: str | None
    published_at: datetime
    checks_passed: int
    checks_total: int
    row_counts: dict[str, int]
    checks: dict[str, bool] = field(default_factory=dict)
    currency: str | None = None
    storage_version: str | None = None
    docs_fingerprint: str | None = None
    empty_reasons: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    marts: list[MartInfo] = field(default_factory=list)
    deliveries: dict[str, dict[str, int]] = field(default_factory=dict)


def write_meta(
    con: duckdb.DuckDBPyConnection,
    record: PublishRecord,
    row_counts: Mapping[str, int],
    *,
    docs: Mapping[str, MartDoc],
    storage_version: str,
) -> None:
    """(Re)create schema `meta` of the default database from `record`."""
    con.execute(f"drop schema if exists {META_SCHEMA} cascade")
    con.execute(f"create schema {META_SCHEMA}")
    empty_reasons = {
        mart: reason for mart, reason in record.empty_reasons.items() if mart in row_counts
    }
    con.execute(
        f"""
        create table {META_SCHEMA}.publish (
            run_id varchar, as_of_date date, published_at timestamp,
            checks_passed integer, checks_total integer, currency varchar,
            storage_version varchar, docs_fingerprint varchar, details_json varchar
        )
        """
    )
    details = {
        "row_counts": dict(row_counts),
        "checks": dict(record.checks),
        "empty_reasons": empty_reasons,
        "warnings": list(record.warnings),
        "deliveries": {entity: dict(counts) for entity, counts in record.deliveries.items()},
    }
    con.execute(
        f"insert into {META_SCHEMA}.publish values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.run_id,
            record.as_of_date,
            record.published_at.replace(tzinfo=None),
            sum(1 for passed in record.checks.values() if passed),
            len(record.checks),
            record.currency,
            storage_version,
            docs_fingerprint(docs),
            json.dumps(details, sort_keys=True),
        ],
    )
    con.execute(
        f"""
        create table {META_SCHEMA}.marts (
            mart varchar, description varchar, grain varchar, row_count bigint,
            as_of_date date, currency varchar, empty_reason varchar
        )
        """
    )
    _insert_rows(
        con,
        f"insert into {META_SCHEMA}.marts values (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                mart,
                docs[mart].description if mart in docs else None,
                docs[mart].grain if mart in docs else None,
                rows,
                record.as_of_date,
                record.currency,
                empty_reasons.get(mart),
            ]
            for mart, rows in sorted(row_counts.items())
        ],
    )
    con.execute(f"create table {META_SCHEMA}.warnings (position integer, warning varchar)")
    _insert_rows(
        con,
        f"insert into {META_SCHEMA}.warnings values (?, ?)",
        [[position, text] for position, text in enumerate(record.warnings, start=1)],
    )
    con.execute(
        f"""
        create table {META_SCHEMA}.deliveries (
            entity varchar, is_required boolean, files bigint, rows_read bigint,
            rows_loaded bigint, rows_quarantined bigint, rows_excluded bigint
        )
        """
    )
    _insert_rows(
        con,
        f"insert into {META_SCHEMA}.deliveries values (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                entity,
                ENTITIES[entity].is_required if entity in ENTITIES else False,
                *(int(counts.get(name, 0)) for name in DELIVERY_COUNTS),
            ]
            for entity, counts in record.deliveries.items()
        ],
    )
    con.execute(f"create table {META_SCHEMA}.check_results (check_name varchar, passed boolean)")
    _insert_rows(
        con, f"insert into {META_SCHEMA}.check_results values (?, ?)", sorted(record.checks.items())
    )
    con.execute(f"create table {META_SCHEMA}.mart_row_counts (mart varchar, row_count bigint)")
    _insert_rows(
        con, f"insert into {META_SCHEMA}.mart_row_counts values (?, ?)", sorted(row_counts.items())
    )
    for table, comment in TABLE_COMMENTS.items():
        con.execute(f"comment on table {META_SCHEMA}.{table} is {_literal(comment)}")
        for column, column_comment in COLUMN_COMMENTS[table].items():
            con.execute(
                f"comment on column {META_SCHEMA}.{table}.{column} is {_literal(column_comment)}"
            )


def read_meta(
    con: duckdb.DuckDBPyConnection, catalog: str, version: str | None = None
) -> PublishInfo:
    """Schema `meta` of `catalog`, also as written by earlier releases (fewer columns)."""
    cursor = con.execute(f"select * from {_ident(catalog)}.{META_SCHEMA}.publish")
    names = [column[0] for column in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    details = json.loads(row.get("details_json") or "{}")
    row_counts = {name: int(count) for name, count in (details.get("row_counts") or {}).items()}
    empty_reasons = dict(details.get("empty_reasons") or {})
    return PublishInfo(
        version=version,
        run_id=row["run_id"],
        as_of_date=_iso(row.get("as_of_date")),
        published_at=row["published_at"].replace(tzinfo=UTC),
        checks_passed=row["checks_passed"],
        checks_total=row["checks_total"],
        row_counts=row_counts,
        checks={name: bool(passed) for name, passed in (details.get("checks") or {}).items()},
        currency=row.get("currency"),
        storage_version=row.get("storage_version"),
        docs_fingerprint=row.get("docs_fingerprint"),
        empty_reasons=empty_reasons,
        warnings=list(details.get("warnings") or []),
        marts=_read_marts(con, catalog, row_counts, empty_reasons),
        deliveries={
            entity: {name: int(value) for name, value in counts.items()}
            for entity, counts in (details.get("deliveries") or {}).items()
        },
    )


def read_publish_info_from(db_path: Path, version: str | None = None) -> PublishInfo:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return read_meta(con, con.execute("select current_database()").fetchone()[0], version)
    finally:
        con.close()


def _read_marts(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    row_counts: Mapping[str, int],
    empty_reasons: Mapping[str, str],
) -> list[MartInfo]:
    has_table = con.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = 'marts'",
        [catalog, META_SCHEMA],
    ).fetchone()[0]
    if not has_table:  # published by an earlier release: counts only
        return [
            MartInfo(name, count, empty_reason=empty_reasons.get(name))
            for name, count in sorted(row_counts.items())
        ]
    rows = con.execute(
        f"select mart, row_count, grain, empty_reason from {_ident(catalog)}.{META_SCHEMA}.marts "
        "order by mart"
    ).fetchall()
    return [MartInfo(name, int(count), grain, reason) for name, count, grain, reason in rows]


def _insert_rows(con: duckdb.DuckDBPyConnection, statement: str, rows: list) -> None:
    if rows:  # DuckDB refuses executemany with no parameter sets
        con.executemany(statement, rows)


def _iso(value: object) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value else None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
