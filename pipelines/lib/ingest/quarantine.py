"""Reading the quarantine back: which rows were set aside or left out, where, and why.

Every problem row of every load is kept in `bronze/_quarantine/<entity>/<load_id>.parquet` with the
file, line, column, rule, what happened to the row (`quarantined`: a bad row; `excluded`: left out
by kam.yml's rules) and the value as delivered, personal data redacted. This is what
`kam quarantine` prints and what a failed run points at.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.lib.config import Settings
from pipelines.lib.ingest.bronze import quarantine_select


@dataclass(frozen=True)
class QuarantinedRow:
    entity: str
    load_id: str
    source_file: str
    line: int
    column_name: str | None
    rule: str | None
    disposition: str
    reason: str
    value: str | None


@dataclass(frozen=True)
class QuarantineListing:
    rows: list[QuarantinedRow]
    total: int  # rows matching the filters, of which `rows` are the first


def list_quarantine(
    settings: Settings,
    *,
    entity: str | None = None,
    load_id: str | None = None,
    disposition: str | None = None,
    limit: int = 50,
) -> QuarantineListing:
    """The quarantine rows matching the filters, the most recent load first, then by file/line."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
    try:
        filters, params = ["true"], []
        for column, value in (
            ("entity", entity),
            ("load_id", load_id),
            ("disposition", disposition),
        ):
            if value is not None:
                filters.append(f"{column} = ?")
                params.append(value)
        source = f"({quarantine_select(con, settings, entity)}) AS q WHERE {' AND '.join(filters)}"
        total = con.execute(f"SELECT count(*) FROM {source}", params).fetchall()[0][0]
        rows = con.execute(
            "SELECT entity, load_id, source_file, line, column_name, rule, "
            f"coalesce(disposition, 'quarantined'), reason, value FROM {source} "
            "ORDER BY load_id DESC, source_file, line, column_name LIMIT ?",
            [*params, limit],
        ).fetchall()
    finally:
        con.close()
    return QuarantineListing([QuarantinedRow(*row) for row in rows], total)
