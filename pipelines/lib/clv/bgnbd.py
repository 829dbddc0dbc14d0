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
from scipy.special import (
    betainccinv,
    betaincinv,
    betaln,
    digamma,
    expit,
    gammaln,
    hyp2f1,
    ndtr,
    roots_hermitenorm,
)

from pipelines.lib.clv.fitting import (
    LOG_LOWER,
    LOG_UPPER,
    ClvError,
    OptimumResult,
    aggregate_rows,
    maximise_log_likelihood,
)
from pipelines.lib.clv.identification import Identification, Tolerance, identify
from pipelines.lib.clv.status import FitStatus, ModelFit

MODEL_NAME = "bg_nbd"
PARAMETER_NAMES = ("r", "alpha", "a", "b")
FALLBACK_METHOD = "run_rate"
WEEKS_PER_MONTH = 365.25 / 7.0 / 12.0
# Across the parameter values a flat direction leaves open, the model is still usable when no
# account's P(alive) moves by more than 0.05 and no account's 12-month expected purchase days by
# more than 10 % (plus 0.1 days); that spread is then part of the prediction intervals.
STABILITY_TOLERANCES = {
    "p_alive": Tolerance(absolute=0.05, relative=0.0),
    "expected_purchases_12m": Tolerance(absolute=0.1, relative=0.10),
}
# From this a on, SciPy's 2F1 returns NaN or infinity for a growing share of accounts (0.1 % at
# a = 100-200, 0.9 % at 200-300, most above 360), while the Beta(a, b + x) dropout posterior is
# concentrated enough for an 8-node Gauss-Hermite quadrature in its quantile domain to be
# accurate to 5e-6 relative (docs/clv.md, "Numerics").
QUADRATURE_MIN_A = 100.0
_QUADRATURE_NODES, _QUADRATURE_WEIGHTS = roots_hermitenorm(8)
_QUADRATURE_WEIGHTS = _QUADRATURE_WEIGHTS / _QUADRATURE_WEIGHTS.sum()
_QUADRATURE_CHUNK = 65_536


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

    @classmethod
    def from_log(cls, log_parameters: np.ndarray) -> BgNbdParams:
        return cls(*(float(v) for v in np.exp(log_parameters)))


@dataclass(frozen=True)
class BgNbdFit:
    """`params` is None when the model is not used; `identification` says how uncertain the
    log-parameters are, for prediction intervals."""

    params: BgNbdParams | None
    record: ModelFit
    log_parameters: np.ndarray | None = None
    identification: Identification | None = None


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


def fit(
    frequency: np.ndarray, recency: np.ndarray, t: np.ndarray, *, min_repeat_buyers: int
) -> BgNbdFit:
    """Maximum-likelihood fit on all accounts; never raises on a poor fit, it reports it.

    Accounts with identical (x, t_x, T) are collapsed with counts first. With fewer repeat
    buyers than `min_repeat_buyers` nothing is fitted: purchase rates and dropout cannot be
    estimated from accounts that bought once.
    """
    x, t_x, t_cal = _as_arrays(frequency, recency, t)
    n_accounts = len(x)
    repeat_buyers = int(np.sum(x > 0))
    if repeat_buyers < min_repeat_buyers:
        return BgNbdFit(
            params=None,
            record=ModelFit(
                model=MODEL_NAME,
                status=FitStatus.TOO_FEW_BUYERS,
                status_reason=(
                    f"{repeat_buyers} account(s) with a repeat purchase day, at least "
                    f"{min_repeat_buyers} needed (clv_min_repeat_buyers) to estimate purchase "
                    "rates and dropout"
                ),
                accounts_used=n_accounts,
                converged=False,
                stability_condition=_STABILITY_CONDITION + ": not evaluated (not fitted)",
                is_stable=False,
                diagnostics={"repeat_buyers": float(repeat_buyers)},
                fallback_method=FALLBACK_METHOD,
            ),
        )
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

    def predict(log_params: np.ndarray) -> dict[str, np.ndarray]:
        p = BgNbdParams.from_log(log_params)
        return {
            "p_alive": p_alive(p, ux, utx, ut),
            "expected_purchases_12m": conditional_expected_purchases(
                p, 12 * WEEKS_PER_MONTH, ux, utx, ut
            ),
        }

    return _assess(best, objective, total, predict, n_accounts, repeat_buyers)


_STABILITY_CONDITION = (
    "every parameter inside the search range [1e-6, 1e6] with a finite standard error, or "
    "P(alive) and 12-month expected purchases unchanged along any direction the data leave open"
)


def _assess(
    best: OptimumResult,
    objective,
    total: float,
    predict,
    n_accounts: int,
    repeat_buyers: int,
) -> BgNbdFit:
    params = BgNbdParams(*best.parameters)
    fitted = params.as_dict()
    diagnostics = {
        "repeat_buyers": float(repeat_buyers),
        "relative_gradient": float(best.relative_gradient),
        "mean_dropout_probability": params.a / (params.a + params.b),
    }
    ll = float(best.mean_log_likelihood * total) if np.isfinite(best.mean_log_likelihood) else None

    def record(status: FitStatus, reason: str, identification: Identification | None) -> ModelFit:
        usable = status in (FitStatus.CONVERGED, FitStatus.PARTIALLY_IDENTIFIED)
        return ModelFit(
            model=MODEL_NAME,
            status=status,
            status_reason=reason,
            accounts_used=n_accounts,
            converged=best.converged,
            stability_condition=_STABILITY_CONDITION + (": met" if usable else ": not met"),
            is_stable=usable,
            parameters=fitted,
            standard_errors=(
                identification.standard_errors(PARAMETER_NAMES, best.parameters)
                if identification is not None
                else dict.fromkeys(PARAMETER_NAMES)
            ),
            log_likelihood=ll,
            diagnostics=diagnostics,
            fallback_method=None if usable else FALLBACK_METHOD,
        )

    if not best.converged:
        reason = "; ".join(best.failure_reasons())
        return BgNbdFit(None, record(FitStatus.NOT_CONVERGED, reason, None))
    identification = identify(
        objective, best.log_parameters, total, predict, STABILITY_TOLERANCES, best.at_bound_axes
    )
    status, reason = _status(best, identification, params)
    fit_record = record(status, reason, identification)
    if not fit_record.uses_model:
        return BgNbdFit(None, fit_record)
    return BgNbdFit(params, fit_record, best.log_parameters, identification)


def _status(
    best: OptimumResult, identification: Identification, params: BgNbdParams
) -> tuple[FitStatus, str]:
    if identification.identified:
        return FitStatus.CONVERGED, (
            f"interior optimum (best of {best.starts_tried} starts, relative gradient "
            f"{best.relative_gradient:.1e}); every parameter identified"
        )
    open_part = _describe_flat(identification, params, best.at_bound)
    if identification.predictions_stable:
        return FitStatus.PARTIALLY_IDENTIFIED, (
            f"{open_part}; the predictions barely depend on it (largest change across the "
            f"values it leaves open: {identification.largest_shift})"
        )
    status = FitStatus.AT_BOUND if best.at_bound else FitStatus.NOT_IDENTIFIED
    return status, f"{open_part}, and the predictions depend on it ({identification.largest_shift})"


def _describe_flat(
    identification: Identification, params: BgNbdParams, at_bound: tuple[str, ...]
) -> str:
    if at_bound:
        return (
            "parameter(s) " + ", ".join(at_bound) + " ran to the search bound [1e-6, 1e6]: "
            "the data do not limit them"
        )
    loose = [
        name
        for name, se in zip(PARAMETER_NAMES, identification.log_standard_errors, strict=True)
        if not np.isfinite(se)
    ]
    dropout = params.a / (params.a + params.b)
    if "a" in loose and params.a < 0.01:
        return (
            f"the data show almost no dropout (mean dropout probability {dropout:.2g} per "
            "purchase day), so which accounts have stopped buying is not identified"
        )
    if set(loose) <= {"a", "b"} and params.a + params.b > 100:
        return (
            f"the data identify the mean dropout probability per purchase day ({dropout:.2g}) "
            "but not how it varies between accounts (a and b run off together)"
        )
    return "the likelihood is flat in " + ", ".join(loose or PARAMETER_NAMES)


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
    """Expected repeat purchase days in (T, T + horizon] given the history (paper, eq. 10)."""
    x, t_x, t_cal = _as_arrays(frequency, recency, t)
    return expected_if_alive(params, horizon_weeks, x, t_cal) * p_alive(params, x, t_x, t_cal)


def expected_if_alive(
    params: BgNbdParams,
    horizon_weeks: float | np.ndarray,
    frequency: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """E[purchase days in (T, T + horizon] | alive at T, x, T]; arguments broadcast together.

    The paper's form multiplies ((alpha+T)/(alpha+T+t))^(r+x) by 2F1(r+x, b+x; a+b+x-1; z),
    whose first factor underflows and second overflows for large x. Euler's transformation
    2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) folds the powers together, leaving
    (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose parameters stay bounded as x grows. The
    remaining 1/(a-1) singularity at a = 1 is removable; there the value is the mean of the two
    neighbours a = 1 +- 1e-4 (error of order 1e-8). SciPy's 2F1 returns NaN or infinity once a
    is in the hundreds (a ridge fit where a and b run off together); those values come from a
    quadrature over the dropout probability instead (`_expected_if_alive_quadrature`).
    """
    horizon, x, t_cal = np.broadcast_arrays(
        np.asarray(horizon_weeks, dtype=float),
        np.asarray(frequency, dtype=float),
        np.asarray(t, dtype=float),
    )
    if np.any(horizon < 0):
        raise ClvError("the prediction horizon must be >= 0 weeks")
    if params.a >= QUADRATURE_MIN_A:
        return _expected_if_alive_quadrature(params, horizon, x, t_cal)
    if abs(params.a - 1.0) < 1e-6:
        lower = _expected_if_alive_closed_form(params, 1.0 - 1e-4, horizon, x, t_cal)
        upper = _expected_if_alive_closed_form(params, 1.0 + 1e-4, horizon, x, t_cal)
        value = 0.5 * (lower + upper)
    else:
        value = _expected_if_alive_closed_form(params, params.a, horizon, x, t_cal)
    bad = np.flatnonzero(~np.isfinite(value.ravel()) | (value.ravel() < 0))
    if bad.size:
        # Rare below QUADRATURE_MIN_A (about 1 in 10,000 random parameter sets), so the slow,
        # exact reference is affordable here, one value at a time.
        value = np.array(value, dtype=float, copy=True)
        for i in bad:
            value.flat[i] = expected_if_alive_by_integration(
                params, float(horizon.flat[i]), float(x.flat[i]), float(t_cal.flat[i])
            )
    return value


def _expected_if_alive_closed_form(
    params: BgNbdParams, a: float, horizon: np.ndarray, x: np.ndarray, t_cal: np.ndarray
) -> np.ndarray:
    r, alpha, b = params.r, params.alpha, params.b
    z = horizon / (alpha + t_cal + horizon)
    one_minus_z = (alpha + t_cal) / (alpha + t_cal + horizon)
    c = a + b + x - 1.0
    with np.errstate(all="ignore"):
        bracket = 1.0 - one_minus_z ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        return c / (a - 1.0) * bracket


def _expected_if_alive_quadrature(
    params: BgNbdParams, horizon: np.ndarray, x: np.ndarray, t_cal: np.ndarray
) -> np.ndarray:
    """The same expectation by 8-point Gauss-Hermite quadrature in the quantile domain.

    Given the dropout probability p an active account makes (1 - (1 + p s)^-(r+x)) / p purchase
    days in expectation over its rate posterior, s = horizon / (alpha + T); p's posterior is
    Beta(a, b + x). Writing p = F^-1(Phi(z)) with z standard normal turns the average over p
    into a smooth average over z. Accurate to 1e-6 relative for a >= QUADRATURE_MIN_A, where
    the Beta is concentrated; the nodes depend on x only. Arguments broadcast together.
    """
    shape_out = x.shape
    horizon, x, t_cal = (np.ravel(v) for v in (horizon, x, t_cal))
    out = np.empty(len(x))
    distinct_x, at = np.unique(x, return_inverse=True)
    at = at.ravel()
    # Lower half from the CDF, upper half from its complement: each inverse keeps full
    # precision in its own tail.
    lower = _QUADRATURE_NODES <= 0
    shape_b = (params.b + distinct_x)[:, None]
    nodes = np.empty((len(distinct_x), len(_QUADRATURE_NODES)))
    nodes[:, lower] = betaincinv(params.a, shape_b, ndtr(_QUADRATURE_NODES[lower])[None, :])
    nodes[:, ~lower] = betainccinv(params.a, shape_b, ndtr(-_QUADRATURE_NODES[~lower])[None, :])
    for start in range(0, len(x), _QUADRATURE_CHUNK):
        part = slice(start, start + _QUADRATURE_CHUNK)
        p = nodes[at[part]]
        shape = (params.r + x[part])[:, None]
        scale = (horizon[part] / (params.alpha + t_cal[part]))[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            gain = np.where(p > 0, -np.expm1(-shape * np.log1p(p * scale)) / p, shape * scale)
        out[part] = gain @ _QUADRATURE_WEIGHTS
    return out.reshape(shape_out)


def expected_if_alive_by_integration(
    params: BgNbdParams, horizon: float, x: float, t_cal: float
) -> float:
    """E[purchases in (T, T+horizon] | alive at T, x] by adaptive quadrature, one account.

    The slow, independent reference for the closed form and the Gauss-Hermite quadrature. The
    average over p ~ Beta(a, b + x) is taken over its quantiles u in (0, 1), p = F^-1(u): the
    integrand is then bounded and smooth whatever the shape of the Beta, even when it is
    concentrated on a tiny interval (large a and b), where integrating over p misses the mass.
    """
    shape = params.r + x
    scale = horizon / (params.alpha + t_cal)
    shape_b = params.b + x

    def integrand(u: float) -> float:
        p = betaincinv(params.a, shape_b, u) if u <= 0.5 else betainccinv(params.a, shape_b, 1 - u)
        if p <= 0.0:
            return shape * scale
        return float(-np.expm1(-shape * np.log1p(p * scale)) / p)

    with warnings.catch_warnings():
        # Near-degenerate parameters make quad warn about slow convergence; the estimate it
        # returns is still the best available and is checked for finiteness by the caller.
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, _ = integrate.quad(integrand, 0.0, 1.0, limit=400, epsabs=1e-13, epsrel=1e-11)
    return float(value)


def clip_log_parameters(log_parameters: np.ndarray) -> np.ndarray:
    """Keep drawn log-parameters inside the search range the fit itself used."""
    return np.clip(log_parameters, LOG_LOWER, LOG_UPPER)
