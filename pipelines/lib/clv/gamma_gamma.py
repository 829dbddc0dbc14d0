"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005 "RFM and CLV"; Colombo & Jiang 1999).

Each purchase day's value is Gamma(p, nu) with an account-specific nu ~ Gamma(q, gamma). An
account's mean repeat-day value m over x repeat days is then the sufficient statistic, and the
posterior mean of its order value is a weighted average of the population mean p*gamma/(q-1)
and its own m. Spend is assumed independent of the purchase process, as in the papers.

Which situations are a failure and which are merely degenerate (see docs/clv.md):
- fewer than MIN_REPEAT_BUYERS repeat buyers with positive spend, all repeat spend zero, or an
  optimum at a search bound: the model cannot be fitted; every account gets the fallback estimate
  (mean of the observed repeat-day means, 0 if there is none) and the fit is reported with
  converged=False.
- a converged fit with q <= 1: spend across accounts is so heavy-tailed (a few very large
  accounts, as in key-account portfolios) that the *population* mean is infinite. Each repeat
  buyer's posterior mean is still finite and is used; only accounts without a repeat purchase day,
  which have nothing but the population mean to go on, get the fallback estimate. Reported
  converged=True with a message saying so: the optimiser did converge, and every value is finite.
- all repeat buyers with the same mean value (no spread at all): the maximum likelihood lies at
  the homogeneous limit (p -> infinity), whose prediction is exactly that common value; this is
  well defined, so it is reported converged=True with a message saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from pipelines.lib.clv.fitting import ModelFit, aggregate_rows, maximise_log_likelihood

MODEL_NAME = "gamma_gamma"
PARAMETER_NAMES = ("p", "q", "gamma")
# Three parameters describe the spread of spend between accounts; below ten repeat buyers the
# fit is dominated by one or two accounts and typically ends with q <= 1 or at a bound.
MIN_REPEAT_BUYERS = 10


@dataclass(frozen=True)
class GammaGammaParams:
    """Spend per purchase day ~ Gamma(p, nu); nu ~ Gamma(q, gamma) across accounts."""

    p: float
    q: float
    gamma: float

    def as_dict(self) -> dict[str, float]:
        return {"p": float(self.p), "q": float(self.q), "gamma": float(self.gamma)}

    @property
    def population_mean(self) -> float:
        """Mean order value of an account we know nothing about (finite only when q > 1)."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("inf")


@dataclass(frozen=True)
class SpendModel:
    """What the valuation needs: fitted parameters (or None) and the fallback mean."""

    params: GammaGammaParams | None
    fallback_mean: float

    def expected_order_value(self, frequency: np.ndarray, monetary_value: np.ndarray) -> np.ndarray:
        """Per-account expected value of a future purchase day (population mean when x = 0)."""
        x = np.asarray(frequency, dtype=float)
        if self.params is None:
            return np.full(x.shape, self.fallback_mean)
        p, q = self.params.p, self.params.q
        # The posterior mean needs p x + q - 1 > 0; with q <= 1 that fails for x = 0 (the
        # infinite population mean) and possibly for small x: those accounts use the fallback.
        defined = p * x + q - 1.0 > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            posterior = conditional_expected_order_value(self.params, x, monetary_value)
        return np.where(defined, posterior, self.fallback_mean)


def log_likelihood(
    params: GammaGammaParams, frequency: np.ndarray, monetary_value: np.ndarray
) -> np.ndarray:
    """Per-account log density of the mean repeat-day value m given x (x > 0, m > 0)."""
    value, _ = _terms(
        params, np.asarray(frequency, float), np.asarray(monetary_value, float), False
    )
    return value


def _terms(
    params: GammaGammaParams,
    x: np.ndarray,
    m: np.ndarray,
    gradient: bool,
    distinct: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    p, q, g = params.p, params.q, params.gamma
    # Gamma-function terms depend on x only, which takes few distinct values; the optimiser
    # passes them in so they are found once per fit.
    if distinct is None:
        distinct_x, at = np.unique(x, return_inverse=True)
        at = at.ravel()
    else:
        distinct_x, at = distinct
    pdx = p * distinct_x
    px = p * x
    log_scale = np.log(g + m * x)
    log_m = np.log(m)
    log_x = np.log(x)
    value = (
        (gammaln(pdx + q) - gammaln(pdx))[at]
        - gammaln(q)
        + q * np.log(g)
        + (px - 1.0) * log_m
        + px * log_x
        - (px + q) * log_scale
    )
    if not gradient:
        return value, None
    psi_pxq = digamma(pdx + q)[at]
    d_p = x * (psi_pxq - digamma(pdx)[at] + log_m + log_x - log_scale)
    d_q = psi_pxq - digamma(q) + np.log(g) - log_scale
    d_g = q / g - (px + q) / (g + m * x)
    return value, np.vstack([d_p, d_q, d_g])


def conditional_expected_order_value(
    params: GammaGammaParams, frequency: np.ndarray, monetary_value: np.ndarray
) -> np.ndarray:
    """Posterior mean order value: (gamma + m x) p / (p x + q - 1).

    For x = 0 this is the population mean. Accounts whose observed mean is not positive (zero
    or net-negative repeat days) use m = 0, the edge of the model's support, which keeps them
    finite and pulls them towards the population mean in proportion to how little they bought.
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    m = np.where((x > 0) & np.isfinite(m) & (m > 0), m, 0.0)
    p, q, g = params.p, params.q, params.gamma
    return (g + m * x) * p / (p * x + q - 1.0)


def fit(frequency: np.ndarray, monetary_value: np.ndarray) -> tuple[SpendModel, ModelFit]:
    """Fit on repeat buyers with positive mean spend, or fall back as the module docstring says."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    usable = (x > 0) & np.isfinite(m) & (m > 0)
    n_repeat = int(np.sum(x > 0))
    n_used = int(np.sum(usable))
    observed = m[(x > 0) & np.isfinite(m)]
    fallback = float(np.mean(np.clip(observed, 0.0, None))) if observed.size else 0.0

    def fallback_fit(
        reason: str, fitted: dict[str, float] | None = None, ll: float = 0.0
    ) -> tuple[SpendModel, ModelFit]:
        # Parameters of a rejected fit are kept for diagnosis; LL is 0.0 when nothing was fitted.
        parameters = {**(fitted or {}), "mean_order_value": fallback}
        return SpendModel(None, fallback), ModelFit(
            model=MODEL_NAME,
            parameters=parameters,
            log_likelihood=ll,
            accounts_used=int(observed.size),
            converged=False,
            message=(
                f"not fitted: {reason}; every account uses the mean observed repeat-day value "
                f"{fallback:.4g} as expected order value"
            ),
        )

    if n_used == 0:
        what = (
            "no account has a repeat purchase day" if n_repeat == 0 else "all repeat spend is zero"
        )
        return fallback_fit(what)
    if n_used < MIN_REPEAT_BUYERS:
        return fallback_fit(
            f"only {n_used} repeat buyer(s) with positive spend, "
            f"at least {MIN_REPEAT_BUYERS} needed"
        )

    xs, ms = x[usable], m[usable]
    if np.ptp(ms) == 0.0:
        common = float(ms[0])
        return SpendModel(None, common), ModelFit(
            model=MODEL_NAME,
            parameters={"mean_order_value": common},
            log_likelihood=0.0,
            accounts_used=n_used,
            converged=True,
            message=(
                "degenerate but well defined: every repeat buyer has the same mean repeat-day "
                f"value {common:.4g}, the homogeneous limit of the model; used for every account"
            ),
        )

    (ux, um), counts, _ = aggregate_rows(xs, ms)
    total = counts.sum()
    distinct_x, at = np.unique(ux, return_inverse=True)
    distinct = (distinct_x, at.ravel())

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = _terms(GammaGammaParams(*np.exp(log_params)), ux, um, True, distinct)
        # Weighted sums with (v * counts).sum() rather than `@`: a BLAS call here wakes the
        # OpenBLAS thread pool on every evaluation, which costs more than it saves.
        gradient = -(grad * counts).sum(axis=1) * np.exp(log_params) / total
        return -float((value * counts).sum()) / total, gradient

    mean_m = float(np.mean(ms))
    starts = [(1.0, 2.0, mean_m), (5.0, 3.0, mean_m), (1.0, 1.5, 1.0), (10.0, 10.0, 10 * mean_m)]
    best = maximise_log_likelihood(objective, starts, PARAMETER_NAMES)
    params = GammaGammaParams(*best.parameters)
    ll = float(best.mean_log_likelihood * total)
    fitted = dict(params.as_dict())
    if not best.converged:
        return fallback_fit(best.verdict_message(PARAMETER_NAMES), fitted, ll)
    heavy_tail = params.q <= 1.0
    population_mean = fallback if heavy_tail else float(params.population_mean)
    fitted["mean_order_value"] = population_mean
    return SpendModel(params, population_mean), ModelFit(
        model=MODEL_NAME,
        parameters=fitted,
        log_likelihood=ll,
        accounts_used=n_used,
        converged=True,
        message=best.verdict_message(PARAMETER_NAMES)
        + (
            f"; q = {params.q:.3g} <= 1: spend is heavy-tailed across accounts, so accounts "
            f"without a repeat purchase day use the mean observed repeat-day value {fallback:.4g}"
            if heavy_tail
            else ""
        )
        + (
            f"; {n_repeat - n_used} repeat buyer(s) with zero spend left out"
            if n_repeat > n_used
            else ""
        ),
    )
