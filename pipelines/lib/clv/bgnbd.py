"""BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive an account buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each
purchase it becomes inactive with probability p ~ Beta(a, b). The data per account are
x = repeat purchase days, t_x = weeks from first to last purchase day, T = weeks from first
purchase day to the as-of date. Everything here is vectorised over accounts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import integrate
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from pipelines.lib.clv.fitting import (
    ClvError,
    ModelFit,
    OptimumResult,
    aggregate_rows,
    maximise_log_likelihood,
)

MODEL_NAME = "bg_nbd"
PARAMETER_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BgNbdParams:
    """Population parameters: lambda ~ Gamma(shape r, rate alpha), p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return {
            "r": float(self.r),
            "alpha": float(self.alpha),
            "a": float(self.a),
            "b": float(self.b),
        }


def log_likelihood(
    params: BgNbdParams, frequency: np.ndarray, recency: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """Per-account log-likelihood (paper, equation 6), computed in log space throughout.

    The two terms of the likelihood ("still alive at T" and "died right after t_x") are combined
    with logaddexp so that large frequencies do not overflow the power terms.
    """
    value, _ = _log_likelihood_terms(params, *_as_arrays(frequency, recency, t), gradient=False)
    return value


def _as_arrays(*columns: np.ndarray) -> list[np.ndarray]:
    return [np.asarray(c, dtype=float) for c in columns]


def _distinct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct frequencies and, per row, the index of its frequency among them."""
    distinct_x, at = np.unique(x, return_inverse=True)
    return distinct_x, at.ravel()


def _log_likelihood_terms(
    params: BgNbdParams,
    x: np.ndarray,
    t_x: np.ndarray,
    t: np.ndarray,
    *,
    gradient: bool,
    distinct: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    # Frequencies are whole numbers with few distinct values: the gamma-function terms are
    # evaluated once per distinct x, which is most of the cost on large inputs. The optimiser
    # passes the distinct values in, so they are found once per fit rather than per evaluation.
    distinct_x, at = distinct if distinct is not None else _distinct(x)
    repeat = x > 0
    a1 = (gammaln(r + distinct_x) - gammaln(r))[at] + r * np.log(alpha)
    a2 = (betaln(a, b + distinct_x) - betaln(a, b))[at]
    log_alpha_t = np.log(alpha + t)
    log_alpha_tx = np.log(alpha + t_x)
    a3 = -(r + x) * log_alpha_t
    # For x = 0 the "died after the last purchase" branch does not exist; -inf drops it.
    b_x1 = np.where(repeat, b + x - 1.0, 1.0)
    a4 = np.where(repeat, np.log(a) - np.log(b_x1) - (r + x) * log_alpha_tx, -np.inf)
    mix = np.logaddexp(a3, a4)
    value = a1 + a2 + mix
    if not gradient:
        return value, None
    w3 = np.exp(a3 - mix)
    w4 = np.exp(a4 - mix)
    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + distinct_x)[at]
    d_r = (digamma(r + distinct_x) - digamma(r))[at] + np.log(alpha) - w3 * log_alpha_t
    d_r -= np.where(repeat, w4 * log_alpha_tx, 0.0)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + t) - w4 * (r + x) / (alpha + t_x)
    d_a = psi_ab - psi_abx + w4 / a
    d_b = psi_ab + (digamma(b + distinct_x) - digamma(b))[at] - psi_abx - w4 / b_x1
    return value, np.vstack([d_r, d_alpha, d_a, d_b])


def fit(frequency: np.ndarray, recency: np.ndarray, t: np.ndarray) -> tuple[BgNbdParams, ModelFit]:
    """Maximum-likelihood fit on all accounts; never raises on a poor fit, it reports it.

    Accounts with identical (x, t_x, T) are collapsed with counts first. With no repeat buyer at
    all the model says nothing about purchase rates or dropout (the likelihood keeps rising as
    r -> 0), so that case is reported as not converged without running the optimiser into a bound.
    """
    x, t_x, t_cal = _as_arrays(frequency, recency, t)
    n_accounts = len(x)
    if n_accounts == 0:
        raise ClvError("BG/NBD fit needs at least one account; the summary is empty")
    (ux, utx, ut), counts, _ = aggregate_rows(x, t_x, t_cal)
    total = counts.sum()
    distinct = _distinct(ux)

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p = BgNbdParams(*np.exp(log_params))
        value, grad = _log_likelihood_terms(p, ux, utx, ut, gradient=True, distinct=distinct)
        # d/d(log theta) = theta * d/d(theta)
        g = -(grad * counts).sum(axis=1) * np.exp(log_params) / total
        return -float((value * counts).sum()) / total, g

    mean_t = float(np.mean(t_cal)) or 1.0
    starts = [
        (1.0, 1.0, 1.0, 1.0),
        (0.5, mean_t / 4.0, 0.8, 2.5),
        (1.0, mean_t, 1.0, 5.0),
        (2.0, mean_t / 2.0, 2.0, 2.0),
        (0.2, 2.0, 0.5, 0.5),
    ]
    best = maximise_log_likelihood(objective, starts, PARAMETER_NAMES)
    params = BgNbdParams(*best.parameters)
    fit_record = _fit_record(best, n_accounts, has_repeat=bool(np.any(x > 0)), total=total)
    return params, fit_record


def _fit_record(
    best: OptimumResult, n_accounts: int, *, has_repeat: bool, total: float
) -> ModelFit:
    params = dict(zip(PARAMETER_NAMES, (float(v) for v in best.parameters), strict=True))
    ll = float(best.mean_log_likelihood * total)
    if not has_repeat:
        return ModelFit(
            model=MODEL_NAME,
            parameters=params,
            log_likelihood=ll,
            accounts_used=n_accounts,
            converged=False,
            message=(
                "not converged: no account has a repeat purchase day, so purchase rate and "
                "dropout cannot be estimated; predictions use the boundary fit (about zero "
                "expected purchases)"
            ),
        )
    message = best.verdict_message(PARAMETER_NAMES)
    if not best.converged and n_accounts < 10:
        message += f" (only {n_accounts} account(s): too few to estimate a population)"
    return ModelFit(
        model=MODEL_NAME,
        parameters=params,
        log_likelihood=ll,
        accounts_used=n_accounts,
        converged=best.converged,
        message=message,
    )


def p_alive(
    params: BgNbdParams, frequency: np.ndarray, recency: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """Probability that the account is still active at T (paper, equation 13).

    Written as expit(-log odds) so that the power ((alpha+T)/(alpha+t_x))^(r+x) cannot overflow
    for accounts with very many purchase days. Accounts with x = 0 are alive with probability 1
    by the model's construction (dropout only happens right after a repeat purchase).
    """
    x, t_x, t_cal = _as_arrays(frequency, recency, t)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    b_x1 = np.where(repeat, b + x - 1.0, 1.0)
    log_odds_dead = (
        np.log(a) - np.log(b_x1) + (r + x) * (np.log(alpha + t_cal) - np.log(alpha + t_x))
    )
    return np.where(repeat, expit(-log_odds_dead), 1.0)


def conditional_expected_purchases(
    params: BgNbdParams,
    horizon_weeks: float | np.ndarray,
    frequency: np.ndarray,
    recency: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """Expected repeat purchase days in (T, T + horizon] given the history (paper, eq. 10).

    The paper's form multiplies ((alpha+T)/(alpha+T+t))^(r+x) by 2F1(r+x, b+x; a+b+x-1; z),
    whose first factor underflows and second overflows for large x. Euler's transformation
    2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) folds the powers together, leaving
    (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose parameters stay bounded as x grows. The
    remaining 1/(a-1) singularity at a = 1 is removable; there the value is the mean of the two
    neighbours a = 1 +- 1e-4 (error of order 1e-8). Any non-finite value left after that is
    recomputed by direct numerical integration over p.
    """
    x, t_x, t_cal = _as_arrays(frequency, recency, t)
    horizon = np.broadcast_to(np.asarray(horizon_weeks, dtype=float), x.shape)
    if np.any(horizon < 0):
        raise ClvError("the prediction horizon must be >= 0 weeks")
    if abs(params.a - 1.0) < 1e-6:
        lower = _expected_if_alive(params, 1.0 - 1e-4, horizon, x, t_cal)
        upper = _expected_if_alive(params, 1.0 + 1e-4, horizon, x, t_cal)
        if_alive = 0.5 * (lower + upper)
    else:
        if_alive = _expected_if_alive(params, params.a, horizon, x, t_cal)
    bad = ~np.isfinite(if_alive) | (if_alive < 0)
    if np.any(bad):
        if_alive = if_alive.copy()
        for i in np.flatnonzero(bad):
            if_alive[i] = expected_if_alive_by_integration(params, horizon[i], x[i], t_cal[i])
    return if_alive * p_alive(params, x, t_x, t_cal)


def _expected_if_alive(
    params: BgNbdParams, a: float, horizon: np.ndarray, x: np.ndarray, t_cal: np.ndarray
) -> np.ndarray:
    r, alpha, b = params.r, params.alpha, params.b
    z = horizon / (alpha + t_cal + horizon)
    one_minus_z = (alpha + t_cal) / (alpha + t_cal + horizon)
    c = a + b + x - 1.0
    with np.errstate(all="ignore"):
        bracket = 1.0 - one_minus_z ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        return c / (a - 1.0) * bracket


def expected_if_alive_by_integration(
    params: BgNbdParams, horizon: float, x: float, t_cal: float
) -> float:
    """E[purchases in (T, T+horizon] | alive at T, x] by quadrature over the dropout probability.

    Given lambda and p an active account makes (1 - exp(-lambda p t)) / p purchases on average;
    averaging over the posteriors lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x) gives a
    one-dimensional integral. It is the slow, independent reference for the closed form.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    shape = r + x
    scale = horizon / (alpha + t_cal)
    log_norm = -betaln(a, b + x)

    def integrand(p: float) -> float:
        if p <= 0.0:
            return 0.0
        # (1 - (1 + p*scale)^-shape) / p, written with expm1/log1p to stay accurate for small p.
        gain = -np.expm1(-shape * np.log1p(p * scale)) / p
        return gain * np.exp(log_norm + (a - 1.0) * np.log(p) + (b + x - 1.0) * np.log1p(-p))

    with warnings.catch_warnings():
        # Near-degenerate parameters make quad warn about slow convergence; the estimate it
        # returns is still the best available and is checked for finiteness by the caller.
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, _ = integrate.quad(integrand, 0.0, 1.0, limit=200, epsabs=1e-12, epsrel=1e-10)
    return float(value)
