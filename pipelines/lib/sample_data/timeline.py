"""The calendar the sample data lives in: months of the window, business days, seasonality."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

# Weaker January (holidays) and December (budgets closed), bumps when budget cycles spend.
SEASONALITY = np.array([0.80, 0.92, 1.05, 1.00, 1.02, 0.99, 0.97, 1.03, 1.05, 1.07, 1.12, 0.88])

# National holidays with a fixed date (month, day); no invoices are issued on them.
_FIXED_HOLIDAYS = ((1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (11, 20), (12, 25))


@dataclass(frozen=True)
class Timeline:
    """`years` whole months ending with the month of `end`; the last day with data is `end`."""

    start: np.datetime64  # first day of the first month
    end: np.datetime64  # last day with data (inclusive)
    months: np.ndarray  # datetime64[M], one per month of the window

    @classmethod
    def build(cls, end_date: dt.date, years: int) -> Timeline:
        end_month = np.datetime64(end_date, "M")
        months = np.arange(end_month - 12 * years + 1, end_month + 1)
        return cls(
            start=months[0].astype("datetime64[D]"), end=np.datetime64(end_date, "D"), months=months
        )

    @property
    def n_months(self) -> int:
        return len(self.months)

    def month_bounds(self, index: int) -> tuple[np.datetime64, np.datetime64]:
        """First day and last day (inclusive, capped at `end`) of month `index`."""
        first = self.months[index].astype("datetime64[D]")
        last = (self.months[index] + 1).astype("datetime64[D]") - 1
        return first, min(last, self.end)

    def business_days(self, index: int) -> np.ndarray:
        """Mondays to Fridays of month `index` that are not national holidays."""
        first, last = self.month_bounds(index)
        days = np.arange(first, last + 1)
        year = int(str(self.months[index])[:4])
        holidays = np.array(
            [np.datetime64(f"{year}-{m:02d}-{d:02d}") for m, d in _FIXED_HOLIDAYS],
            dtype="datetime64[D]",
        )
        return days[np.is_busday(days, holidays=holidays)]

    def month_of(self, stamps: np.ndarray) -> np.ndarray:
        """Month index of each datetime64 value (negative before the window)."""
        return (stamps.astype("datetime64[M]") - self.months[0]).astype(np.int64)

    def seasonality(self) -> np.ndarray:
        month_numbers = self.months.astype(np.int64) % 12
        return SEASONALITY[month_numbers]
