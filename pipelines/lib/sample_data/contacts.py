"""Contacts: the decision unit of each account (who decides, who influences, how close we are)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from pipelines.lib.contract import DECISION_ROLES
from pipelines.lib.sample_data import vocab
from pipelines.lib.sample_data.accounts import Accounts
from pipelines.lib.sample_data.people import full_names, phones, slug
from pipelines.lib.sample_data.textfmt import Table
from pipelines.lib.sample_data.timeline import Timeline

ROLE_SHARES = np.array([0.15, 0.30, 0.10, 0.15, 0.30])  # order of contract.DECISION_ROLES


def _domain(account_name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", account_name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_name.lower())[:24] + ".com.br"


def generate_contacts(
    rng: np.random.Generator, accounts: Accounts, timeline: Timeline
) -> tuple[Table, np.ndarray, np.ndarray]:
    """Contacts table plus, per account, the first contact's row and the contact count.

    Contacts are grouped by account (rows start[a] .. start[a] + count[a]) so later generators
    pick an account's contact with one vectorised index. The first contact of every account is a
    decision maker: an account with nobody who decides is not a mapped account.
    """
    counts = np.minimum(2 + rng.poisson(1 + 8 * accounts.size_pct), 20)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    total = int(counts.sum())
    account = np.repeat(np.arange(accounts.n), counts)
    roles = np.array(DECISION_ROLES, dtype=object)[
        rng.choice(len(DECISION_ROLES), size=total, p=ROLE_SHARES)
    ]
    roles[starts] = "decision_maker"
    level = np.clip(np.rint(rng.normal(2.5 + 1.5 * accounts.size_pct[account], 1.0)), 1, 5)

    names = full_names(rng, total)
    domains = {i: _domain(name) for i, name in enumerate(accounts.names)}
    emails = np.array(
        [f"{slug(name)}@{domains[a]}" for name, a in zip(names, account, strict=True)],
        dtype=object,
    )
    emails[rng.random(total) < 0.1] = None  # not every buyer gives an e-mail
    titles = np.array(
        [
            vocab.JOB_TITLES[r][int(u * len(vocab.JOB_TITLES[r]))]
            for r, u in zip(roles, rng.random(total), strict=True)
        ],
        dtype=object,
    )
    departments = np.array(vocab.DEPARTMENTS, dtype=object)[
        rng.integers(len(vocab.DEPARTMENTS), size=total)
    ]
    since = np.maximum(accounts.created_at[account], timeline.start.astype("datetime64[s]"))
    span = ((timeline.end + 1).astype("datetime64[s]") - since).astype(np.int64)
    updated = since + (rng.random(total) * span).astype("timedelta64[s]")
    table: Table = {
        "contact_id": np.array([f"CON-{i:07d}" for i in range(1, total + 1)], dtype=object),
        "account_id": accounts.ids[account],
        "decision_role": roles,
        "relationship_level": level,
        "full_name": names,
        "email": emails,
        "phone": phones(rng, total),
        "job_title": titles,
        "department": departments,
        "is_active": rng.random(total) > 0.08,
        "updated_at": updated,
    }
    return table, starts, counts
