"""`kam quarantine`: list the rows a load set aside (quarantined) or left out (excluded)."""

from __future__ import annotations

from pipelines.lib.config import Settings
from pipelines.lib.ingest.quarantine import QuarantineListing, list_quarantine

_VALUE_WIDTH = 40


def describe_quarantine(
    settings: Settings,
    *,
    entity: str | None = None,
    load_id: str | None = None,
    disposition: str | None = None,
    limit: int = 50,
) -> str:
    listing = list_quarantine(
        settings, entity=entity, load_id=load_id, disposition=disposition, limit=limit
    )
    return format_listing(listing, settings, entity=entity, load_id=load_id)


def format_listing(
    listing: QuarantineListing,
    settings: Settings,
    *,
    entity: str | None = None,
    load_id: str | None = None,
) -> str:
    scope = ", ".join(
        part for part in (entity and f"entity {entity}", load_id and f"load {load_id}") if part
    )
    where = f"{settings.bronze_dir / '_quarantine'}"
    if not listing.total:
        return f"no quarantined or excluded rows{f' ({scope})' if scope else ''} in {where}"
    shown = len(listing.rows)
    lines = [
        f"{listing.total:,} row problem(s){f' ({scope})' if scope else ''} in {where}"
        + (f"; the first {shown} (--limit N for more):" if shown < listing.total else ":")
    ]
    current = None
    for row in listing.rows:
        if (row.entity, row.load_id) != current:
            current = (row.entity, row.load_id)
            lines.append(f"{row.entity}, load {row.load_id}:")
        value = "empty" if row.value is None else repr(_shorten(row.value))
        where_in_file = f"{row.source_file} line {row.line}"
        column = f", column {row.column_name}" if row.column_name else ""
        lines.append(
            f"  {where_in_file}{column}: {row.disposition} [{row.rule or '?'}] {row.reason} "
            f"(value {value})"
        )
    return "\n".join(lines)


def _shorten(text: str) -> str:
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 3] + "..."
