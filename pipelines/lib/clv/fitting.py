"""Maximum-likelihood machinery shared by the BG/NBD and Gamma-Gamma fits.

Both models have strictly positive parameters. Optimising their logarithms keeps them positive
without constraints in the interior and turns "absurd" values (1e-6, 1e6) into finite box bounds
that L-BFGS-B respects, so a run-away fit ends at a bound we can detect instead of overflowing.
The likelihood surfaces have long flat ridges, so each fit starts from several points and keeps
the best; `identification.py` then says whether the best point is an estimate the data support.
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
# Convergence: the norm of the gradient of the mean log-likelihood per account (with respect to
# the log-parameters, free parameters only) must be below this fraction of the mean
# log-likelihood's magnitude (at least 1). The objective's rounding error, and so the smallest
# gradient an optimiser can resolve, grows with that magnitude: accounts with 200 purchase days
# contribute log-likelihood terms of several hundred. An absolute 1e-4 rejected a fit whose
# remaining improvement was 6e-4 log-likelihood units in total (docs/clv.md, "Convergence").
RELATIVE_GRADIENT_TOLERANCE = 1e-4

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


class ClvError(ValueError):
    """Raised when the input cannot produce a CLV estimate; the message says what was expected."""


@dataclass(frozen=True)
class OptimumResult:
    """The best optimiser run over all starting points, with the evidence for the verdict."""

    log_parameters: np.ndarray
    mean_log_likelihood: float
    optimiser_success: bool
    relative_gradient: float
    at_bound: tuple[str, ...]
    at_bound_axes: tuple[int, ...]
    optimiser_message: str
    starts_tried: int

    @property
    def parameters(self) -> np.ndarray:
        return np.exp(self.log_parameters)

    @property
    def converged(self) -> bool:
        """Numerical verdict only: success, finite log-likelihood, small relative gradient.

        Whether the data identify the parameters is a separate question (identification.py).
        """
        return (
            self.optimiser_success
            and bool(np.isfinite(self.mean_log_likelihood))
            and self.relative_gradient < RELATIVE_GRADIENT_TOLERANCE
        )

    def failure_reasons(self) -> list[str]:
        """Why `converged` is False, in words a reviewer of the fits table can act on."""
        reasons = []
        if not self.optimiser_success:
            reasons.append(f"the optimiser did not report success ({self.optimiser_message})")
        if not np.isfinite(self.mean_log_likelihood):
            reasons.append("the log-likelihood is not finite")
        if self.relative_gradient >= RELATIVE_GRADIENT_TOLERANCE:
            reasons.append(
                f"the relative gradient {self.relative_gradient:.1e} is not below "
                f"{RELATIVE_GRADIENT_TOLERANCE:.0e} at the best point found"
            )
        return reasons


def maximise_log_likelihood(
    mean_negative_ll: Objective,
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
            log_parameters=np.clip(np.log(np.asarray(starts[0], float)), LOG_LOWER, LOG_UPPER),
            mean_log_likelihood=float("-inf"),
            optimiser_success=False,
            relative_gradient=float("inf"),
            at_bound=(),
            at_bound_axes=(),
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
    at_bound_mask = (best.x <= LOG_LOWER + BOUND_MARGIN) | (best.x >= LOG_UPPER - BOUND_MARGIN)
    return OptimumResult(
        log_parameters=np.asarray(best.x, dtype=float),
        mean_log_likelihood=-float(value),
        optimiser_success=bool(best.success),
        relative_gradient=relative_gradient(gradient, -float(value), at_bound_mask),
        at_bound=tuple(name for name, hit in zip(names, at_bound_mask, strict=True) if hit),
        at_bound_axes=tuple(int(i) for i in np.flatnonzero(at_bound_mask)),
        optimiser_message=str(best.message),
        starts_tried=len(starts),
    )


def relative_gradient(
    gradient: np.ndarray, mean_log_likelihood: float, at_bound: np.ndarray
) -> float:
    """Norm of the free parameters' gradient over max(1, |mean log-likelihood|).

    At a bound the likelihood may still rise outwards (that is why the optimiser stopped
    there): only the free parameters' gradient says whether the optimum was reached.
    """
    gradient = np.asarray(gradient, dtype=float)
    if not np.all(np.isfinite(gradient)) or not np.isfinite(mean_log_likelihood):
        return float("inf")
    free = np.where(np.asarray(at_bound, dtype=bool), 0.0, gradient)
    return float(np.linalg.norm(free)) / max(1.0, abs(mean_log_likelihood))


def observed_information(
    mean_negative_ll: Objective, log_parameters: np.ndarray, accounts: float, step: float = 1e-4
) -> np.ndarray:
    """Observed Fisher information of the total log-likelihood, in log-parameters.

    Central differences of the analytic gradient (2k gradient evaluations): the Hessian of the
    mean negative log-likelihood times the number of accounts. Symmetrised; may be singular or
    indefinite where the likelihood is flat, which identification.py examines.
    """
    k = len(log_parameters)
    columns = []
    for i in range(k):
        shift = np.zeros(k)
        shift[i] = step
        _, upper = mean_negative_ll(log_parameters + shift)
        _, lower = mean_negative_ll(log_parameters - shift)
        columns.append((upper - lower) / (2.0 * step))
    hessian = np.column_stack(columns)
    return accounts * 0.5 * (hessian + hessian.T)


def _run(
    objective: Objective,
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
