"""Derived columns and exclusion predicates: SQL expressions from kam.yml over a row's typed values.

An export often lacks a contract column it implies: a line amount from quantity x unit price, a
line number within an invoice, an id written `17850.0`, a country that is the same for every row.
kam.yml declares such columns under `sources.<entity>.derived` as DuckDB SQL expressions over the
entity's contract columns, typed as the file's format says (text columns as trimmed text), plus
`_line` (the row's line in its file) and `_file`. Window functions are allowed, e.g.
`row_number() over (partition by invoice_id order by _line)`.

Expressions are compiled against an empty table of the entity's typed columns when the
configuration is loaded, so a typo is reported with its key and file before any work starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from pipelines.lib.contract import Entity

# Columns an expression may read besides the entity's contract columns.
ROW_CONTEXT_COLUMNS = {"_line": "BIGINT", "_file": "VARCHAR"}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def expression_problem(expression: str) -> str | None:
    """Refuse what is not one expression (a statement separator, a comment hiding the rest)."""
    if not expression.strip():
        return "empty expression"
    if ";" in expression or "--" in expression or "/*" in expression:
        return "expected one SQL expression, without ';' or comments"
    return None


@contextmanager
def _typed_table(entity: Entity) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        columns = [f"{ident(c.name)} {c.type}" for c in entity.columns]
        columns += [f"{name} {type_}" for name, type_ in ROW_CONTEXT_COLUMNS.items()]
        con.execute(f"CREATE TABLE row_values ({', '.join(columns)})")
        # Rules may call the CNPJ check; register a stand-in of the same signature for compiling.
        con.create_function("kam_cnpj_is_valid", lambda _: True, ["VARCHAR"], "BOOLEAN")
        yield con
    finally:
        con.close()


def compile_problems(entity: Entity, source, where: tuple) -> list[tuple[tuple, str]]:
    """Every derived expression and exclusion predicate of `source` that does not compile."""
    checks: list[tuple[tuple, str, str]] = []
    for column_name, expression in source.derived.items():
        if column_name not in entity.column_names:
            continue  # reported as an unknown column by the caller
        target_type = entity.column(column_name).type
        checks.append(
            ((*where, "derived", column_name), expression, f"CAST(({expression}) AS {target_type})")
        )
    for index, rule in enumerate(source.exclude_when):
        checks.append(
            ((*where, "exclude_when", index, "when"), rule.when, f"CAST(({rule.when}) AS BOOLEAN)")
        )
    if not checks:
        return []
    problems: list[tuple[tuple, str]] = []
    with _typed_table(entity) as con:
        for path, expression, sql in checks:
            refused = expression_problem(expression)
            if refused:
                problems.append((path, f"{expression!r}: {refused}"))
                continue
            try:
                con.execute(f"SELECT {sql} FROM row_values LIMIT 0")
            except duckdb.Error as error:
                first = str(error).splitlines()[0]
                problems.append(
                    (
                        path,
                        f"{expression!r} does not compile: {first}. Expressions are DuckDB SQL "
                        f"over the columns of {entity.name} ({', '.join(entity.column_names)}) "
                        "and _line",
                    )
                )
    return problems
