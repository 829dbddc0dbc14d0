"""Opportunities: formulary inclusions, tenders, renewals, launches and upsells in every stage."""

from __future__ import annotations

import numpy as np

from pipelines.lib.contract import OPPORTUNITY_TYPES
from pipelines.lib.sample_data import vocab
from pipelines.lib.sample_data.accounts import Accounts
from pipelines.lib.sample_data.products import Products
from pipelines.lib.sample_data.textfmt import Table
from pipelines.lib.sample_data.timeline import Timeline

TYPE_SHARES = np.array([0.25, 0.20, 0.20, 0.20, 0.15])  # order of contract.OPPORTUNITY_TYPES
STAGE_PROBABILITY = {
    "prospecting": 0.1,
    "qualification": 0.25,
    "proposal": 0.5,
    "negotiation": 0.75,
}


def generate_opportunities(
    rng: np.random.Generator,
    accounts: Accounts,
    products: Products,
    timeline: Timeline,
    years: int,
) -> tuple[Table, np.ndarray]:
    """Opportunities by creation time, plus the account index of each (for the won KPI)."""
    per_account = rng.poisson(years * (0.4 + 2.5 * accounts.size_pct))
    account = np.repeat(np.arange(accounts.n), per_account)
    n = len(account)
    start = timeline.start.astype("datetime64[s]")
    horizon = (timeline.end + 1).astype("datetime64[s]")
    since = np.maximum(accounts.created_at[account], start)
    span = (horizon - since).astype(np.int64)
    created = since + (rng.random(n) * span).astype("timedelta64[s]")
    order = np.lexsort((account, created))
    account, created = account[order], created[order]

    types = np.array(OPPORTUNITY_TYPES, dtype=object)[
        rng.choice(len(OPPORTUNITY_TYPES), size=n, p=TYPE_SHARES)
    ]
    annual = accounts.expected[account].mean(axis=1) * 12
    amount = np.maximum(np.rint(annual * rng.uniform(0.05, 0.5, size=n) / 100) * 100, 5_000)
    close = created.astype("datetime64[D]") + rng.integers(30, 240, size=n).astype("m8[D]")
    closed = close <= timeline.end
    won = closed & (rng.random(n) < 0.4 + 0.3 * accounts.size_pct[account])
    open_stages = np.array(vocab.OPPORTUNITY_OPEN_STAGES, dtype=object)
    stage = np.where(
        closed,
        np.where(won, "closed_won", "closed_lost"),
        open_stages[rng.integers(len(open_stages), size=n)],
    ).astype(object)
    probability = np.where(
        closed, won.astype(np.float64), np.array([STAGE_PROBABILITY.get(s, 0.0) for s in stage])
    )
    # A product when the opportunity is about one that was on sale when it was created.
    product = rng.integers(products.n, size=n)
    on_sale = products.launched[product] <= created.astype("datetime64[D]")
    product_id = np.where(on_sale & (rng.random(n) < 0.7), products.ids[product], None)
    table: Table = {
        "opportunity_id": np.array([f"OPP-{i:06d}" for i in range(1, n + 1)], dtype=object),
        "account_id": accounts.ids[account],
        "opportunity_type": types,
        "stage": stage,
        "amount": (amount * 100).astype(np.int64),
        "created_at": created,
        "kam_id": accounts.owner[account],
        "product_id": product_id,
        "probability": probability,
        "close_date": close,
        "is_won": won,
        "is_closed": closed,
    }
    return table, account
