"""Discounted customer lifetime value over fixed horizons.

Method (docs/clv.md): the horizon is cut into calendar months of 365.25 / 12 days (4.348 weeks).
The expected number of purchase days in month k is the difference of the BG/NBD cumulative
conditional expectation at the end and at the start of that month, so survival is accounted for
exactly (no "alive for the whole horizon" shortcut). Each month's purchases are worth the account's
expected order value times its value factor (1 for revenue, the margin ratio for margin) and are
discounted to the as-of date at the end of the month with the monthly rate equivalent to the
annual rate, (1 + annual) ** (1 / 12) - 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.lib.clv.bgnbd import BgNbdParams, conditional_expected_purchases
from pipelines.lib.clv.fitting import ClvError, aggregate_rows

WEEKS_PER_MONTH = 365.25 / 7.0 / 12.0


def monthly_discount_rate(annual_rate: float) -> float:
    """Monthly rate that compounds to `annual_rate` over twelve months."""
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0


def discounted_purchases(
    params: BgNbdParams,
    frequency: np.ndarray,
    recency: np.ndarray,
    t: np.ndarray,
    horizons_months: Sequence[int],
    annual_discount_rate: float,
) -> dict[int, np.ndarray]:
    """Present value, in purchase days, of each account's expected purchases per horizon.

    Multiplying by expected order value and value factor gives the CLV. The model work is done
    once per distinct (x, t_x, T), which day-grained data repeat a lot.
    """
    horizons = _check_horizons(horizons_months)
    if not np.isfinite(annual_discount_rate) or annual_discount_rate < 0:
        raise ClvError(
            f"discount_rate must be a finite annual rate >= 0, got {annual_discount_rate}"
        )
    (ux, utx, ut), _, inverse = aggregate_rows(frequency, recency, t)
    if len(ux) == 0:
        return {h: np.empty(0) for h in horizons}
    months = np.arange(0, max(horizons) + 1)
    cumulative = np.column_stack(
        [
            conditional_expected_purchases(params, k * WEEKS_PER_MONTH, ux, utx, ut)
            if k
            else np.zeros(len(ux))
            for k in months
        ]
    )
    # The cumulative expectation is non-decreasing; clipping removes rounding noise only.
    per_month = np.clip(np.diff(cumulative, axis=1), 0.0, None)
    discount = (1.0 + monthly_discount_rate(annual_discount_rate)) ** -months[1:]
    present = np.cumsum(per_month * discount, axis=1)
    return {h: present[:, h - 1][inverse] for h in horizons}


def _check_horizons(horizons_months: Sequence[int]) -> tuple[int, ...]:
    horizons = tuple(horizons_months)
    if not horizons or any(
        isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1 for h in horizons
    ):
        raise ClvError(f"horizons_months must be whole months >= 1, got {horizons_months!r}")
    return tuple(int(h) for h in horizons)
