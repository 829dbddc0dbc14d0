"""CRM engagement: activities by the account team and service requests with their SLA clock.

Both are drawn per account and month at rates that grow with account size, so key accounts get
the weekly attention (and the 12-hour SLA) a KAM programme promises them.
"""

from __future__ import annotations

import numpy as np

from pipelines.lib.contract import ACTIVITY_TYPES, SERVICE_PRIORITIES
from pipelines.lib.sample_data import vocab
from pipelines.lib.sample_data.accounts import Accounts
from pipelines.lib.sample_data.textfmt import Table
from pipelines.lib.sample_data.timeline import Timeline

ACTIVITY_SHARES = np.array([0.35, 0.25, 0.25, 0.10, 0.05])  # order of contract.ACTIVITY_TYPES
DURATION_RANGE = {
    "visit": (30, 90),
    "call": (5, 30),
    "email": (5, 15),
    "meeting": (45, 120),
    "event": (120, 480),
}
KEY_SLA_HOURS = 12.0
OTHER_SLA_HOURS = 24.0


def _per_account_month(
    rng: np.random.Generator, accounts: Accounts, timeline: Timeline, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(account, month) of each event, for months in which the account exists."""
    created = timeline.month_of(accounts.created_at)
    exists = np.arange(timeline.n_months)[None, :] >= created[:, None]
    counts = rng.poisson(rate[:, None] * exists)
    cells = np.flatnonzero(counts.ravel())
    repeats = counts.ravel()[cells]
    flat = np.repeat(cells, repeats)
    return flat // timeline.n_months, flat % timeline.n_months


def _moments(
    rng: np.random.Generator, timeline: Timeline, month: np.ndarray, business: bool
) -> np.ndarray:
    """A timestamp (UTC, second precision) inside each event's month, up to the last day."""
    stamps = np.empty(len(month), dtype="datetime64[s]")
    for m in np.unique(month):
        rows = np.flatnonzero(month == m)
        if business:
            days = timeline.business_days(int(m))
            if len(days) == 0:
                days = np.array([timeline.month_bounds(int(m))[0]])
            # Working hours in Brazil (UTC-3): 11:00 to 21:00 UTC.
            seconds = rng.integers(11 * 3600, 21 * 3600, size=len(rows))
        else:
            first, last = timeline.month_bounds(int(m))
            days = np.arange(first, last + 1)
            seconds = rng.integers(0, 86_400, size=len(rows))
        day = days[rng.integers(len(days), size=len(rows))]
        stamps[rows] = day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    return stamps


def _contact_of(
    rng: np.random.Generator,
    account: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    contact_ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    row = starts[account] + np.floor(rng.random(len(account)) * counts[account]).astype(np.int64)
    return row, contact_ids[row]


def generate_activities(
    rng: np.random.Generator,
    accounts: Accounts,
    timeline: Timeline,
    managers: dict[str, str],
    contacts: Table,
    contact_starts: np.ndarray,
    contact_counts: np.ndarray,
) -> tuple[Table, np.ndarray, np.ndarray]:
    """Activities sorted by time, plus the account index and contact row of each (for KPIs)."""
    rate = 0.3 + 4.0 * accounts.size_pct**2
    account, month = _per_account_month(rng, accounts, timeline, rate)
    started = _moments(rng, timeline, month, business=True)
    order = np.lexsort((account, started))
    account, started = account[order], started[order]
    n = len(account)
    types = np.array(ACTIVITY_TYPES, dtype=object)[
        rng.choice(len(ACTIVITY_TYPES), size=n, p=ACTIVITY_SHARES)
    ]
    owner = accounts.owner[account]
    by_manager = rng.random(n) < 0.1  # the regional manager joins some of the visits
    kam = np.where(by_manager, np.array([managers.get(o) or o for o in owner], dtype=object), owner)
    contact_row, contact_id = _contact_of(
        rng, account, contact_starts, contact_counts, contacts["contact_id"]
    )
    no_contact = (types == "event") & (rng.random(n) < 0.3)
    contact_id = np.where(no_contact, None, contact_id)
    contact_row = np.where(no_contact, -1, contact_row)
    low = np.array([DURATION_RANGE[t][0] for t in types])
    high = np.array([DURATION_RANGE[t][1] for t in types])
    duration = rng.integers(low, high + 1).astype(np.float64)
    outcome_u = rng.random(n)
    outcomes = np.array(
        [
            vocab.ACTIVITY_OUTCOMES[t][int(u * len(vocab.ACTIVITY_OUTCOMES[t]))]
            for t, u in zip(types, outcome_u, strict=True)
        ],
        dtype=object,
    )
    table: Table = {
        "activity_id": np.array([f"ACT-{i:08d}" for i in range(1, n + 1)], dtype=object),
        "account_id": accounts.ids[account],
        "kam_id": kam,
        "activity_type": types,
        "started_at": started,
        "contact_id": contact_id,
        "duration_minutes": duration,
        "is_completed": rng.random(n) > 0.05,
        "outcome": outcomes,
    }
    return table, account, contact_row


def generate_service_requests(
    rng: np.random.Generator,
    accounts: Accounts,
    timeline: Timeline,
    contacts: Table,
    contact_starts: np.ndarray,
    contact_counts: np.ndarray,
) -> tuple[Table, np.ndarray, np.ndarray]:
    """Requests sorted by opening time, plus account index and within-SLA flag of each."""
    rate = 0.15 + 1.2 * accounts.size_pct**2
    account, month = _per_account_month(rng, accounts, timeline, rate)
    opened = _moments(rng, timeline, month, business=False)
    order = np.lexsort((account, opened))
    account, opened = account[order], opened[order]
    n = len(account)
    sla_hours = np.where(accounts.is_key[account], KEY_SLA_HOURS, OTHER_SLA_HOURS)
    # Median response at ~45 % of the SLA with a long tail: roughly one in eight is late.
    response_hours = sla_hours * np.exp(rng.normal(np.log(0.45), 0.7, size=n))
    first_response = opened + np.rint(response_hours * 3600).astype("timedelta64[s]")
    resolve_hours = np.exp(rng.normal(np.log(20), 1.0, size=n))
    resolved = first_response + np.rint(resolve_hours * 3600).astype("timedelta64[s]")
    horizon = (timeline.end + 1).astype("datetime64[s]")
    nat = np.datetime64("NaT", "s")
    within_sla = response_hours <= sla_hours
    first_response = np.where(first_response < horizon, first_response, nat)
    resolved = np.where(resolved < horizon, resolved, nat)
    _, contact_id = _contact_of(
        rng, account, contact_starts, contact_counts, contacts["contact_id"]
    )
    contact_id = np.where(rng.random(n) < 0.15, None, contact_id)
    priorities = np.array(SERVICE_PRIORITIES, dtype=object)[
        rng.choice(len(SERVICE_PRIORITIES), size=n, p=[0.3, 0.4, 0.2, 0.1])
    ]
    channels = np.array(vocab.SERVICE_CHANNELS, dtype=object)[
        rng.choice(len(vocab.SERVICE_CHANNELS), size=n, p=[0.45, 0.25, 0.2, 0.1])
    ]
    table: Table = {
        "request_id": np.array([f"SR-{i:07d}" for i in range(1, n + 1)], dtype=object),
        "account_id": accounts.ids[account],
        "opened_at": opened,
        "contact_id": contact_id,
        "first_response_at": first_response,
        "resolved_at": resolved,
        "channel": channels,
        "priority": priorities,
    }
    return table, account, within_sla
