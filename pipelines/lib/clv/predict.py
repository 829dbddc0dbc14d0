"""The per-account CLV table: validate the RFM summary, fit both models, value every account.

A model that cannot be used never stops the table: its accounts are valued by the documented
fallback (fallback.py), each account says which method valued it, and `ClvResult.warnings` says
why in words that go into the run's warnings. Only broken input raises (ClvError).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from pipelines.lib.clv import bgnbd, fallback, gamma_gamma
from pipelines.lib.clv.fitting import ClvError
from pipelines.lib.clv.intervals import AccountInputs, contain, prediction_intervals
from pipelines.lib.clv.status import ModelFit
from pipelines.lib.clv.valuation import (
    bgnbd_present_values,
    check_discount_rate,
    check_horizons,
    run_rate_present_values,
)

REQUIRED_COLUMNS = (
    "account_id",
    "frequency",
    "recency_weeks",
    "t_weeks",
    "monetary_value",
    "repeat_purchase_days_52w",
)
# Recency and T come from day counts / 7; allow for that rounding when comparing them.
_WEEK_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ClvSettings:
    """The CLV settings (dbt vars of the same names, documented in dbt_project.yml)."""

    discount_rate: float = 0.10
    min_repeat_buyers: int = 10
    min_q_lower_bound: float = 1.0
    spend_prior_days: float = 0.25

    def validated(self) -> ClvSettings:
        check_discount_rate(self.discount_rate)
        if (
            isinstance(self.min_repeat_buyers, bool)
            or not isinstance(self.min_repeat_buyers, int | np.integer)
            or self.min_repeat_buyers < 1
        ):
            raise ClvError(
                f"clv_min_repeat_buyers must be a whole number >= 1, got {self.min_repeat_buyers!r}"
            )
        if not np.isfinite(self.min_q_lower_bound) or self.min_q_lower_bound < 1.0:
            raise ClvError(
                "clv_min_q_lower_bound must be a number >= 1 (below 1 the Gamma-Gamma population "
                f"mean is infinite), got {self.min_q_lower_bound!r}"
            )
        if not np.isfinite(self.spend_prior_days) or self.spend_prior_days < 0:
            raise ClvError(
                f"clv_spend_prior_days must be a number of purchase days >= 0, got "
                f"{self.spend_prior_days!r}"
            )
        return self


@dataclass(frozen=True)
class ClvResult:
    """`accounts`: one row per account; `fits`: the BG/NBD and Gamma-Gamma fit records."""

    accounts: pd.DataFrame
    fits: list[ModelFit]

    @property
    def warnings(self) -> list[str]:
        return [text for text in (fit.warning() for fit in self.fits) if text]


def predict_account_clv(
    summary: pd.DataFrame,
    settings: ClvSettings | None = None,
    *,
    horizons_months: tuple[int, ...] = (12, 36),
    margin_ratio: pd.Series | None = None,
) -> ClvResult:
    """Fit BG/NBD and Gamma-Gamma on `summary` and value every account over each horizon.

    `summary` follows the papers' conventions: frequency = purchase days - 1, recency_weeks and
    t_weeks from the first purchase day (t_weeks to the as-of date), monetary_value = mean value
    of the repeat purchase days (ignored when frequency = 0), repeat_purchase_days_52w = repeat
    purchase days in the 52 weeks up to the as-of date (the run-rate fallback). `margin_ratio`,
    indexed by account_id, turns revenue into margin; without it CLV is in revenue. An empty
    summary (no purchase up to the as-of date) gives no rows and two `too_few_buyers` fits.

    Columns: p_alive (null under the run-rate fallback), expected_purchases_12m with p10/p90,
    expected_order_value, clv_<h>m with p10/p90 per horizon, and the method of each prediction.
    """
    # Every array here is small per operation (a few parameters, one row per distinct account
    # summary); waking BLAS threads for each of thousands of such operations cost 3-4 times the
    # work itself on a busy two-core machine (docs/decisions.md).
    with threadpool_limits(limits=1, user_api="blas"):
        return _predict(summary, settings, horizons_months, margin_ratio)


def _predict(
    summary: pd.DataFrame,
    settings: ClvSettings | None,
    horizons_months: tuple[int, ...],
    margin_ratio: pd.Series | None,
) -> ClvResult:
    settings = (settings or ClvSettings()).validated()
    horizons = check_horizons(horizons_months)
    frame = _validated(summary)
    factor = _value_factor(frame["account_id"], margin_ratio)
    x = frame["frequency"].to_numpy(dtype=float)
    t_x = frame["recency_weeks"].to_numpy(dtype=float)
    t_cal = frame["t_weeks"].to_numpy(dtype=float)
    monetary = frame["monetary_value"].to_numpy(dtype=float)
    recent = frame["repeat_purchase_days_52w"].to_numpy(dtype=float)

    purchase_fit, spend_fit = _fit(frame, settings)

    if spend_fit.params is not None:
        order_value = gamma_gamma.conditional_expected_order_value(spend_fit.params, x, monetary)
        spend_method = gamma_gamma.MODEL_NAME
    else:
        order_value = fallback.shrunk_mean_order_value(x, monetary, settings.spend_prior_days)
        spend_method = fallback.SPEND_METHOD
    if purchase_fit.params is not None:
        purchases, present = bgnbd_present_values(
            purchase_fit.params, x, t_x, t_cal, horizons, settings.discount_rate
        )
        alive = bgnbd.p_alive(purchase_fit.params, x, t_x, t_cal)
        purchase_method = bgnbd.MODEL_NAME
    else:
        rate = fallback.run_rate(recent, t_cal)
        purchases, present = run_rate_present_values(rate, horizons, settings.discount_rate)
        alive = np.full(len(x), np.nan)
        purchase_method = fallback.PURCHASES_METHOD

    intervals = prediction_intervals(
        AccountInputs(x, t_x, t_cal, monetary, recent, factor),
        purchase_fit,
        spend_fit,
        order_value,
        horizons,
        settings.discount_rate,
    )
    accounts = pd.DataFrame({"account_id": frame["account_id"].to_numpy(), "p_alive": alive})
    accounts["expected_purchases_12m"] = purchases
    accounts["expected_purchases_12m_p10"], accounts["expected_purchases_12m_p90"] = contain(
        purchases, *intervals.purchases
    )
    accounts["expected_purchases_method"] = purchase_method
    accounts["expected_order_value"] = order_value
    accounts["expected_order_value_method"] = spend_method
    for horizon in horizons:
        value = present[horizon] * order_value * factor
        accounts[f"clv_{horizon}m"] = value
        low, high = contain(value, *intervals.clv[horizon])
        accounts[f"clv_{horizon}m_p10"], accounts[f"clv_{horizon}m_p90"] = low, high
    _check_finite(accounts)
    return ClvResult(accounts=accounts, fits=[purchase_fit.record, spend_fit.record])


def fit_models(summary: pd.DataFrame, settings: ClvSettings | None = None) -> list[ModelFit]:
    """The BG/NBD and Gamma-Gamma fit records of `summary`, without valuing any account.

    The same fits `predict_account_clv` makes from the same summary and settings (the fits are
    deterministic): the fits table is built from this, the account table from that.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        purchase_fit, spend_fit = _fit(_validated(summary), (settings or ClvSettings()).validated())
    return [purchase_fit.record, spend_fit.record]


def _fit(
    frame: pd.DataFrame, settings: ClvSettings
) -> tuple[bgnbd.BgNbdFit, gamma_gamma.GammaGammaFit]:
    x = frame["frequency"].to_numpy(dtype=float)
    purchase_fit = bgnbd.fit(
        x,
        frame["recency_weeks"].to_numpy(dtype=float),
        frame["t_weeks"].to_numpy(dtype=float),
        min_repeat_buyers=settings.min_repeat_buyers,
    )
    spend_fit = gamma_gamma.fit(
        x,
        frame["monetary_value"].to_numpy(dtype=float),
        min_repeat_buyers=settings.min_repeat_buyers,
        min_q_lower_bound=settings.min_q_lower_bound,
    )
    return purchase_fit, spend_fit


def _check_finite(accounts: pd.DataFrame) -> None:
    """Every prediction but P(alive) (null by design under the run-rate fallback) is finite."""
    numeric = accounts.select_dtypes("number").drop(columns="p_alive")
    finite = np.isfinite(numeric.to_numpy(dtype=float)).all(axis=1)
    model_alive = accounts["expected_purchases_method"] == bgnbd.MODEL_NAME
    finite &= ~(model_alive & ~np.isfinite(accounts["p_alive"].to_numpy(dtype=float)))
    if not finite.all():
        bad = accounts.loc[~finite, "account_id"].tolist()[:5]
        raise ClvError(f"CLV is not finite for account(s) {bad}; the summary rows look corrupt")


def _validated(summary: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in summary.columns]
    if missing:
        raise ClvError(
            f"CLV summary is missing column(s) {missing}; expected {list(REQUIRED_COLUMNS)}"
        )
    frame = summary.loc[:, list(REQUIRED_COLUMNS)].reset_index(drop=True)
    ids = frame["account_id"]
    _reject(frame, ids.isna(), "account_id", "a non-null account id")
    _reject(frame, ids.duplicated(keep=False), "account_id", "one row per account")
    for column in ("frequency", "recency_weeks", "t_weeks", "repeat_purchase_days_52w"):
        values = pd.to_numeric(frame[column], errors="coerce")
        _reject(frame, ~np.isfinite(values.to_numpy(dtype=float)), column, "a finite number")
        frame[column] = values.astype(float)
    x, t_x, t_cal = frame["frequency"], frame["recency_weeks"], frame["t_weeks"]
    recent = frame["repeat_purchase_days_52w"]
    _reject(frame, (x < 0) | (x != np.round(x)), "frequency", "a whole number >= 0")
    _reject(frame, t_x < 0, "recency_weeks", "weeks >= 0")
    _reject(frame, t_cal < t_x - _WEEK_TOLERANCE, "t_weeks", "t_weeks >= recency_weeks")
    _reject(frame, (x == 0) & (t_x > _WEEK_TOLERANCE), "recency_weeks", "0 when frequency is 0")
    _reject(
        frame,
        (recent < 0) | (recent != np.round(recent)) | (recent > x),
        "repeat_purchase_days_52w",
        "a whole number between 0 and frequency",
    )
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
