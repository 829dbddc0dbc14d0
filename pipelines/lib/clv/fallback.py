"""What accounts get when a model cannot be used: plain rules a director can check by hand.

Purchases (BG/NBD not usable), method `run_rate`: the account keeps buying at its own recent
pace. Rate = repeat purchase days in the last 52 weeks / min(52, T) weeks; expected purchase days
over a horizon = rate x horizon. Nothing is assumed about dropout, so P(alive) is null. An account
that stopped buying more than a year ago has rate 0; a one-time buyer too (no repeat seen).

Spend (Gamma-Gamma not usable), method `shrunk_mean`: the account's own mean repeat-day value,
pulled towards the median over repeat buyers with the weight of `prior_days` purchase days:
(x m + k M) / (x + k). It always lies between the account's own mean and the median, so no
account is valued above the larger of the two: the opposite of the exploding population mean.
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
    """(x m + k M) / (x + k) per account; M for accounts without a repeat purchase day."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    own = np.where((x > 0) & np.isfinite(m), np.clip(m, 0.0, None), 0.0)
    median = population_median(x, m)
    weight = x + prior_days
    with np.errstate(divide="ignore", invalid="ignore"):
        shrunk = np.where(weight > 0, (x * own + prior_days * median) / weight, median)
    return shrunk
