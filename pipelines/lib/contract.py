"""The landing contract: what each entity must look like once parsed.

This is the single source of truth for entity names, keys, column types and row rules. The parser
(`pipelines.lib.ingest`), the sample-data generator, the Great Expectations suites and the dbt
sources all follow it, so a column added here is added everywhere by design, not by memory.

Types are DuckDB SQL types because bronze is written through DuckDB; `DECIMAL(18, 2)` keeps money
exact from the landing file to the marts (a `1.234,56` in a Brazilian export stays 1234.56, never
1234.5599999).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MONEY = "DECIMAL(18, 2)"
QUANTITY = "DECIMAL(18, 3)"
TEXT = "VARCHAR"
INTEGER = "INTEGER"
DOUBLE = "DOUBLE"
BOOLEAN = "BOOLEAN"
DATE = "DATE"
TIMESTAMP = "TIMESTAMP"  # always UTC, per SPEC "timestamps are UTC, named _at"

BRAZILIAN_STATES = (
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
)  # fmt: skip

ACCOUNT_TYPES = (
    "hospital", "clinic", "pharmacy_chain", "distributor", "health_plan", "government",
)  # fmt: skip
DECISION_ROLES = ("decision_maker", "influencer", "champion", "gatekeeper", "user")
ACTIVITY_TYPES = ("visit", "call", "email", "meeting", "event")
OPPORTUNITY_TYPES = (
    "formulary_inclusion", "tender", "contract_renewal", "new_product", "upsell",
)  # fmt: skip
USER_ROLES = ("key_account_manager", "account_manager", "regional_manager")
ACTION_STATUSES = ("planned", "in_progress", "done", "cancelled")
SWOT_QUADRANTS = ("strength", "weakness", "opportunity", "threat")
TIERS = ("key", "strategic", "core", "maintain")
KPIS = (
    "net_revenue", "units", "new_listings", "visits", "decision_makers_engaged",
    "sla_compliance_pct", "opportunities_won",
)  # fmt: skip
SERVICE_PRIORITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Column:
    """One contract column.

    `allowed` is an enum (values compared after trimming and lower-casing for text enums);
    `minimum` / `maximum` are inclusive bounds; `pattern` is a regular expression the whole value
    must match; `is_personal` marks LGPD personal data that must never reach a log or an error.
    """

    name: str
    type: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    is_cnpj: bool = False
    is_personal: bool = False


@dataclass(frozen=True)
class Entity:
    """One landing entity: its key, its columns, and where it comes from by default."""

    name: str
    source_system: str  # crm, sales or plan: the Dagster ingest module and asset group
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # Foreign keys checked at ingest (row goes to quarantine when the parent is unknown):
    # {column: parent entity}. Only rules SPEC names as row rules live here.
    references: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.is_personal)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"entity {self.name!r} has no column {name!r}")


def _req(name: str, type_: str, **rules) -> Column:
    return Column(name, type_, required=True, **rules)


def _opt(name: str, type_: str, **rules) -> Column:
    return Column(name, type_, required=False, **rules)


ENTITIES: dict[str, Entity] = {
    entity.name: entity
    for entity in (
        Entity(
            "accounts",
            "crm",
            key=("account_id",),
            columns=(
                _req("account_id", TEXT),
                _req("account_name", TEXT),
                _req("account_type", TEXT, allowed=ACCOUNT_TYPES),
                _req("state", TEXT, allowed=BRAZILIAN_STATES),
                _req("owner_kam_id", TEXT),
                _req("created_at", TIMESTAMP),
                _opt("cnpj", TEXT, is_cnpj=True),
                _opt("city", TEXT),
                _opt("country", TEXT),
                _opt("beds", INTEGER, minimum=0),
                _opt("market_potential_brl", MONEY, minimum=0),
                _opt("referred_by_account_id", TEXT),
                _opt("is_reference_site", BOOLEAN),
                _opt("competitors", TEXT),
            ),
        ),
        Entity(
            "contacts",
            "crm",
            key=("contact_id",),
            columns=(
                _req("contact_id", TEXT),
                _req("account_id", TEXT),
                _req("decision_role", TEXT, allowed=DECISION_ROLES),
                _req("relationship_level", INTEGER, minimum=1, maximum=5),
                _opt("full_name", TEXT, is_personal=True),
                _opt("email", TEXT, is_personal=True),
                _opt("phone", TEXT, is_personal=True),
                _opt("job_title", TEXT),
                _opt("department", TEXT),
                _opt("is_active", BOOLEAN),
                _opt("updated_at", TIMESTAMP),
            ),
            references={"account_id": "accounts"},
        ),
        Entity(
            "activities",
            "crm",
            key=("activity_id",),
            columns=(
                _req("activity_id", TEXT),
                _req("account_id", TEXT),
                _req("kam_id", TEXT),
                _req("activity_type", TEXT, allowed=ACTIVITY_TYPES),
                _req("started_at", TIMESTAMP),
                _opt("contact_id", TEXT),
                _opt("duration_minutes", INTEGER, minimum=0),
                _opt("is_completed", BOOLEAN),
                _opt("outcome", TEXT),
            ),
            references={"account_id": "accounts"},
        ),
        Entity(
            "service_requests",
            "crm",
            key=("request_id",),
            columns=(
                _req("request_id", TEXT),
                _req("account_id", TEXT),
                _req("opened_at", TIMESTAMP),
                _opt("contact_id", TEXT),
                _opt("first_response_at", TIMESTAMP),
                _opt("resolved_at", TIMESTAMP),
                _opt("channel", TEXT),
                _opt("priority", TEXT, allowed=SERVICE_PRIORITIES),
            ),
            references={"account_id": "accounts"},
        ),
        Entity(
            "opportunities",
            "crm",
            key=("opportunity_id",),
            columns=(
                _req("opportunity_id", TEXT),
                _req("account_id", TEXT),
                _req("opportunity_type", TEXT, allowed=OPPORTUNITY_TYPES),
                _req("stage", TEXT),
                _req("amount_brl", MONEY, minimum=0),
                _req("created_at", TIMESTAMP),
                _opt("kam_id", TEXT),
                _opt("product_id", TEXT),
                _opt("probability", DOUBLE, minimum=0, maximum=1),
                _opt("close_date", DATE),
                _opt("is_won", BOOLEAN),
                _opt("is_closed", BOOLEAN),
            ),
            references={"account_id": "accounts"},
        ),
        Entity(
            "users",
            "crm",
            key=("kam_id",),
            columns=(
                _req("kam_id", TEXT),
                _req("full_name", TEXT),
                _req("role", TEXT, allowed=USER_ROLES),
                _req("region", TEXT),
                _opt("email", TEXT, is_personal=True),
                _opt("manager_id", TEXT),
                _opt("hired_date", DATE),
                _opt("is_active", BOOLEAN),
            ),
        ),
        Entity(
            "products",
            "sales",
            key=("product_id",),
            columns=(
                _req("product_id", TEXT),
                _req("product_name", TEXT),
                _req("therapeutic_area", TEXT),
                _req("list_price_brl", MONEY, minimum=0),
                _opt("brand", TEXT),
                _opt("unit_cost_brl", MONEY, minimum=0),
                _opt("launched_date", DATE),
            ),
        ),
        Entity(
            "invoice_lines",
            "sales",
            key=("invoice_id", "line_number"),
            columns=(
                _req("invoice_id", TEXT),
                _req("line_number", INTEGER, minimum=1),
                _req("invoice_date", DATE),
                _req("account_id", TEXT),
                _req("product_id", TEXT),
                # Quantities and amounts may be negative: credit notes (devoluções) are lines too.
                _req("quantity", QUANTITY),
                _req("net_amount_brl", MONEY),
                _opt("unit_price_brl", MONEY, minimum=0),
                _opt("discount_brl", MONEY, minimum=0),
                _opt("channel", TEXT),
                _opt("distributor_id", TEXT),
            ),
            references={"account_id": "accounts", "product_id": "products"},
        ),
        Entity(
            "objectives",
            "plan",
            key=("plan_period", "account_id", "kpi"),
            columns=(
                _req("plan_period", TEXT, pattern=r"^[0-9]{4}-Q[1-4]$"),
                _req("account_id", TEXT),
                _req("kpi", TEXT, allowed=KPIS),
                _req("kam_id", TEXT),
                _req("target_value", "DECIMAL(18, 4)", minimum=0),
                _opt("weight", DOUBLE, minimum=0),
            ),
            references={"account_id": "accounts"},
        ),
        Entity(
            "actions",
            "plan",
            key=("action_id",),
            columns=(
                _req("action_id", TEXT),
                _req("account_id", TEXT),
                _req("kam_id", TEXT),
                _req("description", TEXT),
                _req("due_date", DATE),
                _req("status", TEXT, allowed=ACTION_STATUSES),
                _opt("objective_kpi", TEXT, allowed=KPIS),
                _opt("completed_date", DATE),
            ),
            references={"account_id": "accounts"},
        ),
        Entity(
            "swot",
            "plan",
            key=("plan_year", "account_id", "quadrant", "item"),
            columns=(
                _req("plan_year", INTEGER, minimum=2000, maximum=2100),
                _req("account_id", TEXT),
                _req("quadrant", TEXT, allowed=SWOT_QUADRANTS),
                _req("item", TEXT),
            ),
            references={"account_id": "accounts"},
        ),
        Entity(
            "tier_overrides",
            "plan",
            key=("account_id", "valid_from"),
            columns=(
                _req("account_id", TEXT),
                _req("valid_from", DATE),
                _req("tier", TEXT, allowed=TIERS),
                _req("reason", TEXT),
                _opt("valid_to", DATE),
                _opt("approved_by", TEXT),
            ),
            references={"account_id": "accounts"},
        ),
    )
}

# Lineage columns every bronze table carries besides the contract's columns.
BRONZE_LINEAGE_COLUMNS = {
    "_load_id": TEXT,  # the load that wrote the row (see the load manifest)
    "_source_file": TEXT,  # landing path relative to the landing folder
    # 1-based physical line (CSV) or row (XLSX: header = 1; Parquet: row + 1)
    "_source_line": "BIGINT",
    "_loaded_at": TIMESTAMP,  # UTC time of the load
}
# invoice_lines bronze rows also carry the delivery period their file covers.
INVOICE_PERIOD_COLUMN = "_delivery_period"  # TEXT: 'YYYY-MM-DD' (daily file) or 'YYYY-MM' (monthly)


def entity(name: str) -> Entity:
    """Return the contract of `name`, or say which entities exist."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}; expected one of {', '.join(ENTITIES)}") from None
