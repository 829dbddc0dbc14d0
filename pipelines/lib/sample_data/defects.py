"""Bad rows the way real exports have them, injected at a chosen rate.

The ingest quarantine and the raw checks need something to catch: missing keys, broken CNPJ check
digits, rows pointing at unknown accounts, impossible dates, malformed numbers, values outside an
enum or range, and exact duplicate lines. Defects are applied to the rendered (text) table, so
they are exactly what a parser sees. With rate 0 nothing is touched.
"""

from __future__ import annotations

import numpy as np

from pipelines.lib.contract import DATE, DOUBLE, INTEGER, QUANTITY, TIMESTAMP, Entity

BAD_DATES = ("31/02/2025", "2025-13-01", "32/01/2026", "2025-02-30")
BAD_NUMBERS = ("12,34,5", "abc", "1.2.3,4", "--7")
BAD_ENUM = "desconhecido"
# Real ids have six (accounts) or four (products) digits: these never resolve.
UNKNOWN_IDS = {"account_id": "ACC-9{:06d}", "product_id": "PRD-9{:05d}"}


def defect_count(rate: float, rows: int) -> int:
    """About `rate` of the rows; at least one once the table has 100 rows."""
    if rate <= 0 or rows == 0:
        return 0
    count = int(round(rate * rows))
    return max(count, 1) if rows >= 100 else count


def _kinds(entity: Entity) -> list[tuple[str, str]]:
    """(kind, column) pairs that make sense for this entity."""
    kinds: list[tuple[str, str]] = [("missing_key", entity.key[0]), ("duplicate", "")]
    rule_columns = {rule.column: rule.name for rule in entity.row_rules}
    for column in entity.columns:
        if rule_columns.get(column.name) == "cnpj.brazil":
            kinds.append(("bad_cnpj", column.name))
        if (
            column.name in ("account_id", "product_id")
            and column.name not in entity.key
            and column.name in entity.references
        ):
            kinds.append(("unknown_id", column.name))
        if column.type in (DATE, TIMESTAMP) and column.required:
            kinds.append(("bad_date", column.name))
        numeric = column.type in (INTEGER, QUANTITY, DOUBLE) or column.type.startswith("DECIMAL")
        if numeric and column.required:
            kinds.append(("bad_number", column.name))
        # A code from a closed list: an enum, a vocabulary, or Brazil's state codes.
        if column.allowed or column.vocabulary or rule_columns.get(column.name) == "state.brazil":
            kinds.append(("bad_enum", column.name))
        elif column.maximum is not None or (column.minimum is not None and numeric):
            kinds.append(("out_of_range", column.name))
    return kinds


def _out_of_range(entity: Entity, column_name: str, decimal: str) -> str:
    column = entity.column(column_name)
    if column.maximum is not None:
        value = column.maximum * 1.7 if column.type == DOUBLE else column.maximum + 4
        text = f"{value:g}" if column.type != DOUBLE else f"{value:.2f}"
        return text.replace(".", decimal)
    return "-5"


def inject(
    rng: np.random.Generator,
    table: dict[str, np.ndarray],
    entity: Entity,
    rate: float,
    *,
    decimal: str = ".",
    missing: object = "",
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Damage about `rate` of the rows of `table` (object arrays, modified copies).

    Returns the new table and, for every output row, the input row it came from (duplicates
    repeat their source), so callers can keep routing rows (e.g. by invoice day).
    """
    rows = len(next(iter(table.values())))
    count = defect_count(rate, rows)
    if count == 0:
        return table, np.arange(rows)
    table = {name: np.array(values, dtype=object) for name, values in table.items()}
    kinds = _kinds(entity)
    order = rng.permutation(len(kinds))
    chosen = np.sort(rng.choice(rows, size=min(count, rows), replace=False))
    duplicates: list[int] = []
    for i, row in enumerate(chosen):
        kind, column = kinds[order[i % len(kinds)]]
        if column and column not in table:
            continue
        if kind == "missing_key":
            table[column][row] = missing
        elif kind == "duplicate":
            duplicates.append(int(row))
        elif kind == "bad_cnpj":
            value = str(table[column][row] or "11.222.333/0001-81")
            table[column][row] = value[:-1] + str((int(value[-1]) + 1) % 10)
        elif kind == "unknown_id":
            table[column][row] = UNKNOWN_IDS[column].format(int(rng.integers(1_000_000)))
        elif kind == "bad_date":
            table[column][row] = BAD_DATES[rng.integers(len(BAD_DATES))]
        elif kind == "bad_number":
            table[column][row] = BAD_NUMBERS[rng.integers(len(BAD_NUMBERS))]
        elif kind == "bad_enum":
            table[column][row] = BAD_ENUM
        elif kind == "out_of_range":
            table[column][row] = _out_of_range(entity, column, decimal)
    source = np.sort(np.concatenate([np.arange(rows), np.array(duplicates, dtype=np.int64)]))
    if duplicates:
        table = {name: values[source] for name, values in table.items()}
    return table, source
