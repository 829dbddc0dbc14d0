"""What accounts get when a model cannot be used: plain rules a director can check by hand.

Purchases (BG/NBD not usable), method `run_rate`: the account keeps buying at its own recent
pace. Rate = repeat purchase days in the last 52 weeks / min(52, T) weeks; expected purchase days
over a horizon = rate x horizon. Nothing is assumed about dropout, so P(alive) is null. An account
that stopped buying more than a year ago has rate 0; a one-time buyer too (no repeat seen).

Spend (Gamma-Gamma not usable), method `shrunk_mean`: the account's own mean repeat-day value m,
pulled towards the median M over repeat buyers with the weight of k = `prior_days` purchase days,
on a log scale: exp((x log m + k log M) / (x + k)), a weighted geometric mean. Key-account
portfolios span orders of magnitude (R$ 250 and R$ 21,000 per purchase day in the same sample),
so the pull works in ratios: pulling R$ 250 towards R$ 21,000 by a third of the way in reais
would value that account at R$ 7,200 a day. The result always lies between m and M, so no account
is valued above the larger of its own history and the typical account's: the opposite of the
exploding population mean. Accounts without a repeat purchase day get M.
"""

from __future__ import annotations

import numpy as np

PURCHASES_METHOD = "run_rate"
SPEND_METHOD = "shrunk_mean"
RUN_RATE_WINDOW_WEEKS = 52.0


def run_rate_exposure(t_weeks: np.ndarray) -> np.ndarray:
    """Weeks over which the recent repeat purchase days were counted: min(52, T)."""
    return np.minimum(np.asarray(t_weeks, dtype=float), RUN_RATE_WINDOW_WEEKS)


def run_rate(recent_repeat_days: np.ndarray, t_weeks: np.ndarray) -> np.ndarray:
    """Repeat purchase days per week over the recent window (0 for an account bought today)."""
    exposure = run_rate_exposure(t_weeks)
    days = np.asarray(recent_repeat_days, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(exposure > 0, days / exposure, 0.0)


def population_median(frequency: np.ndarray, monetary_value: np.ndarray) -> float:
    """Median mean repeat-day value over repeat buyers (0 when there is none)."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    observed = np.clip(m[(x > 0) & np.isfinite(m)], 0.0, None)
    return float(np.median(observed)) if observed.size else 0.0


def shrunk_mean_order_value(
    frequency: np.ndarray, monetary_value: np.ndarray, prior_days: float
) -> np.ndarray:
    """exp((x log m + k log M) / (x + k)) per account; M without a repeat purchase day."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    own = np.where((x > 0) & np.isfinite(m), np.clip(m, 0.0, None), 0.0)
    median = population_median(x, m)
    if median <= 0.0:
        # Nothing to pull towards (no repeat spend at all): each account keeps its own mean.
        return own
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(x > 0, x / (x + prior_days), 0.0)
    # Only accounts with weight > 0 use their own mean: weight 0 must not meet log(0) = -inf
    # (0 * -inf is NaN). An own mean of 0 gives exp(-inf) = 0, as it should.
    own_term = np.zeros_like(own)
    has_own = weight > 0
    with np.errstate(divide="ignore"):
        own_term[has_own] = weight[has_own] * np.log(own[has_own])
    return np.exp(own_term + (1.0 - weight) * np.log(median))
