"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005 "RFM and CLV"; Colombo & Jiang 1999).

Each purchase day's value is Gamma(p, nu) with an account-specific nu ~ Gamma(q, gamma). An
account's mean repeat-day value m over x repeat days is then the sufficient statistic, and the
posterior mean of its order value is a weighted average of the population mean p*gamma/(q-1)
and its own m, with weight p*x / (p*x + q - 1) on m. Spend is assumed independent of the
purchase process, as in the papers.

The population mean is finite only for q > 1 and explodes as q approaches 1: a converged fit with
q = 0.8 turned an account with three purchase days worth R$ 48,289 into an expected order value of
R$ 1.03 million. So the model is used only when q is credibly above `min_q_lower_bound` (the lower
end of q's 95 % confidence interval is); otherwise the status is `unstable_mean` and accounts get
the shrunk-mean fallback (`fallback.py`). Statuses: docs/clv.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from pipelines.lib.clv.fitting import OptimumResult, aggregate_rows, maximise_log_likelihood
from pipelines.lib.clv.identification import Identification, Tolerance, identify
from pipelines.lib.clv.status import FitStatus, ModelFit

MODEL_NAME = "gamma_gamma"
PARAMETER_NAMES = ("p", "q", "gamma")
FALLBACK_METHOD = "shrunk_mean"
Z95 = 1.959963984540054  # norm.ppf(0.975), written out: see identification.REGION_DROP
# Across the parameter values a flat direction leaves open, the model is still usable when no
# repeat buyer's expected order value, nor the population mean, moves by more than 10 %.
STABILITY_TOLERANCES = {
    "expected_order_value": Tolerance(absolute=0.0, relative=0.10),
    "population_mean": Tolerance(absolute=0.0, relative=0.10),
}


@dataclass(frozen=True)
class GammaGammaParams:
    """Spend per purchase day ~ Gamma(p, nu); nu ~ Gamma(q, gamma) across accounts."""

    p: float
    q: float
    gamma: float

    def as_dict(self) -> dict[str, float]:
        return {"p": float(self.p), "q": float(self.q), "gamma": float(self.gamma)}

    @classmethod
    def from_log(cls, log_parameters: np.ndarray) -> GammaGammaParams:
        return cls(*(float(v) for v in np.exp(log_parameters)))

    @property
    def population_mean(self) -> float:
        """Mean order value of an account we know nothing about (finite only when q > 1)."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("inf")


@dataclass(frozen=True)
class GammaGammaFit:
    """`params` is None when the model is not used (the record says why)."""

    params: GammaGammaParams | None
    record: ModelFit
    log_parameters: np.ndarray | None = None
    identification: Identification | None = None


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
    Infinite where p x + q - 1 <= 0 (only possible with q <= 1, which the fit never uses).
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    m = np.where((x > 0) & np.isfinite(m) & (m > 0), m, 0.0)
    p, q, g = params.p, params.q, params.gamma
    denominator = p * x + q - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, (g + m * x) * p / denominator, np.inf)


def fit(
    frequency: np.ndarray,
    monetary_value: np.ndarray,
    *,
    min_repeat_buyers: int,
    min_q_lower_bound: float,
) -> GammaGammaFit:
    """Fit on repeat buyers with positive mean spend and say whether the fit can be used."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    usable = (x > 0) & np.isfinite(m) & (m > 0)
    n_used = int(np.sum(usable))
    condition = (
        f"q > {min_q_lower_bound:g} and the lower end of q's 95 % confidence interval "
        f"> {min_q_lower_bound:g} (clv_min_q_lower_bound)"
    )

    def not_fitted(status: FitStatus, reason: str) -> GammaGammaFit:
        return GammaGammaFit(
            None,
            ModelFit(
                model=MODEL_NAME,
                status=status,
                status_reason=reason,
                accounts_used=n_used,
                converged=False,
                stability_condition=condition + ": not evaluated (not fitted)",
                is_stable=False,
                diagnostics={"repeat_buyers": float(n_used)},
                fallback_method=FALLBACK_METHOD,
            ),
        )

    if n_used < min_repeat_buyers:
        return not_fitted(
            FitStatus.TOO_FEW_BUYERS,
            f"{n_used} account(s) with a repeat purchase day of positive value, at least "
            f"{min_repeat_buyers} needed (clv_min_repeat_buyers) to estimate how spend varies "
            "between accounts",
        )
    xs, ms = x[usable], m[usable]
    if np.ptp(ms) == 0.0:
        return not_fitted(
            FitStatus.NOT_IDENTIFIED,
            f"every repeat buyer has the same mean repeat-day value ({float(ms[0]):.4g}): how "
            "spend varies between accounts cannot be estimated",
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

    def predict(log_params: np.ndarray) -> dict[str, np.ndarray]:
        params = GammaGammaParams.from_log(log_params)
        return {
            "expected_order_value": conditional_expected_order_value(params, ux, um),
            "population_mean": np.array([params.population_mean]),
        }

    return _assess(best, objective, total, predict, n_used, condition, min_q_lower_bound)


def _assess(
    best: OptimumResult,
    objective,
    total: float,
    predict,
    n_used: int,
    condition: str,
    min_q_lower_bound: float,
) -> GammaGammaFit:
    params = GammaGammaParams(*best.parameters)
    diagnostics = {
        "repeat_buyers": float(n_used),
        "relative_gradient": float(best.relative_gradient),
    }
    if params.q > 1.0:
        diagnostics["population_mean_order_value"] = float(params.population_mean)
    ll = float(best.mean_log_likelihood * total) if np.isfinite(best.mean_log_likelihood) else None

    def record(
        status: FitStatus, reason: str, identification: Identification | None, stable: bool
    ) -> ModelFit:
        usable = status in (FitStatus.CONVERGED, FitStatus.PARTIALLY_IDENTIFIED)
        return ModelFit(
            model=MODEL_NAME,
            status=status,
            status_reason=reason,
            accounts_used=n_used,
            converged=best.converged,
            stability_condition=condition + (": met" if stable else ": not met"),
            is_stable=stable,
            parameters=params.as_dict(),
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
        return GammaGammaFit(None, record(FitStatus.NOT_CONVERGED, reason, None, False))
    identification = identify(
        objective, best.log_parameters, total, predict, STABILITY_TOLERANCES, best.at_bound_axes
    )
    log_se_q = identification.log_standard_errors[1]
    q_lower = params.q * np.exp(-Z95 * log_se_q) if np.isfinite(log_se_q) else None
    if q_lower is not None:
        diagnostics["q_lower_95"] = float(q_lower)
    stable = params.q > min_q_lower_bound and (q_lower is None or q_lower > min_q_lower_bound)
    if not stable:
        interval = f"its 95 % interval starts at {q_lower:.3g}" if q_lower is not None else ""
        reason = (
            f"q = {params.q:.3g}"
            + (f" ({interval})" if interval else " (not identified)")
            + f" is not credibly above {min_q_lower_bound:g}: spend is so heavy-tailed across "
            "accounts that the population mean order value "
            + (
                "is infinite"
                if params.q <= 1.0
                else f"({params.population_mean:.4g}) is not stable, and with it every "
                "account's expected order value"
            )
        )
        return GammaGammaFit(None, record(FitStatus.UNSTABLE_MEAN, reason, identification, False))
    if identification.identified:
        reason = (
            f"interior optimum (best of {best.starts_tried} starts, relative gradient "
            f"{best.relative_gradient:.1e}); every parameter identified; q = {params.q:.3g}, "
            f"95 % interval from {q_lower:.3g}"
        )
        fit_record = record(FitStatus.CONVERGED, reason, identification, True)
        return GammaGammaFit(params, fit_record, best.log_parameters, identification)
    loose = ", ".join(
        name
        for name, se in zip(PARAMETER_NAMES, identification.log_standard_errors, strict=True)
        if not np.isfinite(se)
    )
    where = (
        "parameter(s) " + ", ".join(best.at_bound) + " ran to the search bound [1e-6, 1e6]"
        if best.at_bound
        else f"the likelihood is flat in {loose or 'a combination of the parameters'}"
    )
    if identification.predictions_stable:
        reason = (
            f"{where}; the predictions barely depend on it (largest change across the values it "
            f"leaves open: {identification.largest_shift})"
        )
        fit_record = record(FitStatus.PARTIALLY_IDENTIFIED, reason, identification, True)
        return GammaGammaFit(params, fit_record, best.log_parameters, identification)
    status = FitStatus.AT_BOUND if best.at_bound else FitStatus.NOT_IDENTIFIED
    reason = f"{where}, and the predictions depend on it ({identification.largest_shift})"
    return GammaGammaFit(None, record(status, reason, identification, True))
