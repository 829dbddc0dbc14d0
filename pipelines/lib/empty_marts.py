"""Why a mart is empty, in words a reader of the publish record or `kam status` can act on.

Only accounts and invoice lines are required. A mart that needs an input that was never delivered
is published empty, and the reason names that input and where it is looked for ("no contacts
delivered (crm/contacts.*)"); which marts an input feeds is the landing contract's `Entity.feeds`.
A mart that is empty although every input it needs was delivered gets the reason the data gives
(no purchase up to the as-of date, no plan quarter started yet, ...).

Plain Python and DuckDB, run on the build file (schemas `bronze` and `marts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from pipelines.lib.config_schema import DEFAULT_SOURCES
from pipelines.lib.contract import ENTITIES

# The inputs a mart's rows come from, as groups: the mart is empty when every entity of a group is
# missing (plan_execution has rows from objectives or from actions). Every entity named here lists
# the mart in its contract `feeds`; the other inputs a mart reads only fill some of its columns, so
# they never explain an empty mart; the rows of a mart missing here come from required inputs.
ROW_SOURCES: dict[str, tuple[tuple[str, ...], ...]] = {
    "decision_unit_coverage": (("contacts",),),
    "decision_unit_gaps": (("contacts",),),
    "dim_kams": (("users",),),
    "dim_products": (("products",),),
    "kam_scorecard": (("users",), ("objectives", "actions")),
    "objective_attainment": (("objectives",),),
    "plan_execution": (("objectives", "actions"),),
    "sla_by_tier": (("service_requests",),),
    "sla_compliance": (("service_requests",),),
}

# Why a mart can be empty with every input delivered, by mart. {as_of} is the run's as-of date.
EMPTY_WITH_INPUTS = {
    "objective_attainment": "no objective for a plan quarter started by {as_of}",
    "kam_scorecard": "no plan quarter (objectives or actions) started by {as_of}",
    "plan_execution": "no plan quarter (objectives or actions) started by {as_of}",
    "account_tier_changes": "no account changed tier between two month-ends up to {as_of}",
    "decision_unit_gaps": "no key or strategic account at {as_of}",
    "sla_compliance": "no service request opened up to {as_of}",
    "sla_by_tier": "no service request opened up to {as_of}",
}
NO_PURCHASES = "no purchases up to the as-of date"


def feeding_entities(mart: str) -> tuple[str, ...]:
    """The entities whose contract says they feed `mart`, in contract order."""
    return tuple(name for name, entity in ENTITIES.items() if mart in entity.feeds)


def empty_mart_reasons(
    con: duckdb.DuckDBPyConnection,
    source_paths: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, str]:
    """{mart: reason} for every table of schema `marts` without a row.

    `source_paths` maps an entity to the landing globs it is read from (kam.yml `sources`); the
    default layout when not given.
    """
    paths = source_paths or {name: spec.paths for name, spec in DEFAULT_SOURCES.items()}
    marts = _tables(con, "marts")
    empty = [mart for mart in marts if _row_count(con, f"marts.{_quote(mart)}") == 0]
    if not empty:
        return {}
    delivered = _delivered_entities(con)
    as_of = _as_of_date(con)
    reasons = {}
    for mart in empty:
        groups = ROW_SOURCES.get(mart) or tuple(
            (name,) for name in feeding_entities(mart) if ENTITIES[name].is_required
        )
        missing = [group for group in groups if not delivered.intersection(group)]
        if missing:
            reasons[mart] = "; ".join(_not_delivered(group, paths) for group in missing)
        elif as_of is None:
            reasons[mart] = NO_PURCHASES
        else:
            reasons[mart] = EMPTY_WITH_INPUTS.get(mart, "no rows as of {as_of}").format(as_of=as_of)
    return reasons


def _not_delivered(group: Sequence[str], paths: Mapping[str, Sequence[str]]) -> str:
    """'no contacts delivered (crm/contacts.*)'; 'no objectives or actions delivered (...)'."""
    names = " or ".join(name.replace("_", " ") for name in group)
    globs = ", ".join(dict.fromkeys(glob for name in group for glob in paths.get(name, ())))
    return f"no {names} delivered ({globs})"


def _delivered_entities(con: duckdb.DuckDBPyConnection) -> set[str]:
    bronze = _tables(con, "bronze")
    return {
        name
        for name in ENTITIES
        if name in bronze and _row_count(con, f"bronze.{_quote(name)}") > 0
    }


def _as_of_date(con: duckdb.DuckDBPyConnection) -> str | None:
    """The as-of date of the build, or None when no invoice line counts (no purchase at all)."""
    if "fct_sales" not in _tables(con, "marts"):
        return None
    if "int_as_of_date" in _tables(con, "intermediate"):
        row = con.execute("select max(as_of_date) from intermediate.int_as_of_date").fetchall()[0]
    else:
        row = con.execute("select max(invoice_date) from marts.fct_sales").fetchall()[0]
    has_lines = _row_count(con, "marts.fct_sales") > 0
    return row[0].isoformat() if has_lines and row and row[0] else None


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {row[0] for row in rows}


def _row_count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from (select 1 from {relation} limit 1)").fetchall()[0][0]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
