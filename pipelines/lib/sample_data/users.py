"""Users (the sales force) and account ownership.

Ownership follows the KAM workload rules the scorecard checks (SPEC kam_scorecard): a key account
manager owns 1-5 key accounts, an account manager 5-20 accounts, and a few of each are overloaded
(6-8 and 25+) so the workload flags have something to flag. Owners work in the account's region;
each region has a regional manager who manages everyone in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.lib.sample_data import vocab
from pipelines.lib.sample_data.accounts import Accounts
from pipelines.lib.sample_data.people import full_names, slug
from pipelines.lib.sample_data.timeline import Timeline

EMAIL_DOMAIN = "farmabrasil.com.br"


@dataclass
class Users:
    ids: np.ndarray
    names: np.ndarray
    roles: np.ndarray
    regions: np.ndarray
    emails: np.ndarray
    managers: np.ndarray
    hired: np.ndarray  # datetime64[D]
    is_active: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)


def _chunks(
    rng: np.random.Generator,
    total: int,
    low: int,
    high: int,
    overload: tuple[int, int],
    overload_share: float,
) -> list[int]:
    """Split `total` accounts into portfolio sizes in [low, high], a few in `overload`."""
    sizes: list[int] = []
    left = total
    while left > 0:
        if rng.random() < overload_share:
            size = int(rng.integers(overload[0], overload[1] + 1))
        else:
            size = int(rng.integers(low, high + 1))
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


def assign_owners(rng: np.random.Generator, accounts: Accounts, timeline: Timeline) -> Users:
    """Create the sales force region by region and write `accounts.owner`."""
    ids: list[str] = []
    roles: list[str] = []
    regions: list[str] = []
    managers: list[str | None] = []
    account_region = np.array([vocab.STATE_REGION[s] for s in accounts.states], dtype=object)
    is_key = accounts.is_key

    for region in vocab.REGIONS:
        head = f"USR-{len(ids) + 1:04d}"
        ids.append(head)
        roles.append("regional_manager")
        regions.append(region)
        managers.append(None)
        for role, mask, bounds in (
            ("key_account_manager", is_key, (1, 5, (6, 8), 0.08)),
            ("account_manager", ~is_key, (5, 20, (25, 30), 0.06)),
        ):
            members = np.flatnonzero((account_region == region) & mask)
            members = members[rng.permutation(len(members))]
            low, high, overload, share = bounds
            start = 0
            for size in _chunks(rng, len(members), low, high, overload, share):
                user = f"USR-{len(ids) + 1:04d}"
                ids.append(user)
                roles.append(role)
                regions.append(region)
                managers.append(head)
                accounts.owner[members[start : start + size]] = user
                start += size

    n = len(ids)
    names = full_names(rng, n)
    emails = np.array([f"{slug(name)}@{EMAIL_DOMAIN}" for name in names], dtype=object)
    # Keep e-mails unique the way a directory does: a number after a clash.
    seen: dict[str, int] = {}
    for i, email in enumerate(emails):
        seen[email] = seen.get(email, 0) + 1
        if seen[email] > 1:
            local, domain = email.split("@")
            emails[i] = f"{local}{seen[email]}@{domain}"
    hired_offset = rng.integers(30, 15 * 365, size=n)
    hired = timeline.start - hired_offset.astype("timedelta64[D]")
    # Someone joined during the window and someone left (inactive, still owning history).
    return Users(
        ids=np.array(ids, dtype=object),
        names=names,
        roles=np.array(roles, dtype=object),
        regions=np.array(regions, dtype=object),
        emails=emails,
        managers=np.array(managers, dtype=object),
        hired=hired,
        is_active=rng.random(n) > 0.03,
    )
