"""Build the per-account RFM summary the CLV models expect from raw transactions.

The models count purchase *days*: several invoices on one day are one purchase occasion whose
value is their sum. frequency = purchase days - 1, recency and T are whole days / 7 from the first
purchase day (T to the as-of date), monetary_value = mean value of the repeat purchase days (the
first day is excluded because it is what made the account a customer, not a repeat purchase).
repeat_purchase_days_52w = repeat purchase days in the 52 weeks (364 days) ending on the as-of
date, the run-rate fallback's count (fallback.py).
"""

from __future__ import annotations

import pandas as pd

SUMMARY_COLUMNS = (
    "account_id",
    "frequency",
    "recency_weeks",
    "t_weeks",
    "monetary_value",
    "repeat_purchase_days_52w",
)
RUN_RATE_WINDOW_DAYS = 364


def summarise_transactions(
    transactions: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str,
    account_column: str = "account_id",
    date_column: str = "date",
    value_column: str = "value",
) -> pd.DataFrame:
    """Summarise transactions up to `as_of` into one row per account (papers' conventions)."""
    as_of_day = pd.Timestamp(as_of).normalize()
    frame = transactions.loc[:, [account_column, date_column, value_column]].copy()
    frame[date_column] = pd.to_datetime(frame[date_column]).dt.normalize()
    frame = frame[frame[date_column] <= as_of_day]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in SUMMARY_COLUMNS}).astype(
            {"account_id": object, "frequency": int, "repeat_purchase_days_52w": int}
        )
    days = (
        frame.groupby([account_column, date_column], as_index=False)[value_column]
        .sum()
        .sort_values([account_column, date_column])
    )
    grouped = days.groupby(account_column)
    first = grouped[date_column].transform("min")
    repeats = days[days[date_column] > first]
    repeat_mean = repeats.groupby(account_column)[value_column].mean()
    window_start = as_of_day - pd.Timedelta(days=RUN_RATE_WINDOW_DAYS)
    recent = repeats[repeats[date_column] > window_start].groupby(account_column).size()
    out = pd.DataFrame(
        {
            "frequency": grouped.size() - 1,
            "recency_weeks": (grouped[date_column].max() - grouped[date_column].min()).dt.days
            / 7.0,
            "t_weeks": (as_of_day - grouped[date_column].min()).dt.days / 7.0,
        }
    )
    out["monetary_value"] = repeat_mean.reindex(out.index).fillna(0.0)
    out["repeat_purchase_days_52w"] = recent.reindex(out.index).fillna(0).astype(int)
    out.index.name = "account_id"
    return out.reset_index().loc[:, list(SUMMARY_COLUMNS)]
