"""The landing contract: what each entity must look like once parsed.

This is the single source of truth for entity names, keys, column types, row rules and what each
entity feeds. The parser (`pipelines.lib.ingest`), the sample-data generator, the Great Expectations
suites, the dbt sources and the publish record all follow it, so a column added here is added
everywhere by design, not by memory. Behaviour that differs by entity (required or optional, how
deliveries replace each other, which marts go empty without it) is read off an entity's definition
here, never from its name.

Brazil and pharma are defaults, not the contract: vocabularies named here (account types, user
roles, activity and opportunity types, product categories) can be extended or replaced in kam.yml;
Brazilian state codes and CNPJ check digits are row rules that apply to accounts in Brazil only.
Money columns carry no currency in their names: the currency is one setting (`currency`, BRL
by default).

Types are DuckDB SQL types because bronze is written through DuckDB; `DECIMAL(18, 2)` keeps money
exact from the landing file to the marts (a `1.234,56` in a Brazilian export stays 1234.56, never
1234.5599999).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

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

# Configurable vocabularies and their defaults (kam.yml `vocabularies:` extends or replaces them).
# None = any text. The marts recognise the default values (a `key_account_manager` owns key
# accounts, a `visit` counts as a visit); values added in kam.yml are carried through as they are.
DEFAULT_VOCABULARIES: dict[str, tuple[str, ...] | None] = {
    "account_types": ACCOUNT_TYPES,
    "user_roles": USER_ROLES,
    "activity_types": ACTIVITY_TYPES,
    "opportunity_types": OPPORTUNITY_TYPES,
    "product_categories": None,
}


@dataclass(frozen=True)
class Column:
    """One contract column.

    `allowed` is a fixed enum the marts' logic depends on (values compared after trimming and
    lower-casing); `vocabulary` names a configurable list instead (kam.yml `vocabularies:`, defaults
    in DEFAULT_VOCABULARIES). `minimum` / `maximum` are inclusive bounds; `pattern` is a regular
    expression the whole value must match. `is_personal` marks LGPD personal data that must never
    reach a log or an error. `is_free_text` columns may legitimately hold line breaks; in any other
    column a line break means a quote that swallowed the following lines. `is_event_time` columns
    say when something happened, so a value after the run date (beyond a tolerance) is an error.
    `aliases` are other header names read as this column without a column map (earlier names of
    the column, e.g. `net_amount_brl`).
    """

    name: str
    type: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    vocabulary: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    is_personal: bool = False
    is_free_text: bool = False
    is_event_time: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of one row, in SQL over the typed values.

    `breaks_when` is true for a row that breaks the rule (NULL counts as not broken); the problem
    is reported on `column`. `name` is how kam.yml refers to the rule (e.g. to `exclude` such rows
    instead of quarantining them, see `sources.<entity>.rules`).
    """

    name: str
    column: str
    breaks_when: str
    reason: str


class Delivery(StrEnum):
    """How a new delivery of an entity relates to the ones before it."""

    # Each file is a full or partial extract of the entity; the latest version of each key wins.
    SNAPSHOT = "snapshot"
    # Each file covers a delivery period (a day or a month in its name, or, when the name has
    # none, the months of its lines' dates); the latest delivery of a period replaces it whole.
    PERIODIC = "periodic"


@dataclass(frozen=True)
class Entity:
    """One landing entity: its key, its columns, and what depends on it."""

    name: str
    source_system: str  # crm, sales or plan: the Dagster ingest module and asset group
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # Only accounts and invoice lines are required; a run never fails for want of another entity.
    is_required: bool = False
    delivery: Delivery = Delivery.SNAPSHOT
    # PERIODIC entities: the date column whose month places a line in a period when the file's
    # name carries no period.
    period_column: str | None = None
    # Foreign keys checked at ingest (row goes to quarantine when the parent is unknown):
    # {column: parent entity}. Checked only when the parent has been delivered.
    references: dict[str, str] = field(default_factory=dict)
    row_rules: tuple[RowRule, ...] = ()
    # The marts that are empty (or carry nulls in the columns this entity feeds) when it was
    # never delivered: the publish record names the missing entity as the reason.
    feeds: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.is_personal)

    @property
    def has_personal_data(self) -> bool:
        return any(column.is_personal for column in self.columns)

    @property
    def is_periodic(self) -> bool:
        return self.delivery is Delivery.PERIODIC

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"entity {self.name!r} has no column {name!r}")

    def rule_names(self) -> tuple[str, ...]:
        """Every rule a row of this entity can break, as kam.yml names them."""
        names = []
        for column in self.columns:
            names.append(f"{column.name}.missing")
            names.append(f"{column.name}.invalid")
            if column.name in self.references:
                names.append(f"{column.name}.unknown")
        names.append("key.duplicate")
        names.extend(rule.name for rule in self.row_rules)
        return tuple(names)


def _req(name: str, type_: str, **rules) -> Column:
    return Column(name, type_, required=True, **rules)


def _opt(name: str, type_: str, **rules) -> Column:
    return Column(name, type_, required=False, **rules)


_IN_BRAZIL = "country = 'BR'"
_STATE_LIST = ", ".join(f"'{state}'" for state in BRAZILIAN_STATES)

ENTITIES: dict[str, Entity] = {
    entity.name: entity
    for entity in (
        Entity(
            "accounts",
            "crm",
            key=("account_id",),
            is_required=True,
            columns=(
                _req("account_id", TEXT),
                _req("account_name", TEXT),
                _req("account_type", TEXT, vocabulary="account_types"),
                # Region or state: free text; a Brazilian state code for accounts in Brazil.
                _req("state", TEXT),
                _req("owner_kam_id", TEXT),
                # Customer lists often have no creation date: the account's history then starts
                # with its first purchase (int_accounts__monthly).
                _opt("created_at", TIMESTAMP, is_event_time=True),
                _opt("cnpj", TEXT),
                _opt("city", TEXT),
                # Two-letter codes upper-cased, Brazil's spellings read as BR, other names kept as
                # written; empty or absent = the `default_country` setting.
                _opt("country", TEXT),
                _opt("beds", INTEGER, minimum=0),
                _opt("market_potential", MONEY, minimum=0, aliases=("market_potential_brl",)),
                _opt("referred_by_account_id", TEXT),
                _opt("is_reference_site", BOOLEAN),
                _opt("competitors", TEXT, is_free_text=True),
            ),
            row_rules=(
                RowRule(
                    "state.brazil",
                    "state",
                    f"{_IN_BRAZIL} AND upper(state) NOT IN ({_STATE_LIST})",
                    "expected a Brazilian state code (AC, AL, ... TO) for an account in Brazil",
                ),
                RowRule(
                    "cnpj.brazil",
                    "cnpj",
                    f"{_IN_BRAZIL} AND cnpj IS NOT NULL AND NOT kam_cnpj_is_valid(cnpj)",
                    "invalid CNPJ: expected 14 digits with valid check digits, like "
                    "11.222.333/0001-81 or 11222333000181 (checked for accounts in Brazil)",
                ),
            ),
            feeds=(
                "dim_accounts",
                "account_tiers",
                "account_tier_changes",
                "retention_cohorts",
                "retention_summary",
                "account_churn",
                "account_clv",
                "account_health",
            ),  # fmt: skip
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
                _opt("updated_at", TIMESTAMP, is_event_time=True),
            ),
            references={"account_id": "accounts"},
            feeds=(
                "decision_unit_coverage",
                "decision_unit_gaps",
                "dim_accounts",
                "objective_attainment",
                "account_health",
            ),  # fmt: skip
        ),
        Entity(
            "activities",
            "crm",
            key=("activity_id",),
            columns=(
                _req("activity_id", TEXT),
                _req("account_id", TEXT),
                _req("kam_id", TEXT),
                _req("activity_type", TEXT, vocabulary="activity_types"),
                _req("started_at", TIMESTAMP, is_event_time=True),
                _opt("contact_id", TEXT),
                _opt("duration_minutes", INTEGER, minimum=0),
                _opt("is_completed", BOOLEAN),
                _opt("outcome", TEXT, is_free_text=True),
            ),
            references={"account_id": "accounts"},
            feeds=(
                "decision_unit_coverage",
                "decision_unit_gaps",
                "objective_attainment",
                "account_health",
            ),  # fmt: skip
        ),
        Entity(
            "service_requests",
            "crm",
            key=("request_id",),
            columns=(
                _req("request_id", TEXT),
                _req("account_id", TEXT),
                _req("opened_at", TIMESTAMP, is_event_time=True),
                _opt("contact_id", TEXT),
                _opt("first_response_at", TIMESTAMP, is_event_time=True),
                _opt("resolved_at", TIMESTAMP, is_event_time=True),
                _opt("channel", TEXT),
                _opt("priority", TEXT, allowed=SERVICE_PRIORITIES),
            ),
            references={"account_id": "accounts"},
            feeds=(
                "sla_compliance",
                "sla_by_tier",
                "objective_attainment",
                "kam_scorecard",
                "account_health",
            ),  # fmt: skip
        ),
        Entity(
            "opportunities",
            "crm",
            key=("opportunity_id",),
            columns=(
                _req("opportunity_id", TEXT),
                _req("account_id", TEXT),
                _req("opportunity_type", TEXT, vocabulary="opportunity_types"),
                _req("stage", TEXT),
                _req("amount", MONEY, minimum=0, aliases=("amount_brl",)),
                _req("created_at", TIMESTAMP, is_event_time=True),
                _opt("kam_id", TEXT),
                _opt("product_id", TEXT),
                _opt("probability", DOUBLE, minimum=0, maximum=1),
                _opt("close_date", DATE),
                _opt("is_won", BOOLEAN),
                _opt("is_closed", BOOLEAN),
            ),
            references={"account_id": "accounts"},
            feeds=("objective_attainment",),
        ),
        Entity(
            "users",
            "crm",
            key=("kam_id",),
            columns=(
                _req("kam_id", TEXT),
                _req("full_name", TEXT),
                _req("role", TEXT, vocabulary="user_roles"),
                _req("region", TEXT),
                _opt("email", TEXT, is_personal=True),
                _opt("manager_id", TEXT),
                _opt("hired_date", DATE),
                _opt("is_active", BOOLEAN),
            ),
            feeds=("dim_kams", "kam_scorecard"),
        ),
        Entity(
            "products",
            "sales",
            key=("product_id",),
            columns=(
                _req("product_id", TEXT),
                _req("product_name", TEXT, is_free_text=True),
                _req(
                    "product_category",
                    TEXT,
                    vocabulary="product_categories",
                    aliases=("therapeutic_area",),
                ),
                _req("list_price", MONEY, minimum=0, aliases=("list_price_brl",)),
                _opt("brand", TEXT),
                _opt("unit_cost", MONEY, minimum=0, aliases=("unit_cost_brl",)),
                _opt("launched_date", DATE),
                # False for postage, fees, bank charges and manual adjustments: such lines stay in
                # fct_sales, flagged, and count in no revenue-based metric.
                _opt("is_merchandise", BOOLEAN),
            ),
            feeds=("dim_products", "fct_sales", "clv_summary"),
        ),
        Entity(
            "invoice_lines",
            "sales",
            key=("invoice_id", "line_number"),
            is_required=True,
            delivery=Delivery.PERIODIC,
            period_column="invoice_date",
            columns=(
                _req("invoice_id", TEXT),
                _req("line_number", INTEGER, minimum=1),
                _req("invoice_date", DATE, is_event_time=True),
                _req("account_id", TEXT),
                _req("product_id", TEXT),
                # Quantities and amounts may be negative: credit notes (devoluções) are lines too.
                _req("quantity", QUANTITY),
                _req("net_amount", MONEY, aliases=("net_amount_brl",)),
                _opt("unit_price", MONEY, minimum=0, aliases=("unit_price_brl",)),
                _opt("discount", MONEY, minimum=0, aliases=("discount_brl",)),
                _opt("channel", TEXT),
                _opt("distributor_id", TEXT),
            ),
            references={"account_id": "accounts", "product_id": "products"},
            row_rules=(
                RowRule(
                    "opposite_signs",
                    "net_amount",
                    "(quantity > 0 AND net_amount < 0) OR (quantity < 0 AND net_amount > 0)",
                    "quantity and net amount have opposite signs: a sale has both positive, a "
                    "credit note (return) both negative",
                ),
            ),
            feeds=(
                "fct_sales",
                "account_tiers",
                "account_tier_changes",
                "retention_cohorts",
                "retention_summary",
                "account_churn",
                "account_clv",
                "clv_summary",
                "account_health",
                "dim_accounts",
                "objective_attainment",
            ),  # fmt: skip
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
            feeds=("objective_attainment", "kam_scorecard", "plan_execution", "account_health"),
        ),
        Entity(
            "actions",
            "plan",
            key=("action_id",),
            columns=(
                _req("action_id", TEXT),
                _req("account_id", TEXT),
                _req("kam_id", TEXT),
                _req("description", TEXT, is_free_text=True),
                _req("due_date", DATE),
                _req("status", TEXT, allowed=ACTION_STATUSES),
                _opt("objective_kpi", TEXT, allowed=KPIS),
                _opt("completed_date", DATE),
            ),
            references={"account_id": "accounts"},
            feeds=("plan_execution", "kam_scorecard"),
        ),
        Entity(
            "swot",
            "plan",
            key=("plan_year", "account_id", "quadrant", "item"),
            columns=(
                _req("plan_year", INTEGER, minimum=2000, maximum=2100),
                _req("account_id", TEXT),
                _req("quadrant", TEXT, allowed=SWOT_QUADRANTS),
                _req("item", TEXT, is_free_text=True),
            ),
            references={"account_id": "accounts"},
            feeds=("plan_execution",),
        ),
        Entity(
            "tier_overrides",
            "plan",
            key=("account_id", "valid_from"),
            columns=(
                _req("account_id", TEXT),
                _req("valid_from", DATE),
                _req("tier", TEXT, allowed=TIERS),
                _req("reason", TEXT, is_free_text=True),
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
# Bronze rows of a PERIODIC entity also carry the delivery period they belong to.
DELIVERY_PERIOD_COLUMN = (
    "_delivery_period"  # TEXT: 'YYYY-MM-DD' (daily file) or 'YYYY-MM' (monthly)
)


REQUIRED_ENTITIES = tuple(name for name, spec in ENTITIES.items() if spec.is_required)


def entity(name: str) -> Entity:
    """Return the contract of `name`, or say which entities exist."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}; expected one of {', '.join(ENTITIES)}") from None
