"""How values are shown where personal data must not appear: quarantine values, messages, notes.

For an entity holding personal data (`contract.Entity.has_personal_data`) every value is redacted,
not only those of its personal columns: a file without a header row or with shifted columns puts
a contact's name or e-mail under any column. The shape keeps the length, which is often enough to
see what went wrong (an empty value, a 40-character text in a 1-digit column).
"""

from __future__ import annotations

from pipelines.lib.contract import Entity


def redacted(value: str | None) -> str | None:
    if value is None:
        return None
    return f"<redacted: {len(value)} characters>"


def redacted_sql(expression: str) -> str:
    """SQL giving `redacted(expression)`."""
    return (
        f"CASE WHEN {expression} IS NULL THEN NULL "
        f"ELSE '<redacted: ' || length({expression}) || ' characters>' END"
    )


def shown_sql(entity: Entity, expression: str) -> str:
    """SQL for a value as a quarantine row may show it."""
    return redacted_sql(expression) if entity.has_personal_data else expression


def shown(entity: Entity, value: str | None) -> str | None:
    return redacted(value) if entity.has_personal_data else value
