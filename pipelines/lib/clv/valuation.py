"""Discounted customer lifetime value over fixed horizons.

Method (docs/clv.md): the horizon is cut into calendar months of 365.25 / 12 days (4.348 weeks).
The expected number of purchase days in month k is the difference of the BG/NBD cumulative
conditional expectation at the end and at the start of that month, so survival is accounted for
exactly (no "alive for the whole horizon" shortcut). Each month's purchases are worth the account's
expected order value times its value factor (1 for revenue, the margin ratio for margin) and are
discounted to the as-of date at the end of the month with the monthly rate equivalent to the
annual rate, (1 + annual) ** (1 / 12) - 1. Under the run-rate fallback every month holds the same
expected purchases, rate x 4.348 weeks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.lib.clv.bgnbd import WEEKS_PER_MONTH, BgNbdParams, expected_if_alive, p_alive
from pipelines.lib.clv.fitting import ClvError, aggregate_rows


def monthly_discount_rate(annual_rate: float) -> float:
    """Monthly rate that compounds to `annual_rate` over twelve months."""
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0


def discount_factors(annual_rate: float, months: int) -> np.ndarray:
    """Discount factor of the end of each month 1..months."""
    return (1.0 + monthly_discount_rate(annual_rate)) ** -np.arange(1.0, months + 1.0)


def check_discount_rate(annual_rate: float) -> None:
    if not np.isfinite(annual_rate) or annual_rate < 0:
        raise ClvError(f"discount_rate must be a finite annual rate >= 0, got {annual_rate}")


def check_horizons(horizons_months: Sequence[int]) -> tuple[int, ...]:
    horizons = tuple(horizons_months)
    if not horizons or any(
        isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1 for h in horizons
    ):
        raise ClvError(f"horizons_months must be whole months >= 1, got {horizons_months!r}")
    return tuple(int(h) for h in horizons)


def bgnbd_present_values(
    params: BgNbdParams,
    frequency: np.ndarray,
    recency: np.ndarray,
    t: np.ndarray,
    horizons_months: Sequence[int],
    annual_discount_rate: float,
    *,
    purchase_months: int = 12,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Expected purchase days over `purchase_months`, and the present value in purchase days of
    each account's expected purchases per horizon (times order value gives the CLV).

    The expectation given "alive" depends on (x, T) only and is computed once per distinct pair,
    for every month at once; P(alive) multiplies it per account.
    """
    horizons = check_horizons(horizons_months)
    check_discount_rate(annual_discount_rate)
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    t_cal = np.asarray(t, dtype=float)
    if len(x) == 0:
        return np.empty(0), {h: np.empty(0) for h in horizons}
    (ux, ut), _, inverse = aggregate_rows(x, t_cal)
    purchases, present = if_alive_present_values(
        params, ux, ut, horizons, annual_discount_rate, purchase_months=purchase_months
    )
    alive = p_alive(params, x, t_x, t_cal)
    return purchases[inverse] * alive, {h: present[h][inverse] * alive for h in horizons}


def if_alive_present_values(
    params: BgNbdParams,
    frequency: np.ndarray,
    t: np.ndarray,
    horizons: Sequence[int],
    annual_discount_rate: float,
    *,
    purchase_months: int = 12,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Per (x, T) pair, given alive at T: expected purchases and present value per horizon,
    month by month as the module docstring says."""
    months = max(*horizons, purchase_months)
    grid = np.arange(1, months + 1) * WEEKS_PER_MONTH
    cumulative = np.zeros((len(frequency), months + 1))
    cumulative[:, 1:] = expected_if_alive(params, grid[None, :], frequency[:, None], t[:, None])
    # The cumulative expectation is non-decreasing; clipping removes rounding noise only.
    per_month = np.clip(np.diff(cumulative, axis=1), 0.0, None)
    present = np.cumsum(per_month * discount_factors(annual_discount_rate, months), axis=1)
    purchases = np.cumsum(per_month, axis=1)[:, purchase_months - 1]
    return purchases, {h: present[:, h - 1] for h in horizons}


class NodeValuation:
    """The same present values from the cumulative expectation at a few months only.

    Prediction intervals revalue every account a few hundred times; between the nodes the
    cumulative expectation is interpolated linearly, which turns each present value into a fixed
    weighted sum of the node values (`weights`). Used as a ratio to the same approximation at
    the point estimate, so its small bias cancels (intervals.py): with these seven nodes the
    interval ends differ from a month-by-month valuation by less than 1e-4 relative (measured on
    5,000 simulated accounts; 11 nodes: 3e-5, 5 nodes: 2e-4).
    """

    NODES = (1, 3, 6, 12, 18, 24, 36)

    def __init__(
        self, horizons: Sequence[int], annual_discount_rate: float, purchase_months: int = 12
    ) -> None:
        months = max(*horizons, purchase_months)
        nodes = sorted({n for n in self.NODES if n <= months} | set(horizons) | {purchase_months})
        self.discount_rate = annual_discount_rate
        self.nodes = np.asarray(nodes, dtype=int)
        self.grid = self.nodes * WEEKS_PER_MONTH
        # Interpolation matrix: cumulative at months 0..M from the node values (0 at month 0).
        knots = np.concatenate([[0], self.nodes])
        interpolation = np.zeros((len(self.nodes), months + 1))
        for month in range(months + 1):
            right = int(np.searchsorted(knots, month))
            if knots[min(right, len(knots) - 1)] == month:
                if right > 0:
                    interpolation[right - 1, month] = 1.0
                continue
            left = right - 1
            share = (month - knots[left]) / (knots[right] - knots[left])
            if left > 0:
                interpolation[left - 1, month] += 1.0 - share
            interpolation[right - 1, month] += share
        discount = np.concatenate([[1.0], discount_factors(annual_discount_rate, months)])
        self.weights = {}
        for h in horizons:
            # PV_h = sum_{k=1..h} v^k (A_k - A_{k-1}) as a weighted sum of A_0..A_M.
            coefficients = np.zeros(months + 1)
            coefficients[1 : h + 1] += discount[1 : h + 1]
            coefficients[0:h] -= discount[1 : h + 1]
            self.weights[h] = interpolation @ coefficients
        self.purchase_column = int(np.flatnonzero(self.nodes == purchase_months)[0])

    def values(
        self, params: BgNbdParams, frequency: np.ndarray, t: np.ndarray
    ) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        cumulative = expected_if_alive(params, self.grid[None, :], frequency[:, None], t[:, None])
        return cumulative[:, self.purchase_column], {
            h: cumulative @ weights for h, weights in self.weights.items()
        }


def run_rate_present_values(
    rate_per_week: np.ndarray,
    horizons_months: Sequence[int],
    annual_discount_rate: float,
    *,
    purchase_months: int = 12,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The same outputs for a constant purchase rate (the run-rate fallback)."""
    horizons = check_horizons(horizons_months)
    check_discount_rate(annual_discount_rate)
    rate = np.asarray(rate_per_week, dtype=float)
    per_month = rate * WEEKS_PER_MONTH
    annuity = np.cumsum(discount_factors(annual_discount_rate, max(horizons)))
    return per_month * purchase_months, {h: per_month * annuity[h - 1] for h in horizons}
