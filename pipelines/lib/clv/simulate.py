"""Draw account summaries from a known BG/NBD + Gamma-Gamma process.

Used to check that the fits recover the parameters that generated the data and to time the fit
on realistic volumes (benchmarks/bench_clv.py). Purchases are generated in continuous time and
then, like real sales, counted per calendar day: two purchases on the same day are one purchase
day. With `day_grid=False` the exact continuous-time summary is returned instead, which is what
the likelihood assumes and what the parameter-recovery tests use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.lib.clv.bgnbd import BgNbdParams
from pipelines.lib.clv.gamma_gamma import GammaGammaParams


def simulate_summary(
    n_accounts: int,
    purchases: BgNbdParams,
    spend: GammaGammaParams,
    *,
    max_tenure_days: int = 3 * 365,
    day_grid: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per account with the columns `predict_account_clv` expects."""
    rng = np.random.default_rng(seed)
    tenure_days = rng.integers(1, max_tenure_days + 1, size=n_accounts)
    t_weeks = tenure_days / 7.0
    rate = rng.gamma(purchases.r, 1.0 / purchases.alpha, size=n_accounts)
    dropout = rng.beta(purchases.a, purchases.b, size=n_accounts)

    clock = np.zeros(n_accounts)
    last = np.zeros(n_accounts)
    count = np.zeros(n_accounts, dtype=np.int64)
    recent = np.zeros(n_accounts, dtype=np.int64)
    active = np.ones(n_accounts, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        clock[idx] += rng.exponential(1.0, size=idx.size) / rate[idx]
        within = clock[idx] <= t_weeks[idx]
        buying = idx[within]
        if day_grid:
            # A purchase on the same calendar day as the previous one adds no purchase day.
            new_day = np.floor(clock[buying] * 7.0) > np.floor(last[buying] * 7.0)
            buying = buying[new_day]
        count[buying] += 1
        # The run-rate fallback's count: repeat purchases in the 52 weeks up to the as-of date.
        if day_grid:
            in_window = np.floor(clock[buying] * 7.0) > tenure_days[buying] - 364
        else:
            in_window = clock[buying] > t_weeks[buying] - 52.0
        recent[buying[in_window]] += 1
        last[buying] = clock[buying]
        # Dropout happens right after a repeat purchase (none after the first one).
        survives = rng.random(buying.size) >= dropout[buying]
        active[:] = False
        active[idx[within]] = True
        active[buying[~survives]] = False

    recency = np.floor(last * 7.0) / 7.0 if day_grid else last
    nu = rng.gamma(spend.q, 1.0 / spend.gamma, size=n_accounts)
    # The sum of x Gamma(p, nu) day values is Gamma(p x, nu); its mean over x is the summary.
    shape = np.where(count > 0, spend.p * count, 1.0)
    monetary = np.where(count > 0, rng.gamma(shape, 1.0 / nu) / np.maximum(count, 1), 0.0)
    return pd.DataFrame(
        {
            "account_id": np.arange(1, n_accounts + 1),
            "frequency": count,
            "recency_weeks": recency,
            "t_weeks": t_weeks,
            "monetary_value": monetary,
            "repeat_purchase_days_52w": recent,
        }
    )
