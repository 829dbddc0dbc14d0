"""The per-account CLV table: validate the RFM summary, fit both models, value every account."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.lib.clv import bgnbd, gamma_gamma
from pipelines.lib.clv.fitting import ClvError, ModelFit
from pipelines.lib.clv.valuation import WEEKS_PER_MONTH, discounted_purchases

REQUIRED_COLUMNS = ("account_id", "frequency", "recency_weeks", "t_weeks", "monetary_value")
# Recency and T come from day counts / 7; allow for that rounding when comparing them.
_WEEK_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ClvResult:
    """`accounts`: one row per account; `fits`: the BG/NBD and Gamma-Gamma fit records."""

    accounts: pd.DataFrame
    fits: list[ModelFit]

    @property
    def converged(self) -> bool:
        return all(f.converged for f in self.fits)


def predict_account_clv(
    summary: pd.DataFrame,
    *,
    discount_rate: float = 0.10,
    horizons_months: tuple[int, ...] = (12, 36),
    margin_ratio: pd.Series | None = None,
) -> ClvResult:
    """Fit BG/NBD and Gamma-Gamma on `summary` and value every account over each horizon.

    `summary` follows the papers' conventions: frequency = purchase days - 1, recency_weeks and
    t_weeks from the first purchase day (t_weeks to the as-of date), monetary_value = mean value
    of the repeat purchase days (ignored when frequency = 0). `margin_ratio`, indexed by
    account_id, turns revenue into margin; without it CLV is in revenue. The result never holds
    NaN: input that cannot be valued raises ClvError, and a model that cannot be fitted is
    reported with converged=False and a finite fallback (see docs/clv.md).
    """
    frame = _validated(summary)
    factor = _value_factor(frame["account_id"], margin_ratio)
    x = frame["frequency"].to_numpy(dtype=float)
    t_x = frame["recency_weeks"].to_numpy(dtype=float)
    t_cal = frame["t_weeks"].to_numpy(dtype=float)
    monetary = frame["monetary_value"].to_numpy(dtype=float)

    purchase_params, purchase_fit = bgnbd.fit(x, t_x, t_cal)
    spend_model, spend_fit = gamma_gamma.fit(x, monetary)

    order_value = spend_model.expected_order_value(x, monetary)
    present = discounted_purchases(purchase_params, x, t_x, t_cal, horizons_months, discount_rate)
    accounts = pd.DataFrame(
        {
            "account_id": frame["account_id"].to_numpy(),
            "p_alive": bgnbd.p_alive(purchase_params, x, t_x, t_cal),
            "expected_purchases_12m": bgnbd.conditional_expected_purchases(
                purchase_params, 12 * WEEKS_PER_MONTH, x, t_x, t_cal
            ),
            "expected_order_value": order_value,
        }
    )
    for horizon in horizons_months:
        accounts[f"clv_{horizon}m"] = present[horizon] * order_value * factor
    numeric = accounts.drop(columns="account_id").to_numpy(dtype=float)
    if not np.all(np.isfinite(numeric)):
        bad = accounts.loc[~np.isfinite(numeric).all(axis=1), "account_id"].tolist()[:5]
        raise ClvError(f"CLV is not finite for account(s) {bad}; the summary rows look corrupt")
    return ClvResult(accounts=accounts, fits=[purchase_fit, spend_fit])


def _validated(summary: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in summary.columns]
    if missing:
        raise ClvError(
            f"CLV summary is missing column(s) {missing}; expected {list(REQUIRED_COLUMNS)}"
        )
    if summary.empty:
        raise ClvError(
            "CLV summary is empty: no account has a purchase day on or before the as-of date, "
            "so there is nothing to fit; expected at least one account"
        )
    frame = summary.loc[:, list(REQUIRED_COLUMNS)].reset_index(drop=True)
    ids = frame["account_id"]
    _reject(frame, ids.isna(), "account_id", "a non-null account id")
    _reject(frame, ids.duplicated(keep=False), "account_id", "one row per account")
    for column in ("frequency", "recency_weeks", "t_weeks"):
        values = pd.to_numeric(frame[column], errors="coerce")
        _reject(frame, ~np.isfinite(values.to_numpy(dtype=float)), column, "a finite number")
        frame[column] = values.astype(float)
    x, t_x, t_cal = frame["frequency"], frame["recency_weeks"], frame["t_weeks"]
    _reject(frame, (x < 0) | (x != np.round(x)), "frequency", "a whole number >= 0")
    _reject(frame, t_x < 0, "recency_weeks", "weeks >= 0")
    _reject(frame, t_cal < t_x - _WEEK_TOLERANCE, "t_weeks", "t_weeks >= recency_weeks")
    _reject(frame, (x == 0) & (t_x > _WEEK_TOLERANCE), "recency_weeks", "0 when frequency is 0")
    monetary = pd.to_numeric(frame["monetary_value"], errors="coerce").astype(float)
    _reject(
        frame,
        (x > 0) & ~np.isfinite(monetary.to_numpy()),
        "monetary_value",
        "a finite mean repeat-day value when frequency > 0",
    )
    frame["monetary_value"] = monetary.where(x > 0, 0.0)
    frame["t_weeks"] = np.maximum(t_cal, t_x)
    return frame


def _reject(frame: pd.DataFrame, bad: pd.Series, column: str, expected: str) -> None:
    mask = np.asarray(bad, dtype=bool)
    if mask.any():
        row = int(np.flatnonzero(mask)[0])
        raise ClvError(
            f"CLV summary row {row} (account_id {_plain(frame['account_id'].iloc[row])!r}), "
            f"column {column}: got {_plain(frame[column].iloc[row])!r}, expected {expected} "
            f"({int(mask.sum())} row(s) affected)"
        )


def _value_factor(account_ids: pd.Series, margin_ratio: pd.Series | None) -> np.ndarray:
    """1 for revenue CLV; the account's margin ratio (aligned on account_id) for margin CLV."""
    if margin_ratio is None:
        return np.ones(len(account_ids))
    aligned = margin_ratio.reindex(account_ids.to_numpy())
    values = pd.to_numeric(aligned, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values > 1.0)
    if bad.any():
        first = _plain(account_ids.iloc[int(np.flatnonzero(bad)[0])])
        raise ClvError(
            f"margin_ratio for account_id {first!r} is missing or invalid "
            f"({int(bad.sum())} account(s)); expected a finite ratio <= 1 for every account"
        )
    return values


def _plain(value: object) -> object:
    """NumPy scalars as Python values, so messages read `1` rather than `np.int64(1)`."""
    return value.item() if isinstance(value, np.generic) else value
