"""Maximum-likelihood machinery shared by the BG/NBD and Gamma-Gamma fits.

Both models have strictly positive parameters. Optimising their logarithms keeps them positive
without constraints in the interior and turns "absurd" values (1e-6, 1e6) into finite box bounds
that L-BFGS-B respects, so a run-away fit ends at a bound we can detect instead of overflowing.
The likelihood surfaces have long flat ridges, so each fit starts from several points and keeps
the best; the verdict then says whether the best point is a trustworthy optimum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

# Parameters are searched in [1e-6, 1e6]; a fit that ends near either end has run off to a
# degenerate limit (no heterogeneity, nobody ever dies, ...) rather than found an estimate.
LOG_LOWER = float(np.log(1e-6))
LOG_UPPER = float(np.log(1e6))
# How close (in log units) to a bound counts as "at the bound": 1e-6 * e^0.5 ~ 1.6e-6.
BOUND_MARGIN = 0.5
# The objective is the mean negative log-likelihood per account, so this tolerance does not
# grow with the number of accounts. Gradients are taken with respect to the log-parameters.
GRADIENT_TOLERANCE = 1e-4


class ClvError(ValueError):
    """Raised when the input cannot produce a CLV estimate; the message says what was expected."""


@dataclass(frozen=True)
class ModelFit:
    """One fitted model, as written to `clv_model_fits`.

    `converged` is False whenever the numbers should not be trusted (the optimiser failed, the
    optimum is at a bound, or the model could not be fitted and a fallback was used); callers
    treat it as a failed check. `message` says why in plain words.
    """

    model: str
    parameters: dict[str, float]
    log_likelihood: float
    accounts_used: int
    converged: bool
    message: str


@dataclass(frozen=True)
class OptimumResult:
    """The best optimiser run over all starting points, with the evidence for the verdict."""

    parameters: np.ndarray
    mean_log_likelihood: float
    optimiser_success: bool
    gradient_norm: float
    at_bound: tuple[str, ...]
    optimiser_message: str
    starts_tried: int

    @property
    def converged(self) -> bool:
        """Verdict: optimiser success, finite LL, small gradient, no parameter at a bound."""
        return (
            self.optimiser_success
            and bool(np.isfinite(self.mean_log_likelihood))
            and self.gradient_norm < GRADIENT_TOLERANCE
            and not self.at_bound
        )

    def verdict_message(self, names: Sequence[str]) -> str:
        """Explain the verdict in a sentence a reviewer of the fits table can act on."""
        if self.converged:
            return (
                f"converged (best of {self.starts_tried} starts, "
                f"gradient norm {self.gradient_norm:.1e})"
            )
        reasons = []
        if not self.optimiser_success:
            reasons.append(f"optimiser did not report success ({self.optimiser_message})")
        if not np.isfinite(self.mean_log_likelihood):
            reasons.append("log-likelihood is not finite")
        if self.gradient_norm >= GRADIENT_TOLERANCE:
            reasons.append(
                f"gradient norm {self.gradient_norm:.1e} >= {GRADIENT_TOLERANCE:.0e} at the optimum"
            )
        if self.at_bound:
            reasons.append(
                "parameter(s) "
                + ", ".join(self.at_bound)
                + " ran to the search bound [1e-6, 1e6]: the data do not identify them"
            )
        return "not converged: " + "; ".join(reasons)


def maximise_log_likelihood(
    mean_negative_ll: Callable[[np.ndarray], tuple[float, np.ndarray]],
    starts: Sequence[Sequence[float]],
    names: Sequence[str],
) -> OptimumResult:
    """Minimise a mean negative log-likelihood over log-parameters from several starts.

    `mean_negative_ll(log_params)` returns the objective and its gradient with respect to the
    log-parameters. Each start is given in the natural (positive) scale. The run with the lowest
    objective wins and is polished once more to a tight tolerance. `mean_log_likelihood` in the
    result is per account; callers multiply by the number of accounts.
    """
    bounds = [(LOG_LOWER, LOG_UPPER)] * len(names)
    best = None
    for start in starts:
        x0 = np.clip(np.log(np.asarray(start, dtype=float)), LOG_LOWER + 1.0, LOG_UPPER - 1.0)
        run = _run(mean_negative_ll, x0, bounds, ftol=1e-7)
        if np.isfinite(run.fun) and (best is None or run.fun < best.fun):
            best = run
    if best is None:
        return OptimumResult(
            parameters=np.exp(np.clip(np.log(np.asarray(starts[0], float)), LOG_LOWER, LOG_UPPER)),
            mean_log_likelihood=float("-inf"),
            optimiser_success=False,
            gradient_norm=float("inf"),
            at_bound=(),
            optimiser_message="the log-likelihood was not finite at any starting point",
            starts_tried=len(starts),
        )
    # Starts are run to a loose tolerance (they only have to find the right basin); the winner is
    # then polished to a tight one, which also gives it a clean termination status.
    polished = _run(mean_negative_ll, best.x, bounds, ftol=1e-13)
    # A polish that ends in a line-search failure (precision exhausted right at the optimum) is
    # dropped in favour of the cleanly terminated loose run; the gradient check still applies.
    if (
        np.isfinite(polished.fun)
        and polished.fun <= best.fun
        and (polished.success or not best.success)
    ):
        best = polished
    value, gradient = mean_negative_ll(best.x)
    at_bound = tuple(
        name
        for name, theta in zip(names, best.x, strict=True)
        if theta <= LOG_LOWER + BOUND_MARGIN or theta >= LOG_UPPER - BOUND_MARGIN
    )
    return OptimumResult(
        parameters=np.exp(best.x),
        mean_log_likelihood=-float(value),
        optimiser_success=bool(best.success),
        gradient_norm=float(np.linalg.norm(gradient)) if np.all(np.isfinite(gradient)) else np.inf,
        at_bound=at_bound,
        optimiser_message=str(best.message),
        starts_tried=len(starts),
    )


def _run(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    bounds: list[tuple[float, float]],
    *,
    ftol: float,
):
    def safe(theta: np.ndarray) -> tuple[float, np.ndarray]:
        # A non-finite value would poison the quasi-Newton update; a large finite penalty makes
        # the line search back off instead.
        value, gradient = objective(theta)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return 1e10, np.zeros_like(theta)
        return value, gradient

    return minimize(
        safe,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": ftol, "gtol": 1e-8, "maxcor": 20},
    )


def aggregate_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Collapse identical rows into unique rows with counts.

    Likelihoods depend only on each account's summary statistics, so accounts that share them
    contribute identical terms; evaluating each unique row once and weighting by its count is
    exact and, on day-grained data, much smaller. Returns (unique columns, counts, inverse).
    """
    arrays = [np.asarray(c, dtype=float) for c in columns]
    n = len(arrays[0]) if arrays else 0
    if n == 0:
        return [np.empty(0) for _ in arrays], np.empty(0), np.empty(0, dtype=int)
    # lexsort + run boundaries: np.unique(axis=0) does the same but an order of magnitude slower.
    order = np.lexsort(arrays[::-1])
    sorted_cols = [c[order] for c in arrays]
    new_run = np.zeros(n, dtype=bool)
    new_run[0] = True
    for col in sorted_cols:
        new_run[1:] |= col[1:] != col[:-1]
    run_id = np.cumsum(new_run) - 1
    inverse = np.empty(n, dtype=int)
    inverse[order] = run_id
    counts = np.bincount(run_id).astype(float)
    return [col[new_run] for col in sorted_cols], counts, inverse
