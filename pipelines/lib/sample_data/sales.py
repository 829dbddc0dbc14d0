"""Invoice lines, generated and written one month at a time.

Each month is a handful of vectorised steps over all accounts: draw invoices (purchase cadence by
account type; governments buy through quarterly tenders), draw lines per invoice, pick products
from each account's own listing order, and turn the account's expected revenue for the month into
integer quantities by stochastic rounding (its expectation is exact, so small accounts are not
inflated by a one-box minimum). Only one month lives in memory, which keeps ten million lines
well under the memory budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.contract import ENTITIES
from pipelines.lib.sample_data import defects
from pipelines.lib.sample_data.accounts import Accounts
from pipelines.lib.sample_data.products import Products
from pipelines.lib.sample_data.textfmt import TextStyle, integer, money, temporal
from pipelines.lib.sample_data.timeline import Timeline
from pipelines.lib.sample_data.writers import write_plain_csv

INVOICE_DIR = "sales/invoice_lines"
# Invoices per active month (hospitals weekly, chains and distributors several times a week).
CADENCE = {
    "hospital": 4.0,
    "clinic": 1.5,
    "pharmacy_chain": 6.0,
    "distributor": 8.0,
    "health_plan": 1.0,
    "government": 0.0,
}
TENDER_INVOICES = 1.5  # per tender month; governments buy every third month
LINES_PER_INVOICE = 8.0  # mean extra lines per invoice for a mid-size account
DISTRIBUTOR_CHANNEL_SHARE = {
    "hospital": 0.3,
    "clinic": 0.6,
    "pharmacy_chain": 0.4,
    "distributor": 0.0,
    "health_plan": 0.2,
    "government": 0.0,
}
DISCOUNT_RANGE = {"direct": (0.0, 0.08), "distributor": (0.08, 0.15), "tender": (0.18, 0.35)}
CHANNELS = np.array(["direct", "distributor", "tender"], dtype=object)
CREDIT_NOTE_SHARE = 0.003
ANNUAL_PRICE_ADJUSTMENT = 0.045  # CMED's yearly adjustment, applied every April


@dataclass
class SalesTotals:
    """What the month loop leaves behind for the plan targets and the summary."""

    revenue_cents: np.ndarray  # (accounts, months)
    units: np.ndarray  # (accounts, months)
    first_bought: np.ndarray  # (accounts, products): month index of the first purchase, -1 never
    lines: int = 0
    defect_rows: int = 0
    files: list[str] = field(default_factory=list)
    first_date: np.datetime64 | None = None
    last_date: np.datetime64 | None = None


@dataclass
class _Listing:
    """Per account: products in preference order and the month each becomes available."""

    order: np.ndarray  # (accounts, products)
    available_from: np.ndarray  # (accounts, products) month index
    width: np.ndarray  # (accounts,) how many of the ordered products the account uses


def _listing(
    rng: np.random.Generator, accounts: Accounts, products: Products, months: int
) -> _Listing:
    n, p = accounts.n, products.n
    order = rng.permuted(np.tile(np.arange(p), (n, 1)), axis=1)
    # Slot 0 must be an established product: it is the fallback when a pick is not yet sold.
    first_established = np.argmax(products.established[order], axis=1)
    rows = np.arange(n)
    swapped = order[rows, first_established]
    order[rows, first_established] = order[:, 0]
    order[:, 0] = swapped
    width = np.clip(np.rint(3 + 0.6 * p * accounts.size_pct**1.2 + rng.normal(0, 2, n)), 2, p)
    start = np.ceil(width / 2)[:, None]
    slots = np.arange(p)[None, :]
    later = rng.integers(0, months + months // 2, size=(n, p))
    available_from = np.where(slots < start, 0, later)
    return _Listing(order=order, available_from=available_from, width=width.astype(np.int64))


def _price_factor(timeline: Timeline) -> np.ndarray:
    """Price level of each month relative to the last one (list prices are today's)."""
    month_numbers = timeline.months.astype(np.int64) % 12 + 1
    years = timeline.months.astype("datetime64[Y]").astype(np.int64)
    steps = years * 2 + (month_numbers >= 4)  # a new price level every April
    return (1 + ANNUAL_PRICE_ADJUSTMENT) ** (steps - steps[-1]).astype(np.float64)


class InvoiceGenerator:
    """Holds the per-run state (listings, preferred distributors, totals) across months."""

    def __init__(
        self, rng: np.random.Generator, accounts: Accounts, products: Products, timeline: Timeline
    ) -> None:
        self.rng = rng
        self.accounts = accounts
        self.products = products
        self.timeline = timeline
        n = accounts.n
        self.listing = _listing(rng, accounts, products, timeline.n_months)
        self.price_factor = _price_factor(timeline)
        types = accounts.types
        self.cadence = np.array([CADENCE[t] for t in types]) * (0.6 + 0.8 * accounts.size_pct)
        self.is_government = types == "government"
        self.tender_phase = rng.integers(0, 3, size=n)
        self.lines_mu = LINES_PER_INVOICE * (0.4 + 1.2 * accounts.size_pct)
        self.dist_share = np.array([DISTRIBUTOR_CHANNEL_SHARE[t] for t in types])
        # Preferred distributor: one that already existed before the window, so it always
        # exists when an invoice names it.
        existing = np.flatnonzero((types == "distributor") & (accounts.created_at < timeline.start))
        if len(existing) == 0:
            # A tiny portfolio may have no distributor at all: then nobody buys through one.
            self.dist_share = np.zeros(n)
            existing = np.zeros(1, dtype=np.int64)
        self.preferred_distributor = existing[rng.integers(len(existing), size=n)]
        self.channel_kind = np.where(types == "government", 2, 0)
        self.totals = SalesTotals(
            revenue_cents=np.zeros((n, timeline.n_months), dtype=np.int64),
            units=np.zeros((n, timeline.n_months), dtype=np.int64),
            first_bought=np.full((n, products.n), -1, dtype=np.int64),
        )
        self.next_invoice = 1

    def month(self, m: int) -> dict[str, np.ndarray]:
        """Typed invoice lines of month `m`, sorted by date then invoice then line."""
        rng, accounts = self.rng, self.accounts
        days = self.timeline.business_days(m)
        expected = accounts.expected[:, m]
        tender_month = (m + self.tender_phase) % 3 == 0
        rate = np.where(self.is_government, tender_month * TENDER_INVOICES, self.cadence)
        invoices = rng.poisson(rate * (expected > 0))
        inv_account = np.repeat(np.arange(accounts.n), invoices)
        n_inv = len(inv_account)
        if n_inv == 0 or len(days) == 0:
            return {}
        inv_day = days[rng.integers(len(days), size=n_inv)]
        inv_channel = np.where(
            rng.random(n_inv) < self.dist_share[inv_account], 1, self.channel_kind[inv_account]
        )
        low = np.array([DISCOUNT_RANGE[c][0] for c in CHANNELS])[inv_channel]
        high = np.array([DISCOUNT_RANGE[c][1] for c in CHANNELS])[inv_channel]
        inv_discount = rng.uniform(low, high)
        inv_credit = rng.random(n_inv) < CREDIT_NOTE_SHARE
        inv_lines = 1 + rng.poisson(self.lines_mu[inv_account])

        # Invoices in date order; lines stay grouped under their invoice.
        order = np.argsort(inv_day, kind="stable")
        inv_account, inv_day, inv_channel = inv_account[order], inv_day[order], inv_channel[order]
        inv_discount, inv_credit, inv_lines = (
            inv_discount[order],
            inv_credit[order],
            inv_lines[order],
        )
        line_inv = np.repeat(np.arange(n_inv), inv_lines)
        account = inv_account[line_inv]

        product = self._products(account, m)
        unit_cents = np.rint(self.products.list_cents[product] * self.price_factor[m])
        discount = inv_discount[line_inv]
        # Spread the month's expected revenue over the account's lines of the month; tender
        # months carry a quarter's worth.
        lines_of_account = np.bincount(account, minlength=accounts.n)
        month_revenue = np.where(self.is_government, expected * 3, expected)
        per_line = month_revenue[account] * 100 / np.maximum(lines_of_account[account], 1)
        noise = np.exp(rng.normal(-0.125, 0.5, size=len(account)))
        exact_qty = per_line * noise / (unit_cents * (1 - discount))
        quantity = np.floor(exact_qty + rng.random(len(account))).astype(np.int64)

        keep = quantity > 0
        line_inv, account, product = line_inv[keep], account[keep], product[keep]
        quantity, unit_cents, discount = quantity[keep], unit_cents[keep], discount[keep]
        credit = inv_credit[line_inv]
        quantity = np.where(credit, -quantity, quantity)
        gross = quantity * unit_cents.astype(np.int64)
        discount_cents = np.where(credit, 0, np.rint(gross * discount)).astype(np.int64)
        net = gross - discount_cents

        new_invoice = np.ones(len(line_inv), dtype=bool)
        new_invoice[1:] = line_inv[1:] != line_inv[:-1]
        seq = np.cumsum(new_invoice) - 1 + self.next_invoice
        self.next_invoice = int(seq[-1]) + 1 if len(seq) else self.next_invoice
        starts = np.flatnonzero(new_invoice)
        line_number = (
            np.arange(len(line_inv)) - np.repeat(starts, np.diff(np.r_[starts, len(line_inv)])) + 1
        )
        channel = inv_channel[line_inv]
        distributor = np.where(channel == 1, self.preferred_distributor[account], -1)

        self._accumulate(m, account, product, quantity, net)
        return {
            "invoice_seq": seq,
            "line_number": line_number,
            "invoice_date": inv_day[line_inv],
            "account": account,
            "product": product,
            "quantity": quantity,
            "net_cents": net,
            "unit_cents": unit_cents.astype(np.int64),
            "discount_cents": discount_cents,
            "channel": channel,
            "distributor": distributor,
        }

    def _products(self, account: np.ndarray, m: int) -> np.ndarray:
        listing = self.listing
        slot = np.floor(self.rng.random(len(account)) ** 1.5 * listing.width[account])
        slot = slot.astype(np.int64)
        slot = np.where(listing.available_from[account, slot] <= m, slot, 0)
        product = listing.order[account, slot]
        _, month_end = self.timeline.month_bounds(m)
        launched = self.products.launched[product] <= month_end
        return np.where(launched, product, listing.order[account, 0])

    def _accumulate(
        self,
        m: int,
        account: np.ndarray,
        product: np.ndarray,
        quantity: np.ndarray,
        net: np.ndarray,
    ) -> None:
        totals, n = self.totals, self.accounts.n
        totals.revenue_cents[:, m] += np.bincount(account, weights=net, minlength=n).astype(
            np.int64
        )
        totals.units[:, m] += np.bincount(account, weights=quantity, minlength=n).astype(np.int64)
        pairs = np.unique(account * self.products.n + product)
        fresh = pairs[totals.first_bought.flat[pairs] < 0]
        totals.first_bought.flat[fresh] = m


def render(
    lines: dict[str, np.ndarray], accounts: Accounts, products: Products, style: TextStyle
) -> dict[str, pa.Array]:
    """Contract columns as text, in contract order."""
    seq = pc.utf8_lpad(pc.cast(pa.array(lines["invoice_seq"]), pa.string()), width=9, padding="0")
    distributor = lines["distributor"]
    dist_ids = pa.array(
        np.where(distributor >= 0, accounts.ids[np.maximum(distributor, 0)], ""), type=pa.string()
    )
    return {
        "invoice_id": pc.binary_join_element_wise("NF-", seq, ""),
        "line_number": integer(lines["line_number"]),
        "invoice_date": temporal(lines["invoice_date"], style.date_format),
        "account_id": pa.array(accounts.ids[lines["account"]], type=pa.string()),
        "product_id": pa.array(products.ids[lines["product"]], type=pa.string()),
        "quantity": integer(lines["quantity"]),
        "net_amount": money(lines["net_cents"], style),
        "unit_price": money(lines["unit_cents"], style),
        "discount": money(lines["discount_cents"], style),
        "channel": pa.array(CHANNELS[lines["channel"]], type=pa.string()),
        "distributor_id": dist_ids,
    }


def write_invoice_lines(
    out_dir: Path,
    generator: InvoiceGenerator,
    style: TextStyle,
    defect_rate: float,
    defect_rng: np.random.Generator,
    progress: Callable[[str], None] | None,
) -> SalesTotals:
    """Generate every month and write one file per business day with sales."""
    entity = ENTITIES["invoice_lines"]
    totals = generator.totals
    for m in range(generator.timeline.n_months):
        lines = generator.month(m)
        if not lines:
            continue
        text = render(lines, generator.accounts, generator.products, style)
        days = lines["invoice_date"]
        if defect_rate > 0:
            damaged, source = defects.inject(
                defect_rng,
                {name: column.to_numpy(zero_copy_only=False) for name, column in text.items()},
                entity,
                defect_rate,
                decimal=style.decimal,
            )
            text = {name: pa.array(values, type=pa.string()) for name, values in damaged.items()}
            totals.defect_rows += defects.defect_count(defect_rate, len(lines["invoice_seq"]))
            days = days[source]
        table = pa.table(text)
        boundaries = np.flatnonzero(np.r_[True, days[1:] != days[:-1], True])
        for start, stop in zip(boundaries[:-1], boundaries[1:], strict=True):
            relative = f"{INVOICE_DIR}/invoice_lines_{days[start]}.csv"
            write_plain_csv(out_dir / relative, table.slice(start, stop - start), style)
            totals.files.append(relative)
        totals.lines += len(lines["invoice_seq"])
        totals.first_date = totals.first_date or lines["invoice_date"][0]
        totals.last_date = lines["invoice_date"][-1]
        if progress:
            progress(
                f"invoice lines: {generator.timeline.months[m]} ({totals.lines:,} lines so far)"
            )
    return totals
