"""80 % intervals per account from the uncertainty of what the predictions rest on.

Each draw is one plausible world: BG/NBD and Gamma-Gamma log-parameters drawn from their
asymptotic normal distribution (covariance = inverse observed information, identified directions)
plus a uniform position along any flat direction (identification.py); under the run-rate
fallback, each account's purchase rate drawn from its Jeffreys posterior Gamma(k + 1/2, W) (k
repeat purchase days in W weeks). Every account is valued again in every draw and the 10th and
90th percentiles over draws are its interval. The shrunk-mean spend fallback is taken as fixed.
The two models are independent (spend is independent of purchasing, as in the papers), so a draw
pairs one parameter set of each.

The draws are seeded, so the same data give the same intervals. Where a point estimate falls
outside its draws' 10th-90th percentile range (a skewed prediction, e.g. a run rate of zero) the
interval is widened to include it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaincinv

from pipelines.lib.clv.bgnbd import BgNbdFit, BgNbdParams, clip_log_parameters, p_alive
from pipelines.lib.clv.fallback import run_rate_exposure
from pipelines.lib.clv.fitting import aggregate_rows
from pipelines.lib.clv.gamma_gamma import (
    GammaGammaFit,
    GammaGammaParams,
    conditional_expected_order_value,
)
from pipelines.lib.clv.valuation import (
    NodeValuation,
    if_alive_present_values,
    run_rate_present_values,
)

DRAWS = 200
SEED = 20050101
LOWER, UPPER = 10.0, 90.0
# Accounts valued per block: keeps each draws x accounts matrix to about 16 MB.
BLOCK = 10_000


@dataclass(frozen=True)
class AccountInputs:
    """Per-account data the draws need (all arrays of the same length)."""

    frequency: np.ndarray
    recency: np.ndarray
    t_weeks: np.ndarray
    monetary_value: np.ndarray
    recent_repeat_days: np.ndarray
    value_factor: np.ndarray


@dataclass(frozen=True)
class Intervals:
    """10th / 90th percentiles: expected purchases over 12 months and CLV per horizon."""

    purchases: tuple[np.ndarray, np.ndarray]
    clv: dict[int, tuple[np.ndarray, np.ndarray]]


def prediction_intervals(
    accounts: AccountInputs,
    purchase_fit: BgNbdFit,
    spend_fit: GammaGammaFit,
    fixed_order_value: np.ndarray,
    horizons_months: Sequence[int],
    discount_rate: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
) -> Intervals:
    rng = np.random.default_rng(seed)
    n = len(accounts.frequency)
    purchase_draws = _purchase_parameter_draws(purchase_fit, rng, draws)
    spend_draws = _spend_parameter_draws(spend_fit, rng, draws)
    # Accounts sharing (x, T) share the BG/NBD expectation given alive: blocks follow that order
    # so each pair is valued once per draw (twice at most, at a block boundary).
    pairs = AccountPairs.of(accounts.frequency, accounts.t_weeks)
    order = np.argsort(pairs.near_of, kind="stable")
    # One uniform per account and draw for the run-rate fallback, drawn for all accounts at
    # once so the stream does not depend on BLOCK.
    rate_uniforms = rng.random((draws, n)) if purchase_draws is None else None
    nodes = NodeValuation(horizons_months, discount_rate)
    low_purchases, high_purchases = np.empty(n), np.empty(n)
    clv = {h: (np.empty(n), np.empty(n)) for h in horizons_months}
    for start in range(0, n, BLOCK):
        rows = order[start : start + BLOCK]
        if purchase_draws is None:
            purchases, present = _run_rate_draws(
                accounts, rows, rate_uniforms[:, rows], horizons_months, discount_rate
            )
        else:
            purchases, present = _bgnbd_draws(
                accounts, rows, pairs, purchase_fit, purchase_draws, nodes
            )
        order_value = _order_value_draws(accounts, rows, spend_draws, fixed_order_value, draws)
        low_purchases[rows], high_purchases[rows] = _percentiles(purchases)
        for h in horizons_months:
            values = present[h] * order_value * accounts.value_factor[rows][None, :]
            clv[h][0][rows], clv[h][1][rows] = _percentiles(values)
    return Intervals(purchases=(low_purchases, high_purchases), clv=clv)


def contain(point: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Widen an interval to include its point estimate."""
    return np.minimum(low, point), np.maximum(high, point)


def _bgnbd_draws(
    accounts: AccountInputs,
    rows: np.ndarray,
    pairs: AccountPairs,
    fit: BgNbdFit,
    parameter_draws: list[BgNbdParams],
    nodes: NodeValuation,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Expected purchases and present values (draws x accounts) for one block of accounts.

    Per draw the expectation given alive comes from the node valuation at (x, T rounded to
    whole weeks), scaled per account by the ratio of the exact monthly valuation at its own
    (x, T) to the same node valuation, both at the point estimate. So each draw moves an
    account's value by the factor the draw moves its nearby pair's: rounding T changes that
    factor far less than the draws do, and the draws cost a quarter of the work.
    """
    exact, exact_of = np.unique(pairs.exact_of[rows], return_inverse=True)
    near, near_of = np.unique(pairs.near_of[rows], return_inverse=True)
    x_exact, t_exact = pairs.exact_x[exact], pairs.exact_t[exact]
    x_near, t_near = pairs.near_x[near], pairs.near_t[near]
    exact_purchases, exact_present = if_alive_present_values(
        fit.params, x_exact, t_exact, tuple(nodes.weights), nodes.discount_rate
    )
    node_purchases, node_present = nodes.values(fit.params, x_near, t_near)
    purchase_correction = _ratio(exact_purchases[exact_of], node_purchases[near_of])
    correction = {
        h: _ratio(exact_present[h][exact_of], node_present[h][near_of]) for h in nodes.weights
    }
    x, t_x, t = accounts.frequency[rows], accounts.recency[rows], accounts.t_weeks[rows]
    purchases = np.empty((len(parameter_draws), len(rows)))
    present = {h: np.empty_like(purchases) for h in nodes.weights}
    for d, params in enumerate(parameter_draws):
        alive = p_alive(params, x, t_x, t)
        draw_purchases, draw_present = nodes.values(params, x_near, t_near)
        purchases[d] = draw_purchases[near_of] * purchase_correction * alive
        for h in nodes.weights:
            present[h][d] = draw_present[h][near_of] * correction[h] * alive
    return purchases, present


@dataclass(frozen=True)
class AccountPairs:
    """Each account's (x, T) pair, exact and with T rounded to whole weeks, as indexes into
    the distinct pairs."""

    exact_x: np.ndarray
    exact_t: np.ndarray
    exact_of: np.ndarray
    near_x: np.ndarray
    near_t: np.ndarray
    near_of: np.ndarray

    @classmethod
    def of(cls, frequency: np.ndarray, t_weeks: np.ndarray) -> AccountPairs:
        (exact_x, exact_t), _, exact_of = aggregate_rows(frequency, t_weeks)
        (near_x, near_t), _, near_of = aggregate_rows(frequency, np.round(t_weeks))
        return cls(exact_x, exact_t, exact_of, near_x, near_t, near_of)


def _ratio(exact: np.ndarray, approximate: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(approximate > 0, exact / approximate, 1.0)


def _run_rate_draws(
    accounts: AccountInputs,
    rows: np.ndarray,
    uniforms: np.ndarray,
    horizons_months: Sequence[int],
    discount_rate: float,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Each account's rate drawn from its Jeffreys posterior Gamma(k + 1/2, W): quantile of a
    uniform, so the draws of one account do not depend on the others."""
    exposure = run_rate_exposure(accounts.t_weeks[rows])
    shape = accounts.recent_repeat_days[rows] + 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = gammaincinv(shape[None, :], uniforms) / exposure[None, :]
    # An account first bought today has no exposure: no rate can be estimated, as in the point.
    rates = np.where(exposure[None, :] > 0, rates, 0.0)
    return run_rate_present_values(rates, horizons_months, discount_rate)


def _purchase_parameter_draws(
    fit: BgNbdFit, rng: np.random.Generator, draws: int
) -> list[BgNbdParams] | None:
    if fit.params is None or fit.identification is None:
        return None
    deviations = fit.identification.draw(rng, draws)
    return [BgNbdParams.from_log(clip_log_parameters(fit.log_parameters + d)) for d in deviations]


def _spend_parameter_draws(
    fit: GammaGammaFit, rng: np.random.Generator, draws: int
) -> list[GammaGammaParams] | None:
    if fit.params is None or fit.identification is None:
        return None
    deviations = fit.identification.draw(rng, draws)
    return [
        GammaGammaParams.from_log(clip_log_parameters(fit.log_parameters + d)) for d in deviations
    ]


def _order_value_draws(
    accounts: AccountInputs,
    rows: np.ndarray,
    parameter_draws: list[GammaGammaParams] | None,
    fixed_order_value: np.ndarray,
    draws: int,
) -> np.ndarray:
    if parameter_draws is None:
        return np.broadcast_to(fixed_order_value[rows], (draws, len(rows)))
    x, m = accounts.frequency[rows], accounts.monetary_value[rows]
    values = np.vstack([conditional_expected_order_value(p, x, m) for p in parameter_draws])
    # A draw with q <= 1 has no finite population mean: it is a world the fit itself found
    # implausible (q's 95 % interval is above 1), so it is left out of the percentiles.
    return np.where(np.isfinite(values), values, np.nan)


def _percentiles(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """10th and 90th percentiles over draws (axis 0), ignoring NaN draws, vectorised.

    numpy's nanpercentile loops over columns in Python (and np.partition with several ranks
    was ten times slower than a full sort here). Sorting puts NaN last; each column's
    percentile is interpolated between the order statistics around its own rank, numpy's
    default (linear) definition.
    """
    ordered = np.sort(values, axis=0)
    valid = np.sum(~np.isnan(ordered), axis=0)
    columns = np.arange(ordered.shape[1])
    result = []
    for share in (LOWER / 100.0, UPPER / 100.0):
        rank = share * np.maximum(valid - 1, 0)
        below = np.floor(rank).astype(int)
        above = np.minimum(below + 1, np.maximum(valid - 1, 0))
        weight = rank - below
        value = ordered[below, columns] * (1.0 - weight) + ordered[above, columns] * weight
        result.append(np.where(valid > 0, value, np.nan))
    return result[0], result[1]
