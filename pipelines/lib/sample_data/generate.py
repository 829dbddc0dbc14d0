"""`generate_landing`: write a complete, realistic landing folder for the KAM warehouse.

The order matters only for data dependencies (accounts -> owners -> sales -> CRM -> plan); every
component draws from its own child of one SeedSequence, so the same arguments always give the same
bytes and tuning one component does not reshuffle the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipelines.lib.config import Settings, load_settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.sample_data import defects, plan
from pipelines.lib.sample_data.accounts import Accounts, generate_accounts
from pipelines.lib.sample_data.contacts import generate_contacts
from pipelines.lib.sample_data.engagement import generate_activities, generate_service_requests
from pipelines.lib.sample_data.opportunities import generate_opportunities
from pipelines.lib.sample_data.products import Products, generate_products
from pipelines.lib.sample_data.sales import (
    INVOICE_DIR,
    InvoiceGenerator,
    SalesTotals,
    write_invoice_lines,
)
from pipelines.lib.sample_data.textfmt import Table, TextStyle, render_column
from pipelines.lib.sample_data.timeline import Timeline
from pipelines.lib.sample_data.users import Users, assign_owners
from pipelines.lib.sample_data.writers import write_csv, write_parquet, write_workbook

CRM_FILES = {
    "accounts": "crm/accounts.csv",
    "contacts": "crm/contacts.csv",
    "activities": "crm/activities.csv",
    "service_requests": "crm/service_requests.csv",
    "opportunities": "crm/opportunities.csv",
    "users": "crm/users.csv",
}
PRODUCTS_FILE = "sales/products.parquet"
PLAN_FILE = "plan/kam_plan.xlsx"
PLAN_ENTITIES = ("objectives", "actions", "swot", "tier_overrides")
_STREAMS = (
    "accounts",
    "users",
    "products",
    "sales",
    "contacts",
    "activities",
    "service",
    "opportunities",
    "plan",
    "defects",
)


@dataclass
class GenerationSummary:
    """What `generate_landing` wrote: enough for a person (describe) and for tests."""

    out_dir: Path
    row_counts: dict[str, int]
    files: list[str]
    invoice_lines: int
    first_invoice_date: dt.date | None
    last_invoice_date: dt.date | None
    defect_rate: float = 0.0
    defect_rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        counts = ", ".join(
            f"{name} {count:,}"
            for name, count in self.row_counts.items()
            if name != "invoice_lines"
        )
        lines = [
            f"Landing folder {self.out_dir}: {len(self.files):,} files.",
            f"Invoice lines: {self.invoice_lines:,} from {self.first_invoice_date} "
            f"to {self.last_invoice_date} in {self._invoice_files():,} daily files.",
            f"Rows: {counts}.",
        ]
        if self.defect_rate > 0:
            bad = sum(self.defect_rows.values())
            lines.append(f"Defects: {bad:,} bad rows injected (rate {self.defect_rate:g}).")
        return "\n".join(lines)

    def _invoice_files(self) -> int:
        return sum(1 for f in self.files if f.startswith(INVOICE_DIR))


def _style(settings: Settings, entity: str) -> TextStyle:
    return TextStyle.from_format(settings.sources[entity].format)


def _render(table: Table, entity: str, style: TextStyle) -> dict[str, np.ndarray]:
    contract = ENTITIES[entity]
    missing = set(contract.column_names) - set(table)
    if missing:
        raise ValueError(f"{entity}: generator lacks contract columns {sorted(missing)}")
    return {
        column.name: render_column(table[column.name], column.type, style).to_numpy(
            zero_copy_only=False
        )
        for column in contract.columns
    }


def _accounts_table(accounts: Accounts) -> Table:
    return {
        "account_id": accounts.ids,
        "account_name": accounts.names,
        "account_type": accounts.types,
        "state": accounts.states,
        "owner_kam_id": accounts.owner,
        "created_at": accounts.created_at,
        "cnpj": accounts.cnpjs,
        "city": accounts.cities,
        "country": np.full(accounts.n, "Brasil", dtype=object),
        "beds": accounts.beds,
        "market_potential": accounts.potential_cents,
        "referred_by_account_id": accounts.referred_by,
        "is_reference_site": accounts.is_reference_site,
        "competitors": accounts.competitors,
    }


def _users_table(users: Users) -> Table:
    return {
        "kam_id": users.ids,
        "full_name": users.names,
        "role": users.roles,
        "region": users.regions,
        "email": users.emails,
        "manager_id": users.managers,
        "hired_date": users.hired,
        "is_active": users.is_active,
    }


def _products_table(products: Products) -> pa.Table:
    def money(cents: np.ndarray) -> pa.Array:
        values = [Decimal(int(c)).scaleb(-2) for c in cents]
        return pa.array(values, type=pa.decimal128(18, 2))

    return pa.table(
        {
            "product_id": pa.array(products.ids, type=pa.string()),
            "product_name": pa.array(products.names, type=pa.string()),
            "product_category": pa.array(products.areas, type=pa.string()),
            "list_price": money(products.list_cents),
            "brand": pa.array(products.brands, type=pa.string()),
            "unit_cost": money(products.cost_cents),
            "launched_date": pa.array(products.launched, type=pa.date32()),
        }
    )


def _headers(settings: Settings, entity: str) -> list[str]:
    """Workbook headers: the export's own names from the column map, else the contract's."""
    reverse = {column: header for header, column in settings.sources[entity].column_map.items()}
    return [reverse.get(name, name) for name in ENTITIES[entity].column_names]


def _cell(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return value


def generate_landing(
    out_dir: Path,
    *,
    accounts: int = 300,
    years: int = 3,
    seed: int = 42,
    defect_rate: float = 0.0,
    end_date: dt.date = dt.date(2026, 10, 31),
    progress: Callable[[str], None] | None = None,
    settings: Settings | None = None,
) -> GenerationSummary:
    """Write every landing file the pipeline reads, in the formats kam.yml declares.

    Earlier daily invoice files in the folder are removed first: a folder regenerated with a
    shorter window must not keep days the new data set does not have.
    """
    if accounts < 1 or years < 1:
        raise ValueError("accounts and years must be at least 1")
    if not 0 <= defect_rate < 1:
        raise ValueError(f"defect_rate must be in [0, 1), got {defect_rate}")
    settings = settings or load_settings()
    say = progress or (lambda message: None)
    out_dir = Path(out_dir)
    streams = dict(
        zip(
            _STREAMS,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS))),
            strict=True,
        )
    )
    timeline = Timeline.build(end_date, years)

    account_data = generate_accounts(streams["accounts"], accounts, timeline)
    users = assign_owners(streams["users"], account_data, timeline)
    products = generate_products(streams["products"], timeline)
    say(f"{accounts:,} accounts, {users.n:,} users, {products.n} products")

    for stale in sorted((out_dir / INVOICE_DIR).glob("invoice_lines_*.csv")):
        stale.unlink()
    invoices = InvoiceGenerator(streams["sales"], account_data, products, timeline)
    totals = write_invoice_lines(
        out_dir,
        invoices,
        _style(settings, "invoice_lines"),
        defect_rate,
        streams["defects"],
        progress,
    )

    contacts, contact_starts, contact_counts = generate_contacts(
        streams["contacts"], account_data, timeline
    )
    managers = {str(u): str(m) for u, m in zip(users.ids, users.managers, strict=True) if m}
    activities, activity_account, activity_contact = generate_activities(
        streams["activities"],
        account_data,
        timeline,
        managers,
        contacts,
        contact_starts,
        contact_counts,
    )
    requests, request_account, request_within = generate_service_requests(
        streams["service"], account_data, timeline, contacts, contact_starts, contact_counts
    )
    opportunities, opportunity_account = generate_opportunities(
        streams["opportunities"], account_data, products, timeline, years
    )
    say("CRM: contacts, activities, service requests, opportunities")

    tables: dict[str, Table] = {
        "accounts": _accounts_table(account_data),
        "contacts": contacts,
        "activities": activities,
        "service_requests": requests,
        "opportunities": opportunities,
        "users": _users_table(users),
    }
    row_counts: dict[str, int] = {}
    defect_rows: dict[str, int] = {"invoice_lines": totals.defect_rows}
    files: list[str] = []
    for entity, relative in CRM_FILES.items():
        style = _style(settings, entity)
        text = _render(tables[entity], entity, style)
        rows = len(next(iter(text.values())))
        text, _ = defects.inject(
            streams["defects"], text, ENTITIES[entity], defect_rate, decimal=style.decimal
        )
        defect_rows[entity] = defects.defect_count(defect_rate, rows)
        write_csv(out_dir / relative, text, style)
        row_counts[entity] = len(next(iter(text.values())))
        files.append(relative)

    product_table = _products_table(products)
    write_parquet(out_dir / PRODUCTS_FILE, product_table)
    row_counts["products"] = product_table.num_rows
    files.append(PRODUCTS_FILE)
    row_counts["invoice_lines"] = totals.lines
    files.extend(totals.files)

    actuals = _actuals(
        account_data,
        timeline,
        totals,
        activities,
        activity_account,
        activity_contact,
        contacts,
        requests,
        request_account,
        request_within,
        opportunities,
        opportunity_account,
    )
    rng = streams["plan"]
    objectives, account_kpis = plan.objectives(rng, account_data, timeline, actuals, end_date)
    approvers = managers
    plan_tables = {
        "objectives": objectives,
        "actions": plan.actions(rng, account_data, account_kpis, end_date),
        "swot": plan.swot(rng, account_data, account_kpis, end_date),
        "tier_overrides": plan.tier_overrides(rng, account_data, approvers, end_date),
    }
    sheets = []
    for entity, table in plan_tables.items():
        rows = len(next(iter(table.values())))
        table, _ = defects.inject(
            streams["defects"], table, ENTITIES[entity], defect_rate, missing=None
        )
        defect_rows[entity] = defects.defect_count(defect_rate, rows)
        row_counts[entity] = len(next(iter(table.values())))
        columns = [table[name] for name in ENTITIES[entity].column_names]
        body = ([_cell(value) for value in row] for row in zip(*columns, strict=True))
        sheets.append((settings.sources[entity].sheets[0], _headers(settings, entity), body))
    stamp = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(6, 0))
    write_workbook(out_dir / PLAN_FILE, sheets, stamp)
    files.append(PLAN_FILE)
    say("plan workbook: objectives, actions, SWOT, tier overrides")

    return GenerationSummary(
        out_dir=out_dir,
        row_counts=row_counts,
        files=files,
        invoice_lines=totals.lines,
        first_invoice_date=_as_date(totals.first_date),
        last_invoice_date=_as_date(totals.last_date),
        defect_rate=defect_rate,
        defect_rows=defect_rows,
    )


def _as_date(value: np.datetime64 | None) -> dt.date | None:
    return None if value is None else value.astype("datetime64[D]").item()


def _actuals(
    accounts: Accounts,
    timeline: Timeline,
    totals: SalesTotals,
    activities: Table,
    activity_account: np.ndarray,
    activity_contact: np.ndarray,
    contacts: Table,
    requests: Table,
    request_account: np.ndarray,
    request_within: np.ndarray,
    opportunities: Table,
    opportunity_account: np.ndarray,
) -> plan.Actuals:
    """Per (account, month) measures behind the seven KPIs, from what was generated."""
    shape = (accounts.n, timeline.n_months)

    def count(account: np.ndarray, month: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(shape, dtype=np.int64)
        keep = mask & (month >= 0) & (month < timeline.n_months)
        np.add.at(out, (account[keep], month[keep]), 1)
        return out

    first = totals.first_bought
    listings = np.zeros(shape, dtype=np.int64)
    bought = first >= 0
    np.add.at(listings, (np.nonzero(bought)[0], first[bought]), 1)

    activity_month = timeline.month_of(activities["started_at"])
    is_visit = (activities["activity_type"] == "visit") & activities["is_completed"]
    roles = contacts["decision_role"]
    engaged = (activity_contact >= 0) & (roles[np.maximum(activity_contact, 0)] == "decision_maker")
    decision_makers: list[set[int]] = [set() for _ in range(timeline.n_months)]
    keys = activity_account * 10_000_000 + activity_contact
    for m in range(timeline.n_months):
        decision_makers[m] = set(np.unique(keys[engaged & (activity_month == m)]).tolist())

    request_month = timeline.month_of(requests["opened_at"])
    everything = np.ones(len(request_account), dtype=bool)
    close_month = timeline.month_of(opportunities["close_date"])
    return plan.Actuals(
        revenue_cents=totals.revenue_cents,
        units=totals.units,
        new_listings=listings,
        visits=count(activity_account, activity_month, is_visit),
        decision_makers=decision_makers,
        sla_met=count(request_account, request_month, request_within),
        sla_total=count(request_account, request_month, everything),
        opportunities_won=count(opportunity_account, close_month, opportunities["is_won"]),
    )
