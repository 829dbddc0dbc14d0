"""Accounts: who the customers are, how big, and how their buying evolves over the window.

Revenue concentration is the heart of a KAM portfolio, so it is modelled explicitly: every account
has a lognormal size, multiplied by its own trend, churn gaps, ramp-up and seasonality into an
expected revenue per month. The lognormal spread is then solved (bisection) so the top 20 % of
accounts hold ~78 % of the expected revenue of the window; the invoice lines draw around these
expectations, so the realised Pareto share lands near it whatever the size or seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.lib import cnpj
from pipelines.lib.contract import ACCOUNT_TYPES, BRAZILIAN_STATES
from pipelines.lib.sample_data import vocab
from pipelines.lib.sample_data.timeline import Timeline

TYPE_SHARES = {
    "hospital": 0.32,
    "clinic": 0.22,
    "pharmacy_chain": 0.14,
    "distributor": 0.07,
    "health_plan": 0.10,
    "government": 0.15,
}
# Log-size offsets: distributors and governments buy more than a single clinic.
TYPE_SIZE_OFFSET = {
    "hospital": 0.3,
    "clinic": -0.5,
    "pharmacy_chain": 0.2,
    "distributor": 0.6,
    "health_plan": 0.0,
    "government": 0.4,
}
TARGET_TOP20_SHARE = 0.78
MEAN_MONTHLY_REVENUE_BRL = 180_000.0
PRE_WINDOW_SHARE = 0.6  # accounts that already existed when the window starts
CHURN_SHARE = 0.12
COMEBACK_SHARE = 0.35
KEY_SHARE = 0.12  # top accounts by size, owned by key account managers
PLAN_SHARE = 0.25  # key + strategic accounts that get a written plan
# A KAM team writes plans for a few hundred accounts at most, however large the customer base.
MAX_PLAN_ACCOUNTS = 500


@dataclass
class Accounts:
    """All accounts as column arrays (index = position in created order)."""

    ids: np.ndarray
    names: np.ndarray
    types: np.ndarray
    states: np.ndarray
    cities: np.ndarray
    cnpjs: np.ndarray
    created_at: np.ndarray  # datetime64[s], UTC
    beds: np.ndarray  # float, NaN when not a hospital
    potential_cents: np.ndarray
    referred_by: np.ndarray
    is_reference_site: np.ndarray
    competitors: np.ndarray
    expected: np.ndarray  # (accounts, months) expected net revenue in BRL
    size_pct: np.ndarray  # percentile of size in [0, 1), 1 = biggest
    owner: np.ndarray  # filled by the users module

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def is_key(self) -> np.ndarray:
        return self.size_pct >= 1.0 - KEY_SHARE

    @property
    def is_plan(self) -> np.ndarray:
        return self.size_pct >= 1.0 - min(PLAN_SHARE, MAX_PLAN_ACCOUNTS / self.n)


def _forced_then_weighted(
    rng: np.random.Generator, n: int, values: tuple[str, ...], weights: np.ndarray
) -> np.ndarray:
    """Every value at least once (when n allows), the rest drawn by weight."""
    drawn = rng.choice(np.array(values, dtype=object), size=n, p=weights / weights.sum())
    forced = min(n, len(values))
    drawn[:forced] = np.array(values, dtype=object)[:forced]
    return drawn


def top_share(revenue: np.ndarray, share: float = 0.2) -> float:
    """Share of total revenue held by the top `share` of accounts."""
    ordered = np.sort(revenue)[::-1]
    top = max(1, int(round(len(ordered) * share)))
    total = ordered.sum()
    return float(ordered[:top].sum() / total) if total > 0 else 0.0


def _solve_sigma(z: np.ndarray, shape: np.ndarray) -> float:
    """Lognormal spread whose expected revenue puts TARGET_TOP20_SHARE in the top 20 %."""
    low, high = 0.05, 4.0
    for _ in range(40):
        mid = (low + high) / 2
        share = top_share(np.exp(mid * z) * shape)
        low, high = (mid, high) if share < TARGET_TOP20_SHARE else (low, mid)
    return (low + high) / 2


def _names(
    rng: np.random.Generator, types: np.ndarray, states: np.ndarray, cities: np.ndarray
) -> np.ndarray:
    names = np.empty(len(types), dtype=object)
    for i, (type_, state, city) in enumerate(zip(types, states, cities, strict=True)):
        templates = vocab.NAME_TEMPLATES[type_]
        template = templates[rng.integers(len(templates))]
        names[i] = template.format(
            saint=vocab.SAINTS[rng.integers(len(vocab.SAINTS))],
            surname=vocab.LAST_NAMES[rng.integers(len(vocab.LAST_NAMES))],
            city=city,
            state=vocab.STATE_NAMES[state],
        )
    return names


def _cnpjs(rng: np.random.Generator, n: int) -> np.ndarray:
    roots = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    branches = np.where(rng.random(n) < 0.85, 1, rng.integers(2, 40, size=n))
    out = np.empty(n, dtype=object)
    for i, (root, branch) in enumerate(zip(roots, branches, strict=True)):
        base = f"{root:08d}{branch:04d}"
        out[i] = cnpj.format_masked(base + cnpj.check_digits(base))
    return out


def _trajectories(
    rng: np.random.Generator, timeline: Timeline, created_month: np.ndarray
) -> np.ndarray:
    """Shape of each account's monthly revenue: activity, trend, ramp-up, churn and comebacks."""
    n, months = len(created_month), timeline.n_months
    first = np.maximum(created_month, 0) + (created_month >= 0) * (rng.random(n) < 0.5)
    grid = np.arange(months)[None, :]
    active = grid >= first[:, None]

    churns = (rng.random(n) < CHURN_SHARE) & (first < months - 6)
    churn_at = first + 3 + (rng.random(n) * np.maximum(months - first - 4, 1)).astype(int)
    comes_back = churns & (rng.random(n) < COMEBACK_SHARE)
    back_at = np.where(comes_back, churn_at + rng.integers(3, 10, size=n), months + 1)
    gap = churns[:, None] & (grid >= churn_at[:, None]) & (grid < back_at[:, None])
    active &= ~gap

    growth = rng.normal(0.05, 0.15, size=n)  # per year
    trend = np.exp(growth[:, None] * (grid - months / 2) / 12)
    since = grid - first[:, None]
    ramp = np.where(created_month[:, None] >= 0, np.clip(0.35 + 0.25 * since, 0.35, 1.0), 1.0)
    return active * trend * ramp * timeline.seasonality()[None, :]


def generate_accounts(rng: np.random.Generator, n: int, timeline: Timeline) -> Accounts:
    """Draw `n` accounts; every state and account type appears when n >= 27."""
    state_weights = np.array([vocab.STATE_WEIGHTS[s] for s in BRAZILIAN_STATES])
    type_weights = np.array([TYPE_SHARES[t] for t in ACCOUNT_TYPES])
    states = _forced_then_weighted(rng, n, BRAZILIAN_STATES, state_weights)
    types = _forced_then_weighted(rng, n, ACCOUNT_TYPES, type_weights)

    # Creation: the forced rows (one of each state / type) already existed, so a distributor
    # and every state are there from the first month; the others split pre-window / in-window.
    window_seconds = int((timeline.end + 1 - timeline.start) / np.timedelta64(1, "s"))
    pre = rng.random(n) < PRE_WINDOW_SHARE
    pre[: len(BRAZILIAN_STATES)] = True
    offsets = np.where(
        pre,
        -rng.integers(1, 12 * 365 * 86_400, size=n),
        rng.integers(0, window_seconds, size=n),
    )
    # Business hours in Brazil (UTC-3): 11:00-21:00 UTC.
    offsets = offsets - offsets % 86_400 + rng.integers(11 * 3600, 21 * 3600, size=n)
    created_at = timeline.start.astype("datetime64[s]") + offsets.astype("timedelta64[s]")

    order = np.argsort(created_at, kind="stable")
    states, types, created_at = states[order], types[order], created_at[order]
    created_month = timeline.month_of(created_at)

    cities = np.empty(n, dtype=object)
    for i, state in enumerate(states):
        options = vocab.CITIES[state]
        # The capital takes about half of a state's accounts.
        pick = 0 if rng.random() < 0.5 else rng.integers(len(options))
        cities[i] = options[pick]

    z = rng.normal(size=n) + np.array([TYPE_SIZE_OFFSET[t] for t in types])
    shape = _trajectories(rng, timeline, created_month)
    window_shape = shape.sum(axis=1)
    sigma = _solve_sigma(z, window_shape)
    size = np.exp(sigma * z)
    expected = size[:, None] * shape
    active_cells = max(int((shape > 0).sum()), 1)
    expected *= MEAN_MONTHLY_REVENUE_BRL * active_cells / max(expected.sum(), 1e-9)
    size_pct = np.argsort(np.argsort(z, kind="stable"), kind="stable") / n

    peak_year = expected.max(axis=1) * 12
    floor = np.exp(sigma * z) * MEAN_MONTHLY_REVENUE_BRL * 12 / max(np.exp(sigma * z).mean(), 1)
    potential = np.maximum(peak_year, 0.2 * floor) * rng.uniform(1.6, 4.0, size=n)

    beds = np.where(
        types == "hospital",
        np.clip(np.rint(np.exp(rng.normal(np.log(150) + 0.35 * z, 0.4))), 20, 1500),
        np.nan,
    )

    referred_by = np.full(n, None, dtype=object)
    ids = np.array([f"ACC-{i:06d}" for i in range(1, n + 1)], dtype=object)
    candidates = np.flatnonzero((np.arange(n) >= 10) & (rng.random(n) < 0.15))
    if len(candidates):
        weights = np.cumsum(size)
        picks = np.searchsorted(
            weights, rng.random(len(candidates)) * weights[candidates - 1], side="right"
        )
        referred_by[candidates] = ids[np.minimum(picks, candidates - 1)]

    is_reference = rng.random(n) < 0.02 + 0.25 * size_pct**3
    competitors = np.full(n, None, dtype=object)
    counts = rng.integers(0, 4, size=n)
    for i in np.flatnonzero(counts):
        chosen = rng.choice(len(vocab.COMPETITORS), size=counts[i], replace=False)
        competitors[i] = ";".join(vocab.COMPETITORS[j] for j in sorted(chosen))

    return Accounts(
        ids=ids,
        names=_names(rng, types, states, cities),
        types=types,
        states=states,
        cities=cities,
        cnpjs=_cnpjs(rng, n),
        created_at=created_at,
        beds=beds,
        potential_cents=np.rint(potential * 100).astype(np.int64),
        referred_by=referred_by,
        is_reference_site=is_reference,
        competitors=competitors,
        expected=expected,
        size_pct=size_pct,
        owner=np.full(n, None, dtype=object),
    )
